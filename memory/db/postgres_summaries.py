"""Session summaries of a PostgresMemoryDb: one per user and session, with their history."""

from __future__ import annotations

from typing import Any

from psycopg.types.json import Jsonb

from memory.db import summary_sql
from memory.db.base import SummaryWrite
from memory.db.postgres_connection import PostgresConnection
from memory.planner import SummaryPlan, plan_summary
from memory.schema import SessionSummary, SummaryEvent
from memory.twins import Io


class PostgresSummaries(PostgresConnection):
    """Writes and reads of session summaries; a write takes its user's lock."""

    async def _write_summary(self, io: Io, user_id: str, write: SummaryWrite) -> SummaryPlan:
        statements, key = summary_sql.statements(self._t, "%s"), (user_id, write.session_id)
        async with self._sql(io) as sql:
            await self._lock_user(sql, user_id)
            found = await sql.fetch(statements.one, key)
            previous = summary_sql.summary_of(found[0], list) if found else None
            plan = plan_summary(user_id, write.session_id, previous, write.summary, write.context)
            if plan.event is None:
                return plan
            if plan.summary is None:
                await sql.execute(statements.delete, key)
            else:
                kept = summary_sql.summary_values(plan.summary, _stored)
                await sql.execute(statements.upsert, kept)
            event = summary_sql.event_values(plan.event, _stored)
            await sql.execute(statements.record, event)
        return plan

    async def _get_summaries(
        self, io: Io, user_id: str, session_id: str | None = None
    ) -> list[SessionSummary]:
        async with self._sql(io) as sql:
            rows = await sql.fetch(
                summary_sql.statements(self._t, "%s").of_user, (user_id, session_id)
            )
        return [summary_sql.summary_of(row, list) for row in rows]

    async def _summary_history(self, io: Io, user_id: str, session_id: str) -> list[SummaryEvent]:
        async with self._sql(io) as sql:
            rows = await sql.fetch(
                summary_sql.statements(self._t, "%s").history, (user_id, session_id)
            )
        return [summary_sql.event_of(row, list) for row in rows]


def _stored(value: Any) -> Any:
    """A value as PostgreSQL stores it: topics as JSONB."""
    return Jsonb(value) if isinstance(value, list) else value
