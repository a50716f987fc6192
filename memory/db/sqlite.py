"""SqliteMemoryDb: the embedded default store, one SQLite file shared safely by processes."""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
import threading
import uuid
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import sqlite_utils

from memory.db.base import MemoryVector, OrderBy, ThreadedAsync, VectorHit, VectorSearch
from memory.db.vectors import (
    Matrix,
    as_vector,
    best_first,
    best_rows,
    from_bytes,
    mismatch,
    normalised,
)
from memory.schema import (
    AddMemory,
    ClearMemories,
    DeleteMemory,
    InvalidInputError,
    MemoryAction,
    MemoryDbError,
    MemoryEvent,
    MemoryNotFoundError,
    MemoryOp,
    ReplaceMemory,
    UserMemory,
    WriteContext,
)
from memory.text import normalized_text, query_terms

_VERSIONS_TABLE = "memory_agent_schema"
_IDENTIFIER = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,62}")
_MEMORY_COLUMNS = "memory_id, user_id, memory, topics, input, created_at, updated_at"
_EVENT_COLUMNS = (
    "memory_id, user_id, action, old_memory, new_memory, old_topics, new_topics, source, input, at"
)
_T_COLUMNS = ", ".join(f"t.{c.strip()}" for c in _MEMORY_COLUMNS.split(","))
_VECTOR_CACHE_BYTES = 256 * 2**20
"""Vectors kept in memory between searches; 10,000 of 384 floats take 15 MB."""


def _migrations(t: str) -> list[str]:
    """The schema of table `t`, one script per version; a file is brought up to the last.

    Scripts are only ever appended: a file made by an older release replays the rest.
    """
    table, fts, history = t, f"{t}_fts", f"{t}_history"
    v1 = f"""
    CREATE TABLE {table} (
        id INTEGER PRIMARY KEY,
        memory_id TEXT NOT NULL,
        user_id TEXT NOT NULL,
        user_key TEXT NOT NULL,
        memory TEXT NOT NULL,
        topics TEXT NOT NULL,
        input TEXT,
        text_key TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        UNIQUE (user_id, memory_id)
    );
    CREATE INDEX {t}_user_created ON {table} (user_id, created_at);
    CREATE INDEX {t}_user_updated ON {table} (user_id, updated_at);
    CREATE INDEX {t}_user_text ON {table} (user_id, text_key);
    CREATE VIRTUAL TABLE {fts} USING fts5(
        user_key, memory, topics,
        content={table}, content_rowid='id',
        tokenize='porter unicode61 remove_diacritics 2'
    );
    CREATE TRIGGER {t}_fts_insert AFTER INSERT ON {table} BEGIN
        INSERT INTO {fts} (rowid, user_key, memory, topics)
        VALUES (new.id, new.user_key, new.memory, new.topics);
    END;
    CREATE TRIGGER {t}_fts_delete AFTER DELETE ON {table} BEGIN
        INSERT INTO {fts} ({fts}, rowid, user_key, memory, topics)
        VALUES ('delete', old.id, old.user_key, old.memory, old.topics);
    END;
    CREATE TRIGGER {t}_fts_update AFTER UPDATE OF memory, topics ON {table} BEGIN
        INSERT INTO {fts} ({fts}, rowid, user_key, memory, topics)
        VALUES ('delete', old.id, old.user_key, old.memory, old.topics);
        INSERT INTO {fts} (rowid, user_key, memory, topics)
        VALUES (new.id, new.user_key, new.memory, new.topics);
    END;
    CREATE TABLE {history} (
        id INTEGER PRIMARY KEY,
        memory_id TEXT NOT NULL,
        user_id TEXT NOT NULL,
        action TEXT NOT NULL,
        old_memory TEXT,
        new_memory TEXT,
        old_topics TEXT,
        new_topics TEXT,
        source TEXT NOT NULL,
        input TEXT,
        at TEXT NOT NULL
    );
    CREATE INDEX {t}_history_memory ON {history} (user_id, memory_id, id);
    """
    # Vectors live beside the memories, not in their rows, so listing and keyword
    # search never read them; triggers drop a vector when its memory goes or its
    # text changes, whichever process writes.
    vectors = f"{t}_vectors"
    v2 = f"""
    CREATE TABLE {vectors} (
        memory_rowid INTEGER PRIMARY KEY,
        user_id TEXT NOT NULL,
        model TEXT NOT NULL,
        dimensions INTEGER NOT NULL,
        vector BLOB NOT NULL
    );
    CREATE INDEX {t}_vectors_user ON {vectors} (user_id);
    CREATE TRIGGER {t}_vectors_delete AFTER DELETE ON {table} BEGIN
        DELETE FROM {vectors} WHERE memory_rowid = old.id;
    END;
    CREATE TRIGGER {t}_vectors_stale AFTER UPDATE OF memory ON {table}
    WHEN new.memory IS NOT old.memory BEGIN
        DELETE FROM {vectors} WHERE memory_rowid = old.id;
    END;
    """
    return [v1, v2]


def _user_key(user_id: str) -> str:
    """A single full-text token standing for the user, so a search starts from their rows."""
    return "u" + hashlib.sha256(user_id.encode()).hexdigest()[:24]


def _fts_query(user_id: str, query: str) -> str | None:
    """A MATCH expression of plain quoted words: FTS operators in `query` are never parsed."""
    terms = query_terms(query)
    if not terms:
        return None
    any_term = " OR ".join(f'"{term}"' for term in terms)
    return f'user_key:"{_user_key(user_id)}" AND ({any_term})'


def _to_memories(rows: list[tuple[Any, ...]]) -> list[UserMemory]:
    # The hot path of every prompt: topic lists are parsed in one call, and the rest is
    # validated by pydantic-core (faster than constructing unvalidated models in Python).
    topics = json.loads("[" + ",".join(row[3] for row in rows) + "]")
    validate = UserMemory.__pydantic_validator__.validate_python
    return [
        validate(
            {
                "memory_id": memory_id,
                "user_id": user_id,
                "memory": text,
                "topics": row_topics,
                "input": input_,
                "created_at": created_at,
                "updated_at": updated_at,
            }
        )
        for (memory_id, user_id, text, _, input_, created_at, updated_at), row_topics in zip(
            rows, topics, strict=True
        )
    ]


@dataclass(frozen=True)
class _UserVectors:
    """One user's vectors of one model, rows L2-normalised so a dot product is a cosine."""

    model: str
    dimensions: int
    rowids: npt.NDArray[np.int64]
    matrix: Matrix
    foreign: tuple[str, int, int] | None
    """(model, dimensions, count) of the user's vectors from another model, if any."""
    unembedded: int


def _to_event(row: tuple[Any, ...]) -> MemoryEvent:
    memory_id, user_id, action, old, new, old_topics, new_topics, source, input_, at = row
    return MemoryEvent(
        memory_id=memory_id,
        user_id=user_id,
        action=action,
        old_memory=old,
        new_memory=new,
        old_topics=None if old_topics is None else json.loads(old_topics),
        new_topics=None if new_topics is None else json.loads(new_topics),
        source=source,
        input=input_,
        at=datetime.fromisoformat(at),
    )


class SqliteMemoryDb(ThreadedAsync):
    """Memories in one table of a SQLite file (or in process with `db_file=":memory:"`).

    Safe for several threads and processes: WAL journal, a busy timeout, and every
    write batch in one `BEGIN IMMEDIATE` transaction that also keeps the full-text
    index and the history table in step. Opening a file runs any pending schema
    migrations; a file from a newer release is refused rather than damaged.
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
        if not _IDENTIFIER.fullmatch(table_name):
            raise InvalidInputError(
                f"table_name must be letters, digits and underscores, got {table_name!r}"
            )
        self.table_name = table_name
        self.db_file = str(db_file)
        self._lock = threading.RLock()
        self._db = self._connect(busy_timeout_ms)
        self._table, self._fts, self._history, self._vectors = (
            table_name,
            f"{table_name}_fts",
            f"{table_name}_history",
            f"{table_name}_vectors",
        )
        self._vector_cache: OrderedDict[str, _UserVectors] = OrderedDict()
        self._data_version = -1
        try:
            self.setup()
        except BaseException:
            self._db.close()
            raise

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

    def _connect(self, busy_timeout_ms: int) -> sqlite_utils.Database:
        in_process = self.db_file == ":memory:"
        try:
            if not in_process:
                Path(self.db_file).parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.db_file, check_same_thread=False, isolation_level=None)
        except (OSError, sqlite3.Error) as error:
            raise MemoryDbError(f"cannot open memory database {self.db_file!r}: {error}") from error
        try:
            conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
            if not in_process:
                conn.execute("PRAGMA journal_mode = WAL")
                # In WAL mode NORMAL survives a killed process; only power loss can
                # drop the last commits, and it never corrupts the file.
                conn.execute("PRAGMA synchronous = NORMAL")
        except sqlite3.Error as error:
            conn.close()
            raise MemoryDbError(
                f"{self.db_file!r} is not a usable SQLite database: {error}"
            ) from error
        return sqlite_utils.Database(conn, execute_plugins=False)

    def setup(self) -> None:
        """Create the tables or bring an older file up to this release's schema."""
        migrations = _migrations(self.table_name)
        with self._transaction() as conn:
            conn.execute(
                f"CREATE TABLE IF NOT EXISTS {_VERSIONS_TABLE} "
                "(table_name TEXT PRIMARY KEY, version INTEGER NOT NULL)"
            )
            row = conn.execute(
                f"SELECT version FROM {_VERSIONS_TABLE} WHERE table_name = ?", (self.table_name,)
            ).fetchone()
            version = 0 if row is None else int(row[0])
            if version > len(migrations):
                raise MemoryDbError(
                    f"table {self.table_name!r} in {self.db_file!r} has schema version "
                    f"{version}, newer than this release knows ({len(migrations)}); upgrade"
                )
            for script in migrations[version:]:
                for statement in _statements(script):
                    conn.execute(statement)
            conn.execute(
                f"INSERT INTO {_VERSIONS_TABLE} (table_name, version) VALUES (?, ?) "
                "ON CONFLICT (table_name) DO UPDATE SET version = excluded.version",
                (self.table_name, len(migrations)),
            )

    @property
    def schema_version(self) -> int:
        with self._lock:
            row = self._db.conn.execute(
                f"SELECT version FROM {_VERSIONS_TABLE} WHERE table_name = ?", (self.table_name,)
            ).fetchone()
        return int(row[0])

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, taken at its start so concurrent writers queue, not fail."""
        with self._lock:
            conn = self._db.conn
            try:
                conn.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as error:
                raise MemoryDbError(f"cannot write to {self.db_file!r}: {error}") from error
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            try:
                conn.execute("COMMIT")
            except sqlite3.Error as error:
                conn.execute("ROLLBACK")
                raise MemoryDbError(f"cannot write to {self.db_file!r}: {error}") from error

    def _read(self, sql: str, params: Sequence[Any] | dict[str, Any]) -> list[tuple[Any, ...]]:
        with self._lock:
            try:
                return self._db.conn.execute(sql, params).fetchall()
            except sqlite3.Error as error:
                raise MemoryDbError(f"cannot read {self.db_file!r}: {error}") from error

    # -- writes ---------------------------------------------------------------

    def apply(
        self, user_id: str, ops: Sequence[MemoryOp], context: WriteContext
    ) -> list[MemoryEvent]:
        events: list[MemoryEvent] = []
        with self._transaction() as conn:
            for op in ops:
                events.extend(self._apply_one(conn, user_id, op, context))
            conn.executemany(
                f"INSERT INTO {self._history} ({_EVENT_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?)",
                [_event_row(event) for event in events],
            )
            self._vector_cache.pop(user_id, None)
        return events

    def _apply_one(
        self, conn: sqlite3.Connection, user_id: str, op: MemoryOp, context: WriteContext
    ) -> list[MemoryEvent]:
        now = context.at.isoformat()
        match op:
            case AddMemory(memory=memory):
                text_key = normalized_text(memory.memory)
                same = conn.execute(
                    f"SELECT memory_id, memory, topics FROM {self._table} "
                    "WHERE user_id = ? AND text_key = ? LIMIT 1",
                    (user_id, text_key),
                ).fetchone()
                if same is not None:
                    memory_id, text, old_topics = same
                    topics = list(dict.fromkeys([*json.loads(old_topics), *memory.topics]))
                    conn.execute(
                        f"UPDATE {self._table} SET topics = ?, updated_at = ? "
                        "WHERE user_id = ? AND memory_id = ?",
                        (json.dumps(topics), now, user_id, memory_id),
                    )
                    return [
                        _event(
                            user_id,
                            context,
                            memory_id,
                            "refreshed",
                            (text, json.loads(old_topics)),
                            (text, topics),
                        )
                    ]
                memory_id = memory.memory_id or str(uuid.uuid4())
                created = memory.created_at or context.at
                try:
                    conn.execute(
                        f"INSERT INTO {self._table} (memory_id, user_id, user_key, memory, "
                        "topics, input, text_key, created_at, updated_at) "
                        "VALUES (?,?,?,?,?,?,?,?,?)",
                        (
                            memory_id,
                            user_id,
                            _user_key(user_id),
                            memory.memory,
                            json.dumps(memory.topics),
                            memory.input,
                            text_key,
                            created.isoformat(),
                            (memory.updated_at or created).isoformat(),
                        ),
                    )
                except sqlite3.IntegrityError as error:
                    raise InvalidInputError(
                        f"user {user_id!r} already has a memory with id {memory_id!r}"
                    ) from error
                return [
                    _event(
                        user_id, context, memory_id, "added", None, (memory.memory, memory.topics)
                    )
                ]
            case ReplaceMemory(memory_id=memory_id, memory=memory):
                old = self._current(conn, user_id, memory_id)
                conn.execute(
                    f"UPDATE {self._table} SET memory = ?, topics = ?, input = ?, text_key = ?, "
                    "updated_at = ? WHERE user_id = ? AND memory_id = ?",
                    (
                        memory.memory,
                        json.dumps(memory.topics),
                        memory.input,
                        normalized_text(memory.memory),
                        now,
                        user_id,
                        memory_id,
                    ),
                )
                return [
                    _event(
                        user_id, context, memory_id, "updated", old, (memory.memory, memory.topics)
                    )
                ]
            case DeleteMemory(memory_id=memory_id):
                old = self._current(conn, user_id, memory_id)
                conn.execute(
                    f"DELETE FROM {self._table} WHERE user_id = ? AND memory_id = ?",
                    (user_id, memory_id),
                )
                return [_event(user_id, context, memory_id, "deleted", old, None)]
            case ClearMemories():
                rows = conn.execute(
                    f"SELECT memory_id, memory, topics FROM {self._table} WHERE user_id = ? "
                    "ORDER BY created_at, id",
                    (user_id,),
                ).fetchall()
                conn.execute(f"DELETE FROM {self._table} WHERE user_id = ?", (user_id,))
                return [
                    _event(user_id, context, memory_id, "cleared", (text, json.loads(topics)), None)
                    for memory_id, text, topics in rows
                ]

    def _current(
        self, conn: sqlite3.Connection, user_id: str, memory_id: str
    ) -> tuple[str, list[str]]:
        row = conn.execute(
            f"SELECT memory, topics FROM {self._table} WHERE user_id = ? AND memory_id = ?",
            (user_id, memory_id),
        ).fetchone()
        if row is None:
            raise MemoryNotFoundError(memory_id, user_id)
        return row[0], json.loads(row[1])

    def clear_all(self, context: WriteContext) -> int:
        with self._transaction() as conn:
            conn.execute(
                f"INSERT INTO {self._history} ({_EVENT_COLUMNS}) "
                "SELECT memory_id, user_id, 'cleared', memory, NULL, topics, NULL, ?, ?, ? "
                f"FROM {self._table} ORDER BY id",
                (context.source, context.input, context.at.isoformat()),
            )
            self._vector_cache.clear()
            return conn.execute(f"DELETE FROM {self._table}").rowcount

    def set_embeddings(self, user_id: str, model: str, vectors: Sequence[MemoryVector]) -> int:
        arrays = [as_vector(v.vector) for v in vectors]
        stored = 0
        with self._transaction() as conn:
            for item, array in zip(vectors, arrays, strict=True):
                stored += conn.execute(
                    f"INSERT INTO {self._vectors} "
                    "(memory_rowid, user_id, model, dimensions, vector) "
                    f"SELECT id, user_id, ?, ?, ? FROM {self._table} "
                    "WHERE user_id = ? AND memory_id = ? AND memory = ? "
                    "ON CONFLICT (memory_rowid) DO UPDATE SET model = excluded.model, "
                    "dimensions = excluded.dimensions, vector = excluded.vector",
                    (model, array.size, array.tobytes(), user_id, item.memory_id, item.memory),
                ).rowcount
            self._vector_cache.pop(user_id, None)
        return stored

    # -- reads ----------------------------------------------------------------

    def get(self, user_id: str, memory_id: str) -> UserMemory | None:
        rows = self._read(
            f"SELECT {_MEMORY_COLUMNS} FROM {self._table} WHERE user_id = ? AND memory_id = ?",
            (user_id, memory_id),
        )
        return _to_memories(rows)[0] if rows else None

    def list_memories(
        self,
        user_id: str,
        *,
        order_by: OrderBy = "created_at",
        newest_first: bool = False,
        limit: int | None = None,
    ) -> list[UserMemory]:
        direction = "DESC" if newest_first else "ASC"
        rows = self._read(
            f"SELECT {_MEMORY_COLUMNS} FROM {self._table} WHERE user_id = ? "
            f"ORDER BY {order_by} {direction}, id {direction} LIMIT ?",
            (user_id, -1 if limit is None else limit),
        )
        return _to_memories(rows)

    def keyword_search(self, user_id: str, query: str, limit: int | None) -> list[UserMemory]:
        return [memory for memory, _ in self.scored_keyword_search(user_id, query, limit)]

    def scored_keyword_search(
        self, user_id: str, query: str, limit: int | None
    ) -> list[tuple[UserMemory, float]]:
        match = _fts_query(user_id, query)
        if match is None:
            return []
        rows = self._read(
            f"SELECT {_T_COLUMNS}, -bm25({self._fts}, 0.0, 1.0, 0.5) AS score "
            f"FROM {self._fts} JOIN {self._table} t ON t.id = {self._fts}.rowid "
            f"WHERE {self._fts} MATCH ? AND t.user_id = ? "
            "ORDER BY score DESC, t.updated_at DESC LIMIT ?",
            (match, user_id, -1 if limit is None else limit),
        )
        memories = _to_memories([row[:-1] for row in rows])
        return [(memory, float(row[-1])) for memory, row in zip(memories, rows, strict=True)]

    def unembedded_memories(
        self, user_id: str | None, model: str, dimensions: int | None, limit: int
    ) -> list[UserMemory]:
        scope = "" if user_id is None else "t.user_id = :user AND "
        rows = self._read(
            f"SELECT {_T_COLUMNS} FROM {self._table} t "
            f"LEFT JOIN {self._vectors} v ON v.memory_rowid = t.id WHERE {scope}"
            "(v.memory_rowid IS NULL OR v.model IS NOT :model "
            "OR v.dimensions != coalesce(:dimensions, v.dimensions)) ORDER BY t.id LIMIT :limit",
            {"user": user_id, "model": model, "dimensions": dimensions, "limit": limit},
        )
        return _to_memories(rows)

    def vector_search(
        self, user_id: str, vector: Sequence[float], model: str, limit: int | None
    ) -> VectorSearch:
        query = normalised(as_vector(vector))
        with self._lock:
            vectors = self._user_vectors(user_id, model, query.size)
        if vectors.foreign is not None:
            raise mismatch(user_id, vectors.foreign, model, query.size)
        best = {
            int(vectors.rowids[row]): (row, score)
            for row, score in best_rows(vectors.matrix, query, limit)
        }
        if not best:
            return VectorSearch([], vectors.unembedded)
        rows = self._read(
            f"SELECT {_MEMORY_COLUMNS}, id FROM {self._table} "
            "WHERE user_id = ? AND id IN (SELECT value FROM json_each(?))",
            (user_id, json.dumps(list(best))),
        )
        hits = []
        for memory, row in zip(_to_memories([row[:-1] for row in rows]), rows, strict=True):
            index, score = best[row[-1]]
            hits.append(VectorHit(memory, score, vectors.matrix[index]))
        return VectorSearch(best_first(hits), vectors.unembedded)

    def _user_vectors(self, user_id: str, model: str, dimensions: int) -> _UserVectors:
        """The user's vectors from the cache, reloaded when any process wrote to the file."""
        version = self._db.conn.execute("PRAGMA data_version").fetchone()[0]
        if version != self._data_version:
            self._vector_cache.clear()
            self._data_version = version
        cached = self._vector_cache.get(user_id)
        if cached is not None and (cached.model, cached.dimensions) == (model, dimensions):
            self._vector_cache.move_to_end(user_id)
            return cached
        loaded = self._load_vectors(user_id, model, dimensions)
        self._vector_cache[user_id] = loaded
        size = 0
        for key in reversed(self._vector_cache):
            size += self._vector_cache[key].matrix.nbytes
            if size > _VECTOR_CACHE_BYTES and key != user_id:
                del self._vector_cache[key]
        return loaded

    def _load_vectors(self, user_id: str, model: str, dimensions: int) -> _UserVectors:
        try:
            rows = self._db.conn.execute(
                f"SELECT memory_rowid, model, dimensions, vector FROM {self._vectors} "
                "WHERE user_id = ? ORDER BY memory_rowid",
                (user_id,),
            ).fetchall()
            memories = self._db.conn.execute(
                f"SELECT count(*) FROM {self._table} WHERE user_id = ?", (user_id,)
            ).fetchone()[0]
        except sqlite3.Error as error:
            raise MemoryDbError(f"cannot read {self.db_file!r}: {error}") from error
        mine = [row for row in rows if (row[1], row[2]) == (model, dimensions)]
        others = [(row[1], row[2]) for row in rows if (row[1], row[2]) != (model, dimensions)]
        return _UserVectors(
            model=model,
            dimensions=dimensions,
            rowids=np.fromiter((row[0] for row in mine), dtype=np.int64, count=len(mine)),
            matrix=from_bytes([row[3] for row in mine], dimensions),
            foreign=(*others[0], len(others)) if others else None,
            unembedded=memories - len(rows),
        )

    def history(self, user_id: str, memory_id: str) -> list[MemoryEvent]:
        rows = self._read(
            f"SELECT {_EVENT_COLUMNS} FROM {self._history} "
            "WHERE user_id = ? AND memory_id = ? ORDER BY id",
            (user_id, memory_id),
        )
        return [_to_event(row) for row in rows]


def _statements(script: str) -> list[str]:
    """Split a migration script into statements, keeping trigger bodies whole."""
    statements, current = [], ""
    for line in script.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            statements.append(current.strip())
            current = ""
    return [s for s in statements if s]


def _event(
    user_id: str,
    context: WriteContext,
    memory_id: str,
    action: MemoryAction,
    old: tuple[str, list[str]] | None,
    new: tuple[str, list[str]] | None,
) -> MemoryEvent:
    return MemoryEvent(
        memory_id=memory_id,
        user_id=user_id,
        action=action,
        old_memory=old[0] if old else None,
        old_topics=old[1] if old else None,
        new_memory=new[0] if new else None,
        new_topics=new[1] if new else None,
        source=context.source,
        input=context.input,
        at=context.at,
    )


def _event_row(event: MemoryEvent) -> tuple[Any, ...]:
    return (
        event.memory_id,
        event.user_id,
        event.action,
        event.old_memory,
        event.new_memory,
        None if event.old_topics is None else json.dumps(event.old_topics),
        None if event.new_topics is None else json.dumps(event.new_topics),
        event.source,
        event.input,
        event.at.isoformat(),
    )
