"""What happens to a new comment, and why: the spam folder, the queue, or published at once.

The spam score (spam.py) is one part; the commenter's history (matched by the keyed digest of
the address, never the address) and the same text posted before are the others; the article's
moderation mode and trust setting decide. Every reason lands in the comment's reasons, which the
moderation queue shows beside it, the decision last.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db.models import Count, Q
from django.utils import timezone

from .models import Comment, CommentSettings
from .spam import SpamVerdict

REPEAT_WINDOW = timedelta(days=1)


@dataclass(frozen=True)
class History:
    approved: int = 0
    refused: int = 0  # rejected or spam
    repeats: int = 0  # comments with the same text in the last day, by anyone


def body_digest(body: str) -> str:
    """The text as typed, less case and spacing: a copy-paste flood has one digest."""
    return hashlib.sha256(" ".join(body.lower().split()).encode()).hexdigest()[:32]


def commenter_history(*, email_digest: str, text_digest: str, now=None) -> History:
    """The commenter's approved and refused comments and the text's recent copies: one query."""
    since = (now or timezone.now()) - REPEAT_WINDOW
    mine = Q(email_digest=email_digest)
    row = Comment.objects.filter(mine | Q(body_digest=text_digest)).aggregate(
        approved=Count("pk", filter=mine & Q(status=Comment.Status.APPROVED)),
        refused=Count(
            "pk", filter=mine & Q(status__in=[Comment.Status.REJECTED, Comment.Status.SPAM])
        ),
        repeats=Count("pk", filter=Q(body_digest=text_digest, created_at__gte=since)),
    )
    return History(**row)


def comment_decide(
    *, verdict: SpamVerdict, history: History, settings_row: CommentSettings | None
) -> str:
    """The new comment's status; adds to `verdict` the history's reasons and the decision."""
    if history.repeats:
        # A copy-paste flood: the second copy waits, the third and later go to the folder.
        verdict.add(
            min(1.0, 0.5 * history.repeats),
            f"repeat post: the same text was sent {history.repeats} time(s) in the last day",
            hold=True,
        )
    if history.refused:
        verdict.add(
            min(0.6, 0.2 * history.refused),
            f"history: {history.refused} earlier comment(s) rejected or marked spam",
            hold=True,
        )
    if verdict.is_spam:
        verdict.reasons.append(
            "→ spam folder: a blocked term"
            if verdict.banned
            else "→ spam folder: score at or over the spam threshold"
        )
        return Comment.Status.SPAM
    mode = (
        settings_row.moderation if settings_row else ""
    ) or settings.NEWSDESK_COMMENTS_MODERATION
    trust = (settings_row.trust if settings_row else "") or (
        "on" if settings.NEWSDESK_COMMENTS_TRUST else "off"
    )
    trusted = (
        history.approved >= settings.NEWSDESK_COMMENTS_TRUST_MIN_APPROVED and not history.refused
    )
    if not history.approved:
        verdict.reasons.append("new commenter: no approved comment yet")
    if verdict.held:
        verdict.reasons.append("→ held for a moderator: " + "; ".join(verdict.holds or ["score"]))
        return Comment.Status.PENDING
    if mode == CommentSettings.Moderation.POST:
        verdict.reasons.append("→ published at once: post-moderated article, nothing held it")
        return Comment.Status.APPROVED
    if trust == CommentSettings.Trust.ON and trusted:
        verdict.reasons.append(
            f"→ published at once: trusted commenter ({history.approved} approved, "
            "none rejected or spam)"
        )
        return Comment.Status.APPROVED
    why = "pre-moderated article"
    if trust == CommentSettings.Trust.ON and history.refused:
        why += "; not trusted: earlier comments rejected or spam"
    elif trust == CommentSettings.Trust.ON:
        needed = settings.NEWSDESK_COMMENTS_TRUST_MIN_APPROVED
        why += f"; trusted from {needed} approved comments ({history.approved} so far)"
    verdict.reasons.append(f"→ held for a moderator: {why}")
    return Comment.Status.PENDING
