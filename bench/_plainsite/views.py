"""The plain site's one page (and the addresses it links to), written as the Django tutorial
would: get_object_or_404, prefetch_related, render."""

from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import path

from .models import Article, Comment, RelatedStory, Section

RELATED_FIELDS = ("news_id", "slug", "headline", "published_at", "status", "embargo_until")


def article_detail(request, news_id: int, slug: str):
    article = get_object_or_404(
        Article.objects.published()
        .select_related("section")
        .prefetch_related("keywords", "authors"),
        news_id=news_id,
    )
    comments = list(Comment.objects.filter(article=article, status="approved"))
    by_id = {comment.pk: comment for comment in comments}
    threads = []
    for comment in comments:
        comment.replies_shown = []
    for comment in comments:
        parent = by_id.get(comment.parent_id)
        if parent is not None:
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
    context = {
        "article": article,
        "comments": threads,
        "comment_count": len(comments),
        "related": related,
        "sections": Section.objects.all(),
    }
    return render(request, "plainsite/article.html", context)


def elsewhere(request, **kwargs):
    return HttpResponse("")


urlpatterns = [
    path("", elsewhere, name="home"),
    path("news/<int:news_id>/<str:slug>/", article_detail, name="article"),
    path("section/<str:slug>/", elsewhere, name="section"),
    path("keyword/<str:slug>/", elsewhere, name="keyword"),
    path("search/", elsewhere, name="search"),
    path("news/<int:news_id>/comment/", elsewhere, name="write"),
]
