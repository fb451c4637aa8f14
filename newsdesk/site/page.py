"""The article page kept whole for readers, with each view's own values filled in.

Every anonymous reader of an article sees the same page but for three values: the CSRF token,
the Security Key's token and the comment form's signed start time. The page is rendered once
with random stand-ins for those three, kept in the cache, and each view replaces them with
fresh values. A view then costs two indexed reads (the article's row and its approved
comments, both compiled to SQL once: newsdesk/core/prepared.py) and no template.

The cache key holds everything the page shows that can change, so a change is seen at the next
view: the article's version (updated_at), the content generation (sections, keywords, authors,
corrections, related stories: newsdesk/core/purge.py), the language, whether comments are open
now, and a digest of the approved comments (an approval, a removal or an edit changes it).
Whether readers may see the article at all is decided on every view from its row, by the rule
of Article.objects.published().

Views that are not the same for everyone are rendered as before: a reader with a session
(editors, or a message to show) or a messages cookie, and a reply link (?reply_to=).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from types import SimpleNamespace

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.utils import timezone
from django.utils.translation import get_language

from newsdesk.articles.models import Article, visible_from
from newsdesk.captcha.challenges import challenge_issue
from newsdesk.comments.forms import FormStandIns, sign_started
from newsdesk.comments.models import Comment, CommentSettings, comments_open
from newsdesk.core.prepared import PreparedQuery
from newsdesk.core.purge import content_generation

# A bound on anything a change forgot to announce, as for the page's parts (parts.py).
PAGE_SECONDS = 600

ARTICLE_ROW = PreparedQuery(
    lambda news_id: (
        Article.objects.filter(news_id=news_id)
        .order_by()
        .values_list(
            "id",
            "slug",
            "updated_at",
            "status",
            "published_at",
            "embargo_until",
            "comment_settings__mode",
            "comment_settings__close_after_days",
        )
    )
)
COMMENT_FIELDS = ("id", "parent_id", "name", "body", "created_at")
COMMENT_ROWS = PreparedQuery(
    lambda article_id: Comment.objects.for_article_page(article_id).values_list(*COMMENT_FIELDS)
)


@dataclass(frozen=True)
class StandIns:
    """Random strings drawn in place of a view's own values: nothing a commenter types can
    collide with them."""

    csrf: str
    form: FormStandIns

    @classmethod
    def new(cls) -> StandIns:
        def one() -> str:
            return f"standin{secrets.token_hex(16)}"

        return cls(csrf=one(), form=FormStandIns(started=one(), captcha=one()))


@dataclass
class KeptPage:
    key: str
    stand_ins: StandIns
    html: str | None = None  # None: not kept yet; render it (with `comments`) and keep()
    comments: list[Comment] = field(default_factory=list)
    keepable: bool = True

    def keep(self, html: str) -> None:
        if self.keepable:
            cache.set(self.key, (html, self.stand_ins), PAGE_SECONDS)
        self.html = html

    def response(self, request) -> HttpResponse:
        """The page with this view's CSRF token, a fresh Security Key and form start time."""
        form = self.stand_ins.form
        html = (
            self.html.replace(self.stand_ins.csrf, get_token(request))
            .replace(form.captcha, challenge_issue().token)
            .replace(form.started, sign_started())
        )
        return HttpResponse(html)


def _same_for_everyone(request) -> bool:
    cookies = request.COOKIES
    return (
        settings.SESSION_COOKIE_NAME not in cookies
        and CookieStorage.cookie_name not in cookies
        and "reply_to" not in request.GET
    )


def kept_page(request, news_id: int, slug: str) -> KeptPage | None:
    """This view's kept page (its html None when it is still to be rendered), or None when the
    page must be rendered as usual: a view not the same for everyone, an article readers may
    not see (404) or a stale slug (redirect)."""
    if not _same_for_everyone(request):
        return None
    rows = ARTICLE_ROW.rows(news_id)
    if not rows:
        return None
    pk, row_slug, updated_at, status, published_at, embargo_until, mode, close_after = rows[0]
    now = timezone.now()
    shown_from = visible_from(status, published_at, embargo_until)
    if shown_from is None or shown_from > now or slug != row_slug:
        return None
    comment_settings = (
        CommentSettings(mode=mode, close_after_days=close_after) if mode is not None else None
    )
    is_open = comments_open(SimpleNamespace(published_at=published_at), comment_settings, now=now)
    comment_rows = COMMENT_ROWS.rows(pk)
    digest = hashlib.blake2b(repr(comment_rows).encode(), digest_size=16).hexdigest()
    key = (
        f"newsdesk:article-page:{pk}:{updated_at.timestamp()}:{content_generation()}:"
        f"{get_language()}:{int(is_open)}:{digest}"
    )
    kept = cache.get(key)
    if kept is not None:
        html, stand_ins = kept
        return KeptPage(key, stand_ins, html=html)
    return KeptPage(
        key,
        StandIns.new(),
        comments=[Comment(**dict(zip(COMMENT_FIELDS, row, strict=True))) for row in comment_rows],
        # Kept only when rendered for a plain address, whatever a template may come to read.
        keepable=not request.META.get("QUERY_STRING"),
    )
