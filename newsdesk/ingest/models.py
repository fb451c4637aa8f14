import hashlib
from urllib.parse import parse_qsl, unquote

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .folders import FolderRefused, folder_resolve


class ImportedPageQuerySet(models.QuerySet):
    def identified_by(self, identity: str):
        return self.filter(key=ImportedPage.key_for(identity))


class ImportedPage(models.Model):
    """Which article an imported page became, for pages that carry no News ID of their own.

    Pages with a News ID are found by it (Article.news_id is unique). An HTML page without one is
    known by its canonical address, or failing that by its headline and publication time, so
    importing it again updates the same article.
    """

    # A digest of `identity`: addresses can be longer than any index allows.
    key = models.CharField(max_length=64, unique=True, editable=False, verbose_name=_("key"))
    identity = models.TextField(verbose_name=_("identity"))
    article = models.OneToOneField(
        "articles.Article", on_delete=models.CASCADE, related_name="+", verbose_name=_("article")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    objects = ImportedPageQuerySet.as_manager()

    class Meta:
        verbose_name = _("imported page")
        verbose_name_plural = _("imported pages")

    def __str__(self) -> str:
        return self.identity

    def save(self, *args, **kwargs):
        self.key = self.key_for(self.identity)
        super().save(*args, **kwargs)

    @staticmethod
    def key_for(identity: str) -> str:
        return hashlib.sha256(identity.encode()).hexdigest()


# --- wire ingest -------------------------------------------------------------------------------


class SourceQuerySet(models.QuerySet):
    def failing(self):
        """Enabled sources whose last poll failed (the admin's red health, /metrics)."""
        return self.filter(enabled=True, consecutive_failures__gt=0)

    def due(self, now):
        """Enabled sources whose next poll time has come (or that were never polled)."""
        return self.filter(enabled=True).filter(
            models.Q(next_poll_at__isnull=True) | models.Q(next_poll_at__lte=now)
        )


class Source(models.Model):
    """Where wire items come from: a feed, a drop folder or one web page, with its health."""

    class Kind(models.TextChoices):
        FEED = "feed", _("RSS or Atom feed")
        FOLDER = "folder", _("Drop folder")
        PAGE = "page", _("Single web page")

    name = models.CharField(max_length=120, unique=True, verbose_name=_("name"))
    kind = models.CharField(
        max_length=10, choices=Kind.choices, default=Kind.FEED, verbose_name=_("kind")
    )
    url = models.URLField(
        _("address"),
        max_length=2000,
        blank=True,
        help_text=_("The feed's or the page's address (feeds and pages)."),
    )
    path = models.CharField(
        _("folder"),
        max_length=500,
        blank=True,
        help_text=_(
            "A folder on the server (drop folders), inside one of the drop-folder "
            "roots: .html, .txt captures, .xml/.rss/.atom feeds and ninjs .json files."
        ),
    )
    credit = models.CharField(
        max_length=100,
        blank=True,
        help_text=_("Who drafts credit, e.g. Reuters or AFP. Defaults to the name."),
        verbose_name=_("credit"),
    )
    enabled = models.BooleanField(default=True, verbose_name=_("enabled"))
    allow_private_network = models.BooleanField(
        _("may fetch from private networks"),
        default=False,
        help_text=_(
            "Only for sources inside your own network: lets this source fetch from "
            "private, loopback and link-local addresses, which are otherwise refused."
        ),
    )
    allow_any_folder = models.BooleanField(
        _("may read a folder outside the drop-folder roots"),
        default=False,
        help_text=_(
            "Only for a drop folder an administrator chose: lets this source read a "
            "folder outside the configured roots (NEWSDESK_INGEST_FOLDER_ROOTS)."
        ),
    )
    poll_interval = models.PositiveIntegerField(_("poll every (seconds)"), default=900)

    # Health and the state of conditional requests, kept by the poller.
    etag = models.CharField(max_length=300, blank=True, editable=False, verbose_name=_("ETag"))
    last_modified = models.CharField(
        max_length=100, blank=True, editable=False, verbose_name=_("last modified")
    )
    next_poll_at = models.DateTimeField(
        null=True, blank=True, editable=False, verbose_name=_("next poll at")
    )
    last_polled_at = models.DateTimeField(
        null=True, blank=True, editable=False, verbose_name=_("last polled at")
    )
    last_success_at = models.DateTimeField(
        null=True, blank=True, editable=False, verbose_name=_("last success at")
    )
    last_error_at = models.DateTimeField(
        null=True, blank=True, editable=False, verbose_name=_("last error at")
    )
    last_error = models.TextField(blank=True, editable=False, verbose_name=_("last error"))
    consecutive_failures = models.PositiveIntegerField(
        default=0, editable=False, verbose_name=_("consecutive failures")
    )
    # The poll that holds the source (a lease: see polling.source_claim), so that the periodic
    # poll, "Poll now" and `newsdesk ingest` never read one source at once.
    claimed_until = models.DateTimeField(
        null=True, blank=True, editable=False, verbose_name=_("claimed until")
    )
    claimed_by = models.CharField(
        max_length=100, blank=True, editable=False, verbose_name=_("claimed by")
    )
    items_seen = models.PositiveIntegerField(
        default=0,
        editable=False,
        help_text=_("Wire items created from this source."),
        verbose_name=_("items seen"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    objects = SourceQuerySet.as_manager()

    class Meta:
        verbose_name = _("source")
        verbose_name_plural = _("sources")
        ordering = ["name"]
        indexes = [models.Index(fields=["enabled", "next_poll_at"], name="source_due_idx")]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        if self.kind in (self.Kind.FEED, self.Kind.PAGE) and not self.url:
            raise ValidationError({"url": "A feed or a page needs its address."})
        if self.kind == self.Kind.FOLDER and not self.path:
            raise ValidationError({"path": "A drop folder needs the folder's path on the server."})
        if self.kind == self.Kind.FOLDER:
            try:
                folder_resolve(self.path, allow_outside=self.allow_any_folder)
            except FolderRefused as exc:
                raise ValidationError({"path": str(exc)}) from None

    @property
    def credit_name(self) -> str:
        return self.credit or self.name

    @property
    def healthy(self) -> bool:
        return self.consecutive_failures == 0


class Story(models.Model):
    """Wire items about the same event, from any source, grouped by near-duplicate text."""

    title = models.CharField(max_length=300, verbose_name=_("title"))
    first_seen_at = models.DateTimeField(default=timezone.now, verbose_name=_("first seen at"))
    latest_at = models.DateTimeField(
        default=timezone.now,
        help_text=_("Time of the newest item in the story."),
        verbose_name=_("latest at"),
    )
    item_count = models.PositiveIntegerField(default=0, verbose_name=_("item count"))
    archive_article = models.ForeignKey(
        "articles.Article",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("A story the site already published that these items repeat."),
        verbose_name=_("archive article"),
    )

    class Meta:
        verbose_name = _("story")
        ordering = ["-latest_at", "-id"]
        verbose_name_plural = _("stories")
        indexes = [models.Index(fields=["-latest_at", "-id"], name="story_latest_idx")]

    def __str__(self) -> str:
        return self.title


class WireItemQuerySet(models.QuerySet):
    def for_desk(self):
        return self.select_related("source", "story", "article")


class WireItem(models.Model):
    """One story as a source sent it. Idempotent on (source, guid) and on its address."""

    source = models.ForeignKey(
        Source, on_delete=models.CASCADE, related_name="items", verbose_name=_("source")
    )
    guid = models.CharField(max_length=320, verbose_name=_("GUID"))
    url = models.TextField(blank=True, verbose_name=_("URL"))
    # A digest of the address: addresses can be longer than an index allows. NULL = no address.
    url_key = models.CharField(
        max_length=64, null=True, blank=True, unique=True, editable=False, verbose_name=_("URL key")
    )
    title = models.CharField(max_length=300, verbose_name=_("title"))
    text = models.TextField(blank=True, verbose_name=_("text"))
    body_html = models.TextField(
        blank=True,
        help_text=_("Sanitized with the site's allow-list."),
        verbose_name=_("body HTML"),
    )
    published_at = models.DateTimeField(null=True, blank=True, verbose_name=_("published at"))
    author = models.CharField(max_length=120, blank=True, verbose_name=_("author"))
    language = models.CharField(max_length=10, blank=True, verbose_name=_("language"))
    # What richer formats (NewsML-G2, ninjs) say besides the text.
    keywords = models.JSONField(
        default=list, blank=True, help_text=_("Subjects and keywords."), verbose_name=_("keywords")
    )
    located = models.CharField(
        max_length=200, blank=True, help_text=_("Where it happened."), verbose_name=_("located")
    )
    source_version = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text=_("The source's own version number of the item."),
        verbose_name=_("source version"),
    )
    withdrawn = models.BooleanField(
        default=False,
        help_text=_("The source withdrew the item (canceled): no draft is made from it."),
        verbose_name=_("withdrawn"),
    )
    embargo_until = models.DateTimeField(
        null=True,
        blank=True,
        help_text=_("Not to be published before this time (the draft's embargo)."),
        verbose_name=_("embargo until"),
    )
    content_hash = models.CharField(max_length=64, editable=False, verbose_name=_("content hash"))
    version = models.PositiveIntegerField(default=1, editable=False, verbose_name=_("version"))
    story = models.ForeignKey(
        Story,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="items",
        verbose_name=_("story"),
    )
    article = models.ForeignKey(
        "articles.Article",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="wire_items",
        help_text=_("The draft made from this item."),
        verbose_name=_("article"),
    )
    # MinHash signature (uint32 values) for near-duplicate grouping; see dedup.py.
    signature = models.BinaryField(editable=False, default=b"", verbose_name=_("signature"))
    first_seen_at = models.DateTimeField(
        default=timezone.now, editable=False, verbose_name=_("first seen at")
    )
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    objects = WireItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("wire item")
        verbose_name_plural = _("wire items")
        ordering = ["-first_seen_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["source", "guid"], name="wire_item_source_guid_unique"),
        ]
        indexes = [
            models.Index(fields=["story", "-published_at"], name="wire_item_story_idx"),
            models.Index(fields=["-first_seen_at", "-id"], name="wire_item_seen_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def time(self):
        return self.published_at or self.first_seen_at

    @staticmethod
    def key_for_url(url: str | None) -> str | None:
        return hashlib.sha256(url.encode()).hexdigest() if url else None


class WireItemVersion(models.Model):
    """What an item said before a source changed it; the item holds the newest version."""

    item = models.ForeignKey(
        WireItem, on_delete=models.CASCADE, related_name="versions", verbose_name=_("item")
    )
    version = models.PositiveIntegerField(verbose_name=_("version"))
    title = models.CharField(max_length=300, verbose_name=_("title"))
    text = models.TextField(blank=True, verbose_name=_("text"))
    body_html = models.TextField(blank=True, verbose_name=_("body HTML"))
    url = models.TextField(blank=True, verbose_name=_("URL"))
    published_at = models.DateTimeField(null=True, blank=True, verbose_name=_("published at"))
    author = models.CharField(max_length=120, blank=True, verbose_name=_("author"))
    content_hash = models.CharField(max_length=64, verbose_name=_("content hash"))
    superseded_at = models.DateTimeField(default=timezone.now, verbose_name=_("superseded at"))

    class Meta:
        verbose_name = _("wire item version")
        verbose_name_plural = _("wire item versions")
        ordering = ["item", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["item", "version"], name="wire_version_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.title} (v{self.version})"


class ArticleSignature(models.Model):
    """The MinHash signature of a published article, so wire items can be matched to the archive."""

    article = models.OneToOneField(
        "articles.Article",
        on_delete=models.CASCADE,
        related_name="+",
        primary_key=True,
        verbose_name=_("article"),
    )
    signature = models.BinaryField(verbose_name=_("signature"))
    content_hash = models.CharField(max_length=64, verbose_name=_("content hash"))
    indexed_at = models.DateTimeField(default=timezone.now, verbose_name=_("indexed at"))

    class Meta:
        verbose_name = _("article signature")
        verbose_name_plural = _("article signatures")

    def __str__(self) -> str:
        return f"signature of article {self.article_id}"


class LshBand(models.Model):
    """One band hash of a MinHash signature, for locality-sensitive hashing in the database.

    Any app server finds near-duplicate candidates by looking up the band keys of a text here;
    nothing about the index lives in process memory. Exactly one of item or article is set.
    """

    key = models.BigIntegerField(verbose_name=_("key"))
    item = models.ForeignKey(
        WireItem,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("item"),
    )
    article = models.ForeignKey(
        "articles.Article",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("article"),
    )

    class Meta:
        verbose_name = _("near-duplicate band")
        verbose_name_plural = _("near-duplicate bands")
        indexes = [models.Index(fields=["key"], name="lsh_band_key_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(item__isnull=False, article__isnull=True)
                | models.Q(item__isnull=True, article__isnull=False),
                name="lsh_band_one_owner",
            ),
        ]

    def __str__(self) -> str:
        return f"band {self.key}"


# --- site imports (WordPress) ----------------------------------------------------------------


def legacy_key(path: str) -> str:
    """The lookup key of an old address: its path without a trailing slash (percent-escapes
    decoded, as Django gives request.path) and, of its query, only the post id WordPress
    addresses carry (?p=, ?page_id=): tracking parameters do not hide an old link."""
    path, _, query = path.partition("?")
    path = unquote(path).rstrip("/") or "/"
    ids = sorted(
        f"{name}={value}"
        for name, value in parse_qsl(query)
        if name in LEGACY_QUERY_NAMES and value.isdigit()
    )
    normal = path + ("?" + "&".join(ids) if ids else "")
    return hashlib.sha256(normal.encode()).hexdigest()


LEGACY_QUERY_NAMES = ("p", "page_id")


class LegacyUrlQuerySet(models.QuerySet):
    def for_path(self, path: str):
        return self.filter(key=legacy_key(path))


class LegacyUrl(models.Model):
    """An address of a site that was imported (a WordPress permalink, /?p=ID), answered with a
    301 to the article it became. Looked up only where a page would otherwise be missing."""

    key = models.CharField(max_length=64, unique=True, editable=False, verbose_name=_("key"))
    path = models.TextField(
        help_text=_("The old address: path and query, without the host."), verbose_name=_("path")
    )
    article = models.ForeignKey(
        "articles.Article",
        on_delete=models.CASCADE,
        related_name="legacy_urls",
        verbose_name=_("article"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    objects = LegacyUrlQuerySet.as_manager()

    class Meta:
        verbose_name_plural = _("old addresses")
        verbose_name = _("old address")

    def __str__(self) -> str:
        return self.path

    def save(self, *args, **kwargs):
        self.key = legacy_key(self.path)
        super().save(*args, **kwargs)


class ImportedImage(models.Model):
    """Which picture an imported file (a WordPress attachment) became: imported once."""

    key = models.CharField(max_length=64, unique=True, editable=False, verbose_name=_("key"))
    identity = models.TextField(verbose_name=_("identity"))
    image = models.ForeignKey(
        "articles.Image", on_delete=models.CASCADE, related_name="+", verbose_name=_("image")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("imported picture")
        verbose_name_plural = _("imported pictures")

    def __str__(self) -> str:
        return self.identity

    def save(self, *args, **kwargs):
        self.key = ImportedPage.key_for(self.identity)
        super().save(*args, **kwargs)
