"""Erase means erase: afterwards no table of the database holds the user's text or id."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

import psycopg
import pytest
from langchain_core.messages import BaseMessage
from langgraph.store.memory import InMemoryStore

from graphs import create_memory_agent
from memory import (
    EraseResult,
    HashEmbeddings,
    Memory,
    MemoryDb,
    PostgresMemoryDb,
    SqliteMemoryDb,
)
from memory.db.store import StoreMemoryDb
from memory.testing import ScriptedChatModel, remember_user_lines, tool_call

ALICE, BOB = "alice-7f3", "bob-2c9"
MARKS = {ALICE: "zanzibar", BOB: "kathmandu"}
"""A word only each user's texts hold, so a scan finds any trace of their words."""


def summarise(messages: list[BaseMessage]) -> Any:
    said = messages[-1].text
    mark = next(mark for mark in MARKS.values() if mark in said)
    return tool_call("SessionSummaryResponse", summary=f"They talked about {mark}.", topics=[])


def answer(messages: list[BaseMessage]) -> str:
    said = " ".join(m.text for m in messages)
    mark = next(mark for mark in MARKS.values() if mark in said)
    return f"Tell me more about {mark}."


def live_a_little(memory: Memory, user: str) -> None:
    """Leave every kind of trace: memories in two agent scopes with vectors, an edit and a
    deletion in history, pending messages, and sessions with summaries and archived runs."""
    mark = MARKS[user]
    kept = memory.add_user_memory(f"The user loves {mark} tea", user)
    memory.replace_user_memory(kept, f"The user loves {mark} coffee", user)
    gone = memory.add_user_memory(f"The user visited {mark}", user)
    memory.delete_user_memory(user, gone)
    memory.for_agent("planner").add_user_memory(f"The user plans a {mark} trip", user)
    memory.add_pending_messages(user, f"{user}-later", [("m1", f"Remind me of {mark}")])
    model = ScriptedChatModel([answer, remember_user_lines, summarise] * 3)
    agent = create_memory_agent(
        model,
        memory=memory,
        enable_user_memories=True,
        enable_session_summaries=True,
        num_history_runs=1,
    )
    for n in range(3):
        agent.invoke(
            {"messages": [("user", f"Day {n} in {mark}")]},
            {"configurable": {"thread_id": f"{user}-session"}},
            context={"user_id": user},
        )


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[MemoryDb]:
    db: MemoryDb = (
        SqliteMemoryDb(db_file=tmp_path / "agent.db")
        if request.param == "sqlite"
        else request.getfixturevalue("postgres_db")
    )
    yield db
    db.close()


def test_erase_leaves_no_trace_of_the_user_and_all_of_everyone_else(backend: MemoryDb) -> None:
    memory = Memory(db=backend, embeddings=HashEmbeddings())
    for user in (ALICE, BOB):
        live_a_little(memory, user)
    assert _traces(backend, ALICE)  # the scan finds what is there
    assert _traces(backend, BOB)
    bobs = _bob_as_seen(memory)

    erased = memory.erase_user(ALICE)

    assert _traces(backend, ALICE) == []
    assert _bob_as_seen(memory) == bobs
    assert _traces(backend, BOB)
    assert erased.memories == 5  # the edited one, the planner's, one learned from each run
    assert erased.memory_history == 8  # those, and the edit, the deleted one's add and delete
    assert erased.vectors == 5
    assert erased.session_summaries == 1
    assert erased.summary_history == 3
    assert erased.pending_messages == 1
    assert erased.threads == 1
    assert erased.checkpoints > 0
    assert erased.archived_runs == 1
    assert all(isinstance(count, int) for count in asdict(erased).values())
    assert memory.erase_user(ALICE) == EraseResult()  # nothing left to erase


def test_a_user_erased_can_come_back_and_be_found(tmp_path: Path) -> None:
    """The per-user statistics start afresh, in this process and in another one."""
    db_file = tmp_path / "agent.db"
    with Memory(db=SqliteMemoryDb(db_file=db_file)) as first:
        first.add_user_memory("The user loves zanzibar tea", ALICE)
        assert first.search_user_memories(ALICE, "zanzibar", retrieval_method="keyword")
        with Memory(db=SqliteMemoryDb(db_file=db_file)) as second:
            second.erase_user(ALICE)
        first.add_user_memory("The user hikes in the Alps", ALICE)
        found = first.search_user_memories(ALICE, "hikes", retrieval_method="keyword")
        assert [m.memory for m in found] == ["The user hikes in the Alps"]
        assert not first.search_user_memories(ALICE, "zanzibar", retrieval_method="keyword")


def _bob_as_seen(memory: Memory) -> list[Any]:
    return [
        [m.memory for m in memory.get_user_memories(BOB)],
        [m.memory for m in memory.for_agent("planner").get_user_memories(BOB)],
        [s.summary for s in memory.get_session_summaries(BOB)],
        [(t.thread_id, t.messages) for t in memory.pending_threads(BOB)],
        memory.user_threads(BOB),
    ]


def _traces(db: MemoryDb, user: str) -> list[str]:
    """Every table and column where the user's id or their word appears."""
    wanted = [user, MARKS[user]]
    return [
        f"{table}.{column}"
        for table, column, value in _every_value(db)
        if any(_holds(value, text) for text in wanted)
    ]


def _holds(value: Any, text: str) -> bool:
    if isinstance(value, bytes | memoryview):
        return text.encode() in bytes(value)
    if isinstance(value, dict | list):
        return text in json.dumps(value, ensure_ascii=False)
    return value is not None and text in str(value)


def _every_value(db: MemoryDb) -> Iterator[tuple[str, str, Any]]:
    if isinstance(db, SqliteMemoryDb):
        with sqlite3.connect(db.db_file) as conn:
            # A contentless FTS5 table keeps no sizes to list its rows by, so SQLite
            # refuses to scan it; its tokens are in its shadow tables and its vocabulary.
            tables = [
                row[0]
                for row in conn.execute(
                    "SELECT name FROM sqlite_master WHERE type='table' "
                    "AND sql NOT LIKE '%USING fts5(%content=''''%columnsize=0%'"
                )
            ]
            for table in tables:
                cursor = conn.execute(f'SELECT * FROM "{table}"')
                columns = [d[0] for d in cursor.description]
                for row in cursor.fetchall():
                    yield from ((table, c, v) for c, v in zip(columns, row, strict=True))
        return
    assert isinstance(db, PostgresMemoryDb)
    with psycopg.connect(db.conn_string) as conn:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = current_schema()"
            )
        ]
        for table in tables:
            rows = conn.execute(f'SELECT * FROM "{table}"')
            assert rows.description is not None
            columns = [d.name for d in rows.description]
            for row in rows.fetchall():
                yield from ((table, c, v) for c, v in zip(columns, row, strict=True))


def test_erase_in_a_langgraph_store_leaves_no_item_of_the_user() -> None:
    """As under LangGraph Server: memories, summaries, pending messages, owners and the
    session archive all live in one store; awaited, as the server calls it."""
    store = InMemoryStore()
    memory = Memory(db=StoreMemoryDb(store), embeddings=HashEmbeddings())
    for user in (ALICE, BOB):
        live_a_little(memory, user)
    assert _items_holding(store, ALICE)
    bobs = _bob_as_seen(memory)

    erased = asyncio.run(memory.aerase_user(ALICE))

    assert _items_holding(store, ALICE) == []
    assert _bob_as_seen(memory) == bobs
    assert (erased.memories, erased.vectors, erased.session_summaries) == (5, 5, 1)
    assert (erased.pending_messages, erased.threads, erased.archived_runs) == (1, 1, 1)


def _items_holding(store: InMemoryStore, user: str) -> list[tuple[str, ...]]:
    wanted = [user, MARKS[user]]
    found = store.search((), limit=100_000)
    return [
        item.namespace
        for item in found
        if any(_holds([*item.namespace, item.key, item.value], text) for text in wanted)
    ]


def test_erase_reaches_the_sessions_an_agent_keeps_in_process() -> None:
    with Memory() as memory:
        model = ScriptedChatModel([answer] * 6)
        agent = create_memory_agent(model, memory=memory, num_history_runs=1)
        for user in (ALICE, BOB):
            for n in range(3):
                agent.invoke(
                    {"messages": [("user", f"Day {n} in {MARKS[user]}")]},
                    {"configurable": {"thread_id": f"{user}-session"}},
                    context={"user_id": user},
                )

        erased = memory.erase_user(ALICE)

        assert erased.checkpoints > 0
        assert erased.archived_runs == 1
        alices = agent.get_state({"configurable": {"thread_id": f"{ALICE}-session"}})
        bobs = agent.get_state({"configurable": {"thread_id": f"{BOB}-session"}})
        assert alices.values == {}
        assert MARKS[BOB] in str(bobs.values["messages"])
