"""Whoever constructs a database closes it: handles, agents and pools own nothing shared."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

import numpy as np
import psycopg
import pytest

from graphs import create_memory_agent
from memory import HashEmbeddings, Memory, MemoryDbError, PostgresMemoryDb, SqliteMemoryDb
from memory.db.base import UserVectors
from memory.db.vectors import VectorCache
from memory.testing import ScriptedChatModel
from tests.conftest import MemoryFactory

AGENTS = 100


def said(text: str) -> dict[str, Any]:
    return {"messages": [{"role": "user", "content": text}]}


def test_closing_an_agents_handle_leaves_the_memory_working(new_memory: MemoryFactory) -> None:
    memory = new_memory()
    with memory.for_agent("planner") as planner:
        planner.add_user_memory("The user plans a trip to Oslo", "ava")
    memory.add_user_memory("The user likes tea", "ava")
    assert [m.memory for m in memory.get_user_memories("ava")] == ["The user likes tea"]
    assert [m.memory for m in memory.for_agent("planner").get_user_memories("ava")] == [
        "The user plans a trip to Oslo"
    ]


@pytest.fixture
def application(postgres_test_url: str) -> tuple[str, str]:
    """A URL whose connections carry an application name of their own, and that name."""
    name = f"memory-agent-test-{uuid.uuid4().hex[:12]}"
    with PostgresMemoryDb.from_conn_string(postgres_test_url):
        pass  # the tables exist
    return f"{postgres_test_url}&application_name={name}", name


def backends(admin: psycopg.Connection[Any], name: str) -> int:
    row = admin.execute(
        "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s", (name,)
    ).fetchone()
    assert row is not None
    return int(row[0])


def none_left(admin: psycopg.Connection[Any], name: str) -> bool:
    """Whether every backend of `name` ended (a closed socket ends its backend at once,
    but the server may list it a moment longer)."""
    for _ in range(100):
        if backends(admin, name) == 0:
            return True
        time.sleep(0.05)
    return False


def test_a_hundred_postgres_agents_share_one_pool_and_leave_no_connection(
    application: tuple[str, str], postgres_admin: psycopg.Connection[Any]
) -> None:
    url, name = application
    for n in range(AGENTS):
        memory = Memory(db=PostgresMemoryDb(url, max_connections=3))
        agent = create_memory_agent(ScriptedChatModel(["Hi."]), memory=memory)
        agent.invoke(
            said("hello"), {"configurable": {"thread_id": f"t{n}"}}, context={"user_id": "ava"}
        )
        pool = memory.db.pool()  # type: ignore[attr-defined]
        assert agent.checkpointer.conn is pool  # type: ignore[union-attr]
        assert agent.store.conn is pool  # type: ignore[union-attr]
        assert backends(postgres_admin, name) <= 3
        memory.close()
    assert none_left(postgres_admin, name)


def test_async_with_closes_the_async_pool_too(
    application: tuple[str, str], postgres_admin: psycopg.Connection[Any]
) -> None:
    url, name = application

    async def run() -> None:
        db = PostgresMemoryDb(url, max_connections=2)
        await db.aopen()
        async with Memory(db=db) as memory:
            agent = create_memory_agent(ScriptedChatModel(["Hi."]), memory=memory)
            await agent.ainvoke(
                said("hello"), {"configurable": {"thread_id": "t"}}, context={"user_id": "ava"}
            )
            assert backends(postgres_admin, name) <= 4  # the blocking and the async pool
            async with memory.for_agent("planner") as planner:
                await planner.aadd_user_memory("The user plans a trip", "ava")
            assert await memory.for_agent("planner").aget_user_memories("ava")

    asyncio.run(run())
    assert none_left(postgres_admin, name)


def test_sqlite_memory_closes_with_async_with(tmp_path: Any) -> None:
    async def run() -> Memory:
        async with Memory(db=SqliteMemoryDb(db_file=tmp_path / "m.db")) as memory:
            await memory.aadd_user_memory("The user likes tea", "ava")
        return memory

    memory = asyncio.run(run())
    with pytest.raises(MemoryDbError, match="closed"):
        memory.get_user_memories("ava")


def test_the_vector_cache_keeps_within_its_bound() -> None:
    cache = VectorCache(max_bytes=10_000)
    for user in range(50):
        matrix = np.ones((10, 64), dtype=np.float32)  # 2,560 bytes each
        cache.put(
            ("user", user), "model", UserVectors([f"m{i}" for i in range(10)], matrix, None, 0)
        )
    assert cache.nbytes <= 10_000
    assert cache.get(("user", 49), "model", 64) is not None  # the latest stays
    assert cache.get(("user", 0), "model", 64) is None  # the oldest went


def test_postgres_vectors_stay_within_the_cache_bound(postgres_test_url: str) -> None:
    bound = 40_000
    db = PostgresMemoryDb(postgres_test_url, vector_cache_bytes=bound)
    db.setup()
    with Memory(db=db, embeddings=HashEmbeddings()) as memory:
        for user in range(60):
            memory.add_user_memory("The user likes green tea", f"user-{user}")
            memory.search_user_memories(f"user-{user}", "tea", retrieval_method="semantic")
        assert 0 < db._vector_cache.nbytes <= bound
