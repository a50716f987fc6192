"""Finding memories without a chat model, and which of them a model is shown.

Each operation is one flow (`memory.twins`) over a store and, when there is one, an
embedding model: keyword, semantic and hybrid search, embedding after writes,
re-embedding, and the selection of memories for a prompt within a token budget.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import groupby

from memory.db.base import MemoryDb, MemoryVector, VectorHit, VectorSearch
from memory.embeddings import Embedder, EmbeddingUnavailableError
from memory.ranking import (
    asks_about_present,
    cosine_similarities,
    fuse,
    prefer_newer,
    word_similarities,
)
from memory.schema import (
    EmbeddingMismatchError,
    MemoryEvent,
    MemoryOp,
    UserMemory,
    WriteContext,
)
from memory.twins import Call, Flow

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
    return approx_tokens(memory.memory) + approx_tokens(" ".join(memory.topics)) + 4


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
        fallback_reason: str | None = None,
    ) -> None:
        super().__init__(memories)
        self.method = method
        """The method that ranked these results ("keyword" after a fallback)."""
        self.fallback_reason = fallback_reason


@dataclass(frozen=True)
class PromptMemories:
    """Memories chosen for a prompt, oldest first."""

    memories: list[UserMemory]
    complete: bool
    """True when these are all of the user's memories; False when the budget cut some."""
    fallback_reason: str | None = None
    """Why related memories were ranked by keyword although there are embeddings."""


def search(
    db: MemoryDb,
    embedder: Embedder | None,
    user_id: str,
    method: str,
    query: str,
    limit: int | None,
) -> Flow[SearchResult]:
    """Rank the user's memories for `query` by `keyword`, `semantic` or `hybrid`.

    `hybrid` fuses keyword and vector scores (keyword alone without an embedder)
    and puts newer facts on one subject first. When the embedding model fails,
    ranks by keyword and says why in `fallback_reason`; vectors of another model
    raise `EmbeddingMismatchError`.
    """
    if method == "keyword":
        found: list[UserMemory] = yield Call(db, "keyword_search", (user_id, query, limit))
        return SearchResult(found, method=method)
    candidates = None if limit is None else max(limit, CANDIDATES)
    hits: list[VectorHit] = []
    reason = None
    if embedder is not None:
        try:
            hits = yield from _semantic(db, embedder, user_id, query, candidates)
        except EmbeddingUnavailableError as error:
            reason = f"{error}; ranked by keyword instead"
            logger.warning("%s search for user %r fell back to keyword: %s", method, user_id, error)
    if method == "semantic" and reason is None:
        return SearchResult([hit.memory for hit in hits[:limit]], method=method)
    keyword: list[tuple[UserMemory, float]] = yield Call(
        db, "scored_keyword_search", (user_id, query, candidates)
    )
    if method == "semantic":
        return SearchResult(
            [m for m, _ in keyword[:limit]], method="keyword", fallback_reason=reason
        )
    similarities = cosine_similarities(hits) if hits else word_similarities
    semantic = [(hit.memory, hit.score) for hit in hits]
    ranked = prefer_newer(fuse(keyword, semantic), similarities, present=asks_about_present(query))
    return SearchResult(
        [m for m, _ in ranked[:limit]],
        method=method if reason is None else "keyword",
        fallback_reason=reason,
    )


def _semantic(
    db: MemoryDb, embedder: Embedder, user_id: str, query: str, limit: int | None
) -> Flow[list[VectorHit]]:
    """Vector search, first embedding some memories stored while the model was down."""
    vector: list[float] = yield Call(embedder, "embed_query", (query,))
    found: VectorSearch = yield Call(db, "vector_search", (user_id, vector, embedder.model, limit))
    if found.unembedded:
        try:
            missing: list[UserMemory] = yield Call(
                db,
                "unembedded_memories",
                (user_id, embedder.model, len(vector), LAZY_EMBED_LIMIT),
            )
            if (yield from embed(db, embedder, user_id, missing)):
                found = yield Call(db, "vector_search", (user_id, vector, embedder.model, limit))
        except EmbeddingUnavailableError as error:
            logger.warning("could not embed memories of user %r: %s", user_id, error)
    return found.hits


def embed(
    db: MemoryDb, embedder: Embedder, user_id: str, memories: Sequence[UserMemory]
) -> Flow[int]:
    """Embed and store the vectors of some of one user's memories; returns how many."""
    if not memories:
        return 0
    vectors: list[list[float]] = yield Call(
        embedder, "embed_documents", ([m.memory for m in memories],)
    )
    items = [
        MemoryVector(m.memory_id, m.memory, vector)
        for m, vector in zip(memories, vectors, strict=True)
        if m.memory_id is not None
    ]
    stored: int = yield Call(db, "set_embeddings", (user_id, embedder.model, items))
    return stored


def write(
    db: MemoryDb,
    embedder: Embedder | None,
    user_id: str,
    ops: Sequence[MemoryOp],
    context: WriteContext,
) -> Flow[list[MemoryEvent]]:
    """Apply a batch, then embed the texts it wrote, outside its transaction.

    A failing embedding model costs only the vectors: the memories are stored, and
    a later search or `reembed` embeds them.
    """
    events: list[MemoryEvent] = yield Call(db, "apply", (user_id, ops, context))
    written = [
        UserMemory(memory=e.new_memory, memory_id=e.memory_id)
        for e in events
        if e.new_memory is not None and e.new_memory != e.old_memory
    ]
    if embedder is not None and written:
        try:
            yield from embed(db, embedder, user_id, written)
        except EmbeddingUnavailableError as error:
            logger.warning("stored memories of user %r without vectors: %s", user_id, error)
    return events


def reembed(db: MemoryDb, embedder: Embedder, user_id: str | None, batch_size: int) -> Flow[int]:
    """Embed every memory (of one user, or of all) without a vector from `embedder`."""
    dimensions: int | None = None
    done = 0
    while True:
        batch: list[UserMemory] = yield Call(
            db, "unembedded_memories", (user_id, embedder.model, dimensions, batch_size)
        )
        if not batch:
            return done
        vectors: list[list[float]] = yield Call(
            embedder, "embed_documents", ([m.memory for m in batch],)
        )
        if dimensions not in (None, len(vectors[0])):
            raise EmbeddingUnavailableError("the embedding model changed dimension mid-run")
        dimensions = len(vectors[0])
        stored = 0
        pairs = sorted(zip(batch, vectors, strict=True), key=lambda pair: str(pair[0].user_id))
        for owner, group in groupby(pairs, key=lambda pair: str(pair[0].user_id)):
            items = [MemoryVector(str(m.memory_id), m.memory, v) for m, v in group]
            stored += yield Call(db, "set_embeddings", (owner, embedder.model, items))
        if stored == 0:
            return done  # every text changed while it was embedded; the next run takes them
        done += stored


def select_for_prompt(
    db: MemoryDb,
    embedder: Embedder | None,
    user_id: str,
    text: str,
    token_budget: int = DEFAULT_TOKEN_BUDGET,
) -> Flow[PromptMemories]:
    """All of the user's memories if they fit `token_budget`; else related ones and the newest.

    Related means ranked by hybrid search on `text` with an embedder, else by
    keyword. It never raises for the embedding model: a failure or vectors of
    another model mean keyword ranking, with the reason kept. Never reads more
    than the budget could hold, so the cost is the same for 100 memories or 100,000.
    """
    most = max(1, token_budget // _MIN_TOKENS_PER_MEMORY)
    newest: list[UserMemory] = yield Call(
        db,
        "list_memories",
        (user_id,),
        {"order_by": "updated_at", "newest_first": True, "limit": most + 1},
    )
    if len(newest) <= most and sum(map(memory_tokens, newest)) <= token_budget:
        return PromptMemories(_oldest_first(newest), complete=True)
    query = text[-MAX_QUERY_CHARS:]
    related = SearchResult(method="keyword")
    if query.strip():
        method = "hybrid" if embedder is not None else "keyword"
        try:
            related = yield from search(db, embedder, user_id, method, query, most)
        except EmbeddingMismatchError as error:
            logger.warning("prompt memories of user %r ranked by keyword: %s", user_id, error)
            related = yield from search(db, None, user_id, "keyword", query, most)
            related.fallback_reason = f"{error}; ranked by keyword instead"
    chosen: dict[str | None, UserMemory] = {}
    used = 0
    for pool, limit in (
        (related, token_budget * _RELATED_SHARE),
        (newest, token_budget),
        (related, token_budget),
    ):
        for memory in pool:
            cost = memory_tokens(memory)
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
