"""What a reader types into the search box, parsed into a small safe structure.

Syntax: words (all must match), "a phrase", prefix*, -excluded, -"excluded phrase".
Everything else is treated as text: operators, brackets and quotes never reach a backend raw,
and each backend builds its own query from the clauses below.
"""

import re
from dataclasses import dataclass

MAX_QUERY_LENGTH = 300
MAX_CLAUSES = 12
MAX_PHRASE_WORDS = 10
MAX_WORD_LENGTH = 60
# A one- or two-letter prefix would expand to a large part of the vocabulary: treat it as a word.
MIN_PREFIX_LENGTH = 3

# Persian and Arabic write some letters two ways (Arabic yeh and kaf, Persian yeh and keheh),
# digits three ways, and add marks a reader rarely types: vowel marks (harakat), the superscript
# alef, the tatweel that stretches a word, and the zero-width non-joiner inside words (می‌روند).
# The index and every query are folded alike, on SQLite and PostgreSQL (backends/).
FOLD_FROM = "يىك" + "۰۱۲۳۴۵۶۷۸۹" + "٠١٢٣٤٥٦٧٨٩"
FOLD_TO = "ییک" + "0123456789" * 2
FOLD_DROP = "\u064b-\u065f\u0670\u0640\u200c\u200d"
_FOLD = str.maketrans(FOLD_FROM, FOLD_TO)
_DROP = re.compile(f"[{FOLD_DROP}]")


def fold(text: str | None) -> str:
    """Text as the index holds it: one form of each Persian and Arabic letter and digit."""
    return _DROP.sub("", text or "").translate(_FOLD)


_CHUNK = re.compile(r'(?P<neg>-?)"(?P<phrase>[^"]*)"?|(?P<neg2>-?)(?P<bare>[^\s"]+)')
_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class Clause:
    words: tuple[str, ...]
    prefix: bool = False

    @property
    def is_phrase(self) -> bool:
        return len(self.words) > 1


@dataclass(frozen=True)
class ParsedQuery:
    include: tuple[Clause, ...] = ()
    exclude: tuple[Clause, ...] = ()
    # Readers' queries need every clause; "more like this" (related stories) needs any.
    match_any: bool = False

    def __bool__(self) -> bool:
        return bool(self.include)

    @property
    def words(self) -> list[str]:
        return [word for clause in self.include for word in clause.words]


def _words(text: str) -> tuple[str, ...]:
    return tuple(w[:MAX_WORD_LENGTH].lower() for w in _WORD.findall(text))[:MAX_PHRASE_WORDS]


def parse_query(text: str | None) -> ParsedQuery:
    """Parse any string at all; the result may be empty (nothing to search for)."""
    include: list[Clause] = []
    exclude: list[Clause] = []
    for match in _CHUNK.finditer(fold((text or "")[:MAX_QUERY_LENGTH])):
        if len(include) + len(exclude) >= MAX_CLAUSES:
            break
        if match.group("phrase") is not None:
            negative, words, prefix = bool(match.group("neg")), _words(match.group("phrase")), False
        else:
            bare = match.group("bare")
            negative, words = bool(match.group("neg2")), _words(bare)
            prefix = bare.endswith("*") and len(words) == 1 and len(words[0]) >= MIN_PREFIX_LENGTH
        if not words:
            continue
        clause = Clause(words=words, prefix=prefix)
        target = exclude if negative else include
        if clause not in target:
            target.append(clause)
    return ParsedQuery(include=tuple(include), exclude=tuple(exclude))
