"""SqliteMemoryDb: the embedded default store, one SQLite file shared safely by processes.

Its parts: the file and its transactions (`memory.db.sqlite_connection`), rows
(`memory.db.sqlite_rows`), the memories reads found, kept while their scope is unchanged
(`memory.db.sqlite_cache`), keyword search (`memory.db.sqlite_keywords`), sessions,
pending messages and thread owners (`memory.db.sqlite_sessions`), the schema
(`memory.db.sqlite_schema`); memories, their history and vectors are here.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict
from operator import itemgetter
from pathlib import Path

from memory.db.base import (
    AS_ADDED,
    USER_SCOPE,
    ListQuery,
    MemoryDb,
    MemoryVector,
    MissingVectors,
    Scope,
    UserVectors,
    WriteBatch,
)
from memory.db.sqlite_cache import SqliteCache
from memory.db.sqlite_keywords import SqliteKeywords
from memory.db.sqlite_rows import (
    EVENT_COLUMNS,
    EXPIRED,
    IN_SCOPE,
    LIVE,
    MEMORY_COLUMNS,
    SCOPE_BITS,
    ScopeKey,
    event_rows,
    memory_row,
    scope_key,
    scope_params,
    scope_rows,
    to_events,
    to_memories,
)
from memory.db.sqlite_schema import key_hash
from memory.db.sqlite_sessions import SqliteSessions
from memory.db.vectors import VectorCache, as_vector, unit_rows
from memory.errors import MemoryDbError, PendingClaimLostError
from memory.planner import Reads, WritePlan, plan_writes, reads_for
from memory.schema import EraseResult, MemoryEvent, PendingClaim, UserMemory
from memory.text import index_text
from memory.twins import Io

_BY_CREATED = itemgetter(4, -1)
"""Sort key of rows of `MEMORY_COLUMNS` and the row id: the time created, then insertion order."""


class SqliteMemoryDb(SqliteSessions, SqliteKeywords, SqliteCache, MemoryDb):
    """Memories in one table of a SQLite file (or in process with `db_file=":memory:"`).

    Safe for several threads and processes: WAL journal, a busy timeout, and every
    write batch in one `BEGIN IMMEDIATE` transaction that also keeps the keyword
    index (FTS5, one token per user and term), the per-user statistics and the
    history table in step. Opening a file
    runs any pending schema migrations (`memory.db.sqlite_schema`); a file from a
    newer release is refused rather than damaged. Its operations block: their async
    entry points run them in a worker thread.
    """

    def __init__(
        self,
        table_name: str = "user_memories",
        db_file: str | Path = "tmp/agent.db",
        *,
        busy_timeout_ms: int = 10_000,
    ) -> None:
        """Open (creating when missing) the file and its folders, and migrate the schema.

        Args:
            table_name: Memories table; several tables may share one file.
            db_file: Path of the SQLite file, or ":memory:" to keep memories in process.
            busy_timeout_ms: How long a write waits for another process's write to end.
        """
        self._vector_cache = VectorCache()
        """Per user and agent scope, tagged with the model of the vectors."""
        self._data_version = -1
        self._user_refs: dict[ScopeKey, int] = {}
        self._docs_cache = OrderedDict()
        self._scopes = OrderedDict()
        super().__init__(table_name, db_file, busy_timeout_ms=busy_timeout_ms)

    @classmethod
    @contextmanager
    def from_conn_string(
        cls, db_file: str | Path, table_name: str = "user_memories"
    ) -> Iterator[SqliteMemoryDb]:
        """Open a store for the length of a `with` block and close it after."""
        db = cls(table_name=table_name, db_file=db_file)
        try:
            yield db
        finally:
            db.close()

    # -- memories -------------------------------------------------------------

    async def _apply(
        self, io: Io, user_id: str, writes: WriteBatch, *, scope: Scope = USER_SCOPE
    ) -> list[MemoryEvent]:
        reads = reads_for(writes.ops)
        scope = Scope(scope.agent_id, writes.context.at)
        with self._transaction() as conn:
            if writes.context.settles is not None:
                self._settle(conn, user_id, scope, writes.context.settles)
            rowids, current = self._current(conn, user_id, scope, reads)
            plan = plan_writes(
                user_id, current, writes.ops, writes.context, agent_id=scope.agent_id
            )
            if plan.events:
                self._store(conn, user_id, scope, rowids, plan)
            self._vector_cache.discard(scope_key(user_id, scope))
        return plan.events

    def _settle(
        self, conn: sqlite3.Connection, user_id: str, scope: Scope, claim: PendingClaim
    ) -> None:
        """Delete the claimed messages of the scope, all of them or (raising) none."""
        ids = set(claim.message_ids)
        settled = conn.execute(
            f"DELETE FROM {self._t}_pending WHERE user_id = ? AND agent_id = ? "
            "AND thread_id = ? AND claim = ? AND message_id IN (SELECT value FROM json_each(?))",
            (*scope_key(user_id, scope), claim.thread_id, claim.token, json.dumps(sorted(ids))),
        ).rowcount
        if settled != len(ids):
            raise PendingClaimLostError(
                f"{len(ids) - settled} of {len(ids)} messages of thread {claim.thread_id!r} "
                "were taken or settled by another worker"
            )

    def _current(
        self, conn: sqlite3.Connection, user_id: str, scope: Scope, reads: Reads
    ) -> tuple[dict[str, int], list[UserMemory]]:
        """The memories a batch depends on and the expired ones, oldest first, and their
        row ids, in one statement."""
        select = f"SELECT {MEMORY_COLUMNS}, id FROM {self._t} WHERE {IN_SCOPE}"
        if reads.everything:
            rows = conn.execute(select, scope_params(user_id, scope)).fetchall()
        else:
            parts = [f"{select} AND {EXPIRED}"]
            params = scope_params(user_id, scope)
            if reads.memory_ids:
                parts.append(f"{select} AND memory_id IN (SELECT value FROM json_each(:ids))")
                params["ids"] = json.dumps(sorted(reads.memory_ids))
            if reads.text_keys:
                parts.append(
                    f"SELECT {MEMORY_COLUMNS}, id FROM {self._t} WHERE {scope_rows(self._t)} "
                    "AND text_hash IN (SELECT value FROM json_each(:hashes))"
                )
                hashes = sorted(key_hash(key) for key in reads.text_keys)
                params["hashes"] = f"[{','.join(map(str, hashes))}]"  # numbers: no escaping
            rows = conn.execute(" UNION ALL ".join(parts), params).fetchall()
            if len(rows) > 1:
                rows = list({row[-1]: row for row in rows}.values())
        if not rows:
            return {}, []
        rows.sort(key=_BY_CREATED)
        return {row[0]: row[-1] for row in rows}, to_memories(rows, user_id, scope)

    def _store(
        self,
        conn: sqlite3.Connection,
        user_id: str,
        scope: Scope,
        rowids: dict[str, int],
        plan: WritePlan,
    ) -> None:
        """Write one plan: rows with their index terms, the user's statistics, history.

        Triggers keep the keyword index and the vectors in step with the rows.
        """
        t = self._t
        removed = [index_text(m.memory, m.topics).length for m in plan.deletes]
        removed += [index_text(old.memory, old.topics).length for old, _ in plan.updates]
        changed = [(new, index_text(new.memory, new.topics)) for _, new in plan.updates]
        added = [(new, index_text(new.memory, new.topics)) for new in plan.inserts]
        key = scope_key(user_id, scope)
        counts = (
            len(plan.inserts) - len(plan.deletes),
            sum(i.length for _, i in changed + added) - sum(removed),
        )
        bumped = self._bump(conn, key, counts)
        if bumped is None:
            self._user_refs.pop(key, None)  # the user was erased since, maybe by another process
            bumped = self._bump(conn, key, counts)
        assert bumped is not None, "the scope's row was made in this transaction"
        user_ref, version, last = bumped
        if plan.deletes:
            gone = [(rowids[str(m.memory_id)],) for m in plan.deletes]
            conn.executemany(f"DELETE FROM {t} WHERE id = ?", gone)
        if changed:
            conn.executemany(
                f"UPDATE {t} SET memory = ?, topics = ?, input = ?, text_hash = ?, created_at = ?, "
                "updated_at = ?, expires_at = ?, terms = ?, topic_terms = ?, term_count = ? "
                "WHERE id = ?",
                [
                    (*memory_row(new, indexed), rowids[str(new.memory_id)])
                    for new, indexed in changed
                ],
            )
        if added:
            first = self._next_rowid(user_ref, last, len(added))
            conn.executemany(
                f"INSERT INTO {t} (memory, topics, input, text_hash, created_at, updated_at, "
                "expires_at, terms, topic_terms, term_count, id, memory_id, user_id, agent_id, "
                "user_ref) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                [
                    (
                        *memory_row(new, indexed),
                        first + n,
                        new.memory_id,
                        user_id,
                        scope.agent_id or "",
                        user_ref,
                    )
                    for n, (new, indexed) in enumerate(added)
                ],
            )
        conn.executemany(
            f"INSERT INTO {t}_history ({EVENT_COLUMNS}, batch, n) "
            "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            event_rows(plan.events, version),
        )

    def _bump(
        self, conn: sqlite3.Connection, key: ScopeKey, counts: tuple[int, int]
    ) -> tuple[int, int, int | None] | None:
        """Count a write in the scope's statistics and version; returns the scope's number,
        its new version and its last memory's row id, or None if the scope's number was
        out of date (the user erased since, maybe by another process)."""
        user_ref = self._user_ref(conn, key)
        start = user_ref << SCOPE_BITS
        bumped = conn.execute(
            f"UPDATE {self._t}_users SET memories = memories + ?, terms = terms + ?, "
            "version = version + 1 WHERE id = ? AND user_id = ? AND agent_id = ? "
            f"RETURNING version, (SELECT max(id) FROM {self._t} WHERE id > ? AND id < ?)",
            (*counts, user_ref, *key, start, start + (1 << SCOPE_BITS)),
        ).fetchone()
        return None if bumped is None else (user_ref, *bumped)

    def _next_rowid(self, user_ref: int, last: int | None, count: int) -> int:
        """The row id of the first of `count` new memories of a scope, after its `last`
        (None: it has none), within the scope's range.

        Each scope numbers its memories from `user_ref << 32` (migration
        `0011_memories_by_scope`), so they lie together in the table, and a listing
        reads their range; ids stay in insertion order within the scope.
        """
        start = user_ref << SCOPE_BITS
        first = (start if last is None else last) + 1
        if first + count > start + (1 << SCOPE_BITS):
            raise MemoryDbError(f"a scope of {self.table_name!r} has no row ids left")
        return first

    def _user_ref(self, conn: sqlite3.Connection, key: ScopeKey) -> int:
        """The number of a user's agent scope in the keyword index; it changes only when
        the user is erased.

        A new scope's version starts at the clock, so no version an erased scope of the
        same user had (and some process may have cached) comes back.
        """
        ref = self._user_refs.get(key)
        if ref is None:
            conn.execute(
                f"INSERT INTO {self._t}_users (user_id, agent_id, memories, terms, version) "
                "VALUES (?, ?, 0, 0, ?) ON CONFLICT (user_id, agent_id) DO NOTHING",
                (*key, time.time_ns()),
            )
            (ref,) = conn.execute(
                f"SELECT id FROM {self._t}_users WHERE user_id = ? AND agent_id = ?", key
            ).fetchone()
            self._user_refs[key] = ref
        return ref

    async def _set_vectors(
        self, io: Io, user_id: str, vectors: Sequence[MemoryVector], *, scope: Scope = USER_SCOPE
    ) -> int:
        arrays = [as_vector(v.vector) for v in vectors]
        stored = 0
        with self._transaction() as conn:
            for item, array in zip(vectors, arrays, strict=True):
                stored += conn.execute(
                    f"INSERT INTO {self._t}_vectors "
                    "(memory_rowid, user_id, model, dimensions, vector) "
                    f"SELECT id, user_id, :model, :dimensions, :vector FROM {self._t} "
                    f"WHERE {IN_SCOPE} AND memory_id = :memory_id AND memory = :memory "
                    "ON CONFLICT (memory_rowid) DO UPDATE SET model = excluded.model, "
                    "dimensions = excluded.dimensions, vector = excluded.vector",
                    scope_params(
                        user_id,
                        scope,
                        model=item.model,
                        dimensions=array.size,
                        vector=array.tobytes(),
                        memory_id=item.memory_id,
                        memory=item.memory,
                    ),
                ).rowcount
            self._vector_cache.discard(scope_key(user_id, scope))
        return stored

    async def _get_memories(
        self, io: Io, user_id: str, memory_ids: Sequence[str], *, scope: Scope = USER_SCOPE
    ) -> list[UserMemory]:
        if not memory_ids:
            return []
        return self._cached_memories(user_id, scope, memory_ids)

    async def _list_memories(
        self, io: Io, user_id: str, query: ListQuery = AS_ADDED, *, scope: Scope = USER_SCOPE
    ) -> list[UserMemory]:
        return self._cached_listing(user_id, scope, query)

    async def _history(
        self, io: Io, user_id: str, memory_id: str, *, scope: Scope = USER_SCOPE
    ) -> list[MemoryEvent]:
        params = scope_params(user_id, scope, memory_id=memory_id)
        with self._lock, self._snapshot() as conn:
            rows = conn.execute(
                f"SELECT {EVENT_COLUMNS} FROM {self._t}_history "
                f"WHERE {IN_SCOPE} AND memory_id = :memory_id ORDER BY batch, n",
                params,
            ).fetchall()
            stored = conn.execute(
                f"SELECT memory, topics FROM {self._t} WHERE {IN_SCOPE} AND memory_id = :memory_id",
                params,
            ).fetchone()
        return to_events(rows, stored)

    async def _user_ids(self, io: Io, *, scope: Scope = USER_SCOPE) -> list[str]:
        rows = self._read(
            f"SELECT user_id FROM {self._t}_users WHERE agent_id = ? AND memories > 0",
            (scope.agent_id or "",),
        )
        return [row[0] for row in rows]

    async def _unembedded(
        self, io: Io, user_id: str, missing: MissingVectors, *, scope: Scope = USER_SCOPE
    ) -> list[UserMemory]:
        columns = ", ".join(f"t.{c.strip()}" for c in MEMORY_COLUMNS.split(","))
        rows = self._read(
            f"SELECT {columns} FROM {self._t} t "
            f"LEFT JOIN {self._t}_vectors v ON v.memory_rowid = t.id "
            "WHERE t.user_id = :user AND t.agent_id = :agent "
            "AND (t.expires_at IS NULL OR t.expires_at > :at) AND "
            "(v.memory_rowid IS NULL OR v.model IS NOT :model "
            "OR v.dimensions != coalesce(:dimensions, v.dimensions)) ORDER BY t.id LIMIT :limit",
            scope_params(user_id, scope, **asdict(missing)),
        )
        return to_memories(rows, user_id, scope)

    async def _vectors(
        self, io: Io, user_id: str, model: str, dimensions: int, *, scope: Scope = USER_SCOPE
    ) -> UserVectors:
        """The user's vectors from the cache, reloaded when any process wrote to the file.

        While the scope holds expired memories not yet swept, they are read afresh
        without them, and not cached: expiry comes with time, not with a write.
        """
        key = scope_key(user_id, scope)
        with self._lock:
            version = self._read("PRAGMA data_version", ())[0][0]
            if version != self._data_version:
                self._vector_cache.clear()
                self._data_version = version
            if self._read(
                f"SELECT 1 FROM {self._t} WHERE {IN_SCOPE} AND {EXPIRED} LIMIT 1",
                scope_params(user_id, scope),
            ):
                return self._load_vectors(user_id, model, dimensions, scope)
            cached = self._vector_cache.get(key, model, dimensions)
            if cached is not None:
                return cached
            loaded = self._load_vectors(user_id, model, dimensions, scope)
            self._vector_cache.put(key, model, loaded)
            return loaded

    def _load_vectors(self, user_id: str, model: str, dimensions: int, scope: Scope) -> UserVectors:
        rows = self._read(
            f"SELECT m.memory_id, v.model, v.dimensions, v.vector FROM {self._t}_vectors v "
            f"JOIN {self._t} m ON m.id = v.memory_rowid "
            "WHERE m.user_id = :user AND m.agent_id = :agent "
            "AND (m.expires_at IS NULL OR m.expires_at > :at) "
            "ORDER BY v.memory_rowid",
            scope_params(user_id, scope),
        )
        (memories,) = self._read(
            f"SELECT count(*) FROM {self._t} WHERE {IN_SCOPE} AND {LIVE}",
            scope_params(user_id, scope),
        )[0]
        mine = [row for row in rows if (row[1], row[2]) == (model, dimensions)]
        others = [(row[1], row[2]) for row in rows if (row[1], row[2]) != (model, dimensions)]
        return UserVectors(
            memory_ids=[row[0] for row in mine],
            matrix=unit_rows([row[3] for row in mine], dimensions),
            foreign=(*others[0], len(others)) if others else None,
            unembedded=memories - len(rows),
        )

    async def _erase_user(self, io: Io, user_id: str) -> EraseResult:
        """Every row of the user, then the keyword index rebuilt without their terms.

        Deleted pages are overwritten (`secure_delete`), so the user's text does not
        linger in the file's free space either.
        """
        t = self._t

        def delete(table: str) -> int:
            return conn.execute(f"DELETE FROM {table} WHERE user_id = ?", (user_id,)).rowcount

        with self._lock:
            self._conn.execute("PRAGMA secure_delete = ON")
            try:
                with self._transaction() as conn:
                    (vectors,) = conn.execute(
                        f"SELECT count(*) FROM {t}_vectors WHERE user_id = ?", (user_id,)
                    ).fetchone()
                    erased = EraseResult(
                        memories=delete(t),  # triggers drop their vectors and index terms
                        memory_history=delete(f"{t}_history"),
                        vectors=vectors,
                        session_summaries=delete(f"{t}_summaries"),
                        summary_history=delete(f"{t}_summary_history"),
                        pending_messages=delete(f"{t}_pending"),
                        threads=delete(f"{t}_threads"),
                    )
                    delete(f"{t}_vectors")
                    delete(f"{t}_users")
                    conn.execute(f"INSERT INTO {t}_keywords ({t}_keywords) VALUES ('optimize')")
            finally:
                self._conn.execute("PRAGMA secure_delete = OFF")
            for cache in (self._user_refs, self._docs_cache, self._scopes):
                for key in [key for key in cache if key[0] == user_id]:
                    del cache[key]
            self._vector_cache.discard_where(
                lambda key: isinstance(key, tuple) and key[0] == user_id
            )
        return erased
