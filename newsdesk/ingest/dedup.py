"""Near-duplicate texts: MinHash signatures over word shingles, LSH band hashes in the database.

A story rewritten by another agency keeps most of its word sequences; a different story shares
few of them. MinHash estimates the Jaccard similarity of two texts' shingle sets from 128
numbers, and locality-sensitive hashing (b bands of r rows, see bands_and_rows) turns
"similar" into "shares at least one band hash", an indexed lookup in LshBand.
The threshold and the shingle size were measured (bench/ingest.py, docs/wire-desk.md).
"""

from __future__ import annotations

import hashlib
import re
import zlib
from collections.abc import Iterable
from functools import cache
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from datasketch import MinHash

NUM_PERM = 128
SHINGLE_WORDS = 2
# Estimated Jaccard similarity of the shingle sets at and above which two texts are one story.
# Measured in bench/ingest.py: different stories <= 0.09, same story rewritten >= 0.31.
THRESHOLD = 0.25
# A pair exactly at the threshold must share a band at least this often.
CANDIDATE_RECALL = 0.98
SEED = 1  # fixed: signatures stored in the database must stay comparable across processes

_WORD_RE = re.compile(r"\w+", re.UNICODE)


def words(text: str) -> list[str]:
    return _WORD_RE.findall(text.casefold())


def shingles(text: str, k: int = SHINGLE_WORDS) -> set[bytes]:
    w = words(text)
    if len(w) < k:
        return {" ".join(w).encode()} if w else set()
    return {" ".join(w[i : i + k]).encode() for i in range(len(w) - k + 1)}


@cache
def _template() -> MinHash:
    # Building the permutations costs more than hashing a text; copies share them. Imported
    # here: datasketch brings scipy, a second of every process's start-up (tests/test_startup).
    from datasketch import MinHash

    return MinHash(num_perm=NUM_PERM, seed=SEED, hashfunc=zlib.crc32)


def signature(text: str, k: int = SHINGLE_WORDS) -> np.ndarray:
    """The MinHash values (uint32) of a text's word shingles."""
    m = _template().copy()
    items = shingles(text, k)
    if items:
        m.update_batch(list(items))
    return m.hashvalues.astype(np.uint32)


def to_bytes(sig: np.ndarray) -> bytes:
    return sig.astype("<u4").tobytes()


def from_bytes(data: bytes) -> np.ndarray:
    return np.frombuffer(bytes(data), dtype="<u4")


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Estimated Jaccard similarity of the two shingle sets."""
    if len(a) != len(b) or not len(a):
        return 0.0
    return float(np.count_nonzero(a == b)) / len(a)


def candidate_probability(similarity: float, b: int, r: int) -> float:
    """How often two texts this similar share at least one of b bands of r rows."""
    return 1 - (1 - similarity**r) ** b


@cache
def bands_and_rows(threshold: float = THRESHOLD) -> tuple[int, int]:
    """The most selective banding that still finds a pair at the threshold 98% of the time.

    (datasketch's MinHashLSH balances misses against false candidates and, at 0.25-0.3, finds a
    pair at the threshold only half the time; here a false candidate only costs one signature
    comparison, a miss costs an editor a duplicate story.)
    """
    for r in range(NUM_PERM, 0, -1):
        b = NUM_PERM // r
        if candidate_probability(threshold, b, r) >= CANDIDATE_RECALL:
            return b, r
    return NUM_PERM, 1


def band_keys(sig: np.ndarray, threshold: float = THRESHOLD) -> list[int]:
    """One signed 64-bit key per band: the band's number and its values, hashed."""
    b, r = bands_and_rows(threshold)
    raw = sig.astype("<u4")
    keys = []
    for i in range(b):
        digest = hashlib.blake2b(
            raw[i * r : (i + 1) * r].tobytes(),
            digest_size=8,
            person=b"nd-lsh",
            salt=i.to_bytes(2, "little"),
        ).digest()
        keys.append(int.from_bytes(digest, "little", signed=True))
    return keys


def best_matches(
    sig: np.ndarray, candidates: Iterable[tuple[object, bytes]], threshold: float = THRESHOLD
) -> list[tuple[float, object]]:
    """Candidates whose stored signature is at least `threshold` similar, best first."""
    scored = []
    for owner, data in candidates:
        if not data:
            continue
        score = similarity(sig, from_bytes(data))
        if score >= threshold:
            scored.append((score, owner))
    scored.sort(key=lambda pair: pair[0], reverse=True)
    return scored
