"""Session summaries: the Memory API on every backend, and the agent that keeps them."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from langchain.agents import create_agent
from langchain_core.messages import AIMessage, HumanMessage
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.store.memory import InMemoryStore

from graphs import MemoryMiddleware, StoreMemory, history
from graphs.agent import create_memory_agent
from memory import (
    InvalidInputError,
    Memory,
    MemoryModelError,
    ModelConfigError,
    SessionSummarizer,
    SessionSummary,
    ThreadOwnershipError,
)
from memory.db import SummaryWrite
from memory.db.store import StoreMemoryDb
from memory.schema import MAX_SUMMARY_CHARS, WriteContext
from memory.testing import ScriptedChatModel, tool_call
from tests.conftest import MemoryFactory

AVA, BOB = "ava", "bob"


def summary(text: str, *topics: str) -> AIMessage:
    """The summary model's reply: the structured output's tool call."""
    return tool_call("SessionSummaryResponse", summary=text, topics=list(topics))


HIKE = [("user", "I'm planning a hike in the Alps"), ("assistant", "Which month?")]
MONTH = [("user", "In July, with my sister"), ("assistant", "July is a good month.")]


def test_a_summary_is_created_updated_and_deleted_with_history(memory: Memory) -> None:
    memory.model = ScriptedChatModel(
        [
            summary("Ava plans a hike in the Alps.", "hiking"),
            summary("Ava plans an Alps hike in July with her sister.", "hiking", "family"),
        ]
    )
    first = memory.create_session_summary("trip", AVA, HIKE)
    assert (first.summary, first.topics, first.runs) == (
        "Ava plans a hike in the Alps.",
        ["hiking"],
        1,
    )
    assert (first.session_id, first.user_id) == ("trip", AVA)
    assert first.last_updated == first.updated_at == first.created_at
    assert first.last_updated is not None
    assert first.last_updated.tzinfo is not None

    second = memory.create_session_summary("trip", AVA, MONTH)
    assert second.summary == "Ava plans an Alps hike in July with her sister."
    assert second.runs == 2
    assert second.created_at == first.created_at
    assert memory.get_session_summary("trip", AVA) == second
    assert memory.get_session_summaries(AVA) == [second]

    assert memory.delete_session_summary(AVA, "trip") is True
    assert memory.delete_session_summary(AVA, "trip") is False
    assert memory.get_session_summary("trip", AVA) is None
    history = memory.get_session_summary_history("trip", AVA)
    assert [(e.action, e.old_summary, e.new_summary) for e in history] == [
        ("created", None, first.summary),
        ("updated", first.summary, second.summary),
        ("deleted", second.summary, None),
    ]
    assert history[1].new_topics == ["hiking", "family"]
    assert {e.source for e in history} == {"api"}


@pytest.mark.one_backend
def test_the_model_sees_the_previous_summary_and_the_new_messages_only(memory: Memory) -> None:
    model = ScriptedChatModel([summary("Alps hike."), summary("Alps hike in July.")])
    memory.model = model
    memory.create_session_summary("trip", AVA, HIKE)
    memory.create_session_summary("trip", AVA, MONTH)
    first, second = (call.messages[-1].text for call in model.calls)
    assert "previous_summary" not in first
    assert "I'm planning a hike in the Alps" in first
    assert "<previous_summary>\nAlps hike.\n</previous_summary>" in second
    assert "In July, with my sister" in second
    assert "hike in the Alps" not in second  # earlier messages are in the summary, not resent
    assert model.calls[0].tools == ["SessionSummaryResponse"]


def test_summaries_belong_to_one_user_and_one_session(memory: Memory) -> None:
    memory.model = ScriptedChatModel(
        [summary("Ava's trip."), summary("Ava's taxes."), summary("Bob's trip.")]
    )
    memory.create_session_summary("trip", AVA, HIKE)
    memory.create_session_summary("taxes", AVA, [("user", "Help me with my taxes")])
    memory.create_session_summary("rome", BOB, [("user", "I'm going to Rome")])
    assert {s.session_id: s.summary for s in memory.get_session_summaries(AVA)} == {
        "trip": "Ava's trip.",
        "taxes": "Ava's taxes.",
    }
    assert [s.summary for s in memory.get_session_summaries(BOB)] == ["Bob's trip."]
    assert memory.get_session_summary("rome", AVA) is None
    assert memory.get_session_summary("taxes", BOB) is None
    assert memory.delete_session_summary(BOB, "taxes") is False
    assert memory.get_session_summary("taxes", AVA) is not None
    assert memory.get_session_summary_history("taxes", BOB) == []
    assert memory.get_session_summaries("carol") == []


def test_summaries_are_listed_most_recently_updated_first(memory: Memory) -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for n, session in enumerate(["a", "b", "c"]):
        summary = SessionSummary(summary=f"session {session}", runs=1)
        at = start + timedelta(minutes=n)
        memory.db.write_summary(AVA, SummaryWrite(session, summary, WriteContext(at=at)))
    later = SessionSummary(summary="session a, later", runs=2)
    at = start + timedelta(hours=1)
    memory.db.write_summary(AVA, SummaryWrite("a", later, WriteContext(at=at)))
    assert [s.session_id for s in memory.get_session_summaries(AVA)] == ["a", "c", "b"]


def test_a_summary_of_fewer_runs_does_not_replace_a_newer_one(memory: Memory) -> None:
    """Two runs of one thread racing: the one that read an older state loses."""
    memory.model = ScriptedChatModel([summary("Up to run 5."), summary("Up to run 3.")])
    memory.create_session_summary("trip", AVA, HIKE, runs=5)
    kept = memory.create_session_summary("trip", AVA, MONTH, runs=3)
    assert kept.summary == "Up to run 5."
    assert kept.runs == 5
    assert [e.action for e in memory.get_session_summary_history("trip", AVA)] == ["created"]


@pytest.mark.one_backend
@pytest.mark.parametrize(
    "reply",
    [
        RuntimeError("provider down"),
        AIMessage("Here is a summary: ..."),  # prose instead of the structured answer
        summary("x" * (MAX_SUMMARY_CHARS + 1)),
        summary("   "),
    ],
    ids=["error", "prose", "too_long", "blank"],
)
def test_a_failing_summary_model_changes_nothing(memory: Memory, reply: object) -> None:
    memory.model = ScriptedChatModel([summary("Alps hike."), reply])  # type: ignore[list-item]
    before = memory.create_session_summary("trip", AVA, HIKE)
    with pytest.raises(MemoryModelError):
        memory.create_session_summary("trip", AVA, MONTH)
    assert memory.get_session_summary("trip", AVA) == before
    assert len(memory.get_session_summary_history("trip", AVA)) == 1


@pytest.mark.one_backend
@pytest.mark.parametrize(
    ("session_id", "user_id", "messages"),
    [
        ("", AVA, HIKE),
        ("trip\x00", AVA, HIKE),
        ("x" * 257, AVA, HIKE),
        (42, AVA, HIKE),
        ("trip", "", HIKE),
        ("trip", AVA, []),
        ("trip", AVA, [("assistant", "Only the assistant spoke")]),
        ("trip", AVA, [("wizard", "?")]),
    ],
)
def test_bad_input_is_refused_before_the_model_is_called(
    memory: Memory, session_id: object, user_id: str, messages: list[tuple[str, str]]
) -> None:
    model = ScriptedChatModel([])
    memory.model = model
    with pytest.raises(InvalidInputError):
        memory.create_session_summary(session_id, user_id, messages)  # type: ignore[arg-type]
    assert model.calls == []
    with pytest.raises(InvalidInputError):
        memory.create_session_summary("trip", AVA, HIKE, runs=-1)
    assert memory.user_threads(AVA) == []  # refused input claims no session


@pytest.mark.one_backend
def test_without_a_model_the_error_names_the_fix(memory: Memory) -> None:
    with pytest.raises(ModelConfigError, match="Memory\\(model="):
        memory.create_session_summary("trip", AVA, HIKE)


@pytest.mark.one_backend
def test_the_summarizer_has_its_own_model_and_instructions(memory: Memory) -> None:
    own = ScriptedChatModel([summary("Alps hike.")])
    memory.model = ScriptedChatModel([])
    memory.summarizer = SessionSummarizer(model=own, additional_instructions="Write in French.")
    memory.create_session_summary(
        "trip", AVA, [HumanMessage("I'm planning a hike"), AIMessage("Where?")]
    )
    assert own.calls[0].messages[0].text.endswith("Write in French.")


async def test_the_async_twins(memory: Memory) -> None:
    memory.model = ScriptedChatModel([summary("Alps hike.")])
    created = await memory.acreate_session_summary("trip", AVA, HIKE)
    assert await memory.aget_session_summary("trip", AVA) == created
    assert await memory.aget_session_summaries(AVA) == [created]
    assert await memory.adelete_session_summary(AVA, "trip") is True
    assert [e.action for e in await memory.aget_session_summary_history("trip", AVA)] == [
        "created",
        "deleted",
    ]


# -- whose session: the user of its first run or summary ---------------------------------


def test_a_summary_claims_a_new_session_for_its_user(memory: Memory) -> None:
    memory.model = ScriptedChatModel([summary("Bob goes to Rome.")])
    memory.create_session_summary("rome", BOB, [("user", "I'm going to Rome")])
    assert memory.user_threads(BOB) == ["rome"]
    with pytest.raises(ThreadOwnershipError):
        memory.claim_thread(AVA, "rome")


@pytest.mark.parametrize("claimed_by", ["run", "summary"])
def test_a_summary_of_another_users_session_is_refused_before_any_model_call(
    memory: Memory, claimed_by: str
) -> None:
    memory.model = ScriptedChatModel([summary("Ava plans a hike in the Alps.")])
    if claimed_by == "run":
        memory.claim_thread(AVA, "trip")
    else:
        memory.create_session_summary("trip", AVA, HIKE)
    avas = memory.get_session_summary("trip", AVA)
    model = ScriptedChatModel([summary("Bob's summary of Ava's session.")])
    memory.model = model
    with pytest.raises(ThreadOwnershipError):
        memory.create_session_summary("trip", BOB, MONTH)
    assert model.calls == []
    assert memory.get_session_summary("trip", AVA) == avas
    assert len(memory.get_session_summary_history("trip", AVA)) == (claimed_by == "summary")
    assert memory.get_session_summaries(BOB) == []
    assert memory.user_threads(BOB) == []
    assert memory.user_threads(AVA) == ["trip"]


async def test_an_async_summary_of_another_users_session_is_refused(memory: Memory) -> None:
    await memory.aclaim_thread(AVA, "trip")
    model = ScriptedChatModel([summary("Bob's summary of Ava's session.")])
    memory.model = model
    with pytest.raises(ThreadOwnershipError):
        await memory.acreate_session_summary("trip", BOB, MONTH)
    assert model.calls == []
    assert await memory.aget_session_summaries(BOB) == []
    assert await memory.auser_threads(BOB) == []


def test_another_user_reads_and_deletes_only_their_own_summary_of_a_session(
    memory: Memory,
) -> None:
    """Summaries are stored per user: these need no owner check, and claim nothing."""
    memory.model = ScriptedChatModel([summary("Ava plans a hike in the Alps.")])
    avas = memory.create_session_summary("trip", AVA, HIKE)
    assert memory.get_session_summary("trip", BOB) is None
    assert memory.get_session_summary_history("trip", BOB) == []
    assert memory.delete_session_summary(BOB, "trip") is False
    assert memory.get_session_summary("trip", AVA) == avas
    assert [e.action for e in memory.get_session_summary_history("trip", AVA)] == ["created"]
    assert memory.user_threads(BOB) == []


# -- the agent: enable_session_summaries ------------------------------------------------


def ask(agent: Any, text: str, user_id: str, thread: str) -> str:
    state = agent.invoke(
        {"messages": [{"role": "user", "content": text}]},
        {"configurable": {"thread_id": thread}},
        context={"user_id": user_id},
    )
    return str(state["messages"][-1].text)


def summary_calls(model: ScriptedChatModel) -> list[str]:
    """What each summary call was asked (its last message)."""
    return [c.messages[-1].text for c in model.calls if c.tools == ["SessionSummaryResponse"]]


def answer_prompts(model: ScriptedChatModel) -> list[str]:
    """The system prompt of each call that answered the user."""
    return [c.messages[0].text for c in model.calls if c.tools != ["SessionSummaryResponse"]]


def test_the_agent_keeps_the_summary_and_shows_it_once_runs_left_the_window(
    new_memory: MemoryFactory,
) -> None:
    model = ScriptedChatModel(
        [
            "Which month?",
            summary("Ava plans an Alps hike.", "hiking"),
            "July is a good month.",
            summary("Ava plans an Alps hike in July.", "hiking"),
            "Pack for rain.",
            summary("Ava plans an Alps hike in July; packing for rain.", "hiking"),
        ]
    )
    memory = new_memory()
    agent = create_memory_agent(
        model=model, memory=memory, num_history_runs=1, enable_session_summaries=True
    )
    ask(agent, "I'm planning a hike in the Alps", AVA, "trip")
    ask(agent, "In July", AVA, "trip")
    ask(agent, "What should I pack?", AVA, "trip")
    assert model.remaining == 0

    first, second, third = answer_prompts(model)
    assert "session_summary" not in first
    assert "session_summary" not in second  # run 1 is still in the window
    assert "<session_summary>\nAva plans an Alps hike in July.\n</session_summary>" in third

    asked = summary_calls(model)
    assert "I'm planning a hike in the Alps" in asked[0]
    assert "Which month?" in asked[0]  # the answer is summarised too
    assert "previous_summary" not in asked[0]
    assert "Ava plans an Alps hike.\n</previous_summary>" in asked[1]
    assert "In July" in asked[1]
    assert "hike in the Alps" not in asked[1]  # only the runs since the last summary
    kept = memory.get_session_summary("trip", AVA)
    assert kept is not None
    assert kept.summary == "Ava plans an Alps hike in July; packing for rain."
    assert kept.runs == 3
    assert {e.source for e in memory.get_session_summary_history("trip", AVA)} == {"agent"}


def test_a_summary_is_never_shown_in_another_users_or_another_sessions_runs(
    new_memory: MemoryFactory,
) -> None:
    replies: list[Any] = []
    for who in ("ava-trip", "ava-taxes", "bob-trip"):
        replies += ["ok", summary(f"SUMMARY {who} 1"), "ok", summary(f"SUMMARY {who} 2")]
    model = ScriptedChatModel(replies)
    memory = new_memory()
    agent = create_memory_agent(
        model=model, memory=memory, add_history_to_messages=False, enable_session_summaries=True
    )
    for user, thread in ((AVA, "ava-trip"), (AVA, "ava-taxes"), (BOB, "bob-trip")):
        ask(agent, "first", user, thread)
        ask(agent, "second", user, thread)
    prompts = answer_prompts(model)
    assert "SUMMARY" not in prompts[0] + prompts[2] + prompts[4]  # first runs: nothing left
    assert "SUMMARY ava-trip 1" in prompts[1]
    assert "SUMMARY ava-taxes 1" in prompts[3]
    assert "SUMMARY bob-trip 1" in prompts[5]
    for n, own in ((1, "ava-trip"), (3, "ava-taxes"), (5, "bob-trip")):
        assert prompts[n].count("SUMMARY") == 1, f"run {n} saw {own}'s summary only"
    assert {s.session_id for s in memory.get_session_summaries(AVA)} == {"ava-trip", "ava-taxes"}
    assert [s.session_id for s in memory.get_session_summaries(BOB)] == ["bob-trip"]


def test_a_failing_summary_model_never_fails_the_run_and_the_next_run_catches_up(
    new_memory: MemoryFactory, caplog: pytest.LogCaptureFixture
) -> None:
    model = ScriptedChatModel(
        [
            "Which month?",
            RuntimeError("summary provider down"),
            "July is a good month.",
            summary("Ava plans an Alps hike in July."),
        ]
    )
    memory = new_memory()
    agent = create_memory_agent(
        model=model, memory=memory, add_history_to_messages=False, enable_session_summaries=True
    )
    events: list[dict[str, Any]] = []
    with caplog.at_level(logging.WARNING, logger="graphs"):
        for chunk in agent.stream(
            {"messages": [{"role": "user", "content": "I'm planning a hike in the Alps"}]},
            {"configurable": {"thread_id": "trip"}},
            context={"user_id": AVA},
            stream_mode="custom",
        ):
            events.append(chunk)
    assert [e["status"] for e in events if e["type"] == "session_summary"] == [
        "started",
        "failed",
    ]
    assert "summary provider down" in caplog.text
    assert memory.get_session_summary("trip", AVA) is None

    assert ask(agent, "In July", AVA, "trip") == "July is a good month."
    # Run 1 left the window (and went to the archive) while it was not summarised.
    caught_up = summary_calls(model)[-1]
    assert "I'm planning a hike in the Alps" in caught_up
    assert "In July" in caught_up
    kept = memory.get_session_summary("trip", AVA)
    assert kept is not None
    assert kept.runs == 2


def test_after_a_long_outage_only_the_latest_runs_are_summarised(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(history, "MAX_SUMMARY_RUNS", 2)
    replies: list[Any] = []
    for n in range(3):
        replies += [f"answer {n}", RuntimeError("down")]
    replies += ["answer 3", summary("Runs 2 and 3.")]
    model = ScriptedChatModel(replies)
    memory = Memory()
    agent = create_memory_agent(model=model, memory=memory, enable_session_summaries=True)
    for n in range(4):
        ask(agent, f"question {n}", AVA, "long")
    asked = summary_calls(model)[-1]
    assert "question 2" in asked
    assert "question 3" in asked
    assert "question 1" not in asked
    kept = memory.get_session_summary("long", AVA)
    assert kept is not None
    assert kept.runs == 4


def test_summaries_are_off_unless_enabled() -> None:
    model = ScriptedChatModel(["one", "two"])  # a summary call would exhaust the script
    memory = Memory()
    agent = create_memory_agent(model=model, memory=memory, add_history_to_messages=False)
    ask(agent, "first", AVA, "t")
    ask(agent, "second", AVA, "t")
    assert memory.get_session_summaries(AVA) == []


async def test_the_async_agent_keeps_summaries_too(new_memory: MemoryFactory) -> None:
    model = ScriptedChatModel(["Which month?", summary("Ava plans an Alps hike.")])
    memory = new_memory()
    agent = create_memory_agent(model=model, memory=memory, enable_session_summaries=True)
    await agent.ainvoke(
        {"messages": [{"role": "user", "content": "I'm planning a hike in the Alps"}]},
        {"configurable": {"thread_id": "trip"}},
        context={"user_id": AVA},
    )
    kept = await memory.aget_session_summary("trip", AVA)
    assert kept is not None
    assert kept.summary == "Ava plans an Alps hike."


def test_middleware_in_an_apps_agent_keeps_summaries(new_memory: MemoryFactory) -> None:
    model = ScriptedChatModel(["Which month?", summary("Ava plans an Alps hike.")])
    memory = new_memory()
    agent = create_agent(
        model,
        middleware=[MemoryMiddleware(memory, extract=False, session_summaries=True)],
        checkpointer=InMemorySaver(),
    )
    ask(agent, "I'm planning a hike in the Alps", AVA, "trip")
    kept = memory.get_session_summary("trip", AVA)
    assert kept is not None
    assert kept.runs == 1


def test_on_the_runs_store_summaries_live_beside_the_memories() -> None:
    """As under LangGraph Server: `StoreMemory()` keeps summaries in the run's store."""
    model = ScriptedChatModel(["Which month?", summary("Ava plans an Alps hike.")])
    store = InMemoryStore()
    agent = create_memory_agent(
        model,
        memory=StoreMemory(),
        enable_session_summaries=True,
        checkpointer=InMemorySaver(),
        store=store,
    )
    ask(agent, "I'm planning a hike in the Alps", AVA, "trip")
    kept = Memory(db=StoreMemoryDb(store)).get_session_summary("trip", AVA)
    assert kept is not None
    assert kept.summary == "Ava plans an Alps hike."
