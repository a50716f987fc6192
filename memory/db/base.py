"""The storage protocol every memory backend implements, scoped by user on every call."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Literal, Protocol, runtime_checkable

from memory.schema import MemoryEvent, MemoryOp, UserMemory, WriteContext

OrderBy = Literal["created_at", "updated_at"]


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

    async def ahistory(self: SyncMemoryDb, user_id: str, memory_id: str) -> list[MemoryEvent]:
        return await asyncio.to_thread(self.history, user_id, memory_id)

    async def aclear_all(self: SyncMemoryDb, context: WriteContext) -> int:
        return await asyncio.to_thread(self.clear_all, context)
