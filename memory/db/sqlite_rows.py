"""How memories, their events and session summaries look as rows of a SqliteMemoryDb file.

The column lists, the SQL conditions of an agent scope and of expiry, and the
conversions both ways, shared by the store's modules (`memory.db.sqlite`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from memory.db.base import Scope
from memory.db.sqlite_schema import EPOCH, micros, text_hash
from memory.schema import (
    MemoryEvent,
    UserMemory,
    stored_memories,
    utc,
)
from memory.text import IndexedText

MEMORY_COLUMNS = "memory_id, memory, topics, input, created_at, updated_at, expires_at"
"""What a read fetches of a memory; its user and agent are the scope's (`to_memories`)."""
EVENT_COLUMNS = (
    "memory_id, user_id, action, old_memory, new_memory, old_topics, new_topics, source, input, "
    "at, agent_id, expires_at"
)
REMOVALS = frozenset({"deleted", "cleared", "expired"})
"""The actions after which a memory is gone: their events have no new text."""
IN_SCOPE = "user_id = :user AND agent_id = :agent"
LIVE = "(expires_at IS NULL OR expires_at > :at)"
EXPIRED = "expires_at IS NOT NULL AND expires_at <= :at"

SCOPE_BITS = 32
"""A scope's memories have row ids from its `_users` id shifted this far left
(migration `0011_memories_by_scope`): they lie together, in insertion order."""


def scope_ref(t: str) -> str:
    """SQL for the number of the scope named by `:user` and `:agent` in memories table `t`."""
    return f"(SELECT id FROM {t}_users WHERE {IN_SCOPE})"


def scope_rows(t: str) -> str:
    """SQL: a row id within the range of the scope named by `:user` and `:agent`."""
    ref = scope_ref(t)
    return f"id > {ref} << {SCOPE_BITS} AND id < ({ref} + 1) << {SCOPE_BITS}"


ScopeKey = tuple[str, str]
"""(user_id, agent_id) as stored: '' for the user's own memories."""


def to_memories(rows: Sequence[Sequence[Any]], user_id: str, scope: Scope) -> list[UserMemory]:
    """The memories of rows of `MEMORY_COLUMNS` (and maybe more) in the user's `scope`."""
    return memories_of(row_fields(rows), user_id, scope)


Fields = tuple[str, str, tuple[str, ...], str | None, datetime, datetime, datetime | None]
"""A memory as a row holds it: memory_id, memory, topics, input, created_at, updated_at and
expires_at. A plain tuple of values that hold no object, which the collector leaves alone
however many a cache keeps."""


def row_fields(rows: Sequence[Sequence[Any]]) -> list[Fields]:
    """The `Fields` of rows of `MEMORY_COLUMNS` (and maybe more)."""
    # The hot path of every prompt: topic lists are parsed in one call.
    topics = json.loads("[" + ",".join(row[2] for row in rows) + "]")
    moment = datetime.fromisoformat
    found = []
    for row, row_topics in zip(rows, topics, strict=True):
        created = moment(row[4])
        updated = created if row[5] == row[4] else moment(row[5])
        expires = None if row[6] is None else moment(row[6])
        found.append((row[0], row[1], tuple(row_topics), row[3], created, updated, expires))
    return found


def memories_of(fields: Iterable[Fields], user_id: str, scope: Scope) -> list[UserMemory]:
    """New memories of the user's `scope` (the rows, validated when written, are not
    validated again), each with its own topic list."""
    agent_id = scope.agent_id or None
    return stored_memories(
        {
            "memory": memory,
            "topics": list(topics),
            "input": input_,
            "memory_id": memory_id,
            "user_id": user_id,
            "agent_id": agent_id,
            "created_at": created,
            "updated_at": updated,
            "expires_at": expires,
        }
        for memory_id, memory, topics, input_, created, updated, expires in fields
    )


def to_events(rows: Sequence[Sequence[Any]], stored: tuple[str, str] | None) -> list[MemoryEvent]:
    """One memory's events from its history rows (`EVENT_COLUMNS`, oldest first).

    A row that leaves the new text and topics NULL without removing the memory (see
    `memory.db.sqlite_schema._history_by_memory`) takes them from the next row's old
    ones, or from `stored` (the memory's text and topics as stored) for the last.
    """
    events = []
    following = stored
    for row in reversed(rows):
        (memory_id, user_id, action, old, new, old_topics, new_topics, source, input_, at,
         agent_id, expires_at) = row  # fmt: skip
        if new is None and action not in REMOVALS and following is not None:
            new, new_topics = following
        following = None if old is None else (old, old_topics)
        events.append(
            MemoryEvent(
                memory_id=memory_id,
                user_id=user_id,
                action=action,
                old_memory=old,
                new_memory=new,
                old_topics=None if old_topics is None else json.loads(old_topics),
                new_topics=None if new_topics is None else json.loads(new_topics),
                source=source,
                input=input_,
                at=EPOCH + timedelta(microseconds=at),
                agent_id=agent_id or None,
                expires_at=None if expires_at is None else datetime.fromisoformat(expires_at),
            )
        )
    events.reverse()
    return events


def topics_json(topics: list[str] | None) -> str | None:
    if topics is None:
        return None
    return json.dumps(topics) if topics else "[]"


def event_rows(events: Sequence[MemoryEvent], batch: int) -> list[tuple[Any, ...]]:
    """The history rows of one write's events (`EVENT_COLUMNS`, then `batch` and `n`),
    without the new text and topics, which reading derives (`to_events`)."""
    return [
        (
            event.memory_id,
            event.user_id,
            event.action,
            event.old_memory,
            None,
            topics_json(event.old_topics),
            None,
            event.source,
            event.input,
            micros(event.at),
            event.agent_id or "",
            iso_or_none(event.expires_at),
            batch,
            n,
        )
        for n, event in enumerate(events)
    ]


def sortable_time(moment: datetime) -> str:
    """A time as text that sorts as time does: UTC, always with microseconds."""
    return utc(moment).isoformat(timespec="microseconds")


def iso_time(moment: datetime | None) -> str:
    assert moment is not None, "the planner sets every time"
    return moment.isoformat()


def iso_or_none(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def scope_key(user_id: str, scope: Scope) -> ScopeKey:
    return user_id, scope.agent_id or ""


def scope_params(user_id: str, scope: Scope, **more: Any) -> dict[str, Any]:
    """The named parameters of `IN_SCOPE`, `LIVE` and `EXPIRED`, and `more`."""
    return {"user": user_id, "agent": scope.agent_id or "", "at": scope.now().isoformat(), **more}


def memory_row(memory: UserMemory, indexed: IndexedText) -> tuple[Any, ...]:
    """The columns a write sets, in the order `_store` names them."""
    created = iso_time(memory.created_at)
    return (
        memory.memory,
        json.dumps(memory.topics) if memory.topics else "[]",
        memory.input,
        text_hash(memory.memory),
        created,
        created if memory.updated_at == memory.created_at else iso_time(memory.updated_at),
        iso_or_none(memory.expires_at),
        " ".join(indexed.text_terms),
        " ".join(indexed.topic_terms),
        indexed.length,
    )
