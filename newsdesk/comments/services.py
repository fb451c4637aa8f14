"""Writes with consequences: posting, moderating, and data-protection requests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy, ngettext

from newsdesk.articles.keys import comments_key
from newsdesk.articles.models import Article
from newsdesk.captcha.challenges import Challenge, ChallengeError, challenge_consume
from newsdesk.captcha.pow import PowError, Work, pow_consume
from newsdesk.core.events import event_emit
from newsdesk.core.purge import keys_purge
from newsdesk.core.ratelimit import Limited, Rate, rate_counts, rate_limit_hit, rate_limits_hit
from newsdesk.core.writegate import sqlite_write_gate

from .decision import body_digest, comment_decide, commenter_history, text_words
from .models import Comment, ModerationNotice, ban_in_force, comment_settings_of
from .privacy import email_decrypt, email_digest, email_encrypt
from .spam import SpamVerdict, spam_learn, spam_score

BANNED = gettext_lazy(
    "Comments from your email address or network are not accepted at the moment, so yours was "
    "not sent. Your text is kept below so that you can keep a copy."
)
NOJS_RATE = gettext_lazy(
    "Without JavaScript this site takes only a few comments from an address, or from everyone "
    "together, in a short time, and that number was reached. Your text is kept below: please "
    "wait about %(minutes)s minute(s) and send it again, or turn JavaScript on (your browser then "
    "does a short anti-spam check and the stricter limit does not apply)."
)


class CommentRefused(Exception):
    """Why a comment was not stored: `kind` is 'rate' (with retry_after), 'captcha', 'pow',
    'banned' or 'closed'."""

    def __init__(self, kind: str, message: str, *, retry_after: int = 0, code: str = ""):
        super().__init__(message)
        self.kind, self.message, self.retry_after, self.code = kind, message, retry_after, code


@dataclass
class Submission:
    name: str
    email: str
    body: str
    parent: Comment | None = None


def _rate_message(limited: Limited, by_email: bool) -> str:
    minutes = max(1, round(limited.retry_after / 60))
    if by_email:
        message = ngettext(
            "Too many comments were sent with your email address in a short time. Your text is "
            "kept below: please wait about %(minutes)s minute and send it again.",
            "Too many comments were sent with your email address in a short time. Your text is "
            "kept below: please wait about %(minutes)s minutes and send it again.",
            minutes,
        )
    else:
        message = ngettext(
            "Too many comments were sent from your address in a short time. Your text is kept "
            "below: please wait about %(minutes)s minute and send it again.",
            "Too many comments were sent from your address in a short time. Your text is kept "
            "below: please wait about %(minutes)s minutes and send it again.",
            minutes,
        )
    return message % {"minutes": minutes}


def comment_submit(
    *,
    article: Article,
    submission: Submission,
    challenge: Challenge,
    ip_address: str | None,
    work: Work | None = None,
    verdict: SpamVerdict | None = None,
    now: datetime | None = None,
) -> Comment:
    """Store a reader's comment: in the spam folder, pending, or published at once, as
    decision.py decides and explains (the reasons are kept with the comment).

    `work` is the browser's verified proof of work; without it (no JavaScript) the Security Key
    alone is accepted under the stricter NEWSDESK_COMMENTS_RATE_NOJS_* limits. One write
    transaction holds everything: the rate-limit counters, the used challenges and the comment,
    so a success answer always means the comment is stored, once. Raises CommentRefused when
    the commenter is banned, a rate limit is exceeded or a challenge was already used."""
    digest = email_digest(submission.email)
    if ban_in_force(email_digest=digest, ip_address=ip_address, now=now):
        raise CommentRefused("banned", BANNED)
    verdict = verdict or spam_score(
        name=submission.name, email=submission.email, body=submission.body
    )
    text_digest = body_digest(submission.body)
    status = comment_decide(
        verdict=verdict,
        history=commenter_history(email_digest=digest, text_digest=text_digest, now=now),
        settings_row=comment_settings_of(article),
        words=len(text_words(submission.body)),
    )
    parent = submission.parent
    if parent is not None and parent.parent_id:
        parent = Comment(pk=parent.parent_id)  # one level: a reply to a reply joins the thread
    # Everything that costs CPU happens before the write lock is taken: SQLite has one writer.
    comment = Comment(
        article=article,
        parent=parent,
        name=submission.name,
        email_digest=digest,
        email_encrypted=email_encrypt(submission.email),
        body=submission.body,
        status=status,
        ip_address=ip_address or None,
        spam_score=verdict.score,
        spam_reasons=verdict.reasons,
        body_digest=text_digest,
        created_at=now or timezone.now(),
    )
    counters = [
        ("post-ip", ip_address or "", settings.NEWSDESK_COMMENTS_RATE_IP),
        ("post-email", digest, settings.NEWSDESK_COMMENTS_RATE_EMAIL),
        # What the proof of work's difficulty follows (pow_difficulty): never refuses here.
        *flood_counters(ip_address),
    ]
    if work is None:
        counters += [
            ("post-nojs-ip", ip_address or "", settings.NEWSDESK_COMMENTS_RATE_NOJS_IP),
            ("post-nojs-site", "all", settings.NEWSDESK_COMMENTS_RATE_NOJS_SITE),
        ]
    with sqlite_write_gate(), transaction.atomic():
        by_ip, by_email, _, _, *nojs = rate_limits_hit(*counters)
        nojs = next((limited for limited in nojs if limited), None)
        if nojs:
            raise CommentRefused(
                "rate",
                NOJS_RATE % {"minutes": max(1, round(nojs.retry_after / 60))},
                retry_after=nojs.retry_after,
            )
        if by_ip:
            raise CommentRefused(
                "rate", _rate_message(by_ip, by_email=False), retry_after=by_ip.retry_after
            )
        if by_email:
            raise CommentRefused(
                "rate",
                _rate_message(by_email, by_email=True),
                retry_after=by_email.retry_after,
            )
        try:
            challenge_consume(challenge)
        except ChallengeError as error:
            raise CommentRefused("captcha", str(error), code=error.code) from None
        if work is not None:
            try:
                pow_consume(work)
            except PowError as error:
                raise CommentRefused("pow", str(error), code=error.code) from None
        comment.save(force_insert=True)
        if status != Comment.Status.SPAM:  # webhooks (core/events.py); spam is nobody's news
            event_emit("comment.posted", comment_id=comment.pk)
        if status == Comment.Status.PENDING:
            _notify_moderators_soon()
        elif status == Comment.Status.APPROVED:
            comments_shown_changed(article_ids={article.pk})
    return comment


def flood_counters(ip_address: str | None) -> list[tuple[str, str, str]]:
    """The posting rates the proof of work's difficulty follows: one address's, everyone's."""
    return [
        ("pow-ip", ip_address or "", settings.NEWSDESK_POW_FLOOD_RATE_IP),
        ("pow-site", "all", settings.NEWSDESK_POW_FLOOD_RATE_SITE),
    ]


def pow_difficulty(*, ip_address: str | None) -> int:
    """How much work the next challenge for this address asks: the normal difficulty, or the
    flood difficulty while this address or the whole site posts faster than its flood rate.
    A read of two counters (one query), no write."""
    counters = flood_counters(ip_address)
    counts = rate_counts(*counters)
    flooded = any(
        count >= Rate.parse(rate).limit
        for count, (_, _, rate) in zip(counts, counters, strict=True)
    )
    return settings.NEWSDESK_POW_FLOOD_DIFFICULTY if flooded else settings.NEWSDESK_POW_DIFFICULTY


def comment_count_attempt(*, ip_address: str | None) -> Limited | None:
    """Count a refused post (invalid form) against the address's rate, so bad tries cost too."""
    return rate_limit_hit("post-ip", ip_address or "", settings.NEWSDESK_COMMENTS_RATE_IP)


def _notify_moderators_soon() -> None:
    from .tasks import notify_moderators

    interval = settings.NEWSDESK_MODERATION_NOTIFY_INTERVAL
    if interval <= 0:
        return
    # The first pending comment of each interval schedules one email; the rest ride along. The
    # process-local cache spares the shared counter (a hot row) all but one write per process.
    from django.core.cache import cache

    window = int(timezone.now().timestamp() // interval)
    if not cache.add(f"comments:notify-claimed:{window}", 1, interval):
        return
    if rate_limit_hit("notify", "moderators", Rate(1, interval)) is None:
        transaction.on_commit(notify_moderators.enqueue)


# Moderation --------------------------------------------------------------------------------
LEARN_AS = {Comment.Status.APPROVED: "ham", Comment.Status.SPAM: "spam"}


def comments_moderate(
    *, comments, status: str, by: AbstractBaseUser | None, now: datetime | None = None
) -> int:
    """Set the status of `comments` (a queryset or list) to approved, rejected, spam or pending.
    Approve and spam teach the spam filter; changing a decision unlearns the earlier one."""
    status = Comment.Status(status)
    now = now or timezone.now()
    changed = 0
    shown_on: set[int] = set()
    with transaction.atomic():
        for comment in list(
            comments.select_for_update() if hasattr(comments, "select_for_update") else comments
        ):
            if comment.status == status:
                # Confirming what the filter decided (spam left in the folder, marked again)
                # teaches it as a decision would; otherwise nothing changes.
                if LEARN_AS.get(status) and comment.learned_as != LEARN_AS[status]:
                    spam_learn(comment, LEARN_AS[status])
                    comment.save(update_fields=["learned_as"])
                continue
            if status in LEARN_AS:
                spam_learn(comment, LEARN_AS[status])
            elif comment.learned_as and status == Comment.Status.PENDING:
                spam_learn(comment, "")
            was_shown = comment.status == Comment.Status.APPROVED
            comment.status = status
            comment.moderated_at = now
            comment.moderated_by = by if getattr(by, "pk", None) else None
            comment.save(update_fields=["status", "moderated_at", "moderated_by", "learned_as"])
            changed += 1
            if was_shown or status == Comment.Status.APPROVED:
                shown_on.add(comment.article_id)
            if status == Comment.Status.APPROVED:
                event_emit("comment.approved", comment_id=comment.pk)
        comments_shown_changed(article_ids=shown_on)
    return changed


def comments_shown_changed(*, article_ids) -> None:
    """The approved comments of these articles changed: their pages are purged on commit."""
    if article_ids:
        news_ids = Article.objects.filter(pk__in=list(article_ids)).values_list(
            "news_id", flat=True
        )
        keys_purge(comments_key(news_id) for news_id in news_ids)


def moderation_notice_send(*, now: datetime | None = None) -> int:
    """Email moderators about pending comments that arrived since the last notice; at most one
    notice per NEWSDESK_MODERATION_NOTIFY_INTERVAL. Returns how many new comments it told of.
    Commenters' addresses are never in it (mail may be logged, as the console backend does)."""
    from django.contrib.auth import get_user_model
    from django.core.mail import send_mail
    from django.urls import reverse

    now = now or timezone.now()
    last = ModerationNotice.objects.first()
    interval = timedelta(seconds=settings.NEWSDESK_MODERATION_NOTIFY_INTERVAL)
    if last and now - last.sent_at < interval:
        return 0
    new = Comment.objects.pending()
    if last:
        new = new.filter(created_at__gt=last.sent_at)
    new = list(new.select_related("article").only("name", "created_at", "article__headline")[:20])
    if not new:
        return 0
    total_pending = Comment.objects.pending().count()
    User = get_user_model()
    recipients = sorted(
        {
            u.email
            for u in User.objects.with_perm("comments.moderate_comment", include_superusers=True)
            if u.email
        }
    )
    ModerationNotice.objects.create(sent_at=now, new_comments=len(new))
    if not recipients:
        return len(new)
    queue = settings.NEWSDESK_SITE_URL + reverse("admin:comments_comment_queue")
    lines = [f"- {c.name} on \u201c{c.article.headline}\u201d" for c in new]
    send_mail(
        subject=(
            f"[{settings.NEWSDESK_SITE_NAME}] {total_pending} comment(s) waiting for moderation"
        ),
        message=(
            f"New comments are waiting for moderation ({total_pending} pending in all):\n\n"
            + "\n".join(lines)
            + f"\n\nModeration queue: {queue}\n"
        ),
        from_email=None,
        recipient_list=recipients,
    )
    return len(new)


# Privacy -----------------------------------------------------------------------------------
def comment_ips_purge(*, now: datetime | None = None) -> int:
    """Forget IP addresses older than NEWSDESK_COMMENTS_IP_RETENTION_DAYS."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.NEWSDESK_COMMENTS_IP_RETENTION_DAYS)
    return Comment.objects.filter(created_at__lt=cutoff, ip_address__isnull=False).update(
        ip_address=None
    )


def comments_export(*, email: str) -> list[dict]:
    """Everything stored for an address, for a data-protection access request."""
    rows = (
        Comment.objects.for_email_digest(email_digest(email))
        .select_related("article")
        .order_by("created_at")
    )
    return [
        {
            "id": c.pk,
            "article": {"news_id": c.article.news_id, "headline": c.article.headline},
            "in_reply_to": c.parent_id,
            "name": c.name,
            "email": email_decrypt(c.email_encrypted),
            "body": c.body,
            "status": c.status,
            "created_at": c.created_at.isoformat(),
            "ip_address": c.ip_address,
            "spam_score": c.spam_score,
            "spam_reasons": c.spam_reasons,
            "moderated_at": c.moderated_at.isoformat() if c.moderated_at else None,
        }
        for c in rows
    ]


def comments_erase(*, email: str) -> int:
    """Delete every comment stored for an address (replies by others stay, no longer attached),
    and unlearn them from the spam filter. Returns how many comments were deleted."""
    with transaction.atomic():
        comments = list(Comment.objects.for_email_digest(email_digest(email)).select_for_update())
        for comment in comments:
            if comment.learned_as:
                spam_learn(comment, "")
        Comment.objects.filter(pk__in=[c.pk for c in comments]).delete()
        comments_shown_changed(
            article_ids={c.article_id for c in comments if c.status == Comment.Status.APPROVED}
        )
    return len(comments)
