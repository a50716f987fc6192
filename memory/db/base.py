"""The storage protocol every memory backend implements, scoped by user on every call."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from memory.schema import MemoryEvent, MemoryOp, UserMemory, WriteContext

OrderBy = Literal["created_at", "updated_at"]


@dataclass(frozen=True)
class MemoryVector:
    """An embedding of one memory's text, stored only while that text is unchanged."""

    memory_id: str
    memory: str
    """The text that was embedded; a memory edited meanwhile keeps no stale vector."""
    vector: Sequence[float]


@dataclass(frozen=True)
class VectorHit:
    memory: UserMemory
    score: float
    """Cosine similarity to the query."""
    vector: npt.NDArray[np.float32]
    """The memory's normalised vector, so callers can compare hits with each other."""


@dataclass(frozen=True)
class VectorSearch:
    hits: list[VectorHit]
    """Best first."""
    unembedded: int
    """How many of the user's memories have no vector yet, and so could not be found."""


class SyncMemoryDb(Protocol):
    """Where memories and their history live.

    Every method takes the owning `user_id` and never touches another user's rows;
    an id that belongs to someone else is reported as not found.
    """

    def apply(
        self, user_id: str, ops: Sequence[MemoryOp], context: WriteContext
    ) -> list[MemoryEvent]:
        """Apply `ops` in order as one transaction: all of them or, on any error, none.

        Raises `MemoryNotFoundError` when a replace or delete names an id the user
        does not have. An add whose normalised text the user already has refreshes
        the existing memory instead of storing it twice.
        """
        ...

    def get(self, user_id: str, memory_id: str) -> UserMemory | None: ...

    def list_memories(
        self,
        user_id: str,
        *,
        order_by: OrderBy = "created_at",
        newest_first: bool = False,
        limit: int | None = None,
    ) -> list[UserMemory]: ...

    def keyword_search(self, user_id: str, query: str, limit: int | None) -> list[UserMemory]:
        """Memories ranked by BM25 over text and topics, best first; never parses query syntax."""
        ...

    def scored_keyword_search(
        self, user_id: str, query: str, limit: int | None
    ) -> list[tuple[UserMemory, float]]:
        """`keyword_search` with each memory's BM25 score (higher is better), for fusion."""
        ...

    def set_embeddings(self, user_id: str, model: str, vectors: Sequence[MemoryVector]) -> int:
        """Store vectors made by `model`, replacing older ones; returns how many were kept.

        A vector whose memory is gone or whose text changed since it was embedded is
        dropped, so a slow embedder racing an edit never leaves a stale vector.
        """
        ...

    def unembedded_memories(
        self, user_id: str | None, model: str, dimensions: int | None, limit: int
    ) -> list[UserMemory]:
        """Memories (of one user, or of everyone) with no vector from `model` in `dimensions`."""
        ...

    def vector_search(
        self, user_id: str, vector: Sequence[float], model: str, limit: int | None
    ) -> VectorSearch:
        """The user's memories ranked by cosine similarity to `vector`.

        Raises `EmbeddingMismatchError` when some of the user's vectors come from
        another model or dimension: they cannot be compared until re-embedded.
        """
        ...

    def history(self, user_id: str, memory_id: str) -> list[MemoryEvent]:
        """Every recorded change to one memory, oldest first, also after it was deleted."""
        ...

    def clear_all(self, context: WriteContext) -> int:
        """Remove every user's memories; returns how many were removed."""
        ...


@runtime_checkable
class MemoryDb(SyncMemoryDb, Protocol):
    """A `SyncMemoryDb` with an async twin of every method, for use inside event loops."""

    async def aapply(
        self, user_id: str, ops: Sequence[MemoryOp], context: WriteContext
    ) -> list[MemoryEvent]: ...

    async def aget(self, user_id: str, memory_id: str) -> UserMemory | None: ...

    async def alist_memories(
        self,
        user_id: str,
        *,
        order_by: OrderBy = "created_at",
        newest_first: bool = False,
        limit: int | None = None,
    ) -> list[UserMemory]: ...

    async def akeyword_search(
        self, user_id: str, query: str, limit: int | None
    ) -> list[UserMemory]: ...

    async def ascored_keyword_search(
        self, user_id: str, query: str, limit: int | None
    ) -> list[tuple[UserMemory, float]]: ...

    async def aset_embeddings(
        self, user_id: str, model: str, vectors: Sequence[MemoryVector]
    ) -> int: ...

    async def aunembedded_memories(
        self, user_id: str | None, model: str, dimensions: int | None, limit: int
    ) -> list[UserMemory]: ...

    async def avector_search(
        self, user_id: str, vector: Sequence[float], model: str, limit: int | None
    ) -> VectorSearch: ...

    async def ahistory(self, user_id: str, memory_id: str) -> list[MemoryEvent]: ...

    async def aclear_all(self, context: WriteContext) -> int: ...


class ThreadedAsync:
    """Async twins for a backend whose sync calls are local and short (SQLite).

    They run the sync method in a worker thread so an event loop is never blocked,
    instead of keeping a second copy of every query.
    """

    async def aapply(
        self: SyncMemoryDb, user_id: str, ops: Sequence[MemoryOp], context: WriteContext
    ) -> list[MemoryEvent]:
        return await asyncio.to_thread(self.apply, user_id, ops, context)

    async def aget(self: SyncMemoryDb, user_id: str, memory_id: str) -> UserMemory | None:
        return await asyncio.to_thread(self.get, user_id, memory_id)

    async def alist_memories(
        self: SyncMemoryDb,
        user_id: str,
        *,
        order_by: OrderBy = "created_at",
        newest_first: bool = False,
        limit: int | None = None,
    ) -> list[UserMemory]:
        return await asyncio.to_thread(
            self.list_memories,
            user_id,
            order_by=order_by,
            newest_first=newest_first,
            limit=limit,
        )

    async def akeyword_search(
        self: SyncMemoryDb, user_id: str, query: str, limit: int | None
    ) -> list[UserMemory]:
        return await asyncio.to_thread(self.keyword_search, user_id, query, limit)

    async def ascored_keyword_search(
        self: SyncMemoryDb, user_id: str, query: str, limit: int | None
    ) -> list[tuple[UserMemory, float]]:
        return await asyncio.to_thread(self.scored_keyword_search, user_id, query, limit)

    async def aset_embeddings(
        self: SyncMemoryDb, user_id: str, model: str, vectors: Sequence[MemoryVector]
    ) -> int:
        return await asyncio.to_thread(self.set_embeddings, user_id, model, vectors)

    async def aunembedded_memories(
        self: SyncMemoryDb, user_id: str | None, model: str, dimensions: int | None, limit: int
    ) -> list[UserMemory]:
        return await asyncio.to_thread(self.unembedded_memories, user_id, model, dimensions, limit)

    async def avector_search(
        self: SyncMemoryDb, user_id: str, vector: Sequence[float], model: str, limit: int | None
    ) -> VectorSearch:
        return await asyncio.to_thread(self.vector_search, user_id, vector, model, limit)

    async def ahistory(self: SyncMemoryDb, user_id: str, memory_id: str) -> list[MemoryEvent]:
        return await asyncio.to_thread(self.history, user_id, memory_id)

    async def aclear_all(self: SyncMemoryDb, context: WriteContext) -> int:
        return await asyncio.to_thread(self.clear_all, context)
