from dataclasses import dataclass, field

from django.db.models import QuerySet

from ..query import ParsedQuery


@dataclass(frozen=True)
class RankedPage:
    """One page of (article id, score), and, when the backend ranked only part of the matches
    (the newest ones), how many it ranked."""

    rows: list[tuple[int, float]] = field(default_factory=list)
    ranked_only: int | None = None


class SearchBackend:
    """What every backend does. Queries start from Article.objects.published() in the selector."""

    vendor = ""

    def ensure_installed(self, connection) -> None:
        """Create the index, its triggers and its contents if any part is missing."""
        raise NotImplementedError

    def rebuild(self, connection) -> None:
        """Re-index every article from the articles tables."""
        raise NotImplementedError

    def suspend(self, connection) -> None:
        """Stop indexing each write (the triggers on the articles tables) until rebuild()."""
        raise NotImplementedError

    # Queries one search_articles() call makes: the page of ranked ids, the stories, the snippets,
    # and whatever the backend adds.
    queries_per_search = 3

    def ranked_page(
        self,
        articles: QuerySet,
        query: ParsedQuery,
        *,
        newest: bool,
        offset: int,
        limit: int,
        id_range: tuple[int, int] | None = None,
    ) -> RankedPage:
        """One page of (article id, score) of the `articles` (an Article queryset starting from
        published()) that match `query`, best first (higher score) or newest first: what
        search_articles() calls. `id_range` (inclusive article ids) bounds the part of the
        index that is read. Backends bound how much of the index a page reads (the newest
        matches only, said in ranked_only)."""
        raise NotImplementedError

    def headline_matches(
        self, query: ParsedQuery, *, id_range: tuple[int, int], limit: int
    ) -> list[int]:
        """Ids (newest first, unranked, visibility NOT checked) of articles within `id_range`
        whose headline has any of the query's words: candidates for related stories."""
        raise NotImplementedError

    def snippets(self, ids: list[int], query: ParsedQuery) -> dict[int, str]:
        """Text around the hits, hits wrapped in HIT_START/HIT_END, for the given article ids."""
        raise NotImplementedError

    def similar_text(self, words: list[str]) -> ParsedQuery:
        """A 'more like this' query: any of the words (used by related stories)."""
        raise NotImplementedError
