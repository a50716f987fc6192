"""DictMemoryDb: a backend as a third party writes one, from the contract alone.

It keeps everything in Python dicts behind one lock (each body is one transaction)
and implements only the bodies `memory.db.base` asks for; its bodies block, so it
keeps `MemoryDb`'s worker-thread `_awaited`. It is no `SessionHost`. The tests run
the conformance kit on it, which is what a backend living outside this repository
would do.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np

from memory.db import AS_ADDED, USER_SCOPE, ClaimRequest, ListQuery, MemoryDb, Scope, SummaryWrite
from memory.db.base import Matrix, MemoryVector, MissingVectors, OrderBy, UserVectors, WriteBatch
from memory.db.vectors import as_vector, normalised
from memory.errors import PendingClaimLostError
from memory.planner import SummaryPlan, plan_summary, plan_writes
from memory.schema import (
    EraseResult,
    MemoryEvent,
    PendingMessage,
    PendingThread,
    SessionSummary,
    SummaryEvent,
    UserMemory,
    expired,
)
from memory.twins import Io

Partition = tuple[str, str | None]
"""(user, agent): whose memories, pending messages and vectors these are."""


@dataclass
class _Stored:
    memory: UserMemory
    position: int
    """Insertion order within the user, which breaks ties of time."""


@dataclass
class _Pending:
    message: PendingMessage
    order: tuple[datetime, int]
    claim: str | None = None
    until: datetime | None = None


@dataclass
class _Vector:
    model: str
    text: str
    vector: Matrix


@dataclass
class _Partition:
    memories: dict[str, _Stored] = field(default_factory=dict)
    history: list[MemoryEvent] = field(default_factory=list)
    vectors: dict[str, _Vector] = field(default_factory=dict)
    pending: dict[str, dict[str, _Pending]] = field(default_factory=lambda: defaultdict(dict))

    def listed(self) -> list[_Stored]:
        """Every memory, expired ones too, oldest first, insertion order among equal times."""
        return sorted(
            self.memories.values(), key=lambda s: (_time(s.memory, "created_at"), s.position)
        )

    def live(self, at: datetime) -> list[_Stored]:
        """The memories not expired by `at`, as listed."""
        return [s for s in self.listed() if not expired(s.memory, at)]


class DictMemoryDb(MemoryDb):
    """Every aggregate in dicts, in process; see the module docstring."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._partitions: defaultdict[Partition, _Partition] = defaultdict(_Partition)
        self._summaries: defaultdict[str, dict[str, SessionSummary]] = defaultdict(dict)
        self._summary_events: defaultdict[str, list[SummaryEvent]] = defaultdict(list)
        self._owners: dict[str, str] = {}
        self._positions = 0

    def _of(self, user_id: str, scope: Scope) -> _Partition:
        return self._partitions[(user_id, scope.agent_id)]

    # -- memories ------------------------------------------------------------------

    async def _apply(
        self, io: Io, user_id: str, writes: WriteBatch, *, scope: Scope = USER_SCOPE
    ) -> list[MemoryEvent]:
        with self._lock:
            part = self._of(user_id, scope)
            claim = writes.context.settles
            pending = part.pending[claim.thread_id] if claim else {}
            if claim and any(
                m not in pending or pending[m].claim != claim.token for m in claim.message_ids
            ):
                raise PendingClaimLostError("the claim was taken or settled meanwhile")
            plan = plan_writes(
                user_id,
                [s.memory for s in part.listed()],
                writes.ops,
                writes.context,
                agent_id=scope.agent_id,
            )
            for memory in plan.inserts:
                self._positions += 1
                part.memories[str(memory.memory_id)] = _Stored(memory, self._positions)
            for old, new in plan.updates:
                part.memories[str(old.memory_id)].memory = new
                if new.memory != old.memory:
                    part.vectors.pop(str(old.memory_id), None)
            for old in plan.deletes:
                del part.memories[str(old.memory_id)]
                part.vectors.pop(str(old.memory_id), None)
            part.history.extend(plan.events)
            for message_id in claim.message_ids if claim else ():
                del pending[message_id]
            return plan.events

    async def _get_memories(
        self, io: Io, user_id: str, memory_ids: Sequence[str], *, scope: Scope = USER_SCOPE
    ) -> list[UserMemory]:
        with self._lock:
            wanted = set(memory_ids)
            live = self._of(user_id, scope).live(scope.now())
            return [s.memory for s in live if s.memory.memory_id in wanted]

    async def _list_memories(
        self, io: Io, user_id: str, query: ListQuery = AS_ADDED, *, scope: Scope = USER_SCOPE
    ) -> list[UserMemory]:
        with self._lock:
            live = sorted(
                self._of(user_id, scope).live(scope.now()),
                key=lambda s: (_time(s.memory, query.order_by), s.position),
                reverse=query.newest_first,
            )
            return [s.memory for s in live[: query.limit]]

    async def _history(
        self, io: Io, user_id: str, memory_id: str, *, scope: Scope = USER_SCOPE
    ) -> list[MemoryEvent]:
        with self._lock:
            return [e for e in self._of(user_id, scope).history if e.memory_id == memory_id]

    async def _user_ids(self, io: Io, *, scope: Scope = USER_SCOPE) -> list[str]:
        with self._lock:
            return [
                user
                for (user, agent), part in self._partitions.items()
                if agent == scope.agent_id and part.memories
            ]

    # -- vectors -------------------------------------------------------------------

    async def _set_vectors(
        self, io: Io, user_id: str, vectors: Sequence[MemoryVector], *, scope: Scope = USER_SCOPE
    ) -> int:
        with self._lock:
            part = self._of(user_id, scope)
            kept = 0
            for item in vectors:
                stored = part.memories.get(item.memory_id)
                if stored is not None and stored.memory.memory == item.memory:
                    part.vectors[item.memory_id] = _Vector(
                        item.model, item.memory, as_vector(item.vector)
                    )
                    kept += 1
            return kept

    def _current_vectors(self, part: _Partition, at: datetime) -> dict[str, _Vector]:
        """The vectors of live memories, made from their current text."""
        return {
            s.memory.memory_id: part.vectors[s.memory.memory_id]
            for s in part.live(at)
            if s.memory.memory_id in part.vectors
            and part.vectors[s.memory.memory_id].text == s.memory.memory
        }

    async def _vectors(
        self, io: Io, user_id: str, model: str, dimensions: int, *, scope: Scope = USER_SCOPE
    ) -> UserVectors:
        with self._lock:
            part = self._of(user_id, scope)
            current = self._current_vectors(part, scope.now())
            mine = {k: v for k, v in current.items() if _made_by(v, model, dimensions)}
            foreign = [v for v in current.values() if not _made_by(v, model, dimensions)]
            rows = np.array([v.vector for v in mine.values()], dtype=np.float32)
            return UserVectors(
                memory_ids=list(mine),
                matrix=normalised(rows.reshape(len(mine), dimensions)),
                foreign=(
                    (foreign[0].model, foreign[0].vector.size, len(foreign)) if foreign else None
                ),
                unembedded=len(part.live(scope.now())) - len(current),
            )

    async def _unembedded(
        self, io: Io, user_id: str, missing: MissingVectors, *, scope: Scope = USER_SCOPE
    ) -> list[UserMemory]:
        with self._lock:
            part = self._of(user_id, scope)
            current = self._current_vectors(part, scope.now())
            return [
                s.memory
                for s in sorted(part.live(scope.now()), key=lambda s: s.position)
                if not _made_by(
                    current.get(str(s.memory.memory_id)), missing.model, missing.dimensions
                )
            ][: missing.limit]

    # -- session summaries -----------------------------------------------------------

    async def _write_summary(self, io: Io, user_id: str, write: SummaryWrite) -> SummaryPlan:
        with self._lock:
            mine = self._summaries[user_id]
            previous = mine.get(write.session_id)
            plan = plan_summary(user_id, write.session_id, previous, write.summary, write.context)
            if plan.event is not None:
                if plan.summary is None:
                    del mine[write.session_id]
                else:
                    mine[write.session_id] = plan.summary
                self._summary_events[user_id].append(plan.event)
            return plan

    async def _get_summaries(
        self, io: Io, user_id: str, session_id: str | None = None
    ) -> list[SessionSummary]:
        with self._lock:
            mine = self._summaries[user_id]
            found = [mine[session_id]] if session_id in mine else []
            if session_id is None:
                found = list(mine.values())
            return sorted(found, key=lambda s: (s.updated_at or _NEVER, s.session_id), reverse=True)

    async def _summary_history(self, io: Io, user_id: str, session_id: str) -> list[SummaryEvent]:
        with self._lock:
            return [e for e in self._summary_events[user_id] if e.session_id == session_id]

    # -- pending messages ------------------------------------------------------------

    async def _add_pending(
        self, io: Io, user_id: str, messages: Sequence[PendingMessage], *, scope: Scope = USER_SCOPE
    ) -> int:
        with self._lock:
            pending = self._of(user_id, scope).pending
            new: dict[tuple[str, str], PendingMessage] = {}
            for message in messages:
                if message.message_id not in pending[message.thread_id]:
                    new.setdefault((message.thread_id, message.message_id), message)
            for n, message in enumerate(new.values()):
                pending[message.thread_id][message.message_id] = _Pending(message, (message.at, n))
            return len(new)

    async def _claim_pending(
        self, io: Io, user_id: str, request: ClaimRequest, *, scope: Scope = USER_SCOPE
    ) -> list[PendingMessage]:
        with self._lock:
            thread = self._of(user_id, scope).pending[request.thread_id]
            if any(
                p.claim not in (None, request.token)
                and p.until is not None
                and p.until > request.now
                for p in thread.values()
            ):
                return []
            taken = sorted(thread.values(), key=lambda p: p.order)[: request.limit]
            for p in taken:
                p.claim, p.until = request.token, request.until
            return [p.message for p in taken]

    async def _release_pending(
        self, io: Io, user_id: str, thread_id: str, token: str, *, scope: Scope = USER_SCOPE
    ) -> None:
        with self._lock:
            for p in self._of(user_id, scope).pending[thread_id].values():
                if p.claim == token:
                    p.claim, p.until = None, None

    def _pending_of(self, user_id: str | None, scope: Scope) -> list[tuple[str, _Partition]]:
        return [
            (user, part)
            for (user, agent), part in self._partitions.items()
            if agent == scope.agent_id and user_id in (None, user)
        ]

    async def _pending_threads(
        self, io: Io, user_id: str | None = None, *, scope: Scope = USER_SCOPE
    ) -> list[PendingThread]:
        with self._lock:
            threads = [
                PendingThread(
                    user_id=user,
                    thread_id=thread_id,
                    messages=len(pending),
                    last_at=max(p.message.at for p in pending.values()),
                    claimed_until=max(
                        (p.until for p in pending.values() if p.claim and p.until), default=None
                    ),
                )
                for user, part in self._pending_of(user_id, scope)
                for thread_id, pending in part.pending.items()
                if pending
            ]
            return sorted(threads, key=lambda t: t.last_at)

    async def _drop_pending(
        self, io: Io, user_id: str | None = None, *, scope: Scope = USER_SCOPE
    ) -> int:
        with self._lock:
            dropped = 0
            for _, part in self._pending_of(user_id, scope):
                dropped += sum(len(pending) for pending in part.pending.values())
                part.pending.clear()
            return dropped

    # -- thread owners and erasure ---------------------------------------------------

    async def _claim_thread(self, io: Io, user_id: str, thread_id: str) -> str:
        with self._lock:
            return self._owners.setdefault(thread_id, user_id)

    async def _user_threads(self, io: Io, user_id: str) -> list[str]:
        with self._lock:
            return [thread for thread, owner in self._owners.items() if owner == user_id]

    async def _erase_user(self, io: Io, user_id: str) -> EraseResult:
        with self._lock:
            parts = [key for key in self._partitions if key[0] == user_id]
            erased = [self._partitions.pop(key) for key in parts]
            threads = [thread for thread, owner in self._owners.items() if owner == user_id]
            for thread in threads:
                del self._owners[thread]
            return EraseResult(
                memories=sum(len(p.memories) for p in erased),
                memory_history=sum(len(p.history) for p in erased),
                vectors=sum(len(p.vectors) for p in erased),
                session_summaries=len(self._summaries.pop(user_id, {})),
                summary_history=len(self._summary_events.pop(user_id, [])),
                pending_messages=sum(len(t) for p in erased for t in p.pending.values()),
                threads=len(threads),
            )


_NEVER = datetime.min.replace(tzinfo=UTC)


def _time(memory: UserMemory, name: OrderBy) -> datetime:
    """A stored memory's `created_at` or `updated_at`, which the planner always sets."""
    moment = getattr(memory, name)
    assert isinstance(moment, datetime)
    return moment


def _made_by(vector: _Vector | None, model: str, dimensions: int | None) -> bool:
    return vector is not None and vector.model == model and dimensions in (None, vector.vector.size)
