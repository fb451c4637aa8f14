"""Sitemaps (django.contrib.sitemaps), the Google News sitemap and robots.txt.

Article sitemaps are blocks of 50,000 News IDs (block k holds IDs k*50000 .. k*50000+49999), so
each holds at most 50,000 URLs and is read with one indexed range query: no OFFSET deep in a large
archive, no COUNT(*). Block numbers are stable: a story keeps its sitemap address."""

from datetime import UTC, datetime, timedelta
from urllib.parse import quote, urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps import views as sitemap_views
from django.core.paginator import EmptyPage, PageNotAnInteger
from django.db.models import CharField, Exists, OuterRef, Q
from django.db.models.functions import Cast
from django.http import Http404, HttpResponse
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.http import http_date
from django.views.decorators.http import require_safe

from newsdesk.articles.keys import SITEMAP
from newsdesk.articles.models import Article, Author, Keyword, Section
from newsdesk.core.surrogate import public, shown, unnamed

from .selectors import absolute, visible

BLOCK = 50_000
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
XHTML_NS = "http://www.w3.org/1999/xhtml"
NEWS_WINDOW = timedelta(hours=48)
NEWS_LIMIT = 1000


class _OurSite(Sitemap):
    """Addresses on NEWSDESK_SITE_URL, whatever host the request came to."""

    def get_protocol(self, protocol=None):
        return urlsplit(settings.NEWSDESK_SITE_URL).scheme or "https"

    def get_domain(self, site=None):
        return urlsplit(settings.NEWSDESK_SITE_URL).netloc


class _Block:
    def __init__(self, object_list):
        self.object_list = object_list


class NewsIdBlocks:
    """A paginator over News ID blocks: page p is block p-1 (page 1 is IDs 0..49999)."""

    def page(self, number):
        try:
            number = int(number)
        except (TypeError, ValueError):
            raise PageNotAnInteger("That page number is not an integer") from None
        if number < 1:
            raise EmptyPage("That page number is less than 1")
        start = (number - 1) * BLOCK
        rows = list(
            visible(Article.objects.filter(news_id__gte=start, news_id__lt=start + BLOCK))
            .order_by("news_id")
            # As text, stored in UTC: turning 50,000 values into datetimes costs half a second.
            .annotate(lastmod=Cast("updated_at", CharField()))
            .values_list("news_id", "slug", "lastmod")
        )
        if not rows:
            raise EmptyPage("That page contains no results")
        return _Block(rows)


def article_blocks() -> list[int]:
    """Page numbers of the blocks holding a published story: one indexed query per block."""
    published = visible(Article.objects.order_by("news_id")).values_list("news_id", flat=True)
    pages, first = [], published.first()
    while first is not None:
        block = first // BLOCK
        pages.append(block + 1)
        first = published.filter(news_id__gte=(block + 1) * BLOCK).first()
    return pages


class ArticleSitemap(_OurSite):
    paginator = NewsIdBlocks()

    def location(self, item):
        news_id, slug, _ = item
        return reverse("site:article", kwargs={"news_id": news_id, "slug": slug})

    def lastmod(self, item):
        return datetime.fromisoformat(f"{item[2][:10]}T{item[2][11:19]}").replace(tzinfo=UTC)

    def get_latest_lastmod(self):
        return None  # not worth reading every story for the index


class SectionSitemap(_OurSite):
    def items(self):
        return Section.objects.order_by("position", "id")


class KeywordSitemap(_OurSite):
    def items(self):
        # Only keywords with a story readers can see: empty keyword pages are not worth a crawl.
        # From the keyword's own rows of the link table (indexed), each checked by primary key:
        # SQLite's planner would otherwise walk every published article for every keyword.
        links = Article.keywords.through.objects.filter(keyword=OuterRef("pk"))
        visible_links = links.filter(
            Exists(Article.objects.published().order_by().filter(pk=OuterRef("article_id")))
        )
        return Keyword.objects.filter(Exists(visible_links)).order_by("id").only("slug")


class AuthorSitemap(_OurSite):
    def items(self):
        # As keywords: only authors with a story readers can see, found from the link table.
        links = Article.authors.through.objects.filter(author=OuterRef("pk"))
        visible_links = links.filter(
            Exists(Article.objects.published().order_by().filter(pk=OuterRef("article_id")))
        )
        return Author.objects.filter(Exists(visible_links)).order_by("id").only("slug")


SITEMAPS = {
    "articles": ArticleSitemap,
    "sections": SectionSitemap,
    "keywords": KeywordSitemap,
    "authors": AuthorSitemap,
}


def translation_alternates(news_ids: list[int]) -> dict[int, list[tuple[str, str]]]:
    """For the stories of `news_ids` that have translations readers see: the language and
    address of every story of their group, themselves included (hreflang alternates). One
    query where none of them has translations, two otherwise, whatever the number of stories."""
    if not news_ids:
        return {}
    low, high = min(news_ids), max(news_ids)
    among = Article.objects.filter(news_id__gte=low, news_id__lte=high).order_by()
    # The groups touching the range, by their first story: of a translation in the range, and
    # a first story in the range that has translations; each read through an index (the
    # stories of the groups asked for in one OR of subqueries made both databases read every
    # story: 0.4 s at 300,000).
    translated = Article.objects.filter(translation_of__isnull=False).values("translation_of")
    roots = set(
        among.filter(translation_of__isnull=False)
        .values_list("translation_of", flat=True)
        .union(among.filter(pk__in=translated).values_list("pk", flat=True))
    )
    if not roots:
        return {}
    rows = visible(
        Article.objects.filter(Q(pk__in=roots) | Q(translation_of__in=roots))
    ).values_list("pk", "translation_of", "news_id", "slug", "language")
    groups: dict[int, list[tuple[int, str, str]]] = {}
    for pk, root, news_id, slug, language in rows:
        groups.setdefault(root or pk, []).append((news_id, slug, language))
    wanted, found = set(news_ids), {}
    with unnamed():  # the sitemap key names them all
        for members in groups.values():
            if len(members) < 2:
                continue
            links = sorted(
                (language, absolute(Article(news_id=n, slug=s).get_absolute_url()))
                for n, s, language in members
            )
            for news_id, _, _ in members:
                if news_id in wanted:
                    found[news_id] = links
    return found


def _alternates_xml(links: list[tuple[str, str]]) -> str:
    return "".join(
        f'<xhtml:link rel="alternate" hreflang="{escape(language)}" href="{escape(url)}"/>'
        for language, url in links
    )


def _article_block(request) -> HttpResponse:
    """A block of up to 50,000 article URLs, written directly: Django's generic sitemap view
    reverses each URL and renders a template per entry, several seconds for a full block."""
    rows = ArticleSitemap.paginator.page(request.GET.get("p", 1)).object_list
    marker = 987654321
    pattern = absolute(reverse("site:article", kwargs={"news_id": marker, "slug": "sluG"}))
    head, rest = pattern.split(str(marker), 1)
    between, tail = rest.split("sluG", 1)
    head, between, tail = escape(head), escape(between), escape(tail)
    alternates = translation_alternates([row[0] for row in rows])
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>\n',
        f'<urlset xmlns="{SITEMAP_NS}" xmlns:xhtml="{XHTML_NS}">\n',
    ]
    for news_id, slug, updated_at in rows:
        # Slugs are letters, digits, "-" and "_": once percent-encoded, nothing to escape.
        slug = slug if slug.isascii() else quote(slug, safe="")
        lastmod = f"{updated_at[:10]}T{updated_at[11:19]}Z"  # "YYYY-MM-DD HH:MM:SS..." in UTC
        parts.append(
            f"<url><loc>{head}{news_id}{between}{slug}{tail}</loc>"
            f"<lastmod>{lastmod}</lastmod>{_alternates_xml(alternates.get(news_id, []))}</url>\n"
        )
    parts.append("</urlset>\n")
    response = HttpResponse("".join(parts), content_type="application/xml; charset=utf-8")
    newest = max(r[2] for r in rows)
    response["Last-Modified"] = http_date(
        datetime.fromisoformat(f"{newest[:10]}T{newest[11:19]}").replace(tzinfo=UTC).timestamp()
    )
    return response


@require_safe
@public("sitemap")
def sitemap(request, section: str):
    shown(SITEMAP)
    if section == "articles":
        try:
            response = _article_block(request)
        except (EmptyPage, PageNotAnInteger):
            raise Http404("No such article sitemap.") from None
    else:
        response = sitemap_views.sitemap(request, SITEMAPS, section=section)
    return response


@require_safe
@public("sitemap")
def index(request):
    shown(SITEMAP)

    def page_url(section, page):
        path = reverse("feeds:sitemap", kwargs={"section": section})
        return absolute(path if page == 1 else f"{path}?p={page}")

    keyword_pages = KeywordSitemap().paginator.num_pages
    author_pages = AuthorSitemap().paginator.num_pages
    locations = [absolute(reverse("feeds:sitemap-news")), page_url("sections", 1)]
    locations += [page_url("keywords", p) for p in range(1, keyword_pages + 1)]
    locations += [page_url("authors", p) for p in range(1, author_pages + 1)]
    locations += [page_url("articles", p) for p in article_blocks()]
    response = _xml("feeds/sitemap_index.xml", {"locations": locations})
    return response


@require_safe
@public("sitemap")
def news(request):
    """Google News: exactly the stories published in the last 48 hours (at most 1,000), newest
    first. Stories age out by the clock: kept ten minutes at most."""
    shown(SITEMAP)
    since = timezone.now() - NEWS_WINDOW
    articles = (
        Article.objects.published()
        .filter(published_at__gte=since)
        .order_by("-published_at", "-id")
        .only("news_id", "slug", "headline", "published_at", "language")[:NEWS_LIMIT]
    )
    urls = _urls(articles)
    alternates = translation_alternates([article.news_id for _, article in urls])
    context = {
        "articles": [(url, article, alternates.get(article.news_id, [])) for url, article in urls],
        "publication": settings.NEWSDESK_SITE_NAME,
    }
    response = _xml("feeds/sitemap_news.xml", context)
    response.cache_max_seconds = 600
    return response


def _urls(articles) -> list[tuple[str, Article]]:
    with unnamed():  # up to 1,000 stories: the sitemap key names them all
        return [(absolute(a.get_absolute_url()), a) for a in articles]


def _xml(template: str, context: dict) -> HttpResponse:
    # No request context: sitemaps need none of the page furniture (and none of its queries).
    return HttpResponse(
        render_to_string(template, context), content_type="application/xml; charset=utf-8"
    )


@require_safe
@public("sitemap")
def robots_txt(request):
    shown(SITEMAP)
    lines = [
        "User-agent: *",
        f"Disallow: {reverse('admin:index')}",
        f"Disallow: {reverse('site:search')}",
        "",
        f"Sitemap: {absolute(reverse('feeds:sitemap-index'))}",
        f"Sitemap: {absolute(reverse('feeds:sitemap-news'))}",
        "",
    ]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")
