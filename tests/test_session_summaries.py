"""Session summaries in the Memory API: stored per user and session on every backend."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from langchain_core.messages import AIMessage, HumanMessage

from memory import (
    InvalidInputError,
    Memory,
    MemoryModelError,
    ModelConfigError,
    SessionSummarizer,
    SessionSummary,
)
from memory.schema import MAX_SUMMARY_CHARS, WriteContext
from memory.testing import ScriptedChatModel, tool_call

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
    memory.create_session_summary("trip", BOB, [("user", "I'm going to Rome")])
    assert {s.session_id: s.summary for s in memory.get_session_summaries(AVA)} == {
        "trip": "Ava's trip.",
        "taxes": "Ava's taxes.",
    }
    assert [s.summary for s in memory.get_session_summaries(BOB)] == ["Bob's trip."]
    assert memory.get_session_summary("taxes", BOB) is None
    assert memory.delete_session_summary(BOB, "taxes") is False
    assert memory.get_session_summary("taxes", AVA) is not None
    assert memory.get_session_summary_history("taxes", BOB) == []
    assert memory.get_session_summaries("carol") == []


def test_summaries_are_listed_most_recently_updated_first(memory: Memory) -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for n, session in enumerate(["a", "b", "c"]):
        memory.db.write_summary(
            AVA,
            session,
            SessionSummary(summary=f"session {session}", runs=1),
            WriteContext(at=start + timedelta(minutes=n)),
        )
    memory.db.write_summary(
        AVA,
        "a",
        SessionSummary(summary="session a, later", runs=2),
        WriteContext(at=start + timedelta(hours=1)),
    )
    assert [s.session_id for s in memory.get_session_summaries(AVA)] == ["a", "c", "b"]


def test_a_summary_of_fewer_runs_does_not_replace_a_newer_one(memory: Memory) -> None:
    """Two runs of one thread racing: the one that read an older state loses."""
    memory.model = ScriptedChatModel([summary("Up to run 5."), summary("Up to run 3.")])
    memory.create_session_summary("trip", AVA, HIKE, runs=5)
    kept = memory.create_session_summary("trip", AVA, MONTH, runs=3)
    assert kept.summary == "Up to run 5."
    assert kept.runs == 5
    assert [e.action for e in memory.get_session_summary_history("trip", AVA)] == ["created"]


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


def test_without_a_model_the_error_names_the_fix(memory: Memory) -> None:
    with pytest.raises(ModelConfigError, match="Memory\\(model="):
        memory.create_session_summary("trip", AVA, HIKE)


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
