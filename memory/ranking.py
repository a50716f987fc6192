"""Ranking rules without I/O, the same for every backend: BM25 over a user's own statistics,
cosine similarity, their fusion, and the order of facts on one subject by when they were written."""

from __future__ import annotations

import math
import re
import weakref
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np

from memory.db.base import KeywordCandidates, UserVectors
from memory.schema import UserMemory
from memory.text import content_words

if TYPE_CHECKING:
    from memory.db.base import Floats, Matrix

K1 = 1.2
B = 0.75
_MIN_IDF = 1e-6
"""FTS5's floor for a word found in most documents: it still counts, barely."""
KEYWORD_WEIGHT = 6.0
"""What matching the whole query by keyword is worth, in standard deviations of cosine.

A hybrid score is a memory's cosine z-score (centred cosines, against all the user's
memories; see `nearest`) plus this times the share of the query's BM25 weight it matches
(`bm25_ceiling`). Both parts are calibrated, so how much each ranking decides adapts to
the query and the collection: cosine when one memory stands out from the user's others,
keywords when the query's rare words are found; min-max scaling, by contrast, stretches
the best cosine to 1 however flat the cosines are, and the best keyword match to 1
however little of the query it matches; reciprocal rank fusion ranked worse on every
eval set (`benchmarks/fusion_compare.py`). A share rarely passes 0.5 (a matched word
counts (K1 + 1) times in the ceiling, and once or twice in a memory), so 6 makes a
memory that matches the query's rarer half of words about three standard deviations
better: as much as one that stands out by meaning. Chosen on two LoCoMo conversations
(26 and 30; weights 2 to 8) and checked on the three others (41, 42, 43), where it
also had the best recall@5 on both chat turns and observations; see benchmarks/RESULTS.md
for the figures."""
SUBJECT_POOL = 20
"""How many of the best results are compared with each other to find facts on one subject."""
SAME_SUBJECT_Z = 0.5
"""A memory's closest must also be closer than most pairs in the pool (in standard
deviations), or every memory would have a subject-mate, however unlike it."""
RESTATED_TOP = 5
"""Positions whose memory a newer (or, asked "before", older) one on its subject replaces."""
MAX_SCORE_GAP = KEYWORD_WEIGHT
"""How far below the best result (in hybrid score) a memory may be and still move up, so
a fact on the subject of a top result that does not answer the question stays put: what
matching the whole query by keyword is worth, so the gap grows with the keyword part of
the scores. On the eval sets (e5, keyword weight 3), 3 put a right memory first instead
of a wrong one in 39 queries and never the reverse; 2.5 did so in 36, and 3.5 also
replaced one right answer."""
SAME_CONVERSATION = 3600.0
"""Seconds within which two memories count as one conversation (a message and its reply),
not as a fact and a later change of it. Without it, replies were put first in place of
the right answer twice on the chat eval sets."""
EQUAL_SCORE = 0.1
"""Hybrid scores closer than this count as equal (a tenth of a standard deviation)."""

# Words that ask about the present state ("where does she work now?"). English only.
_PRESENT = re.compile(
    r"\b(now|nowadays|currently|current|still|anymore|any more|latest|presently|these days|"
    r"at the moment|at present|today)\b",
    re.IGNORECASE,
)
# Words that ask about an earlier state ("where did she live before Leith?"). English only.
_BEFORE = re.compile(
    r"\b(before|previous|previously|used to|formerly|former|originally|at first|first|"
    r"earlier|back then|ago)\b",
    re.IGNORECASE,
)
# Questions that date one event ("when did he sell the boat?"). English only.
_WHEN = re.compile(r"\bwhen (did|was|were|had)\b", re.IGNORECASE)

AskedTime = Literal["now", "before", "when", "any"]
"""Which of several facts on one subject a question wants first."""


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
    Every score returned is above 0, whatever the statistics (`_consistent`).
    """
    if not terms or not found.memory_ids:
        return []
    documents, average_length = _consistent(found)
    lengths = np.maximum(found.lengths, 0.0)
    saturation = K1 * (1 - B + B * lengths / average_length)
    scores = np.zeros(len(found.memory_ids))
    for t in dict.fromkeys(terms):
        frequency = found.frequencies.get(t)
        if frequency is None:
            continue
        frequency = np.maximum(frequency, 0.0)
        idf = _idf(documents, int(np.count_nonzero(frequency)))
        scores += idf * frequency * (K1 + 1) / (frequency + saturation)
    kept = np.flatnonzero(scores > 0)
    order = kept[np.lexsort((-found.recency[kept], -scores[kept]))]
    return [(int(i), float(scores[i])) for i in order]


def bm25_ceiling(terms: Sequence[str], found: KeywordCandidates) -> float:
    """The BM25 score no memory reaches: every query term, infinitely often.

    A match's score divided by this is the share of the query it matches, weighted
    by how rare each word is among the user's memories; a query word no memory
    holds counts as fully rare. Unlike a division by the best match, a weak best
    match stays weak.
    """
    documents, _ = _consistent(found)
    return sum(_term_idf(t, found, documents) * (K1 + 1) for t in dict.fromkeys(terms))


def dated_share(
    period_terms: Sequence[str], terms: Sequence[str], found: KeywordCandidates
) -> float:
    """The share of the query (`terms`) that a memory written in a period it names matches.

    A memory's date counts as words of it: the words of the query that name the
    period (`memory.periods`), each once, in a memory of average length, where
    BM25 weighs a word at its IDF. So a date is worth what its words are worth,
    rare or common among the user's memories, as any other word of the query.
    """
    ceiling = bm25_ceiling(terms, found)
    if ceiling <= 0:
        return 0.0
    documents, _ = _consistent(found)
    return sum(_term_idf(t, found, documents) for t in dict.fromkeys(period_terms)) / ceiling


def _term_idf(term: str, found: KeywordCandidates, documents: int) -> float:
    frequency = found.frequencies.get(term)
    return _idf(documents, 0 if frequency is None else int(np.count_nonzero(frequency)))


def _consistent(found: KeywordCandidates) -> tuple[int, float]:
    """The user's memory count and average length, made to agree with the candidates.

    A backend reads statistics and candidates in one snapshot, so they agree; should
    they not (a store without snapshots, a count lowered by a sweep), the candidates
    themselves are a lower bound of the statistics, and ranking still works on them.
    """
    documents = max(found.documents, len(found.memory_ids), 1)
    total_length = max(float(found.total_length), float(np.maximum(found.lengths, 0.0).sum()))
    average_length = total_length / documents
    return documents, average_length if average_length > 0 else 1.0


def _idf(documents: int, hits: int) -> float:
    """BM25's IDF, floored at `_MIN_IDF`; defined for any counts (hits beyond documents
    count as found in every memory)."""
    hits = max(hits, 0)
    documents = max(documents, hits)
    return max(math.log((documents - hits + 0.5) / (hits + 0.5)), _MIN_IDF)


@dataclass(frozen=True)
class Spread:
    """Mean and standard deviation of a query's cosine with every memory of the user."""

    mean: float
    std: float


@dataclass(frozen=True)
class _Centre:
    """A user's mean vector, and each row's dot product with it and distance from it."""

    mean: Floats
    to_mean: Floats
    distances: Floats


_CENTRES: dict[int, tuple[weakref.ref[Matrix], _Centre]] = {}
"""Centres of the matrices searched lately, by matrix: backends keep a user's vectors
between searches, so the centre is computed once per change of the user's vectors."""
_CENTRES_KEPT = 64
_AT_THE_MEAN = 1e-6
"""A squared distance from the mean below this is rounding: the row is the mean."""


def _centre(vectors: UserVectors) -> _Centre:
    """The centre of `vectors`, remembered while its matrix lives.

    The mean is summed in memory-id order, so backends that store rows in another
    order get the same centre to the bit.
    """
    matrix = vectors.matrix
    found = _CENTRES.get(id(matrix))
    if found is not None and found[0]() is matrix:
        return found[1]
    order = sorted(range(len(vectors.memory_ids)), key=vectors.memory_ids.__getitem__)
    mean = matrix[order].mean(axis=0, dtype=np.float64)
    to_mean = np.einsum("ij,j->i", matrix, mean.astype(np.float32)).astype(np.float64)
    squares = np.einsum("ij,ij->i", matrix, matrix).astype(np.float64)
    squared = squares - 2 * to_mean + mean @ mean
    # Below float32's rounding of these sums, a row is the mean itself.
    distances = np.sqrt(np.where(squared > _AT_THE_MEAN, squared, 0.0))
    centre = _Centre(mean, to_mean, distances)
    if len(_CENTRES) >= _CENTRES_KEPT:
        _CENTRES.clear()
    _CENTRES[id(matrix)] = (weakref.ref(matrix), centre)
    return centre


def nearest(
    query: Matrix, vectors: UserVectors, limit: int | None
) -> tuple[list[tuple[int, float]], Spread]:
    """(row, centred cosine) of the `limit` rows of `vectors` closest to the unit vector
    `query`, and the spread of the centred cosines of all rows.

    Centred: the query and every row minus the mean of the user's rows, then the
    cosine. Embedding models put all texts in a narrow cone (e5's cosines mostly lie
    between 0.7 and 0.9), so a raw cosine is much what every text shares; short,
    generic memories ("Cool! What did it look like?") are close to every query and
    crowd out the one that answers it. Centring removes what all of the user's
    memories have in common and compares what is left. With e5 on LoCoMo's chat
    turns (`benchmarks/locomo.py`), recall@5 of vectors alone rose from 0.461 to 0.504.
    A memory equal to the mean (a user with one memory) scores 0.
    """
    if not vectors.memory_ids:
        return [], Spread(0.0, 0.0)
    # einsum, not BLAS: a threaded BLAS wakes its threads for every product (~7 ms).
    cosines = np.einsum("ij,j->i", vectors.matrix, query).astype(np.float64)
    centre = _centre(vectors)
    unit = query.astype(np.float64)
    query_to_mean = float(unit @ centre.mean)
    mean_norm = float(centre.mean @ centre.mean)
    query_distance = math.sqrt(max(float(unit @ unit) - 2 * query_to_mean + mean_norm, 0.0))
    scale = centre.distances * query_distance
    products = cosines - centre.to_mean - query_to_mean + mean_norm
    scores = np.divide(products, scale, out=np.zeros_like(products), where=scale > 0)
    count = scores.size if limit is None else min(limit, scores.size)
    top = np.argpartition(-scores, count - 1)[:count]
    # Sorted, so backends that store rows in another order agree to the bit.
    ordered = np.sort(scores)
    return [(int(i), float(scores[i])) for i in top], Spread(
        float(ordered.mean()), float(ordered.std())
    )


def asked_time(query: str) -> AskedTime:
    """Whether a question asks for the current state, an earlier one, a date, or none of these.

    "now" wins over "before" ("what did she drive before, and now?" asks for both,
    and the current one first).
    """
    if _PRESENT.search(query):
        return "now"
    if _BEFORE.search(query):
        return "before"
    return "when" if _WHEN.search(query) else "any"


def fuse(
    keyword: Ranked,
    semantic: Ranked,
    spread: Spread | None,
    keyword_weight: float = KEYWORD_WEIGHT,
    shares: Mapping[str, float] | None = None,
) -> Ranked:
    """One ranking from keyword and cosine scores, each calibrated, best first.

    `keyword` scores are shares of the query matched (BM25 over `bm25_ceiling`),
    `semantic` scores are cosines, which become z-scores against `spread`; a
    memory's score is its z-score plus `keyword_weight` times its share. `shares`,
    by memory id, adds the shares of matches beyond the best ones in `keyword`, so
    a memory found by meaning whose keyword rank is past them keeps its share.
    A memory only keyword search found gets the lowest z-score of the semantic
    results, an upper bound of its own. Without semantic results the share alone
    ranks. Equal scores put the more recently updated memory first.
    """
    zscores: dict[str, float] = {}
    memories: dict[str, UserMemory] = {}
    for memory, cosine in semantic:
        zscores[_key(memory)] = _zscore(cosine, spread)
        memories[_key(memory)] = memory
    floor = min(zscores.values(), default=0.0)
    shares = {**(shares or {}), **{_key(memory): share for memory, share in keyword}}
    for memory, _ in keyword:
        memories.setdefault(_key(memory), memory)
    ranked = [
        (memory, zscores.get(key, floor) + keyword_weight * shares.get(key, 0.0))
        for key, memory in memories.items()
    ]
    ranked.sort(key=lambda pair: (-pair[1], -recency(pair[0]), _key(pair[0])))
    return ranked


def _zscore(cosine: float, spread: Spread | None) -> float:
    return (cosine - spread.mean) / spread.std if spread is not None and spread.std > 0 else 0.0


def prefer_by_time(ranked: Ranked, similarities: Similarities, asked: AskedTime) -> Ranked:
    """Order facts on one subject by when they were written, as the question asks.

    Two of the best `SUBJECT_POOL` results are on one subject when one is the
    other's closest among them (`SAME_SUBJECT_Z`) and they were not written in
    one conversation.
    Asked about the present ("now", "still"), the newest fact on the subject of a
    top result (`RESTATED_TOP`) moves just above it, if it is itself a match for
    the question (`MAX_SCORE_GAP`): a job, a car or a count that changed. Asked
    "before", the oldest moves up the same way. Asked "when did ...", nothing
    moves: the question dates one statement. Otherwise the newer moves above the
    older only when their scores are otherwise equal (`EQUAL_SCORE`). Each memory
    moves at most once.
    """
    if asked == "when" or not ranked:
        return ranked
    pool = ranked[:SUBJECT_POOL]
    closest = _closest(similarities([memory for memory, _ in pool]))
    times = [recency(memory) for memory, _ in pool]
    scores = [score for _, score in pool]
    floor = scores[0] - MAX_SCORE_GAP

    def replaces(a: int, b: int) -> bool:
        """Whether `b`, ranked below `a`, should move just above it."""
        apart = abs(times[a] - times[b]) >= SAME_CONVERSATION
        if not (apart and (closest[a] == b or closest[b] == a)):
            return False
        if asked == "before":
            return times[b] < times[a] and scores[b] >= floor
        newer = times[b] > times[a]
        return newer and (
            scores[b] >= floor if asked == "now" else scores[a] - scores[b] <= EQUAL_SCORE
        )

    order = list(range(len(pool)))
    moved: set[int] = set()
    wanted = min if asked == "before" else max
    while True:
        for position, a in enumerate(order[:RESTATED_TOP]):
            found = [b for b in order[position + 1 :] if b not in moved and replaces(a, b)]
            if found:
                b = wanted(found, key=times.__getitem__)
                order.remove(b)
                order.insert(position, b)
                moved.add(b)
                break
        else:
            break
    return [pool[i] for i in order] + ranked[SUBJECT_POOL:]


def _closest(matrix: list[list[float | None]]) -> list[int | None]:
    """Each memory's most similar other memory, if unusually similar; else None."""
    pairs = [
        [(value, j) for j, value in enumerate(row) if j != i and value is not None]
        for i, row in enumerate(matrix)
    ]
    values = np.array([value for row in pairs for value, _ in row])
    if values.size == 0 or values.std() == 0:
        return [None] * len(matrix)
    bar = values.mean() + SAME_SUBJECT_Z * values.std()
    found: list[int | None] = []
    for row in pairs:
        value, j = max(row, default=(-math.inf, -1))
        found.append(j if value >= bar else None)
    return found


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
