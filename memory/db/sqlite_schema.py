"""The schema of a SqliteMemoryDb table, as append-only migrations run by sqlite-utils.

Each memories table has its own migration set (`sqlite_utils.migrations.Migrations`,
recorded in `_sqlite_migrations`), so several tables share one file. Migrations
are only ever appended: a file made by an older release replays the rest when it
is opened. Releases before sqlite-utils ran the migrations recorded a version
number in `memory_agent_schema`; `migrate` carries that over, and keeps writing
it so that an older release refuses a newer file instead of damaging it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
from collections import defaultdict
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from memory.db.sqlite_scopes import (
    history_by_memory,
    lean_keyword_index,
    memories_by_scope,
    row_tokens,
)
from memory.errors import MemoryDbError
from memory.schema import utc, utcnow
from memory.text import index_text, normalized_text

if TYPE_CHECKING:  # sqlite-utils (with click, dateutil, pluggy) loads only to migrate
    from sqlite_utils import Database
    from sqlite_utils.migrations import Migrations

logger = logging.getLogger(__name__)

LEGACY_VERSIONS = "memory_agent_schema"


def _memories(t: str) -> str:
    return f"""
    CREATE TABLE {t} (
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
    CREATE INDEX {t}_user_created ON {t} (user_id, created_at);
    CREATE INDEX {t}_user_updated ON {t} (user_id, updated_at);
    CREATE INDEX {t}_user_text ON {t} (user_id, text_key);
    CREATE VIRTUAL TABLE {t}_fts USING fts5(
        user_key, memory, topics,
        content={t}, content_rowid='id',
        tokenize='porter unicode61 remove_diacritics 2'
    );
    CREATE TRIGGER {t}_fts_insert AFTER INSERT ON {t} BEGIN
        INSERT INTO {t}_fts (rowid, user_key, memory, topics)
        VALUES (new.id, new.user_key, new.memory, new.topics);
    END;
    CREATE TRIGGER {t}_fts_delete AFTER DELETE ON {t} BEGIN
        INSERT INTO {t}_fts ({t}_fts, rowid, user_key, memory, topics)
        VALUES ('delete', old.id, old.user_key, old.memory, old.topics);
    END;
    CREATE TRIGGER {t}_fts_update AFTER UPDATE OF memory, topics ON {t} BEGIN
        INSERT INTO {t}_fts ({t}_fts, rowid, user_key, memory, topics)
        VALUES ('delete', old.id, old.user_key, old.memory, old.topics);
        INSERT INTO {t}_fts (rowid, user_key, memory, topics)
        VALUES (new.id, new.user_key, new.memory, new.topics);
    END;
    CREATE TABLE {t}_history (
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
    CREATE INDEX {t}_history_memory ON {t}_history (user_id, memory_id, id);
    """


def _vectors(t: str) -> str:
    # Vectors live beside the memories, not in their rows, so listing and keyword
    # search never read them; triggers drop a vector when its memory goes or its
    # text changes, whichever process writes.
    return f"""
    CREATE TABLE {t}_vectors (
        memory_rowid INTEGER PRIMARY KEY,
        user_id TEXT NOT NULL,
        model TEXT NOT NULL,
        dimensions INTEGER NOT NULL,
        vector BLOB NOT NULL
    );
    CREATE INDEX {t}_vectors_user ON {t}_vectors (user_id);
    CREATE TRIGGER {t}_vectors_delete AFTER DELETE ON {t} BEGIN
        DELETE FROM {t}_vectors WHERE memory_rowid = old.id;
    END;
    CREATE TRIGGER {t}_vectors_stale AFTER UPDATE OF memory ON {t}
    WHEN new.memory IS NOT old.memory BEGIN
        DELETE FROM {t}_vectors WHERE memory_rowid = old.id;
    END;
    """


def _session_summaries(t: str) -> str:
    return f"""
    CREATE TABLE {t}_summaries (
        user_id TEXT NOT NULL,
        session_id TEXT NOT NULL,
        summary TEXT NOT NULL,
        topics TEXT NOT NULL,
        runs INTEGER NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (user_id, session_id)
    );
    CREATE INDEX {t}_summaries_updated ON {t}_summaries (user_id, updated_at);
    CREATE TABLE {t}_summary_history (
        id INTEGER PRIMARY KEY,
        user_id TEXT NOT NULL,
        session_id TEXT NOT NULL,
        action TEXT NOT NULL,
        old_summary TEXT,
        new_summary TEXT,
        old_topics TEXT,
        new_topics TEXT,
        source TEXT NOT NULL,
        at TEXT NOT NULL
    );
    CREATE INDEX {t}_summary_history_session ON {t}_summary_history (user_id, session_id, id);
    """


def _utc_text(stored: str) -> str:
    return utc(datetime.fromisoformat(stored)).isoformat()


def _keyword_index(db: Database, t: str) -> None:
    """Per-user keyword statistics, in place of FTS5 over every user's rows at once.

    Each memory keeps its index terms (`memory.text.index_text`: stems of its text
    and of its topics) and length; `{t}_users` numbers each user and keeps their
    memory count and total length, and a version that every write of theirs bumps
    (what a reader caches about a user is current while it matches). Times are
    rewritten in UTC, so their text sorts as time does. `{t}_keywords`, a
    contentless FTS5 table, holds
    the terms as per-user tokens, kept in step by triggers from the stored terms,
    so a delete removes exactly what was indexed; `{t}_keywords_vocab` lists each
    token's occurrences by memory and column, which is all BM25 needs. Existing
    memories are indexed here.
    """
    for trigger in ("insert", "delete", "update"):
        db.execute(f"DROP TRIGGER {t}_fts_{trigger}")
    db.execute(f"DROP TABLE {t}_fts")
    db.execute(f"ALTER TABLE {t} DROP COLUMN user_key")
    table = db.table(t)
    table.add_column("user_ref", int, not_null_default=0)
    table.add_column("terms", str, not_null_default="")
    table.add_column("topic_terms", str, not_null_default="")
    table.add_column("term_count", int, not_null_default=0)
    users = db.create_table(
        f"{t}_users",
        {"id": int, "user_id": str, "memories": int, "terms": int, "version": int},
        pk="id",
        not_null={"user_id", "memories", "terms", "version"},
        defaults={"version": 0},
    )
    users.create_index(["user_id"], unique=True)
    indexed: list[tuple[int, str, str, str, int]] = []
    totals: defaultdict[str, list[int]] = defaultdict(lambda: [0, 0])
    rows = db.execute(
        f"SELECT id, user_id, memory, topics, created_at, updated_at FROM {t} ORDER BY id"
    ).fetchall()
    db.conn.executemany(
        f"UPDATE {t} SET created_at = ?, updated_at = ? WHERE id = ?",
        [(_utc_text(created), _utc_text(updated), rowid) for rowid, *_, created, updated in rows],
    )
    for rowid, user_id, text, topics, _, _ in rows:
        found = index_text(text, json.loads(topics))
        totals[user_id][0] += 1
        totals[user_id][1] += found.length
        text_terms, topic_terms = " ".join(found.text_terms), " ".join(found.topic_terms)
        indexed.append((rowid, user_id, text_terms, topic_terms, found.length))
    users.insert_all(
        {"user_id": user_id, "memories": count, "terms": total}
        for user_id, (count, total) in totals.items()
    )
    refs = dict(db.execute(f"SELECT user_id, id FROM {t}_users").fetchall())
    db.conn.executemany(
        f"UPDATE {t} SET user_ref = ?, terms = ?, topic_terms = ?, term_count = ? WHERE id = ?",
        [
            (refs[user], text, topics, length, rowid)
            for rowid, user, text, topics, length in indexed
        ],
    )
    text_tokens, topic_tokens = row_tokens("")
    old_text, old_topics = row_tokens("old.")
    new_text, new_topics = row_tokens("new.")
    keywords = f"{t}_keywords"
    _run(
        db,
        f"""
        CREATE VIRTUAL TABLE {keywords} USING fts5(
            text, topics, content='', tokenize="ascii tokenchars '_'"
        );
        CREATE VIRTUAL TABLE {keywords}_vocab USING fts5vocab({keywords}, 'instance');
        INSERT INTO {keywords} (rowid, text, topics)
        SELECT id, {text_tokens}, {topic_tokens} FROM {t};
        CREATE TRIGGER {t}_keywords_insert AFTER INSERT ON {t} BEGIN
            INSERT INTO {keywords} (rowid, text, topics) VALUES (new.id, {new_text}, {new_topics});
        END;
        CREATE TRIGGER {t}_keywords_delete AFTER DELETE ON {t} BEGIN
            INSERT INTO {keywords} ({keywords}, rowid, text, topics)
            VALUES ('delete', old.id, {old_text}, {old_topics});
        END;
        CREATE TRIGGER {t}_keywords_update AFTER UPDATE OF terms, topic_terms ON {t}
        WHEN new.terms IS NOT old.terms OR new.topic_terms IS NOT old.topic_terms BEGIN
            INSERT INTO {keywords} ({keywords}, rowid, text, topics)
            VALUES ('delete', old.id, {old_text}, {old_topics});
            INSERT INTO {keywords} (rowid, text, topics) VALUES (new.id, {new_text}, {new_topics});
        END;
        """,
    )


def _pending(db: Database, t: str) -> None:
    """User messages kept for deferred extraction until a batch learned from them lands.

    A worker's claim (`claim`, `claimed_until`) keeps others off the thread while
    it learns; the batch that applies what it learned deletes the rows it claimed.
    """
    _run(
        db,
        f"""
        CREATE TABLE {t}_pending (
            id INTEGER PRIMARY KEY,
            user_id TEXT NOT NULL,
            thread_id TEXT NOT NULL,
            message_id TEXT NOT NULL,
            text TEXT NOT NULL,
            at TEXT NOT NULL,
            claim TEXT,
            claimed_until TEXT,
            UNIQUE (user_id, thread_id, message_id)
        );
        CREATE INDEX {t}_pending_thread ON {t}_pending (user_id, thread_id, id);
        """,
    )


def _scopes_and_expiry(db: Database, t: str) -> None:
    """Agent scopes and expiry.

    Memories gain `agent_id` ('' for the user's own memories) and `expires_at`
    (UTC ISO text, NULL for never); a memory id is unique within a user's agent
    scope, so the table is rebuilt (SQLite cannot change a constraint), keeping
    every row id, so the keyword index and the vectors stay attached. Its
    triggers are re-created as they were; its indexes lead with the scope.
    `{t}_users` keeps statistics per user and agent scope; history records both.
    """
    triggers = [
        sql
        for (sql,) in db.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?", [t]
        ).fetchall()
    ]
    columns = (
        "id, memory_id, user_id, memory, topics, input, text_key, created_at, updated_at, "
        "user_ref, terms, topic_terms, term_count"
    )
    _run(
        db,
        f"""
        CREATE TABLE {t}_rebuilt (
            id INTEGER PRIMARY KEY,
            memory_id TEXT NOT NULL,
            user_id TEXT NOT NULL,
            agent_id TEXT NOT NULL DEFAULT '',
            memory TEXT NOT NULL,
            topics TEXT NOT NULL,
            input TEXT,
            text_key TEXT NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            expires_at TEXT,
            user_ref INTEGER NOT NULL DEFAULT 0,
            terms TEXT NOT NULL DEFAULT '',
            topic_terms TEXT NOT NULL DEFAULT '',
            term_count INTEGER NOT NULL DEFAULT 0,
            UNIQUE (user_id, agent_id, memory_id)
        );
        INSERT INTO {t}_rebuilt ({columns}) SELECT {columns} FROM {t};
        DROP TABLE {t};
        ALTER TABLE {t}_rebuilt RENAME TO {t};
        CREATE INDEX {t}_scope_created ON {t} (user_id, agent_id, created_at);
        CREATE INDEX {t}_scope_updated ON {t} (user_id, agent_id, updated_at);
        CREATE INDEX {t}_scope_text ON {t} (user_id, agent_id, text_key);
        CREATE INDEX {t}_scope_expires ON {t} (user_id, agent_id, expires_at)
            WHERE expires_at IS NOT NULL;
        ALTER TABLE {t}_history ADD COLUMN agent_id TEXT NOT NULL DEFAULT '';
        ALTER TABLE {t}_history ADD COLUMN expires_at TEXT;
        DROP INDEX {t}_history_memory;
        CREATE INDEX {t}_history_memory ON {t}_history (user_id, agent_id, memory_id, id);
        ALTER TABLE {t}_users ADD COLUMN agent_id TEXT NOT NULL DEFAULT '';
        DROP INDEX idx_{t}_users_user_id;
        CREATE UNIQUE INDEX {t}_users_scope ON {t}_users (user_id, agent_id);
        """,
    )
    for sql in triggers:
        db.execute(sql)


def text_hash(text: str) -> int:
    """A memory's normalized text (`memory.text.normalized_text`) as a signed 64-bit
    number: what finding the memories a write may repeat looks up."""
    return key_hash(normalized_text(text))


def key_hash(normalized: str) -> int:
    """`text_hash` of a text already normalized (as `memory.planner.Reads` holds them)."""
    digest = hashlib.blake2b(normalized.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little", signed=True)


def _text_hash(db: Database, t: str) -> None:
    """The normalized text of each memory is kept as an 8-byte hash instead of a copy.

    It served only to find the memories a write may repeat; the planner compares the
    texts themselves, so a (rare) collision costs one extra row read, never a wrong
    answer. Its copy and its index took about 110 bytes of every memory's 760.
    """
    table = db.table(t)
    table.add_column("text_hash", int, not_null_default=0)
    rows = db.execute(f"SELECT id, memory FROM {t}").fetchall()
    db.conn.executemany(
        f"UPDATE {t} SET text_hash = ? WHERE id = ?",
        [(text_hash(memory), rowid) for rowid, memory in rows],
    )
    _run(
        db,
        f"""
        DROP INDEX {t}_scope_text;
        ALTER TABLE {t} DROP COLUMN text_key;
        CREATE INDEX {t}_scope_text_hash ON {t} (user_id, agent_id, text_hash);
        """,
    )


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def micros(moment: datetime) -> int:
    """A time as stored where it is not sorted as text: microseconds since 1970, UTC."""
    return (utc(moment) - EPOCH) // _MICROSECOND


def _history_by_memory(db: Database, t: str) -> None:
    """History clustered by memory (`memory.db.sqlite_scopes.history_by_memory`).

    Events of earlier releases keep their number as their batch, and every scope's
    version moves past them, so the events written from now on come after them.
    """
    _run(db, history_by_memory(t))
    rows = db.execute(
        f"SELECT user_id, agent_id, memory_id, id, action, old_memory, new_memory, old_topics, "
        f"new_topics, source, input, at, expires_at FROM {t}_history"
    ).fetchall()
    db.conn.executemany(
        f"INSERT INTO {t}_history_by_memory VALUES (?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(*row[:11], micros(datetime.fromisoformat(row[11])), row[12]) for row in rows],
    )
    _run(
        db,
        f"""
        DROP TABLE {t}_history;
        ALTER TABLE {t}_history_by_memory RENAME TO {t}_history;
        UPDATE {t}_users SET version = version + (SELECT coalesce(max(batch), 0) FROM {t}_history);
        """,
    )


def _thread_owners(db: Database, t: str) -> None:
    """The user each thread (session) belongs to: the user of its first run."""
    _run(
        db,
        f"""
        CREATE TABLE {t}_threads (
            thread_id TEXT PRIMARY KEY,
            user_id TEXT NOT NULL,
            claimed_at TEXT NOT NULL
        );
        CREATE INDEX {t}_threads_user ON {t}_threads (user_id);
        """,
    )


def _pending_scopes(db: Database, t: str) -> None:
    """Pending messages gain the agent scope that recorded them ('' for the user's own).

    A scope clears and learns only its own; rows written before this change belong
    to the user's own scope. One message id may be pending once per scope.
    """
    _run(
        db,
        f"""
        CREATE TABLE {t}_pending_scoped (
            id INTEGER PRIMARY KEY,
            user_id TEXT NOT NULL,
            agent_id TEXT NOT NULL DEFAULT '',
            thread_id TEXT NOT NULL,
            message_id TEXT NOT NULL,
            text TEXT NOT NULL,
            at TEXT NOT NULL,
            claim TEXT,
            claimed_until TEXT,
            UNIQUE (user_id, agent_id, thread_id, message_id)
        );
        INSERT INTO {t}_pending_scoped
            (id, user_id, thread_id, message_id, text, at, claim, claimed_until)
        SELECT id, user_id, thread_id, message_id, text, at, claim, claimed_until
        FROM {t}_pending;
        DROP TABLE {t}_pending;
        ALTER TABLE {t}_pending_scoped RENAME TO {t}_pending;
        CREATE INDEX {t}_pending_thread ON {t}_pending (user_id, agent_id, thread_id, id);
        """,
    )


Step = Callable[["Database", str], None]


def _script(make: Callable[[str], str]) -> Step:
    """The step that runs the script `make` writes for a table."""

    def step(db: Database, table: str) -> None:
        _run(db, make(table))

    return step


STEPS: list[tuple[str, Step]] = [
    ("0001_memories", _script(_memories)),
    ("0002_vectors", _script(_vectors)),
    ("0003_keyword_index", _keyword_index),
    ("0004_session_summaries", _script(_session_summaries)),
    ("0005_pending", _pending),
    ("0006_scopes_and_expiry", _scopes_and_expiry),
    ("0007_thread_owners", _thread_owners),
    ("0008_text_hash", _text_hash),
    ("0009_pending_scopes", _pending_scopes),
    ("0010_history_by_memory", _history_by_memory),
    ("0011_memories_by_scope", _script(memories_by_scope)),
    ("0012_lean_keyword_index", _script(lean_keyword_index)),
]
"""Every migration of a memories table, oldest first; only ever appended to."""


def _migration_set(table: str) -> str:
    return f"memory-agent:{table}"


def is_current(conn: sqlite3.Connection, table: str) -> bool:
    """Whether `table` has every migration of this release and no other, read with plain
    sqlite3: opening an up-to-date file needs neither sqlite-utils nor a write lock."""
    try:
        version = conn.execute(
            f"SELECT version FROM {LEGACY_VERSIONS} WHERE table_name = ?", [table]
        ).fetchone()
        applied = conn.execute(
            "SELECT name FROM _sqlite_migrations WHERE migration_set = ?", [_migration_set(table)]
        ).fetchall()
    except sqlite3.OperationalError:  # a new file (no such table): `migrate` makes them
        return False
    names = sorted(name for name, _ in STEPS)
    return version == (len(names),) and sorted(name for (name,) in applied) == names


def migrations(table: str) -> Migrations:
    """The migration set of one memories table."""
    from sqlite_utils.migrations import Migrations

    found = Migrations(_migration_set(table))
    for name, step in STEPS:
        found(name=name)(_for_table(step, table))
    return found


def _for_table(step: Step, table: str) -> Callable[[Database], None]:
    def run(db: Database) -> None:
        step(db, table)

    return run


def migrate(db: Database, table: str, db_file: str) -> int:
    """Bring `table` up to this release's schema inside the caller's transaction.

    Returns the schema version (how many migrations are applied). Raises
    `MemoryDbError` for a table made by a newer release.
    """
    known = migrations(table)
    names = [name for name, _ in STEPS]
    db.execute(
        f"CREATE TABLE IF NOT EXISTS {LEGACY_VERSIONS} "
        "(table_name TEXT PRIMARY KEY, version INTEGER NOT NULL)"
    )
    row = db.execute(
        f"SELECT version FROM {LEGACY_VERSIONS} WHERE table_name = ?", [table]
    ).fetchone()
    legacy = 0 if row is None else int(row[0])
    applied = [m.name for m in known.applied(db)]
    if legacy > len(names) or any(name not in names for name in applied):
        refusal = (
            f"table {table!r} in {db_file!r} has a schema newer than this release knows "
            f"(version {max(legacy, len(applied))}, this release: {len(names)}); upgrade"
        )
        logger.info("refused the schema: %s", refusal)
        raise MemoryDbError(refusal)
    if legacy and not applied:  # made before sqlite-utils ran the migrations
        known.ensure_migrations_table(db)
        db.table(known.migrations_table).insert_all(
            {"migration_set": known.name, "name": name, "applied_at": str(utcnow())}
            for name in names[:legacy]
        )
    done = {m.name for m in known.applied(db)}
    pending = [name for name in names if name not in done]
    known.apply(db)
    if pending:
        # an in-process database is new every time: that is no news
        level = logging.DEBUG if db_file == ":memory:" else logging.INFO
        logger.log(
            level, "table %r in %r: applied migrations %s", table, db_file, ", ".join(pending)
        )
    db.execute(
        f"INSERT INTO {LEGACY_VERSIONS} (table_name, version) VALUES (?, ?) "
        "ON CONFLICT (table_name) DO UPDATE SET version = excluded.version",
        [table, len(names)],
    )
    return len(names)


def _run(db: Database, script: str) -> None:
    """Run a script statement by statement: `executescript` would commit the transaction."""
    for statement in _statements(script):
        db.execute(statement)


def _statements(script: str) -> Iterator[str]:
    """Split a script into statements, keeping trigger bodies whole."""
    current = ""
    for line in script.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            if current.strip():
                yield current.strip()
            current = ""
