"""Pending messages, thread owners, sessions and erasure of a PostgresMemoryDb.

Pending messages are user messages kept for deferred extraction until a batch
learned from them lands; a worker's claim keeps others off the thread while it
learns. A thread belongs to the user of its first run. Claims, releases and
erasure take the user's write lock, so they queue with that user's batches.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import psycopg
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.checkpoint.postgres import PostgresSaver
from langgraph.store.base import BaseStore
from langgraph.store.postgres import PostgresStore
from psycopg.rows import dict_row

from memory.db.base import USER_SCOPE, ClaimRequest, Scope
from memory.db.postgres_connection import CONNECT_TIMEOUT, PostgresConnection, scope_key, unnested
from memory.db.session_savers import PostgresSessionSaver
from memory.db.sessions import erase_archive, erase_checkpoints
from memory.errors import MemoryDbError
from memory.schema import EraseResult, PendingMessage, PendingThread
from memory.twins import BLOCKING, Io, offload, run_sync


class PostgresPending(PostgresConnection):
    """Pending messages, the owners of threads, the agent's sessions (a `SessionHost`:
    checkpoints and archived runs in this database), and erasing a user or sessions."""

    async def _claim_thread(self, io: Io, user_id: str, thread_id: str) -> str:
        owner = f"SELECT user_id FROM {self._t}_threads WHERE thread_id = %s"
        async with self._sql(io) as sql:
            rows = await sql.fetch(owner, (thread_id,))
            if not rows:  # else no write is needed: a thread's owner never changes
                await sql.execute(
                    f"INSERT INTO {self._t}_threads (thread_id, user_id) VALUES (%s, %s) "
                    "ON CONFLICT (thread_id) DO NOTHING",
                    (thread_id, user_id),
                )
                rows = await sql.fetch(owner, (thread_id,))
        return str(rows[0][0])

    async def _user_threads(self, io: Io, user_id: str) -> list[str]:
        async with self._sql(io) as sql:
            rows = await sql.fetch(
                f"SELECT thread_id FROM {self._t}_threads WHERE user_id = %s "
                "ORDER BY claimed_at, thread_id",
                (user_id,),
            )
        return [row[0] for row in rows]

    async def _erase_user(self, io: Io, user_id: str) -> EraseResult:
        """Every row of the user; PostgreSQL frees their space at its next VACUUM."""
        t = self._t
        async with self._sql(io) as sql:
            await self._lock_user(sql, user_id)

            async def delete(table: str) -> int:
                return await sql.execute(f"DELETE FROM {table} WHERE user_id = %s", (user_id,))

            vectors = await delete(f"{t}_vectors")
            erased = EraseResult(
                memories=await delete(t),
                memory_history=await delete(f"{t}_history"),
                vectors=vectors,
                session_summaries=await delete(f"{t}_summaries"),
                summary_history=await delete(f"{t}_summary_history"),
                pending_messages=await delete(f"{t}_pending"),
                threads=await delete(f"{t}_threads"),
            )
            await delete(f"{t}_users")
        self._vector_cache.discard_where(lambda key: isinstance(key, tuple) and key[0] == user_id)
        return erased

    async def _erase_sessions(self, io: Io, thread_ids: Sequence[str]) -> tuple[int, int]:
        """The threads' checkpoints and archived runs, where an agent keeps them in this
        database (LangGraph's PostgreSQL saver and store), on one connection of its own
        (LangGraph's saver and store block, so an awaited call runs in a worker thread)."""
        if not thread_ids:
            return 0, 0
        if io.blocking:
            return self._erase_threads(thread_ids)
        return await offload(self._erase_threads, thread_ids)

    def session_checkpointer(self) -> BaseCheckpointSaver[Any]:
        """Checkpoints in this database on its one pool (async in the loop that owns its
        async pool)."""
        saver = PostgresSessionSaver(self.pool(), self.async_pool)
        with self.exclusively():
            saver.setup()
        return saver

    def session_archive(self) -> BaseStore:
        """Archived runs in this database, on its one pool (LangGraph's PostgresStore)."""
        store = PostgresStore(self.pool())
        with self.exclusively():
            store.setup()
        return store

    def _erase_threads(self, thread_ids: Sequence[str]) -> tuple[int, int]:
        try:
            with psycopg.connect(
                self.conn_string,
                autocommit=True,
                prepare_threshold=0,
                row_factory=dict_row,
                connect_timeout=CONNECT_TIMEOUT,
            ) as conn:
                found = conn.execute(
                    "SELECT to_regclass('checkpoints') IS NOT NULL AS checkpoints, "
                    "to_regclass('store') IS NOT NULL AS store"
                ).fetchone()
                assert found is not None
                checkpoints = (
                    erase_checkpoints(PostgresSaver(conn), thread_ids)
                    if found["checkpoints"]
                    else 0
                )
                archived = (
                    run_sync(erase_archive(BLOCKING, PostgresStore(conn), thread_ids))
                    if found["store"]
                    else 0
                )
        except psycopg.Error as error:
            raise MemoryDbError(f"PostgreSQL failed: {error}") from error
        return checkpoints, archived

    async def _add_pending(
        self, io: Io, user_id: str, messages: Sequence[PendingMessage], *, scope: Scope = USER_SCOPE
    ) -> int:
        if not messages:
            return 0
        async with self._sql(io) as sql:
            return await sql.execute(
                f"INSERT INTO {self._t}_pending "
                "(user_id, agent_id, thread_id, message_id, text, at) "
                "SELECT %s, %s, m.thread_id, m.message_id, m.text, m.at "
                "FROM unnest(%s::text[], %s::text[], %s::text[], %s::timestamptz[]) "
                "WITH ORDINALITY AS m(thread_id, message_id, text, at, n) ORDER BY m.n "
                "ON CONFLICT (user_id, agent_id, thread_id, message_id) DO NOTHING",
                (
                    *scope_key(user_id, scope),
                    *unnested(messages, "thread_id", "message_id", "text", "at"),
                ),
            )

    async def _claim_pending(
        self, io: Io, user_id: str, request: ClaimRequest, *, scope: Scope = USER_SCOPE
    ) -> list[PendingMessage]:
        t = self._t
        user, agent = scope_key(user_id, scope)
        async with self._sql(io) as sql:
            await self._lock_user(sql, user_id)
            held = await sql.fetch(
                f"SELECT 1 FROM {t}_pending WHERE user_id = %s AND agent_id = %s "
                "AND thread_id = %s AND claim IS NOT NULL AND claim <> %s "
                "AND claimed_until > %s LIMIT 1",
                (user, agent, request.thread_id, request.token, request.now),
            )
            if held:
                return []
            rows = await sql.fetch(
                f"UPDATE {t}_pending SET claim = %s, claimed_until = %s WHERE id IN ("
                f"SELECT id FROM {t}_pending WHERE user_id = %s AND agent_id = %s "
                "AND thread_id = %s ORDER BY id LIMIT %s) RETURNING id, message_id, text, at",
                (request.token, request.until, user, agent, request.thread_id, request.limit),
            )
        return [PendingMessage(request.thread_id, row[1], row[2], row[3]) for row in sorted(rows)]

    async def _release_pending(
        self, io: Io, user_id: str, thread_id: str, token: str, *, scope: Scope = USER_SCOPE
    ) -> None:
        async with self._sql(io) as sql:
            await self._lock_user(sql, user_id)
            await sql.execute(
                f"UPDATE {self._t}_pending SET claim = NULL, claimed_until = NULL "
                "WHERE user_id = %s AND agent_id = %s AND thread_id = %s AND claim = %s",
                (*scope_key(user_id, scope), thread_id, token),
            )

    async def _drop_pending(
        self, io: Io, user_id: str | None = None, *, scope: Scope = USER_SCOPE
    ) -> int:
        async with self._sql(io) as sql:
            if user_id is not None:
                await self._lock_user(sql, user_id)
            return await sql.execute(
                f"DELETE FROM {self._t}_pending WHERE user_id = coalesce(%s::text, user_id) "
                "AND agent_id = %s",
                (user_id, scope.agent_id or ""),
            )

    async def _pending_threads(
        self, io: Io, user_id: str | None = None, *, scope: Scope = USER_SCOPE
    ) -> list[PendingThread]:
        async with self._sql(io) as sql:
            rows = await sql.fetch(
                f"SELECT user_id, thread_id, count(*), max(at), max(claimed_until) "
                f"FROM {self._t}_pending WHERE user_id = coalesce(%s::text, user_id) "
                "AND agent_id = %s GROUP BY user_id, thread_id ORDER BY min(id)",
                (user_id, scope.agent_id or ""),
            )
        return [PendingThread(row[0], row[1], int(row[2]), row[3], row[4]) for row in rows]
