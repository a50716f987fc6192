"""PostgresMemoryDb: memories in PostgreSQL, shared by every worker of an app.

Each operation is written once, as async code over a small SQL port: blocking
calls go through a `psycopg_pool.ConnectionPool`, awaited ones through an
`AsyncConnectionPool` when one was opened in the running event loop
(`afrom_conn_string` / `aopen`), else through the blocking pool in a worker thread.
"""

from __future__ import annotations

import asyncio
import logging
import re
import threading
import time
import zlib
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator, Mapping, Sequence
from contextlib import asynccontextmanager, contextmanager
from datetime import datetime
from typing import Any, Concatenate, ParamSpec, Protocol, TypeVar

import numpy as np
import psycopg
import psycopg_pool
from langgraph.checkpoint.postgres import PostgresSaver
from langgraph.store.postgres import PostgresStore
from psycopg.rows import dict_row, tuple_row
from psycopg.types.json import Jsonb

from memory.db.base import (
    USER_SCOPE,
    KeywordCandidates,
    MemoryDb,
    MemoryVector,
    OrderBy,
    Scope,
    UserVectors,
    recency_ranks,
)
from memory.db.postgres_schema import VERSIONS_TABLE, migrations, statements
from memory.db.sessions import erase_archive, erase_checkpoints
from memory.db.vectors import VECTOR_CACHE_BYTES, VectorCache, as_vector, unit_rows
from memory.errors import InvalidInputError, MemoryDbError, PendingClaimLostError
from memory.planner import Reads, SummaryPlan, WritePlan, plan_summary, plan_writes, reads_for
from memory.schema import (
    EraseResult,
    MemoryEvent,
    MemoryOp,
    PendingClaim,
    PendingMessage,
    PendingThread,
    SessionSummary,
    SummaryEvent,
    UserMemory,
    WriteContext,
)
from memory.text import TOPIC_WEIGHT, index_text, normalized_text
from memory.twins import AWAITING, BLOCKING, Io, offload, run_sync

logger = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")

_IDENTIFIER = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,40}")
_COLUMNS = "memory_id, user_id, memory, topics, input, created_at, updated_at, agent_id, expires_at"
_EVENT_COLUMNS = (
    "memory_id, user_id, action, old_memory, new_memory, old_topics, new_topics, source, input, "
    "at, agent_id, expires_at"
)
_SUMMARY_COLUMNS = "user_id, session_id, summary, topics, runs, created_at, updated_at"
_SUMMARY_EVENT_COLUMNS = (
    "user_id, session_id, action, old_summary, new_summary, old_topics, new_topics, source, at"
)
_IN_SCOPE = "user_id = %(user)s AND agent_id = %(agent)s"
_LIVE = "(expires_at IS NULL OR expires_at > %(at)s)"
_EXPIRED = "expires_at IS NOT NULL AND expires_at <= %(at)s"

ScopeKey = tuple[str, str]
"""(user_id, agent_id) as stored: '' for the user's own memories."""
_CONNECT_TIMEOUT = 10
_SNAPSHOT = "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"
_CONNECTIONS: dict[str, Any] = {
    "autocommit": True,
    "prepare_threshold": 0,
    "row_factory": dict_row,
    "connect_timeout": _CONNECT_TIMEOUT,
}
"""The pool's connections: as LangGraph's PostgreSQL saver and store want them."""

Row = tuple[Any, ...]
Params = Sequence[Any] | Mapping[str, Any]


class _Sql(Protocol):
    """The few statements the store needs, on one connection inside one transaction."""

    async def fetch(self, query: str, params: Params = ()) -> list[Row]: ...

    async def execute(self, query: str, params: Params = ()) -> int: ...

    async def executemany(self, query: str, rows: Sequence[Sequence[Any]]) -> None: ...


class _BlockingSql:
    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self.conn = conn

    async def fetch(self, query: str, params: Params = ()) -> list[Row]:
        return self.conn.cursor(row_factory=tuple_row).execute(query, params).fetchall()

    async def execute(self, query: str, params: Params = ()) -> int:
        return self.conn.cursor(row_factory=tuple_row).execute(query, params).rowcount

    async def executemany(self, query: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            self.conn.cursor(row_factory=tuple_row).executemany(query, rows)


class _AwaitingSql:
    def __init__(self, conn: psycopg.AsyncConnection[Any]) -> None:
        self.conn = conn

    async def fetch(self, query: str, params: Params = ()) -> list[Row]:
        cursor = self.conn.cursor(row_factory=tuple_row)
        return await (await cursor.execute(query, params)).fetchall()

    async def execute(self, query: str, params: Params = ()) -> int:
        return (await self.conn.cursor(row_factory=tuple_row).execute(query, params)).rowcount

    async def executemany(self, query: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            await self.conn.cursor(row_factory=tuple_row).executemany(query, rows)


def _to_memories(rows: Sequence[Row]) -> list[UserMemory]:
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
    keys = [c.strip() for c in _EVENT_COLUMNS.split(",")]
    values = dict(zip(keys, row, strict=True))
    return MemoryEvent.model_validate({**values, "agent_id": values["agent_id"] or None})


def _key(user_id: str, scope: Scope) -> ScopeKey:
    return user_id, scope.agent_id or ""


def _params(user_id: str, scope: Scope, **more: Any) -> dict[str, Any]:
    """The named parameters of `_IN_SCOPE`, `_LIVE` and `_EXPIRED`, and `more`."""
    return {"user": user_id, "agent": scope.agent_id or "", "at": scope.now(), **more}


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


def _to_summary(row: Row) -> SessionSummary:
    keys = [c.strip() for c in _SUMMARY_COLUMNS.split(",")]
    return SessionSummary.model_validate(dict(zip(keys, row, strict=True)))


def _to_summary_event(row: Row) -> SummaryEvent:
    keys = [c.strip() for c in _SUMMARY_EVENT_COLUMNS.split(",")]
    return SummaryEvent.model_validate(dict(zip(keys, row, strict=True)))


class PostgresMemoryDb(MemoryDb):
    """Memories, their history and their vectors in one PostgreSQL database.

    Every worker of an app can share it: a batch is one transaction that first
    takes a lock on its user (`pg_advisory_xact_lock`), so concurrent writers of
    one user queue instead of racing (two adds of one fact leave one memory) and
    writers of different users never wait for each other. Keyword candidates
    come from a `tsvector` of each memory's index terms under a GIN index; the
    ranking itself is the package's, so results equal SQLite's.

    Call `setup()` once (it is idempotent) to create or migrate the tables.
    """

    def __init__(
        self,
        conn_string: str,
        table_name: str = "user_memories",
        *,
        max_connections: int = 10,
        timeout: float = 10.0,
        vector_cache_bytes: int = VECTOR_CACHE_BYTES,
    ) -> None:
        """
        Args:
            conn_string: A libpq URL or DSN, e.g. "postgresql://user@host:5432/db".
            table_name: Memories table; several tables may share one database.
            max_connections: Size of the one connection pool (and of the async pool,
                when one is opened); the agent's default sessions share it.
            timeout: Seconds to wait for a free connection before failing.
            vector_cache_bytes: Memory for users' vectors kept between searches;
                the least recently searched go first.
        """
        if not _IDENTIFIER.fullmatch(table_name):
            raise InvalidInputError(
                f"table_name must be letters, digits and underscores, got {table_name!r}"
            )
        self.conn_string = conn_string
        self.table_name = table_name.lower()
        self.max_connections = max_connections
        self.timeout = timeout
        self._t = self.table_name
        self._lock_key = zlib.crc32(self._t.encode()) - 2**31
        self._shared_key = zlib.crc32(f"{self._t}:shared".encode()) - 2**31
        self._guard = threading.Lock()
        self._pool: psycopg_pool.ConnectionPool[psycopg.Connection[Any]] | None = None
        self._apool: psycopg_pool.AsyncConnectionPool[psycopg.AsyncConnection[Any]] | None = None
        self._apool_loop: asyncio.AbstractEventLoop | None = None
        self._vector_cache = VectorCache(vector_cache_bytes)
        """Per user and agent scope, tagged with the scope's version and the model."""

    # -- connections --------------------------------------------------------------

    @classmethod
    @contextmanager
    def from_conn_string(
        cls, conn_string: str, table_name: str = "user_memories"
    ) -> Iterator[PostgresMemoryDb]:
        """A store set up for the length of a `with` block, closed after."""
        db = cls(conn_string, table_name)
        try:
            db.setup()
            yield db
        finally:
            db.close()

    @classmethod
    @asynccontextmanager
    async def afrom_conn_string(
        cls, conn_string: str, table_name: str = "user_memories"
    ) -> AsyncIterator[PostgresMemoryDb]:
        """As `from_conn_string`, with an async pool in this event loop for awaited calls."""
        db = cls(conn_string, table_name)
        try:
            await db.aopen()
            await db.asetup()
            yield db
        finally:
            await db.aclose()

    def pool(self) -> psycopg_pool.ConnectionPool[psycopg.Connection[Any]]:
        """The one blocking connection pool (`max_connections`), opened at first use.

        What shares the database borrows it too, such as the agent's default sessions:
        its connections are autocommit with dict rows and no server-side prepared
        statements kept, as LangGraph's `PostgresSaver` and `PostgresStore` want them;
        this store's own statements run in explicit transactions with tuple rows.
        """
        with self._guard:
            if self._pool is None:
                self._check_reachable()
                self._pool = psycopg_pool.ConnectionPool(
                    self.conn_string,
                    min_size=1,
                    max_size=self.max_connections,
                    timeout=self.timeout,
                    check=psycopg_pool.ConnectionPool.check_connection,
                    kwargs=_CONNECTIONS,
                    open=True,
                    name=f"memory-agent-{self._t}",
                )
                logger.info(
                    "opened a pool of up to %d connections for table %r",
                    self.max_connections,
                    self._t,
                )
            return self._pool

    def _check_reachable(self) -> None:
        """Fail at once, with the server's reason, rather than after a pool timeout."""
        try:
            psycopg.connect(self.conn_string, connect_timeout=_CONNECT_TIMEOUT).close()
        except psycopg.Error as error:
            raise MemoryDbError(f"cannot connect to PostgreSQL: {error}".strip()) from error

    async def aopen(self) -> None:
        """Open the async pool in the running event loop; awaited calls made there use it."""
        if self._apool is not None:
            return
        await offload(self._check_reachable)
        pool: psycopg_pool.AsyncConnectionPool[psycopg.AsyncConnection[Any]] = (
            psycopg_pool.AsyncConnectionPool(
                self.conn_string,
                min_size=1,
                max_size=self.max_connections,
                timeout=self.timeout,
                check=psycopg_pool.AsyncConnectionPool.check_connection,
                kwargs=_CONNECTIONS,
                open=False,
                name=f"memory-agent-{self._t}-async",
            )
        )
        await pool.open()
        self._apool, self._apool_loop = pool, asyncio.get_running_loop()
        logger.info(
            "opened an async pool of up to %d connections for table %r",
            self.max_connections,
            self._t,
        )

    def async_pool(self) -> psycopg_pool.AsyncConnectionPool[psycopg.AsyncConnection[Any]] | None:
        """The async pool (connections as `pool()`'s), when it lives in the running event loop."""
        return self._apool if self.awaiting_here() else None

    def awaiting_here(self) -> bool:
        """Whether awaited calls made now use the async pool: it lives in this event loop."""
        try:
            return self._apool is not None and self._apool_loop is asyncio.get_running_loop()
        except RuntimeError:
            return False

    @contextmanager
    def exclusively(self) -> Iterator[None]:
        """One worker at a time: for setting up what shares the database (LangGraph's
        saver and store migrate their tables unguarded).

        The lock is polled on an autocommit connection: a worker blocked inside a
        statement would hold a snapshot, and LangGraph's `CREATE INDEX CONCURRENTLY`
        waits for every snapshot, so a plain wait would deadlock unseen.
        """
        try:
            conn = psycopg.connect(
                self.conn_string, autocommit=True, connect_timeout=_CONNECT_TIMEOUT
            )
        except psycopg.Error as error:
            raise MemoryDbError(f"cannot connect to PostgreSQL: {error}") from error
        with conn:
            while not _locked(conn, self._shared_key):
                time.sleep(0.05)
            try:
                yield
            finally:
                conn.execute("SELECT pg_advisory_unlock(%s)", (self._shared_key,))

    def close(self) -> None:
        """Close the blocking pool; the async pool is closed by `aclose()`."""
        with self._guard:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.close()

    async def aclose(self) -> None:
        """Close both pools."""
        if self._apool is not None:
            await self._apool.close()
            self._apool = self._apool_loop = None
        await offload(self.close)

    @asynccontextmanager
    async def _sql(self, io: Io, *, snapshot: bool = False) -> AsyncIterator[_Sql]:
        """A connection in one transaction: committed at the end, rolled back on error.

        With `snapshot`, a read-only transaction whose statements all see the database
        as of its first one (REPEATABLE READ), so statistics read by one statement agree
        with rows read by the next however many writers commit meanwhile.
        """
        try:
            if io.blocking:
                with self.pool().connection() as conn, conn.transaction():
                    sql: _Sql = _BlockingSql(conn)
                    if snapshot:
                        await sql.execute(_SNAPSHOT)
                    yield sql
            else:
                assert self._apool is not None
                async with self._apool.connection() as aconn, aconn.transaction():
                    sql = _AwaitingSql(aconn)
                    if snapshot:
                        await sql.execute(_SNAPSHOT)
                    yield sql
        except psycopg.errors.UndefinedTable as error:
            raise MemoryDbError(
                f"the tables of {self._t!r} do not exist: call PostgresMemoryDb.setup() first"
            ) from error
        except (psycopg.Error, psycopg_pool.PoolTimeout) as error:
            raise MemoryDbError(f"PostgreSQL failed: {error}") from error

    async def _run(
        self,
        io: Io,
        operation: Callable[Concatenate[Io, P], Coroutine[Any, Any, T]],
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> T:
        """Run `operation(io, ...)`: awaited on the async pool, or in a worker thread."""
        if io.blocking or self.awaiting_here():
            return await operation(io, *args, **kwargs)
        return await offload(lambda: run_sync(operation(BLOCKING, *args, **kwargs)))

    # -- schema ---------------------------------------------------------------------

    def setup(self) -> None:
        """Create the tables, or bring them up to this release's schema; idempotent."""
        run_sync(self._setup(BLOCKING))

    async def asetup(self) -> None:
        await self._run(AWAITING, self._setup)

    async def _setup(self, io: Io) -> None:
        scripts = migrations(self._t)
        async with self._sql(io) as sql:
            await sql.execute("SELECT pg_advisory_xact_lock(%s)", (self._lock_key,))
            await sql.execute(
                f"CREATE TABLE IF NOT EXISTS {VERSIONS_TABLE} "
                "(table_name TEXT PRIMARY KEY, version INTEGER NOT NULL)"
            )
            found = await sql.fetch(
                f"SELECT version FROM {VERSIONS_TABLE} WHERE table_name = %s", (self._t,)
            )
            version = found[0][0] if found else 0
            if version > len(scripts):
                refusal = (
                    f"table {self._t!r} has schema version {version}, newer than this release "
                    f"knows ({len(scripts)}); upgrade"
                )
                logger.info("refused the schema: %s", refusal)
                raise MemoryDbError(refusal)
            for script in scripts[version:]:
                for statement in statements(script):
                    await sql.execute(statement)
            if version < len(scripts):
                logger.info(
                    "table %r: applied migrations %d to %d", self._t, version + 1, len(scripts)
                )
            await sql.execute(
                f"INSERT INTO {VERSIONS_TABLE} (table_name, version) VALUES (%s, %s) "
                "ON CONFLICT (table_name) DO UPDATE SET version = excluded.version",
                (self._t, len(scripts)),
            )

    # -- writes ---------------------------------------------------------------------

    async def _apply(
        self,
        io: Io,
        user_id: str,
        ops: Sequence[MemoryOp],
        context: WriteContext,
        scope: Scope,
    ) -> list[MemoryEvent]:
        reads = reads_for(ops)
        scope = Scope(scope.agent_id, context.at)
        async with self._sql(io) as sql:
            await self._lock_user(sql, user_id)
            if context.settles is not None:
                await self._settle(sql, user_id, scope, context.settles)
            pks, current = await self._current(sql, user_id, scope, reads)
            plan = plan_writes(user_id, current, ops, context, agent_id=scope.agent_id)
            if plan.events:
                await self._store(sql, user_id, scope, pks, plan)
        return plan.events

    async def _lock_user(self, sql: _Sql, user_id: str) -> None:
        """Writers (and claimers) of one user queue here until the transaction ends."""
        await sql.execute(
            "SELECT pg_advisory_xact_lock(%s, hashtext(%s))", (self._lock_key, user_id)
        )

    async def _settle(self, sql: _Sql, user_id: str, scope: Scope, claim: PendingClaim) -> None:
        """Delete the claimed messages of the scope, all of them or (raising) none."""
        ids = sorted(set(claim.message_ids))
        settled = await sql.execute(
            f"DELETE FROM {self._t}_pending WHERE user_id = %s AND agent_id = %s "
            "AND thread_id = %s AND claim = %s AND message_id = ANY(%s)",
            (*_key(user_id, scope), claim.thread_id, claim.token, ids),
        )
        if settled != len(ids):
            raise PendingClaimLostError(
                f"{len(ids) - settled} of {len(ids)} messages of thread {claim.thread_id!r} "
                "were taken or settled by another worker"
            )

    # -- thread owners and erasure ----------------------------------------------------

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

    def claim_thread(self, user_id: str, thread_id: str) -> str:
        return run_sync(self._claim_thread(BLOCKING, user_id, thread_id))

    async def aclaim_thread(self, user_id: str, thread_id: str) -> str:
        return await self._run(AWAITING, self._claim_thread, user_id, thread_id)

    def user_threads(self, user_id: str) -> list[str]:
        return run_sync(self._user_threads(BLOCKING, user_id))

    async def auser_threads(self, user_id: str) -> list[str]:
        return await self._run(AWAITING, self._user_threads, user_id)

    def erase_user(self, user_id: str) -> EraseResult:
        return run_sync(self._erase_user(BLOCKING, user_id))

    async def aerase_user(self, user_id: str) -> EraseResult:
        return await self._run(AWAITING, self._erase_user, user_id)

    def erase_sessions(self, thread_ids: Sequence[str]) -> tuple[int, int]:
        """The threads' checkpoints and archived runs, where an agent keeps them in this
        database (LangGraph's PostgreSQL saver and store), on one connection of its own."""
        if not thread_ids:
            return 0, 0
        try:
            with psycopg.connect(
                self.conn_string,
                autocommit=True,
                prepare_threshold=0,
                row_factory=dict_row,
                connect_timeout=_CONNECT_TIMEOUT,
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

    # -- pending messages (deferred extraction) ---------------------------------------

    async def _add_pending(
        self,
        io: Io,
        user_id: str,
        thread_id: str,
        messages: Sequence[PendingMessage],
        scope: Scope,
    ) -> int:
        if not messages:
            return 0
        async with self._sql(io) as sql:
            return await sql.execute(
                f"INSERT INTO {self._t}_pending "
                "(user_id, agent_id, thread_id, message_id, text, at) "
                "SELECT %s, %s, %s, m.message_id, m.text, m.at "
                "FROM unnest(%s::text[], %s::text[], %s::timestamptz[]) "
                "WITH ORDINALITY AS m(message_id, text, at, n) ORDER BY m.n "
                "ON CONFLICT (user_id, agent_id, thread_id, message_id) DO NOTHING",
                (
                    *_key(user_id, scope),
                    thread_id,
                    [m.message_id for m in messages],
                    [m.text for m in messages],
                    [m.at for m in messages],
                ),
            )

    async def _claim_pending(
        self,
        io: Io,
        user_id: str,
        thread_id: str,
        token: str,
        now: datetime,
        until: datetime,
        limit: int,
        scope: Scope,
    ) -> list[PendingMessage]:
        t = self._t
        user, agent = _key(user_id, scope)
        async with self._sql(io) as sql:
            await self._lock_user(sql, user_id)
            held = await sql.fetch(
                f"SELECT 1 FROM {t}_pending WHERE user_id = %s AND agent_id = %s "
                "AND thread_id = %s AND claim IS NOT NULL AND claim <> %s "
                "AND claimed_until > %s LIMIT 1",
                (user, agent, thread_id, token, now),
            )
            if held:
                return []
            rows = await sql.fetch(
                f"UPDATE {t}_pending SET claim = %s, claimed_until = %s WHERE id IN ("
                f"SELECT id FROM {t}_pending WHERE user_id = %s AND agent_id = %s "
                "AND thread_id = %s ORDER BY id LIMIT %s) RETURNING id, message_id, text, at",
                (token, until, user, agent, thread_id, limit),
            )
        return [PendingMessage(row[1], row[2], row[3]) for row in sorted(rows)]

    async def _release_pending(
        self, io: Io, user_id: str, thread_id: str, token: str, scope: Scope
    ) -> None:
        async with self._sql(io) as sql:
            await self._lock_user(sql, user_id)
            await sql.execute(
                f"UPDATE {self._t}_pending SET claim = NULL, claimed_until = NULL "
                "WHERE user_id = %s AND agent_id = %s AND thread_id = %s AND claim = %s",
                (*_key(user_id, scope), thread_id, token),
            )

    async def _drop_pending(self, io: Io, user_id: str | None, scope: Scope) -> int:
        async with self._sql(io) as sql:
            if user_id is not None:
                await self._lock_user(sql, user_id)
            return await sql.execute(
                f"DELETE FROM {self._t}_pending WHERE user_id = coalesce(%s::text, user_id) "
                "AND agent_id = %s",
                (user_id, scope.agent_id or ""),
            )

    async def _pending_threads(
        self, io: Io, user_id: str | None, scope: Scope
    ) -> list[PendingThread]:
        async with self._sql(io) as sql:
            rows = await sql.fetch(
                f"SELECT user_id, thread_id, count(*), max(at), max(claimed_until) "
                f"FROM {self._t}_pending WHERE user_id = coalesce(%s::text, user_id) "
                "AND agent_id = %s GROUP BY user_id, thread_id ORDER BY min(id)",
                (user_id, scope.agent_id or ""),
            )
        return [PendingThread(row[0], row[1], int(row[2]), row[3], row[4]) for row in rows]

    async def _current(
        self, sql: _Sql, user_id: str, scope: Scope, reads: Reads
    ) -> tuple[dict[str, int], list[UserMemory]]:
        """The memories a batch depends on and the expired ones, oldest first, and their
        primary keys."""
        where = (
            _IN_SCOPE
            if reads.everything
            else f"{_IN_SCOPE} AND (memory_id = ANY(%(ids)s) OR text_key = ANY(%(keys)s) "
            f"OR {_EXPIRED})"
        )
        rows = await sql.fetch(
            f"SELECT {_COLUMNS}, id FROM {self._t} WHERE {where} ORDER BY created_at, id",
            _params(user_id, scope, ids=sorted(reads.memory_ids), keys=sorted(reads.text_keys)),
        )
        return {row[0]: row[-1] for row in rows}, _to_memories(rows)

    async def _store(
        self, sql: _Sql, user_id: str, scope: Scope, pks: dict[str, int], plan: WritePlan
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
                *_key(user_id, scope),
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
            [(*_columns(new, i), new.memory_id, *_key(user_id, scope)) for new, i in added],
        )
        await sql.executemany(
            f"INSERT INTO {t}_history ({_EVENT_COLUMNS}) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            [_event_row(event) for event in plan.events],
        )

    async def _set_vectors(
        self, io: Io, user_id: str, model: str, vectors: Sequence[MemoryVector], scope: Scope
    ) -> int:
        arrays = [as_vector(v.vector) for v in vectors]
        if not vectors:
            return 0
        t = self._t
        async with self._sql(io) as sql:
            stored = await sql.execute(
                f"INSERT INTO {t}_vectors (memory_pk, user_id, model, dimensions, vector) "
                "SELECT m.id, m.user_id, %s, %s, v.vector "
                "FROM unnest(%s::text[], %s::text[], %s::bytea[]) AS v(memory_id, memory, vector) "
                f"JOIN {t} m ON m.user_id = %s AND m.agent_id = %s AND m.memory_id = v.memory_id "
                "AND m.memory = v.memory "
                "ON CONFLICT (memory_pk) DO UPDATE SET model = excluded.model, "
                "dimensions = excluded.dimensions, vector = excluded.vector",
                (
                    model,
                    arrays[0].size,
                    [v.memory_id for v in vectors],
                    [v.memory for v in vectors],
                    [a.tobytes() for a in arrays],
                    *_key(user_id, scope),
                ),
            )
            await sql.execute(
                f"UPDATE {t}_users SET version = version + 1 WHERE user_id = %s AND agent_id = %s",
                _key(user_id, scope),
            )
        return stored

    async def _write_summary(
        self,
        io: Io,
        user_id: str,
        session_id: str,
        summary: SessionSummary | None,
        context: WriteContext,
    ) -> SummaryPlan:
        t = self._t
        async with self._sql(io) as sql:
            await sql.execute(
                "SELECT pg_advisory_xact_lock(%s, hashtext(%s))", (self._lock_key, user_id)
            )
            found = await sql.fetch(
                f"SELECT {_SUMMARY_COLUMNS} FROM {t}_summaries "
                "WHERE user_id = %s AND session_id = %s",
                (user_id, session_id),
            )
            previous = _to_summary(found[0]) if found else None
            plan = plan_summary(user_id, session_id, previous, summary, context)
            if plan.event is None:
                return plan
            if plan.summary is None:
                await sql.execute(
                    f"DELETE FROM {t}_summaries WHERE user_id = %s AND session_id = %s",
                    (user_id, session_id),
                )
            else:
                kept = plan.summary
                await sql.execute(
                    f"INSERT INTO {t}_summaries ({_SUMMARY_COLUMNS}) "
                    "VALUES (%s, %s, %s, %s, %s, %s, %s) "
                    "ON CONFLICT (user_id, session_id) DO UPDATE SET summary = excluded.summary, "
                    "topics = excluded.topics, runs = excluded.runs, "
                    "updated_at = excluded.updated_at",
                    (
                        user_id,
                        session_id,
                        kept.summary,
                        Jsonb(kept.topics),
                        kept.runs,
                        kept.created_at,
                        kept.updated_at,
                    ),
                )
            event = plan.event
            await sql.execute(
                f"INSERT INTO {t}_summary_history ({_SUMMARY_EVENT_COLUMNS}) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                (
                    user_id,
                    session_id,
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

    # -- reads ----------------------------------------------------------------------

    async def _summaries(
        self, io: Io, user_id: str, session_id: str | None
    ) -> list[SessionSummary]:
        async with self._sql(io) as sql:
            rows = await sql.fetch(
                f"SELECT {_SUMMARY_COLUMNS} FROM {self._t}_summaries "
                "WHERE user_id = %s AND session_id = coalesce(%s, session_id) "
                "ORDER BY updated_at DESC, session_id",
                (user_id, session_id),
            )
        return [_to_summary(row) for row in rows]

    async def _summary_history(self, io: Io, user_id: str, session_id: str) -> list[SummaryEvent]:
        async with self._sql(io) as sql:
            rows = await sql.fetch(
                f"SELECT {_SUMMARY_EVENT_COLUMNS} FROM {self._t}_summary_history "
                "WHERE user_id = %s AND session_id = %s ORDER BY id",
                (user_id, session_id),
            )
        return [_to_summary_event(row) for row in rows]

    async def _get(
        self, io: Io, user_id: str, memory_ids: Sequence[str], scope: Scope
    ) -> list[UserMemory]:
        if not memory_ids:
            return []
        async with self._sql(io) as sql:
            rows = await sql.fetch(
                f"SELECT {_COLUMNS} FROM {self._t} WHERE {_IN_SCOPE} AND {_LIVE} "
                "AND memory_id = ANY(%(ids)s)",
                _params(user_id, scope, ids=list(memory_ids)),
            )
        return _to_memories(rows)

    async def _list(
        self,
        io: Io,
        user_id: str,
        order_by: OrderBy,
        newest_first: bool,
        limit: int | None,
        scope: Scope,
    ) -> list[UserMemory]:
        direction = "DESC" if newest_first else "ASC"
        column = "updated_at" if order_by == "updated_at" else "created_at"
        async with self._sql(io) as sql:
            rows = await sql.fetch(
                f"SELECT {_COLUMNS} FROM {self._t} WHERE {_IN_SCOPE} AND {_LIVE} "
                f"ORDER BY {column} {direction}, id {direction} LIMIT %(limit)s",
                _params(user_id, scope, limit=limit),
            )
        return _to_memories(rows)

    async def _history(
        self, io: Io, user_id: str, memory_id: str, scope: Scope
    ) -> list[MemoryEvent]:
        async with self._sql(io) as sql:
            rows = await sql.fetch(
                f"SELECT {_EVENT_COLUMNS} FROM {self._t}_history "
                f"WHERE {_IN_SCOPE} AND memory_id = %(memory_id)s ORDER BY id",
                _params(user_id, scope, memory_id=memory_id),
            )
        return [_to_event(row) for row in rows]

    async def _user_ids(self, io: Io, scope: Scope) -> list[str]:
        async with self._sql(io) as sql:
            rows = await sql.fetch(
                f"SELECT user_id FROM {self._t}_users WHERE agent_id = %s AND memories > 0 "
                "ORDER BY user_id",
                (scope.agent_id or "",),
            )
        return [row[0] for row in rows]

    async def _keyword_candidates(
        self, io: Io, user_id: str, terms: Sequence[str], scope: Scope
    ) -> KeywordCandidates:
        """Only the user's memories holding a query term, found through the GIN index.

        Expired memories not yet swept are neither candidates nor counted.
        """
        wanted = list(dict.fromkeys(terms))
        async with self._sql(io, snapshot=True) as sql:
            stats = await sql.fetch(
                f"SELECT memories, terms FROM {self._t}_users WHERE user_id = %s AND agent_id = %s",
                _key(user_id, scope),
            )
            (gone, gone_length), *_ = await sql.fetch(
                f"SELECT count(*), coalesce(sum(term_count), 0) FROM {self._t} "
                f"WHERE {_IN_SCOPE} AND {_EXPIRED}",
                _params(user_id, scope),
            )
            documents, total_length = stats[0] if stats else (0, 0)
            documents, total_length = documents - gone, total_length - gone_length
            rows = (
                await sql.fetch(
                    f"SELECT id, memory_id, updated_at, term_count, terms, topic_terms "
                    f"FROM {self._t} WHERE {_IN_SCOPE} AND {_LIVE} "
                    "AND keywords @@ %(query)s::tsquery",
                    _params(user_id, scope, query=_any_of(wanted)),
                )
                if documents and wanted
                else []
            )
        frequencies = {
            term: np.array(
                [row[4].count(term) + TOPIC_WEIGHT * row[5].count(term) for row in rows],
                dtype=np.float64,
            )
            for term in wanted
        }
        return KeywordCandidates(
            documents=int(documents),
            total_length=int(total_length),
            memory_ids=[row[1] for row in rows],
            recency=recency_ranks([row[2] for row in rows], [row[0] for row in rows]),
            lengths=np.array([row[3] for row in rows], dtype=np.float64),
            frequencies=frequencies,
        )

    async def _vectors(
        self, io: Io, user_id: str, model: str, dimensions: int, scope: Scope
    ) -> UserVectors:
        """The user's vectors, cached until a write of theirs bumps their version.

        While the scope holds expired memories not yet swept, they are read afresh
        without them, and not cached: expiry comes with time, not with a write.
        """
        t = self._t
        key = _key(user_id, scope)
        async with self._sql(io, snapshot=True) as sql:
            found = await sql.fetch(
                f"SELECT version, memories FROM {t}_users WHERE user_id = %s AND agent_id = %s",
                key,
            )
            version, memories = found[0] if found else (0, 0)
            (gone,), *_ = await sql.fetch(
                f"SELECT count(*) FROM {t} WHERE {_IN_SCOPE} AND {_EXPIRED}",
                _params(user_id, scope),
            )
            cached = None if gone else self._vector_cache.get(key, (version, model), dimensions)
            if cached is not None:
                return cached
            rows = await sql.fetch(
                f"SELECT m.memory_id, v.model, v.dimensions, v.vector FROM {t}_vectors v "
                f"JOIN {t} m ON m.id = v.memory_pk WHERE m.user_id = %(user)s "
                "AND m.agent_id = %(agent)s AND (m.expires_at IS NULL OR m.expires_at > %(at)s) "
                "ORDER BY v.memory_pk",
                _params(user_id, scope),
            )
        mine = [row for row in rows if (row[1], row[2]) == (model, dimensions)]
        others = [(row[1], row[2]) for row in rows if (row[1], row[2]) != (model, dimensions)]
        loaded = UserVectors(
            memory_ids=[row[0] for row in mine],
            matrix=unit_rows([bytes(row[3]) for row in mine], dimensions),
            foreign=(*others[0], len(others)) if others else None,
            unembedded=int(memories) - int(gone) - len(rows),
        )
        if not gone:
            self._vector_cache.put(key, (version, model), loaded)
        return loaded

    async def _unembedded(
        self,
        io: Io,
        user_id: str,
        model: str,
        dimensions: int | None,
        limit: int,
        scope: Scope,
    ) -> list[UserMemory]:
        t = self._t
        columns = ", ".join(f"m.{c.strip()}" for c in _COLUMNS.split(","))
        async with self._sql(io) as sql:
            rows = await sql.fetch(
                f"SELECT {columns} FROM {t} m LEFT JOIN {t}_vectors v ON v.memory_pk = m.id "
                "WHERE m.user_id = %(user)s AND m.agent_id = %(agent)s "
                "AND (m.expires_at IS NULL OR m.expires_at > %(at)s) "
                "AND (v.memory_pk IS NULL OR v.model <> %(model)s "
                "OR v.dimensions <> coalesce(%(dimensions)s, v.dimensions)) "
                "ORDER BY m.id LIMIT %(limit)s",
                _params(user_id, scope, model=model, dimensions=dimensions, limit=limit),
            )
        return _to_memories(rows)

    # -- the MemoryDb protocol ----------------------------------------------------------

    def add_pending(
        self,
        user_id: str,
        thread_id: str,
        messages: Sequence[PendingMessage],
        *,
        scope: Scope = USER_SCOPE,
    ) -> int:
        return run_sync(self._add_pending(BLOCKING, user_id, thread_id, messages, scope))

    async def aadd_pending(
        self,
        user_id: str,
        thread_id: str,
        messages: Sequence[PendingMessage],
        *,
        scope: Scope = USER_SCOPE,
    ) -> int:
        return await self._run(AWAITING, self._add_pending, user_id, thread_id, messages, scope)

    def claim_pending(
        self,
        user_id: str,
        thread_id: str,
        token: str,
        now: datetime,
        until: datetime,
        limit: int,
        *,
        scope: Scope = USER_SCOPE,
    ) -> list[PendingMessage]:
        return run_sync(
            self._claim_pending(BLOCKING, user_id, thread_id, token, now, until, limit, scope)
        )

    async def aclaim_pending(
        self,
        user_id: str,
        thread_id: str,
        token: str,
        now: datetime,
        until: datetime,
        limit: int,
        *,
        scope: Scope = USER_SCOPE,
    ) -> list[PendingMessage]:
        return await self._run(
            AWAITING, self._claim_pending, user_id, thread_id, token, now, until, limit, scope
        )

    def release_pending(
        self, user_id: str, thread_id: str, token: str, *, scope: Scope = USER_SCOPE
    ) -> None:
        run_sync(self._release_pending(BLOCKING, user_id, thread_id, token, scope))

    async def arelease_pending(
        self, user_id: str, thread_id: str, token: str, *, scope: Scope = USER_SCOPE
    ) -> None:
        await self._run(AWAITING, self._release_pending, user_id, thread_id, token, scope)

    def pending_threads(
        self, user_id: str | None = None, *, scope: Scope = USER_SCOPE
    ) -> list[PendingThread]:
        return run_sync(self._pending_threads(BLOCKING, user_id, scope))

    async def apending_threads(
        self, user_id: str | None = None, *, scope: Scope = USER_SCOPE
    ) -> list[PendingThread]:
        return await self._run(AWAITING, self._pending_threads, user_id, scope)

    def drop_pending(self, user_id: str | None = None, *, scope: Scope = USER_SCOPE) -> int:
        return run_sync(self._drop_pending(BLOCKING, user_id, scope))

    async def adrop_pending(self, user_id: str | None = None, *, scope: Scope = USER_SCOPE) -> int:
        return await self._run(AWAITING, self._drop_pending, user_id, scope)

    def apply(
        self,
        user_id: str,
        ops: Sequence[MemoryOp],
        context: WriteContext,
        *,
        scope: Scope = USER_SCOPE,
    ) -> list[MemoryEvent]:
        return run_sync(self._apply(BLOCKING, user_id, ops, context, scope))

    async def aapply(
        self,
        user_id: str,
        ops: Sequence[MemoryOp],
        context: WriteContext,
        *,
        scope: Scope = USER_SCOPE,
    ) -> list[MemoryEvent]:
        return await self._run(AWAITING, self._apply, user_id, ops, context, scope)

    def get_memories(
        self, user_id: str, memory_ids: Sequence[str], *, scope: Scope = USER_SCOPE
    ) -> list[UserMemory]:
        return run_sync(self._get(BLOCKING, user_id, memory_ids, scope))

    async def aget_memories(
        self, user_id: str, memory_ids: Sequence[str], *, scope: Scope = USER_SCOPE
    ) -> list[UserMemory]:
        return await self._run(AWAITING, self._get, user_id, memory_ids, scope)

    def list_memories(
        self,
        user_id: str,
        *,
        order_by: OrderBy = "created_at",
        newest_first: bool = False,
        limit: int | None = None,
        scope: Scope = USER_SCOPE,
    ) -> list[UserMemory]:
        return run_sync(self._list(BLOCKING, user_id, order_by, newest_first, limit, scope))

    async def alist_memories(
        self,
        user_id: str,
        *,
        order_by: OrderBy = "created_at",
        newest_first: bool = False,
        limit: int | None = None,
        scope: Scope = USER_SCOPE,
    ) -> list[UserMemory]:
        return await self._run(AWAITING, self._list, user_id, order_by, newest_first, limit, scope)

    def history(
        self, user_id: str, memory_id: str, *, scope: Scope = USER_SCOPE
    ) -> list[MemoryEvent]:
        return run_sync(self._history(BLOCKING, user_id, memory_id, scope))

    async def ahistory(
        self, user_id: str, memory_id: str, *, scope: Scope = USER_SCOPE
    ) -> list[MemoryEvent]:
        return await self._run(AWAITING, self._history, user_id, memory_id, scope)

    def user_ids(self, *, scope: Scope = USER_SCOPE) -> list[str]:
        return run_sync(self._user_ids(BLOCKING, scope))

    async def auser_ids(self, *, scope: Scope = USER_SCOPE) -> list[str]:
        return await self._run(AWAITING, self._user_ids, scope)

    def keyword_candidates(
        self, user_id: str, terms: Sequence[str], *, scope: Scope = USER_SCOPE
    ) -> KeywordCandidates:
        return run_sync(self._keyword_candidates(BLOCKING, user_id, terms, scope))

    async def akeyword_candidates(
        self, user_id: str, terms: Sequence[str], *, scope: Scope = USER_SCOPE
    ) -> KeywordCandidates:
        return await self._run(AWAITING, self._keyword_candidates, user_id, terms, scope)

    def set_vectors(
        self,
        user_id: str,
        model: str,
        vectors: Sequence[MemoryVector],
        *,
        scope: Scope = USER_SCOPE,
    ) -> int:
        return run_sync(self._set_vectors(BLOCKING, user_id, model, vectors, scope))

    async def aset_vectors(
        self,
        user_id: str,
        model: str,
        vectors: Sequence[MemoryVector],
        *,
        scope: Scope = USER_SCOPE,
    ) -> int:
        return await self._run(AWAITING, self._set_vectors, user_id, model, vectors, scope)

    def vectors(
        self, user_id: str, model: str, dimensions: int, *, scope: Scope = USER_SCOPE
    ) -> UserVectors:
        return run_sync(self._vectors(BLOCKING, user_id, model, dimensions, scope))

    async def avectors(
        self, user_id: str, model: str, dimensions: int, *, scope: Scope = USER_SCOPE
    ) -> UserVectors:
        return await self._run(AWAITING, self._vectors, user_id, model, dimensions, scope)

    def unembedded(
        self,
        user_id: str,
        model: str,
        dimensions: int | None,
        limit: int,
        *,
        scope: Scope = USER_SCOPE,
    ) -> list[UserMemory]:
        return run_sync(self._unembedded(BLOCKING, user_id, model, dimensions, limit, scope))

    async def aunembedded(
        self,
        user_id: str,
        model: str,
        dimensions: int | None,
        limit: int,
        *,
        scope: Scope = USER_SCOPE,
    ) -> list[UserMemory]:
        return await self._run(AWAITING, self._unembedded, user_id, model, dimensions, limit, scope)

    def write_summary(
        self,
        user_id: str,
        session_id: str,
        summary: SessionSummary | None,
        context: WriteContext,
    ) -> SummaryPlan:
        return run_sync(self._write_summary(BLOCKING, user_id, session_id, summary, context))

    async def awrite_summary(
        self,
        user_id: str,
        session_id: str,
        summary: SessionSummary | None,
        context: WriteContext,
    ) -> SummaryPlan:
        return await self._run(AWAITING, self._write_summary, user_id, session_id, summary, context)

    def get_summaries(self, user_id: str, session_id: str | None = None) -> list[SessionSummary]:
        return run_sync(self._summaries(BLOCKING, user_id, session_id))

    async def aget_summaries(
        self, user_id: str, session_id: str | None = None
    ) -> list[SessionSummary]:
        return await self._run(AWAITING, self._summaries, user_id, session_id)

    def summary_history(self, user_id: str, session_id: str) -> list[SummaryEvent]:
        return run_sync(self._summary_history(BLOCKING, user_id, session_id))

    async def asummary_history(self, user_id: str, session_id: str) -> list[SummaryEvent]:
        return await self._run(AWAITING, self._summary_history, user_id, session_id)


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


def _any_of(terms: Sequence[str]) -> str:
    """A tsquery matching any of `terms`, each a quoted lexeme: query text is never parsed.

    Index terms are letters and digits only; quotes and backslashes are escaped anyway.
    """
    quoted = ("'" + t.replace("\\", "\\\\").replace("'", "''") + "'" for t in terms)
    return " | ".join(quoted)


def _locked(conn: psycopg.Connection[Row], key: int) -> bool:
    """Try once to take the session-level advisory lock `key`."""
    row = conn.execute("SELECT pg_try_advisory_lock(%s)", (key,)).fetchone()
    return bool(row and row[0])
