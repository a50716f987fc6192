"""Ranking rules without I/O, the same for every backend: BM25 over a user's own statistics,
cosine similarity, and the fusion of both with a preference for newer facts."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence

import numpy as np

from memory.db.base import KeywordCandidates, Matrix, UserVectors
from memory.schema import UserMemory
from memory.text import content_words

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


def bm25(terms: Sequence[str], found: KeywordCandidates) -> list[tuple[int, float]]:
    """Okapi BM25 of the candidates for `terms`: (candidate index, score), best first.

    As SQLite FTS5's `bm25()`: a term's weighted count in text and topics is
    saturated with `K1` and normalised by the memory's length against the
    average (`B`); IDF is floored so a term most memories contain still counts a
    little. Statistics are the user's own, so no other user's memories move a
    score. Equal scores put the more recently updated, then the later added, first.
    Every score returned is above 0.
    """
    documents = found.documents
    if not terms or not documents or not found.memory_ids:
        return []
    average_length = found.total_length / documents or 1.0
    saturation = K1 * (1 - B + B * found.lengths / average_length)
    scores = np.zeros(len(found.memory_ids))
    for t in dict.fromkeys(terms):
        frequency = found.frequencies.get(t)
        if frequency is None:
            continue
        hits = int(np.count_nonzero(frequency))
        idf = max(math.log((documents - hits + 0.5) / (hits + 0.5)), _MIN_IDF)
        scores += idf * frequency * (K1 + 1) / (frequency + saturation)
    kept = np.flatnonzero(scores > 0)
    order = kept[np.lexsort((-found.recency[kept], -scores[kept]))]
    return [(int(i), float(scores[i])) for i in order]


def nearest(query: Matrix, vectors: UserVectors, limit: int | None) -> list[tuple[int, float]]:
    """(row, cosine) of the `limit` rows of `vectors` closest to the unit vector `query`."""
    # einsum, not BLAS: a threaded BLAS wakes its threads for every product (~7 ms).
    scores = np.einsum("ij,j->i", vectors.matrix, query)
    count = scores.size if limit is None else min(limit, scores.size)
    if count == 0:
        return []
    top = np.argpartition(-scores, count - 1)[:count]
    return [(int(i), float(scores[i])) for i in top]


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
    ranked.sort(key=lambda pair: (-pair[1], -recency(pair[0]), _key(pair[0])))
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


def cosine_similarities(vectors: Mapping[str, Matrix]) -> Similarities:
    """Cosines of unit vectors by memory id; None for a memory that has no vector."""

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
