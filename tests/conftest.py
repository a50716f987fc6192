"""Shared fixtures: every test runs offline, on each kind of store, with fake providers at hand."""

from __future__ import annotations

import itertools
import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
import pytest
from langgraph.store.memory import InMemoryStore
from langgraph.store.postgres import PostgresStore

from memory import Memory, MemoryDb, PostgresMemoryDb, SqliteMemoryDb
from memory.db.conformance import BackendFactory
from memory.db.store import StoreMemoryDb
from tests.fakes import GeminiServer, OpenAIServer
from tests.fakes.offline import forbid_network, isolate_provider_env

POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test may reach a real provider or see real keys."""
    forbid_network(monkeypatch)
    isolate_provider_env(monkeypatch)


ONE_BACKEND = {"memory_db": "in_process", "new_memory": "sqlite"}
"""The backend a test marked `one_backend` runs on, by the fixture it asks for."""


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "one_backend: checks logic no store changes (validation, the manager's plan, prompts),"
        " so it runs on SQLite in process only instead of on every backend",
    )


@pytest.hookimpl(tryfirst=True)
def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Narrow a `one_backend` test's backend fixtures to SQLite in process: what a store
    keeps is checked on all five by the unmarked tests and the conformance kit.

    It adds a `parametrize` mark, which pytest then prefers to the fixture's params.
    """
    if metafunc.definition.get_closest_marker("one_backend") is None:
        return
    for name, backend in ONE_BACKEND.items():
        if name in metafunc.fixturenames:
            metafunc.definition.add_marker(pytest.mark.parametrize(name, [backend], indirect=True))


@pytest.fixture(scope="session")
def postgres_admin() -> Iterator[psycopg.Connection[Any]]:
    """An autocommit connection to the real PostgreSQL, for making and dropping schemas."""
    try:
        admin = psycopg.connect(POSTGRES_URL, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as error:
        if os.environ.get("CI"):
            raise  # CI has PostgreSQL; a missing one must fail, not skip
        pytest.skip(f"no PostgreSQL at {POSTGRES_URL}: {error}")
    with admin:
        yield admin


@contextmanager
def schema_url(admin: psycopg.Connection[Any]) -> Iterator[str]:
    """A URL into a new schema, dropped with everything in it afterwards."""
    schema = f"memory_agent_test_{uuid.uuid4().hex[:12]}"
    admin.execute(f"CREATE SCHEMA {schema}")
    try:
        yield f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    finally:
        admin.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture(scope="session")
def postgres_url(postgres_admin: psycopg.Connection[Any]) -> Iterator[str]:
    """A URL into a schema of the real PostgreSQL made for this session."""
    with schema_url(postgres_admin) as url:
        yield url


@pytest.fixture
def postgres_test_url(postgres_admin: psycopg.Connection[Any]) -> Iterator[str]:
    """A URL into a schema of the real PostgreSQL made for this test alone."""
    with schema_url(postgres_admin) as url:
        yield url


@pytest.fixture(scope="session")
def postgres_store(postgres_url: str) -> Iterator[PostgresStore]:
    """A real PostgresStore in this session's schema."""
    with PostgresStore.from_conn_string(postgres_url) as store:
        store.setup()
        yield store


@pytest.fixture
def postgres_db(postgres_test_url: str) -> Iterator[PostgresMemoryDb]:
    """A PostgresMemoryDb in a schema of its own, so what an agent keeps beside it
    (checkpoints, the session archive) starts empty too."""
    with PostgresMemoryDb.from_conn_string(postgres_test_url) as db:
        yield db


@pytest.fixture(params=["in_process", "sqlite_file", "store", "postgres_store", "postgres"])
def memory_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[MemoryDb]:
    """The same tests run against SQLite (in process and in a file), LangGraph stores
    (in process and PostgresStore) and the native PostgreSQL backend.

    Tests on PostgresStore share one schema; a namespace prefix of their own keeps them apart.
    """
    db: MemoryDb
    if request.param == "in_process":
        db = SqliteMemoryDb(db_file=":memory:")
    elif request.param == "sqlite_file":
        db = SqliteMemoryDb(db_file=tmp_path / "m.db")
    elif request.param == "store":
        db = StoreMemoryDb(InMemoryStore())
    elif request.param == "postgres_store":
        prefix = (f"test{uuid.uuid4().hex}",)
        db = StoreMemoryDb(request.getfixturevalue("postgres_store"), namespace_prefix=prefix)
    else:
        db = request.getfixturevalue("postgres_db")
    yield db
    db.close()


@pytest.fixture(params=["in_process", "sqlite_file", "store", "postgres_store", "postgres"])
def backend_factory(request: pytest.FixtureRequest, tmp_path: Path) -> BackendFactory:
    """A factory of new, empty backends of each kind, for the conformance kit: a new
    file, namespace or table at each call, in this test's folder or schema."""
    files = iter(tmp_path / f"m{n}.db" for n in itertools.count())
    if request.param == "in_process":
        return lambda: SqliteMemoryDb(db_file=":memory:")
    if request.param == "sqlite_file":
        return lambda: SqliteMemoryDb(db_file=next(files))
    if request.param == "store":
        return lambda: StoreMemoryDb(InMemoryStore())
    if request.param == "postgres_store":
        store = request.getfixturevalue("postgres_store")
        return lambda: StoreMemoryDb(store, namespace_prefix=(f"test{uuid.uuid4().hex}",))
    url = request.getfixturevalue("postgres_test_url")

    def postgres() -> MemoryDb:
        db = PostgresMemoryDb(url, table_name=f"m{uuid.uuid4().hex[:12]}")
        db.setup()
        return db

    return postgres


MemoryFactory = Callable[..., Memory]
"""`Memory(**options)` on the backend the test runs on."""


@pytest.fixture(params=["sqlite", "postgres"])
def new_memory(request: pytest.FixtureRequest) -> Iterator[MemoryFactory]:
    """Memories for the graph tests, on SQLite in process or on PostgreSQL (with the
    agent's sessions then in PostgreSQL too)."""
    db: MemoryDb = (
        SqliteMemoryDb(db_file=":memory:")
        if request.param == "sqlite"
        else request.getfixturevalue("postgres_db")
    )

    def make(**options: Any) -> Memory:
        return Memory(db=db, **options)

    yield make
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
