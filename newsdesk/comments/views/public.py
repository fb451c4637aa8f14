"""The reader's side of comments: the form, posting, and refusals that keep the reader's text.

The article page shows no form: it is the same bytes for every reader, kept by caches
(comments/block.py). The form's per-reader values (CSRF token, Security Key, signed start time)
are served only by the views below, none of which any cache may keep:

- `comment_form`: the form alone, an HTML fragment that comments/form.js puts in the article
  page's slot when the reader starts to write;
- `comment_write`: a page of its own with the same form, for readers without JavaScript; every
  refusal is shown there with the text kept, and a sent comment is thanked there;
- `comment_post`: the form's target.
"""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST, require_safe

from newsdesk.articles.models import Article
from newsdesk.captcha.fields import REFRESH_FIELD
from newsdesk.captcha.pow import PowError
from newsdesk.core.ratelimit import client_ip, rate_limit_hit

from ..forms import CommentForm
from ..models import Comment, comment_settings_of, comments_open
from ..services import (
    CommentRefused,
    Submission,
    comment_count_attempt,
    comment_submit,
    pow_difficulty,
)

ACCEPTED_CONTENT_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
POST_VIEWS = ("comments:post", "comments:post_before_move")
THANKS = gettext_lazy("Thank you. Your comment will appear once a moderator has approved it.")
# Trusted commenters and post-moderated stories (comments/decision.py): on the page at once.
THANKS_PUBLISHED = gettext_lazy("Thank you. Your comment is published on the story's page.")

# What the comment views read of their article: whether readers see it (Article.is_published,
# the rule of published() for one row), where it lives and its headline, whether it takes
# comments. One query.
ARTICLE_FIELDS = (
    "id",
    "news_id",
    "slug",
    "headline",
    "status",
    "published_at",
    "embargo_until",
    "comment_settings__mode",
    "comment_settings__close_after_days",
    "comment_settings__moderation",
    "comment_settings__trust",
)


def _article(news_id: int) -> Article:
    article = next(
        iter(
            Article.objects.filter(news_id=news_id)
            .select_related("comment_settings")
            .only(*ARTICLE_FIELDS)
            .order_by()
        ),
        None,
    )
    if article is None or not article.is_published:
        raise Http404("No such article.")
    return article


def _replying_to(article: Article, form: CommentForm) -> Comment | None:
    """The approved comment of this article the form answers, if any (one query when asked)."""
    parent_id = form.data.get("parent") if form.is_bound else form.initial.get("parent")
    if not parent_id or not str(parent_id).isdigit():
        return None
    return (
        Comment.objects.approved()
        .filter(article=article, pk=int(parent_id))
        .only("pk", "name", "parent_id")
        .first()
    )


def _form_context(request, article: Article, form: CommentForm, *, notice: str = "") -> dict:
    """What comments/form.html needs: the form, or why there is none (comments closed). The
    proof of work asks as much as the posting rate of the reader's address and of the site
    say (services.pow_difficulty)."""
    is_open = comments_open(article, comment_settings_of(article))
    if is_open:
        form.fields["pow"].widget.difficulty = pow_difficulty(ip_address=client_ip(request))
    replying_to = _replying_to(article, form) if is_open else None
    if replying_to is None and not form.is_bound:
        # Read from `initial` before any field is rendered: a new comment, not a reply.
        form.initial.pop("parent", None)
    return {
        "article": article,
        "comment_form": form,
        "comments_open": is_open,
        "replying_to": replying_to,
        "comment_notice": notice,
        "comment_write_url": reverse("comments:write", args=[article.news_id]),
    }


def _new_form(request) -> CommentForm:
    reply_to = request.GET.get("reply_to", "")
    return CommentForm(initial={"parent": int(reply_to)} if reply_to.isdigit() else {})


def _private(response):
    # A form carries one reader's values: no cache may keep it, no search engine index it.
    add_never_cache_headers(response)
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@never_cache
@require_safe
def comment_form(request, news_id: int):
    """The form alone, for the article page's slot; `?reply_to=` preselects the comment answered."""
    article = _article(news_id)
    context = _form_context(request, article, _new_form(request))
    return _private(render(request, "comments/form.html", context))


@never_cache
@require_safe
def comment_write(request, news_id: int):
    """The write page: the form without JavaScript (`?reply_to=` as for the fragment), and the
    thanks once a comment is sent (`?sent=1`, or `?sent=published` when it is on the page
    already: no cookie, and a reload says the same)."""
    article = _article(news_id)
    if request.GET.get("sent"):
        published = request.GET["sent"] == "published"
        thanks = THANKS_PUBLISHED if published else THANKS
        context = {"article": article, "sent": True, "thanks": thanks}
    else:
        context = _form_context(request, article, _new_form(request))
    return _private(render(request, "comments/write.html", context))


def _redisplay(
    request, article: Article, form: CommentForm, status: int, *, notice: str = "", headers=None
):
    """The write page again with the reader's text kept and a fresh Security Key."""
    context = _form_context(request, article, form.for_redisplay(), notice=notice)
    response = _private(render(request, "comments/write.html", context, status=status))
    for key, value in (headers or {}).items():
        response[key] = value
    return response


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
                "title": _("This form was sent in a way we cannot read"),
                "message": _(
                    "Comments are sent from the comment form. Please go back to the article and "
                    "use its form."
                ),
            },
            status=415,
        )
    article = _article(news_id)
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

    if not comments_open(article, comment_settings_of(article)):
        return _redisplay(
            request,
            article,
            _unvalidated(form),
            403,
            notice=_("Comments on this article are closed."),
        )

    if not form.is_valid():
        limited = comment_count_attempt(ip_address=ip)
        if limited:
            return _too_many(
                request,
                article,
                form,
                limited.retry_after,
                _("Too many comments were sent from your address in a short time."),
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
    work = data.get("pow")
    if work is not None and work.difficulty < pow_difficulty(ip_address=ip):
        # Solved at a lower difficulty than a flood now asks (a stock of easy challenges).
        form.add_error("pow", PowError("weak").args[0])
        return _redisplay(request, article, form, 400)
    try:
        comment = comment_submit(
            article=article,
            submission=Submission(
                name=data["name"], email=data["email"], body=data["body"], parent=parent
            ),
            challenge=data["captcha"],
            work=work,
            ip_address=ip or None,
        )
    except CommentRefused as refused:
        if refused.kind == "rate":
            # The service's messages say already that the text is kept.
            return _too_many(
                request, article, form, refused.retry_after, refused.message, says_kept=True
            )
        if refused.kind == "banned":
            return _redisplay(request, article, form, 403, notice=refused.message)
        form.add_error("pow" if refused.kind == "pow" else "captcha", refused.message)
        return _redisplay(request, article, form, 400)
    # 303: the browser fetches the thanks with a GET, and a reload sends nothing twice.
    sent = "published" if comment.status == Comment.Status.APPROVED else "1"
    thanks = f"{reverse('comments:write', args=[article.news_id])}?sent={sent}"
    return HttpResponseRedirect(thanks, status=303)


def _unvalidated(form: CommentForm) -> CommentForm:
    """A bound form shown without error messages (the reader asked for a refresh)."""
    form._errors = {}
    form.cleaned_data = {}
    return form


def _too_many(request, article, form, retry_after: int, message: str, says_kept: bool = False):
    if not says_kept:
        minutes = max(1, round(retry_after / 60))
        message += " " + _(
            "Your text is kept below: please wait about %(minutes)s minute(s) and send it again."
        ) % {"minutes": minutes}
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
    if match and match.view_name in POST_VIEWS and request.method == "POST":
        try:
            article = _article(match.kwargs["news_id"])
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
            "title": _("The form's security check failed"),
            "message": _(
                "Nothing was sent. Please go back, reload the page and try again; this site "
                "needs cookies to be allowed for its forms."
            ),
        },
        status=403,
    )
