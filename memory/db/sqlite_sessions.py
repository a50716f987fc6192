"""What a SqliteMemoryDb keeps of sessions: their summaries, the messages pending
deferred extraction, the owner of each thread, and the agent's own sessions in
the same file."""

from __future__ import annotations

import json
from collections.abc import Sequence
from contextlib import closing
from datetime import datetime
from typing import TYPE_CHECKING, Any

from memory.db import summary_sql
from memory.db.base import USER_SCOPE, ClaimRequest, Scope, SummaryWrite
from memory.db.sessions import erase_archive, erase_checkpoints
from memory.db.sqlite_connection import SqliteFile
from memory.db.sqlite_rows import (
    scope_key,
    sortable_time,
)
from memory.planner import SummaryPlan, plan_summary
from memory.schema import (
    PendingMessage,
    PendingThread,
    SessionSummary,
    SummaryEvent,
    utcnow,
)
from memory.twins import BLOCKING, Io

if TYPE_CHECKING:
    from langgraph.checkpoint.base import BaseCheckpointSaver
    from langgraph.store.base import BaseStore


class SqliteSessions(SqliteFile):
    """The session operations of `memory.db.base.MemoryDb` over a SQLite file."""

    # -- session summaries ------------------------------------------------------

    async def _write_summary(self, io: Io, user_id: str, write: SummaryWrite) -> SummaryPlan:
        sql, key = summary_sql.statements(self._t, "?"), (user_id, write.session_id)
        with self._transaction() as conn:
            found = conn.execute(sql.one, key).fetchone()
            previous = None if found is None else summary_sql.summary_of(found, json.loads)
            plan = plan_summary(user_id, write.session_id, previous, write.summary, write.context)
            if plan.event is None:
                return plan
            if plan.summary is None:
                conn.execute(sql.delete, key)
            else:
                conn.execute(sql.upsert, summary_sql.summary_values(plan.summary, _stored))
            conn.execute(sql.record, summary_sql.event_values(plan.event, _stored))
        return plan

    async def _get_summaries(
        self, io: Io, user_id: str, session_id: str | None = None
    ) -> list[SessionSummary]:
        rows = self._read(summary_sql.statements(self._t, "?").of_user, (user_id, session_id))
        return [summary_sql.summary_of(row, json.loads) for row in rows]

    async def _summary_history(self, io: Io, user_id: str, session_id: str) -> list[SummaryEvent]:
        rows = self._read(summary_sql.statements(self._t, "?").history, (user_id, session_id))
        return [summary_sql.event_of(row, json.loads) for row in rows]

    # -- pending messages (deferred extraction) ------------------------------------

    async def _add_pending(
        self, io: Io, user_id: str, messages: Sequence[PendingMessage], *, scope: Scope = USER_SCOPE
    ) -> int:
        if not messages:
            return 0
        user, agent = scope_key(user_id, scope)
        with self._transaction() as conn:
            return conn.executemany(
                f"INSERT INTO {self._t}_pending "
                "(user_id, agent_id, thread_id, message_id, text, at) VALUES (?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (user_id, agent_id, thread_id, message_id) DO NOTHING",
                [
                    (user, agent, m.thread_id, m.message_id, m.text, sortable_time(m.at))
                    for m in messages
                ],
            ).rowcount

    async def _claim_pending(
        self, io: Io, user_id: str, request: ClaimRequest, *, scope: Scope = USER_SCOPE
    ) -> list[PendingMessage]:
        t = self._t
        user, agent = scope_key(user_id, scope)
        with self._transaction() as conn:
            held = conn.execute(
                f"SELECT 1 FROM {t}_pending WHERE user_id = ? AND agent_id = ? AND thread_id = ? "
                "AND claim IS NOT NULL AND claim != ? AND claimed_until > ? LIMIT 1",
                (user, agent, request.thread_id, request.token, sortable_time(request.now)),
            ).fetchone()
            if held:
                return []
            rows = conn.execute(
                f"SELECT id, message_id, text, at FROM {t}_pending "
                "WHERE user_id = ? AND agent_id = ? AND thread_id = ? ORDER BY id LIMIT ?",
                (user, agent, request.thread_id, request.limit),
            ).fetchall()
            conn.executemany(
                f"UPDATE {t}_pending SET claim = ?, claimed_until = ? WHERE id = ?",
                [(request.token, sortable_time(request.until), row[0]) for row in rows],
            )
        thread_id = request.thread_id
        return [
            PendingMessage(thread_id, row[1], row[2], datetime.fromisoformat(row[3]))
            for row in rows
        ]

    async def _release_pending(
        self, io: Io, user_id: str, thread_id: str, token: str, *, scope: Scope = USER_SCOPE
    ) -> None:
        with self._transaction() as conn:
            conn.execute(
                f"UPDATE {self._t}_pending SET claim = NULL, claimed_until = NULL "
                "WHERE user_id = ? AND agent_id = ? AND thread_id = ? AND claim = ?",
                (*scope_key(user_id, scope), thread_id, token),
            )

    async def _pending_threads(
        self, io: Io, user_id: str | None = None, *, scope: Scope = USER_SCOPE
    ) -> list[PendingThread]:
        rows = self._read(
            f"SELECT user_id, thread_id, count(*), max(at), max(claimed_until) "
            f"FROM {self._t}_pending WHERE coalesce(?, user_id) = user_id AND agent_id = ? "
            "GROUP BY user_id, thread_id ORDER BY min(id)",
            (user_id, scope.agent_id or ""),
        )
        return [
            PendingThread(
                user_id=row[0],
                thread_id=row[1],
                messages=row[2],
                last_at=datetime.fromisoformat(row[3]),
                claimed_until=None if row[4] is None else datetime.fromisoformat(row[4]),
            )
            for row in rows
        ]

    async def _drop_pending(
        self, io: Io, user_id: str | None = None, *, scope: Scope = USER_SCOPE
    ) -> int:
        with self._transaction() as conn:
            return conn.execute(
                f"DELETE FROM {self._t}_pending WHERE coalesce(?, user_id) = user_id "
                "AND agent_id = ?",
                (user_id, scope.agent_id or ""),
            ).rowcount

    # -- thread owners and erasure ----------------------------------------------
    # -- thread owners and the agent's sessions ----------------------------------

    async def _claim_thread(self, io: Io, user_id: str, thread_id: str) -> str:
        select = f"SELECT user_id FROM {self._t}_threads WHERE thread_id = ?"
        owner = self._read(select, (thread_id,))
        if owner:  # a thread's owner never changes: no write needed to know it
            return str(owner[0][0])
        with self._transaction() as conn:
            conn.execute(
                f"INSERT INTO {self._t}_threads (thread_id, user_id, claimed_at) VALUES (?, ?, ?) "
                "ON CONFLICT (thread_id) DO NOTHING",
                (thread_id, user_id, sortable_time(utcnow())),
            )
            (found,) = conn.execute(select, (thread_id,)).fetchone()
        return str(found)

    async def _user_threads(self, io: Io, user_id: str) -> list[str]:
        rows = self._read(
            f"SELECT thread_id FROM {self._t}_threads WHERE user_id = ? ORDER BY claimed_at",
            (user_id,),
        )
        return [row[0] for row in rows]

    def session_checkpointer(self) -> BaseCheckpointSaver[Any] | None:
        """Checkpoints in this file (LangGraph's SQLite saver); none for an in-process database.

        LangGraph's savers are imported here, not at the top: a command that only reads
        memories never loads them."""
        from memory.db.session_savers import ThreadedSqliteSaver

        return None if self.in_process else ThreadedSqliteSaver(self.connect())

    def session_archive(self) -> BaseStore | None:
        """Archived runs in this file (LangGraph's SQLite store); none in process."""
        if self.in_process:
            return None
        from memory.db.session_savers import ThreadedSqliteStore

        store = ThreadedSqliteStore(self.connect(autocommit=True))
        store.setup()
        return store

    async def _erase_sessions(self, io: Io, thread_ids: Sequence[str]) -> tuple[int, int]:
        """The threads' checkpoints and archived runs, where an agent keeps them in this
        file (LangGraph's SQLite saver and store)."""
        if self.in_process or not thread_ids:
            return 0, 0
        from langgraph.checkpoint.sqlite import SqliteSaver
        from langgraph.store.sqlite import SqliteStore

        tables = {
            row[0] for row in self._read("SELECT name FROM sqlite_master WHERE type = 'table'", ())
        }
        checkpoints = archived = 0
        if "checkpoints" in tables:
            with closing(self.connect()) as conn:
                checkpoints = erase_checkpoints(SqliteSaver(conn), thread_ids)
        if "store" in tables:
            with closing(self.connect(autocommit=True)) as conn:
                store = SqliteStore(conn)
                store.is_setup = True  # its tables exist: erasing creates none
                archived = await erase_archive(BLOCKING, store, thread_ids)
        return checkpoints, archived

    # -- reads ----------------------------------------------------------------


def _stored(value: Any) -> Any:
    """A value as this file stores it: topics as JSON text, times as ISO text."""
    if isinstance(value, list):
        return json.dumps(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return value
