"""Search and related stories: reads that span the articles app and the database backends.

Every query starts from, or is checked against, Article.objects.published(), so drafts, embargoed
and unpublished stories can never be found, whatever the index or the stored related lists hold
(the index holds every article, and follows each edit by triggers in the database; related lists
are ranked when stories change, services.py)."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Exists, Max, Min, OuterRef
from django.utils import timezone
from django.utils.safestring import SafeString

from newsdesk.articles.keys import related_key
from newsdesk.articles.models import Article, Keyword, Section, visible_from
from newsdesk.core.l10n import language_direction
from newsdesk.core.prepared import PreparedQuery
from newsdesk.core.surrogate import shown

from .backends import backend_for
from .models import RelatedStory
from .query import ParsedQuery
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


# What the article page shows of an article's stored list (services.RELATED_KEPT are kept).
RELATED_SHOWN = 5


@dataclass(frozen=True)
class RelatedLink:
    pk: int
    headline: str
    url: str
    published_at: datetime
    language: str = ""

    def get_absolute_url(self) -> str:
        return self.url

    @property
    def direction(self) -> str:
        return language_direction(self.language)


# An article's whole stored list, best first, with what decides whether readers may see each
# story. Compiled to SQL once (core/prepared.py): building this query with the ORM cost twenty
# times more CPU than running it, on the page every reader of a new story gets first.
_STORED_LIST = PreparedQuery(
    lambda article_id: (
        RelatedStory.objects.filter(article_id=article_id)
        .order_by("rank")
        .values_list(
            "related_id",
            "related__headline",
            "related__news_id",
            "related__slug",
            "related__published_at",
            "related__status",
            "related__embargo_until",
            "related__language",
        )
    )
)


def related_articles(*, article: Article, limit: int = RELATED_SHOWN) -> list[RelatedLink]:
    """The article's related stories as stored when it or they last changed
    (services.related_refresh), best first, among those readers may see now: one indexed
    query, whatever the archive holds, and no ranking. Whether readers may see each story is
    decided from its row as it is read, by the rule of Article.objects.published()
    (articles.models.visible_from), so a story withdrawn, scheduled or under embargo never
    shows, even before the refresh that takes it out has run. Each link's URL is built by
    Article.get_absolute_url(), so the page being rendered names the story it shows
    (core/surrogate.py) and is purged with it; the page names its list as well, for a new
    ranking (the refresh purges that key, articles.keys.related_key)."""
    shown(related_key(article.news_id))
    now = timezone.now()
    links = []
    for row in _STORED_LIST.rows(article.pk):
        pk, headline, news_id, slug, published_at, status, embargo_until, language = row
        since = visible_from(status, published_at, embargo_until)
        if since is None or since > now:
            continue
        url = Article(news_id=news_id, slug=slug).get_absolute_url()
        links.append(
            RelatedLink(
                pk=pk, headline=headline, url=url, published_at=published_at, language=language
            )
        )
        if len(links) == limit:
            break
    return links
