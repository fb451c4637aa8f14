"""The lists in the mirror: home, section, keyword and author pages at every depth.

On the origin a list's deeper pages are addressed by a keyset cursor (?after=...: the last story
of the page before). Each publish moves every cursor below the head by one story. A cache does
not mind (a new address is a new page) but a folder of files would: one story would rewrite
every page of every list it enters. The mirror therefore anchors its deeper pages, in path form:

    head            the origin's first page (NEWSDESK_PAGE_SIZE stories), as readers see it
    bridge          <list>/after/<the head's cursor>/: the stories between the head and the
                    newest anchored page
    anchored pages  <list>/after/<anchor>/: the stories older than the anchor, down to the next

An export follows the origin's own cursors, so at first every page is the origin's page at the
same cursor. Afterwards a publish re-renders the head and the bridge (which grows by a story, and
becomes an anchored page when full); an unpublished story shortens the one page that showed it;
a story published with an earlier time joins the page whose range holds it, which splits once
it holds more than a full page. No page is rewritten because a story elsewhere came or went,
pages never overlap and no story is left out (tests/test_mirror.py checks `chain_repair`
against a model of a list with Hypothesis).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_safe

from newsdesk.articles import keys
from newsdesk.articles.models import Article, Author, Keyword, Section
from newsdesk.core.pagination import (
    Page,
    after,
    decode_cursor,
    encode_cursor,
    from_,
    led_by,
    order_of,
)
from newsdesk.core.surrogate import public, shown

Cursor = tuple[datetime, int]  # (published_at, id), as keyset pagination orders stories

MODELS = {"section": Section, "keyword": Keyword, "author": Author}
FEED_FORMATS = ("rss", "atom", "json")
OWN_KEY = {"section": keys.section_key, "keyword": keys.keyword_key, "author": keys.author_key}


def cursor_text(cursor: Cursor) -> str:
    return encode_cursor(*cursor)


def cursor_of(text: str) -> Cursor:
    return decode_cursor(text)


@dataclass(frozen=True)
class ListSpec:
    """One list of stories the site shows: the home page's, or a section's, keyword's, author's."""

    kind: str  # home | section | keyword | author
    pk: int = 0
    slug: str = ""

    @property
    def id(self) -> str:
        return "home" if self.kind == "home" else f"{self.kind}-{self.pk}"

    @property
    def base(self) -> str:
        """The head's address; deeper pages are below it, at after/<cursor>/."""
        if self.kind == "home":
            return reverse("site:home")
        return reverse(f"site:{self.kind}", kwargs={"slug": self.slug})

    def page_path(self, anchor: str) -> str:
        return f"{self.base}after/{anchor}/"

    @property
    def head_key(self) -> str:
        return keys.HOME if self.kind == "home" else keys.list_key(self.kind, self.pk)

    @property
    def own_keys(self) -> set[str]:
        """What every page of the list shows besides its stories: the name in its heading
        (the origin's first page does not name it; the mirror's files do, to be rewritten when
        it is renamed)."""
        return set() if self.kind == "home" else {OWN_KEY[self.kind](self.pk)}

    def feeds(self) -> list[str]:
        """The list's feeds, in every format, where the site has them."""
        view, kwargs = ("feeds:site", {}) if self.kind == "home" else (f"feeds:{self.kind}", {})
        if self.kind != "home":
            kwargs["slug"] = self.slug
        try:
            return [reverse(view, kwargs={**kwargs, "fmt": fmt}) for fmt in FEED_FORMATS]
        except NoReverseMatch:
            return []

    def stories(self) -> QuerySet:
        """The list's stories, as the site's list view reads them (site/views/articles.py)."""
        queryset = Article.objects.for_listing()
        if self.kind == "section":
            return queryset.filter(section_id=self.pk)
        if self.kind in ("keyword", "author"):
            return queryset.listed_under(self.kind, self.pk)
        return queryset

    def within(self, lower: Cursor | None, upper: Cursor | None) -> QuerySet:
        """The stories in [lower, upper), newest first (by the list's order, core/pagination.py)."""
        queryset = self.stories()
        order = order_of(queryset)
        if upper is not None:
            queryset = led_by(queryset, after(*upper, order=order))
        if lower is not None:
            queryset = queryset.filter(from_(*lower, order=order))
        time, key = order
        return queryset.order_by(f"-{time}", f"-{key}")

    def cursors(self, lower: Cursor | None, upper: Cursor | None) -> QuerySet:
        """(published_at, id) of the stories in [lower, upper), newest first."""
        queryset = self.within(lower, upper)
        return queryset.values_list(*order_of(queryset))

    def between(self, lower: Cursor | None, upper: Cursor, limit: int | None) -> list[Cursor]:
        queryset = self.cursors(lower, upper)
        return list(queryset[:limit] if limit else queryset)

    def floor(self, size: int) -> Cursor | None:
        """The oldest of the list's `size` newest stories (None: it has no more than those)."""
        found = list(self.cursors(None, None)[size - 1 : size + 1])
        return found[0] if len(found) > 1 else None

    def export_anchors(self, size: int) -> Iterator[Cursor]:
        """The cursors of the origin's own deeper pages, oldest last: the last story of every
        full page that has a story after it. One pass over the list's index."""
        previous = None
        for n, cursor in enumerate(self.cursors(None, None).iterator(chunk_size=5000)):
            if n and n % size == 0:
                yield previous
            previous = cursor


def language_feeds() -> list[str]:
    """The feeds of the stories in each of the site's languages (every page's head names them).
    They belong to no list of the mirror: their stories are not the home page's, so a purge of
    what they show renders them again, whichever story changed."""
    paths = []
    for code, _ in settings.LANGUAGES:
        for fmt in FEED_FORMATS:
            try:
                paths.append(reverse("feeds:language", kwargs={"slug": code, "fmt": fmt}))
            except NoReverseMatch:
                return []
    return paths


def all_specs() -> Iterator[ListSpec]:
    """Every list the site has: the home page's, and one per section, keyword and author."""
    yield ListSpec("home")
    for kind, model in MODELS.items():
        for pk, slug in model.objects.order_by("pk").values_list("pk", "slug").iterator():
            yield ListSpec(kind, pk, slug)


def containing(article: Article) -> list[ListSpec]:
    """The lists a story readers see is in (read with its keywords and authors prefetched)."""
    found = [ListSpec("home")]
    if article.section_id:
        found.append(ListSpec("section", article.section_id, article.section.slug))
    found += [ListSpec("keyword", k.pk, k.slug) for k in article.keywords.all()]
    found += [ListSpec("author", a.pk, a.slug) for a in article.authors.all()]
    return found


TEMPLATES = {
    "home": "site/home.html",
    "section": "site/section.html",
    "keyword": "site/keyword.html",
    "author": "site/author.html",
}


@require_safe
@public("list")
def list_page(request, *, spec: ListSpec, anchor: Cursor, until: Cursor | None):
    """A deeper page of a list in the mirror: the stories in [until, anchor), newest first,
    with the site's own list template; "Older stories" leads to the page at `until`."""
    context = {"top_stories": []}
    if spec.kind != "home":
        obj = MODELS[spec.kind].objects.filter(pk=spec.pk).first()
        if obj is None:
            raise Http404("No such list.")
        context[spec.kind] = obj
        shown(*spec.own_keys)
    # A page holds at most a full page (chain_repair splits bigger ranges); a story published
    # into the range meanwhile shows too, until its own purge splits the page.
    size = settings.NEWSDESK_PAGE_SIZE
    items = list(spec.within(until, anchor)[: 2 * size])
    page = Page(items=items, next_cursor=cursor_text(until) if until else None)
    return render(request, TEMPLATES[spec.kind], {**context, "page": page, "is_first_page": False})


# The chain of deeper pages ------------------------------------------------------------------


@dataclass(frozen=True)
class Repair:
    chain: list[Cursor]  # every anchor, newest first; the first is the bridge when there is one
    render: set[Cursor]  # pages to render again (new ones, or whose stories or next page changed)
    drop: set[Cursor]  # pages that are no more


Between = Callable[[Cursor | None, Cursor, int | None], list[Cursor]]


def chain_repair(
    *,
    chain: Iterable[Cursor],
    head_next_before: Cursor | None,
    head_next: Cursor | None,
    dirty: Iterable[Cursor],
    size: int,
    between: Between,
) -> Repair:
    """Bring a list's anchors up to date after a change.

    `chain`: the anchors as they were; `head_next_before` / `head_next`: the head's "Older
    stories" cursor before and now (None: the list fits on its head); `dirty`: anchored pages
    that show a story that changed, or whose range holds one; `between(lower, upper, limit)`:
    the stories in [lower, upper), newest first.
    """
    chain = sorted(set(chain), reverse=True)
    before = set(chain)
    lower_before = _lowers(chain)
    dirty = set(dirty) & before
    work = set(dirty)
    render_again: set[Cursor] = set()
    if head_next != head_next_before and head_next_before in before:
        chain.remove(head_next_before)  # the old bridge: it stays only if it is now a full page
    if head_next is None:
        return Repair(chain=[], render=set(), drop=before)
    chain = [anchor for anchor in chain if anchor <= head_next]  # the head shows newer ones
    if not chain or chain[0] != head_next:
        chain.insert(0, head_next)
        work.add(head_next)
    while work:
        anchor = min(work)  # oldest first: a page that goes marks the newer one before it
        work.discard(anchor)
        if anchor not in chain:
            continue
        i = chain.index(anchor)
        lower = chain[i + 1] if i + 1 < len(chain) else None
        found = between(lower, anchor, size + 1)
        if not found:
            if i > 0:
                chain.remove(anchor)  # empty: the page before now leads to the next one
                render_again.add(chain[i - 1])
            elif lower is not None:
                chain.remove(lower)  # the bridge must exist: it takes the next page's stories
                work.add(anchor)
            else:
                render_again.add(anchor)
            continue
        if len(found) > size:
            # Full pages from the bottom of the range; the newest stories stay on this page.
            oldest_first = between(lower, anchor, None)[::-1]
            added = [oldest_first[k] for k in range(size, len(oldest_first), size)]
            chain[i + 1 : i + 1] = sorted(added, reverse=True)
            render_again.update(added)
        render_again.add(anchor)
    kept = set(chain)
    lower_now = _lowers(chain)
    # A page that was there, holds the same range and shows no story that changed renders the
    # same (a full bridge that becomes an anchored page, a page found too big only below it).
    render_again = {
        anchor
        for anchor in render_again & kept
        if anchor not in before or anchor in dirty or lower_before[anchor] != lower_now[anchor]
    }
    return Repair(chain=chain, render=render_again, drop=before - kept)


def _lowers(chain: list[Cursor]) -> dict[Cursor, Cursor | None]:
    """Each anchor's next anchor (the lower end of its page's range)."""
    return {anchor: chain[i + 1] if i + 1 < len(chain) else None for i, anchor in enumerate(chain)}


def covering(chain: list[Cursor], cursor: Cursor) -> Cursor | None:
    """The anchored page whose range holds `cursor` (None: the head's, or above)."""
    holder = None
    for anchor in chain:  # newest first
        if anchor > cursor:
            holder = anchor
        else:
            break
    return holder
