import ipaddress
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

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
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        SPAM = "spam", _("Spam")

    article = models.ForeignKey(
        "articles.Article",
        on_delete=models.CASCADE,
        related_name="comments",
        verbose_name=_("article"),
    )
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="replies",
        help_text=_(
            "The comment this one replies to (one level: replies to a reply join the first)."
        ),
        verbose_name=_("parent"),
    )
    name = models.CharField(max_length=80, verbose_name=_("name"))
    email_digest = models.CharField(
        max_length=64,
        db_index=True,
        editable=False,
        help_text=_("Keyed hash of the address, for matching."),
        verbose_name=_("email digest"),
    )
    email_encrypted = models.TextField(
        editable=False,
        blank=True,
        help_text=_("Encrypted address, for moderators."),
        verbose_name=_("email encrypted"),
    )
    body = models.TextField(max_length=5000, verbose_name=_("body"))
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.PENDING, verbose_name=_("status")
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))
    ip_address = models.GenericIPAddressField(
        null=True,
        blank=True,
        help_text=_("Kept for abuse handling; purged after the retention period."),
        verbose_name=_("IP address"),
    )
    spam_score = models.FloatField(default=0.0, verbose_name=_("spam score"))
    spam_reasons = models.JSONField(default=list, blank=True, verbose_name=_("spam reasons"))
    body_digest = models.CharField(
        max_length=32,
        blank=True,
        db_index=True,
        editable=False,
        help_text=_("Hash of the text as typed, to spot the same text posted again."),
        verbose_name=_("body digest"),
    )
    learned_as = models.CharField(
        max_length=10,
        blank=True,
        editable=False,
        help_text=_("What the spam filter learnt from this comment."),
        verbose_name=_("learned as"),
    )
    moderated_at = models.DateTimeField(null=True, blank=True, verbose_name=_("moderated at"))
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("moderated by"),
    )
    # Where an imported comment came from (a digest of e.g. "wordpress:<site>#101/comment-12",
    # see comments/imports.py): importing the same export again finds it, never a copy.
    import_key = models.CharField(
        max_length=64,
        null=True,
        blank=True,
        unique=True,
        editable=False,
        verbose_name=_("import key"),
    )

    objects = CommentQuerySet.as_manager()

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
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
        return gettext("%(name)s on “%(headline)s”") % {"name": self.name, "headline": headline}

    @property
    def email(self) -> str:
        """The address in clear, for moderators' eyes only; never put it on a public page."""
        return email_decrypt(self.email_encrypted)


class CommentSettings(models.Model):
    """Per-article comment mode; an article without a row follows the site default (auto)."""

    class Mode(models.TextChoices):
        AUTO = "auto", _("Open, closing automatically after the site's number of days")
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    article = models.OneToOneField(
        "articles.Article",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="comment_settings",
        verbose_name=_("article"),
    )
    mode = models.CharField(
        max_length=10, choices=Mode.choices, default=Mode.AUTO, verbose_name=_("mode")
    )
    close_after_days = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text=_("For 'auto': days after publication; empty uses the site's setting."),
        verbose_name=_("close after days"),
    )

    class Moderation(models.TextChoices):
        SITE = "", _("The site's default")
        PRE = "pre", _("Pre-moderated: comments wait for a moderator")
        POST = "post", _("Post-moderated: comments appear at once unless the filter holds them")

    class Trust(models.TextChoices):
        SITE = "", _("The site's default")
        ON = "on", _("Trusted commenters appear at once")
        OFF = "off", _("Every comment waits (no trust)")

    moderation = models.CharField(
        max_length=4,
        choices=Moderation.choices,
        default=Moderation.SITE,
        blank=True,
        verbose_name=_("moderation"),
    )
    trust = models.CharField(
        max_length=3,
        choices=Trust.choices,
        default=Trust.SITE,
        blank=True,
        help_text=_(
            "Pre-moderated articles: whether commenters with approved comments and none "
            "rejected skip the queue."
        ),
        verbose_name=_("trust"),
    )

    class Meta:
        verbose_name = _("comment settings")
        verbose_name_plural = _("comment settings")

    def __str__(self) -> str:
        headline = Truncator(self.article.headline).chars(60)
        return gettext("Comments on “%(headline)s”: %(mode)s") % {
            "headline": headline,
            "mode": self.get_mode_display(),
        }


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
        BANNED = "banned", _("Banned: the comment goes to the spam folder")
        SUSPECT = "suspect", _("Suspect: the comment waits for a moderator")

    term = models.CharField(
        max_length=100,
        unique=True,
        help_text=_("Matched without regard to case."),
        verbose_name=_("term"),
    )
    kind = models.CharField(
        max_length=10, choices=Kind.choices, default=Kind.BANNED, verbose_name=_("kind")
    )
    note = models.CharField(max_length=200, blank=True, verbose_name=_("note"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("blocked term")
        verbose_name_plural = _("blocked terms")
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

    token = models.CharField(max_length=100, primary_key=True, verbose_name=_("token"))
    spam = models.PositiveIntegerField(default=0, verbose_name=_("spam"))
    ham = models.PositiveIntegerField(default=0, verbose_name=_("ham"))

    class Meta:
        verbose_name = _("spam token")
        verbose_name_plural = _("spam tokens")

    def __str__(self) -> str:
        return f"{self.token}: {self.spam} spam / {self.ham} ham"


class ModerationNotice(models.Model):
    """An email sent to moderators about new pending comments: the throttle's memory."""

    sent_at = models.DateTimeField(db_index=True, verbose_name=_("sent at"))
    new_comments = models.PositiveIntegerField(verbose_name=_("new comments"))

    class Meta:
        verbose_name = _("moderation notice")
        verbose_name_plural = _("moderation notices")
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

    email_digest = models.CharField(
        max_length=64, blank=True, db_index=True, editable=False, verbose_name=_("email digest")
    )
    network = models.CharField(
        max_length=49,
        blank=True,
        help_text=_("An address or range, e.g. 203.0.113.0/24 or 2001:db8::/32."),
        verbose_name=_("network"),
    )
    net_first = models.CharField(
        max_length=32, blank=True, editable=False, verbose_name=_("first address")
    )
    net_last = models.CharField(
        max_length=32, blank=True, editable=False, verbose_name=_("last address")
    )
    reason = models.CharField(
        max_length=200,
        help_text=_("For moderators; never shown to readers."),
        verbose_name=_("reason"),
    )
    expires_at = models.DateTimeField(
        null=True, blank=True, help_text=_("Empty: until lifted."), verbose_name=_("expires at")
    )
    created_at = models.DateTimeField(
        default=timezone.now, editable=False, verbose_name=_("created at")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
        verbose_name=_("created by"),
    )

    objects = BanQuerySet.as_manager()

    class Meta:
        verbose_name = _("ban")
        verbose_name_plural = _("bans")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["net_first", "net_last"], name="comment_ban_net_idx")]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(email_digest="") | ~models.Q(network=""),
                name="comment_ban_email_or_network",
            )
        ]

    def __str__(self) -> str:
        what = self.network or gettext("an email address")
        if self.expires_at:
            return gettext("Ban of %(what)s until %(time)s: %(reason)s") % {
                "what": what,
                "time": f"{self.expires_at:%Y-%m-%d %H:%M}",
                "reason": self.reason,
            }
        return gettext("Ban of %(what)s: %(reason)s") % {"what": what, "reason": self.reason}

    def save(self, *args, **kwargs):
        if self.network:
            network = ipaddress.ip_network(self.network.strip(), strict=False)
            self.network = str(network)
            first, last = network[0], network[-1]
            self.net_first, self.net_last = ip_position(str(first)), ip_position(str(last))
        else:
            self.net_first = self.net_last = ""
        super().save(*args, **kwargs)
