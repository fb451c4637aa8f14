from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from newsdesk.articles.models import Article

from .forms import CommentForm
from .models import Comment
from .services import comment_submit


def comment_block_context(request, article: Article, form: CommentForm | None = None) -> dict:
    comments = list(Comment.objects.approved().filter(article=article).only("name", "body", "created_at"))
    return {"comments": comments, "comment_form": form or CommentForm()}


@require_POST
def comment_post(request, news_id: int):
    article = get_object_or_404(Article.objects.for_page(), news_id=news_id)
    form = CommentForm(request.POST)
    if not form.is_valid():
        context = {"article": article, **comment_block_context(request, article, form)}
        return render(request, "articles/article_detail.html", context, status=400)
    comment_submit(
        article=article,
        ip_address=request.META.get("REMOTE_ADDR"),
        **{k: form.cleaned_data[k] for k in ("name", "email", "body")},
    )
    messages.success(request, "Thank you. Your comment will appear once a moderator has approved it.")
    return redirect(f"{article.get_absolute_url()}#comments")
