"""An agent asks the memories' backend whether it hosts sessions (`SessionHost`) instead
of knowing its class; a backend that does not gets in-process sessions and a warning."""

from __future__ import annotations

import logging
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
