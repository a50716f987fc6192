"""Temporary facts and narrowed prompts through the model-facing pieces: the memory manager
(expiry set from what the user says), the agent (topics and agent scopes), and the CLI."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import AIMessage
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.store.memory import InMemoryStore

from graphs import MemoryMiddleware, StoreMemory, create_memory_agent
from graphs.cli import main
from memory import Memory, UserMemory
from memory.db.store import StoreMemoryDb
from memory.testing import ScriptedChatModel, tool_call

NOW = datetime(2025, 3, 5, 10, 0, tzinfo=UTC)  # a Wednesday
FRIDAY = datetime(2025, 3, 8, 0, 0, tzinfo=UTC)
ROME = "The user is in Rome"


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


def ask(agent: Any, text: str, user_id: str, thread: str = "s1") -> str:
    state = agent.invoke(
        {"messages": [{"role": "user", "content": text}]},
        {"configurable": {"thread_id": thread}},
        context={"user_id": user_id},
    )
    answer = state["messages"][-1]
    assert isinstance(answer, AIMessage)
    return answer.text


# -- the memory manager ----------------------------------------------------------------


@pytest.mark.one_backend
def test_the_memory_model_sets_an_expiry_for_a_temporary_fact(memory: Memory) -> None:
    clock = Clock()
    memory.clock = clock
    memory.model = ScriptedChatModel(
        [tool_call("add_memory", memory=ROME, topics=["travel"], expires_at="2025-03-08T00:00:00Z")]
    )
    result = memory.create_user_memories(message="I'm in Rome until Friday.", user_id="ava")
    assert [(e.action, e.expires_at) for e in result.events] == [("added", FRIDAY)]
    [stored] = memory.get_user_memories("ava")
    assert (stored.memory, stored.expires_at) == (ROME, FRIDAY)
    [call] = memory.model.calls
    system = call.messages[0].text
    assert "The current time is 2025-03-05T10:00:00+00:00 (Wednesday)." in system
    assert "expires_at" in str(call.tool_schemas)

    clock.now = FRIDAY - timedelta(hours=1)  # the model sees when a listed fact ends
    memory.model = ScriptedChatModel(["No changes"])
    memory.create_user_memories(message="Lovely weather here.", user_id="ava")
    listed = memory.model.calls[0].messages[0].text
    assert f"[m1] {ROME} (topics: travel) (expires_at: 2025-03-08T00:00:00+00:00)" in listed

    clock.now = FRIDAY
    assert memory.get_user_memories("ava") == []


@pytest.mark.one_backend
def test_an_expiry_that_has_passed_is_refused_so_the_model_can_correct_it(
    memory: Memory,
) -> None:
    memory.clock = Clock()
    memory.model = ScriptedChatModel(
        [
            tool_call("add_memory", memory=ROME, expires_at="2025-03-01T00:00:00Z"),
            tool_call("add_memory", memory=ROME, expires_at="2025-03-08T00:00:00Z"),
        ]
    )
    result = memory.create_user_memories(message="I'm in Rome until Friday.", user_id="ava")
    assert [r.reason[:24] for r in result.refused] == ["expires_at 2025-03-01T00"]
    assert [(m.memory, m.expires_at) for m in memory.get_user_memories("ava")] == [(ROME, FRIDAY)]


@pytest.mark.one_backend
def test_the_default_ttl_applies_to_what_the_memory_model_writes(memory: Memory) -> None:
    memory.clock = Clock()
    memory.default_ttl = timedelta(days=7)
    memory.model = ScriptedChatModel([tool_call("add_memory", memory="The user likes tea")])
    memory.create_user_memories(message="I like tea.", user_id="ava")
    assert [m.expires_at for m in memory.get_user_memories("ava")] == [NOW + timedelta(days=7)]


@pytest.mark.one_backend
def test_agentic_search_sees_only_the_memories_the_filters_keep(memory: Memory) -> None:
    memory.add_user_memory(UserMemory(memory="The user likes tea", topics=["drinks"]), "ava")
    memory.add_user_memory(UserMemory(memory="The user skis", topics=["sport"]), "ava")
    memory.model = ScriptedChatModel([tool_call("RelatedMemories", memory_ids=["m1", "m2"])])
    found = memory.search_user_memories(
        "ava", "anything", retrieval_method="agentic", topics=["sport"]
    )
    assert [m.memory for m in found] == ["The user skis"]
    shown = memory.model.calls[0].messages[0].text
    assert "The user likes tea" not in shown


# -- the agent ---------------------------------------------------------------------------


def test_the_agent_shows_temporary_facts_with_their_end_and_never_after_it() -> None:
    clock = Clock()
    memory = Memory(clock=clock)
    memory.add_user_memory(UserMemory(memory=ROME, expires_at=FRIDAY), "ava")
    memory.add_user_memory("The user likes tea", "ava")
    model = ScriptedChatModel(["Ciao!", "Hello!"])
    agent = create_memory_agent(model, memory=memory)
    ask(agent, "Hi", "ava")
    first = model.calls[0].messages[0].text
    assert f"- {ROME} (until 2025-03-08T00:00:00+00:00)" in first
    clock.now = FRIDAY
    ask(agent, "Hi again", "ava")
    second = model.calls[1].messages[0].text
    assert ROME not in second
    assert "- The user likes tea" in second


def test_an_agent_can_be_told_to_show_only_some_topics() -> None:
    memory = Memory()
    memory.add_user_memory(UserMemory(memory="The user is vegetarian", topics=["diet"]), "ava")
    memory.add_user_memory(UserMemory(memory="The user owes Bob money", topics=["finance"]), "ava")
    model = ScriptedChatModel(["Try a lentil curry."])
    chef = create_memory_agent(model, memory=memory, memory_topics=["Diet"])
    ask(chef, "Dinner ideas?", "ava")
    prompt = model.calls[0].messages[0].text
    assert "- The user is vegetarian" in prompt
    assert "Bob" not in prompt
    with pytest.raises(ValueError, match="topics"):
        MemoryMiddleware(memory, topics=[])


def test_two_agents_of_one_app_keep_their_own_memories_or_share_them() -> None:
    memory = Memory()
    planner_model = ScriptedChatModel(
        ["Noted.", tool_call("add_memory", memory="The user plans a trip to Lisbon")]
    )
    planner = create_memory_agent(
        planner_model, memory=memory, agent_id="planner", enable_user_memories=True
    )
    ask(planner, "I'm planning a trip to Lisbon.", "ava")
    assert memory.get_user_memories("ava") == []  # the shared memories are untouched
    assert [m.memory for m in memory.for_agent("planner").get_user_memories("ava")] == [
        "The user plans a trip to Lisbon"
    ]
    writer_model = ScriptedChatModel(["Hello!"])
    ask(create_memory_agent(writer_model, memory=memory, agent_id="writer"), "Hi", "ava")
    assert "Lisbon" not in writer_model.calls[0].messages[0].text
    second_model = ScriptedChatModel(["You are going to Lisbon."])
    ask(create_memory_agent(second_model, memory=memory, agent_id="planner"), "Trip?", "ava")
    assert "- The user plans a trip to Lisbon" in second_model.calls[0].messages[0].text


def test_store_memory_takes_an_agent_and_a_default_ttl() -> None:
    store = InMemoryStore()
    model = ScriptedChatModel(["Noted.", tool_call("add_memory", memory="The user likes tea")])
    agent = create_memory_agent(
        model,
        memory=StoreMemory(default_ttl=timedelta(days=1)),
        agent_id="barista",
        enable_user_memories=True,
        checkpointer=InMemorySaver(),
        store=store,
    )
    ask(agent, "I like tea", "ava")
    barista = Memory(db=StoreMemoryDb(store), agent_id="barista")
    [stored] = barista.get_user_memories("ava")
    assert stored.expires_at is not None
    assert Memory(db=StoreMemoryDb(store)).get_user_memories("ava") == []


# -- the CLI -----------------------------------------------------------------------------


def cli(db: Path, capsys: pytest.CaptureFixture[str], *args: str) -> Any:
    capsys.readouterr()
    code = main(["memories", *args, "--db", str(db), "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    return json.loads(out)


def test_the_cli_narrows_by_topic_and_time_and_keeps_agents_apart(
    db_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    add = ["add", "--user", "ava"]
    cli(db_file, capsys, *add, "The user likes tea", "--topic", "drinks")
    cli(db_file, capsys, *add, "The user skis", "--topic", "sport", "--topic", "winter")
    cli(db_file, capsys, *add, "The user is in Rome", "--expires", "2999-01-01")
    cli(db_file, capsys, *add, "The user plans a trip", "--agent", "planner")

    def texts(*args: str) -> list[str]:
        return [m["memory"] for m in cli(db_file, capsys, *args, "--user", "ava")]

    assert texts("list", "--topic", "sport", "--topic", "DRINKS") == [
        "The user likes tea",
        "The user skis",
    ]
    assert texts("search", "tea", "--topic", "sport") == []
    assert texts("search", "--method", "last_n", "--topic", "winter") == ["The user skis"]
    assert texts("list", "--since", "2999-01-01") == []
    assert texts("list", "--until", "2000-01-01T00:00") == []
    assert len(texts("list", "--since", "2000-01-01", "--until", "2999-01-01")) == 3
    assert texts("list", "--agent", "planner") == ["The user plans a trip"]
    [rome] = [m for m in cli(db_file, capsys, "list", "--user", "ava") if "Rome" in m["memory"]]
    assert rome["expires_at"] == "2999-01-01T00:00:00Z"
    with pytest.raises(SystemExit) as exited:
        main(["memories", "list", "--user", "ava", "--since", "friday", "--db", str(db_file)])
    assert exited.value.code == 2
    assert "not an ISO 8601 date or time: 'friday'" in capsys.readouterr().err
