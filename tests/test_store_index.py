"""StoreMemoryDb on a LangGraph store with a semantic index, with TTLs, and with agent scopes."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.store.base import BaseStore, Op, Result
from langgraph.store.memory import InMemoryStore
from langgraph.store.postgres import PostgresStore

from graphs import StoreMemory, create_memory_agent
from memory import HashEmbeddings, InvalidInputError, Memory, UserMemory
from memory.db import store as store_module
from memory.db.namespaces import namespace_label
from memory.db.store import StoreMemoryDb, declares_index
from memory.testing import ScriptedChatModel, tool_call
from tests.fakes.meaning import ConceptEmbeddings

SKI = "The user enjoys skiing in the Alps"
VIOLIN = "The user plays the violin in an orchestra"
ROME = "The user is visiting Rome"
WINTER = "Any plans for winter sports?"
T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


def indexed(embeddings: ConceptEmbeddings) -> InMemoryStore:
    """A store that would embed whole items ("$") unless told which field to embed."""
    return InMemoryStore(index={"dims": embeddings.dimensions, "embed": embeddings})


def items(store: BaseStore, *namespace: str) -> list[str]:
    return [item.key for item in store.search(namespace, limit=100)]


def test_only_each_new_text_is_embedded_once() -> None:
    embeddings = ConceptEmbeddings()
    store = indexed(embeddings)
    memory = Memory(db=StoreMemoryDb(store))
    ski = memory.add_user_memory(
        UserMemory(memory=SKI, topics=["hobbies"], input="I love skiing"), "ava"
    )
    rome = asyncio.run(memory.aadd_user_memory(UserMemory(memory=ROME, topics=["travel"]), "ava"))
    memory.add_user_memory(UserMemory(memory=SKI, topics=["sport"]), "ava")  # said again
    memory.replace_user_memory(rome, UserMemory(memory=ROME, topics=["trip"]), "ava")
    memory.replace_user_memory(rome, "The user is visiting Paris", "ava")
    memory.delete_user_memory("ava", ski)
    assert embeddings.documents == [[SKI], [ROME], ["The user is visiting Paris"]]
    assert embeddings.queries == []
    assert items(store, "memories", "ava", "vectors") == []


def test_search_by_meaning_goes_through_the_stores_index() -> None:
    embeddings = ConceptEmbeddings()
    memory = Memory(db=StoreMemoryDb(indexed(embeddings)))
    for text in (SKI, VIOLIN, ROME):
        memory.add_user_memory(text, "ava")
    assert memory.searches_by_meaning
    found = memory.search_user_memories("ava", WINTER, retrieval_method="semantic")
    assert (found.method, [m.memory for m in found][:1]) == ("semantic", [SKI])
    assert found.scores is not None
    assert found.scores[0] == pytest.approx(1.0)
    hybrid = asyncio.run(memory.asearch_user_memories("ava", WINTER, limit=1))
    assert (hybrid.method, [m.memory for m in hybrid]) == ("hybrid", [SKI])
    assert memory.search_user_memories("ava", WINTER, retrieval_method="keyword") == []
    assert embeddings.queries == [WINTER, WINTER]
    tight = memory.get_memories_for_prompt("ava", WINTER, token_budget=24)
    assert [m.memory for m in tight.memories] == [SKI]


def test_filters_and_expiry_narrow_the_stores_ranking() -> None:
    clock = Clock()
    memory = Memory(db=StoreMemoryDb(indexed(ConceptEmbeddings())), clock=clock)
    memory.add_user_memory(UserMemory(memory=SKI, topics=["sport"]), "ava")
    memory.add_user_memory(
        UserMemory(memory="The user goes snowboarding this week", topics=["plans"]),
        "ava",
    )
    memory.add_user_memory(
        UserMemory(
            memory="The user skis in Zermatt until Friday",
            topics=["plans"],
            expires_at=T0 + timedelta(days=4),
        ),
        "ava",
    )

    def semantic(**filters: object) -> list[str]:
        found = memory.search_user_memories(
            "ava",
            WINTER,
            retrieval_method="semantic",
            **filters,  # type: ignore[arg-type]
        )
        return [m.memory for m in found]

    assert len(semantic()) == 3
    assert sorted(semantic(topics=["PLANS"])) == [
        "The user goes snowboarding this week",
        "The user skis in Zermatt until Friday",
    ]
    clock.now = T0 + timedelta(days=4)
    assert semantic(topics=["plans"]) == ["The user goes snowboarding this week"]
    assert semantic(updated_before=T0 + timedelta(days=1), topics=["sport"]) == [SKI]


def test_embeddings_of_its_own_beside_the_stores_index_are_refused() -> None:
    with pytest.raises(InvalidInputError, match="own semantic index"):
        Memory(db=StoreMemoryDb(indexed(ConceptEmbeddings())), embeddings=HashEmbeddings())
    kept_here = StoreMemoryDb(indexed(ConceptEmbeddings()), index=False)
    memory = Memory(db=kept_here, embeddings=HashEmbeddings())
    memory.add_user_memory(SKI, "ava")
    assert items(kept_here.store, "memories", "ava", "vectors") != []


class Down(ConceptEmbeddings):
    def embed_query(self, text: str) -> list[float]:
        raise ConnectionError("embedding service unreachable")


def test_a_failing_index_model_falls_back_to_keyword_search() -> None:
    memory = Memory(db=StoreMemoryDb(indexed(Down())))
    memory.add_user_memory(SKI, "ava")
    for method in ("semantic", "hybrid"):
        found = memory.search_user_memories("ava", "skiing", retrieval_method=method)
        assert (found.method, [m.memory for m in found]) == ("keyword", [SKI])
        assert found.fallback_reason is not None
        assert "embedding service unreachable" in found.fallback_reason


class ServerStore(BaseStore):
    """Like a LangGraph Server's store: it hands ops to a store inside, whose settings it
    does not show."""

    def __init__(self) -> None:
        self.inner = InMemoryStore()

    def batch(self, ops: Iterable[Op]) -> list[Result]:
        return self.inner.batch(ops)

    async def abatch(self, ops: Iterable[Op]) -> list[Result]:
        return await self.inner.abatch(ops)


def test_an_index_is_found_on_the_store_or_in_the_servers_settings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(store_module.SERVER_STORE_ENV, raising=False)
    assert not declares_index(InMemoryStore())
    assert declares_index(indexed(ConceptEmbeddings()))
    assert not declares_index(ServerStore())
    monkeypatch.setenv(store_module.SERVER_STORE_ENV, '{"index": {"dims": 8, "embed": "x"}}')
    assert declares_index(ServerStore())
    assert not declares_index(InMemoryStore())  # a store's own settings win
    monkeypatch.setenv(store_module.SERVER_STORE_ENV, '{"ttl": {"default_ttl": 5}}')
    assert not declares_index(ServerStore())
    assert StoreMemoryDb(ServerStore(), index=True).semantic_index


def test_agents_keep_their_memories_in_namespaces_of_their_own() -> None:
    store = InMemoryStore()
    shared = Memory(db=StoreMemoryDb(store))
    planner = shared.for_agent("planner.v2")
    shared.add_user_memory("The user likes tea", "ava")
    planner.add_user_memory("The user likes tea", "ava")
    planner.add_user_memory("The user plans a trip", "ava")
    assert len(items(store, "memories", "ava", "items")) == 1
    agent = namespace_label("planner.v2")
    assert len(items(store, "memories", "ava", "agents", agent, "items")) == 2
    assert shared.db.user_ids() == ["ava"]
    assert [m.agent_id for m in planner.get_user_memories("ava")] == ["planner.v2"] * 2
    assert planner.clear() == 2
    assert [m.memory for m in shared.get_user_memories("ava")] == ["The user likes tea"]


# -- the store's TTL, on PostgresStore ------------------------------------------------


def test_a_memory_that_expires_carries_the_stores_ttl(
    postgres_store: PostgresStore, postgres_url: str
) -> None:
    prefix = (f"test{uuid.uuid4().hex}",)
    clock = Clock()
    clock.now = datetime.now(UTC)
    memory = Memory(db=StoreMemoryDb(postgres_store, prefix), clock=clock)
    temporary = memory.add_user_memory(
        UserMemory(memory=ROME, expires_at=clock.now + timedelta(hours=2)), "ava"
    )
    lasting = memory.add_user_memory(SKI, "ava")

    def ttl_of(key: str) -> tuple[float | None, datetime | None]:
        with psycopg.connect(postgres_url) as conn:
            row = conn.execute(
                "SELECT ttl_minutes, expires_at FROM store WHERE key = %s", (key,)
            ).fetchone()
        assert row is not None
        return row[0], row[1]

    minutes, expires = ttl_of(temporary)
    assert minutes == pytest.approx(120, abs=0.1)
    assert ttl_of(lasting) == (None, None)
    memory.get_user_memories("ava")
    memory.search_user_memories("ava", "rome")
    assert ttl_of(temporary)[1] == expires  # reading does not push the expiry back
    clock.now += timedelta(hours=2)
    assert [m.memory for m in memory.get_user_memories("ava")] == [SKI]


class DownForWrites(ConceptEmbeddings):
    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        raise ConnectionError("embedding service unreachable")


def test_a_failing_index_model_stores_nothing_and_never_fails_the_agent() -> None:
    store = indexed(DownForWrites())
    memory = Memory(db=StoreMemoryDb(store))
    with pytest.raises(ConnectionError):
        memory.add_user_memory(SKI, "ava")
    assert memory.get_user_memories("ava") == []
    assert items(store, "memories", "ava", "history") == []
    model = ScriptedChatModel(["Sounds fun!", tool_call("add_memory", memory=SKI)])
    agent = create_memory_agent(
        model,
        memory=StoreMemory(),
        enable_user_memories=True,
        checkpointer=InMemorySaver(),
        store=store,
    )
    parts: Any = agent.stream(
        {"messages": [{"role": "user", "content": "I love skiing"}]},
        {"configurable": {"thread_id": "t"}},
        context={"user_id": "ava"},
        stream_mode=["custom", "values"],
    )
    events = [chunk for mode, chunk in parts if mode == "custom"]
    assert [(e["status"], "unreachable" in e.get("error", "")) for e in events] == [
        ("started", False),
        ("failed", True),
    ]
    assert memory.get_user_memories("ava") == []
