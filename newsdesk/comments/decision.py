"""What happens to a new comment, and why: the spam folder, the queue, or published at once.

The spam score (spam.py) is one part; the commenter's history (matched by the keyed digest of
the address, never the address) and the same text posted before are the others; the article's
moderation mode and trust setting decide. Every reason lands in the comment's reasons, which the
moderation queue shows beside it, the decision last.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone

from .models import Comment, CommentSettings
from .spam import URL_RE, SpamVerdict

REPEAT_WINDOW = timedelta(days=1)
WORDS_RE = re.compile(r"[^\W\d_]+")


@dataclass(frozen=True)
class History:
    approved: int = 0
    refused: int = 0  # rejected or spam
    repeats: int = 0  # comments with the same text in the last day, by anyone


# Texts shorter than this ("RIP", "Well said!", "Thank you") are written alike by many readers:
# their copies wait for a moderator, and are not sent to the spam folder for being copies.
FLOOD_MIN_WORDS = 4


def text_words(body: str) -> list[str]:
    """The text's words, less case, links, numbers and punctuation."""
    return WORDS_RE.findall(URL_RE.sub(" ", body.lower()))


def body_digest(body: str) -> str:
    """A digest of text_words: the copies of a copy-paste flood have one digest, though each
    carries another link or a few more exclamation marks."""
    return hashlib.sha256(" ".join(text_words(body)).encode()).hexdigest()[:32]


def commenter_history(*, email_digest: str, text_digest: str, now=None) -> History:
    """The commenter's approved and refused comments and the text's recent copies. Every post
    asks: one plain statement on two indexes (the ORM spends more building it than SQLite
    spends answering)."""
    since = connection.ops.adapt_datetimefield_value((now or timezone.now()) - REPEAT_WINDOW)
    table = connection.ops.quote_name(Comment._meta.db_table)
    status = Comment.Status
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT "  # noqa: S608 - our table
            "COALESCE(SUM(CASE WHEN email_digest = %s AND status = %s THEN 1 ELSE 0 END), 0), "
            "COALESCE(SUM(CASE WHEN email_digest = %s AND status IN (%s, %s) THEN 1 ELSE 0 END),"
            " 0), "
            "COALESCE(SUM(CASE WHEN body_digest = %s AND created_at >= %s THEN 1 ELSE 0 END), 0) "
            f"FROM {table} WHERE email_digest = %s OR body_digest = %s",
            [
                email_digest,
                status.APPROVED,
                email_digest,
                status.REJECTED,
                status.SPAM,
                text_digest,
                since,
                email_digest,
                text_digest,
            ],
        )
        approved, refused, repeats = cursor.fetchone()
    return History(approved=int(approved), refused=int(refused), repeats=int(repeats))


def comment_decide(
    *,
    verdict: SpamVerdict,
    history: History,
    settings_row: CommentSettings | None,
    words: int = FLOOD_MIN_WORDS,
) -> str:
    """The new comment's status; adds to `verdict` the history's reasons and the decision.
    `words`: how many words the text has (text_words)."""
    if history.repeats:
        # A copy-paste flood: the second copy waits, the third and later go to the folder,
        # whatever the learnt filter thinks of the words (a flood copies a good comment's words
        # as easily as a spammer's). Short texts that many readers write alike only wait.
        repeat = f"repeat post: the same text was sent {history.repeats} time(s) in the last day"
        if words < FLOOD_MIN_WORDS:
            verdict.add(0, repeat + f" (fewer than {FLOOD_MIN_WORDS} words)", hold=True)
        elif history.repeats == 1:
            verdict.add(0.5, repeat, hold=True)
        else:
            needed = settings.NEWSDESK_SPAM_THRESHOLD - verdict.score
            verdict.add(max(1.0, needed), repeat, hold=True)
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
