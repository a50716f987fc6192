"""A store as one `Memory` reads it: one agent scope, at one moment, narrowed by topic and time.

Search, prompt selection and dedupe read through a `MemoryReader` (a `MemoryView`),
so they reach only the memories of the `Memory`'s agent scope that have not
expired; the `Memory` writes to its backend itself, naming the scope. Filters by
topic and update time are applied here, once, above every backend, so every
backend gives the same results for them. They narrow which memories are found,
never their scores: BM25 statistics stay those of all the user's live memories.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Protocol, TypeVar

from memory.db.base import (
    AS_ADDED,
    KeywordCandidates,
    ListQuery,
    MemoryDb,
    MissingVectors,
    Scope,
    ScoredMemories,
    UserVectors,
)
from memory.errors import InvalidInputError
from memory.schema import UserMemory, utc
from memory.twins import Io, Twinned, twins

if TYPE_CHECKING:
    import numpy as np

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


class MemoryReader(Protocol):
    """What search, prompt selection and dedupe read: one user's memories as one `Memory`
    sees them. Each read has a blocking and an awaited twin."""

    @property
    def semantic_index(self) -> bool: ...

    def get_memories(self, user_id: str, memory_ids: Sequence[str]) -> list[UserMemory]: ...

    async def aget_memories(self, user_id: str, memory_ids: Sequence[str]) -> list[UserMemory]: ...

    def list_memories(self, user_id: str, query: ListQuery = AS_ADDED) -> list[UserMemory]: ...

    async def alist_memories(
        self, user_id: str, query: ListQuery = AS_ADDED
    ) -> list[UserMemory]: ...

    def keyword_candidates(self, user_id: str, terms: Sequence[str]) -> KeywordCandidates: ...

    async def akeyword_candidates(
        self, user_id: str, terms: Sequence[str]
    ) -> KeywordCandidates: ...

    def vectors(self, user_id: str, model: str, dimensions: int) -> UserVectors: ...

    async def avectors(self, user_id: str, model: str, dimensions: int) -> UserVectors: ...

    def unembedded(self, user_id: str, missing: MissingVectors) -> list[UserMemory]: ...

    async def aunembedded(self, user_id: str, missing: MissingVectors) -> list[UserMemory]: ...

    def semantic_ranking(self, user_id: str, query: str, limit: int | None) -> ScoredMemories: ...

    async def asemantic_ranking(
        self, user_id: str, query: str, limit: int | None
    ) -> ScoredMemories: ...

    def scope_version(self, user_id: str) -> Hashable | None: ...

    async def ascope_version(self, user_id: str) -> Hashable | None: ...


class MemoryView(Twinned):
    """`db` as one `Memory` reads it: `scope` on every read, `filter` on every memory found.

    A plain reader: writes go to the backend itself, with the scope named. It owns
    nothing, so there is nothing to close. `unembedded` lists every memory of the
    scope that lacks a vector, whatever the filter, as embedding them serves all reads.
    """

    def __init__(self, db: MemoryDb, scope: Scope, filter: MemoryFilter = NO_FILTER) -> None:
        self.db = db
        self.scope = scope
        self.filter = filter

    @property
    def semantic_index(self) -> bool:
        return self.db.semantic_index

    async def _get_memories(
        self, io: Io, user_id: str, memory_ids: Sequence[str]
    ) -> list[UserMemory]:
        found = await io.call(
            self.db.get_memories, self.db.aget_memories, user_id, memory_ids, scope=self.scope
        )
        return [m for m in found if self.filter.matches(m)]

    async def _list_memories(
        self, io: Io, user_id: str, query: ListQuery = AS_ADDED
    ) -> list[UserMemory]:
        async def fetch(asked: int | None) -> list[UserMemory]:
            db = self.db
            asking = replace(query, limit=asked)
            return await io.call(
                db.list_memories, db.alist_memories, user_id, asking, scope=self.scope
            )

        if not self.filter.narrows:
            return await fetch(query.limit)
        return await _narrowed(fetch, self.filter.matches, query.limit)

    async def _kept_ids(self, io: Io, user_id: str, memory_ids: list[str]) -> np.ndarray:
        """A mask over `memory_ids`: which of them the filter keeps."""
        import numpy as np  # loaded by a search, not by the view

        kept = {m.memory_id for m in await self._get_memories(io, user_id, memory_ids)}
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

    async def _unembedded(self, io: Io, user_id: str, missing: MissingVectors) -> list[UserMemory]:
        db = self.db
        return await io.call(db.unembedded, db.aunembedded, user_id, missing, scope=self.scope)

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

    async def _scope_version(self, io: Io, user_id: str) -> Hashable | None:
        """The backend's `scope_version` of the scope: a filter only narrows what it covers."""
        db = self.db
        return await io.call(db.scope_version, db.ascope_version, user_id, scope=self.scope)

    get_memories, aget_memories = twins(_get_memories)
    list_memories, alist_memories = twins(_list_memories)
    keyword_candidates, akeyword_candidates = twins(_keyword_candidates)
    vectors, avectors = twins(_vectors)
    unembedded, aunembedded = twins(_unembedded)
    semantic_ranking, asemantic_ranking = twins(_semantic_ranking)
    scope_version, ascope_version = twins(_scope_version)
