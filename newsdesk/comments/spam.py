"""Spam scoring, all offline: rules with points, plus naive Bayes learnt from moderators' decisions.

A score is a sum of points with a reason for each; at NEWSDESK_SPAM_THRESHOLD or above, a comment
goes to the spam folder (held, recoverable). Moderators' approve/spam decisions train the model
(spam_learn), and changing one's mind unlearns the earlier decision.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import F

from .models import BlockedTerm, Comment, SpamToken

URL_RE = re.compile(r"(?:https?://|www\.)[^\s<>\"']+", re.IGNORECASE)
DOMAIN_RE = re.compile(r"(?:https?://)?(?:www\.)?([^/\s:?#<>\"']+)", re.IGNORECASE)
WORD_RE = re.compile(r"\w{2,30}", re.UNICODE)
BLOCKLIST_CACHE_KEY = "comments:blocklist:v2"


@dataclass
class SpamVerdict:
    """A score with a reason for each point, what must go to the spam folder whatever the score
    (a banned term), and what must wait for a moderator even where comments appear at once."""

    score: float = 0.0
    reasons: list[str] = field(default_factory=list)
    banned: bool = False
    holds: list[str] = field(default_factory=list)

    def add(self, points: float, reason: str, *, hold: bool = False) -> None:
        if points:
            self.score = round(self.score + points, 3)
            self.reasons.append(f"{points:+.2f} {reason}")
        elif hold:
            self.reasons.append(reason)
        if hold:
            self.holds.append(reason)

    @property
    def is_spam(self) -> bool:
        return self.banned or self.score >= settings.NEWSDESK_SPAM_THRESHOLD

    @property
    def held(self) -> bool:
        """Something a moderator should see before readers do."""
        return bool(self.holds) or self.score >= settings.NEWSDESK_SPAM_HOLD


def count_links(text: str) -> int:
    return len(URL_RE.findall(text))


# Signs a word list cannot learn from a few examples, since every spammer and every abuser picks
# other words: money and contact details (scams), insults aimed at people, threats. They are
# tokens like any other: what they weigh is learnt from moderators' decisions, and angry
# comments about institutions ("a pathetic response from the council") do not match them.
MONEY_RE = re.compile(r"[$€£]\s?\d|\b\d[\d,.]*\s?(?:btc|usd|dollars|k)\b", re.IGNORECASE)
PHONE_RE = re.compile(r"\+?\d[\d\s()-]{7,}\d")
EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")
INSULT_RE = re.compile(
    r"\b(?:idiot|moron|imbecile|cretin|scum|loser|clown|parasite|vermin|retard|freak|pig|"
    r"braindead|brain-dead|brainless|worthless|filth|trash|garbage|sheep|snowflake|coward|"
    r"hack|rat|cow|animals?)\w*",
    re.IGNORECASE,
)
TARGET_RE = re.compile(
    r"\b(?:you|your|you're|yourself|author|writer|journalist|reporter|moderators?|people|"
    r"everyone|all of you|lot of you)\b",
    re.IGNORECASE,
)
THREAT_RE = re.compile(
    r"\b(?:kill yourself|go die|die in|rot in hell|watch your back|know where you live|"
    r"see what happens|put down like|get what they deserve|deserve everything coming)",
    re.IGNORECASE,
)


def tokens_of(*, name: str, body: str) -> set[str]:
    words = [w.lower() for w in WORD_RE.findall(body)]
    found = set(words)
    # Pairs of words: "free spins" and "pathetic idiot" say more than their words alone.
    found |= {f"{a} {b}" for a, b in zip(words, words[1:], strict=False)}
    found |= {"name:" + w.lower() for w in WORD_RE.findall(name)}
    for url in URL_RE.findall(body):
        match = DOMAIN_RE.match(url)
        if match:
            found.add("domain:" + match.group(1).lower())
    if URL_RE.search(body):
        found.add("has:link")
    if MONEY_RE.search(body):
        found.add("has:money")
    if PHONE_RE.search(body) or EMAIL_RE.search(body):
        found.add("has:contact")
    if INSULT_RE.search(body):
        found.add("has:insult")
        if TARGET_RE.search(body):
            found.add("has:insult-at-people")
    if THREAT_RE.search(body):
        found.add("has:threat")
    return {t[:100] for t in found}


def blocked_terms() -> list[tuple[str, str]]:
    """Moderators' block list (admin) and NEWSDESK_COMMENTS_BLOCKLIST (banned), as (term, kind),
    cached for a minute."""
    terms = cache.get(BLOCKLIST_CACHE_KEY)
    if terms is None:
        listed = dict(BlockedTerm.objects.values_list("term", "kind"))
        for term in settings.NEWSDESK_COMMENTS_BLOCKLIST:
            listed[term.lower()] = BlockedTerm.Kind.BANNED
        terms = sorted(listed.items())
        cache.set(BLOCKLIST_CACHE_KEY, terms, 60)
    return terms


def token_counts(tokens: list[str]) -> dict[str, tuple[int, int]]:
    """(spam, ham) counts of those `tokens` the model has seen. Every comment posted reads them:
    one plain statement, about a tenth of what the ORM spends building the same IN query."""
    table = connection.ops.quote_name(SpamToken._meta.db_table)
    placeholders = ", ".join(["%s"] * len(tokens))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT token, spam, ham FROM {table} WHERE token IN ({placeholders})",  # noqa: S608 - our table
            tokens,
        )
        return {token: (spam, ham) for token, spam, ham in cursor.fetchall()}


def bayes_probability(tokens: set[str]) -> tuple[float | None, list[str]]:
    """P(spam | tokens) from moderators' decisions, and the tokens that weighed most; None until
    the model has seen NEWSDESK_SPAM_MIN_TRAINING comments of each kind.

    Each token's spamminess compares how often it appears per spam and per good comment, so
    that a site with many more decisions one way than the other is not biased by it, and is
    pulled toward 0.5 while the token is rare (Robinson's estimate, strength 1); the tokens'
    log-odds are summed as in naive Bayes."""
    counts = token_counts([*tokens, SpamToken.DOCS])
    docs_spam, docs_ham = counts.pop(SpamToken.DOCS, (0, 0))
    minimum = settings.NEWSDESK_SPAM_MIN_TRAINING
    if docs_spam < minimum or docs_ham < minimum:
        return None, []
    log_odds = 0.0
    weights = []
    for token in tokens:
        row = counts.get(token)
        if row is None or not (row[0] or row[1]):
            continue
        spam_rate, ham_rate = row[0] / docs_spam, row[1] / docs_ham
        seen = row[0] + row[1]
        spamminess = (0.5 + seen * spam_rate / (spam_rate + ham_rate)) / (1 + seen)
        weight = math.log(spamminess / (1 - spamminess))
        log_odds += weight
        weights.append((weight, token))
    log_odds = max(-30.0, min(30.0, log_odds))
    probability = 1 / (1 + math.exp(-log_odds))
    weights.sort(reverse=True)
    return probability, [t for w, t in weights[:5] if w > 0]


def spam_score(*, name: str, email: str, body: str) -> SpamVerdict:
    verdict = SpamVerdict()
    links = count_links(body)
    if links:
        verdict.add(0.2 * links, f"{links} link(s)", hold=True)
    haystack = f"{name}\n{body}\n{email}".lower()
    for term, kind in blocked_terms():
        if term and term in haystack:
            if kind == BlockedTerm.Kind.SUSPECT:
                verdict.add(0, f"suspect term '{term}'", hold=True)
            else:
                verdict.add(1.0, f"blocked term '{term}'")
                verdict.banned = True
    letters = [c for c in body if c.isalpha()]
    if len(letters) >= 20 and sum(c.isupper() for c in letters) / len(letters) > 0.7:
        verdict.add(0.2, "mostly capital letters")
    if re.search(r"(.)\1{9,}", body):
        verdict.add(0.1, "a character repeated 10 times or more")
    tokens = tokens_of(name=name, body=body)
    if "has:threat" in tokens:
        verdict.add(0.5, "a threat", hold=True)
    if "has:insult-at-people" in tokens:
        # Held, not scored: fair anger at "the idiots who vandalised the memorial" has it too.
        verdict.add(0, "an insult aimed at people", hold=True)
    probability, top = bayes_probability(tokens)
    if probability is not None:
        # -1.25 .. +1.25: moderators' decisions alone send a comment the model finds at least
        # 90 % spam-like to the folder, and vouch for one it finds ham-like (a blocked term
        # still wins).
        points = round((probability - 0.5) * 2.5, 3)
        words = f" (words: {', '.join(top)})" if top else ""
        verdict.add(points, f"learnt filter: {probability:.0%} spam-like{words}")
    return verdict


def _adjust(tokens: set[str], column: str, delta: int) -> None:
    tokens = {*tokens, SpamToken.DOCS}
    existing = set(SpamToken.objects.filter(token__in=tokens).values_list("token", flat=True))
    SpamToken.objects.filter(token__in=existing).update(**{column: F(column) + delta})
    if delta > 0:
        SpamToken.objects.bulk_create(
            [SpamToken(token=t, **{column: delta}) for t in tokens - existing],
            ignore_conflicts=True,
        )


def spam_learn(comment: Comment, label: str) -> None:
    """Teach the model that `comment` is 'spam' or 'ham', unlearning an earlier decision first.
    Runs inside the moderation service's transaction."""
    if comment.learned_as == label:
        return
    tokens = tokens_of(name=comment.name, body=comment.body)
    with transaction.atomic():
        if comment.learned_as:
            _adjust(tokens, comment.learned_as, -1)
        if label:
            _adjust(tokens, label, +1)
    comment.learned_as = label
