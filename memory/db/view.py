"""A store seen by one `Memory`: one agent scope, at one moment, narrowed by topic and time.

`Memory` reads and writes through a `MemoryView`, so retrieval, dedupe and the
memory manager, which call the `MemoryDb` protocol without a scope, reach only
the memories of the `Memory`'s agent scope that have not expired. Filters by
topic and update time are applied here, once, above every backend, so every
backend gives the same results for them. They narrow which memories are found,
never their scores: BM25 statistics stay those of all the user's live memories.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

import numpy as np

from memory.db.base import (
    USER_SCOPE,
    KeywordCandidates,
    MemoryDb,
    MemoryVector,
    OrderBy,
    Scope,
    ScoredMemories,
    UserVectors,
)
from memory.errors import InvalidInputError
from memory.planner import SummaryPlan
from memory.schema import (
    EraseResult,
    MemoryEvent,
    MemoryOp,
    PendingMessage,
    PendingThread,
    SessionSummary,
    SummaryEvent,
    UserMemory,
    WriteContext,
    utc,
)
from memory.twins import AWAITING, BLOCKING, Io, run_sync

T = TypeVar("T")

FIRST_PAGE = 100
"""How many a narrowed read asks for at least; it asks for four times more until enough match."""


@dataclass(frozen=True)
class MemoryFilter:
    """Which memories a read keeps: any of some topics, updated within a time window."""

    topics: frozenset[str] | None = None
    """Kept: memories with at least one of these topics (compared ignoring case)."""
    updated_after: datetime | None = None
    """Kept: memories updated at this time or later (UTC)."""
    updated_before: datetime | None = None
    """Kept: memories updated before this time (UTC), so consecutive windows never overlap."""

    @classmethod
    def of(
        cls,
        topics: Iterable[str] | None = None,
        updated_after: datetime | None = None,
        updated_before: datetime | None = None,
    ) -> MemoryFilter:
        """A filter from a call's arguments; refuses what could never match as meant."""
        wanted = None
        if topics is not None:
            if isinstance(topics, str) or not all(isinstance(t, str) for t in topics):
                raise InvalidInputError("topics must be a list of strings")
            wanted = frozenset(t.strip().casefold() for t in topics)
            if not wanted or "" in wanted:
                raise InvalidInputError("topics must name at least one non-empty topic")
        after = None if updated_after is None else _moment(updated_after, "updated_after")
        before = None if updated_before is None else _moment(updated_before, "updated_before")
        if after is not None and before is not None and after >= before:
            raise InvalidInputError("updated_after must be earlier than updated_before")
        return cls(wanted, after, before)

    @property
    def narrows(self) -> bool:
        return self != NO_FILTER

    def matches(self, memory: UserMemory) -> bool:
        updated = memory.updated_at
        after, before = self.updated_after, self.updated_before
        return (
            (self.topics is None or any(t.casefold() in self.topics for t in memory.topics))
            and (after is None or (updated is not None and updated >= after))
            and (before is None or (updated is not None and updated < before))
        )


NO_FILTER = MemoryFilter()


def _moment(value: object, name: str) -> datetime:
    if not isinstance(value, datetime):
        raise InvalidInputError(f"{name} must be a datetime, got {type(value).__name__}")
    return utc(value)


async def _narrowed(
    fetch: Callable[[int | None], Awaitable[list[T]]], keep: Callable[[T], bool], limit: int | None
) -> list[T]:
    """The first `limit` results of `fetch` that `keep` accepts, asking for more until
    enough are kept or the source has no more."""
    asked = None if limit is None else max(4 * limit, FIRST_PAGE)
    while True:
        found = await fetch(asked)
        kept = [item for item in found if keep(item)]
        if asked is None or len(found) < asked or (limit is not None and len(kept) >= limit):
            return kept[:limit]
        asked *= 4


class MemoryView(MemoryDb):
    """`db` as one `Memory` sees it: `scope` on every call, `filter` on every read.

    Writes, history, embedding bookkeeping and pending messages pass through
    unfiltered in the view's agent scope, and session summaries (a user's, whatever
    the agent) untouched. The
    view owns nothing: closing it leaves `db` open. Its methods take no scope of
    their own; passing one is refused.
    """

    def __init__(self, db: MemoryDb, scope: Scope, filter: MemoryFilter = NO_FILTER) -> None:
        self.db = db
        self.scope = scope
        self.filter = filter

    @property
    def semantic_index(self) -> bool:
        return self.db.semantic_index

    # -- each operation once, run blocking or awaited -------------------------------

    async def _list(
        self, io: Io, user_id: str, order_by: OrderBy, newest_first: bool, limit: int | None
    ) -> list[UserMemory]:
        async def fetch(asked: int | None) -> list[UserMemory]:
            return await io.call(
                self.db.list_memories,
                self.db.alist_memories,
                user_id,
                order_by=order_by,
                newest_first=newest_first,
                limit=asked,
                scope=self.scope,
            )

        if not self.filter.narrows:
            return await fetch(limit)
        return await _narrowed(fetch, self.filter.matches, limit)

    async def _get(self, io: Io, user_id: str, memory_ids: Sequence[str]) -> list[UserMemory]:
        found = await io.call(
            self.db.get_memories, self.db.aget_memories, user_id, memory_ids, scope=self.scope
        )
        return [m for m in found if self.filter.matches(m)]

    async def _kept_ids(self, io: Io, user_id: str, memory_ids: list[str]) -> np.ndarray:
        """A mask over `memory_ids`: which of them the filter keeps."""
        kept = {m.memory_id for m in await self._get(io, user_id, memory_ids)}
        return np.array([memory_id in kept for memory_id in memory_ids], dtype=bool)

    async def _keyword_candidates(
        self, io: Io, user_id: str, terms: Sequence[str]
    ) -> KeywordCandidates:
        found = await io.call(
            self.db.keyword_candidates,
            self.db.akeyword_candidates,
            user_id,
            terms,
            scope=self.scope,
        )
        if not self.filter.narrows or not found.memory_ids:
            return found
        mask = await self._kept_ids(io, user_id, found.memory_ids)
        return KeywordCandidates(
            documents=found.documents,
            total_length=found.total_length,
            memory_ids=[i for i, kept in zip(found.memory_ids, mask, strict=True) if kept],
            recency=found.recency[mask],
            lengths=found.lengths[mask],
            frequencies={term: column[mask] for term, column in found.frequencies.items()},
        )

    async def _vectors(self, io: Io, user_id: str, model: str, dimensions: int) -> UserVectors:
        found = await io.call(
            self.db.vectors, self.db.avectors, user_id, model, dimensions, scope=self.scope
        )
        if not self.filter.narrows or not found.memory_ids:
            return found
        mask = await self._kept_ids(io, user_id, found.memory_ids)
        return UserVectors(
            memory_ids=[i for i, kept in zip(found.memory_ids, mask, strict=True) if kept],
            matrix=found.matrix[mask],
            foreign=found.foreign,
            unembedded=found.unembedded,
        )

    async def _semantic_ranking(
        self, io: Io, user_id: str, query: str, limit: int | None
    ) -> ScoredMemories:
        async def fetch(asked: int | None) -> ScoredMemories:
            return await io.call(
                self.db.semantic_ranking,
                self.db.asemantic_ranking,
                user_id,
                query,
                asked,
                scope=self.scope,
            )

        if not self.filter.narrows:
            return await fetch(limit)
        return await _narrowed(fetch, lambda pair: self.filter.matches(pair[0]), limit)

    def _own(self, scope: Scope) -> Scope:
        if scope != USER_SCOPE:
            raise InvalidInputError("a MemoryView has its own scope; pass none")
        return self.scope

    # -- the MemoryDb protocol ----------------------------------------------------------

    def apply(
        self,
        user_id: str,
        ops: Sequence[MemoryOp],
        context: WriteContext,
        *,
        scope: Scope = USER_SCOPE,
    ) -> list[MemoryEvent]:
        return self.db.apply(user_id, ops, context, scope=self._own(scope))

    async def aapply(
        self,
        user_id: str,
        ops: Sequence[MemoryOp],
        context: WriteContext,
        *,
        scope: Scope = USER_SCOPE,
    ) -> list[MemoryEvent]:
        return await self.db.aapply(user_id, ops, context, scope=self._own(scope))

    def get_memories(
        self, user_id: str, memory_ids: Sequence[str], *, scope: Scope = USER_SCOPE
    ) -> list[UserMemory]:
        self._own(scope)
        return run_sync(self._get(BLOCKING, user_id, memory_ids))

    async def aget_memories(
        self, user_id: str, memory_ids: Sequence[str], *, scope: Scope = USER_SCOPE
    ) -> list[UserMemory]:
        self._own(scope)
        return await self._get(AWAITING, user_id, memory_ids)

    def list_memories(
        self,
        user_id: str,
        *,
        order_by: OrderBy = "created_at",
        newest_first: bool = False,
        limit: int | None = None,
        scope: Scope = USER_SCOPE,
    ) -> list[UserMemory]:
        self._own(scope)
        return run_sync(self._list(BLOCKING, user_id, order_by, newest_first, limit))

    async def alist_memories(
        self,
        user_id: str,
        *,
        order_by: OrderBy = "created_at",
        newest_first: bool = False,
        limit: int | None = None,
        scope: Scope = USER_SCOPE,
    ) -> list[UserMemory]:
        self._own(scope)
        return await self._list(AWAITING, user_id, order_by, newest_first, limit)

    def history(
        self, user_id: str, memory_id: str, *, scope: Scope = USER_SCOPE
    ) -> list[MemoryEvent]:
        return self.db.history(user_id, memory_id, scope=self._own(scope))

    async def ahistory(
        self, user_id: str, memory_id: str, *, scope: Scope = USER_SCOPE
    ) -> list[MemoryEvent]:
        return await self.db.ahistory(user_id, memory_id, scope=self._own(scope))

    def user_ids(self, *, scope: Scope = USER_SCOPE) -> list[str]:
        return self.db.user_ids(scope=self._own(scope))

    async def auser_ids(self, *, scope: Scope = USER_SCOPE) -> list[str]:
        return await self.db.auser_ids(scope=self._own(scope))

    def set_vectors(
        self,
        user_id: str,
        model: str,
        vectors: Sequence[MemoryVector],
        *,
        scope: Scope = USER_SCOPE,
    ) -> int:
        return self.db.set_vectors(user_id, model, vectors, scope=self._own(scope))

    async def aset_vectors(
        self,
        user_id: str,
        model: str,
        vectors: Sequence[MemoryVector],
        *,
        scope: Scope = USER_SCOPE,
    ) -> int:
        return await self.db.aset_vectors(user_id, model, vectors, scope=self._own(scope))

    def vectors(
        self, user_id: str, model: str, dimensions: int, *, scope: Scope = USER_SCOPE
    ) -> UserVectors:
        self._own(scope)
        return run_sync(self._vectors(BLOCKING, user_id, model, dimensions))

    async def avectors(
        self, user_id: str, model: str, dimensions: int, *, scope: Scope = USER_SCOPE
    ) -> UserVectors:
        self._own(scope)
        return await self._vectors(AWAITING, user_id, model, dimensions)

    def unembedded(
        self,
        user_id: str,
        model: str,
        dimensions: int | None,
        limit: int,
        *,
        scope: Scope = USER_SCOPE,
    ) -> list[UserMemory]:
        return self.db.unembedded(user_id, model, dimensions, limit, scope=self._own(scope))

    async def aunembedded(
        self,
        user_id: str,
        model: str,
        dimensions: int | None,
        limit: int,
        *,
        scope: Scope = USER_SCOPE,
    ) -> list[UserMemory]:
        return await self.db.aunembedded(user_id, model, dimensions, limit, scope=self._own(scope))

    def keyword_candidates(
        self, user_id: str, terms: Sequence[str], *, scope: Scope = USER_SCOPE
    ) -> KeywordCandidates:
        self._own(scope)
        return run_sync(self._keyword_candidates(BLOCKING, user_id, terms))

    async def akeyword_candidates(
        self, user_id: str, terms: Sequence[str], *, scope: Scope = USER_SCOPE
    ) -> KeywordCandidates:
        self._own(scope)
        return await self._keyword_candidates(AWAITING, user_id, terms)

    def semantic_ranking(
        self, user_id: str, query: str, limit: int | None, *, scope: Scope = USER_SCOPE
    ) -> ScoredMemories:
        self._own(scope)
        return run_sync(self._semantic_ranking(BLOCKING, user_id, query, limit))

    async def asemantic_ranking(
        self, user_id: str, query: str, limit: int | None, *, scope: Scope = USER_SCOPE
    ) -> ScoredMemories:
        self._own(scope)
        return await self._semantic_ranking(AWAITING, user_id, query, limit)

    # -- session summaries (the user's, as stored) and pending messages (the scope's) ------

    def write_summary(
        self,
        user_id: str,
        session_id: str,
        summary: SessionSummary | None,
        context: WriteContext,
    ) -> SummaryPlan:
        return self.db.write_summary(user_id, session_id, summary, context)

    async def awrite_summary(
        self,
        user_id: str,
        session_id: str,
        summary: SessionSummary | None,
        context: WriteContext,
    ) -> SummaryPlan:
        return await self.db.awrite_summary(user_id, session_id, summary, context)

    def get_summaries(self, user_id: str, session_id: str | None = None) -> list[SessionSummary]:
        return self.db.get_summaries(user_id, session_id)

    async def aget_summaries(
        self, user_id: str, session_id: str | None = None
    ) -> list[SessionSummary]:
        return await self.db.aget_summaries(user_id, session_id)

    def summary_history(self, user_id: str, session_id: str) -> list[SummaryEvent]:
        return self.db.summary_history(user_id, session_id)

    async def asummary_history(self, user_id: str, session_id: str) -> list[SummaryEvent]:
        return await self.db.asummary_history(user_id, session_id)

    def add_pending(
        self,
        user_id: str,
        thread_id: str,
        messages: Sequence[PendingMessage],
        *,
        scope: Scope = USER_SCOPE,
    ) -> int:
        return self.db.add_pending(user_id, thread_id, messages, scope=self._own(scope))

    async def aadd_pending(
        self,
        user_id: str,
        thread_id: str,
        messages: Sequence[PendingMessage],
        *,
        scope: Scope = USER_SCOPE,
    ) -> int:
        return await self.db.aadd_pending(user_id, thread_id, messages, scope=self._own(scope))

    def claim_pending(
        self,
        user_id: str,
        thread_id: str,
        token: str,
        now: datetime,
        until: datetime,
        limit: int,
        *,
        scope: Scope = USER_SCOPE,
    ) -> list[PendingMessage]:
        return self.db.claim_pending(
            user_id, thread_id, token, now, until, limit, scope=self._own(scope)
        )

    async def aclaim_pending(
        self,
        user_id: str,
        thread_id: str,
        token: str,
        now: datetime,
        until: datetime,
        limit: int,
        *,
        scope: Scope = USER_SCOPE,
    ) -> list[PendingMessage]:
        return await self.db.aclaim_pending(
            user_id, thread_id, token, now, until, limit, scope=self._own(scope)
        )

    def release_pending(
        self, user_id: str, thread_id: str, token: str, *, scope: Scope = USER_SCOPE
    ) -> None:
        self.db.release_pending(user_id, thread_id, token, scope=self._own(scope))

    async def arelease_pending(
        self, user_id: str, thread_id: str, token: str, *, scope: Scope = USER_SCOPE
    ) -> None:
        await self.db.arelease_pending(user_id, thread_id, token, scope=self._own(scope))

    def pending_threads(
        self, user_id: str | None = None, *, scope: Scope = USER_SCOPE
    ) -> list[PendingThread]:
        return self.db.pending_threads(user_id, scope=self._own(scope))

    async def apending_threads(
        self, user_id: str | None = None, *, scope: Scope = USER_SCOPE
    ) -> list[PendingThread]:
        return await self.db.apending_threads(user_id, scope=self._own(scope))

    def drop_pending(self, user_id: str | None = None, *, scope: Scope = USER_SCOPE) -> int:
        return self.db.drop_pending(user_id, scope=self._own(scope))

    async def adrop_pending(self, user_id: str | None = None, *, scope: Scope = USER_SCOPE) -> int:
        return await self.db.adrop_pending(user_id, scope=self._own(scope))

    def claim_thread(self, user_id: str, thread_id: str) -> str:
        return self.db.claim_thread(user_id, thread_id)

    async def aclaim_thread(self, user_id: str, thread_id: str) -> str:
        return await self.db.aclaim_thread(user_id, thread_id)

    def user_threads(self, user_id: str) -> list[str]:
        return self.db.user_threads(user_id)

    async def auser_threads(self, user_id: str) -> list[str]:
        return await self.db.auser_threads(user_id)

    def erase_user(self, user_id: str) -> EraseResult:
        return self.db.erase_user(user_id)

    async def aerase_user(self, user_id: str) -> EraseResult:
        return await self.db.aerase_user(user_id)

    def erase_sessions(self, thread_ids: Sequence[str]) -> tuple[int, int]:
        return self.db.erase_sessions(thread_ids)

    async def aerase_sessions(self, thread_ids: Sequence[str]) -> tuple[int, int]:
        return await self.db.aerase_sessions(thread_ids)
