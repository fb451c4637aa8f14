from django.db.models import QuerySet

from ..query import ParsedQuery


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

    def matching(
        self, queryset: QuerySet, query: ParsedQuery, id_range: tuple[int, int] | None = None
    ) -> QuerySet:
        """Filter `queryset` (of Article) to the query; annotate `search_score` (higher: better).

        `id_range` (inclusive article ids) bounds the part of the index that is read."""
        raise NotImplementedError

    def snippets(self, ids: list[int], query: ParsedQuery) -> dict[int, str]:
        """Text around the hits, hits wrapped in HIT_START/HIT_END, for the given article ids."""
        raise NotImplementedError

    def similar_text(self, words: list[str]) -> ParsedQuery:
        """A 'more like this' query: any of the words (used by related stories)."""
        raise NotImplementedError
