"""Pending messages of deferred extraction, on every backend: kept, claimed, learned from once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from langchain_core.messages import AIMessage, BaseMessage

from graphs import flush_memories
from memory import InvalidInputError, Memory, MemoryDb, MemoryModelError
from memory.db import ClaimRequest
from memory.errors import PendingClaimLostError
from memory.memory import CLAIM_TIMEOUT
from memory.schema import AddMemory, PendingClaim, UserMemory, WriteContext
from memory.testing import ScriptedChatModel, remember_user_lines, tool_call

AVA, BOB = "ava", "bob"
T0 = datetime(2025, 5, 1, 12, 0, tzinfo=UTC)
LATER = T0 + CLAIM_TIMEOUT + timedelta(seconds=1)
BURST = [
    ("m1", "I moved to Oslo."),
    ("m2", "With my partner."),
    ("m3", "We start new jobs in May."),
]
LEARNED = [f"The user said: {text}" for _, text in BURST]


def texts(memory: Memory, user: str = AVA) -> list[str]:
    return [m.memory for m in memory.get_user_memories(user)]


def test_pending_messages_are_kept_once_per_thread_and_user(memory: Memory) -> None:
    assert memory.add_pending_messages(AVA, "t1", BURST[:2], at=T0) == 2
    assert memory.add_pending_messages(AVA, "t1", [BURST[1], ("m4", "  "), BURST[2]], at=T0) == 1
    assert memory.add_pending_messages(AVA, "t2", [("m1", "Other thread")], at=T0) == 1
    assert memory.add_pending_messages(BOB, "t1", [("m1", "Bob's")], at=T0) == 1

    threads = {(t.user_id, t.thread_id): t for t in memory.pending_threads()}
    assert {key: t.messages for key, t in threads.items()} == {
        (AVA, "t1"): 3,
        (AVA, "t2"): 1,
        (BOB, "t1"): 1,
    }
    assert threads[AVA, "t1"].last_at == T0
    assert threads[AVA, "t1"].claimed_until is None
    assert [(t.user_id, t.thread_id) for t in memory.pending_threads(BOB)] == [(BOB, "t1")]


def test_a_claim_takes_the_oldest_and_keeps_other_workers_off_the_thread(
    memory_db: MemoryDb,
) -> None:
    memory = Memory(db=memory_db)
    memory.add_pending_messages(AVA, "t1", BURST[:2], at=T0)
    memory.add_pending_messages(AVA, "t1", BURST[2:], at=T0 + timedelta(seconds=1))
    until = T0 + timedelta(minutes=1)

    first = memory_db.claim_pending(AVA, ClaimRequest("t1", "a", T0, until, 2))
    assert [m.text for m in first] == ["I moved to Oslo.", "With my partner."]
    other = ClaimRequest("t1", "b", T0, until, 10)
    assert memory_db.claim_pending(AVA, other) == []  # a's claim is live
    assert memory_db.claim_pending(BOB, other) == []  # nothing of Bob's
    [thread] = memory.pending_threads(AVA)
    assert thread.claimed_until == until

    after = until + timedelta(seconds=1)
    taken = memory_db.claim_pending(AVA, ClaimRequest("t1", "b", after, LATER, 10))
    assert [m.message_id for m in taken] == ["m1", "m2", "m3"]  # a's claim ran out
    memory_db.release_pending(AVA, "t1", "b")
    again = memory_db.claim_pending(AVA, ClaimRequest("t1", "c", T0, until, 10))
    assert [m.message_id for m in again] == ["m1", "m2", "m3"]


def test_a_batch_settles_its_claim_with_its_changes_or_applies_nothing(
    memory_db: MemoryDb,
) -> None:
    memory = Memory(db=memory_db)
    memory.add_pending_messages(AVA, "t1", BURST, at=T0)
    memory_db.claim_pending(AVA, ClaimRequest("t1", "a", T0, LATER, 2))
    add = [AddMemory(UserMemory(memory="The user lives in Oslo"))]

    stolen = PendingClaim("t1", "b", ("m1",))
    with pytest.raises(PendingClaimLostError):
        memory.apply_user_memory_ops(AVA, add, WriteContext(settles=stolen))
    beyond = PendingClaim("t1", "a", ("m1", "m3"))  # m3 was never claimed by a
    with pytest.raises(PendingClaimLostError):
        memory.apply_user_memory_ops(AVA, add, WriteContext(settles=beyond))
    assert texts(memory) == []

    memory.apply_user_memory_ops(AVA, add, WriteContext(settles=PendingClaim("t1", "a", ("m1",))))
    assert texts(memory) == ["The user lives in Oslo"]
    memory.apply_user_memory_ops(AVA, [], WriteContext(settles=PendingClaim("t1", "a", ("m2",))))
    [thread] = memory.pending_threads(AVA)
    assert thread.messages == 1
    settled = PendingClaim("t1", "a", ("m1",))
    with pytest.raises(PendingClaimLostError):
        memory.apply_user_memory_ops(AVA, [], WriteContext(settles=settled))


def test_one_model_call_learns_from_every_pending_message_of_the_thread(memory: Memory) -> None:
    memory.add_user_memory("The user likes tea", AVA)
    memory.add_user_memory("The user is called Bob", BOB)
    memory.add_pending_messages(AVA, "t1", BURST, at=T0)
    memory.add_pending_messages(AVA, "t2", [("x", "Another chat")], at=T0)
    model = ScriptedChatModel([remember_user_lines])

    [result] = memory.learn_pending(AVA, "t1", model=model)

    [call] = model.calls
    prompt = "\n".join(m.text for m in call.messages)
    assert all(text in prompt for _, text in BURST)
    assert "Another chat" not in prompt
    assert "Bob" not in prompt
    assert "The user likes tea" in prompt
    assert [e.new_memory for e in result.events] == LEARNED
    assert texts(memory) == ["The user likes tea", *LEARNED]
    assert [t.thread_id for t in memory.pending_threads(AVA)] == ["t2"]
    assert memory.learn_pending(AVA, "t1", model=model) == []  # nothing left: no call
    assert len(model.calls) == 1


async def test_a_failing_memory_model_leaves_the_messages_pending_and_unclaimed(
    memory: Memory,
) -> None:
    await memory.aadd_pending_messages(AVA, "t1", BURST, at=T0)
    model = ScriptedChatModel([RuntimeError("provider down"), remember_user_lines])

    with pytest.raises(MemoryModelError, match="provider down"):
        await memory.alearn_pending(AVA, "t1", model=model)
    [thread] = await memory.apending_threads(AVA)
    assert (thread.messages, thread.claimed_until) == (3, None)

    [result] = await memory.alearn_pending(AVA, "t1", model=model)
    assert [e.new_memory for e in result.events] == LEARNED
    assert await memory.apending_threads() == []


def test_a_worker_whose_claim_ran_out_and_was_taken_applies_nothing(memory: Memory) -> None:
    """Worker A stalls in its model call past its claim; B takes the thread and learns.
    A's batch then fails as a whole: every message is learned from once."""
    memory.add_pending_messages(AVA, "t1", BURST, at=T0)
    second = ScriptedChatModel([remember_user_lines])

    def stall_then_answer(messages: list[BaseMessage]) -> AIMessage:
        [taken] = memory.learn_pending(AVA, "t1", model=second, now=LATER)
        assert len(taken.events) == 3
        return remember_user_lines(messages)

    first = ScriptedChatModel([stall_then_answer])
    assert memory.learn_pending(AVA, "t1", model=first, now=T0) == []
    assert texts(memory) == LEARNED
    assert memory.pending_threads() == []


def test_a_live_claim_keeps_a_second_worker_from_calling_its_model(memory: Memory) -> None:
    memory.add_pending_messages(AVA, "t1", BURST, at=T0)
    idle = ScriptedChatModel([])

    def meanwhile(messages: list[BaseMessage]) -> AIMessage:
        assert memory.learn_pending(AVA, "t1", model=idle, now=T0) == []
        return remember_user_lines(messages)

    memory.learn_pending(AVA, "t1", model=ScriptedChatModel([meanwhile]), now=T0)
    assert idle.calls == []
    assert texts(memory) == LEARNED


@pytest.mark.one_backend
def test_long_backlogs_are_learned_in_batches_the_manager_reads_whole(memory: Memory) -> None:
    long = "x" * 6_000
    memory.add_pending_messages(AVA, "t1", [(f"m{n}", f"{n} {long}") for n in range(5)], at=T0)
    model = ScriptedChatModel([tool_call("add_memory", memory="The user types x")] * 3)
    results = memory.learn_pending(AVA, "t1", model=model)
    assert len(results) == len(model.calls) == 3  # 2 + 2 + 1 messages of 6,000 characters
    assert memory.pending_threads() == []


def test_bad_pending_input_is_refused_and_odd_text_is_kept_storable(memory: Memory) -> None:
    with pytest.raises(InvalidInputError):
        memory.add_pending_messages(AVA, "t\x00", BURST)
    with pytest.raises(InvalidInputError):
        memory.add_pending_messages(AVA, "t1", [("", "text")])
    with pytest.raises(InvalidInputError):
        memory.add_pending_messages("", "t1", BURST)
    assert memory.pending_threads() == []
    assert memory.add_pending_messages(AVA, "t1", [("m1", "nul\x00 and \ud800 surrogate")]) == 1
    model = ScriptedChatModel([remember_user_lines])
    memory.learn_pending(AVA, "t1", model=model)
    assert texts(memory) == ["The user said: nul and ? surrogate"]


def test_sync_and_async_twins_agree(memory: Memory) -> None:
    async def both() -> None:
        await memory.aadd_pending_messages(AVA, "t1", BURST[:1], at=T0)
        assert [t.messages for t in await memory.apending_threads(AVA)] == [1]

    asyncio.run(both())
    assert [t.messages for t in memory.pending_threads(AVA)] == [1]


def test_clearing_a_user_forgets_their_waiting_messages_and_what_is_learned_from_them(
    memory: Memory,
) -> None:
    memory.add_pending_messages(AVA, "t1", BURST, at=T0)
    memory.add_pending_messages(BOB, "t1", [("b", "Bob's fact")], at=T0)

    def forget_meanwhile(messages: list[BaseMessage]) -> AIMessage:
        memory.clear(AVA)  # while the memory model is learning from Ava's messages
        return remember_user_lines(messages)

    assert memory.learn_pending(AVA, "t1", model=ScriptedChatModel([forget_meanwhile])) == []
    assert texts(memory) == []
    assert [t.user_id for t in memory.pending_threads()] == [BOB]
    memory.clear()
    assert memory.pending_threads() == []


def test_an_agents_clear_leaves_the_common_scopes_pending_messages_to_be_learned(
    memory: Memory,
) -> None:
    planner = memory.for_agent("planner")
    memory.add_pending_messages(AVA, "t1", BURST[:1], at=T0)
    planner.add_pending_messages(AVA, "t1", BURST[1:2], at=T0)

    planner.clear(AVA)

    assert planner.pending_threads(AVA) == []
    assert [(t.thread_id, t.messages) for t in memory.pending_threads(AVA)] == [("t1", 1)]
    flushed = flush_memories(memory, model=ScriptedChatModel([remember_user_lines]))
    assert flushed.pending == []
    assert texts(memory) == LEARNED[:1]
    assert texts(planner) == []


def test_each_agent_scope_lists_and_learns_only_its_own_pending_messages(memory: Memory) -> None:
    planner, coach = memory.for_agent("planner"), memory.for_agent("coach")
    memory.add_pending_messages(AVA, "t1", BURST[:1], at=T0)
    planner.add_pending_messages(AVA, "t1", BURST[1:2], at=T0)
    coach.add_pending_messages(AVA, "t2", BURST[2:], at=T0)
    assert coach.add_pending_messages(AVA, "t1", BURST[:1], at=T0) == 1  # its own copy
    assert [(t.thread_id, t.messages) for t in planner.pending_threads()] == [("t1", 1)]
    assert sorted((t.thread_id, t.messages) for t in coach.pending_threads(AVA)) == [
        ("t1", 1),
        ("t2", 1),
    ]
    model = ScriptedChatModel([remember_user_lines])

    [result] = planner.learn_pending(AVA, "t1", model=model)

    prompt = "\n".join(m.text for m in model.calls[0].messages)
    assert BURST[1][1] in prompt
    assert BURST[0][1] not in prompt
    assert [e.new_memory for e in result.events] == LEARNED[1:2]
    assert texts(planner) == LEARNED[1:2]
    assert [t.thread_id for t in memory.pending_threads(AVA)] == ["t1"]
    flush_memories(coach, model=ScriptedChatModel([remember_user_lines] * 2))
    assert sorted(texts(coach)) == sorted([LEARNED[0], LEARNED[2]])
    assert texts(memory) == []
    flush_memories(memory, model=ScriptedChatModel([remember_user_lines]))
    assert texts(memory) == LEARNED[:1]
    assert texts(planner) == LEARNED[1:2]
    assert [memory.pending_threads(), planner.pending_threads(), coach.pending_threads()] == [
        [],
        [],
        [],
    ]


def test_erasing_a_user_removes_their_pending_messages_in_every_scope(memory: Memory) -> None:
    planner = memory.for_agent("planner")
    memory.add_pending_messages(AVA, "t1", BURST[:1], at=T0)
    planner.add_pending_messages(AVA, "t1", BURST[1:], at=T0)
    planner.add_pending_messages(BOB, "t2", BURST[:1], at=T0)

    erased = memory.erase_user(AVA)

    assert erased.pending_messages == 3
    assert memory.pending_threads() == []
    assert [(t.user_id, t.messages) for t in planner.pending_threads()] == [(BOB, 1)]
