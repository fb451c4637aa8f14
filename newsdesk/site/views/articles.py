from django.conf import settings
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.http import require_safe

from newsdesk.articles import keys
from newsdesk.articles.models import Article, Author, Keyword, Section
from newsdesk.core.pagination import BadCursor, keyset_page
from newsdesk.core.surrogate import public, shown

from ..page import article_page
from .legacy import has_legacy_query, legacy_article, moved


def _listing(request, queryset, template: str, context: dict, *, head: str):
    """A page of a list, newest first. Its first page is the list's head (`head`, its surrogate
    key), which every publish into the list purges; deeper pages are anchored by their cursor."""
    if not request.GET.get("after"):
        shown(head)
    try:
        page = keyset_page(
            queryset, cursor=request.GET.get("after"), size=settings.NEWSDESK_PAGE_SIZE
        )
    except BadCursor as error:
        html = render_to_string("site/bad_request.html", {"message": str(error)}, request=request)
        return HttpResponseBadRequest(html)
    response = render(
        request, template, {**context, "page": page, "is_first_page": not request.GET.get("after")}
    )
    response.cache_max_seconds = _seconds_until(Article.objects.next_visible_at())
    return response


def _seconds_until(when) -> int | None:
    # A scheduled story's own purge runs at its minute; this bound holds even if it were late.
    return None if when is None else max(1, int((when - timezone.now()).total_seconds()))


@require_safe
@public("list")
def home(request):
    if has_legacy_query(request):  # /?p=ID of an imported WordPress site
        article = legacy_article(request)
        if article is not None:
            return moved(article)
    top = list(Article.objects.top_stories()[:5]) if not request.GET.get("after") else []
    return _listing(
        request,
        Article.objects.for_listing(),
        "site/home.html",
        {"top_stories": top},
        head=keys.HOME,
    )


def _scope_listing(request, kind: str, scope, stories, *, scope_key: str):
    """The list of one section, keyword or author: named by the scope itself (its name and
    description head every page of the list) and, on its first page, by the list's head."""
    shown(scope_key)
    return _listing(
        request, stories, f"site/{kind}.html", {kind: scope}, head=keys.list_key(kind, scope.pk)
    )


@require_safe
@public("list")
def section_detail(request, slug: str):
    section = get_object_or_404(Section, slug=slug)
    stories = Article.objects.for_listing().filter(section=section)
    return _scope_listing(
        request, "section", section, stories, scope_key=keys.section_key(section.pk)
    )


@require_safe
@public("list")
def keyword_detail(request, slug: str):
    keyword = get_object_or_404(Keyword, slug=slug)
    stories = Article.objects.for_listing().listed_under("keyword", keyword.pk)
    return _scope_listing(
        request, "keyword", keyword, stories, scope_key=keys.keyword_key(keyword.pk)
    )


@require_safe
@public("list")
def author_detail(request, slug: str):
    author = get_object_or_404(Author.objects.select_related("picture"), slug=slug)
    stories = Article.objects.for_listing().listed_under("author", author.pk)
    # The name, bio and portrait, on every page of the list.
    return _scope_listing(request, "author", author, stories, scope_key=keys.author_key(author.pk))


@require_safe
@public("article")
def article_redirect(request, news_id: int):
    shown(keys.article_key(news_id))
    article = get_object_or_404(
        Article.objects.published().only("news_id", "slug"), news_id=news_id
    )
    return redirect(article, permanent=True)


@require_safe
@public("article")
def article_detail(request, news_id: int, slug: str):
    shown(keys.article_key(news_id))  # a 404 here too: the story's publication purges it
    article = Article.objects.for_page().filter(news_id=news_id).first()
    if article is None:
        # A scheduled or embargoed story's 404 is kept no longer than until it comes out.
        request.cache_max_seconds = _seconds_until(
            Article.objects.scheduled().filter(news_id=news_id).next_visible_at()
        )
        raise Http404("No such story.")
    if slug != article.slug:
        return redirect(article, permanent=True)
    return article_page(request, article)


def _preview_page(request, article, **extra):
    """The reader's page for an article not (yet) visible: the same template, marked preview."""
    response = article_page(request, article, preview=True, **extra)
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _any_article():
    articles = Article.objects.select_related("section", "lead_image")
    return articles.prefetch_related("keywords", "authors")


@require_safe
def article_preview(request, news_id: int):
    """Staff see any article they may see in the admin as readers will see it."""
    from django.contrib.auth.views import redirect_to_login

    user = request.user
    if not (user.is_active and user.is_staff and user.has_perm("articles.view_article")):
        return redirect_to_login(request.get_full_path(), "admin:login")
    queryset = _any_article()
    if not user.has_perm("articles.publish_article"):
        queryset = queryset.filter(created_by=user)
    article = get_object_or_404(queryset, news_id=news_id)
    return _preview_page(request, article)


@require_safe
def article_preview_shared(request, token: str):
    """A draft shown through a signed link that expires."""
    from django.core.signing import BadSignature

    from newsdesk.articles.preview import PreviewLinkExpired, preview_link_read

    try:
        article_id, expires = preview_link_read(token)
    except PreviewLinkExpired:
        html = render_to_string("site/preview_expired.html", request=request)
        return HttpResponse(html, status=410)
    except BadSignature:
        raise Http404("This preview link is not valid.") from None
    article = get_object_or_404(_any_article(), pk=article_id)
    return _preview_page(request, article, preview_expires=expires)
