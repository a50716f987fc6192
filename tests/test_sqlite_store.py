"""The SQLite file: persistence, migrations, WAL, and safety across processes and crashes."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlite_utils import Database

from graphs import flush_memories
from memory import HashEmbeddings, Memory, MemoryDbError, SqliteMemoryDb, UserMemory
from memory.db import sqlite_schema
from memory.db.base import MissingVectors
from memory.db.vectors import as_vector
from memory.embeddings import embedding_model_name
from memory.testing import ScriptedChatModel, remember_user_lines
from memory.text import index_text

USER = "john_doe@example.com"


def open_memory(path: Path, table_name: str = "user_memories") -> Memory:
    return Memory(db=SqliteMemoryDb(table_name=table_name, db_file=path))


def test_memories_and_history_survive_reopening(db_file: Path) -> None:
    with open_memory(db_file) as memory:
        kept = memory.add_user_memory(UserMemory(memory="The user skis", topics=["sport"]), USER)
        memory.replace_user_memory(kept, "The user skis in Norway", USER)
        gone = memory.add_user_memory("The user lives in Paris", USER)
        memory.delete_user_memory(USER, gone)
        before = [m.to_dict() for m in memory.get_user_memories(USER)]
        history_before = [e.to_dict() for e in memory.get_memory_history(gone, USER)]
    assert db_file.exists()
    with open_memory(db_file) as memory:
        assert [m.to_dict() for m in memory.get_user_memories(USER)] == before
        assert [e.to_dict() for e in memory.get_memory_history(gone, USER)] == history_before
        assert memory.search_user_memories(USER, query="norway")[0].memory_id == kept


def test_the_file_uses_wal_json_and_indexes(db_file: Path) -> None:
    with open_memory(db_file) as memory:
        memory.add_user_memory(UserMemory(memory="The user skis", topics=["sport", "cold"]), USER)
    conn = sqlite3.connect(db_file)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert json.loads(conn.execute("SELECT topics FROM user_memories").fetchone()[0]) == [
            "sport",
            "cold",
        ]
        scope = "(SELECT id FROM user_memories_users WHERE user_id = ? AND agent_id = '')"

        def plan(query: str) -> str:
            explained = conn.execute(f"EXPLAIN QUERY PLAN {query}", (USER,) * query.count("?"))
            return " ".join(str(row) for row in explained)

        newest = plan(
            f"SELECT * FROM user_memories WHERE user_ref = {scope} "
            "ORDER BY updated_at DESC, id DESC LIMIT 5"
        )
        assert "user_memories_scope_updated" in newest
        assert "TEMP B-TREE" not in newest
        same_text = plan(
            f"SELECT * FROM user_memories WHERE id > {scope} << 32 "
            f"AND id < ({scope} + 1) << 32 AND text_hash IN (1, 2)"
        )
        assert "user_memories_text_hash (text_hash=? AND rowid>? AND rowid<?)" in same_text
        # the keyword index keeps no sizes of its own (search takes them from the rows)
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
        assert "user_memories_keywords_docsize" not in tables
        assert conn.execute(
            "SELECT v FROM user_memories_keywords_config WHERE k = 'automerge'"
        ).fetchone() == (2,)
    finally:
        conn.close()


def test_each_scope_numbers_its_memories_in_its_own_range(db_file: Path) -> None:
    """Users taking turns still get ids that lie together, in the order they were added."""
    with open_memory(db_file) as memory:
        for n in range(3):
            for user in (USER, "bob"):
                memory.add_user_memory(f"The user has pet number {n}", user)
        memory.for_agent("planner").add_user_memory("The user plans", USER)
        listed = {user: memory.get_user_memories(user) for user in (USER, "bob")}
    conn = sqlite3.connect(db_file)
    try:
        numbered = conn.execute(
            "SELECT u.user_id, u.agent_id, m.id - (u.id << 32) FROM user_memories_users u "
            "JOIN user_memories m ON m.user_id = u.user_id AND m.agent_id = u.agent_id "
            "ORDER BY u.id, m.id"
        ).fetchall()
    finally:
        conn.close()
    assert numbered == [
        *[(USER, "", n) for n in (1, 2, 3)],
        *[("bob", "", n) for n in (1, 2, 3)],
        (USER, "planner", 1),
    ]
    assert [m.memory for m in listed["bob"]] == [f"The user has pet number {n}" for n in range(3)]


def test_tables_share_one_file_independently(db_file: Path) -> None:
    with open_memory(db_file, "memory") as first, open_memory(db_file, "other") as second:
        first.add_user_memory("The user skis", USER)
        assert second.get_user_memories(USER) == []


def test_an_older_file_is_migrated_and_keeps_its_memories(
    db_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    latest = len(sqlite_schema.STEPS)
    with open_memory(db_file) as memory:
        memory.add_user_memory("The user skis", USER)
        assert isinstance(memory.db, SqliteMemoryDb)
        assert memory.db.schema_version == latest

    def add_mood(db: Database, table: str) -> None:
        db.table(table).add_column("mood", str)

    monkeypatch.setattr(sqlite_schema, "STEPS", [*sqlite_schema.STEPS, ("0099_mood", add_mood)])
    with open_memory(db_file) as memory:
        assert isinstance(memory.db, SqliteMemoryDb)
        assert memory.db.schema_version == latest + 1
        assert [m.memory for m in memory.get_user_memories(USER)] == ["The user skis"]
        memory.add_user_memory("The user swims", USER)
    conn = sqlite3.connect(db_file)
    assert [r[1] for r in conn.execute("PRAGMA table_info(user_memories)")][-1] == "mood"
    conn.close()


def test_a_file_of_the_fts5_release_gets_a_per_user_keyword_index(db_file: Path) -> None:
    """Schema version 2 kept keyword statistics in FTS5, over every user's rows."""
    db_file.parent.mkdir(parents=True)
    conn = sqlite3.connect(db_file)
    for script in (
        sqlite_schema._memories("user_memories"),
        sqlite_schema._vectors("user_memories"),
    ):
        for statement in sqlite_schema._statements(script):
            conn.execute(statement)
    conn.execute("CREATE TABLE memory_agent_schema (table_name TEXT PRIMARY KEY, version INT)")
    conn.execute("INSERT INTO memory_agent_schema VALUES ('user_memories', 2)")
    rows = [
        ("m1", USER, "The user is a nationally ranked runner", '["sport"]'),
        ("m2", USER, "The user drinks green tea", "[]"),
        ("m3", "someone else", "The user likes tea", "[]"),
    ]
    for memory_id, user, text, topics in rows:
        conn.execute(
            "INSERT INTO user_memories (memory_id, user_id, user_key, memory, topics, text_key, "
            "created_at, updated_at) VALUES (?, ?, 'u', ?, ?, lower(?), "
            "'2025-01-01T00:00:00+00:00', '2025-01-01T00:00:00+00:00')",
            (memory_id, user, text, topics, text),
        )
    conn.commit()
    conn.close()
    with open_memory(db_file) as memory:
        assert isinstance(memory.db, SqliteMemoryDb)
        assert memory.db.schema_version == len(sqlite_schema.STEPS)
        assert [m.memory_id for m in memory.search_user_memories(USER, "nation")] == ["m1"]
        assert [m.memory_id for m in memory.search_user_memories(USER, "sports")] == ["m1"]
        assert [m.memory_id for m in memory.search_user_memories(USER, "tea")] == ["m2"]
        assert sorted(memory.db.user_ids()) == sorted([USER, "someone else"])
    conn = sqlite3.connect(db_file)
    try:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
        assert "user_memories_fts" not in tables
        applied = conn.execute("SELECT name FROM _sqlite_migrations ORDER BY id").fetchall()
        assert [row[0] for row in applied] == [name for name, _ in sqlite_schema.STEPS]
    finally:
        conn.close()


def test_a_file_from_a_newer_release_is_refused(db_file: Path) -> None:
    with open_memory(db_file) as memory:
        memory.add_user_memory("The user skis", USER)
    conn = sqlite3.connect(db_file)
    conn.execute("UPDATE memory_agent_schema SET version = 99")
    conn.commit()
    conn.close()
    with pytest.raises(MemoryDbError, match="newer than this release"):
        SqliteMemoryDb(db_file=db_file)


ADDER = """
import sys
from memory import Memory, SqliteMemoryDb
path, worker = sys.argv[1], int(sys.argv[2])
with Memory(db=SqliteMemoryDb(db_file=path)) as memory:
    for n in range(250):
        memory.add_user_memory(f"Worker {worker} learned fact {n}", f"user-{n % 7}")
print("ok")
"""


def test_four_processes_adding_at_once_lose_nothing(db_file: Path) -> None:
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", ADDER, str(db_file), str(n)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(4)
    ]
    results = [worker.communicate(timeout=120) for worker in workers]
    assert [
        (w.returncode, out.strip(), err) for w, (out, err) in zip(workers, results, strict=True)
    ] == [(0, "ok", "")] * 4
    conn = sqlite3.connect(db_file)
    try:
        assert conn.execute("SELECT count(*) FROM user_memories").fetchone()[0] == 1000
        assert conn.execute("SELECT count(*) FROM user_memories_history").fetchone()[0] == 1000
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        conn.close()


# Writes a batch whose ops are produced lazily; half way through it tells the parent,
# which kills it with SIGKILL while the transaction is open.
KILLED_MID_BATCH = """
import sys, time
from pathlib import Path
from memory import Memory, SqliteMemoryDb, UserMemory
from memory.schema import AddMemory, WriteContext
path, marker = sys.argv[1], Path(sys.argv[2])

class Batch(list):
    def __iter__(self):
        for n in range(2000):
            if n == 1000:
                marker.write_text("mid-batch")
                time.sleep(60)
            yield AddMemory(UserMemory(memory=f"The user fact {n}"))

with Memory(db=SqliteMemoryDb(db_file=path)) as memory:
    memory.add_user_memory("The user existed before", "ava")
    memory.apply_user_memory_ops("ava", Batch(), WriteContext("test"))
"""


def test_a_writer_killed_mid_batch_leaves_all_or_nothing(db_file: Path, tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    writer = subprocess.Popen([sys.executable, "-c", KILLED_MID_BATCH, str(db_file), str(marker)])
    deadline = time.monotonic() + 60
    while not marker.exists():
        assert writer.poll() is None, "the writer ended before reaching the middle of its batch"
        assert time.monotonic() < deadline
        time.sleep(0.02)
    os.kill(writer.pid, signal.SIGKILL)
    writer.wait()
    conn = sqlite3.connect(db_file)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        conn.close()
    with open_memory(db_file) as memory:
        assert [m.memory for m in memory.get_user_memories("ava")] == ["The user existed before"]
        assert memory.search_user_memories("ava", query="fact") == []


LOOPING_WRITER = """
import sys
from memory import Memory, SqliteMemoryDb, UserMemory
from memory.schema import AddMemory, WriteContext
with Memory(db=SqliteMemoryDb(db_file=sys.argv[1])) as memory:
    n = 0
    while True:
        batch = [AddMemory(UserMemory(memory=f"The user fact {n} {k}")) for k in range(50)]
        memory.apply_user_memory_ops("ava", batch, WriteContext("test"))
        n += 1
        print(n, flush=True)
"""


@pytest.mark.parametrize("after_batches", [3, 17])
def test_a_writer_killed_at_any_moment_keeps_whole_batches(
    db_file: Path, after_batches: int
) -> None:
    writer = subprocess.Popen(
        [sys.executable, "-c", LOOPING_WRITER, str(db_file)], stdout=subprocess.PIPE, text=True
    )
    assert writer.stdout is not None
    for _ in range(after_batches):
        writer.stdout.readline()
    os.kill(writer.pid, signal.SIGKILL)
    writer.wait()
    conn = sqlite3.connect(db_file)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        rows = conn.execute("SELECT count(*) FROM user_memories").fetchone()[0]
        ref, counted = conn.execute("SELECT id, memories FROM user_memories_users").fetchone()
        indexed = conn.execute(
            "SELECT count(DISTINCT doc) FROM user_memories_keywords_vocab WHERE term = ?",
            (f"u{ref}_fact",),
        ).fetchone()[0]
    finally:
        conn.close()
    assert rows >= after_batches * 50
    assert rows % 50 == 0
    assert indexed == counted == rows


def test_async_twins_share_one_file_with_sync_calls(db_file: Path) -> None:
    async def add_many(memory: Memory) -> list[str]:
        return await asyncio.gather(
            *(memory.aadd_user_memory(f"The user knows fact {n}", USER) for n in range(40))
        )

    with open_memory(db_file) as memory:
        ids = asyncio.run(add_many(memory))
        assert len(set(ids)) == 40
        assert len(memory.get_user_memories(USER)) == 40


def test_a_file_without_agent_scopes_keeps_its_memories_vectors_and_history(
    db_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The release before had one scope per user and no expiry; migrating rebuilds the table."""
    embeddings = HashEmbeddings(64)
    label = embedding_model_name(embeddings)
    texts = ["The user drinks green tea", "The user skis in Norway"]
    db_file.parent.mkdir(parents=True)
    old = Database(db_file)
    before = [name for name, _ in sqlite_schema.STEPS].index("0006_scopes_and_expiry")
    monkeypatch.setattr(sqlite_schema, "STEPS", sqlite_schema.STEPS[:before])
    sqlite_schema.migrate(old, "user_memories", str(db_file))
    monkeypatch.undo()
    lengths = [index_text(text, ["drinks"]) for text in texts]
    old.execute(
        "INSERT INTO user_memories_users (user_id, memories, terms) VALUES (?, 2, ?)",
        [USER, sum(found.length for found in lengths)],
    )
    for n, (text, found) in enumerate(zip(texts, lengths, strict=True)):
        old.execute(
            "INSERT INTO user_memories (memory_id, user_id, memory, topics, text_key, created_at, "
            "updated_at, user_ref, terms, topic_terms, term_count) VALUES "
            "(?, ?, ?, '[\"drinks\"]', lower(?), ?, ?, 1, ?, ?, ?)",
            [
                f"m{n}",
                USER,
                text,
                text,
                f"2025-01-0{n + 1}T00:00:00+00:00",
                f"2025-01-0{n + 1}T00:00:00+00:00",
                " ".join(found.text_terms),
                " ".join(found.topic_terms),
                found.length,
            ],
        )
        old.execute(
            "INSERT INTO user_memories_vectors VALUES (?, ?, ?, 64, ?)",
            [n + 1, USER, label, as_vector(embeddings.embed_query(text)).tobytes()],
        )
        old.execute(
            "INSERT INTO user_memories_history (memory_id, user_id, action, new_memory, "
            "new_topics, source, at) VALUES (?, ?, 'added', ?, '[\"drinks\"]', 'api', ?)",
            [f"m{n}", USER, text, f"2025-01-0{n + 1}T00:00:00+00:00"],
        )
    old.conn.commit()
    old.close()

    with Memory(db=SqliteMemoryDb(db_file=db_file), embeddings=embeddings) as memory:
        assert isinstance(memory.db, SqliteMemoryDb)
        assert memory.db.schema_version == len(sqlite_schema.STEPS)
        assert [m.memory_id for m in memory.get_user_memories(USER)] == ["m0", "m1"]
        keyword = memory.search_user_memories(USER, "tea", retrieval_method="keyword")
        assert [m.memory_id for m in keyword] == ["m0"]
        assert memory.db.unembedded(USER, MissingVectors(label, 64, 10)) == []
        nearest = memory.search_user_memories(USER, "norway", retrieval_method="semantic", limit=1)
        assert [m.memory_id for m in nearest] == ["m1"]
        assert [e.action for e in memory.get_memory_history("m0", USER)] == ["added"]
        assert memory.add_user_memory("the user drinks GREEN tea!", USER) == "m0"  # the same text
        assert [e.action for e in memory.get_memory_history("m0", USER)] == ["added", "refreshed"]
        planner = memory.for_agent("planner")
        planner.import_user_memories(memory.export_user_memories(USER))  # the same ids
        memory.delete_user_memory(USER, "m1")
        assert [m.memory_id for m in planner.get_user_memories(USER)] == ["m0", "m1"]
        assert memory.search_user_memories(USER, "norway", retrieval_method="keyword") == []


def test_memories_read_back_are_full_models(db_file: Path) -> None:
    """Rows are not validated again when read; what comes back behaves as a validated
    `UserMemory`: equal to one, dumped alike, and assignments still checked, changing
    only the memory assigned to, though a listing's memories share their set fields."""
    with Memory(db=SqliteMemoryDb(db_file=db_file)) as memory:
        memory.add_user_memory(UserMemory(memory="Ava likes tea", topics=["drinks"]), "ava")
        memory.add_user_memory("Ava lives in Rome", "ava")
        read, other = memory.get_user_memories("ava")

    rebuilt = UserMemory.model_validate(read.model_dump())
    assert read == rebuilt
    assert read.model_dump_json() == rebuilt.model_dump_json()
    assert read.model_fields_set == rebuilt.model_fields_set
    with pytest.raises(ValueError, match="at least 1 character"):
        read.memory = "  "
    read.topics = ["drinks", "drinks"]
    assert read.topics == ["drinks"]
    assert other.memory == "Ava lives in Rome"
    assert other.topics == []
    assert read.model_fields_set == other.model_fields_set == set(UserMemory.model_fields)


def test_a_file_without_pending_scopes_keeps_its_pending_messages_in_the_common_scope(
    db_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pending messages had no agent scope before; they stay the common scope's, and are learned."""
    db_file.parent.mkdir(parents=True)
    old = Database(db_file)
    before = [name for name, _ in sqlite_schema.STEPS].index("0009_pending_scopes")
    monkeypatch.setattr(sqlite_schema, "STEPS", sqlite_schema.STEPS[:before])
    sqlite_schema.migrate(old, "user_memories", str(db_file))
    monkeypatch.undo()
    old.execute(
        "INSERT INTO user_memories_pending (user_id, thread_id, message_id, text, at) "
        "VALUES (?, 't1', 'm1', 'I moved to Oslo.', '2025-05-01T12:00:00+00:00')",
        [USER],
    )
    old.conn.commit()
    old.close()

    with open_memory(db_file) as memory:
        assert isinstance(memory.db, SqliteMemoryDb)
        assert memory.db.schema_version == len(sqlite_schema.STEPS)
        planner = memory.for_agent("planner")
        assert planner.pending_threads(USER) == []
        assert planner.add_pending_messages(USER, "t1", [("m1", "I plan a trip.")]) == 1
        planner.clear(USER)
        assert [(t.thread_id, t.messages) for t in memory.pending_threads(USER)] == [("t1", 1)]
        flush_memories(memory, model=ScriptedChatModel([remember_user_lines]))
        assert [m.memory for m in memory.get_user_memories(USER)] == [
            "The user said: I moved to Oslo."
        ]
        assert memory.pending_threads() == []


def test_history_keeps_every_text_though_rows_store_only_the_old_one(db_file: Path) -> None:
    """An event's new text and topics are read from the next event, or from the memory."""
    with open_memory(db_file) as memory:
        kept = memory.add_user_memory(UserMemory(memory="The user skis", topics=["sport"]), USER)
        memory.add_user_memory(UserMemory(memory="the user SKIS", topics=["cold"]), USER)
        memory.replace_user_memory(kept, UserMemory(memory="The user skis in Norway"), USER)
        memory.delete_user_memory(USER, kept)
        memory.add_user_memory(UserMemory(memory="The user swims", memory_id=kept), USER)
        history = [
            (e.action, e.old_memory, e.old_topics, e.new_memory, e.new_topics)
            for e in memory.get_memory_history(kept, USER)
        ]
    assert history == [
        ("added", None, None, "The user skis", ["sport"]),
        ("refreshed", "The user skis", ["sport"], "The user skis", ["sport", "cold"]),
        ("updated", "The user skis", ["sport", "cold"], "The user skis in Norway", []),
        ("deleted", "The user skis in Norway", [], None, None),
        ("added", None, None, "The user swims", []),
    ]
    conn = sqlite3.connect(db_file)
    try:
        stored = conn.execute("SELECT new_memory, new_topics FROM user_memories_history")
        assert set(stored.fetchall()) == {(None, None)}
    finally:
        conn.close()


def test_a_file_before_scope_numbers_keeps_its_memories_history_vectors_and_index(
    db_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Memories numbered in one sequence for all users, history beside an index, and the
    keyword index with its lengths: renumbered by scope, rebuilt, nothing lost."""
    embeddings = HashEmbeddings(64)
    label = embedding_model_name(embeddings)
    db_file.parent.mkdir(parents=True)
    old = Database(db_file)
    before = [name for name, _ in sqlite_schema.STEPS].index("0010_history_by_memory")
    monkeypatch.setattr(sqlite_schema, "STEPS", sqlite_schema.STEPS[:before])
    sqlite_schema.migrate(old, "user_memories", str(db_file))
    monkeypatch.undo()
    rows = [  # users taking turns, as an app writes
        ("m0", USER, "The user drinks green tea"),
        ("b0", "bob", "The user drinks black tea"),
        ("m1", USER, "The user skis"),
    ]
    indexed = {memory_id: index_text(text, []) for memory_id, _, text in rows}
    for user in (USER, "bob"):
        mine = [indexed[memory_id] for memory_id, owner, _ in rows if owner == user]
        old.execute(
            "INSERT INTO user_memories_users (user_id, memories, terms, version) VALUES (?,?,?,7)",
            [user, len(mine), sum(found.length for found in mine)],
        )
    refs = dict(old.execute("SELECT user_id, id FROM user_memories_users").fetchall())
    for rowid, (memory_id, user, text) in enumerate(rows, start=1):
        found = indexed[memory_id]
        old.execute(
            "INSERT INTO user_memories (id, memory_id, user_id, memory, topics, text_hash, "
            "created_at, updated_at, user_ref, terms, topic_terms, term_count) "
            "VALUES (?, ?, ?, ?, '[]', ?, ?, ?, ?, ?, '', ?)",
            [
                rowid,
                memory_id,
                user,
                text,
                sqlite_schema.text_hash(text),
                f"2025-01-0{rowid}T00:00:00+00:00",
                f"2025-01-0{rowid}T00:00:00+00:00",
                refs[user],
                " ".join(found.text_terms),
                found.length,
            ],
        )
        old.execute(
            "INSERT INTO user_memories_history (memory_id, user_id, action, new_memory, "
            "new_topics, source, at) VALUES (?, ?, 'added', ?, '[]', 'api', ?)",
            [memory_id, user, text, f"2025-01-0{rowid}T00:00:00+00:00"],
        )
    old.execute(
        "INSERT INTO user_memories_vectors VALUES (3, ?, ?, 64, ?)",
        [USER, label, as_vector(embeddings.embed_query("The user skis")).tobytes()],
    )
    old.conn.commit()
    old.close()

    with Memory(db=SqliteMemoryDb(db_file=db_file), embeddings=embeddings) as memory:
        assert isinstance(memory.db, SqliteMemoryDb)
        assert memory.db.schema_version == len(sqlite_schema.STEPS)
        assert [m.memory_id for m in memory.get_user_memories(USER)] == ["m0", "m1"]
        assert [m.memory_id for m in memory.get_user_memories("bob")] == ["b0"]
        assert memory.db.vectors(USER, label, 64).memory_ids == ["m1"]
        missing = memory.db.unembedded(USER, MissingVectors(label, 64, 10))
        assert [m.memory_id for m in missing] == ["m0"]
        keyword = memory.search_user_memories(USER, "tea", retrieval_method="keyword")
        assert [m.memory_id for m in keyword] == ["m0"]
        assert memory.add_user_memory("The user drinks green tea", USER) == "m0"  # by its hash
        memory.replace_user_memory("m1", "The user skis in Norway", USER)
        added = memory.add_user_memory("The user swims", USER)
        assert [m.memory_id for m in memory.get_user_memories(USER)] == ["m0", "m1", added]
        assert [
            (e.action, e.old_memory, e.new_memory) for e in memory.get_memory_history("m1", USER)
        ] == [
            ("added", None, "The user skis"),
            ("updated", "The user skis", "The user skis in Norway"),
        ]
        assert [e.action for e in memory.get_memory_history("m0", USER)] == ["added", "refreshed"]
        assert memory.get_memory_history("m1", USER)[0].at == datetime(2025, 1, 3, tzinfo=UTC)
        assert (
            memory.search_user_memories("bob", "tea", retrieval_method="keyword")[0].memory_id
            == "b0"
        )
    conn = sqlite3.connect(db_file)
    try:
        numbered = conn.execute(
            "SELECT memory_id, id >> 32, id & 0xFFFFFFFF FROM user_memories ORDER BY id"
        ).fetchall()
    finally:
        conn.close()
    assert numbered == [
        ("m0", refs[USER], 1),
        ("m1", refs[USER], 2),
        (added, refs[USER], 3),
        ("b0", refs["bob"], 1),
    ]


def test_a_scope_out_of_row_ids_refuses_to_add_rather_than_use_another_scopes(
    db_file: Path,
) -> None:
    with open_memory(db_file) as memory:
        memory.add_user_memory("The user skis", USER)
        last = (2 << 32) - 1  # the last id of the first scope's range
        conn = sqlite3.connect(db_file)
        conn.execute("UPDATE user_memories SET id = ?", (last,))
        conn.commit()
        conn.close()
        with pytest.raises(MemoryDbError, match="no row ids left"):
            memory.add_user_memory("The user swims", USER)
        assert [m.memory for m in memory.get_user_memories(USER)] == ["The user skis"]
