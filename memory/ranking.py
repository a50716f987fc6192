"""Ranking rules without I/O: BM25 scored as SQLite FTS5 scores its porter index, and the
fusion of keyword and vector scores with a preference for newer facts."""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence

import numpy as np

from memory.db.base import VectorHit
from memory.schema import UserMemory
from memory.text import content_words, query_terms, words

K1 = 1.2
B = 0.75
_MIN_IDF = 1e-6
"""FTS5's floor for a word found in most documents: it still counts, barely."""
SEMANTIC_WEIGHT = 0.8
"""Share of the semantic score in a hybrid score. Convex fusion of normalised scores
ranked better than reciprocal rank fusion on the dev set (recall@5 0.95 vs 0.92, see
benchmarks/retrieval_eval.py); keyword matches still lift exact names and numbers."""
SAME_SUBJECT_WINDOW = 10
SAME_SUBJECT_Z = 1.5
"""Two results are about the same subject when they are each other's closest result
and far more alike than results usually are (in standard deviations)."""
EQUAL_SCORE = 0.05
"""Fused scores closer than this (on a 0..1 scale) count as equal."""

# Words that ask about the present state ("where does she work now?"). English only.
_PRESENT = re.compile(
    r"\b(now|nowadays|currently|current|still|anymore|any more|latest|presently|these days|"
    r"at the moment|at present|today)\b",
    re.IGNORECASE,
)


Ranked = list[tuple[UserMemory, float]]
Similarities = Callable[[list[UserMemory]], list[list[float | None]]]
"""Pairwise similarity of some memories; None where it is unknown."""


def _is_consonant(word: str, i: int) -> bool:
    if word[i] in "aeiou":
        return False
    return word[i] != "y" or i == 0 or not _is_consonant(word, i - 1)


def _measure(stem: str) -> int:
    """Porter's m: how many vowel-consonant sequences the stem has."""
    kinds = "".join("c" if _is_consonant(stem, i) else "v" for i in range(len(stem)))
    return "".join(k for i, k in enumerate(kinds) if i == 0 or k != kinds[i - 1]).count("vc")


def _has_vowel(stem: str) -> bool:
    return any(not _is_consonant(stem, i) for i in range(len(stem)))


def _ends_cvc(stem: str) -> bool:
    """Consonant-vowel-consonant, the last not w, x or y: "hik" wants its "e" back."""
    n = len(stem)
    return (
        n >= 3
        and _is_consonant(stem, n - 3)
        and not _is_consonant(stem, n - 2)
        and _is_consonant(stem, n - 1)
        and stem[-1] not in "wxy"
    )


def stem(word: str) -> str:
    """Porter's step 1 (plurals, -ed, -ing, final y), so "hiking" and "hikes" meet at "hike".

    The later Porter steps (-ation, -ness, -ful, ...) are left out: they merge words
    with different meanings more often than they help a search over short facts.
    """
    if len(word) <= 2:
        return word
    if word.endswith(("sses", "ies")):
        word = word[:-2]
    elif word.endswith("s") and not word.endswith("ss"):
        word = word[:-1]
    if word.endswith("eed"):
        if _measure(word[:-3]) > 0:
            word = word[:-1]
    else:
        for suffix in ("ed", "ing"):
            if word.endswith(suffix) and _has_vowel(word[: -len(suffix)]):
                word = word[: -len(suffix)]
                if word.endswith(("at", "bl", "iz")):
                    word += "e"
                elif (
                    len(word) >= 2
                    and word[-1] == word[-2]
                    and _is_consonant(word, len(word) - 1)
                    and word[-1] not in "lsz"
                ):
                    word = word[:-1]
                elif _measure(word) == 1 and _ends_cvc(word):
                    word += "e"
                break
    if word.endswith("y") and _has_vowel(word[:-1]):
        word = word[:-1] + "i"
    return word


@functools.lru_cache(maxsize=65_536)
def _term(word: str) -> str:
    """A word as the index keeps it: accents removed (like FTS5's remove_diacritics), stemmed.

    Cached: every search re-reads all of a user's memories, and their words repeat.
    """
    decomposed = unicodedata.normalize("NFKD", word)
    return stem("".join(c for c in decomposed if not unicodedata.combining(c)))


@functools.lru_cache(maxsize=131_072)
def _term_counts(text: str) -> Counter[str]:
    """How often each term occurs in `text`; cached and shared, so never modified."""
    return Counter(_term(w) for w in words(text))


def bm25_scores(
    query: str, documents: Sequence[Sequence[str]], weights: Sequence[float]
) -> list[float]:
    """Okapi BM25 of each document for the words of `query`: higher is better.

    A document is one text per field, and `weights[i]` scales how much a word found
    in field `i` counts, like the arguments of FTS5's `bm25()`. Scores are computed
    over `documents` alone, so they rank a user's memories among themselves. A
    document that contains no word of the query scores exactly 0.
    """
    terms = list(dict.fromkeys(_term(w) for w in query_terms(query)))
    fields = [[_term_counts(text) for text in doc] for doc in documents]
    lengths = [sum(sum(field.values()) for field in doc) for doc in fields]
    if not terms or not fields:
        return [0.0] * len(fields)
    average_length = sum(lengths) / len(lengths) or 1.0
    frequencies = [
        {t: sum(w * field[t] for w, field in zip(weights, doc, strict=True)) for t in terms}
        for doc in fields
    ]
    count = len(fields)
    idf = {}
    for t in terms:
        hits = sum(1 for doc in frequencies if doc[t] > 0)
        idf[t] = max(math.log((count - hits + 0.5) / (hits + 0.5)), _MIN_IDF)
    return [
        sum(
            idf[t] * f[t] * (K1 + 1) / (f[t] + K1 * (1 - B + B * length / average_length))
            for t in terms
        )
        for f, length in zip(frequencies, lengths, strict=True)
    ]


def asks_about_present(query: str) -> bool:
    """Whether a question asks for the current state, where newer facts replace older ones."""
    return _PRESENT.search(query) is not None


def fuse(keyword: Ranked, semantic: Ranked, semantic_weight: float = SEMANTIC_WEIGHT) -> Ranked:
    """One ranking from BM25 and cosine scores, each scaled to 0..1, best first.

    BM25 is divided by the best match (a memory absent from it scores 0); cosine is
    min-max scaled over the candidates. With one ranking empty the other decides
    alone. Equal scores put the more recently updated memory first.
    """
    if not semantic:
        semantic_weight = 0.0
    elif not keyword:
        semantic_weight = 1.0
    best_keyword = max((score for _, score in keyword), default=0.0)
    cosines = [score for _, score in semantic]
    low, high = min(cosines, default=0.0), max(cosines, default=0.0)
    memories: dict[str, UserMemory] = {}
    scores: dict[str, float] = {}
    for memory, score in semantic:
        key = _key(memory)
        memories[key] = memory
        scaled = (score - low) / (high - low) if high > low else 1.0
        scores[key] = semantic_weight * scaled
    for memory, score in keyword:
        key = _key(memory)
        memories.setdefault(key, memory)
        scaled = score / best_keyword if best_keyword > 0 else 0.0
        scores[key] = scores.get(key, 0.0) + (1 - semantic_weight) * scaled
    ranked = [(memories[key], score) for key, score in scores.items()]
    ranked.sort(key=lambda pair: (-pair[1], -recency(pair[0])))
    return ranked


def prefer_newer(ranked: Ranked, similarities: Similarities, *, present: bool) -> Ranked:
    """Move the newer of two facts on the same subject above the older one.

    Among the top results, a newer memory that is about the same subject as an older
    one ranked above it (see `SAME_SUBJECT_Z`) moves just above it when their scores
    are otherwise equal, or whatever their scores when the question asks about the
    present ("now", "current", "still"): a job, a car or a count that changed.
    """
    window = ranked[:SAME_SUBJECT_WINDOW]
    same = _same_subject(similarities([memory for memory, _ in window]))
    order = list(range(len(window)))
    for _ in range(len(window) ** 2):
        move = next(
            (
                (above, below)
                for below in range(len(order))
                for above in range(below)
                if _replaces(window, order[below], order[above], same, present)
            ),
            None,
        )
        if move is None:
            break
        above, below = move
        order.insert(above, order.pop(below))
    return [window[i] for i in order] + ranked[SAME_SUBJECT_WINDOW:]


def _replaces(
    window: Ranked, newer: int, older: int, same: set[tuple[int, int]], present: bool
) -> bool:
    (new, new_score), (old, old_score) = window[newer], window[older]
    return (
        (newer, older) in same
        and recency(new) > recency(old)
        and (present or old_score - new_score <= EQUAL_SCORE)
    )


def _same_subject(matrix: list[list[float | None]]) -> set[tuple[int, int]]:
    """Index pairs (i, j) where j is i's closest memory and unusually close to it."""
    known: dict[tuple[int, int], float] = {
        (i, j): value
        for i, row in enumerate(matrix)
        for j, value in enumerate(row)
        if i != j and value is not None
    }
    values = list(known.values())
    if len(values) < 4:
        return set()
    mean = sum(values) / len(values)
    spread = math.sqrt(sum((v - mean) ** 2 for v in values) / len(values))
    if spread == 0:
        return set()
    pairs = set()
    for i in range(len(matrix)):
        mine = {j: value for (a, j), value in known.items() if a == i}
        if not mine:
            continue
        closest = max(mine, key=lambda j: mine[j])
        if (mine[closest] - mean) / spread >= SAME_SUBJECT_Z:
            pairs.add((i, closest))
    return pairs


def word_similarities(memories: list[UserMemory]) -> list[list[float | None]]:
    """Jaccard similarity of content words: the subject test when there are no vectors."""
    sets = [content_words(m.memory) for m in memories]
    return [[len(a & b) / len(a | b) if a | b else 0.0 for b in sets] for a in sets]


def cosine_similarities(hits: Sequence[VectorHit]) -> Similarities:
    """Cosines of hits' normalised vectors; None for a memory that had no vector."""
    vectors = {_key(hit.memory): hit.vector for hit in hits}

    def similarities(memories: list[UserMemory]) -> list[list[float | None]]:
        rows = [vectors.get(_key(m)) for m in memories]
        known = [(i, row) for i, row in enumerate(rows) if row is not None]
        present = [i for i, _ in known]
        matrix: list[list[float | None]] = [[None] * len(rows) for _ in rows]
        if known:
            stacked = np.stack([row for _, row in known])
            cosines = np.einsum("ik,jk->ij", stacked, stacked).tolist()
            for a, i in enumerate(present):
                for b, j in enumerate(present):
                    matrix[i][j] = cosines[a][b]
        return matrix

    return similarities


def _key(memory: UserMemory) -> str:
    assert memory.memory_id is not None
    return memory.memory_id


def recency(memory: UserMemory) -> float:
    """When the memory last changed, as a number: the later, the larger."""
    moment = memory.updated_at or memory.created_at
    return moment.timestamp() if moment else 0.0
