"""What create_memory_agent opens, where, for how long, and how its failures are reported."""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import AIMessage, BaseMessage
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.store.base import IndexConfig
from langgraph.store.memory import InMemoryStore

from graphs import create_memory_agent
from memory import Memory, MemoryDbError, SqliteMemoryDb
from memory.db.store import StoreMemoryDb
from memory.testing import ScriptedChatModel, tool_call

AVA = "ava"


def said(text: str) -> dict[str, Any]:
    return {"messages": [{"role": "user", "content": text}]}


def run_config(thread: str = "t1") -> dict[str, Any]:
    return {"configurable": {"thread_id": thread}}


def ask(agent: Any, text: str, thread: str = "t1") -> str:
    """One run for Ava; the answer's text."""
    state = agent.invoke(said(text), run_config(thread), context={"user_id": AVA})
    return str(state["messages"][-1].text)


def open_descriptors() -> int:
    return len(os.listdir("/proc/self/fd"))


def tables(path: Path) -> set[str]:
    conn = sqlite3.connect(path)
    try:
        return {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
    finally:
        conn.close()


def echo(messages: list[BaseMessage]) -> str:
    """An answer naming how many messages the model was shown."""
    return f"seen {len(messages)}"


def test_the_default_file_agent_works_under_ainvoke_and_astream(tmp_path: Path) -> None:
    path = tmp_path / "agent.db"
    model = ScriptedChatModel(
        [
            "Nice to meet you, Ava!",
            tool_call("add_memory", memory="The user's name is Ava"),
            echo,
            "No changes",
        ]
    )

    async def two_turns(agent: Any) -> list[tuple[str, Any]]:
        state = await agent.ainvoke(said("I'm Ava"), run_config(), context={"user_id": AVA})
        assert state["messages"][-1].text == "Nice to meet you, Ava!"
        return [
            chunk
            async for chunk in agent.astream(
                said("Who am I?"),
                run_config(),
                context={"user_id": AVA},
                stream_mode=["updates", "custom"],
            )
        ]

    with Memory(db=SqliteMemoryDb(db_file=path)) as memory:
        agent = create_memory_agent(model, memory=memory, enable_user_memories=True)
        chunks = asyncio.run(two_turns(agent))
        assert [m.memory for m in memory.get_user_memories(AVA)] == ["The user's name is Ava"]
    answers = [
        m.text
        for mode, chunk in chunks
        if mode == "updates" and "model" in chunk
        for m in chunk["model"]["messages"]
    ]
    assert answers == ["seen 4"]  # system prompt, the first run's two messages, the new one
    assert "The user's name is Ava" in model.calls[2].messages[0].text
    assert {"checkpoints", "writes", "store"} <= tables(path)
    with Memory(db=SqliteMemoryDb(db_file=path)) as reopened:
        agent = create_memory_agent(
            ScriptedChatModel([echo]), memory=reopened, enable_user_memories=False
        )
        assert ask(agent, "Still there?") == "seen 6"  # the session survived the process


def test_a_hundred_agents_opened_and_closed_on_one_file_leave_no_descriptors(
    tmp_path: Path,
) -> None:
    path = tmp_path / "agent.db"
    with Memory(db=SqliteMemoryDb(db_file=path)):
        pass  # the file exists before counting
    before = open_descriptors()
    for n in range(100):
        with Memory(db=SqliteMemoryDb(db_file=path)) as memory:
            agent = create_memory_agent(ScriptedChatModel(["ok"]), memory=memory)
            ask(agent, f"hello {n}", thread=f"t{n}")
    assert open_descriptors() == before


def test_an_agent_given_its_own_persistence_opens_nothing_in_the_memory_file(
    tmp_path: Path,
) -> None:
    path = tmp_path / "agent.db"
    with Memory(db=SqliteMemoryDb(db_file=path)) as memory:
        made = tables(path)
        before = open_descriptors()
        agent = create_memory_agent(
            ScriptedChatModel(["ok"]),
            memory=memory,
            checkpointer=InMemorySaver(),
            store=InMemoryStore(),
        )
        assert open_descriptors() == before
        ask(agent, "hello")
        assert tables(path) == made
        assert open_descriptors() == before


def test_options_after_the_model_are_keyword_only() -> None:
    with pytest.raises(TypeError):
        create_memory_agent("openai:gpt-4.1-mini", Memory())  # type: ignore[call-arg]


def test_a_failing_memory_model_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    model = ScriptedChatModel(["Hello!", RuntimeError("provider is down")])
    memory = Memory()
    agent = create_memory_agent(model, memory=memory, enable_user_memories=True)
    with caplog.at_level(logging.WARNING):
        answer = ask(agent, "I'm Ava")
    assert answer == "Hello!"
    [record] = [r for r in caplog.records if r.name.startswith("graphs")]
    assert record.levelno >= logging.WARNING
    assert "provider is down" in record.getMessage()


def test_refused_tool_calls_are_logged(caplog: pytest.LogCaptureFixture) -> None:
    model = ScriptedChatModel(
        [
            AIMessage(
                content="",
                invalid_tool_calls=[
                    {"name": "update_user_memory", "args": "{bad", "id": "c1", "error": "JSON"}
                ],
            ),
            "Sorry, done.",
            tool_call("delete_memory", memory_id="m9"),
            "No changes",  # the manager's second round after the refusal
        ]
    )
    memory = Memory(delete_memories=True)
    agent = create_memory_agent(
        model, memory=memory, enable_agentic_memory=True, enable_user_memories=True
    )
    with caplog.at_level(logging.WARNING):
        ask(agent, "Forget me")
    messages = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert any("malformed" in m for m in messages), messages
    assert any("delete_memory" in m and "unknown memory id" in m for m in messages), messages


class CountingEmbeddings:
    """A store's embedding function that counts the texts it was asked to embed."""

    def __init__(self) -> None:
        self.texts: list[str] = []

    def __call__(self, texts: Sequence[str]) -> list[list[float]]:
        self.texts += texts
        return [[1.0, 0.0, 0.0, 0.0] for _ in texts]


def test_an_indexed_store_embeds_each_memory_text_once_and_none_of_the_bookkeeping() -> None:
    embed = CountingEmbeddings()
    store = InMemoryStore(index=IndexConfig(dims=4, embed=embed))
    memory = Memory(db=StoreMemoryDb(store))
    model = ScriptedChatModel(
        ["Hi!", tool_call("add_memory", memory="The user is Ava"), "Hi again!", "No changes"]
    )
    agent = create_memory_agent(model, memory=memory, enable_user_memories=True)
    ask(agent, "I'm Ava")
    ask(agent, "Hello")
    memory.replace_user_memory(
        memory.get_user_memories(AVA)[0].memory_id or "", "The user is Eva", AVA
    )
    assert embed.texts == ["The user is Ava", "The user is Eva"]


def test_a_database_failure_is_an_error_not_an_apology(tmp_path: Path) -> None:
    """Only a failing model call becomes an apology; a store that cannot say who owns the
    thread is raised, typed, before any model call (reading memories that fails is not:
    tests/test_memory_step_failures.py)."""
    memory = Memory(db=SqliteMemoryDb(db_file=tmp_path / "agent.db"))
    model = ScriptedChatModel(["never"])
    agent = create_memory_agent(
        model, memory=memory, checkpointer=InMemorySaver(), store=InMemoryStore()
    )
    memory.db.close()
    with pytest.raises(MemoryDbError, match="cannot read"):
        ask(agent, "hello")
    assert model.calls == []
