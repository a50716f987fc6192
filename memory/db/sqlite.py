"""SqliteMemoryDb: the embedded default store, one SQLite file shared safely by processes."""

from __future__ import annotations

import json
import re
import sqlite3
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import sqlite_utils
from langgraph.checkpoint.sqlite import SqliteSaver
from langgraph.store.sqlite import SqliteStore

from memory.db.base import (
    USER_SCOPE,
    Floats,
    Ints,
    KeywordCandidates,
    MemoryDb,
    MemoryVector,
    OrderBy,
    Scope,
    UserVectors,
)
from memory.db.sessions import erase_archive, erase_checkpoints
from memory.db.sqlite_schema import migrate, text_hash
from memory.db.vectors import VectorCache, as_vector, unit_rows
from memory.errors import InvalidInputError, MemoryDbError, PendingClaimLostError
from memory.planner import (
    Reads,
    SummaryPlan,
    WritePlan,
    plan_summary,
    plan_writes,
    reads_for,
)
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
    stored_memory,
    utc,
    utcnow,
)
from memory.text import TOPIC_WEIGHT, IndexedText, index_text
from memory.twins import BLOCKING, run_sync

_IDENTIFIER = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,62}")
_MEMORY_COLUMNS = (
    "memory_id, user_id, memory, topics, input, created_at, updated_at, agent_id, expires_at"
)
_EVENT_COLUMNS = (
    "memory_id, user_id, action, old_memory, new_memory, old_topics, new_topics, source, input, "
    "at, agent_id, expires_at"
)
_SUMMARY_COLUMNS = "user_id, session_id, summary, topics, runs, created_at, updated_at"
_SUMMARY_EVENT_COLUMNS = (
    "user_id, session_id, action, old_summary, new_summary, old_topics, new_topics, source, at"
)
_IN_SCOPE = "user_id = :user AND agent_id = :agent"
_LIVE = "(expires_at IS NULL OR expires_at > :at)"
_EXPIRED = "expires_at IS NOT NULL AND expires_at <= :at"

ScopeKey = tuple[str, str]
"""(user_id, agent_id) as stored: '' for the user's own memories."""
_DOCS_CACHE_MEMORIES = 500_000
"""Memories whose keyword statistics are kept between searches (about 60 MB)."""


def _to_memories(rows: Sequence[Sequence[Any]]) -> list[UserMemory]:
    # The hot path of every prompt: topic lists are parsed in one call, and the rows,
    # validated when written, are not validated again.
    topics = json.loads("[" + ",".join(row[3] for row in rows) + "]")
    moment = datetime.fromisoformat
    built = []
    for row, row_topics in zip(rows, topics, strict=True):
        created = moment(row[5])
        fields = {
            "memory": row[2],
            "topics": row_topics,
            "input": row[4],
            "memory_id": row[0],
            "user_id": row[1],
            "agent_id": row[7] or None,
            "created_at": created,
            "updated_at": created if row[6] == row[5] else moment(row[6]),
            "expires_at": None if row[8] is None else moment(row[8]),
        }
        built.append(stored_memory(fields))
    return built


def _to_event(row: Sequence[Any]) -> MemoryEvent:
    (memory_id, user_id, action, old, new, old_topics, new_topics, source, input_, at, agent_id,
     expires_at) = row  # fmt: skip
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
        agent_id=agent_id or None,
        expires_at=None if expires_at is None else datetime.fromisoformat(expires_at),
    )


def _topics_json(topics: list[str] | None) -> str | None:
    if topics is None:
        return None
    return json.dumps(topics) if topics else "[]"


def _event_row(event: MemoryEvent) -> tuple[Any, ...]:
    return (
        event.memory_id,
        event.user_id,
        event.action,
        event.old_memory,
        event.new_memory,
        _topics_json(event.old_topics),
        _topics_json(event.new_topics),
        event.source,
        event.input,
        event.at.isoformat(),
        event.agent_id or "",
        _iso_or_none(event.expires_at),
    )


def _to_summary(row: Sequence[Any]) -> SessionSummary:
    user_id, session_id, summary, topics, runs, created_at, updated_at = row
    return SessionSummary(
        user_id=user_id,
        session_id=session_id,
        summary=summary,
        topics=json.loads(topics),
        runs=runs,
        created_at=created_at,
        updated_at=updated_at,
    )


def _to_summary_event(row: Sequence[Any]) -> SummaryEvent:
    user_id, session_id, action, old, new, old_topics, new_topics, source, at = row
    return SummaryEvent(
        user_id=user_id,
        session_id=session_id,
        action=action,
        old_summary=old,
        new_summary=new,
        old_topics=None if old_topics is None else json.loads(old_topics),
        new_topics=None if new_topics is None else json.loads(new_topics),
        source=source,
        at=at,
    )


class _Transaction:
    """`BEGIN IMMEDIATE` ... `COMMIT`, or `ROLLBACK` on any error; SQLite's errors become
    `MemoryDbError`. A class rather than a generator: it wraps every write."""

    def __init__(self, conn: sqlite3.Connection, lock: threading.RLock, db_file: str) -> None:
        self.conn, self.lock, self.db_file = conn, lock, db_file

    def __enter__(self) -> sqlite3.Connection:
        self.lock.acquire()
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except BaseException as error:
            self.lock.release()
            raise self._failed(error) from error
        return self.conn

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, _: object
    ) -> None:
        try:
            if error is None:
                try:
                    self.conn.execute("COMMIT")
                    return
                except sqlite3.Error as failed:
                    error = failed
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            if isinstance(error, sqlite3.Error):
                raise self._failed(error) from error
        finally:
            self.lock.release()

    def _failed(self, error: BaseException) -> BaseException:
        if isinstance(error, sqlite3.Error):
            return MemoryDbError(f"cannot write to {self.db_file!r}: {error}")
        return error


@dataclass(frozen=True)
class _UserDocs:
    """One user's memories as keyword ranking needs them, at one version of the user."""

    version: int
    rowids: Ints
    """Ascending, so candidates are found by binary search."""
    memory_ids: list[str]
    lengths: Floats
    recency: Ints


def _no_candidates(documents: int, total_length: int, terms: Sequence[str]) -> KeywordCandidates:
    nothing = np.zeros(0)
    return KeywordCandidates(
        documents,
        total_length,
        [],
        np.zeros(0, dtype=np.int64),
        nothing,
        {term: nothing for term in terms},
    )


def _moment(moment: datetime) -> str:
    """A time as text that sorts as time does: UTC, always with microseconds."""
    return utc(moment).isoformat(timespec="microseconds")


def _iso(moment: datetime | None) -> str:
    assert moment is not None, "the planner sets every time"
    return moment.isoformat()


def _iso_or_none(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _key(user_id: str, scope: Scope) -> ScopeKey:
    return user_id, scope.agent_id or ""


def _params(user_id: str, scope: Scope, **more: Any) -> dict[str, Any]:
    """The named parameters of `_IN_SCOPE`, `_LIVE` and `_EXPIRED`, and `more`."""
    return {"user": user_id, "agent": scope.agent_id or "", "at": scope.now().isoformat(), **more}


def _row(memory: UserMemory, indexed: IndexedText) -> tuple[Any, ...]:
    """The columns a write sets, in the order `_store` names them."""
    created = _iso(memory.created_at)
    return (
        memory.memory,
        json.dumps(memory.topics) if memory.topics else "[]",
        memory.input,
        text_hash(memory.memory),
        created,
        created if memory.updated_at == memory.created_at else _iso(memory.updated_at),
        _iso_or_none(memory.expires_at),
        " ".join(indexed.text_terms),
        " ".join(indexed.topic_terms),
        indexed.length,
    )


class SqliteMemoryDb(MemoryDb):
    """Memories in one table of a SQLite file (or in process with `db_file=":memory:"`).

    Safe for several threads and processes: WAL journal, a busy timeout, and every
    write batch in one `BEGIN IMMEDIATE` transaction that also keeps the keyword
    index (FTS5, one token per user and term), the per-user statistics and the
    history table in step. Opening a file
    runs any pending schema migrations (`memory.db.sqlite_schema`); a file from a
    newer release is refused rather than damaged.
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
        self.busy_timeout_ms = busy_timeout_ms
        self._lock = threading.RLock()
        self._t = table_name
        self._vector_cache = VectorCache()
        """Per user and agent scope, tagged with the model of the vectors."""
        self._data_version = -1
        self._opened: list[sqlite3.Connection] = []
        self._user_refs: dict[ScopeKey, int] = {}
        self._docs_cache: OrderedDict[ScopeKey, _UserDocs] = OrderedDict()
        self._conn = self.connect(autocommit=True)
        self._db = sqlite_utils.Database(self._conn, execute_plugins=False)
        try:
            with self._transaction():
                self.schema_version = migrate(self._db, table_name, self.db_file)
        except BaseException:
            self.close()
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

    @property
    def in_process(self) -> bool:
        return self.db_file == ":memory:"

    def connect(self, *, autocommit: bool = False) -> sqlite3.Connection:
        """A new connection to this file, set up like the store's own and closed with it.

        For what shares the file, such as the agent's sessions; `autocommit` leaves
        transactions to the caller's explicit BEGIN.
        """
        if self._opened and self.in_process:
            raise MemoryDbError("an in-process database has no file for another connection")
        try:
            if not self.in_process:
                Path(self.db_file).parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(
                self.db_file,
                check_same_thread=False,
                isolation_level=None if autocommit else "DEFERRED",
            )
        except (OSError, sqlite3.Error) as error:
            raise MemoryDbError(f"cannot open memory database {self.db_file!r}: {error}") from error
        try:
            conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout_ms)}")
            if not self.in_process:
                conn.execute("PRAGMA journal_mode = WAL")
                # In WAL mode NORMAL survives a killed process; only power loss can
                # drop the last commits, and it never corrupts the file.
                conn.execute("PRAGMA synchronous = NORMAL")
        except sqlite3.Error as error:
            conn.close()
            raise MemoryDbError(
                f"{self.db_file!r} is not a usable SQLite database: {error}"
            ) from error
        with self._lock:
            self._opened.append(conn)
        return conn

    def close(self) -> None:
        """Close the store's connection and every connection `connect` opened."""
        with self._lock:
            for conn in self._opened:
                conn.close()
            self._opened.clear()

    def _transaction(self) -> _Transaction:
        """One write transaction, taken at its start so concurrent writers queue, not fail."""
        return _Transaction(self._conn, self._lock, self.db_file)

    def _read(self, sql: str, params: Sequence[Any] | dict[str, Any]) -> list[tuple[Any, ...]]:
        with self._lock:
            try:
                return self._conn.execute(sql, params).fetchall()
            except sqlite3.Error as error:
                raise MemoryDbError(f"cannot read {self.db_file!r}: {error}") from error

    # -- writes ---------------------------------------------------------------

    def apply(
        self,
        user_id: str,
        ops: Sequence[MemoryOp],
        context: WriteContext,
        *,
        scope: Scope = USER_SCOPE,
    ) -> list[MemoryEvent]:
        reads = reads_for(ops)
        scope = Scope(scope.agent_id, context.at)
        with self._transaction() as conn:
            if context.settles is not None:
                self._settle(conn, user_id, scope, context.settles)
            rowids, current = self._current(conn, user_id, scope, reads)
            plan = plan_writes(user_id, current, ops, context, agent_id=scope.agent_id)
            if plan.events:
                self._store(conn, user_id, scope, rowids, plan)
            self._vector_cache.discard(_key(user_id, scope))
        return plan.events

    def _settle(
        self, conn: sqlite3.Connection, user_id: str, scope: Scope, claim: PendingClaim
    ) -> None:
        """Delete the claimed messages of the scope, all of them or (raising) none."""
        ids = set(claim.message_ids)
        settled = conn.execute(
            f"DELETE FROM {self._t}_pending WHERE user_id = ? AND agent_id = ? "
            "AND thread_id = ? AND claim = ? AND message_id IN (SELECT value FROM json_each(?))",
            (*_key(user_id, scope), claim.thread_id, claim.token, json.dumps(sorted(ids))),
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
        row ids."""
        select = f"SELECT {_MEMORY_COLUMNS}, id FROM {self._t} WHERE {_IN_SCOPE}"
        if reads.everything:
            rows = conn.execute(select, _params(user_id, scope)).fetchall()
        else:
            rows = conn.execute(f"{select} AND {_EXPIRED}", _params(user_id, scope)).fetchall()
            hashes = sorted(text_hash(key) for key in reads.text_keys)
            for column, keys in (("memory_id", sorted(reads.memory_ids)), ("text_hash", hashes)):
                if keys:
                    found = conn.execute(
                        f"{select} AND {column} IN (SELECT value FROM json_each(:keys))",
                        _params(user_id, scope, keys=json.dumps(keys)),
                    )
                    rows += found.fetchall()
            if len(rows) > 1:
                rows = list({row[-1]: row for row in rows}.values())
        if not rows:
            return {}, []
        rows.sort(key=lambda row: (row[5], row[-1]))  # created_at, then insertion order
        return {row[0]: row[-1] for row in rows}, _to_memories(rows)

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
        key = _key(user_id, scope)
        counts = (
            len(plan.inserts) - len(plan.deletes),
            sum(i.length for _, i in changed + added) - sum(removed),
        )
        user_ref = self._user_ref(conn, key)
        update = (
            f"UPDATE {t}_users SET memories = memories + ?, terms = terms + ?, "
            "version = version + 1 WHERE id = ? AND user_id = ? AND agent_id = ?"
        )
        if not conn.execute(update, (*counts, user_ref, *key)).rowcount:
            self._user_refs.pop(key, None)  # the user was erased since, maybe by another process
            user_ref = self._user_ref(conn, key)
            conn.execute(update, (*counts, user_ref, *key))
        if plan.deletes:
            gone = [(rowids[str(m.memory_id)],) for m in plan.deletes]
            conn.executemany(f"DELETE FROM {t} WHERE id = ?", gone)
        if changed:
            conn.executemany(
                f"UPDATE {t} SET memory = ?, topics = ?, input = ?, text_hash = ?, created_at = ?, "
                "updated_at = ?, expires_at = ?, terms = ?, topic_terms = ?, term_count = ? "
                "WHERE id = ?",
                [(*_row(new, indexed), rowids[str(new.memory_id)]) for new, indexed in changed],
            )
        if added:
            conn.executemany(
                f"INSERT INTO {t} (memory, topics, input, text_hash, created_at, updated_at, "
                "expires_at, terms, topic_terms, term_count, memory_id, user_id, agent_id, "
                "user_ref) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                [
                    (*_row(new, indexed), new.memory_id, user_id, scope.agent_id or "", user_ref)
                    for new, indexed in added
                ],
            )
        conn.executemany(
            f"INSERT INTO {t}_history ({_EVENT_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            [_event_row(event) for event in plan.events],
        )

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

    def set_vectors(
        self,
        user_id: str,
        model: str,
        vectors: Sequence[MemoryVector],
        *,
        scope: Scope = USER_SCOPE,
    ) -> int:
        arrays = [as_vector(v.vector) for v in vectors]
        stored = 0
        with self._transaction() as conn:
            for item, array in zip(vectors, arrays, strict=True):
                stored += conn.execute(
                    f"INSERT INTO {self._t}_vectors "
                    "(memory_rowid, user_id, model, dimensions, vector) "
                    f"SELECT id, user_id, :model, :dimensions, :vector FROM {self._t} "
                    f"WHERE {_IN_SCOPE} AND memory_id = :memory_id AND memory = :memory "
                    "ON CONFLICT (memory_rowid) DO UPDATE SET model = excluded.model, "
                    "dimensions = excluded.dimensions, vector = excluded.vector",
                    _params(
                        user_id,
                        scope,
                        model=model,
                        dimensions=array.size,
                        vector=array.tobytes(),
                        memory_id=item.memory_id,
                        memory=item.memory,
                    ),
                ).rowcount
            self._vector_cache.discard(_key(user_id, scope))
        return stored

    def write_summary(
        self,
        user_id: str,
        session_id: str,
        summary: SessionSummary | None,
        context: WriteContext,
    ) -> SummaryPlan:
        t = self._t
        with self._transaction() as conn:
            found = conn.execute(
                f"SELECT {_SUMMARY_COLUMNS} FROM {t}_summaries "
                "WHERE user_id = ? AND session_id = ?",
                (user_id, session_id),
            ).fetchone()
            previous = None if found is None else _to_summary(found)
            plan = plan_summary(user_id, session_id, previous, summary, context)
            if plan.event is None:
                return plan
            if plan.summary is None:
                conn.execute(
                    f"DELETE FROM {t}_summaries WHERE user_id = ? AND session_id = ?",
                    (user_id, session_id),
                )
            else:
                kept = plan.summary
                conn.execute(
                    f"INSERT INTO {t}_summaries ({_SUMMARY_COLUMNS}) VALUES (?,?,?,?,?,?,?) "
                    "ON CONFLICT (user_id, session_id) DO UPDATE SET summary = excluded.summary, "
                    "topics = excluded.topics, runs = excluded.runs, "
                    "updated_at = excluded.updated_at",
                    (
                        user_id,
                        session_id,
                        kept.summary,
                        json.dumps(kept.topics),
                        kept.runs,
                        _iso(kept.created_at),
                        _iso(kept.updated_at),
                    ),
                )
            event = plan.event
            conn.execute(
                f"INSERT INTO {t}_summary_history ({_SUMMARY_EVENT_COLUMNS}) "
                "VALUES (?,?,?,?,?,?,?,?,?)",
                (
                    user_id,
                    session_id,
                    event.action,
                    event.old_summary,
                    event.new_summary,
                    _topics_json(event.old_topics),
                    _topics_json(event.new_topics),
                    event.source,
                    event.at.isoformat(),
                ),
            )
        return plan

    # -- pending messages (deferred extraction) ------------------------------------

    def add_pending(
        self,
        user_id: str,
        thread_id: str,
        messages: Sequence[PendingMessage],
        *,
        scope: Scope = USER_SCOPE,
    ) -> int:
        if not messages:
            return 0
        user, agent = _key(user_id, scope)
        with self._transaction() as conn:
            return conn.executemany(
                f"INSERT INTO {self._t}_pending "
                "(user_id, agent_id, thread_id, message_id, text, at) VALUES (?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (user_id, agent_id, thread_id, message_id) DO NOTHING",
                [(user, agent, thread_id, m.message_id, m.text, _moment(m.at)) for m in messages],
            ).rowcount

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
        t = self._t
        user, agent = _key(user_id, scope)
        with self._transaction() as conn:
            held = conn.execute(
                f"SELECT 1 FROM {t}_pending WHERE user_id = ? AND agent_id = ? AND thread_id = ? "
                "AND claim IS NOT NULL AND claim != ? AND claimed_until > ? LIMIT 1",
                (user, agent, thread_id, token, _moment(now)),
            ).fetchone()
            if held:
                return []
            rows = conn.execute(
                f"SELECT id, message_id, text, at FROM {t}_pending "
                "WHERE user_id = ? AND agent_id = ? AND thread_id = ? ORDER BY id LIMIT ?",
                (user, agent, thread_id, limit),
            ).fetchall()
            conn.executemany(
                f"UPDATE {t}_pending SET claim = ?, claimed_until = ? WHERE id = ?",
                [(token, _moment(until), row[0]) for row in rows],
            )
        return [PendingMessage(row[1], row[2], datetime.fromisoformat(row[3])) for row in rows]

    def release_pending(
        self, user_id: str, thread_id: str, token: str, *, scope: Scope = USER_SCOPE
    ) -> None:
        with self._transaction() as conn:
            conn.execute(
                f"UPDATE {self._t}_pending SET claim = NULL, claimed_until = NULL "
                "WHERE user_id = ? AND agent_id = ? AND thread_id = ? AND claim = ?",
                (*_key(user_id, scope), thread_id, token),
            )

    def pending_threads(
        self, user_id: str | None = None, *, scope: Scope = USER_SCOPE
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

    def drop_pending(self, user_id: str | None = None, *, scope: Scope = USER_SCOPE) -> int:
        with self._transaction() as conn:
            return conn.execute(
                f"DELETE FROM {self._t}_pending WHERE coalesce(?, user_id) = user_id "
                "AND agent_id = ?",
                (user_id, scope.agent_id or ""),
            ).rowcount

    # -- thread owners and erasure ----------------------------------------------

    def claim_thread(self, user_id: str, thread_id: str) -> str:
        select = f"SELECT user_id FROM {self._t}_threads WHERE thread_id = ?"
        owner = self._read(select, (thread_id,))
        if owner:  # a thread's owner never changes: no write needed to know it
            return str(owner[0][0])
        with self._transaction() as conn:
            conn.execute(
                f"INSERT INTO {self._t}_threads (thread_id, user_id, claimed_at) VALUES (?, ?, ?) "
                "ON CONFLICT (thread_id) DO NOTHING",
                (thread_id, user_id, _moment(utcnow())),
            )
            (found,) = conn.execute(select, (thread_id,)).fetchone()
        return str(found)

    def user_threads(self, user_id: str) -> list[str]:
        rows = self._read(
            f"SELECT thread_id FROM {self._t}_threads WHERE user_id = ? ORDER BY claimed_at",
            (user_id,),
        )
        return [row[0] for row in rows]

    def erase_user(self, user_id: str) -> EraseResult:
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
            for cache in (self._user_refs, self._docs_cache):
                for key in [key for key in cache if key[0] == user_id]:
                    del cache[key]
            self._vector_cache.discard_where(
                lambda key: isinstance(key, tuple) and key[0] == user_id
            )
        return erased

    def erase_sessions(self, thread_ids: Sequence[str]) -> tuple[int, int]:
        """The threads' checkpoints and archived runs, where an agent keeps them in this
        file (LangGraph's SQLite saver and store)."""
        if self.in_process or not thread_ids:
            return 0, 0
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
                archived = run_sync(erase_archive(BLOCKING, store, thread_ids))
        return checkpoints, archived

    # -- reads ----------------------------------------------------------------

    def get_summaries(self, user_id: str, session_id: str | None = None) -> list[SessionSummary]:
        rows = self._read(
            f"SELECT {_SUMMARY_COLUMNS} FROM {self._t}_summaries "
            "WHERE user_id = ? AND session_id = coalesce(?, session_id) "
            "ORDER BY updated_at DESC, session_id",
            (user_id, session_id),
        )
        return [_to_summary(row) for row in rows]

    def summary_history(self, user_id: str, session_id: str) -> list[SummaryEvent]:
        rows = self._read(
            f"SELECT {_SUMMARY_EVENT_COLUMNS} FROM {self._t}_summary_history "
            "WHERE user_id = ? AND session_id = ? ORDER BY id",
            (user_id, session_id),
        )
        return [_to_summary_event(row) for row in rows]

    def get_memories(
        self, user_id: str, memory_ids: Sequence[str], *, scope: Scope = USER_SCOPE
    ) -> list[UserMemory]:
        if not memory_ids:
            return []
        rows = self._read(
            f"SELECT {_MEMORY_COLUMNS} FROM {self._t} WHERE {_IN_SCOPE} AND {_LIVE} "
            "AND memory_id IN (SELECT value FROM json_each(:ids))",
            _params(user_id, scope, ids=json.dumps(list(memory_ids))),
        )
        return _to_memories(rows)

    def list_memories(
        self,
        user_id: str,
        *,
        order_by: OrderBy = "created_at",
        newest_first: bool = False,
        limit: int | None = None,
        scope: Scope = USER_SCOPE,
    ) -> list[UserMemory]:
        direction = "DESC" if newest_first else "ASC"
        column = "updated_at" if order_by == "updated_at" else "created_at"
        rows = self._read(
            f"SELECT {_MEMORY_COLUMNS} FROM {self._t} WHERE {_IN_SCOPE} AND {_LIVE} "
            f"ORDER BY {column} {direction}, id {direction} LIMIT :limit",
            _params(user_id, scope, limit=-1 if limit is None else limit),
        )
        return _to_memories(rows)

    def history(
        self, user_id: str, memory_id: str, *, scope: Scope = USER_SCOPE
    ) -> list[MemoryEvent]:
        rows = self._read(
            f"SELECT {_EVENT_COLUMNS} FROM {self._t}_history "
            f"WHERE {_IN_SCOPE} AND memory_id = :memory_id ORDER BY id",
            _params(user_id, scope, memory_id=memory_id),
        )
        return [_to_event(row) for row in rows]

    def user_ids(self, *, scope: Scope = USER_SCOPE) -> list[str]:
        rows = self._read(
            f"SELECT user_id FROM {self._t}_users WHERE agent_id = ? AND memories > 0",
            (scope.agent_id or "",),
        )
        return [row[0] for row in rows]

    def keyword_candidates(
        self, user_id: str, terms: Sequence[str], *, scope: Scope = USER_SCOPE
    ) -> KeywordCandidates:
        """Only the user's own index tokens are read: the work grows with their matches.

        Expired memories not yet swept are neither candidates nor counted.
        """
        t = self._t
        key = _key(user_id, scope)
        with self._lock, self._snapshot() as conn:
            stats = conn.execute(
                f"SELECT id, memories, terms, version FROM {t}_users "
                "WHERE user_id = ? AND agent_id = ?",
                key,
            ).fetchone()
            gone = conn.execute(
                f"SELECT id, term_count FROM {t} WHERE {_IN_SCOPE} AND {_EXPIRED}",
                _params(user_id, scope),
            ).fetchall()
            if stats is None or stats[1] - len(gone) <= 0 or not terms:
                return _no_candidates(
                    stats[1] - len(gone) if stats else 0,
                    stats[2] - sum(length for _, length in gone) if stats else 0,
                    terms,
                )
            user_ref, documents, total_length, version = stats
            documents -= len(gone)
            total_length -= sum(length for _, length in gone)
            docs = self._user_docs(conn, key, version)
            weights = {
                term: np.array(
                    conn.execute(
                        f"SELECT doc, sum(iif(col = 'text', 1.0, {TOPIC_WEIGHT})) "
                        f"FROM {t}_keywords_vocab WHERE term = ? GROUP BY doc",
                        (f"u{user_ref}_{term}",),
                    ).fetchall(),
                    dtype=np.float64,
                ).reshape(-1, 2)
                for term in dict.fromkeys(terms)
            }
        rowids = np.unique(np.concatenate([w[:, 0] for w in weights.values()])).astype(np.int64)
        if gone:
            rowids = rowids[~np.isin(rowids, [rowid for rowid, _ in gone])]
        slots = np.searchsorted(docs.rowids, rowids)
        # The index and the rows change together, so every match is a row; an index
        # damaged by hand could disagree, and its strays are skipped, not misread.
        known = slots < docs.rowids.size
        known[known] = docs.rowids[slots[known]] == rowids[known]
        if not known.all():
            rowids, slots = rowids[known], slots[known]
        frequencies = {}
        for term, found in weights.items():
            column = np.zeros(rowids.size)
            matched = found[np.isin(found[:, 0].astype(np.int64), rowids)]
            column[np.searchsorted(rowids, matched[:, 0].astype(np.int64))] = matched[:, 1]
            frequencies[term] = column
        return KeywordCandidates(
            documents=documents,
            total_length=total_length,
            memory_ids=[docs.memory_ids[slot] for slot in slots.tolist()],
            recency=docs.recency[slots],
            lengths=docs.lengths[slots],
            frequencies=frequencies,
        )

    def _user_docs(self, conn: sqlite3.Connection, key: ScopeKey, version: int) -> _UserDocs:
        """What keyword ranking needs of each memory of a user's scope, cached per version."""
        cached = self._docs_cache.get(key)
        if cached is not None and cached.version == version:
            self._docs_cache.move_to_end(key)
            return cached
        rows = conn.execute(
            f"SELECT id, memory_id, term_count, row_number() OVER (ORDER BY updated_at, id) "
            f"FROM {self._t} WHERE user_id = ? AND agent_id = ? ORDER BY id",
            key,
        ).fetchall()
        loaded = _UserDocs(
            version=version,
            rowids=np.array([row[0] for row in rows], dtype=np.int64),
            memory_ids=[row[1] for row in rows],
            lengths=np.array([row[2] for row in rows], dtype=np.float64),
            recency=np.array([row[3] for row in rows], dtype=np.int64),
        )
        self._docs_cache[key] = loaded
        held = 0
        for other in reversed(self._docs_cache):
            held += len(self._docs_cache[other].memory_ids)
            if held > _DOCS_CACHE_MEMORIES and other != key:
                del self._docs_cache[other]
        return loaded

    @contextmanager
    def _snapshot(self) -> Iterator[sqlite3.Connection]:
        """Several reads that see one state of the file, whatever other writers do meanwhile."""
        conn = self._conn
        try:
            conn.execute("BEGIN")
            try:
                yield conn
            finally:
                conn.execute("COMMIT")
        except sqlite3.Error as error:
            raise MemoryDbError(f"cannot read {self.db_file!r}: {error}") from error

    def unembedded(
        self,
        user_id: str,
        model: str,
        dimensions: int | None,
        limit: int,
        *,
        scope: Scope = USER_SCOPE,
    ) -> list[UserMemory]:
        columns = ", ".join(f"t.{c.strip()}" for c in _MEMORY_COLUMNS.split(","))
        rows = self._read(
            f"SELECT {columns} FROM {self._t} t "
            f"LEFT JOIN {self._t}_vectors v ON v.memory_rowid = t.id "
            "WHERE t.user_id = :user AND t.agent_id = :agent "
            "AND (t.expires_at IS NULL OR t.expires_at > :at) AND "
            "(v.memory_rowid IS NULL OR v.model IS NOT :model "
            "OR v.dimensions != coalesce(:dimensions, v.dimensions)) ORDER BY t.id LIMIT :limit",
            _params(user_id, scope, model=model, dimensions=dimensions, limit=limit),
        )
        return _to_memories(rows)

    def vectors(
        self, user_id: str, model: str, dimensions: int, *, scope: Scope = USER_SCOPE
    ) -> UserVectors:
        """The user's vectors from the cache, reloaded when any process wrote to the file.

        While the scope holds expired memories not yet swept, they are read afresh
        without them, and not cached: expiry comes with time, not with a write.
        """
        key = _key(user_id, scope)
        with self._lock:
            version = self._read("PRAGMA data_version", ())[0][0]
            if version != self._data_version:
                self._vector_cache.clear()
                self._data_version = version
            if self._read(
                f"SELECT 1 FROM {self._t} WHERE {_IN_SCOPE} AND {_EXPIRED} LIMIT 1",
                _params(user_id, scope),
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
            _params(user_id, scope),
        )
        (memories,) = self._read(
            f"SELECT count(*) FROM {self._t} WHERE {_IN_SCOPE} AND {_LIVE}",
            _params(user_id, scope),
        )[0]
        mine = [row for row in rows if (row[1], row[2]) == (model, dimensions)]
        others = [(row[1], row[2]) for row in rows if (row[1], row[2]) != (model, dimensions)]
        return UserVectors(
            memory_ids=[row[0] for row in mine],
            matrix=unit_rows([row[3] for row in mine], dimensions),
            foreign=(*others[0], len(others)) if others else None,
            unembedded=memories - len(rows),
        )
