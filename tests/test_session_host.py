"""An agent asks the memories' backend whether it hosts sessions (`SessionHost`) instead
of knowing its class; a backend that does not gets in-process sessions and a warning."""

from __future__ import annotations

import logging
import sqlite3
import time
from contextlib import closing
from pathlib import Path

import pytest
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.checkpoint.postgres import PostgresSaver
from langgraph.checkpoint.sqlite import SqliteSaver
from langgraph.store.memory import InMemoryStore
from langgraph.store.postgres import PostgresStore
from langgraph.store.sqlite import SqliteStore

from graphs.sessions import default_archive, default_checkpointer
from memory import Memory, PostgresMemoryDb, SqliteMemoryDb
from memory.db import SessionHost
from memory.db.store import StoreMemoryDb
from tests.dict_db import DictMemoryDb


class UnhostedDb(DictMemoryDb):
    """A backend class of this test alone, so the warning is not already said."""


def test_a_backend_without_session_host_keeps_sessions_in_process_and_says_so(
    caplog: pytest.LogCaptureFixture,
) -> None:
    assert not isinstance(UnhostedDb(), SessionHost)
    with caplog.at_level(logging.WARNING, logger="graphs.sessions"):
        for _ in range(2):
            memory = Memory(db=UnhostedDb())
            assert isinstance(default_checkpointer(memory), InMemorySaver)
            assert isinstance(default_archive(memory), InMemoryStore)
    [warning] = [r for r in caplog.records if r.name == "graphs.sessions"]
    assert "UnhostedDb is not a SessionHost" in warning.getMessage()
    assert "lost" in warning.getMessage()


def test_a_store_hosts_the_archive_and_leaves_checkpoints_to_the_server(
    caplog: pytest.LogCaptureFixture,
) -> None:
    db = StoreMemoryDb(InMemoryStore())
    assert isinstance(db, SessionHost)
    with caplog.at_level(logging.WARNING, logger="graphs.sessions"):
        memory = Memory(db=db)
        assert default_archive(memory) is db.store
        assert isinstance(default_checkpointer(memory), InMemorySaver)
    assert [r.levelname for r in caplog.records] == []


def test_a_sqlite_file_hosts_both_in_its_own_file(tmp_path: Path) -> None:
    with Memory(db=SqliteMemoryDb(db_file=tmp_path / "m.db")) as memory:
        assert isinstance(memory.db, SessionHost)
        saver, archive = default_checkpointer(memory), default_archive(memory)
        assert isinstance(saver, SqliteSaver)
        assert isinstance(archive, SqliteStore)


def test_postgres_hosts_both_on_its_pool(postgres_db: PostgresMemoryDb) -> None:
    memory = Memory(db=postgres_db)
    assert isinstance(postgres_db, SessionHost)
    assert isinstance(default_checkpointer(memory), PostgresSaver)
    assert isinstance(default_archive(memory), PostgresStore)


def test_a_sqlite_archive_set_up_by_two_processes_at_once_still_opens(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The file as a racing first start leaves it: the archive's tables made, a column
    added, its versions not yet recorded. LangGraph's setup fails on it (the column
    added twice); ours waits while the other process records them, and carries on."""
    db_file = tmp_path / "agent.db"
    with sqlite3.connect(db_file, isolation_level=None) as other:
        other.execute("CREATE TABLE store_migrations (v INTEGER PRIMARY KEY)")
        other.executescript("".join(SqliteStore.MIGRATIONS[:3]))

        def other_process_finishes(seconds: float) -> None:
            other.executemany(
                "INSERT OR IGNORE INTO store_migrations (v) VALUES (?)", [(0,), (1,), (2,)]
            )

        monkeypatch.setattr(time, "sleep", other_process_finishes)
        db = SqliteMemoryDb(db_file=db_file)
        with closing(db):
            archive = db.session_archive()
            assert isinstance(archive, SqliteStore)
            archive.put(("runs",), "r1", {"text": "kept"})
            assert archive.get(("runs",), "r1") is not None
    versions = sqlite3.connect(db_file).execute("SELECT v FROM store_migrations ORDER BY v")
    assert [v for (v,) in versions] == list(range(len(SqliteStore.MIGRATIONS)))
