from django.conf import settings
from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.views.decorators.http import require_safe

from newsdesk.comments.views import comment_block_context
from newsdesk.core.pagination import BadCursor, keyset_page

from .models import Article, Keyword, Section


def _listing(request, queryset, template: str, context: dict):
    try:
        page = keyset_page(queryset, cursor=request.GET.get("after"), size=settings.NEWSDESK_PAGE_SIZE)
    except BadCursor as error:
        html = render_to_string("articles/bad_request.html", {"message": str(error)}, request=request)
        return HttpResponseBadRequest(html)
    return render(request, template, {**context, "page": page, "is_first_page": not request.GET.get("after")})


@require_safe
def home(request):
    top = list(Article.objects.top_stories()[:5]) if not request.GET.get("after") else []
    return _listing(request, Article.objects.for_listing(), "articles/home.html", {"top_stories": top})


@require_safe
def section_detail(request, slug: str):
    section = get_object_or_404(Section, slug=slug)
    queryset = Article.objects.for_listing().filter(section=section)
    return _listing(request, queryset, "articles/section.html", {"section": section})


@require_safe
def keyword_detail(request, slug: str):
    keyword = get_object_or_404(Keyword, slug=slug)
    queryset = Article.objects.for_listing().filter(keywords=keyword)
    return _listing(request, queryset, "articles/keyword.html", {"keyword": keyword})


@require_safe
def article_redirect(request, news_id: int):
    article = get_object_or_404(Article.objects.published().only("news_id", "slug"), news_id=news_id)
    return redirect(article, permanent=True)


@require_safe
def article_detail(request, news_id: int, slug: str):
    article = get_object_or_404(Article.objects.for_page(), news_id=news_id)
    if slug != article.slug:
        return redirect(article, permanent=True)
    context = {"article": article, **comment_block_context(request, article)}
    return render(request, "articles/article_detail.html", context)
