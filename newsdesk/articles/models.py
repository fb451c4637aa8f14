from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Exists, F, FilteredRelation, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce, Lower
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from newsdesk.core.counters import counter_next
from newsdesk.core.html import sanitize_html
from newsdesk.core.l10n import language_direction
from newsdesk.core.reverse import cached_reverse
from newsdesk.core.surrogate import shown

from . import keys


def site_language() -> str:
    """A new story is in the site's language (NEWSDESK_LANGUAGE) unless an editor says otherwise."""
    return settings.LANGUAGE_CODE


def make_slug(text: str, *, max_length: int = 200) -> str:
    return slugify(text, allow_unicode=True)[:max_length].strip("-") or "story"


class Section(models.Model):
    name = models.CharField(max_length=100, unique=True, verbose_name=_("name"))
    slug = models.SlugField(max_length=100, unique=True, allow_unicode=True, verbose_name=_("slug"))
    description = models.TextField(blank=True, verbose_name=_("description"))
    position = models.PositiveSmallIntegerField(
        default=0, help_text=_("Order in the site's navigation."), verbose_name=_("position")
    )

    class Meta:
        verbose_name = _("section")
        verbose_name_plural = _("sections")
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        shown(keys.section_key(self.pk))
        return cached_reverse("site:section", slug=self.slug)


class KeywordQuerySet(models.QuerySet):
    def named(self, name: str):
        return self.filter(name__iexact=name.strip())


class Keyword(models.Model):
    name = models.CharField(max_length=100, verbose_name=_("name"))
    slug = models.SlugField(max_length=120, unique=True, allow_unicode=True, verbose_name=_("slug"))

    objects = KeywordQuerySet.as_manager()

    class Meta:
        verbose_name = _("keyword")
        verbose_name_plural = _("keywords")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(Lower("name"), name="keyword_name_unique_ci")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        shown(keys.keyword_key(self.pk))
        return cached_reverse("site:keyword", slug=self.slug)


class Author(models.Model):
    name = models.CharField(max_length=120, verbose_name=_("name"))
    slug = models.SlugField(max_length=140, unique=True, allow_unicode=True, verbose_name=_("slug"))
    bio = models.TextField(
        blank=True,
        help_text=_("A line or two readers see on the author page."),
        verbose_name=_("bio"),
    )
    picture = models.ForeignKey(
        "articles.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("A portrait for the author page."),
        verbose_name=_("picture"),
    )

    class Meta:
        verbose_name = _("author")
        verbose_name_plural = _("authors")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        shown(keys.author_key(self.pk))
        return cached_reverse("site:author", slug=self.slug)


def visible_from(status: str, published_at, embargo_until):
    """When readers first see an article: its published time, or the embargo's lift if later;
    None for a draft. The rule of ArticleQuerySet.visible_at() for values already read."""
    if status != Article.Status.PUBLISHED or published_at is None:
        return None
    return max(published_at, embargo_until or published_at)


class ArticleQuerySet(models.QuerySet):
    def visible_at(self, when):
        """What readers see at `when`: published, its time reached, and no embargo still running."""
        return self.filter(status=Article.Status.PUBLISHED, published_at__lte=when).filter(
            Q(embargo_until__isnull=True) | Q(embargo_until__lte=when)
        )

    def published(self):
        """The one definition of what readers see, everywhere: pages, lists, feeds, search, API."""
        return self.visible_at(timezone.now())

    def translations_of(self, article):
        """The stories of `article`'s translation group readers see, other than itself."""
        root = article.translation_root_id
        return (
            self.published()
            .filter(Q(pk=root) | Q(translation_of_id=root))
            .exclude(pk=article.pk)
            .order_by("language", "news_id")
        )

    def listed_under(self, kind: str, scope_id: int):
        """The stories in one keyword's or author's list ("keyword" or "author"), newest first by
        the list's copy of (published_at, id): its own index leads the query, at any depth of any
        list (core/pagination.py pages by that order)."""
        entry = FilteredRelation(
            "list_entries", condition=Q(list_entries__kind=kind, list_entries__scope_id=scope_id)
        )
        # Named once as annotations: a later filter() on the relation itself (the page's cursor)
        # would join the entries a second time.
        return (
            self.annotate(listed=entry)
            .filter(listed__isnull=False)
            .annotate(listed_at=F("listed__published_at"), listed_id=F("listed__article_id"))
            .order_by("-listed_at", "-listed_id")
        )

    def for_listing(self):
        return (
            self.published()
            .select_related("section", "lead_image")
            .only(
                "news_id",
                "slug",
                "headline",
                "summary",
                "language",
                "published_at",
                "section__name",
                "section__slug",
                "lead_image__file",
                "lead_image__alt",
                "lead_image__width",
                "lead_image__height",
                "lead_image__renditions",
            )
        )

    def top_stories(self):
        return self.for_listing().filter(is_top_story=True)

    def for_page(self):
        # The comment settings row rides along (a reverse one-to-one: None when absent, no query).
        # Keywords and authors are read only when the page's parts are rendered (parts.py).
        return self.published().select_related("section", "lead_image", "comment_settings")

    def next_visible_at(self):
        """The soonest a story not yet visible may appear (a publish time or an embargo's lift to
        come), or None: no page listing stories is kept past it."""
        now = timezone.now()
        upcoming = self.filter(status=Article.Status.PUBLISHED)
        # Each the first row of an index (article_pub_idx, article_embargo_idx), in one query:
        # a MIN over the published stories read every one of them (250 ms at 300,000).
        publish = upcoming.filter(published_at__gt=now).order_by("published_at")
        lift = upcoming.filter(embargo_until__gt=now).order_by("embargo_until")
        found = Article.objects.order_by().values_list(
            models.Subquery(publish.values("published_at")[:1]),
            models.Subquery(lift.values("embargo_until")[:1]),
        )[:1]
        times = [when for row in found for when in row if when is not None]
        return min(times) if times else None

    def scheduled(self):
        """Published for a time still to come (or under an embargo not yet lifted)."""
        now = timezone.now()
        return self.filter(status=Article.Status.PUBLISHED).filter(
            Q(published_at__gt=now) | Q(embargo_until__gt=now)
        )

    def effects_due(self, *, grace=None):
        """Visible to readers, with side effects asked for and not run, both for `grace` already:
        an edit of a story that went live long ago is not late the moment it is saved."""
        when = timezone.now() - grace if grace else timezone.now()
        asked = Q(effects_asked_at__lte=when) | Q(effects_asked_at__isnull=True)
        # The few pending rows from their partial index (article_effects_idx), each then checked:
        # with the visibility conditions in the main WHERE clause, SQLite's planner walks the
        # whole publication index instead (9 s at 300,000 stories, for every catch-up and alarm).
        due = self.model.objects.visible_at(when).filter(asked, pk=OuterRef("pk")).order_by()
        return self.filter(Exists(due), effects_pending=True)

    def effects_late(self):
        """What the admin's alarm counts and its "Side effects overdue" filter lists."""
        return self.effects_due(grace=timedelta(minutes=settings.NEWSDESK_TASK_ALARM_MINUTES))

    def editable_by(self, user):
        """The articles `user` may change: editors any, reporters their own drafts."""
        if user.has_perm("articles.publish_article"):
            return self
        return self.filter(created_by=user, status=Article.Status.DRAFT)

    def next_news_id(self) -> int:
        """A News ID nobody else gets, even saving at the same moment (core/counters.py); above
        every News ID already used, imported ones included. Call it inside the transaction that
        saves the article: the number is taken when that commits, and given back if it fails."""
        highest = Article.objects.order_by("-news_id").values("news_id")[:1]
        return counter_next("news_id", at_least=Coalesce(Subquery(highest), 0) + 1)


class Article(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        REVIEW = "review", _("In review")
        # Scheduled is PUBLISHED with a published_at (or embargo) still to come: readers' queries
        # compare times, so a story appears at its minute whether or not a worker runs.
        PUBLISHED = "published", _("Published")
        UNPUBLISHED = "unpublished", _("Unpublished")

    news_id = models.PositiveIntegerField(
        _("News ID"),
        unique=True,
        editable=False,
        help_text=_("Public number; imported articles keep theirs."),
    )
    headline = models.CharField(max_length=300, verbose_name=_("headline"))
    slug = models.SlugField(max_length=200, allow_unicode=True, blank=True, verbose_name=_("slug"))
    summary = models.TextField(blank=True, verbose_name=_("summary"))
    body = models.TextField(
        blank=True,
        help_text=_("Paragraphs, sub-headings, lists, quotes and links."),
        verbose_name=_("body"),
    )
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.DRAFT, verbose_name=_("status")
    )
    published_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text=_("Readers see the story from this time."),
        verbose_name=_("published at"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))
    section = models.ForeignKey(
        Section,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="articles",
        verbose_name=_("section"),
    )
    keywords = models.ManyToManyField(
        Keyword, blank=True, related_name="articles", verbose_name=_("keywords")
    )
    authors = models.ManyToManyField(
        Author, blank=True, related_name="articles", verbose_name=_("authors")
    )
    source_credits = models.CharField(
        max_length=200,
        blank=True,
        help_text=_("Agencies credited, comma-separated: Reuters, AFP."),
        verbose_name=_("source credits"),
    )
    language = models.CharField(
        max_length=10,
        choices=settings.LANGUAGES,
        default=site_language,
        help_text=_("The language the story is written in: its page reads in that direction."),
        verbose_name=_("language"),
    )
    # A translation group is a story and the stories that name it here; linking to a story that
    # is itself a translation joins its group (save() keeps the group's first story as the root).
    translation_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="translated_as",
        help_text=_("The story this one translates; every story of the group links to the others."),
        verbose_name=_("translation of"),
    )
    is_top_story = models.BooleanField(_("top story"), default=False)
    embargo_until = models.DateTimeField(
        null=True,
        blank=True,
        help_text=_("Hidden everywhere until this time, whatever else is set."),
        verbose_name=_("embargo until"),
    )
    lead_image = models.ForeignKey(
        "articles.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("lead image"),
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
    version = models.PositiveIntegerField(
        default=1,
        editable=False,
        help_text=_("Raised by every save; a save from an older version is refused."),
        verbose_name=_("version"),
    )
    has_corrections = models.BooleanField(
        default=False, editable=False, verbose_name=_("has corrections")
    )
    # Set by the services that change what readers see, cleared by the task that runs the side
    # effects (cache purge, notifications): a story whose time has come with this still set is late.
    effects_pending = models.BooleanField(
        default=False, editable=False, verbose_name=_("effects pending")
    )
    effects_done_at = models.DateTimeField(
        null=True, blank=True, editable=False, verbose_name=_("effects done at")
    )
    # When they were last asked for: an alarm waits its grace from here, not from publication.
    effects_asked_at = models.DateTimeField(
        null=True, blank=True, editable=False, verbose_name=_("effects asked at")
    )

    objects = ArticleQuerySet.as_manager()

    class Meta:
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        ordering = ["-published_at", "-id"]
        permissions = [
            ("publish_article", "Can schedule, publish and unpublish articles"),
            ("submit_article", "Can submit articles for review"),
        ]
        indexes = [
            models.Index(fields=["status", "-published_at", "-id"], name="article_pub_idx"),
            # A section's list in its order to the last key: without "-id" SQLite walked
            # article_pub_idx instead (every section's stories, to avoid sorting ties).
            models.Index(
                fields=["section", "status", "-published_at", "-id"], name="article_section_idx"
            ),
            models.Index(
                fields=["published_at"],
                condition=Q(effects_pending=True),
                name="article_effects_idx",
            ),
            # The home page's top stories: a few among many, which a walk of article_pub_idx
            # reaches only after reading most of a large archive (150 ms on PostgreSQL).
            models.Index(
                fields=["status", "-published_at", "-id"],
                condition=Q(is_top_story=True),
                name="article_top_idx",
            ),
            models.Index(
                fields=["status", "embargo_until"],
                condition=Q(embargo_until__isnull=False),
                name="article_embargo_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.headline

    def save(self, *args, **kwargs):
        if self.news_id is None:
            self.news_id = Article.objects.next_news_id()
        if not self.slug:
            self.slug = make_slug(self.headline)
        if self.translation_of_id is not None:
            root = Article.objects.filter(pk=self.translation_of_id)
            self.translation_of_id = root.values_list("translation_of", flat=True).first() or (
                self.translation_of_id
            )
            if self.translation_of_id == self.pk:
                self.translation_of_id = None
        self.body = sanitize_html(self.body)
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        # Whatever links a story shows it: the page being rendered names it (core/surrogate.py).
        shown(keys.article_key(self.news_id))
        return cached_reverse("site:article", news_id=self.news_id, slug=self.slug)

    @property
    def direction(self) -> str:
        """ "rtl" or "ltr": the story's own reading direction, whatever the site's language."""
        return language_direction(self.language)

    @property
    def translation_root_id(self) -> int | None:
        return self.translation_of_id or self.pk

    @property
    def visible_from(self):
        """When readers first see it: its published time, or the embargo's lift if later."""
        return visible_from(self.status, self.published_at, self.embargo_until)

    @property
    def is_published(self) -> bool:
        visible_from = self.visible_from
        return visible_from is not None and visible_from <= timezone.now()

    @property
    def state(self) -> str:
        """The workflow state editors see: a published story still to come is 'scheduled'."""
        if self.status == self.Status.PUBLISHED and not self.is_published:
            return "scheduled"
        return self.status

    @property
    def state_label(self) -> str:
        if self.state == "scheduled":
            return (
                _("Embargoed")
                if self.embargo_until and self.embargo_until > timezone.now()
                else _("Scheduled")
            )
        return self.get_status_display()

    @property
    def credits(self) -> list[str]:
        return [c.strip() for c in self.source_credits.split(",") if c.strip()]


class ListEntry(models.Model):
    """A story's place in one keyword's or one author's list, with its publication time copied:
    a page of the list, at any depth, is then one walk of listentry_pub_idx, however few of the
    archive's stories the list holds (walking the publication index instead reads every story
    between two of the list's, 100 times the page for an author of one story in a hundred).

    The database keeps these rows itself (triggers, migration 0011), whatever writes the links
    or the time: forms, services, bulk loads or raw SQL. Nothing else writes here."""

    class Kind(models.TextChoices):
        KEYWORD = "keyword", _("keyword")
        AUTHOR = "author", _("author")

    kind = models.CharField(max_length=10, choices=Kind.choices, verbose_name=_("list"))
    # The keyword's or the author's id.
    scope_id = models.BigIntegerField(verbose_name=_("keyword or author"))
    # The triggers delete a story's entries with its links, which go before the story does.
    article = models.ForeignKey(
        Article,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="list_entries",
        verbose_name=_("article"),
    )
    published_at = models.DateTimeField(null=True, verbose_name=_("published at"))

    class Meta:
        verbose_name = _("list entry")
        verbose_name_plural = _("list entries")
        indexes = [
            models.Index(
                fields=["kind", "scope_id", "-published_at", "-article"], name="listentry_pub_idx"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.scope_id}: article {self.article_id}"


class ArticleEvent(models.Model):
    """The workflow's audit log: who moved which article from what to what, and when."""

    class Action(models.TextChoices):
        CREATED = "created", _("Created")
        EDITED = "edited", _("Edited")
        SUBMITTED = "submitted", _("Submitted for review")
        RETURNED = "returned", _("Returned to draft")
        SCHEDULED = "scheduled", _("Scheduled")
        PUBLISHED = "published", _("Published")
        UNPUBLISHED = "unpublished", _("Unpublished")
        CORRECTED = "corrected", _("Correction or update added")
        RESTORED = "restored", _("Revision restored")
        LIVE = "live", _("Went live (side effects ran)")

    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="events", verbose_name=_("article")
    )
    action = models.CharField(max_length=20, choices=Action.choices, verbose_name=_("action"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("actor"),
    )
    at = models.DateTimeField(default=timezone.now, db_index=True, verbose_name=_("time"))
    # The article's status before and after, shown by its label (the log in the editor's language).
    from_status = models.CharField(
        max_length=20, blank=True, choices=Article.Status.choices, verbose_name=_("from status")
    )
    to_status = models.CharField(
        max_length=20, blank=True, choices=Article.Status.choices, verbose_name=_("to status")
    )
    note = models.TextField(blank=True, verbose_name=_("note"))

    class Meta:
        verbose_name = _("workflow event")
        verbose_name_plural = _("workflow events")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["article", "-at"], name="articleevent_article_idx")]

    def __str__(self) -> str:
        return gettext("%(action)s: %(article)s at %(time)s UTC") % {
            "action": self.get_action_display(),
            "article": self.article_id,
            "time": f"{self.at:%Y-%m-%d %H:%M}",
        }


class Revision(models.Model):
    """A snapshot of an article's editable content, kept on every save."""

    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="revisions", verbose_name=_("article")
    )
    number = models.PositiveIntegerField(verbose_name=_("number"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("author"),
    )
    note = models.CharField(max_length=200, blank=True, verbose_name=_("note"))
    data = models.JSONField(verbose_name=_("data"))

    class Meta:
        verbose_name = _("revision")
        verbose_name_plural = _("revisions")
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["article", "number"], name="revision_article_number_unique"
            )
        ]

    def __str__(self) -> str:
        return gettext("Revision %(number)s of %(article)s") % {
            "number": self.number,
            "article": self.article_id,
        }


class Correction(models.Model):
    """A public correction or update, shown on the article page with its time."""

    class Kind(models.TextChoices):
        CORRECTION = "correction", _("Correction")
        UPDATE = "update", _("Update")

    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="corrections", verbose_name=_("article")
    )
    kind = models.CharField(
        max_length=20, choices=Kind.choices, default=Kind.CORRECTION, verbose_name=_("kind")
    )
    text = models.TextField(verbose_name=_("text"))
    published_at = models.DateTimeField(default=timezone.now, verbose_name=_("published at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        verbose_name = _("correction")
        verbose_name_plural = _("corrections")
        ordering = ["published_at", "id"]

    def __str__(self) -> str:
        return gettext("%(kind)s to %(article)s") % {
            "kind": self.get_kind_display(),
            "article": self.article_id,
        }


def _image_path(instance, filename: str) -> str:
    stamp = timezone.now()
    return f"images/{stamp:%Y/%m}/{filename}"


class Image(models.Model):
    """An uploaded picture with its caption, credit and alt text, and renditions made once."""

    file = models.ImageField(
        upload_to=_image_path, width_field="width", height_field="height", verbose_name=_("file")
    )
    alt = models.CharField(
        _("alt text"),
        max_length=300,
        help_text=_("What the picture shows, for readers who cannot see it."),
    )
    caption = models.CharField(max_length=500, blank=True, verbose_name=_("caption"))
    credit = models.CharField(
        max_length=200, blank=True, help_text=_("Photographer or agency."), verbose_name=_("credit")
    )
    width = models.PositiveIntegerField(editable=False, null=True, verbose_name=_("width"))
    height = models.PositiveIntegerField(editable=False, null=True, verbose_name=_("height"))
    renditions = models.JSONField(
        default=list,
        blank=True,
        editable=False,
        help_text=_("[{format, width, height, name}] generated at upload and kept."),
        verbose_name=_("renditions"),
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
        verbose_name=_("uploaded by"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("picture")
        verbose_name_plural = _("pictures")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.alt or self.file.name

    def srcset(self, fmt: str) -> str:
        from django.core.files.storage import default_storage

        shown(keys.image_key(self.pk))
        return ", ".join(
            f"{default_storage.url(r['name'])} {r['width']}w"
            for r in self.renditions
            if r["format"] == fmt
        )

    @property
    def formats(self) -> list[str]:
        return list(dict.fromkeys(r["format"] for r in self.renditions))

    @property
    def fallback_url(self) -> str:
        from django.core.files.storage import default_storage

        shown(keys.image_key(self.pk))
        jpegs = [r for r in self.renditions if r["format"] == "jpeg"]
        if jpegs:
            return default_storage.url(sorted(jpegs, key=lambda r: r["width"])[-1]["name"])
        return self.file.url
