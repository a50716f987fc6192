"""Shared fixtures: every test runs offline, on each kind of store, with fake providers at hand."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from langgraph.store.memory import InMemoryStore
from langgraph.store.postgres import PostgresStore

from memory import Memory, MemoryDb, SqliteMemoryDb
from memory.db.store import StoreMemoryDb
from tests.fakes import GeminiServer, OpenAIServer
from tests.fakes.offline import forbid_network, isolate_provider_env

POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test may reach a real provider or see real keys."""
    forbid_network(monkeypatch)
    isolate_provider_env(monkeypatch)


@pytest.fixture(scope="session")
def postgres_store() -> Iterator[PostgresStore]:
    """A real PostgresStore in a schema made for this session and dropped after it."""
    try:
        admin = psycopg.connect(POSTGRES_URL, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as error:
        if os.environ.get("CI"):
            raise  # CI has PostgreSQL; a missing one must fail, not skip
        pytest.skip(f"no PostgreSQL at {POSTGRES_URL}: {error}")
    schema = f"memory_agent_test_{uuid.uuid4().hex[:12]}"
    with admin:
        admin.execute(f"CREATE SCHEMA {schema}")
        try:
            url = f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
            with PostgresStore.from_conn_string(url) as store:
                store.setup()
                yield store
        finally:
            admin.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture(params=["in_process", "sqlite_file", "store", "postgres"])
def memory_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[MemoryDb]:
    """The same tests run against SQLite (in process and in a file) and LangGraph stores.

    Postgres tests share one schema; a namespace prefix of their own keeps them apart.
    """
    db: MemoryDb
    if request.param == "in_process":
        db = SqliteMemoryDb(db_file=":memory:")
    elif request.param == "sqlite_file":
        db = SqliteMemoryDb(db_file=tmp_path / "m.db")
    elif request.param == "store":
        db = StoreMemoryDb(InMemoryStore())
    else:
        prefix = (f"test{uuid.uuid4().hex}",)
        db = StoreMemoryDb(request.getfixturevalue("postgres_store"), namespace_prefix=prefix)
    yield db
    if isinstance(db, SqliteMemoryDb):
        db.close()


@pytest.fixture
def memory(memory_db: MemoryDb) -> Memory:
    """A Memory without embeddings on each kind of store."""
    return Memory(db=memory_db)


@pytest.fixture
def db_file(tmp_path: Path) -> Path:
    return tmp_path / "nested" / "folder" / "agent.db"


@pytest.fixture
def openai_server() -> Iterator[OpenAIServer]:
    """A running fake OpenAI API; `openai_server.chat_model()` is a client aimed at it."""
    with OpenAIServer() as server:
        yield server


@pytest.fixture
def gemini_server() -> Iterator[GeminiServer]:
    """A running fake Gemini API; `gemini_server.chat_model()` is a client aimed at it."""
    with GeminiServer() as server:
        yield server
