"""The REST app on SQLite and PostgreSQL, driven over HTTP as a client would."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from memory import Memory, MemoryDb, SqliteMemoryDb
from server import ApiKeys, create_app

MEMORIES = "/memory/v1/users/alice/memories"


@pytest.fixture(params=["sqlite", "postgres"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[MemoryDb]:
    db: MemoryDb = (
        SqliteMemoryDb(db_file=tmp_path / "memories.db")
        if request.param == "sqlite"
        else request.getfixturevalue("postgres_db")
    )
    yield db
    db.close()


@pytest.fixture
def memory(db: MemoryDb) -> Memory:
    return Memory(db=db)


@pytest.fixture
def client(memory: Memory) -> Iterator[TestClient]:
    with TestClient(create_app(memory, keys=ApiKeys())) as client:
        yield client


def test_health_names_the_store(client: TestClient, db: MemoryDb) -> None:
    answer = client.get("/memory/health")
    assert answer.status_code == 200
    assert answer.json() == {"status": "ok", "store": type(db).__name__}


def test_a_memory_added_over_http_is_listed_and_stored(client: TestClient, memory: Memory) -> None:
    added = client.post(MEMORIES, json={"memory": "The user likes tea", "topics": ["food"]})
    assert added.status_code == 201
    memory_id = added.json()["memory_id"]

    page = client.get(MEMORIES).json()
    assert [m["memory_id"] for m in page["memories"]] == [memory_id]
    assert page["total"] == 1
    stored = memory.get_user_memory(memory_id, "alice")
    assert stored is not None
    assert (stored.memory, stored.topics) == ("The user likes tea", ["food"])
