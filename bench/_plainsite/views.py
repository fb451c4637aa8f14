"""The plain site's one page (and the addresses it links to), written as the Django tutorial
would: get_object_or_404, prefetch_related, render. Its template prints what Newsdesk's article
page prints (the head's metadata and structured data, the masthead, the story, related stories,
comments, the footer), so that the two sides render the same document; bench/article_page.py
checks that they do."""

import json
import time

from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.templatetags.static import static
from django.urls import path, reverse
from django.utils.html import strip_tags
from django.utils.safestring import mark_safe
from django.utils.text import Truncator

from .models import Article, Comment, RelatedStory, Section, comments_open

RELATED_FIELDS = ("news_id", "slug", "headline", "published_at", "status", "embargo_until")
RELATED_FIELDS += ("language",)
ISO = "%Y-%m-%dT%H:%M:%SZ"
# What django.utils.html.json_script escapes, for JSON inside a <script> element.
JSON_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


def json_ld(data: dict) -> str:
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return mark_safe(text.translate(JSON_ESCAPES))  # noqa: S308 - escaped for <script>


def article_detail(request, news_id: int, slug: str):
    started = time.perf_counter()
    article = get_object_or_404(
        Article.objects.published()
        .select_related("section", "comment_settings")
        .prefetch_related("keywords", "authors"),
        news_id=news_id,
    )
    keywords, authors = list(article.keywords.all()), list(article.authors.all())
    comments = list(Comment.objects.filter(article=article, status="approved"))
    by_id = {comment.pk: comment for comment in comments}
    threads = []
    for comment in comments:
        comment.replies_shown = []
    for comment in comments:
        parent = by_id.get(comment.parent_id)
        if parent is not None and parent.parent_id is None:
            parent.replies_shown.append(comment)
        else:
            threads.append(comment)
    # The stored list, visibility checked on each row: with the published() conditions in the
    # WHERE clause, SQLite's planner (no ANALYZE statistics) walks the whole publication index
    # instead (0.4 s a view at 100,000 stories), which a developer would notice and avoid.
    stored = (
        RelatedStory.objects.filter(article=article)
        .select_related("related")
        .only(*(f"related__{name}" for name in RELATED_FIELDS), "article_id", "rank")
        .order_by("rank")
    )
    related = [row.related for row in stored if row.related.is_published][:5]
    root = article.translation_of_id or article.pk
    # The same: visibility checked on each of the group's few rows, not in the WHERE clause.
    group = (
        Article.objects.filter(Q(pk=root) | Q(translation_of_id=root))
        .exclude(pk=article.pk)
        .only("embargo_until", "news_id", "slug", "headline", "language", "status", "published_at")
        .order_by("language", "news_id")
    )
    translations = [story for story in group if story.is_published]

    site_url = f"{request.scheme}://{request.get_host()}"
    canonical = site_url + reverse("article", args=[article.news_id, article.slug])
    logo_url = site_url + static("feeds/logo.png")
    description = article.summary or Truncator(" ".join(strip_tags(article.body).split())).words(40)
    news_article = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article.headline,
        "description": description,
        "datePublished": article.published_at.strftime(ISO),
        "dateModified": article.updated_at.strftime(ISO),
        "author": [{"@type": "Person", "name": author.name} for author in authors]
        or [{"@type": "Organization", "name": "Newsdesk", "url": site_url + "/"}],
        "publisher": {
            "@type": "NewsMediaOrganization",
            "name": "Newsdesk",
            "url": site_url + "/",
            "logo": {"@type": "ImageObject", "url": logo_url},
        },
        "image": [logo_url],
        "mainEntityOfPage": {"@type": "WebPage", "@id": canonical},
        "url": canonical,
        "inLanguage": article.language,
        "identifier": str(article.news_id),
    }
    crumbs = [("Home", site_url + "/")]
    if article.section:
        news_article["articleSection"] = article.section.name
        section_url = site_url + reverse("section", args=[article.section.slug])
        crumbs.append((article.section.name, section_url))
    if keywords:
        news_article["keywords"] = [keyword.name for keyword in keywords]
    crumbs.append((article.headline, canonical))
    breadcrumbs = {
        "@context": "https://schema.org",
        "@type": "BreadcrumbList",
        "itemListElement": [
            {"@type": "ListItem", "position": n, "name": name, "item": url}
            for n, (name, url) in enumerate(crumbs, start=1)
        ],
    }
    context = {
        "article": article,
        "keywords": keywords,
        "authors": authors,
        "comments": threads,
        "comment_count": len(comments),
        "comments_open": comments_open(article),
        "related": related,
        "translations": translations,
        "sections": Section.objects.all(),
        "site_url": site_url,
        "canonical": canonical,
        "logo_url": logo_url,
        "description": description,
        "news_article": json_ld(news_article),
        "breadcrumbs": json_ld(breadcrumbs),
        "generated": time.perf_counter() - started,
    }
    return render(request, "plainsite/article.html", context)


def elsewhere(request, **kwargs):
    return HttpResponse("")


urlpatterns = [
    path("", elsewhere, name="home"),
    path("news/<int:news_id>/<str:slug>/", article_detail, name="article"),
    path("section/<str:slug>/", elsewhere, name="section"),
    path("keyword/<str:slug>/", elsewhere, name="keyword"),
    path("author/<str:slug>/", elsewhere, name="author"),
    path("search/", elsewhere, name="search"),
    path("comments/<int:news_id>/write/", elsewhere, name="write"),
    path("comments/<int:news_id>/form/", elsewhere, name="form"),
]
