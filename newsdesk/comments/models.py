import ipaddress
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.text import Truncator

from .privacy import email_decrypt


class CommentQuerySet(models.QuerySet):
    def approved(self):
        return self.filter(status=Comment.Status.APPROVED)

    def pending(self):
        return self.filter(status=Comment.Status.PENDING)

    def for_article_page(self, article):
        """Approved comments of an article, oldest first, with what the page shows only."""
        return (
            self.approved()
            .filter(article=article)
            .only("id", "parent_id", "name", "body", "created_at")
        )

    def moderation_queue(self):
        """Pending first, then spam, then everything else; newest last within pending so the
        oldest waiting comment is handled first."""
        order = models.Case(
            models.When(status=Comment.Status.PENDING, then=0),
            models.When(status=Comment.Status.SPAM, then=1),
            default=2,
            output_field=models.IntegerField(),
        )
        return (
            self.select_related("article", "parent")
            .annotate(queue_order=order)
            .order_by("queue_order", "created_at", "id")
        )

    def for_email_digest(self, digest: str):
        return self.filter(email_digest=digest)


class Comment(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        SPAM = "spam", "Spam"

    article = models.ForeignKey(
        "articles.Article", on_delete=models.CASCADE, related_name="comments"
    )
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="replies",
        help_text="The comment this one replies to (one level: replies to a reply join the first).",
    )
    name = models.CharField(max_length=80)
    email_digest = models.CharField(
        max_length=64,
        db_index=True,
        editable=False,
        help_text="Keyed hash of the address, for matching.",
    )
    email_encrypted = models.TextField(
        editable=False, blank=True, help_text="Encrypted address, for moderators."
    )
    body = models.TextField(max_length=5000)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    ip_address = models.GenericIPAddressField(
        null=True,
        blank=True,
        help_text="Kept for abuse handling; purged after the retention period.",
    )
    spam_score = models.FloatField(default=0.0)
    spam_reasons = models.JSONField(default=list, blank=True)
    body_digest = models.CharField(
        max_length=32,
        blank=True,
        db_index=True,
        editable=False,
        help_text="Hash of the text as typed, to spot the same text posted again.",
    )
    learned_as = models.CharField(
        max_length=10,
        blank=True,
        editable=False,
        help_text="What the spam filter learnt from this comment.",
    )
    moderated_at = models.DateTimeField(null=True, blank=True)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Where an imported comment came from (a digest of e.g. "wordpress:<site>#101/comment-12",
    # see comments/imports.py): importing the same export again finds it, never a copy.
    import_key = models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)

    objects = CommentQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["article", "status", "created_at"], name="comment_article_idx"),
            models.Index(fields=["status", "created_at"], name="comment_status_idx"),
        ]
        permissions = [
            ("moderate_comment", "Can moderate comments (approve, reject, mark spam)"),
            ("view_commenter_email", "Can see commenters' email addresses"),
        ]

    def __str__(self) -> str:
        # Admin titles and breadcrumbs: whose comment on which story, never an internal id.
        headline = Truncator(self.article.headline).chars(60)
        return f"{self.name} on “{headline}”"

    @property
    def email(self) -> str:
        """The address in clear, for moderators' eyes only; never put it on a public page."""
        return email_decrypt(self.email_encrypted)


class CommentSettings(models.Model):
    """Per-article comment mode; an article without a row follows the site default (auto)."""

    class Mode(models.TextChoices):
        AUTO = "auto", "Open, closing automatically after the site's number of days"
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    article = models.OneToOneField(
        "articles.Article",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="comment_settings",
    )
    mode = models.CharField(max_length=10, choices=Mode.choices, default=Mode.AUTO)
    close_after_days = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="For 'auto': days after publication; empty uses the site's setting.",
    )

    class Moderation(models.TextChoices):
        SITE = "", "The site's default"
        PRE = "pre", "Pre-moderated: comments wait for a moderator"
        POST = "post", "Post-moderated: comments appear at once unless the filter holds them"

    class Trust(models.TextChoices):
        SITE = "", "The site's default"
        ON = "on", "Trusted commenters appear at once"
        OFF = "off", "Every comment waits (no trust)"

    moderation = models.CharField(
        max_length=4, choices=Moderation.choices, default=Moderation.SITE, blank=True
    )
    trust = models.CharField(
        max_length=3,
        choices=Trust.choices,
        default=Trust.SITE,
        blank=True,
        help_text="Pre-moderated articles: whether commenters with approved comments and none "
        "rejected skip the queue.",
    )

    class Meta:
        verbose_name = "comment settings"
        verbose_name_plural = "comment settings"

    def __str__(self) -> str:
        headline = Truncator(self.article.headline).chars(60)
        return f"Comments on “{headline}”: {self.get_mode_display()}"


def comment_settings_of(article) -> CommentSettings | None:
    """The article's settings row, or None (the site default); no query when it was read along
    (select_related("comment_settings"))."""
    try:
        return article.comment_settings
    except CommentSettings.DoesNotExist:
        return None


def comments_close_at(article, settings_row: CommentSettings | None = None):
    """When `article` stops taking comments by the clock (auto mode with a number of days), or
    None: never by the clock (open, closed by an editor, or no limit)."""
    mode = settings_row.mode if settings_row else CommentSettings.Mode.AUTO
    if mode != CommentSettings.Mode.AUTO:
        return None
    days = (
        settings_row.close_after_days
        if settings_row and settings_row.close_after_days is not None
        else None
    )
    if days is None:
        days = settings.NEWSDESK_COMMENTS_CLOSE_AFTER_DAYS
    if not days or article.published_at is None:
        return None
    return article.published_at + timedelta(days=days)


def comments_open(article, settings_row: CommentSettings | None = None, *, now=None) -> bool:
    """Whether readers may comment on `article` now."""
    if settings_row and settings_row.mode == CommentSettings.Mode.CLOSED:
        return False
    close_at = comments_close_at(article, settings_row)
    return close_at is None or (now or timezone.now()) < close_at


class BlockedTerm(models.Model):
    """A word, phrase, domain or address part that sends a comment to the spam folder (banned)
    or holds it for a moderator (suspect)."""

    class Kind(models.TextChoices):
        BANNED = "banned", "Banned: the comment goes to the spam folder"
        SUSPECT = "suspect", "Suspect: the comment waits for a moderator"

    term = models.CharField(
        max_length=100, unique=True, help_text="Matched without regard to case."
    )
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.BANNED)
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["term"]

    def __str__(self) -> str:
        return self.term

    def save(self, *args, **kwargs):
        self.term = self.term.strip().lower()
        super().save(*args, **kwargs)


class SpamToken(models.Model):
    """How often a token appeared in comments moderators marked spam or approved (naive Bayes).
    The row with token DOCS counts the comments learnt from."""

    DOCS = " docs"  # a space: no real token has one

    token = models.CharField(max_length=100, primary_key=True)
    spam = models.PositiveIntegerField(default=0)
    ham = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.token}: {self.spam} spam / {self.ham} ham"


class ModerationNotice(models.Model):
    """An email sent to moderators about new pending comments: the throttle's memory."""

    sent_at = models.DateTimeField(db_index=True)
    new_comments = models.PositiveIntegerField()

    class Meta:
        ordering = ["-sent_at"]

    def __str__(self) -> str:
        return f"{self.sent_at:%Y-%m-%d %H:%M}: {self.new_comments} new"


class BanQuerySet(models.QuerySet):
    def active(self, now=None):
        now = now or timezone.now()
        return self.filter(models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now))


def ban_in_force(*, email_digest: str, ip_address: str | None, now=None) -> bool:
    """Whether a ban holds this commenter: their address's digest, or a range holding their IP.
    Every post asks: one plain statement on two indexes (the ORM spends more building it)."""
    from django.db import connection

    table = connection.ops.quote_name(Ban._meta.db_table)
    position = ip_position(ip_address) if ip_address else ""
    now = connection.ops.adapt_datetimefield_value(now or timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT 1 FROM {table} WHERE (expires_at IS NULL OR expires_at > %s) AND "  # noqa: S608 - our table
            "(email_digest = %s OR (net_last <> '' AND net_first <= %s AND net_last >= %s)) "
            "LIMIT 1",
            [now, email_digest or "-", position or "-", position or "-"],
        )
        return cursor.fetchone() is not None


def ip_position(address: str) -> str:
    """An address as 32 hex digits (IPv4 as IPv6-mapped), so ranges compare as text everywhere."""
    ip = ipaddress.ip_address(address)
    if ip.version == 4:
        ip = ipaddress.IPv6Address(f"::ffff:{ip}")
    return f"{int(ip):032x}"


class Ban(models.Model):
    """Comments from an email address (by its keyed digest: the address is never stored) or from a
    range of IP addresses are refused until `expires_at` (never, when empty)."""

    email_digest = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    network = models.CharField(
        max_length=49,
        blank=True,
        help_text="An address or range, e.g. 203.0.113.0/24 or 2001:db8::/32.",
    )
    net_first = models.CharField(max_length=32, blank=True, editable=False)
    net_last = models.CharField(max_length=32, blank=True, editable=False)
    reason = models.CharField(max_length=200, help_text="For moderators; never shown to readers.")
    expires_at = models.DateTimeField(null=True, blank=True, help_text="Empty: until lifted.")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )

    objects = BanQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["net_first", "net_last"], name="comment_ban_net_idx")]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(email_digest="") | ~models.Q(network=""),
                name="comment_ban_email_or_network",
            )
        ]

    def __str__(self) -> str:
        what = self.network or "an email address"
        until = f" until {self.expires_at:%Y-%m-%d %H:%M}" if self.expires_at else ""
        return f"Ban of {what}{until}: {self.reason}"

    def save(self, *args, **kwargs):
        if self.network:
            network = ipaddress.ip_network(self.network.strip(), strict=False)
            self.network = str(network)
            first, last = network[0], network[-1]
            self.net_first, self.net_last = ip_position(str(first)), ip_position(str(last))
        else:
            self.net_first = self.net_last = ""
        super().save(*args, **kwargs)
