"""The deferred-extraction worker's lifecycle: owned by its Memory, never left holding a lock."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from langchain_core.messages import AIMessage, BaseMessage

from graphs import aflush_memories, create_memory_agent, flush_memories
from memory import Memory, SqliteMemoryDb
from memory.testing import ScriptedChatModel, remember_user_lines

GUARD_S = 60.0
"""A regression must fail the test, not hang it."""


def finishes(action: Callable[[], object]) -> bool:
    """Whether `action` returns within `GUARD_S` (run in a thread, so a hang is seen)."""
    thread = threading.Thread(target=action, daemon=True)
    thread.start()
    thread.join(GUARD_S)
    return not thread.is_alive()


def held_learner(started: threading.Event, go: threading.Event) -> ScriptedChatModel:
    """A memory model whose first call waits for `go`, once it says it `started`."""

    def wait_then_remember(messages: list[BaseMessage]) -> AIMessage:
        started.set()
        go.wait(GUARD_S)
        return remember_user_lines(messages)

    return ScriptedChatModel([wait_then_remember, remember_user_lines, remember_user_lines])


def stored(memory: Memory, user_id: str) -> list[str]:
    return sorted(m.memory for m in memory.get_user_memories(user_id))


def test_a_flush_cancelled_while_a_batch_runs_leaves_nothing_held(tmp_path: Path) -> None:
    started, go = threading.Event(), threading.Event()
    memory = Memory(SqliteMemoryDb(db_file=tmp_path / "m.db"), model=held_learner(started, go))
    memory.add_pending_messages("ava", "t1", [("a", "I live in Oslo.")])
    memory.extraction_worker().schedule("ava", "t1", 0.0, None)
    assert started.wait(GUARD_S)  # the background batch holds the worker now

    async def cancel_a_waiting_flush() -> None:
        flushing = asyncio.create_task(aflush_memories(memory))
        await asyncio.sleep(0.2)  # it waits for the batch
        flushing.cancel()
        with pytest.raises(asyncio.CancelledError):
            await flushing

    asyncio.run(cancel_a_waiting_flush())
    go.set()
    memory.add_pending_messages("ava", "t2", [("b", "I ski.")])
    assert finishes(lambda: flush_memories(memory))
    assert stored(memory, "ava") == ["The user said: I live in Oslo.", "The user said: I ski."]
    assert finishes(memory.close)


def test_a_flush_cancelled_in_its_own_batch_leaves_the_messages_pending(tmp_path: Path) -> None:
    started, go = threading.Event(), threading.Event()
    memory = Memory(SqliteMemoryDb(db_file=tmp_path / "m.db"), model=held_learner(started, go))
    memory.add_pending_messages("ava", "t1", [("a", "I live in Oslo.")])

    async def cancel_a_learning_flush() -> None:
        flushing = asyncio.create_task(aflush_memories(memory))
        assert await asyncio.to_thread(started.wait, GUARD_S)
        flushing.cancel()
        with pytest.raises(asyncio.CancelledError):
            await flushing
        # Release the held model call only now that the flush is cancelled, and before
        # asyncio.run returns: it waits for the executor thread that makes that call.
        go.set()

    asyncio.run(cancel_a_learning_flush())
    assert finishes(lambda: flush_memories(memory))
    assert stored(memory, "ava") == ["The user said: I live in Oslo."]
    assert memory.pending_threads() == []
    assert finishes(memory.close)


def test_a_flush_never_lends_one_users_model_to_another() -> None:
    """bob's messages, left pending by another process, are not learned with the model
    ava's run lent: bob's run lent none, and the Memory has none."""
    ava_model = ScriptedChatModel(["Hi Ava.", remember_user_lines, remember_user_lines])
    memory = Memory()
    agent = create_memory_agent(
        ava_model,
        memory=memory,
        enable_user_memories=True,
        memory_extraction="deferred",
        extraction_delay_s=3600,
    )
    agent.invoke(
        {"messages": [{"role": "user", "content": "I am Ava."}]},
        {"configurable": {"thread_id": "ava-thread"}},
        context={"user_id": "ava"},
    )
    memory.add_pending_messages("bob", "bob-thread", [("b", "My PIN hint is 42.")])
    result = flush_memories(memory)
    assert [(p.user_id, p.thread_id) for p in result.pending] == [("bob", "bob-thread")]
    assert stored(memory, "ava") == ["The user said: I am Ava."]
    assert stored(memory, "bob") == []
    assert all("PIN" not in call.messages[-1].text for call in ava_model.calls)
    lender = ScriptedChatModel([remember_user_lines])
    assert flush_memories(memory, model=lender).pending == []  # a model given for the flush
    assert stored(memory, "bob") == ["The user said: My PIN hint is 42."]
    memory.close()


def test_a_handle_closes_nothing_it_shares_and_its_worker_closes_with_the_memory(
    tmp_path: Path,
) -> None:
    memory = Memory(SqliteMemoryDb(db_file=tmp_path / "m.db"))
    planner = memory.for_agent("planner")
    worker = planner.extraction_worker()
    assert planner.extraction_worker() is worker
    assert memory.extraction_worker() is not worker  # one worker per agent scope
    planner.close()
    memory.add_user_memory("The user likes tea", "ava")
    planner.add_user_memory("The user plans a trip", "ava")
    assert stored(memory, "ava") == ["The user likes tea"]
    memory.close()
    worker.schedule("ava", "t1", 0.0, None)
    assert worker.scheduled == {}  # closed with the memory: it schedules nothing
