"""The spam folder before and after moderators' feedback, on a labelled corpus of comments.

    .venv/bin/python bench/comment_spam.py             # writes the comment_spam section
    .venv/bin/python bench/comment_spam.py --no-write

The corpus (bench/data/comments_corpus.jsonl, written for the project) holds comments readers
write (praise, questions, corrections, angry but fair criticism, some with links to sources)
and the spam news sites get: links (casino, pills, streams), SEO, crypto, abuse, other scams
and copy-paste floods (the same text from several senders, with the small changes bots make).
Each kind of the first batch is split in two: even lines train, odd lines are held out. The
second batch ("batch": 2, written after the filter of 2026-12-03 was settled) is never trained
on: it is held out apart, so that what the filter's design saw of the first batch does not
flatter it. A 5-fold cross-validation of the first batch (fold = position within its kind,
modulo 5) is the second split.

- Before feedback: the held-out comments are posted through the real service
  (comment_submit, one by one, each from its own address and email) into an empty site.
- After feedback: the training comments are posted first and moderators decide each one
  as labelled (comments_moderate: approve or mark as spam, which is what teaches the filter);
  then the held-out comments are posted.

Reported: how much held-out spam went to the spam folder (recall), how much of the folder is
spam (precision), how many good comments went to the folder (the target is under 1 %), and
where the rest went (queue, published). Runs in a scratch data folder, in one transaction per
trial that is rolled back.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections import Counter
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import ROOT, machine, today, write_section  # noqa: E402

CORPUS = ROOT / "bench" / "data" / "comments_corpus.jsonl"
UNLIMITED = "1000000000/600"
K = 5


def corpus() -> list[dict]:
    return [json.loads(line) for line in CORPUS.read_text().splitlines() if line.strip()]


def split(rows: list[dict]) -> tuple[list[dict], list[dict]]:
    """Even comments of each kind of the first batch train, odd ones are held out."""
    seen: Counter = Counter()
    train, held_out = [], []
    for row in rows:
        if row.get("batch", 1) != 1:
            continue
        key = (row["label"], row["kind"])
        (train if seen[key] % 2 == 0 else held_out).append(row)
        seen[key] += 1
    return train, held_out


def new_batch(rows: list[dict], batch: int = 2) -> list[dict]:
    """The comments of a later batch, written after the filter of its day was settled."""
    return [row for row in rows if row.get("batch", 1) == batch]


def folds(rows: list[dict], k: int) -> list[list[dict]]:
    """The first batch in k folds, each kind spread evenly over them."""
    seen: Counter = Counter()
    out: list[list[dict]] = [[] for _ in range(k)]
    for row in rows:
        if row.get("batch", 1) != 1:
            continue
        key = (row["label"], row["kind"])
        out[seen[key] % k].append(row)
        seen[key] += 1
    return out


def trial(train: list[dict], held_out: list[dict]) -> Counter:
    """(label, status) counts of the held-out comments, after moderators decided `train`."""
    from django.db import transaction
    from django.test.utils import override_settings
    from django.utils import timezone

    from newsdesk.articles.models import Article
    from newsdesk.captcha.challenges import challenge_issue
    from newsdesk.comments.models import Comment
    from newsdesk.comments.services import Submission, comment_submit, comments_moderate

    limits = {
        f"NEWSDESK_COMMENTS_RATE_{name}": UNLIMITED for name in ("IP", "EMAIL", "NOJS_IP")
    } | {"NEWSDESK_COMMENTS_RATE_NOJS_SITE": UNLIMITED, "NEWSDESK_MODERATION_NOTIFY_INTERVAL": 0}
    outcome: Counter = Counter()
    with override_settings(**limits), transaction.atomic():
        article = Article.objects.create(
            headline="Harbour plan approved",
            body="<p>The council approved the harbour plan.</p>",
            status=Article.Status.PUBLISHED,
            published_at=timezone.now() - timedelta(hours=1),
        )

        def post(n: int, row: dict) -> Comment:
            return comment_submit(
                article=article,
                submission=Submission(
                    name=row["name"], email=f"sender{n}@example.org", body=row["body"]
                ),
                challenge=challenge_issue(),
                ip_address=f"10.{n // 250}.{n % 250}.1",
            )

        posted = [(row["label"], post(n, row)) for n, row in enumerate(train)]
        for label, status in (("spam", Comment.Status.SPAM), ("ham", Comment.Status.APPROVED)):
            decided = [comment for kind, comment in posted if kind == label]
            comments_moderate(comments=decided, status=status, by=None)
        for n, row in enumerate(held_out, start=len(train)):
            status = post(n, row).status
            outcome[row["label"], status] += 1
            outcome["kind", row["kind"], status] += 1
        transaction.set_rollback(True)
    return outcome


def rates(outcome: Counter) -> dict:
    by_kind = {k[1:]: v for k, v in outcome.items() if k[0] == "kind"}
    outcome = Counter({k: v for k, v in outcome.items() if k[0] != "kind"})
    spam = sum(v for (label, _), v in outcome.items() if label == "spam")
    ham = sum(v for (label, _), v in outcome.items() if label == "ham")
    kinds = sorted({kind for kind, _ in by_kind})
    caught, good_held = outcome["spam", "spam"], outcome["ham", "spam"]
    folder = caught + good_held
    return {
        "spam": spam,
        "good": ham,
        "recall": round(100 * caught / spam, 1),
        "precision": round(100 * caught / folder, 1) if folder else None,
        "good_in_folder": good_held,
        "good_in_folder_pct": round(100 * good_held / ham, 1),
        "statuses": {f"{label} -> {status}": v for (label, status), v in sorted(outcome.items())},
        "folder_by_kind": {
            kind: f"{by_kind.get((kind, 'spam'), 0)}/"
            f"{sum(v for (k, _), v in by_kind.items() if k == kind)}"
            for kind in kinds
        },
    }


def run() -> dict:
    data_dir = Path(tempfile.mkdtemp(prefix="newsdesk-spam-"))
    env = {**os.environ, "NEWSDESK_DATA_DIR": str(data_dir)}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
    for var in ("NEWSDESK_DATABASE_URL", "DATABASE_URL", "NEWSDESK_REDIS_URL"):
        env.pop(var, None)
    subprocess.run(
        [sys.executable, "-m", "newsdesk", "migrate", "-v0"], env=env, cwd=ROOT, check=True
    )
    os.environ.update({k: env[k] for k in ("NEWSDESK_DATA_DIR", "DJANGO_SETTINGS_MODULE")})
    import django

    django.setup()
    rows = corpus()
    train, held_out = split(rows)
    new = new_batch(rows)
    later = sorted({row["batch"] for row in rows if row.get("batch", 1) > 1})
    pooled: Counter = Counter()
    parts = folds(rows, K)
    for i, part in enumerate(parts):
        pooled += trial([row for j, p in enumerate(parts) if j != i for row in p], part)
    return {
        "corpus": dict(
            Counter(f"{r['label']}/{r['kind']}" for r in rows if r.get("batch", 1) == 1)
        ),
        "corpus_new": dict(Counter(f"{r['label']}/{r['kind']}" for r in new)),
        "train": len(train),
        "held_out": len(held_out),
        "before": rates(trial([], held_out)),
        "after": rates(trial(train, held_out)),
        "new_before": rates(trial([], new)),
        "new_after": rates(trial(train, new)),
        "new_after_all": rates(trial(train + held_out, new)),
        # Each later batch after moderators decided every comment of the batches before it.
        "later": {
            str(batch): {
                "corpus": dict(
                    Counter(f"{r['label']}/{r['kind']}" for r in new_batch(rows, batch))
                ),
                "before": rates(trial([], new_batch(rows, batch))),
                "after": rates(
                    trial([r for r in rows if r.get("batch", 1) < batch], new_batch(rows, batch))
                ),
            }
            for batch in later
        },
        "folds": rates(pooled),
    }


def verdict(m: dict) -> str:
    caught = "met" if m["recall"] >= 95 else "missed"
    good = "met" if m["good_in_folder_pct"] < 1 else "missed"
    by_kind = m["folder_by_kind"]
    spam_kinds = [k for k in by_kind if k not in ("reader", "abuse")]
    found = sum(int(by_kind[k].split("/")[0]) for k in spam_kinds)
    total = sum(int(by_kind[k].split("/")[1]) for k in spam_kinds)
    return (
        f"spam caught {m['recall']} % (target {caught}; {100 * found / total:.1f} % of spam "
        f"other than abuse, abuse {by_kind.get('abuse', '-')}), good comments in the folder "
        f"{m['good_in_folder_pct']} % (target {good})."
    )


# How each later batch first met the filter: the figures of the filter of its day, after
# feedback on every batch before it. A batch's comments were read only after that run, and the
# filter changed after batches 2 and 3 were read; their figures below are then no longer fair.
FIRST_MET = {
    "2": "written after the filter of 2026-12-03 (commit 6044ead): 80.0 % caught after feedback "
    "on the first batch's training half, 87.7 % after the whole first batch, no good comment "
    "in the folder",
    "3": "written by another hand after commit 3e3a159 (families of signs): 77.3 % caught, "
    "5 of 110 good comments (4.5 %) in the folder, after feedback on batches 1 and 2",
    "4": "written by another hand after commit 9860add (more signs, after batch 3 was read): the "
    "figures in this table are that first meeting",
    "5": "written by a third hand after batch 4 was measured, the filter unchanged since commit "
    "9860add: the figures in this table are that first meeting",
}


FAIR = {"4", "5"}  # written after the filter's last change


def _batches_before(batch: int) -> str:
    return "batch 1" if batch == 2 else f"batches 1-{batch - 1}"


def report(r: dict) -> str:
    def row(name: str, m: dict) -> str:
        return (
            f"| {name} | {m['spam']} + {m['good']} | {m['recall']} % | {m['precision']} % | "
            f"{m['good_in_folder']} of {m['good']} ({m['good_in_folder_pct']} %) |"
        )

    kinds = ", ".join(f"{k} {v}" for k, v in sorted(r["corpus"].items()))
    later = r["later"]
    fair = "\n".join(
        f"- batch {b}: {verdict(later[b]['after'])}" for b in sorted(FAIR, key=int) if b in later
    )
    later_rows = "\n".join(
        row(f"batch {b}, before feedback", v["before"])
        + "\n"
        + row(f"batch {b}, after feedback on {_batches_before(int(b))}", v["after"])
        for b, v in sorted(later.items(), key=lambda item: int(item[0]))
    )
    later_kinds = "\n".join(
        f"- batch {b} ({sum(v['corpus'].values())} comments), after: "
        f"`{json.dumps(v['after']['folder_by_kind'])}`; where they went: "
        f"`{json.dumps(v['after']['statuses'])}`. First met: {FIRST_MET.get(b, 'this run')}."
        for b, v in sorted(later.items(), key=lambda item: int(item[0]))
    )
    return f"""## Spam folder before and after moderators' feedback (`comment_spam`)

Corpus: bench/data/comments_corpus.jsonl, comments written for the project in batches. The first
batch, {sum(r["corpus"].values())} comments ({kinds}): even comments of each kind train
({r["train"]}), odd ones are held out ({r["held_out"]}), and a {K}-fold cross-validation. Each
later batch was written after the filter of its day was settled, batches 3 and 4 by another
hand (a helper that never saw the filter, the corpus or these figures) with good comments made
hard on purpose (angry but fair, scams and crypto as news topics, helplines and prices, links to
sources), and is measured after moderators decided every comment of the batches before it.
Each held-out comment is posted through `comment_submit` from its own address and email;
"after" means the training comments were posted first and moderators approved or marked each
as spam (`comments_moderate`).

| held out | spam + good | spam caught (recall) | folder is spam (precision) | good in folder |
|---|---:|---:|---:|---:|
{row("first batch, before feedback (rules only)", r["before"])}
{row("first batch, after feedback", r["after"])}
{row(f"first batch, {K}-fold cross-validation (pooled)", r["folds"])}
{later_rows}

In the spam folder by kind (comments of that kind in the folder / all of them; "reader" are
the good comments): first batch after: `{json.dumps(r["after"]["folder_by_kind"])}`;
{K}-fold: `{json.dumps(r["folds"]["folder_by_kind"])}`;
{later_kinds}

Targets: at least 95 % of spam caught after feedback, under 1 % of good comments held as spam.
The fair measures are the batches no choice of the filter saw (4 and 5, both met by the filter
of commit 9860add):
{fair}
First batch after feedback: {verdict(r["after"])}

What the filter is (newsdesk/comments/spam.py): naive Bayes over the words, word pairs, link
domains and signs of the comments moderators decided, with the share of spam as its prior and
add-half smoothing; its log-odds count one point per log 9 (90 % spam-like reaches the
threshold of 1.0 alone). Signs are patterns for what no number of decisions lists word by word:
insults aimed at people, threats, harm wished, body-shaming, dehumanising words, scorn for
someone's mind (abuse), promotion, scam words, money, contact details (selling), public sources
(what readers point to). Each sign is a token, and so is each family ("has:abuse",
"has:selling"), so that what moderators taught about one sign weighs on a comment showing
another that training never had; the signs of abuse count twice. Copies: the second copy of a
text waits, the third and later go to the folder whatever the words (texts under 4 words only
wait). Nothing the folder missed was published: it waits in the queue, and an insult aimed at
people, a threat or harm wished holds a comment for a moderator whatever its score.

What this says: spam that sells (links, SEO, crypto, scams, floods) is learnt from a few hundred
decisions and caught on text the filter never saw; abuse is not. A comment that wishes harm in
words no one listed ("someone should pay that journalist a visit"), or mocks in an idiom, shares
neither words nor patterns with earlier abuse, and a count of words cannot read its meaning. The
filter holds what it recognises as aimed at people for a moderator rather than send it to the
folder, and the rest of unrecognised abuse waits in the pre-moderated queue like every
first-timer's comment; it is not published. Reaching 95 % on unseen abuse needs a model of
meaning (a toxicity classifier trained on many thousands of comments); the kept ones (Detoxify,
for one) fetch their weights from outside the package registries at first use, which this
offline, self-hosted filter does not do. It is not in this release.

Machine: {machine()}. Date: {today()}.
Command: `.venv/bin/python bench/comment_spam.py` (no timing: the figures do not depend on load).
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    result = run()
    print(json.dumps(result, indent=2))
    if not args.no_write:
        write_section("comment_spam", report(result))
        print(f"Wrote the comment_spam section of {ROOT / 'BENCHMARKS.md'}")


if __name__ == "__main__":
    main()
