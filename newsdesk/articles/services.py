"""Writes with consequences. One function per action; side effects run as tasks after commit.

The workflow: draft -> in review -> scheduled -> published -> unpublished. Each move is a service
here that checks who may make it, records it in the audit log (ArticleEvent) and registers the side
effects. Readers' visibility never waits for a task: it is `Article.objects.published()`.
"""

from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext

from newsdesk.core.purge import keys_purge

from . import keys
from .models import Article, ArticleEvent, Author, Correction, Keyword, Revision, Section, make_slug

User = AbstractBaseUser


class WorkflowError(Exception):
    """A move the article's state does not allow; the message is written for the editor."""


class ArticleConflict(Exception):
    """Somebody saved the article after the version this save started from."""

    def __init__(self, current: Article):
        self.current = current
        super().__init__(
            gettext(
                "This article was changed by someone else since you opened it "
                "(it is now at version %(version)s)."
            )
            % {"version": current.version}
        )


def _require(by: User | None, perm: str, message: str) -> None:
    if by is not None and not by.has_perm(perm):
        raise PermissionDenied(message)


def _event(
    article: Article,
    action: str,
    by: User | None,
    *,
    from_status: str = "",
    note: str = "",
    at: datetime | None = None,
) -> ArticleEvent:
    return ArticleEvent.objects.create(
        article=article,
        action=action,
        actor=by if getattr(by, "pk", None) else None,
        from_status=from_status,
        to_status=article.status,
        note=note,
        at=at or timezone.now(),
    )


def _effects_enqueue(article: Article, *, pending: bool) -> None:
    """After commit: run the side effects when readers first see the article (now, or later)."""
    from .tasks import article_effects_run

    if pending:
        now = timezone.now()
        Article.objects.filter(pk=article.pk).update(effects_pending=True, effects_asked_at=now)
        article.effects_pending, article.effects_asked_at = True, now
    visible_from = article.visible_from
    article_id = article.pk

    def enqueue():
        task = article_effects_run
        if visible_from and visible_from > timezone.now():
            task = task.using(run_after=visible_from)
        task.enqueue(article_id=article_id)

    transaction.on_commit(enqueue)


# Editing -------------------------------------------------------------------------------------


@transaction.atomic
def article_save(
    *, article: Article, by: User | None, expected_version: int | None = None
) -> Article:
    """Create or update an article. With `expected_version`, a save from an older version is refused
    (ArticleConflict) instead of overwriting the newer one."""
    if article.pk is None:
        article.created_by = article.created_by or (by if getattr(by, "pk", None) else None)
        article.version = 1
        article.save()
        _event(article, ArticleEvent.Action.CREATED, by)
    else:
        rows = Article.objects.filter(pk=article.pk)
        if expected_version is not None:
            rows = rows.filter(version=expected_version)
        # Take the row first: of two concurrent saves from one version, exactly one gets it.
        if not rows.update(version=F("version") + 1):
            raise ArticleConflict(Article.objects.get(pk=article.pk))
        # The version just taken, and the effects' bookkeeping as the task runner left it: a save
        # from an object read earlier must not put back what it read (tasks.py reads them).
        current = Article.objects.values(
            "version", "effects_pending", "effects_done_at", "effects_asked_at"
        ).get(pk=article.pk)
        for field, value in current.items():
            setattr(article, field, value)
        article.save()
        _event(article, ArticleEvent.Action.EDITED, by)
        if article.translation_of_id:
            # A story that had translations of its own joins another group: they come along.
            Article.objects.filter(translation_of=article).update(
                translation_of=article.translation_of_id
            )
    if article.status == Article.Status.PUBLISHED:
        _effects_enqueue(article, pending=True)
    return article


# The article's own plain columns that a revision keeps and a restore brings back as they were.
REVISION_TEXT_FIELDS = (
    "headline",
    "slug",
    "summary",
    "body",
    "source_credits",
    "language",
    "is_top_story",
)


def _snapshot(article: Article) -> dict:
    return {
        **{field: getattr(article, field) for field in REVISION_TEXT_FIELDS},
        "section": article.section.name if article.section_id else "",
        "section_id": article.section_id,
        "keywords": sorted(k.name for k in article.keywords.all()),
        "authors": sorted(a.name for a in article.authors.all()),
        "author_ids": sorted(a.pk for a in article.authors.all()),
        "lead_image_id": article.lead_image_id,
        "embargo_until": article.embargo_until.isoformat() if article.embargo_until else None,
    }


def revision_create(*, article: Article, by: User | None, note: str = "") -> Revision:
    """Keep the article as it is now (after its keywords and authors are saved)."""
    number = (article.revisions.aggregate(n=Max("number"))["n"] or 0) + 1
    return Revision.objects.create(
        article=article,
        number=number,
        author=by if getattr(by, "pk", None) else None,
        note=note,
        data=_snapshot(article),
    )


@transaction.atomic
def revision_restore(*, revision: Revision, by: User | None) -> Revision:
    """Bring back an earlier revision's content. The restore is itself a new revision."""
    article = Article.objects.select_for_update().get(pk=revision.article_id)
    data = revision.data
    for field in REVISION_TEXT_FIELDS:
        setattr(article, field, data.get(field, getattr(article, field)))
    article.section = Section.objects.filter(pk=data.get("section_id")).first()
    embargo = data.get("embargo_until")
    article.embargo_until = datetime.fromisoformat(embargo) if embargo else None
    article_save(article=article, by=by)
    article.keywords.set(keywords_get_or_create(names=data.get("keywords", [])))
    article.authors.set(Author.objects.filter(pk__in=data.get("author_ids", [])))
    _event(
        article,
        ArticleEvent.Action.RESTORED,
        by,
        from_status=article.status,
        note=f"Restored revision {revision.number}",
    )
    return revision_create(article=article, by=by, note=f"Restored revision {revision.number}")


# Workflow ------------------------------------------------------------------------------------


@transaction.atomic
def article_submit(*, article: Article, by: User, note: str = "") -> Article:
    """A draft goes to the editors for review."""
    _require(by, "articles.submit_article", gettext("You cannot submit articles for review."))
    if article.status != Article.Status.DRAFT:
        raise WorkflowError(
            gettext("Only a draft can be submitted for review; this one is %(state)s.")
            % {"state": article.state_label}
        )
    if not Article.objects.editable_by(by).filter(pk=article.pk).exists():
        raise PermissionDenied(gettext("You can submit only your own drafts."))
    before = article.status
    article.status = Article.Status.REVIEW
    article.save(update_fields=["status", "updated_at"])
    _event(article, ArticleEvent.Action.SUBMITTED, by, from_status=before, note=note)
    return article


@transaction.atomic
def article_return(*, article: Article, by: User, note: str = "") -> Article:
    """An editor sends an article in review back to its reporter as a draft."""
    _require(by, "articles.publish_article", gettext("Only editors can return articles to draft."))
    if article.status != Article.Status.REVIEW:
        raise WorkflowError(
            gettext("Only an article in review can be returned; this one is %(state)s.")
            % {"state": article.state_label}
        )
    before = article.status
    article.status = Article.Status.DRAFT
    article.save(update_fields=["status", "updated_at"])
    _event(article, ArticleEvent.Action.RETURNED, by, from_status=before, note=note)
    return article


@transaction.atomic
def article_publish(*, article: Article, by: User | None, at: datetime | None = None) -> Article:
    """Publish now or at `at`. Readers see it from `published_at` (and not before an embargo lifts);
    side effects run as a task at that time, and are caught up if the task runner was down."""
    _require(
        by,
        "articles.publish_article",
        gettext("Only editors can publish. Submit the article for review instead."),
    )
    before = article.status
    now = timezone.now()
    when = at or article.published_at or now
    if article.embargo_until and article.embargo_until > when:
        when = article.embargo_until
    article.status = Article.Status.PUBLISHED
    article.published_at = when
    article.save()
    action = (
        ArticleEvent.Action.SCHEDULED
        if article.visible_from > now
        else ArticleEvent.Action.PUBLISHED
    )
    note = (
        f"for {article.visible_from:%Y-%m-%d %H:%M} UTC"
        if action == ArticleEvent.Action.SCHEDULED
        else ""
    )
    _event(article, action, by, from_status=before, note=note)
    _effects_enqueue(article, pending=True)
    return article


def article_schedule(
    *, article: Article, by: User, at: datetime, embargo_until: datetime | None = None
) -> Article:
    """Publish at a time still to come; an embargo keeps it hidden until the embargo lifts."""
    _require(by, "articles.publish_article", gettext("Only editors can schedule articles."))
    if at <= timezone.now():
        raise WorkflowError(
            gettext("The time to publish must be in the future; to publish now, use Publish.")
        )
    if embargo_until is not None:
        article.embargo_until = embargo_until
    return article_publish(article=article, by=by, at=at)


@transaction.atomic
def article_unpublish(*, article: Article, by: User | None, note: str = "") -> Article:
    """Take an article (published or scheduled) off the site; readers' caches are purged."""
    _require(by, "articles.publish_article", gettext("Only editors can unpublish articles."))
    if article.status != Article.Status.PUBLISHED:
        raise WorkflowError(
            gettext(
                "Only a published or scheduled article can be unpublished; this one is %(state)s."
            )
            % {"state": article.state_label}
        )
    before = article.status
    article.status = Article.Status.UNPUBLISHED
    article.effects_pending = False
    article.effects_done_at = None  # published again, it goes live again (tasks.py)
    article.save()
    _event(article, ArticleEvent.Action.UNPUBLISHED, by, from_status=before, note=note)
    _effects_enqueue(article, pending=False)
    return article


@transaction.atomic
def article_correct(
    *,
    article: Article,
    by: User | None,
    text: str,
    kind: str = Correction.Kind.CORRECTION,
    at: datetime | None = None,
) -> Correction:
    """Add a public correction or update; the article's modified time changes with it."""
    _require(
        by, "articles.add_correction", gettext("Only editors can add corrections and updates.")
    )
    if not text.strip():
        raise WorkflowError(gettext("Write the text of the correction or update."))
    correction = Correction.objects.create(
        article=article,
        kind=kind,
        text=text.strip(),
        published_at=at or timezone.now(),
        created_by=by if getattr(by, "pk", None) else None,
    )
    article.has_corrections = True
    article.save(update_fields=["has_corrections", "updated_at"])
    _event(
        article,
        ArticleEvent.Action.CORRECTED,
        by,
        from_status=article.status,
        note=f"{correction.get_kind_display()}: {correction.text[:150]}",
    )
    if article.status == Article.Status.PUBLISHED:
        _effects_enqueue(article, pending=True)
    return correction


# Keywords and imports ------------------------------------------------------------------------


def keywords_get_or_create(*, names: list[str]) -> list[Keyword]:
    """One keyword per name, whatever its case: 'NATO' and 'nato' are the same keyword."""
    keywords, created = [], False
    for name in dict.fromkeys(n.strip() for n in names if n.strip()):
        keyword = Keyword.objects.named(name).first()
        if keyword is None:
            keyword = Keyword.objects.create(name=name, slug=_unique_keyword_slug(name))
            created = True
        keywords.append(keyword)
    if created:
        keys_purge([keys.KEYWORDS])  # the API's list of every keyword
    return keywords


def _unique_keyword_slug(name: str) -> str:
    base = make_slug(name, max_length=110)
    slug, n = base, 2
    while Keyword.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug
