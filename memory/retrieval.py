"""Finding memories without a chat model, and which of them a model is shown.

Keyword, semantic and hybrid search, embedding after writes, re-embedding, and the
selection of memories for a prompt within a token budget: each written once over
a `MemoryReader` (reads) and a `MemoryWriter` (a backend in one scope, with its
`Embedder` when there is one), and run blocking or awaited (`memory.twins`).
Backends only store and find candidates; every score is computed here, by
`memory.ranking`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from memory.db.base import ListQuery, MemoryDb, MemoryVector, MissingVectors, Scope, WriteBatch
from memory.db.vectors import as_vector, normalised
from memory.db.view import MemoryReader
from memory.embeddings import Embedder
from memory.errors import EmbeddingMismatchError, EmbeddingUnavailableError, InvalidInputError
from memory.periods import Period, named_periods
from memory.ranking import (
    Ranked,
    Spread,
    asked_time,
    bm25,
    bm25_ceiling,
    cosine_similarities,
    dated_share,
    fuse,
    nearest,
    prefer_by_time,
    recency,
    word_similarities,
)
from memory.schema import MemoryEvent, MemoryOp, UserMemory, WriteContext
from memory.telemetry import NO_USAGE, TokenUsage, for_user
from memory.text import query_terms
from memory.twins import Io

if TYPE_CHECKING:
    from memory.db.base import Matrix

logger = logging.getLogger(__name__)

DEFAULT_TOKEN_BUDGET = 2_000
"""About 100 typical memories: enough to personalise, small next to a model's context."""
_MIN_TOKENS_PER_MEMORY = 8
_RELATED_SHARE = 2 / 3
"""Of a full budget, the share kept for memories related to the input; the newest get the rest."""
MAX_QUERY_CHARS = 10_000
CANDIDATES = 50
"""How many memories each ranking contributes to a hybrid search, at least."""
LAZY_EMBED_LIMIT = 100
"""Memories without a vector embedded by one search; `reembed` does the rest in bulk."""


def approx_tokens(text: str) -> int:
    """A provider-neutral estimate: about four characters a token for English text."""
    return len(text) // 4 + 1


def memory_tokens(memory: UserMemory) -> int:
    """`approx_tokens` of the text and of the topics, and 4 for the line around them
    (written out: a prompt costs every memory it considers)."""
    return len(memory.memory) // 4 + len(" ".join(memory.topics)) // 4 + 6


class SearchResult(list[UserMemory]):
    """Memories found by a search, best first, and how they were found.

    A plain list to code that expects one; `fallback_reason` is set when the asked
    method could not run (the embedding model failed or timed out) and the results
    come from keyword search instead.
    """

    def __init__(
        self,
        memories: Iterable[UserMemory] = (),
        *,
        method: str,
        scores: Sequence[float] | None = None,
        fallback_reason: str | None = None,
        usage: TokenUsage = NO_USAGE,
    ) -> None:
        super().__init__(memories)
        self.method = method
        """The method that ranked these results ("keyword" after a fallback)."""
        self.scores = None if scores is None else list(scores)
        """Each result's score, higher is better: BM25 for keyword, for semantic the cosine
        centred on the user's memories (a store's own index gives its plain cosine),
        the fused score for hybrid (see `memory.ranking.fuse`); None for last_n,
        first_n and agentic."""
        self.fallback_reason = fallback_reason
        self.input_tokens = usage.input_tokens
        """Tokens the search model read (agentic search only; 0 for the others)."""
        self.output_tokens = usage.output_tokens


def _result(ranked: Ranked, method: str, limit: int | None, reason: str | None) -> SearchResult:
    kept = ranked[:limit]
    return SearchResult(
        [m for m, _ in kept], method=method, scores=[s for _, s in kept], fallback_reason=reason
    )


@dataclass(frozen=True)
class PromptMemories:
    """Memories chosen for a prompt, oldest first."""

    memories: list[UserMemory]
    complete: bool
    """True when these are all of the user's memories; False when the budget cut some."""
    fallback_reason: str | None = None
    """Why related memories were ranked by keyword although there are embeddings."""

    @property
    def tokens(self) -> int:
        """The approximate tokens these memories take in a prompt (what the budget counts)."""
        return sum(map(memory_tokens, self.memories))


@dataclass(frozen=True)
class _VectorHit:
    memory: UserMemory
    score: float
    vector: Matrix | None
    """The memory's unit vector, so hits can be compared with each other; None when the
    store's own index found it (`MemoryDb.semantic_ranking`)."""


async def _fetch(
    io: Io, reader: MemoryReader, user_id: str, memory_ids: list[str]
) -> dict[str, UserMemory]:
    found = await io.call(reader.get_memories, reader.aget_memories, user_id, memory_ids)
    return {m.memory_id: m for m in found if m.memory_id is not None}


async def keyword_ranking(
    io: Io, reader: MemoryReader, user_id: str, query: str, limit: int | None
) -> Ranked:
    """The user's memories that share a term with `query`, by BM25, best first."""
    scored = await _keyword_scores(io, reader, user_id, query, limit, share=False)
    return await _fetched(io, reader, user_id, scored.scores)


@dataclass(frozen=True)
class _KeywordScores:
    scores: list[tuple[str, float]]
    """(memory id, score) of the best memories that share a term with the query, best first."""
    also: dict[str, float]
    """The scores of the memories asked for by id, wherever they rank (0 if no match)."""
    dated: list[tuple[Period, float]]
    """Each period the query names, and the share of the query a memory written in it
    matches besides its words (`memory.ranking.dated_share`)."""


async def _keyword_scores(
    io: Io,
    reader: MemoryReader,
    user_id: str,
    query: str,
    limit: int | None,
    *,
    share: bool,
    also: Sequence[str] = (),
) -> _KeywordScores:
    """BM25 of the user's `limit` best memories for `query`, and of those in `also`; with
    `share`, each score is the share of the query matched (over `bm25_ceiling`), and the
    periods the query names are weighed."""
    terms = query_terms(query)
    if not terms:
        return _KeywordScores([], {}, [])
    found = await io.call(reader.keyword_candidates, reader.akeyword_candidates, user_id, terms)
    scale = bm25_ceiling(terms, found) if share else 1.0
    ranked = bm25(terms, found)
    scores = [(found.memory_ids[i], score / scale) for i, score in ranked[:limit]]
    wanted: dict[str, float] = {}
    if also:
        by_row = dict(ranked)
        rows = dict(zip(found.memory_ids, range(len(found.memory_ids)), strict=True))
        wanted = {key: by_row.get(rows[key], 0.0) / scale for key in also if key in rows}
    periods = named_periods(query) if share else []
    dated = [(period, dated_share(period.terms, terms, found)) for period in periods]
    return _KeywordScores(scores, wanted, dated)


async def _fetched(
    io: Io, reader: MemoryReader, user_id: str, scored: list[tuple[str, float]]
) -> Ranked:
    memories = await _fetch(io, reader, user_id, [memory_id for memory_id, _ in scored])
    # A memory deleted between the two reads is simply not found.
    return [(memories[memory_id], s) for memory_id, s in scored if memory_id in memories]


def mismatch(
    user_id: str, foreign: tuple[str, int, int], model: str, dimensions: int
) -> EmbeddingMismatchError:
    """The error for a user whose stored vectors another model (or dimension) made."""
    other_model, other_dimensions, count = foreign
    return EmbeddingMismatchError(
        f"{count} memories of user {user_id!r} were embedded by {other_model!r} "
        f"({other_dimensions} dimensions), but this Memory embeds with {model!r} "
        f"({dimensions} dimensions); run `memory-agent memories reembed` with it to "
        "recompute them (no memory is lost meanwhile)"
    )


@dataclass(frozen=True)
class _VectorSearch:
    """What one vector search found, and what fusion needs to calibrate its cosines."""

    hits: list[_VectorHit]
    """Best first."""
    spread: Spread
    """Of the query's cosines with all the user's memories that have a vector."""
    unembedded: int
    """How many of the user's memories have no vector."""


async def _nearest(
    io: Io, reader: MemoryReader, model: str, user_id: str, query: Matrix, limit: int | None
) -> _VectorSearch:
    vectors = await io.call(reader.vectors, reader.avectors, user_id, model, query.size)
    if vectors.foreign is not None:
        raise mismatch(user_id, vectors.foreign, model, query.size)
    rows, spread = nearest(query, vectors, limit)
    memories = await _fetch(io, reader, user_id, [vectors.memory_ids[row] for row, _ in rows])
    hits = [
        _VectorHit(memories[vectors.memory_ids[row]], score, vectors.matrix[row])
        for row, score in rows
        if vectors.memory_ids[row] in memories
    ]
    hits.sort(key=lambda hit: (-hit.score, -recency(hit.memory), hit.memory.memory_id or ""))
    return _VectorSearch(hits, spread, vectors.unembedded)


async def _semantic(
    io: Io, reader: MemoryReader, writer: MemoryWriter, user_id: str, query: str, limit: int | None
) -> _VectorSearch:
    """Vector search, first embedding some memories stored while the model was down; or
    the store's own, when it embeds memories itself."""
    if reader.semantic_index:
        return await _indexed(io, reader, user_id, query, limit)
    embedder = writer.embedder
    assert embedder is not None
    vector = await io.call(embedder.embed_query, embedder.aembed_query, query)
    unit = normalised(as_vector(vector))
    found = await _nearest(io, reader, embedder.model, user_id, unit, limit)
    if found.unembedded:
        try:
            wanted = MissingVectors(embedder.model, unit.size, LAZY_EMBED_LIMIT)
            missing = await io.call(reader.unembedded, reader.aunembedded, user_id, wanted)
            if await writer.embed(io, user_id, missing):
                found = await _nearest(io, reader, embedder.model, user_id, unit, limit)
        except EmbeddingUnavailableError as error:
            logger.warning(
                "could not embed memories%s: %s", for_user(logger, user_id), error, exc_info=True
            )
    return found


async def _indexed(
    io: Io, reader: MemoryReader, user_id: str, query: str, limit: int | None
) -> _VectorSearch:
    """The store's own semantic search. It returns its nearest memories only, so their
    cosines stand in for the spread of all of the user's (fusion calibrates by it)."""
    found = await io.call(reader.semantic_ranking, reader.asemantic_ranking, user_id, query, limit)
    hits = [_VectorHit(memory, score, None) for memory, score in found]
    hits.sort(key=lambda hit: (-hit.score, -recency(hit.memory), hit.memory.memory_id or ""))
    cosines = np.array([hit.score for hit in hits], dtype=np.float64)
    spread = Spread(float(cosines.mean()), float(cosines.std())) if hits else Spread(0.0, 0.0)
    return _VectorSearch(hits, spread, 0)


async def search(
    io: Io,
    reader: MemoryReader,
    writer: MemoryWriter,
    user_id: str,
    method: str,
    query: str,
    limit: int | None,
) -> SearchResult:
    """Rank the user's memories for `query` by `keyword`, `semantic` or `hybrid`.

    `hybrid` fuses calibrated keyword and vector scores (keyword alone without an
    embedder) and orders facts on one subject by time as the query asks
    (`memory.ranking.prefer_by_time`). When the embedding model fails, ranks by
    keyword and says why in `fallback_reason`; vectors of another model raise
    `EmbeddingMismatchError`.
    """
    if method == "keyword":
        ranked = await keyword_ranking(io, reader, user_id, query, limit)
        return _result(ranked, method, None, None)
    candidates = None if limit is None else max(limit, CANDIDATES)
    found: _VectorSearch | None = None
    reason = None
    if writer.embedder is not None or reader.semantic_index:
        try:
            found = await _semantic(io, reader, writer, user_id, query, candidates)
        except EmbeddingUnavailableError as error:
            reason = f"{error}; ranked by keyword instead"
            logger.warning(
                "%s search%s fell back to keyword: %s",
                method,
                for_user(logger, user_id),
                error,
                exc_info=True,
            )
    hits = found.hits if found is not None else []
    semantic = [(hit.memory, hit.score) for hit in hits]
    if method == "semantic" and reason is None:
        return _result(semantic, method, limit, None)
    if method == "semantic":
        keyword = await keyword_ranking(io, reader, user_id, query, candidates)
        return _result(keyword, "keyword", limit, reason)
    # A memory found by meaning whose keyword rank is past the candidates still gets
    # the keyword part of its score.
    matched = await _keyword_scores(
        io, reader, user_id, query, candidates, share=True, also=[_id(m) for m, _ in semantic]
    )
    keyword = await _fetched(io, reader, user_id, matched.scores)
    shares = {**matched.also, **dict(matched.scores)}
    if matched.dated:
        # A memory written in a period the query names matches the words that name it.
        pool = {_id(memory): memory for memory, _ in [*keyword, *semantic]}
        for key, memory in pool.items():
            shares[key] = shares.get(key, 0.0) + _dated_share(memory, matched.dated)
        keyword = [(memory, shares[_id(memory)]) for memory, _ in keyword]
    vectors = {str(hit.memory.memory_id): hit.vector for hit in hits if hit.vector is not None}
    similarities = cosine_similarities(vectors) if vectors else word_similarities
    spread = found.spread if found is not None else None
    fused = fuse(keyword, semantic, spread, shares=shares)
    ranked = prefer_by_time(fused, similarities, asked_time(query))
    return _result(ranked, method if reason is None else "keyword", limit, reason)


def _id(memory: UserMemory) -> str:
    return str(memory.memory_id)


def _dated_share(memory: UserMemory, dated: list[tuple[Period, float]]) -> float:
    written = memory.created_at or memory.updated_at
    if written is None:
        return 0.0
    return max((share for period, share in dated if period.holds(written)), default=0.0)


@dataclass(frozen=True)
class MemoryWriter:
    """Where one `Memory`'s writes go: its backend, in its scope, and the embedder (if any)
    that vectors the texts they write."""

    db: MemoryDb
    scope: Scope
    embedder: Embedder | None = None

    async def write(
        self, io: Io, user_id: str, ops: Sequence[MemoryOp], context: WriteContext
    ) -> list[MemoryEvent]:
        """Apply a batch, then embed the texts it wrote, outside its transaction.

        A failing embedding model costs only the vectors: the memories are stored, and
        a later search or `reembed` embeds them.
        """
        db = self.db
        writes = WriteBatch(ops, context)
        events = await io.call(db.apply, db.aapply, user_id, writes, scope=self.scope)
        if self.embedder is None:
            return events
        written = [
            UserMemory(memory=e.new_memory, memory_id=e.memory_id)
            for e in events
            if e.new_memory is not None and e.new_memory != e.old_memory
        ]
        try:
            await self.embed(io, user_id, written)
        except EmbeddingUnavailableError as error:
            logger.warning(
                "stored memories%s without vectors: %s",
                for_user(logger, user_id),
                error,
                exc_info=True,
            )
        return events

    async def embed(self, io: Io, user_id: str, memories: Sequence[UserMemory]) -> int:
        """Embed and store the vectors of some of one user's memories; returns how many."""
        embedder = self.embedder
        if not memories or embedder is None:
            return 0
        vectors = await io.call(
            embedder.embed_documents, embedder.aembed_documents, [m.memory for m in memories]
        )
        items = [
            MemoryVector(m.memory_id, m.memory, vector, embedder.model)
            for m, vector in zip(memories, vectors, strict=True)
            if m.memory_id is not None
        ]
        return await self._store(io, user_id, items)

    async def _store(self, io: Io, user_id: str, items: Sequence[MemoryVector]) -> int:
        db = self.db
        return await io.call(db.set_vectors, db.aset_vectors, user_id, items, scope=self.scope)

    async def reembed(self, io: Io, user_id: str | None, batch_size: int) -> int:
        """Embed every memory (of one user, or of all) without a vector from the embedder."""
        db, scope, embedder = self.db, self.scope, self.embedder
        if embedder is None:
            raise InvalidInputError("reembedding needs embeddings: Memory(embeddings=...)")
        users = (
            [user_id]
            if user_id is not None
            else await io.call(db.user_ids, db.auser_ids, scope=scope)
        )
        dimensions: int | None = None
        done = 0
        for user in users:
            while True:
                missing = MissingVectors(embedder.model, dimensions, batch_size)
                batch = await io.call(db.unembedded, db.aunembedded, user, missing, scope=scope)
                if not batch:
                    break
                vectors = await io.call(
                    embedder.embed_documents, embedder.aembed_documents, [m.memory for m in batch]
                )
                if dimensions not in (None, len(vectors[0])):
                    raise EmbeddingUnavailableError("the embedding model changed dimension mid-run")
                dimensions = len(vectors[0])
                items = [
                    MemoryVector(str(m.memory_id), m.memory, v, embedder.model)
                    for m, v in zip(batch, vectors, strict=True)
                ]
                stored = await self._store(io, user, items)
                if stored == 0:
                    break  # every text changed while it was embedded; the next run takes them
                done += stored
        return done


async def select_for_prompt(
    io: Io,
    reader: MemoryReader,
    writer: MemoryWriter,
    user_id: str,
    text: str,
    token_budget: int = DEFAULT_TOKEN_BUDGET,
) -> PromptMemories:
    """All of the user's memories if they fit `token_budget`; else related ones and the newest.

    Related means ranked by hybrid search on `text` with an embedder, else by
    keyword. It never raises for the embedding model: a failure or vectors of
    another model mean keyword ranking, with the reason kept. Never reads more
    than the budget could hold, so the cost is the same for 100 memories or 100,000.
    """
    most = max(1, token_budget // _MIN_TOKENS_PER_MEMORY)
    newest_first = ListQuery("updated_at", newest_first=True, limit=most + 1)
    newest = await io.call(reader.list_memories, reader.alist_memories, user_id, newest_first)
    if len(newest) <= most and sum(map(memory_tokens, newest)) <= token_budget:
        return PromptMemories(_oldest_first(newest), complete=True)
    query = text[-MAX_QUERY_CHARS:]
    related = SearchResult(method="keyword")
    if query.strip():
        method = "hybrid" if writer.embedder is not None or reader.semantic_index else "keyword"
        try:
            related = await search(io, reader, writer, user_id, method, query, most)
        except EmbeddingMismatchError as error:
            logger.warning("prompt memories ranked by keyword: %s", error)
            related = await search(io, reader, writer, user_id, "keyword", query, most)
            related.fallback_reason = f"{error}; ranked by keyword instead"
    chosen: dict[str | None, UserMemory] = {}
    used = 0
    ranked = [(memory, memory_tokens(memory)) for memory in related]  # costed once, seen twice
    for pool, limit in (
        (ranked, token_budget * _RELATED_SHARE),
        (((memory, memory_tokens(memory)) for memory in newest), token_budget),
        (ranked, token_budget),
    ):
        for memory, cost in pool:
            if memory.memory_id not in chosen and used + cost <= limit:
                chosen[memory.memory_id] = memory
                used += cost
    return PromptMemories(
        _oldest_first(list(chosen.values())),
        complete=False,
        fallback_reason=related.fallback_reason,
    )


def _oldest_first(memories: list[UserMemory]) -> list[UserMemory]:
    return sorted(memories, key=lambda m: (m.created_at is None, m.created_at))
