"""The connections of a PostgresMemoryDb: its pools, transactions and schema setup.

Each operation is written once, as async code over a small SQL port (`Sql`): blocking
calls go through a `psycopg_pool.ConnectionPool`, awaited ones through an
`AsyncConnectionPool` when one was opened in the running event loop
(`afrom_conn_string` / `aopen`), else through the blocking pool in a worker thread.
The operations themselves live in one module per aggregate (`postgres_memories`,
`postgres_search`, `postgres_summaries`, `postgres_pending`).
"""

from __future__ import annotations

import asyncio
import logging
import re
import threading
import time
import weakref
import zlib
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator, Mapping, Sequence
from contextlib import asynccontextmanager, contextmanager, nullcontext
from typing import Any, Protocol, Self, TypeVar

import psycopg
import psycopg_pool
from psycopg.rows import dict_row, tuple_row

from memory.db.base import MemoryDb, Scope
from memory.db.postgres_schema import VERSIONS_TABLE, migrations, statements
from memory.db.vectors import VECTOR_CACHE_BYTES, VectorCache
from memory.errors import InvalidInputError, MemoryDbError
from memory.twins import AWAITING, Io, offload, twins

logger = logging.getLogger("memory.db.postgres")

T = TypeVar("T")

_IDENTIFIER = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,40}")
IN_SCOPE = "user_id = %(user)s AND agent_id = %(agent)s"
LIVE = "(expires_at IS NULL OR expires_at > %(at)s)"
EXPIRED = "expires_at IS NOT NULL AND expires_at <= %(at)s"

ScopeKey = tuple[str, str]
"""(user_id, agent_id) as stored: '' for the user's own memories."""
CONNECT_TIMEOUT = 10
_SNAPSHOT = "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"
_CONNECTIONS: dict[str, Any] = {
    "autocommit": True,
    "prepare_threshold": 0,
    "row_factory": dict_row,
    "connect_timeout": CONNECT_TIMEOUT,
}
"""The pool's connections: as LangGraph's PostgreSQL saver and store want them."""

Row = tuple[Any, ...]
Params = Sequence[Any] | Mapping[str, Any]


class Sql(Protocol):
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


class _RecentlyUsed:
    """The pools' connection check: a ping, but only for a connection idle a while.

    A connection given back less than `FRESH` seconds ago is lent without one: it was
    alive a moment ago, and a ping is a round trip on every operation (a fifth of a
    keyword search). One the server dropped within that moment fails its operation
    with `MemoryDbError`, as it would had it dropped just after the ping; the pool then
    discards it, and a retry gets another.
    """

    FRESH = 2.0

    def __init__(self) -> None:
        self._given_back: weakref.WeakKeyDictionary[Any, float] = weakref.WeakKeyDictionary()

    def _idle(self, conn: Any) -> bool:
        given_back = self._given_back.pop(conn, None)
        return given_back is None or time.monotonic() - given_back >= self.FRESH

    def given_back(self, conn: psycopg.Connection[Any]) -> None:
        self._given_back[conn] = time.monotonic()

    async def agiven_back(self, conn: psycopg.AsyncConnection[Any]) -> None:
        self._given_back[conn] = time.monotonic()

    def check(self, conn: psycopg.Connection[Any]) -> None:
        if self._idle(conn):
            psycopg_pool.ConnectionPool.check_connection(conn)

    async def acheck(self, conn: psycopg.AsyncConnection[Any]) -> None:
        if self._idle(conn):
            await psycopg_pool.AsyncConnectionPool.check_connection(conn)


def scope_key(user_id: str, scope: Scope) -> ScopeKey:
    return user_id, scope.agent_id or ""


def scope_params(user_id: str, scope: Scope, **more: Any) -> dict[str, Any]:
    """The named parameters of `IN_SCOPE`, `LIVE` and `EXPIRED`, and `more`."""
    return {"user": user_id, "agent": scope.agent_id or "", "at": scope.now(), **more}


def unnested(items: Sequence[object], *fields: str) -> list[list[Any]]:
    """The arrays `unnest(...)` takes to insert `items` in one statement: one per field."""
    return [[getattr(item, field) for item in items] for field in fields]


class PostgresConnection(MemoryDb):
    """What every aggregate of `PostgresMemoryDb` works through: its pools, one
    transaction per operation, the per-user write lock, and the schema.

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
        self._recent = _RecentlyUsed()
        """Per user and agent scope, tagged with the scope's version and the model."""

    # -- connections --------------------------------------------------------------

    @classmethod
    @contextmanager
    def from_conn_string(
        cls, conn_string: str, table_name: str = "user_memories"
    ) -> Iterator[Self]:
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
    ) -> AsyncIterator[Self]:
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
                    check=self._recent.check,
                    reset=self._recent.given_back,
                    open=True,
                    **self._pool_settings(f"memory-agent-{self._t}"),
                )
                logger.info(
                    "opened a pool of up to %d connections for table %r",
                    self.max_connections,
                    self._t,
                )
            return self._pool

    def _pool_settings(self, name: str) -> dict[str, Any]:
        """What the blocking and the async pool share: the server, the size and wait of
        `max_connections` and `timeout`, the connections' settings; `name` shows in logs."""
        return {
            "conninfo": self.conn_string,
            "min_size": 1,
            "max_size": self.max_connections,
            "timeout": self.timeout,
            "kwargs": _CONNECTIONS,
            "name": name,
        }

    def _check_reachable(self) -> None:
        """Fail at once, with the server's reason, rather than after a pool timeout."""
        try:
            psycopg.connect(self.conn_string, connect_timeout=CONNECT_TIMEOUT).close()
        except psycopg.Error as error:
            raise MemoryDbError(f"cannot connect to PostgreSQL: {error}".strip()) from error

    async def aopen(self) -> None:
        """Open the async pool in the running event loop; awaited calls made there use it."""
        if self._apool is not None:
            return
        await offload(self._check_reachable)
        pool: psycopg_pool.AsyncConnectionPool[psycopg.AsyncConnection[Any]] = (
            psycopg_pool.AsyncConnectionPool(
                check=self._recent.acheck,
                reset=self._recent.agiven_back,
                open=False,
                **self._pool_settings(f"memory-agent-{self._t}-async"),
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
                self.conn_string, autocommit=True, connect_timeout=CONNECT_TIMEOUT
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
    async def _sql(
        self, io: Io, *, snapshot: bool = False, transaction: bool = True
    ) -> AsyncIterator[Sql]:
        """A connection in one transaction: committed at the end, rolled back on error.

        With `snapshot`, a read-only transaction whose statements all see the database
        as of its first one (REPEATABLE READ), so statistics read by one statement agree
        with rows read by the next however many writers commit meanwhile. Without
        `transaction`, each statement commits on its own: for a read that is one
        statement (which sees one snapshot anyway), two round trips fewer.
        """
        try:
            if io.blocking:
                with (
                    self.pool().connection() as conn,
                    conn.transaction() if transaction else nullcontext(),
                ):
                    sql: Sql = _BlockingSql(conn)
                    if snapshot:
                        await sql.execute(_SNAPSHOT)
                    yield sql
            else:
                assert self._apool is not None
                async with (
                    self._apool.connection() as aconn,
                    aconn.transaction() if transaction else nullcontext(),
                ):
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

    async def _awaited(self, run: Callable[[Io], Coroutine[Any, Any, T]]) -> T:
        """Awaited on the async pool when it lives in this event loop, else run blocking
        in a worker thread."""
        if self.awaiting_here():
            return await run(AWAITING)
        return await super()._awaited(run)

    async def _lock_user(self, sql: Sql, user_id: str) -> None:
        """Writers (and claimers) of one user queue here until the transaction ends."""
        await sql.execute(
            "SELECT pg_advisory_xact_lock(%s, hashtext(%s))", (self._lock_key, user_id)
        )

    # -- schema ---------------------------------------------------------------------

    async def _setup(self, io: Io) -> None:
        """Create the tables, or bring them up to this release's schema; idempotent."""
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

    setup, asetup = twins(_setup)


def _locked(conn: psycopg.Connection[Row], key: int) -> bool:
    """Try once to take the session-level advisory lock `key`."""
    row = conn.execute("SELECT pg_try_advisory_lock(%s)", (key,)).fetchone()
    return bool(row and row[0])
