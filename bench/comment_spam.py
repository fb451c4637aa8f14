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


def new_batch(rows: list[dict]) -> list[dict]:
    """The comments written after the filter was settled: held out only."""
    return [row for row in rows if row.get("batch", 1) == 2]


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


def report(r: dict) -> str:
    def row(name: str, m: dict) -> str:
        return (
            f"| {name} | {m['spam']} + {m['good']} | {m['recall']} % | {m['precision']} % | "
            f"{m['good_in_folder']} of {m['good']} ({m['good_in_folder_pct']} %) |"
        )

    kinds = ", ".join(f"{k} {v}" for k, v in sorted(r["corpus"].items()))
    new_kinds = ", ".join(f"{k} {v}" for k, v in sorted(r["corpus_new"].items()))
    return f"""## Spam folder before and after moderators' feedback (`comment_spam`)

Corpus: bench/data/comments_corpus.jsonl, comments written for the project. First batch:
{sum(r["corpus"].values())} ({kinds}); even comments of each kind train ({r["train"]}), odd ones
are held out ({r["held_out"]}). Second batch: {sum(r["corpus_new"].values())} ({new_kinds}),
written after the filter was settled (commit of 2026-12-03) and never trained on. Each held-out
comment is posted through `comment_submit` from its own address and email; "after" means the
training comments were posted first and moderators approved or marked each as spam
(`comments_moderate`).

| held out | spam + good | spam caught (recall) | folder is spam (precision) | good in folder |
|---|---:|---:|---:|---:|
{row("first batch, before feedback (rules only)", r["before"])}
{row("first batch, after feedback", r["after"])}
{row("second batch, before feedback", r["new_before"])}
{row("second batch, after feedback (first batch's training half)", r["new_after"])}
{row("second batch, after feedback on the whole first batch", r["new_after_all"])}
{row(f"first batch, {K}-fold cross-validation (pooled)", r["folds"])}

In the spam folder by kind (held-out comments of that kind in the folder / all of them;
"reader" are the good comments):
first batch after: `{json.dumps(r["after"]["folder_by_kind"])}`;
second batch after: `{json.dumps(r["new_after"]["folder_by_kind"])}`;
{K}-fold: `{json.dumps(r["folds"]["folder_by_kind"])}`.

Targets: at least 95 % of spam caught after feedback, under 1 % of good comments held as spam.
First batch after feedback: {verdict(r["after"])}
Second batch after feedback: {verdict(r["new_after"])}
{K}-fold: {verdict(r["folds"])}

The filter (newsdesk/comments/spam.py): naive Bayes over the words, word pairs, link domains and
signs (money, contact details, an insult, an insult aimed at people, a threat) of the comments
moderators decided, with the share of spam as its prior and add-half smoothing; its log-odds
count one point per log 9 (90 % spam-like reaches the threshold of 1.0 alone), the signs of
abuse twice. Those choices were made by cross-validation on the first batch's training half;
the insult and threat lists were written knowing the whole first batch, and one held-out good
comment of it ("a few idiots ruin it for everyone") narrowed what counts as aimed at people.
The second batch is the fair measure: no choice saw it. Spam the folder missed and published
at once: first batch {r["after"]["statuses"].get("spam -> approved", 0)}, second batch
{r["new_after"]["statuses"].get("spam -> approved", 0)}; the rest waits in the queue. Of a
copy-paste flood, the first copy is judged by its words, the second waits (+0.5), the third and
later get +1.0, which the learnt filter outweighs when it finds the text like approved comments
(one copy of the second batch's "subscribe to my channel" flood waited so).
Where every held-out comment went (pending: the queue; approved would be published at once,
by post-moderation or trust, which these first-time senders do not have on the default
pre-moderated site), first batch after: `{json.dumps(r["after"]["statuses"])}`;
second batch after: `{json.dumps(r["new_after"]["statuses"])}`.

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
