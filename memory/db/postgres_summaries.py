"""Session summaries of a PostgresMemoryDb: one per user and session, with their history."""

from __future__ import annotations

from psycopg.types.json import Jsonb

from memory.db.base import SummaryWrite
from memory.db.postgres_connection import PostgresConnection, Row
from memory.planner import SummaryPlan, plan_summary
from memory.schema import SessionSummary, SummaryEvent
from memory.twins import Io

SUMMARY_COLUMNS = "user_id, session_id, summary, topics, runs, created_at, updated_at"
SUMMARY_EVENT_COLUMNS = (
    "user_id, session_id, action, old_summary, new_summary, old_topics, new_topics, source, at"
)


def _to_summary(row: Row) -> SessionSummary:
    keys = [c.strip() for c in SUMMARY_COLUMNS.split(",")]
    return SessionSummary.model_validate(dict(zip(keys, row, strict=True)))


def _to_summary_event(row: Row) -> SummaryEvent:
    keys = [c.strip() for c in SUMMARY_EVENT_COLUMNS.split(",")]
    return SummaryEvent.model_validate(dict(zip(keys, row, strict=True)))


class PostgresSummaries(PostgresConnection):
    """Writes and reads of session summaries; a write takes its user's lock."""

    async def _write_summary(self, io: Io, user_id: str, write: SummaryWrite) -> SummaryPlan:
        t = self._t
        async with self._sql(io) as sql:
            await self._lock_user(sql, user_id)
            found = await sql.fetch(
                f"SELECT {SUMMARY_COLUMNS} FROM {t}_summaries "
                "WHERE user_id = %s AND session_id = %s",
                (user_id, write.session_id),
            )
            previous = _to_summary(found[0]) if found else None
            plan = plan_summary(user_id, write.session_id, previous, write.summary, write.context)
            if plan.event is None:
                return plan
            if plan.summary is None:
                await sql.execute(
                    f"DELETE FROM {t}_summaries WHERE user_id = %s AND session_id = %s",
                    (user_id, write.session_id),
                )
            else:
                kept = plan.summary
                await sql.execute(
                    f"INSERT INTO {t}_summaries ({SUMMARY_COLUMNS}) "
                    "VALUES (%s, %s, %s, %s, %s, %s, %s) "
                    "ON CONFLICT (user_id, session_id) DO UPDATE SET summary = excluded.summary, "
                    "topics = excluded.topics, runs = excluded.runs, "
                    "updated_at = excluded.updated_at",
                    (
                        user_id,
                        write.session_id,
                        kept.summary,
                        Jsonb(kept.topics),
                        kept.runs,
                        kept.created_at,
                        kept.updated_at,
                    ),
                )
            event = plan.event
            await sql.execute(
                f"INSERT INTO {t}_summary_history ({SUMMARY_EVENT_COLUMNS}) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                (
                    user_id,
                    write.session_id,
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
            rows = await sql.fetch(
                f"SELECT {SUMMARY_COLUMNS} FROM {self._t}_summaries "
                "WHERE user_id = %s AND session_id = coalesce(%s, session_id) "
                "ORDER BY updated_at DESC, session_id",
                (user_id, session_id),
            )
        return [_to_summary(row) for row in rows]

    async def _summary_history(self, io: Io, user_id: str, session_id: str) -> list[SummaryEvent]:
        async with self._sql(io) as sql:
            rows = await sql.fetch(
                f"SELECT {SUMMARY_EVENT_COLUMNS} FROM {self._t}_summary_history "
                "WHERE user_id = %s AND session_id = %s ORDER BY id",
                (user_id, session_id),
            )
        return [_to_summary_event(row) for row in rows]
