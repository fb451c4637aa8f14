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
    "said": "stated", "forced": "drove", "homes": "houses", "people": "residents",
    "heavy": "torrential", "close": "near", "expected": "forecast", "warned": "cautioned",
    "told": "informed", "began": "started", "started": "began", "large": "big",
    "many": "numerous", "several": "a number of", "officials": "authorities",
    "government": "administration", "country": "nation", "city": "town", "rose": "climbed",
    "fell": "dropped", "cut": "reduce", "biggest": "largest", "first": "initial",
    "announced": "said", "after": "following", "before": "ahead of", "help": "assist",
    "killed": "left dead", "damaged": "hit", "struck": "hit", "about": "around",
    "more than": "over", "at least": "no fewer than", "also": "as well", "week": "seven days",
    "shortly": "soon", "company": "firm", "workers": "employees", "staff": "employees",
    "because": "as", "however": "but", "main": "principal", "meeting": "session",
    "hospital": "clinic", "minister": "secretary", "leader": "head", "percent": "per cent",
}
ATTRIBUTIONS = [
    ", Reuters reported", ", officials told AFP", ", according to local media",
    ", a spokesperson told the Associated Press", ", the agency said in a statement",
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
    """A distinct filler story: sentences of several stories with its own names and numbers."""
    rng = random.Random(f"synthetic:{n}:{seed}")
    sentences = []
    for story in rng.sample(STORIES, 4):
        parts = re.split(r"(?<=[.!?])\s+", " ".join(body(story)))
        sentences.extend(rng.sample(parts, min(2, len(parts))))
    rng.shuffle(sentences)
    place = f"Town{n}"
    sentences.insert(0, f"In {place} on day {n}, {rng.randint(2, 900)} people were affected.")
    paragraphs = [" ".join(sentences[i : i + 2]) for i in range(0, len(sentences), 2)]
    return f"{place}: {sentences[1][:60]}", "\n\n".join(paragraphs)
