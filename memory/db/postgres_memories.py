"""The memories of a PostgresMemoryDb: batches of writes, with their history, and reads.

A batch is one transaction that first takes a lock on its user, so concurrent
writers of one user queue instead of racing, and writers of different users never
wait for each other. The user's statistics (`<table>_users`) change in the same
transaction, so a search reads counts that agree with the rows.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from psycopg.types.json import Jsonb

from memory.db.base import AS_ADDED, USER_SCOPE, ListQuery, Scope, WriteBatch
from memory.db.postgres_connection import (
    EXPIRED,
    IN_SCOPE,
    LIVE,
    PostgresConnection,
    Row,
    Sql,
    scope_key,
    scope_params,
)
from memory.errors import PendingClaimLostError
from memory.planner import Reads, WritePlan, plan_writes, reads_for
from memory.schema import MemoryEvent, PendingClaim, UserMemory
from memory.text import index_text, normalized_text
from memory.twins import Io

COLUMNS = "memory_id, user_id, memory, topics, input, created_at, updated_at, agent_id, expires_at"
EVENT_COLUMNS = (
    "memory_id, user_id, action, old_memory, new_memory, old_topics, new_topics, source, input, "
    "at, agent_id, expires_at"
)


def to_memories(rows: Sequence[Row]) -> list[UserMemory]:
    validate = UserMemory.__pydantic_validator__.validate_python
    return [
        validate(
            {
                "memory_id": row[0],
                "user_id": row[1],
                "memory": row[2],
                "topics": row[3],
                "input": row[4],
                "created_at": row[5],
                "updated_at": row[6],
                "agent_id": row[7] or None,
                "expires_at": row[8],
            }
        )
        for row in rows
    ]


def _to_event(row: Row) -> MemoryEvent:
    keys = [c.strip() for c in EVENT_COLUMNS.split(",")]
    values = dict(zip(keys, row, strict=True))
    return MemoryEvent.model_validate({**values, "agent_id": values["agent_id"] or None})


def _event_row(event: MemoryEvent) -> tuple[Any, ...]:
    return (
        event.memory_id,
        event.user_id,
        event.action,
        event.old_memory,
        event.new_memory,
        None if event.old_topics is None else Jsonb(event.old_topics),
        None if event.new_topics is None else Jsonb(event.new_topics),
        event.source,
        event.input,
        event.at,
        event.agent_id or "",
        event.expires_at,
    )


class PostgresMemories(PostgresConnection):
    """Writes and reads of memories and their history."""

    async def _apply(
        self, io: Io, user_id: str, writes: WriteBatch, *, scope: Scope = USER_SCOPE
    ) -> list[MemoryEvent]:
        reads = reads_for(writes.ops)
        scope = Scope(scope.agent_id, writes.context.at)
        async with self._sql(io) as sql:
            await self._lock_user(sql, user_id)
            if writes.context.settles is not None:
                await self._settle(sql, user_id, scope, writes.context.settles)
            pks, current = await self._current(sql, user_id, scope, reads)
            plan = plan_writes(
                user_id, current, writes.ops, writes.context, agent_id=scope.agent_id
            )
            if plan.events:
                await self._store(sql, user_id, scope, pks, plan)
        return plan.events

    async def _settle(self, sql: Sql, user_id: str, scope: Scope, claim: PendingClaim) -> None:
        """Delete the claimed messages of the scope, all of them or (raising) none."""
        ids = sorted(set(claim.message_ids))
        settled = await sql.execute(
            f"DELETE FROM {self._t}_pending WHERE user_id = %s AND agent_id = %s "
            "AND thread_id = %s AND claim = %s AND message_id = ANY(%s)",
            (*scope_key(user_id, scope), claim.thread_id, claim.token, ids),
        )
        if settled != len(ids):
            raise PendingClaimLostError(
                f"{len(ids) - settled} of {len(ids)} messages of thread {claim.thread_id!r} "
                "were taken or settled by another worker"
            )

    async def _current(
        self, sql: Sql, user_id: str, scope: Scope, reads: Reads
    ) -> tuple[dict[str, int], list[UserMemory]]:
        """The memories a batch depends on and the expired ones, oldest first, and their
        primary keys."""
        where = (
            IN_SCOPE
            if reads.everything
            else f"{IN_SCOPE} AND (memory_id = ANY(%(ids)s) OR text_key = ANY(%(keys)s) "
            f"OR {EXPIRED})"
        )
        rows = await sql.fetch(
            f"SELECT {COLUMNS}, id FROM {self._t} WHERE {where} ORDER BY created_at, id",
            scope_params(
                user_id, scope, ids=sorted(reads.memory_ids), keys=sorted(reads.text_keys)
            ),
        )
        return {row[0]: row[-1] for row in rows}, to_memories(rows)

    async def _store(
        self, sql: Sql, user_id: str, scope: Scope, pks: dict[str, int], plan: WritePlan
    ) -> None:
        t = self._t
        removed = [index_text(m.memory, m.topics).length for m in plan.deletes]
        removed += [index_text(old.memory, old.topics).length for old, _ in plan.updates]
        changed = [(new, index_text(new.memory, new.topics)) for _, new in plan.updates]
        added = [(new, index_text(new.memory, new.topics)) for new in plan.inserts]
        await sql.execute(
            f"INSERT INTO {t}_users (user_id, agent_id, memories, terms, version) "
            "VALUES (%s, %s, %s, %s, %s) "
            f"ON CONFLICT (user_id, agent_id) DO UPDATE SET memories = {t}_users.memories + "
            f"excluded.memories, terms = {t}_users.terms + excluded.terms, "
            f"version = {t}_users.version + 1",
            (
                *scope_key(user_id, scope),
                len(plan.inserts) - len(plan.deletes),
                sum(i.length for _, i in changed + added) - sum(removed),
                time.time_ns(),  # no version an erased scope had, and a cache holds, comes back
            ),
        )
        if plan.deletes:
            await sql.execute(
                f"DELETE FROM {t} WHERE id = ANY(%s)",
                ([pks[str(m.memory_id)] for m in plan.deletes],),
            )
        stale = [pks[str(old.memory_id)] for old, new in plan.updates if old.memory != new.memory]
        if stale:  # a vector is only kept with the text it was made from
            await sql.execute(f"DELETE FROM {t}_vectors WHERE memory_pk = ANY(%s)", (stale,))
        await sql.executemany(
            f"UPDATE {t} SET memory = %s, topics = %s, input = %s, text_key = %s, "
            "created_at = %s, updated_at = %s, expires_at = %s, terms = %s, topic_terms = %s, "
            "term_count = %s WHERE id = %s",
            [(*_columns(new, i), pks[str(new.memory_id)]) for new, i in changed],
        )
        await sql.executemany(
            f"INSERT INTO {t} (memory, topics, input, text_key, created_at, updated_at, "
            "expires_at, terms, topic_terms, term_count, memory_id, user_id, agent_id) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            [(*_columns(new, i), new.memory_id, *scope_key(user_id, scope)) for new, i in added],
        )
        await sql.executemany(
            f"INSERT INTO {t}_history ({EVENT_COLUMNS}) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            [_event_row(event) for event in plan.events],
        )

    async def _get_memories(
        self, io: Io, user_id: str, memory_ids: Sequence[str], *, scope: Scope = USER_SCOPE
    ) -> list[UserMemory]:
        if not memory_ids:
            return []
        async with self._sql(io, transaction=False) as sql:
            rows = await sql.fetch(
                f"SELECT {COLUMNS} FROM {self._t} WHERE {IN_SCOPE} AND {LIVE} "
                "AND memory_id = ANY(%(ids)s)",
                scope_params(user_id, scope, ids=list(memory_ids)),
            )
        return to_memories(rows)

    async def _list_memories(
        self, io: Io, user_id: str, query: ListQuery = AS_ADDED, *, scope: Scope = USER_SCOPE
    ) -> list[UserMemory]:
        direction = "DESC" if query.newest_first else "ASC"
        column = "updated_at" if query.order_by == "updated_at" else "created_at"
        async with self._sql(io) as sql:
            rows = await sql.fetch(
                f"SELECT {COLUMNS} FROM {self._t} WHERE {IN_SCOPE} AND {LIVE} "
                f"ORDER BY {column} {direction}, id {direction} LIMIT %(limit)s",
                scope_params(user_id, scope, limit=query.limit),
            )
        return to_memories(rows)

    async def _history(
        self, io: Io, user_id: str, memory_id: str, *, scope: Scope = USER_SCOPE
    ) -> list[MemoryEvent]:
        async with self._sql(io) as sql:
            rows = await sql.fetch(
                f"SELECT {EVENT_COLUMNS} FROM {self._t}_history "
                f"WHERE {IN_SCOPE} AND memory_id = %(memory_id)s ORDER BY id",
                scope_params(user_id, scope, memory_id=memory_id),
            )
        return [_to_event(row) for row in rows]

    async def _user_ids(self, io: Io, *, scope: Scope = USER_SCOPE) -> list[str]:
        async with self._sql(io) as sql:
            rows = await sql.fetch(
                f"SELECT user_id FROM {self._t}_users WHERE agent_id = %s AND memories > 0 "
                "ORDER BY user_id",
                (scope.agent_id or "",),
            )
        return [row[0] for row in rows]


def _columns(memory: UserMemory, indexed: Any) -> tuple[Any, ...]:
    """The columns a write sets, in the order `_store` names them."""
    return (
        memory.memory,
        Jsonb(memory.topics),
        memory.input,
        normalized_text(memory.memory),
        memory.created_at,
        memory.updated_at,
        memory.expires_at,
        list(indexed.text_terms),
        list(indexed.topic_terms),
        indexed.length,
    )
