"""Related stories, ranked when a story changes and stored, never on a reader's view.

`related_refresh(article_id=...)` runs as a task after the side effects of every change readers
see (registered in apps.py with newsdesk/articles/effects.py): it ranks the article's list again
and the lists it enters or leaves, and names the pages that changed, for the task to purge.
`related_rebuild()` fills the lists of a whole archive, or of the stories of a bulk load, in
batches. The article page reads a list in one query (selectors.related_articles), and checks
there, at read time, that readers may see each story: a story withdrawn or still under embargo
never shows, even before the refresh that takes it out has run.

The ranking is "more like this" through the search index: stories sharing the article's keywords
(two points each) and words of its headline (one point each), among the stories readers see
now, within RELATED_ID_WINDOW article ids either side of it, so that its cost does not grow with
the archive. Ties go to the newer story.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime

from django.db import transaction
from django.db.models import Count, Exists, OuterRef

from newsdesk.articles.models import Article
from newsdesk.core.prepared import PreparedQuery

from .backends import backend_for
from .models import RelatedStory
from .query import _WORD, Clause, ParsedQuery, fold
from .selectors import RELATED_SHOWN, _visible_among

RELATED_ID_WINDOW = 5_000
# The index _rank() reads the keyword links from, made by migration search.0004 on the articles'
# link table, and put back after every migrate (apps.py: on SQLite, a migration that rebuilds
# that table would drop it).
LINK_INDEX = (
    "CREATE INDEX IF NOT EXISTS related_keyword_article_idx"
    " ON articles_article_keywords (keyword_id, article_id)"
)
# Candidates read from each of the two sources (keywords, headline words) before scoring.
RELATED_CANDIDATES = 60
# A few more than shown are kept, so that a list still has enough when some of its stories are
# withdrawn (they are left out when read) before its refresh runs.
RELATED_KEPT = 10
_STOPWORDS = frozenset(
    [
        "a",
        "about",
        "after",
        "again",
        "against",
        "all",
        "also",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "been",
        "before",
        "being",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "for",
        "from",
        "had",
        "has",
        "have",
        "he",
        "her",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "more",
        "most",
        "new",
        "no",
        "not",
        "of",
        "on",
        "one",
        "or",
        "our",
        "out",
        "over",
        "said",
        "says",
        "she",
        "so",
        "some",
        "than",
        "that",
        "the",
        "their",
        "them",
        "there",
        "these",
        "they",
        "this",
        "to",
        "up",
        "was",
        "we",
        "were",
        "what",
        "when",
        "which",
        "who",
        "will",
        "with",
        "would",
        "you",
    ]
)


def related_refresh(*, article_id: int) -> list[int]:
    """Rank again the related stories of the article, among the stories readers see now, and
    store them; then those of each story in its new list (so that it enters theirs: when a
    story comes out, its neighbours learn of it) and of each story that listed it (it may have
    been withdrawn or changed). A story readers cannot see gets an empty list.

    Returns the News IDs of the articles whose pages now show another list, or show this
    article (it may just have come out, or been lifted from an embargo, and pages rendered
    before did not show it, whatever their stored rows said): the pages to purge. Safe to run
    twice, and at the same time as another refresh."""
    listed_by = set(
        RelatedStory.objects.filter(related_id=article_id).values_list("article_id", flat=True)
    )
    ranked, changed = _list_refresh(article_id, trigger=article_id)
    pages = {article_id} if changed else set()
    for pk in sorted((set(ranked) | listed_by) - {article_id}):
        if _list_refresh(pk, trigger=article_id)[1]:
            pages.add(pk)
    if not pages:
        return []
    return sorted(Article.objects.filter(pk__in=pages).values_list("news_id", flat=True))


def related_rebuild(
    *,
    from_id: int = 0,
    to_id: int | None = None,
    batch_size: int = 500,
    on_batch: Callable[[int, int], None] | None = None,
) -> int:
    """Rank and store the lists of every article whose id is `from_id` or more (and `to_id` or
    less: ranges can be rebuilt by several processes at once), `batch_size` articles at a
    time (one transaction per batch). For an archive that has no lists yet, and after bulk
    loads (search.backends.index_suspended); a list of a story readers cannot see is emptied.
    Purges nothing. Returns the number of lists stored.

    Memory stays bounded whatever the archive: the stories around the batch (its window) are
    read once, slid along with the batches, rather than once per article.
    `on_batch(done, total)` is called after each committed batch (for progress display)."""
    articles = Article.objects.filter(pk__gte=from_id)
    if to_id is not None:
        articles = articles.filter(pk__lte=to_id)
    total = articles.count()
    done = stored = 0
    last = from_id - 1
    stories: dict[int, Candidate] = {}
    read_up_to = last - RELATED_ID_WINDOW
    while True:
        batch = list(
            articles.filter(pk__gt=last).order_by("pk").values_list("pk", "headline")[:batch_size]
        )
        if not batch:
            break
        low, high = batch[0][0] - RELATED_ID_WINDOW, batch[-1][0] + RELATED_ID_WINDOW
        for pk in [pk for pk in stories if pk < low]:
            del stories[pk]
        stories |= _candidates(_visible_range(max(low, read_up_to + 1), high))
        read_up_to = high
        rows = []
        for pk, headline in batch:
            if pk in stories:  # readers may see it
                ranked = _rank(pk, headline, stories=stories)
                rows += [
                    RelatedStory(article_id=pk, related_id=related, rank=rank)
                    for rank, related in enumerate(ranked)
                ]
                stored += 1
        with transaction.atomic():
            RelatedStory.objects.filter(
                article_id__gte=batch[0][0], article_id__lte=batch[-1][0]
            ).delete()
            RelatedStory.objects.bulk_create(rows)
        last = batch[-1][0]
        done += len(batch)
        if on_batch:
            on_batch(done, total)
    return stored


def _visible_range(low: int, high: int):
    """The articles with ids from `low` to `high` that readers may see, led by the primary key
    (see selectors.visible_by_id for why the published() conditions go in an EXISTS)."""
    visible = Article.objects.published().order_by().filter(pk=OuterRef("pk"))
    return Article.objects.filter(pk__gte=low, pk__lte=high).filter(Exists(visible))


def _list_refresh(article_id: int, *, trigger: int) -> tuple[list[int], bool]:
    """Store the article's list ranked now. Returns it, and whether the article's page shows
    another list: its first stories changed, or `trigger` (the story whose change started the
    refresh, which may just have come out) is among them."""
    visible = Article.objects.published().filter(pk=OuterRef("pk"))
    with transaction.atomic():
        # One refresh of a list at a time (the row lock on PostgreSQL; on SQLite, IMMEDIATE
        # transactions are one at a time anyway): a refresh that ranked the stories before a
        # publish must not overwrite one that ranked them after.
        row = (
            Article.objects.select_for_update()
            .filter(pk=article_id)
            .annotate(visible=Exists(visible))
            .values_list("headline", "visible")
            .first()
        )
        if row is None:
            return [], False  # deleted: its rows went with it
        headline, is_visible = row
        ranked = _rank(article_id, headline) if is_visible else []
        stored = RelatedStory.objects.filter(article_id=article_id)
        before = list(stored.order_by("rank").values_list("related_id", flat=True))
        if ranked != before:
            stored.delete()
            RelatedStory.objects.bulk_create(
                RelatedStory(article_id=article_id, related_id=related, rank=rank)
                for rank, related in enumerate(ranked)
            )
    shown = ranked[:RELATED_SHOWN]
    return ranked, shown != before[:RELATED_SHOWN] or trigger in shown


# The stories sharing the article's keywords within the window, most keywords shared first, then
# newest (the article itself among them). From the (keyword, article) index, LINK_INDEX: for
# each of the article's keywords, the window's stories only, not every story ever tagged with it.
_SHARED_KEYWORDS = PreparedQuery(
    lambda article_id, low, high: (
        Article.keywords.through.objects.filter(
            keyword_id__in=Article.keywords.through.objects.filter(article_id=article_id).values(
                "keyword_id"
            ),
            article_id__gte=low,
            article_id__lte=high,
        )
        .values("article_id")
        .annotate(n=Count("id"))
        .order_by("-n", "-article_id")
        .values_list("article_id", "n")[: RELATED_CANDIDATES + 1]
    )
)

# A story as the ranking sees it: its headline's words and when it was published.
Candidate = tuple[frozenset[str], datetime]


def _rank(
    article_id: int, headline: str, *, stories: Mapping[int, Candidate] | None = None
) -> list[int]:
    """The ids of the RELATED_KEPT stories most like the article, best first: candidates from
    two indexed reads within the window, stories sharing its keywords (the link table) and
    stories whose headlines share its words (the search index, headline only, unranked: bm25
    would read every matching word's whole doclist), then scored here on the stories readers
    may see. `stories`: those readers may see, at least the whole window (else read here)."""
    low, high = article_id - RELATED_ID_WINDOW, article_id + RELATED_ID_WINDOW
    rows = _SHARED_KEYWORDS.rows(article_id, low, high)
    shared = dict([(pk, n) for pk, n in rows if pk != article_id][:RELATED_CANDIDATES])
    words = _headline_words(headline)
    text_ids: list[int] = []
    if words:
        query = ParsedQuery(include=tuple(Clause(words=(w,)) for w in words), match_any=True)
        text_ids = backend_for().headline_matches(
            query, id_range=(low, high), limit=RELATED_CANDIDATES
        )
    ids = sorted({*list(shared)[:RELATED_CANDIDATES], *text_ids} - {article_id})
    if not ids:
        return []
    if stories is None:
        stories = _candidates(_visible_among(ids))
    wanted = set(words)
    scored = []
    for pk in ids:
        story = stories.get(pk)
        if story is None:
            continue  # readers may not see it
        points = 2 * shared.get(pk, 0) + len(wanted & story[0])
        if points > 0:
            scored.append((points, story[1], pk))
    scored.sort(reverse=True)
    return [pk for _, _, pk in scored[:RELATED_KEPT]]


def _candidates(articles) -> dict[int, Candidate]:
    rows = articles.values_list("pk", "headline", "published_at")
    return {pk: (frozenset(_words(headline)), published_at) for pk, headline, published_at in rows}


def _headline_words(headline: str) -> list[str]:
    """The words of a headline the ranking looks for in others' (at most ten)."""
    return sorted({w for w in _words(headline) if len(w) > 2 and w not in _STOPWORDS})[:10]


def _words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(fold(text))]
