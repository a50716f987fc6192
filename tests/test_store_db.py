"""StoreMemoryDb: namespaces, stored values, unbounded reads, and sameness with SQLite."""

from __future__ import annotations

import asyncio
import json
import unicodedata
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import unquote

import psycopg
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from langgraph.store.base import BaseStore
from langgraph.store.memory import InMemoryStore
from langgraph.store.postgres import PostgresStore

from memory import (
    InvalidInputError,
    Memory,
    MemoryDb,
    MemoryNotFoundError,
    SqliteMemoryDb,
    UserMemory,
)
from memory.db import store_layout
from memory.db.base import ListQuery, WriteBatch
from memory.db.namespaces import namespace_label
from memory.db.store import StoreMemoryDb
from memory.schema import (
    AddMemory,
    ClearMemories,
    DeleteMemory,
    MemoryOp,
    ReplaceMemory,
    WriteContext,
)

TRICKY_IDS = [
    ".",
    "..",
    "a.b",
    "a%2Eb",
    "a%2eb",
    "a/b",
    "a%2Fb",
    "@",
    "*",
    "%",
    "ava",
    "Ava",
    "AVA",
    unicodedata.normalize("NFC", "zoë"),
    unicodedata.normalize("NFD", "zoë"),
    "用户",
    " a ",
    "langgraph",
    "john_doe@example.com",
    "org/team.lead",
]


def user_namespaces(store: BaseStore, prefix: tuple[str, ...] = ("memories",)) -> list[str]:
    found = store.list_namespaces(prefix=prefix, suffix=("items",), limit=1_000)
    return [namespace[len(prefix)] for namespace in found]


def test_it_is_a_memory_db() -> None:
    assert isinstance(StoreMemoryDb(InMemoryStore()), MemoryDb)


@settings(max_examples=100, deadline=None)
@given(st.text(min_size=1, max_size=40))
def test_the_label_is_reversible_so_no_two_ids_share_one(user_id: str) -> None:
    label = namespace_label(user_id)
    assert label
    assert "." not in label
    assert unquote(label) == user_id
    InMemoryStore().put(("memories", label, "items"), "k", {})  # the store's own checks


def test_tricky_ids_each_get_a_namespace_of_their_own() -> None:
    store = InMemoryStore()
    memory = Memory(db=StoreMemoryDb(store))
    for n, user_id in enumerate(TRICKY_IDS):
        memory.add_user_memory(f"The user is number {n}", user_id)
    for n, user_id in enumerate(TRICKY_IDS):
        [only] = memory.get_user_memories(user_id)
        assert (only.memory, only.user_id) == (f"The user is number {n}", user_id)
    labels = user_namespaces(store)
    assert sorted(unquote(label) for label in labels) == sorted(TRICKY_IDS)


@pytest.mark.parametrize("prefix", [(), ("a.b",), ("",), ("langgraph",), ("ok", "")])
def test_an_unusable_prefix_is_refused(prefix: tuple[str, ...]) -> None:
    with pytest.raises(InvalidInputError, match="namespace_prefix"):
        StoreMemoryDb(InMemoryStore(), namespace_prefix=prefix)


def test_prefixes_keep_two_memory_sets_apart_in_one_store() -> None:
    store = InMemoryStore()
    app = Memory(db=StoreMemoryDb(store, namespace_prefix=("app", "memories")))
    other = Memory(db=StoreMemoryDb(store, namespace_prefix=("other",)))
    app.add_user_memory("The user likes tea", "ava")
    other.add_user_memory("The user likes coffee", "ava")
    assert other.clear() == 1
    assert [m.memory for m in app.get_user_memories("ava")] == ["The user likes tea"]
    assert user_namespaces(store, ("app", "memories")) == ["ava"]


def test_values_are_json_ready_and_history_outlives_the_memory() -> None:
    store = InMemoryStore()
    memory = Memory(db=StoreMemoryDb(store))
    user = "org/team.lead"
    memory_id = memory.add_user_memory(UserMemory(memory="The user skis", topics=["sport"]), user)
    [item] = store.search(("memories", namespace_label(user), "items"))
    assert json.loads(json.dumps(item.value)) == item.value
    assert item.key == memory_id
    assert item.value["user_id"] == user
    assert item.value["text_key"] == "the user skis"
    assert datetime.fromisoformat(item.value["created_at"]).tzinfo is not None
    memory.delete_user_memory(user, memory_id)
    assert memory.get_user_memories(user) == []
    history = store.search(("memories", namespace_label(user), "history"))
    assert sorted(event.value["action"] for event in history) == ["added", "deleted"]
    assert [e.action for e in memory.get_memory_history(memory_id, user)] == ["added", "deleted"]


def test_reads_are_not_cut_at_a_page(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store_layout, "FIRST_READ_LIMIT", 3)
    db = StoreMemoryDb(InMemoryStore())
    at = WriteContext(at=datetime(2025, 1, 1, tzinfo=UTC))
    ops: list[MemoryOp] = [
        AddMemory(UserMemory(memory=f"The user owns {n} cats")) for n in range(25)
    ]
    events = db.apply("ava", WriteBatch([*ops, AddMemory(UserMemory(memory="The user skis"))], at))
    for n in range(1, 5):
        db.apply(f"user{n}", WriteBatch([AddMemory(UserMemory(memory="The user skis"))], at))
    texts = [m.memory for m in db.list_memories("ava")]
    assert texts == [f"The user owns {n} cats" for n in range(25)] + ["The user skis"]
    memory = Memory(db=db)
    assert [m.memory for m in memory.search_user_memories("ava", "skiing")] == ["The user skis"]
    for _ in range(5):  # more events for one memory than a first read returns
        db.apply("ava", WriteBatch([AddMemory(UserMemory(memory="The user skis"))], at))
    assert len(db.history("ava", events[-1].memory_id)) == 6
    assert sorted(db.user_ids()) == ["ava", "user1", "user2", "user3", "user4"]
    assert memory.clear() == 26 + 4


def test_more_memories_than_a_default_store_search_returns() -> None:
    memory = Memory(db=StoreMemoryDb(InMemoryStore()))
    for n in range(15):
        memory.add_user_memory(f"The user owns {n} cats", "ava")
    assert len(memory.get_user_memories("ava")) == 15
    assert len(memory.search_user_memories("ava", query="cats")) == 15


def test_ties_keep_insertion_order(memory: Memory) -> None:
    """One batch shares one timestamp: order by it alone would be arbitrary."""
    ops: list[MemoryOp] = [
        AddMemory(UserMemory(memory=f"The user owns {n} cats")) for n in range(6)
    ]
    memory.apply_user_memory_ops("ava", ops, WriteContext())
    expected = [f"The user owns {n} cats" for n in range(6)]
    assert [m.memory for m in memory.get_user_memories("ava")] == expected
    newest = memory.search_user_memories("ava", limit=2, retrieval_method="last_n")
    assert [m.memory for m in newest] == expected[-2:]
    by_update = memory.db.list_memories("ava", ListQuery("updated_at", newest_first=True))
    assert [m.memory for m in by_update] == expected[::-1]


# -- the same random batches on SQLite and on a store give the same results --------

USERS = ["ava", "zoë"]
TEXTS = ["The user likes tea", "the user likes TEA.", "The user skis", "The user lives in Oslo"]
IDS = ["m0", "m1", "m2"]
T0 = datetime(2025, 1, 1, tzinfo=UTC)
TIMES = [T0, T0, T0 + timedelta(seconds=1), T0 + timedelta(seconds=2)]
QUERIES = ["tea", "skiing", "oslo", "lives", "likes tea"]

memories = st.builds(
    UserMemory,
    memory=st.sampled_from(TEXTS),
    topics=st.lists(st.sampled_from(["drinks", "sport"]), max_size=2),
    memory_id=st.sampled_from(IDS),
    created_at=st.sampled_from([None, T0 - timedelta(days=1)]),
)
ops = st.one_of(
    st.builds(AddMemory, memories),
    st.builds(ReplaceMemory, st.sampled_from([*IDS, "nope"]), memories),
    st.builds(DeleteMemory, st.sampled_from([*IDS, "nope"])),
    st.just(ClearMemories()),
)
batches = st.tuples(
    st.sampled_from(USERS), st.lists(ops, min_size=1, max_size=4), st.sampled_from(TIMES)
)


def outcome(db: MemoryDb, user: str, batch: list[MemoryOp], at: datetime) -> Any:
    try:
        return [
            e.to_dict() for e in db.apply(user, WriteBatch(batch, WriteContext("test", "why", at)))
        ]
    except (MemoryNotFoundError, InvalidInputError) as error:
        return type(error).__name__


def everything(db: MemoryDb) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for user in USERS:
        for order_by in ("created_at", "updated_at"):
            for newest_first in (False, True):
                for limit in (None, 2):
                    found = db.list_memories(user, ListQuery(order_by, newest_first, limit))
                    seen[f"{user} {order_by} {newest_first} {limit}"] = [m.to_dict() for m in found]
        for memory_id in [*IDS, "nope"]:
            seen[f"{user} history {memory_id}"] = [e.to_dict() for e in db.history(user, memory_id)]
        for query in QUERIES:
            found = Memory(db=db).search_user_memories(user, query, retrieval_method="keyword")
            seen[f"{user} search {query}"] = [m.memory_id for m in found]
            seen[f"{user} scores {query}"] = found.scores
    return seen


@settings(max_examples=100, deadline=None)
@given(st.lists(batches, max_size=8))
def test_random_batches_behave_as_on_sqlite(
    sequence: list[tuple[str, list[MemoryOp], datetime]],
) -> None:
    with SqliteMemoryDb.from_conn_string(":memory:") as sqlite:
        store = StoreMemoryDb(InMemoryStore())
        for user, batch, at in sequence:
            assert outcome(store, user, batch, at) == outcome(sqlite, user, batch, at)
        assert everything(store) == everything(sqlite)
        for user in USERS:
            assert outcome(store, user, [ClearMemories()], T0) == outcome(
                sqlite, user, [ClearMemories()], T0
            )
        assert store.user_ids() == sqlite.user_ids() == []
        assert everything(store) == everything(sqlite)


# -- a real PostgreSQL ----------------------------------------------------------


def test_postgres_rolls_back_a_batch_it_refuses_halfway(postgres_store: PostgresStore) -> None:
    """The DELETE of "kept" runs before the INSERT PostgreSQL refuses (NUL in jsonb).

    UserMemory refuses a NUL itself; `model_construct` skips that check so the
    value reaches the database, as a bug in a caller could.
    """
    db = StoreMemoryDb(postgres_store, namespace_prefix=(f"test{uuid.uuid4().hex}",))
    memory = Memory(db=db)
    kept = memory.add_user_memory("The user likes tea", "org/team.lead")
    unstorable = UserMemory.model_construct(memory="The user \0 skis", topics=[])
    with pytest.raises(psycopg.Error):
        db.apply(
            "org/team.lead", WriteBatch([DeleteMemory(kept), AddMemory(unstorable)], WriteContext())
        )
    assert [m.memory_id for m in memory.get_user_memories("org/team.lead")] == [kept]
    assert [e.action for e in memory.get_memory_history(kept, "org/team.lead")] == ["added"]


def test_postgres_keeps_tricky_ids_apart_sync_and_async(postgres_store: PostgresStore) -> None:
    prefix = (f"test{uuid.uuid4().hex}",)
    memory = Memory(db=StoreMemoryDb(postgres_store, namespace_prefix=prefix))
    for n, user_id in enumerate(TRICKY_IDS):
        if n % 2:
            memory.add_user_memory(f"The user is number {n}", user_id)
        else:
            asyncio.run(memory.aadd_user_memory(f"The user is number {n}", user_id))
    for n, user_id in enumerate(TRICKY_IDS):
        assert [m.memory for m in memory.get_user_memories(user_id)] == [f"The user is number {n}"]
    labels = user_namespaces(postgres_store, prefix)
    assert sorted(unquote(label) for label in labels) == sorted(TRICKY_IDS)
    assert asyncio.run(memory.aclear()) == len(TRICKY_IDS)
