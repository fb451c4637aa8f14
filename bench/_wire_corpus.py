"""Stories written for the benchmarks (bench/data/stories.json) and their agency rewrites.

Shared by bench/ingest.py (grouping threshold, throughput) and bench/extraction.py (pages).
A rewrite is what another agency does to the same story: other words for some words, its own
attribution ("officials told AFP"), paragraphs moved, trimmed or dropped.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

STORIES = json.loads((Path(__file__).parent / "data" / "stories.json").read_text())

SYNONYMS = {
    "said": "stated",
    "forced": "drove",
    "homes": "houses",
    "people": "residents",
    "heavy": "torrential",
    "close": "near",
    "expected": "forecast",
    "warned": "cautioned",
    "told": "informed",
    "began": "started",
    "started": "began",
    "large": "big",
    "many": "numerous",
    "several": "a number of",
    "officials": "authorities",
    "government": "administration",
    "country": "nation",
    "city": "town",
    "rose": "climbed",
    "fell": "dropped",
    "cut": "reduce",
    "biggest": "largest",
    "first": "initial",
    "announced": "said",
    "after": "following",
    "before": "ahead of",
    "help": "assist",
    "killed": "left dead",
    "damaged": "hit",
    "struck": "hit",
    "about": "around",
    "more than": "over",
    "at least": "no fewer than",
    "also": "as well",
    "week": "seven days",
    "shortly": "soon",
    "company": "firm",
    "workers": "employees",
    "staff": "employees",
    "because": "as",
    "however": "but",
    "main": "principal",
    "meeting": "session",
    "hospital": "clinic",
    "minister": "secretary",
    "leader": "head",
    "percent": "per cent",
}
ATTRIBUTIONS = [
    ", Reuters reported",
    ", officials told AFP",
    ", according to local media",
    ", a spokesperson told the Associated Press",
    ", the agency said in a statement",
    ", witnesses told reporters",
]
LEADS = ["", "UPDATE 1 - ", "(Adds details) ", "BREAKING: "]


def body(story: dict) -> list[str]:
    """Paragraphs without the sub-heading markers."""
    return [p.removeprefix("## ") for p in story["paragraphs"]]


def text_of(story: dict) -> str:
    return "\n\n".join(body(story))


def _substitute(paragraph: str, rate: float, rng: random.Random) -> str:
    def swap(match: re.Match) -> str:
        word = match.group(0)
        replacement = SYNONYMS.get(word.lower())
        if replacement and rng.random() < rate:
            return replacement.capitalize() if word[0].isupper() else replacement
        return word

    alternatives = "|".join(re.escape(k) for k in sorted(SYNONYMS, key=len, reverse=True))
    pattern = r"\b(" + alternatives + r")\b"
    return re.sub(pattern, swap, paragraph, flags=re.IGNORECASE)


def _attribute(paragraph: str, rng: random.Random) -> str:
    sentences = re.split(r"(?<=[.!?])\s+", paragraph)
    i = rng.randrange(len(sentences))
    if sentences[i].endswith("."):
        sentences[i] = sentences[i][:-1] + rng.choice(ATTRIBUTIONS) + "."
    return " ".join(sentences)


def rewrite(story: dict, level: str, seed: int = 0) -> tuple[str, str]:
    """(title, text) of another agency's version of the story. Levels: light, medium, heavy,
    short (the first half only, lightly reworded: a brief sent before the full story)."""
    rng = random.Random(f"{story['id']}:{level}:{seed}")
    paragraphs = body(story)
    rate = {"light": 0.15, "medium": 0.35, "heavy": 0.6, "short": 0.15}[level]
    paragraphs = [_substitute(p, rate, rng) for p in paragraphs]
    n_attr = {"light": 1, "medium": 2, "heavy": 3, "short": 1}[level]
    for _ in range(n_attr):
        i = rng.randrange(len(paragraphs))
        paragraphs[i] = _attribute(paragraphs[i], rng)
    if level in ("medium", "heavy") and len(paragraphs) > 3:
        i = rng.randrange(1, len(paragraphs) - 1)
        paragraphs[i], paragraphs[i + 1] = paragraphs[i + 1], paragraphs[i]
    if level == "heavy" and len(paragraphs) > 4:
        del paragraphs[rng.randrange(2, len(paragraphs))]
    if level == "short":
        paragraphs = paragraphs[: max(2, len(paragraphs) // 2)]
    title = rng.choice(LEADS) + _substitute(story["title"], rate, rng)
    return title, "\n\n".join(paragraphs)


def synthetic(n: int, seed: int = 0) -> tuple[str, str]:
    """A distinct filler story: words of the corpus in sentences of their own, with its own
    place, people and numbers, so it shares no more with other stories than unrelated news
    does (a few common word pairs)."""
    rng = random.Random(f"synthetic:{n}:{seed}")
    place, person = f"Town{n}", f"Person{n}"
    paragraphs = []
    for _ in range(rng.randint(4, 6)):
        sentences = []
        for _ in range(rng.randint(2, 3)):
            words = rng.sample(VOCABULARY, rng.randint(10, 20))
            name = rng.choice([place, person, str(rng.randint(2, 9000))])
            words.insert(rng.randrange(len(words)), name)
            sentences.append(" ".join(words).capitalize() + ".")
        paragraphs.append(" ".join(sentences))
    title = f"{place}: {' '.join(rng.sample(VOCABULARY, 6)).capitalize()}"
    return title, "\n\n".join(paragraphs)


VOCABULARY = sorted(
    {w.lower() for s in STORIES for p in body(s) for w in re.findall(r"[A-Za-z]+", p)}
)
