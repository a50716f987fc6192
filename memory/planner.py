"""The write rules, once for every backend: what a batch of operations does to a user's memories.

A backend applies a batch in three steps inside one transaction (see
`memory.db.base.MemoryDb.apply`):

1. `reads_for(ops)` says which of the user's memories the batch depends on
   (within one agent scope); the backend reads them, and every memory of the
   scope that has expired by the batch's time (`WriteContext.at`);
2. it calls `plan_writes`, which decides everything without I/O: sweeping the
   expired memories, refreshing a memory whose normalised text the user
   already has, adding, replacing, deleting, clearing, and the history event of
   each change;
3. the backend stores the plan's inserts, updates and deletes and its events.

A refused operation (an unknown id, an id taken, an expiry that has passed)
raises before anything is written, so a batch lands whole or not at all.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from memory.errors import InvalidInputError, MemoryConflictError, MemoryNotFoundError
from memory.schema import (
    AddMemory,
    ClearMemories,
    DeleteMemory,
    MemoryAction,
    MemoryEvent,
    MemoryOp,
    ReplaceMemory,
    SessionSummary,
    SummaryAction,
    SummaryEvent,
    UserMemory,
    WriteContext,
    expired,
    utc,
)
from memory.text import normalized_text


@dataclass(frozen=True)
class Reads:
    """The user's memories a batch depends on: read them, and the expired ones, then call
    `plan_writes`."""

    memory_ids: frozenset[str]
    """Memories named by id (replaced, deleted, or an add's requested id)."""
    text_keys: frozenset[str]
    """Memories whose `normalized_text` an add would refresh instead of adding."""
    everything: bool
    """The batch clears the user: read all of their memories."""


def reads_for(ops: Sequence[MemoryOp]) -> Reads:
    memory_ids: set[str] = set()
    text_keys: set[str] = set()
    everything = False
    for op in ops:
        match op:
            case AddMemory(memory=memory):
                text_keys.add(normalized_text(memory.memory))
                if memory.memory_id is not None:
                    memory_ids.add(memory.memory_id)
            case ReplaceMemory(memory_id=memory_id) | DeleteMemory(memory_id=memory_id):
                memory_ids.add(memory_id)
            case ClearMemories():
                everything = True
    return Reads(frozenset(memory_ids), frozenset(text_keys), everything)


@dataclass(frozen=True)
class WritePlan:
    """What to store for one batch; a memory added and removed within it appears in none."""

    inserts: list[UserMemory]
    """New memories, in the order they were added; ids and times are set."""
    updates: list[tuple[UserMemory, UserMemory]]
    """(before, after) of each stored memory the batch changed."""
    deletes: list[UserMemory]
    """Stored memories the batch removed, as they were (the expired ones included)."""
    events: list[MemoryEvent]
    """The history of the batch, in order: the expired memories it swept come first."""


def plan_writes(
    user_id: str,
    current: Sequence[UserMemory],
    ops: Sequence[MemoryOp],
    context: WriteContext,
    new_id: Callable[[], str] = lambda: str(uuid.uuid4()),
    *,
    agent_id: str | None = None,
) -> WritePlan:
    """Apply `ops` to the user's `current` memories, without I/O; times are made UTC.

    `current` holds at least the memories `reads_for(ops)` asks for and every memory
    expired by `context.at`, all of one agent scope (`agent_id`), in the order the
    user's memories are listed (oldest first, insertion order among equal times).
    The expired ones are swept first, so the ops never see them. A refresh keeps
    the later of the two expiries (never outliving a fact said again), a replace
    takes the new memory's.
    Raises `MemoryNotFoundError` for a replace or delete of an id the user does not
    have, `MemoryConflictError` for a replace whose `expected` memory no longer matches
    the stored one, and `InvalidInputError` for an add whose requested id is taken or
    a memory whose expiry is not after `context.at`.
    """
    stored = {m.memory_id: m for m in current if m.memory_id is not None}
    state = dict(stored)
    now = utc(context.at)
    events: list[MemoryEvent] = []

    def event(action: MemoryAction, old: UserMemory | None, new: UserMemory | None) -> None:
        events.append(_event(user_id, agent_id, context, now, action, old, new))

    for old in sorted(stored.values(), key=_created):
        if expired(old, now):
            event("expired", old, None)
            del state[str(old.memory_id)]
    for op in ops:
        match op:
            case AddMemory(memory=memory):
                _check_expiry(memory, now)
                text_key = normalized_text(memory.memory)
                same = _same_text(state, text_key) if state else None
                if same is not None and same.memory_id is not None:
                    topics = list(dict.fromkeys([*same.topics, *memory.topics]))
                    refreshed = same.model_copy(
                        update={
                            "topics": topics,
                            "updated_at": now,
                            "expires_at": _later(same.expires_at, memory.expires_at),
                        }
                    )
                    state[same.memory_id] = refreshed
                    event("refreshed", same, refreshed)
                    continue
                memory_id = memory.memory_id or new_id()
                if memory_id in state:
                    raise InvalidInputError(
                        f"user {user_id!r} already has a memory with id {memory_id!r}"
                    )
                created = utc(memory.created_at) if memory.created_at else now
                added = memory.model_copy(
                    update={
                        "memory_id": memory_id,
                        "user_id": user_id,
                        "agent_id": agent_id,
                        "topics": list(memory.topics),
                        "created_at": created,
                        "updated_at": utc(memory.updated_at) if memory.updated_at else created,
                    }
                )
                state[memory_id] = added
                event("added", None, added)
            case ReplaceMemory(memory_id=memory_id, memory=memory, expected=expected):
                _check_expiry(memory, now)
                old = _owned(state, memory_id, user_id)
                if expected is not None and _content(expected) != _content(old):
                    raise MemoryConflictError(memory_id, user_id)
                new = old.model_copy(
                    update={
                        "memory": memory.memory,
                        "topics": list(memory.topics),
                        "input": memory.input,
                        "updated_at": now,
                        "expires_at": memory.expires_at,
                    }
                )
                state[memory_id] = new
                event("updated", old, new)
            case DeleteMemory(memory_id=memory_id):
                old = _owned(state, memory_id, user_id)
                event("deleted", old, None)
                del state[memory_id]
            case ClearMemories():
                # Listed order: by creation time, insertion order among equal times.
                for old in sorted(state.values(), key=_created):
                    event("cleared", old, None)
                state.clear()
    return WritePlan(
        inserts=[m for memory_id, m in state.items() if memory_id not in stored],
        updates=[
            (before, state[memory_id])
            for memory_id, before in stored.items()
            if memory_id in state and state[memory_id] != before
        ],
        deletes=[before for memory_id, before in stored.items() if memory_id not in state],
        events=events,
    )


def _same_text(state: dict[str, UserMemory], text_key: str) -> UserMemory | None:
    """The first memory stating a fact in the same words, which an add refreshes."""
    for memory in state.values():
        if normalized_text(memory.memory) == text_key:
            return memory
    return None


def _owned(state: dict[str, UserMemory], memory_id: str, user_id: str) -> UserMemory:
    if memory_id not in state:
        raise MemoryNotFoundError(memory_id, user_id)
    return state[memory_id]


def _content(memory: UserMemory) -> tuple[str, list[str], datetime | None]:
    """What a replace writes, so what an expected memory must still hold."""
    return memory.memory, memory.topics, memory.expires_at


def _check_expiry(memory: UserMemory, now: datetime) -> None:
    if memory.expires_at is not None and memory.expires_at <= now:
        raise InvalidInputError(
            f"expires_at {memory.expires_at.isoformat()} is not after the time of the write "
            f"({now.isoformat()}): the memory would never be seen"
        )


def _later(first: datetime | None, second: datetime | None) -> datetime | None:
    """The later of two expiries, None (never) being the latest."""
    return None if first is None or second is None else max(first, second)


def _event(
    user_id: str,
    agent_id: str | None,
    context: WriteContext,
    now: datetime,
    action: MemoryAction,
    old: UserMemory | None,
    new: UserMemory | None,
) -> MemoryEvent:
    either = new or old
    assert either is not None
    assert either.memory_id is not None
    return MemoryEvent(
        memory_id=either.memory_id,
        user_id=user_id,
        agent_id=agent_id,
        expires_at=either.expires_at,
        action=action,
        **_change("memory", old, new),
        source=context.source,
        input=context.input,
        at=now,
    )


@dataclass(frozen=True)
class SummaryPlan:
    """What a session's summary becomes after one write, and the history event, if any."""

    summary: SessionSummary | None
    """The summary to keep (`None`: the session has none)."""
    event: SummaryEvent | None
    """`None` when nothing changes: store nothing."""


def plan_summary(
    user_id: str,
    session_id: str,
    previous: SessionSummary | None,
    new: SessionSummary | None,
    context: WriteContext,
) -> SummaryPlan:
    """Write (or, with `new=None`, delete) a session's summary, without I/O.

    A summary covering fewer runs than the stored one comes from a writer that read
    an older state of the session; the newer summary is kept.
    """
    now = utc(context.at)
    if new is None:
        if previous is None:
            return SummaryPlan(None, None)
        return SummaryPlan(
            None, _summary_event(user_id, session_id, context, now, "deleted", previous, None)
        )
    if previous is not None and new.runs < previous.runs:
        return SummaryPlan(previous, None)
    stored = new.model_copy(
        update={
            "session_id": session_id,
            "user_id": user_id,
            "created_at": previous.created_at if previous is not None else now,
            "updated_at": now,
        }
    )
    action: SummaryAction = "created" if previous is None else "updated"
    return SummaryPlan(
        stored, _summary_event(user_id, session_id, context, now, action, previous, stored)
    )


def _summary_event(
    user_id: str,
    session_id: str,
    context: WriteContext,
    now: datetime,
    action: SummaryAction,
    old: SessionSummary | None,
    new: SessionSummary | None,
) -> SummaryEvent:
    return SummaryEvent(
        session_id=session_id,
        user_id=user_id,
        action=action,
        **_change("summary", old, new),
        source=context.source,
        at=now,
    )


def _change(
    text: str, old: UserMemory | SessionSummary | None, new: UserMemory | SessionSummary | None
) -> dict[str, Any]:
    """What a history event records of a change: the text (the field `text`) and topics
    before and after, None where there was or is none."""
    return {
        f"old_{text}": getattr(old, text) if old else None,
        "old_topics": list(old.topics) if old else None,
        f"new_{text}": getattr(new, text) if new else None,
        "new_topics": list(new.topics) if new else None,
    }


def _created(memory: UserMemory) -> float:
    return memory.created_at.timestamp() if memory.created_at else 0.0
