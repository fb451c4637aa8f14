"""Search and related stories: reads that span the articles app and the database backends.

Every query starts from Article.objects.published(), so drafts, embargoed and unpublished stories
can never be found, whatever the index holds (it holds every article, and follows each edit by
triggers in the database)."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.core.cache import cache
from django.db.models import Count, Exists, F, Max, Min, OuterRef
from django.utils import timezone
from django.utils.safestring import SafeString

from newsdesk.articles.models import Article, Keyword, Section
from newsdesk.core.purge import content_generation

from .backends import backend_for
from .query import Clause, ParsedQuery
from .snippets import snippet_html

MAX_PAGES = 25


class Sort:
    RELEVANCE = "relevance"
    NEWEST = "newest"
    CHOICES = (RELEVANCE, NEWEST)


@dataclass(frozen=True)
class SearchHit:
    article: Article
    snippet: SafeString
    score: float


@dataclass(frozen=True)
class SearchResults:
    hits: list[SearchHit]
    page: int
    has_next: bool
    # Set when only the newest matches were ranked (their number): older ones need a narrower
    # search (more words, dates) to be reached.
    ranked_only: int | None = None


def day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_current_timezone())


def visible_by_id(ids: list[int]) -> dict[int, Article]:
    """The listed stories among `ids` that readers may see, by id. Primary-key lookups, each
    checked with published() in a correlated EXISTS: with the published() conditions in the
    main WHERE clause, SQLite's planner (lacking ANALYZE statistics) walks the whole
    publication index instead of looking the ids up."""
    if not ids:
        return {}
    listing = Article.objects.for_listing().query
    rows = (
        _visible_among(ids)
        .select_related(*listing.select_related)
        .only(*listing.deferred_loading[0])
    )
    return {article.pk: article for article in rows}


def _visible_among(ids: list[int]):
    visible = Article.objects.published().order_by().filter(pk=OuterRef("pk"))
    return Article.objects.filter(pk__in=ids).filter(Exists(visible))


# A date range running to today and holding more stories than this is not turned into id bounds:
# its stories are found among the newest matches anyway.
DATE_RANGE_SCAN = 30_000


def _date_range_ids(since: date | None, until: date | None) -> tuple[int | None, int | None] | None:
    """Lowest and highest article id published in the range ((None, None): none), for the
    backend to read only that slice of its index; None for a wide range running to today.

    Published stories of those days, embargoed or not, a superset of what readers see (each hit
    is checked again): one scan of the publication index (status, published_at, id) alone, about
    a millisecond per 10,000 entries, of at most DATE_RANGE_SCAN entries unless the range is
    wide and in the past. With the embargo (not in that index) it read every row of the range
    instead: 50 ms for two months of 300,000 stories."""
    in_range = Article.objects.filter(status=Article.Status.PUBLISHED)
    if since is not None:
        in_range = in_range.filter(published_at__gte=day_start(since))
    if until is not None:
        in_range = in_range.filter(published_at__lt=day_start(until + timedelta(days=1)))
    # Aggregated over the slice, Django wraps it in a subquery: the LIMIT bounds the scan.
    bounds = (
        in_range.order_by()
        .values("id")[:DATE_RANGE_SCAN]
        .aggregate(low=Min("id"), high=Max("id"), count=Count("id"))
    )
    if bounds["count"] < DATE_RANGE_SCAN:
        return bounds["low"], bounds["high"]
    if until is None or day_start(until + timedelta(days=1)) > timezone.now():
        return None  # wide and running to today: its stories are the newest matches
    # Wide and in the past: without bounds, every newer match would be checked and rejected.
    bounds = in_range.order_by().aggregate(low=Min("id"), high=Max("id"))
    return bounds["low"], bounds["high"]


def search_articles(
    *,
    query: ParsedQuery,
    section: Section | None = None,
    keyword: Keyword | None = None,
    published_from: date | None = None,
    published_to: date | None = None,
    sort: str = Sort.RELEVANCE,
    page: int = 1,
    size: int = 20,
) -> SearchResults:
    """Published articles matching `query`, best first (or newest first), `size` per page.

    A fixed number of queries whatever the archive size (backend.queries_per_search)."""
    page = max(1, min(page, MAX_PAGES))
    if not query:
        return SearchResults(hits=[], page=page, has_next=False)
    backend = backend_for()
    queryset = Article.objects.published()
    if section is not None:
        queryset = queryset.filter(section=section)
    if keyword is not None:
        queryset = queryset.filter(keywords=keyword)
    if published_from is not None:
        queryset = queryset.filter(published_at__gte=day_start(published_from))
    if published_to is not None:
        queryset = queryset.filter(published_at__lt=day_start(published_to + timedelta(days=1)))
    id_range = None
    if published_from is not None or published_to is not None:
        id_range = _date_range_ids(published_from, published_to)
        if id_range == (None, None):
            return SearchResults(hits=[], page=page, has_next=False)
    ranked = backend.ranked_page(
        queryset,
        query,
        newest=sort == Sort.NEWEST,
        offset=(page - 1) * size,
        limit=size + 1,
        id_range=id_range,
    )
    rows = ranked.rows
    has_next = len(rows) > size and page < MAX_PAGES
    rows = rows[:size]
    ids = [pk for pk, _ in rows]
    articles = visible_by_id(ids)
    snippets = backend.snippets(ids, query)
    hits = [
        SearchHit(article=articles[pk], snippet=snippet_html(snippets.get(pk)), score=score)
        for pk, score in rows
        if pk in articles
    ]
    return SearchResults(hits=hits, page=page, has_next=has_next, ranked_only=ranked.ranked_only)


RELATED_ID_WINDOW = 5_000
RELATED_CANDIDATES = 60
RELATED_CACHE_SECONDS = 600
# The ranking is kept for an hour per article version: stories published since then join an
# older article's list within the hour. A few more than shown, for those withdrawn meanwhile.
RELATED_RANKING_SECONDS = 3600
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


@dataclass(frozen=True)
class RelatedStory:
    pk: int
    headline: str
    url: str
    published_at: datetime

    def get_absolute_url(self) -> str:
        return self.url


def related_articles(*, article: Article, limit: int = 5) -> list[RelatedStory]:
    """Published stories sharing keywords and words of the headline, near it in time.

    'More like this' through the search index: the article's keyword names and its headline's
    words, any of which may match, within a window of the archive around the story so the cost
    does not grow with the archive. Two cache levels: the ranked candidates per article version
    (three queries to compute), and the stories shown per content generation, which rises with
    every change readers must see, so a withdrawn story drops out of every list at once. After
    such a change a list costs one query (the candidates still visible), not a new ranking."""
    stamp = article.updated_at.timestamp() if article.updated_at else 0
    ranked_key = f"newsdesk:related:{article.pk}:{stamp}"
    shown_key = f"{ranked_key}:{content_generation()}"
    stories = cache.get(shown_key)
    if stories is not None:
        return stories
    ranked = cache.get(ranked_key)
    if ranked is None:
        stories = _related(article, RELATED_KEPT)
        cache.set(ranked_key, [story.pk for story in stories], RELATED_RANKING_SECONDS)
    else:
        stories = _stories(ranked)
    stories = stories[:limit]
    cache.set(shown_key, stories, RELATED_CACHE_SECONDS)
    return stories


def _stories(ids: list[int]) -> list[RelatedStory]:
    """The stories among `ids` readers may see now, in the order of `ids`."""
    rows = _visible_among(ids).values_list("pk", "headline", "news_id", "slug", "published_at")
    found = {row[0]: _story(*row) for row in rows}
    return [found[pk] for pk in ids if pk in found]


def _story(pk: int, headline: str, news_id: int, slug: str, published_at: datetime):
    url = Article(news_id=news_id, slug=slug).get_absolute_url()
    return RelatedStory(pk=pk, headline=headline, url=url, published_at=published_at)


def _related(article: Article, limit: int) -> list[RelatedStory]:
    """Candidates from two indexed reads within a window of the archive around the story:
    stories sharing its keywords (the link table), and stories whose headlines share its words
    (the search index, headline only, no ranking: bm25 would read every matching word's whole
    doclist). Scored here: two points per shared keyword, one per shared headline word."""
    window = (article.pk - RELATED_ID_WINDOW, article.pk + RELATED_ID_WINDOW)
    keyword_ids = [keyword.pk for keyword in article.keywords.all()]  # prefetched by the page
    shared: dict[int, int] = {}
    if keyword_ids:
        links = (
            # Led by the (article, keyword) index over the window: "+ 0" keeps the planner off
            # the keyword index, which would read every story ever tagged with a busy keyword.
            Article.keywords.through.objects.alias(keyword_value=F("keyword_id") + 0)
            .filter(
                keyword_value__in=keyword_ids, article_id__gte=window[0], article_id__lte=window[1]
            )
            .exclude(article_id=article.pk)
            .values("article_id")
            .annotate(n=Count("id"))
            .order_by("-n", "-article_id")[:RELATED_CANDIDATES]
        )
        shared = {row["article_id"]: row["n"] for row in links}
    words = sorted(
        {w.lower() for w in _words(article.headline) if len(w) > 2 and w.lower() not in _STOPWORDS}
    )[:10]
    text_ids: list[int] = []
    if words:
        query = ParsedQuery(include=tuple(Clause(words=(w,)) for w in words), match_any=True)
        text_ids = backend_for().headline_matches(query, id_range=window, limit=RELATED_CANDIDATES)
    ids = sorted({*shared, *text_ids} - {article.pk})
    if not ids:
        return []
    wanted = set(words)
    # Plain rows, not model instances: a hundred candidates are read to show five.
    scored = []
    rows = _visible_among(ids).values_list("pk", "headline", "news_id", "slug", "published_at")
    for row in rows:
        overlap = len(wanted & {w.lower() for w in _words(row[1])})
        points = 2 * shared.get(row[0], 0) + overlap
        if points > 0:
            scored.append((points, row[4], row))
    scored.sort(key=lambda item: item[:2], reverse=True)
    return [_story(*row) for _, _, row in scored[:limit]]


def _words(text: str) -> list[str]:
    from .query import _WORD

    return _WORD.findall(text or "")
