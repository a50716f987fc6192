"""Session summaries of a PostgresMemoryDb: one per user and session, with their history."""

from __future__ import annotations

from psycopg.types.json import Jsonb

from memory.db.base import SummaryWrite
from memory.db.postgres_connection import PostgresConnection, Row
from memory.db.summary_sql import SUMMARY_COLUMNS, SUMMARY_EVENT_COLUMNS, summary_sql
from memory.planner import SummaryPlan, plan_summary
from memory.schema import SessionSummary, SummaryEvent
from memory.twins import Io


def _to_summary(row: Row) -> SessionSummary:
    keys = [c.strip() for c in SUMMARY_COLUMNS.split(",")]
    return SessionSummary.model_validate(dict(zip(keys, row, strict=True)))


def _to_summary_event(row: Row) -> SummaryEvent:
    keys = [c.strip() for c in SUMMARY_EVENT_COLUMNS.split(",")]
    return SummaryEvent.model_validate(dict(zip(keys, row, strict=True)))


class PostgresSummaries(PostgresConnection):
    """Writes and reads of session summaries; a write takes its user's lock."""

    async def _write_summary(self, io: Io, user_id: str, write: SummaryWrite) -> SummaryPlan:
        statements, key = summary_sql(self._t, "%s"), (user_id, write.session_id)
        async with self._sql(io) as sql:
            await self._lock_user(sql, user_id)
            found = await sql.fetch(statements.one, key)
            previous = _to_summary(found[0]) if found else None
            plan = plan_summary(user_id, write.session_id, previous, write.summary, write.context)
            if plan.event is None:
                return plan
            if plan.summary is None:
                await sql.execute(statements.delete, key)
            else:
                kept = plan.summary
                topics, runs = Jsonb(kept.topics), kept.runs
                times = kept.created_at, kept.updated_at
                await sql.execute(statements.upsert, (*key, kept.summary, topics, runs, *times))
            event = plan.event
            await sql.execute(
                statements.record,
                (
                    *key,
                    event.action,
                    event.old_summary,
                    event.new_summary,
                    None if event.old_topics is None else Jsonb(event.old_topics),
                    None if event.new_topics is None else Jsonb(event.new_topics),
                    event.source,
                    event.at,
                ),
            )
        return plan

    async def _get_summaries(
        self, io: Io, user_id: str, session_id: str | None = None
    ) -> list[SessionSummary]:
        async with self._sql(io) as sql:
            rows = await sql.fetch(summary_sql(self._t, "%s").of_user, (user_id, session_id))
        return [_to_summary(row) for row in rows]

    async def _summary_history(self, io: Io, user_id: str, session_id: str) -> list[SummaryEvent]:
        async with self._sql(io) as sql:
            rows = await sql.fetch(summary_sql(self._t, "%s").history, (user_id, session_id))
        return [_to_summary_event(row) for row in rows]
