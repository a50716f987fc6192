"""One sequence of writes and queries gives identical results on every backend:
SQLite in process and in a file, LangGraph's InMemoryStore and PostgresStore, PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from langgraph.store.memory import InMemoryStore

from memory import HashEmbeddings, Memory, MemoryDb, RetrievalMethod, SqliteMemoryDb, UserMemory
from memory.db.store import StoreMemoryDb
from memory.schema import (
    AddMemory,
    ClearMemories,
    DeleteMemory,
    MemoryOp,
    ReplaceMemory,
    WriteContext,
)

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
USERS = ["zoë", "john_doe@example.com", "org/team.lead"]

FACTS = [
    "plays second violin in a community orchestra",
    "is allergic to kiwi",
    "bakes sourdough bread on Sundays",
    "drinks green tea every morning",
    "drinks black tea in the afternoon",
    "was moved up to first violin in the orchestra",
    "is a nationally ranked runner",
    "runs in the park before work",
    "keeps two rabbits named Pomme and Poire",
    "likes tea",
    "likes coffee",
    "hikes in the Alps in summer",
]


def memory(text: str, memory_id: str, *topics: str) -> UserMemory:
    return UserMemory(memory=f"The user {text}", topics=list(topics), memory_id=memory_id)


def script(user: str) -> list[tuple[datetime, list[MemoryOp]]]:
    """Writes at fixed times: adds, a refresh, replaces, deletes, a clear and re-adds."""
    first: list[MemoryOp] = [
        AddMemory(memory(text, f"m{n}", "facts")) for n, text in enumerate(FACTS)
    ]
    imported = UserMemory(
        memory="The user was born in Lyon",
        memory_id="old",
        created_at=T0 - timedelta(days=400),
        updated_at=T0 - timedelta(days=300),
    )
    return [
        (T0, first),
        (T0 + timedelta(hours=1), [AddMemory(memory("likes TEA!", "dup", "drinks"))]),
        (T0 + timedelta(hours=2), [ReplaceMemory("m10", memory("likes strong coffee", "x"))]),
        (T0 + timedelta(hours=3), [DeleteMemory("m8"), AddMemory(imported)]),
        (T0 + timedelta(hours=4), [AddMemory(memory("likes tea", "again"))]),
        (T0 + timedelta(hours=5), [ClearMemories(), *first[:6]]),
        (T0 + timedelta(hours=6), [AddMemory(memory(FACTS[6], "m6b", "sport"))]),
    ]


QUERIES = [
    "violin",
    "Which violin does she play now?",
    "tea",
    "green tea",
    "nation",
    "Zoe kiwi",
    "sourdough baking",
    "running",
    '"tea" OR NEAR(',
    "nothing matches this",
]


RANKED: list[RetrievalMethod] = ["keyword", "semantic", "hybrid"]
RECENT: list[RetrievalMethod] = ["last_n", "first_n"]


def observe(memory_: Memory, user: str) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for method in RECENT:
        for limit in (None, 3):
            found = memory_.search_user_memories(user, limit=limit, retrieval_method=method)
            seen[f"{method} {limit}"] = [m.memory_id for m in found]
    for query in QUERIES:
        for method in RANKED:
            found = memory_.search_user_memories(user, query, limit=5, retrieval_method=method)
            scores = [round(s, 9) for s in found.scores or []]
            seen[f"{method} {query}"] = (found.method, [m.memory_id for m in found], scores)
    listed = memory_.get_user_memories(user)
    seen["listed"] = [m.to_dict() for m in listed]
    for memory_id in ["m0", "m8", "m10", "m6b", "old", "dup", "again", "nope"]:
        history = memory_.db.history(user, memory_id)
        seen[f"history {memory_id}"] = [e.to_dict() for e in history]
    prompt = memory_.get_memories_for_prompt(user, "What does she drink?", token_budget=60)
    seen["prompt"] = ([m.memory_id for m in prompt.memories], prompt.complete)
    return seen


@pytest.fixture
def backends(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[dict[str, MemoryDb]]:
    opened: dict[str, MemoryDb] = {
        "in_process": SqliteMemoryDb(db_file=":memory:"),
        "sqlite_file": SqliteMemoryDb(db_file=tmp_path / "parity.db"),
        "store": StoreMemoryDb(InMemoryStore()),
    }
    postgres = request.getfixturevalue("postgres_store")
    opened["postgres_store"] = StoreMemoryDb(postgres, namespace_prefix=(f"p{uuid.uuid4().hex}",))
    opened["postgres"] = request.getfixturevalue("postgres_db")
    yield opened
    for db in opened.values():
        db.close()


def test_every_backend_gives_the_same_results(backends: dict[str, MemoryDb]) -> None:
    results = {}
    for name, db in backends.items():
        memory_ = Memory(db=db, embeddings=HashEmbeddings(64))
        for user in USERS:
            for at, ops in script(user):
                memory_.apply_user_memory_ops(user, ops, WriteContext("parity", "why", at))
        results[name] = {user: observe(memory_, user) for user in USERS}
    expected = results.pop("in_process")
    assert expected["zoë"]["keyword tea"][1], "the script must give keyword search something"
    assert expected["zoë"]["keyword nation"][1] == ["m6b"]
    for name, seen in results.items():
        for user in USERS:
            differing = [key for key in expected[user] if seen[user][key] != expected[user][key]]
            assert differing == [], f"{name} differs from SQLite for {user}: {differing}"
