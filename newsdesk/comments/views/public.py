"""The reader's side: the comments block of the article page, posting, and friendly refusals."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from newsdesk.articles.models import Article
from newsdesk.captcha.fields import REFRESH_FIELD
from newsdesk.core.ratelimit import client_ip, rate_limit_hit

from ..forms import CommentForm, FormStandIns
from ..models import Comment, CommentSettings, comments_open
from ..services import CommentRefused, Submission, comment_count_attempt, comment_submit

ACCEPTED_CONTENT_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _settings_row(article: Article) -> CommentSettings | None:
    try:
        return article.comment_settings
    except CommentSettings.DoesNotExist:
        return None


def _threads(comments: list[Comment]) -> list[Comment]:
    """Top-level comments, each with `.thread_replies`; a reply to a hidden comment stands alone."""
    by_id = {c.pk: c for c in comments}
    for c in comments:
        c.thread_replies = []
    top = []
    for c in comments:
        parent = by_id.get(c.parent_id)
        if parent is not None and parent.parent_id is None:
            parent.thread_replies.append(c)
        else:
            top.append(c)
    return top


def comment_block_context(
    request,
    article: Article,
    form: CommentForm | None = None,
    *,
    notice: str = "",
    comments: list[Comment] | None = None,
    stand_ins: FormStandIns | None = None,
) -> dict:
    """What comments/block.html needs: threaded approved comments, count, form or why not.
    `comments` when the caller has read them already; `stand_ins` for a page kept rendered."""
    if comments is None:
        comments = list(Comment.objects.for_article_page(article))
    threads = _threads(comments)
    is_open = comments_open(article, _settings_row(article))
    if form is None:
        form = CommentForm(stand_ins=stand_ins)
        reply_to = request.GET.get("reply_to", "")
        if reply_to.isdigit():
            form.initial["parent"] = int(reply_to)
    parent_id = form["parent"].value()
    replying_to = None
    if parent_id and str(parent_id).isdigit():
        replying_to = next((c for c in comments if c.pk == int(parent_id)), None)
        if replying_to is None:
            form.initial["parent"] = None
    return {
        "comments": threads,
        "comment_count": len(comments),
        "comment_form": form,
        "comments_open": is_open,
        "replying_to": replying_to,
        "comment_notice": notice,
    }


def _redisplay(
    request, article: Article, form: CommentForm, status: int, *, notice: str = "", headers=None
):
    """The comment page again with the reader's text kept and a fresh Security Key."""
    article = _article_for_page(article)
    context = {
        "article": article,
        **comment_block_context(request, article, form.for_redisplay(), notice=notice),
    }
    response = render(request, "comments/write.html", context, status=status)
    for key, value in (headers or {}).items():
        response[key] = value
    return response


# What a post reads of its article: whether readers see it (Article.is_published, the rule of
# published() for one row), where it lives, whether it takes comments. The whole page (section,
# picture, keywords, authors) is read only when the form is shown again.
POSTING_FIELDS = (
    "id",
    "news_id",
    "slug",
    "status",
    "published_at",
    "embargo_until",
    "comment_settings__mode",
    "comment_settings__close_after_days",
)


def _article_for_posting(news_id: int) -> Article:
    article = next(
        iter(
            Article.objects.filter(news_id=news_id)
            .select_related("comment_settings")
            .only(*POSTING_FIELDS)
            .order_by()
        ),
        None,
    )
    if article is None or not article.is_published:
        raise Http404("No such article.")
    return article


def _article_for_page(article: Article) -> Article:
    # Read as the article page reads it; should it have just been unpublished, the slim copy
    # still shows the form (its other fields load on demand).
    return Article.objects.for_page().filter(pk=article.pk).first() or article


@never_cache
@sensitive_post_parameters("email")
@require_POST
def comment_post(request, news_id: int):
    content_type = request.content_type or ""
    if content_type not in ACCEPTED_CONTENT_TYPES:
        return render(
            request,
            "comments/refused.html",
            {
                "title": "This form was sent in a way we cannot read",
                "message": "Comments are sent from the form on the article page. "
                "Please go back to the "
                "article and use its form.",
            },
            status=415,
        )
    article = _article_for_posting(news_id)
    form = CommentForm(request.POST)
    ip = client_ip(request)

    if REFRESH_FIELD in request.POST:
        # "Captcha refresh" without JavaScript: the same page, the same text, a new picture.
        limited = rate_limit_hit("captcha-ip", ip, settings.NEWSDESK_CAPTCHA_REFRESH_RATE)
        if limited:
            return _redisplay(
                request,
                article,
                _unvalidated(form),
                429,
                notice=(
                    f"Too many new Security Keys were asked for. Your text is kept: please wait "
                    f"{limited.retry_after} seconds and try again."
                ),
                headers={"Retry-After": str(limited.retry_after)},
            )
        return _redisplay(
            request, article, _unvalidated(form), 200, notice="Here is a new Security Key picture."
        )

    if not comments_open(article, _settings_row(article)):
        return _redisplay(
            request, article, _unvalidated(form), 403, notice="Comments on this article are closed."
        )

    if not form.is_valid():
        limited = comment_count_attempt(ip_address=ip)
        if limited:
            return _too_many(
                request,
                article,
                form,
                limited.retry_after,
                "Too many comments were sent from your address in a short time.",
            )
        return _redisplay(request, article, form, 400)

    data = form.cleaned_data
    parent = None
    if data.get("parent"):
        parent = (
            Comment.objects.approved()
            .filter(article=article, pk=data["parent"])
            .only("pk", "parent_id")
            .first()
        )
        if parent is None:
            form.add_error(
                None,
                "The comment you replied to is no longer shown. Your text is kept: "
                "send it as a new comment, or go back to the article.",
            )
            form.data = form.data.copy()
            form.data["parent"] = ""
            return _redisplay(request, article, form, 400)
    try:
        comment_submit(
            article=article,
            submission=Submission(
                name=data["name"], email=data["email"], body=data["body"], parent=parent
            ),
            challenge=data["captcha"],
            ip_address=ip or None,
        )
    except CommentRefused as refused:
        if refused.kind == "rate":
            return _too_many(request, article, form, refused.retry_after, refused.message)
        form.add_error("captcha", refused.message)
        return _redisplay(request, article, form, 400)
    messages.success(
        request, "Thank you. Your comment will appear once a moderator has approved it."
    )
    return redirect(f"{article.get_absolute_url()}#comments")


def _unvalidated(form: CommentForm) -> CommentForm:
    """A bound form shown without error messages (the reader asked for a refresh)."""
    form._errors = {}
    form.cleaned_data = {}
    return form


def _too_many(request, article, form, retry_after: int, message: str):
    if "Your text is kept" not in message:
        minutes = max(1, round(retry_after / 60))
        message += (
            f" Your text is kept below: please wait about {minutes} minute(s) and send it again."
        )
    return _redisplay(
        request, article, form, 429, notice=message, headers={"Retry-After": str(retry_after)}
    )


def csrf_failure(request, reason: str = ""):
    """CSRF_FAILURE_VIEW: on the comment form, the page again with the text kept and a new token;
    elsewhere a plain explanation. Never the technical reason."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        from django.urls import Resolver404, resolve

        try:
            match = resolve(request.path_info)
        except Resolver404:
            match = None
    if match and match.view_name == "comments:post" and request.method == "POST":
        try:
            article = _article_for_posting(match.kwargs["news_id"])
        except Http404:
            article = None
        if article is not None and (request.content_type or "") in ACCEPTED_CONTENT_TYPES:
            form = _unvalidated(CommentForm(request.POST))
            return _redisplay(
                request,
                article,
                form,
                403,
                notice=(
                    "Your comment was not sent: the form's security check failed (perhaps the "
                    "page was open for a long time, or cookies are blocked). Your text is kept "
                    "below: please send "
                    "it again. If this keeps happening, allow cookies for this site."
                ),
            )
    return render(
        request,
        "comments/refused.html",
        {
            "title": "The form's security check failed",
            "message": "Nothing was sent. Please go back, reload the page and try again; "
            "this site needs "
            "cookies to be allowed for its forms.",
        },
        status=403,
    )
