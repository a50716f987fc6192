"""The deferred-extraction worker: owned by its Memory, never left holding a lock, and what it
asks of its Learner."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from langchain_core.messages import AIMessage, BaseMessage

from graphs import aflush_memories, create_memory_agent, flush_memories
from memory import Memory, SqliteMemoryDb
from memory.chat_models import ModelSpec
from memory.extraction import ExtractionWorker
from memory.manager import MemoryUpdateResult
from memory.schema import PendingThread
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


# -- the worker over a fake Learner: what it calls, and when ---------------------------


class FakeLearner:
    """A `Learner` without a Memory: pending threads in a dict, and a log of each learn."""

    def __init__(self, *threads: tuple[str, str], failing: frozenset[str] = frozenset()) -> None:
        self.model: ModelSpec | None = None
        self.pending = dict.fromkeys(threads, 1)
        self.failing = failing
        """Thread ids whose learning raises, as a failing memory model would."""
        self.learned: list[tuple[str, str, ModelSpec | None, str]] = []
        """(user, thread, model, which twin) of each call, in order."""

    def _pending_threads(self) -> list[PendingThread]:
        at = datetime(2026, 1, 1, tzinfo=UTC)
        return [PendingThread(u, t, n, at, None) for (u, t), n in self.pending.items()]

    def pending_threads(self) -> list[PendingThread]:
        return self._pending_threads()

    async def apending_threads(self) -> list[PendingThread]:
        return self._pending_threads()

    def _learn(
        self, user_id: str, thread_id: str, model: ModelSpec | None, twin: str
    ) -> list[MemoryUpdateResult]:
        self.learned.append((user_id, thread_id, model, twin))
        if thread_id in self.failing:
            raise RuntimeError("provider down")
        self.pending.pop((user_id, thread_id), None)
        return [MemoryUpdateResult(model_calls=1, input_tokens=10, output_tokens=2)]

    def learn_pending(
        self, user_id: str, thread_id: str, *, model: ModelSpec | None = None
    ) -> list[MemoryUpdateResult]:
        return self._learn(user_id, thread_id, model, "sync")

    async def alearn_pending(
        self, user_id: str, thread_id: str, *, model: ModelSpec | None = None
    ) -> list[MemoryUpdateResult]:
        return self._learn(user_id, thread_id, model, "async")


class Clock:
    now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize("awaited", [False, True])
def test_a_flush_learns_each_pending_thread_once_and_a_failure_leaves_it_pending(
    awaited: bool, caplog: pytest.LogCaptureFixture
) -> None:
    learner = FakeLearner(("ava", "t1"), ("bob", "t2"), ("ava", "t3"), failing=frozenset({"t2"}))
    worker = ExtractionWorker(learner, background=False)
    result = asyncio.run(worker.aflush()) if awaited else worker.flush()
    twin = "async" if awaited else "sync"
    assert learner.learned == [
        ("ava", "t1", None, twin),
        ("bob", "t2", None, twin),
        ("ava", "t3", None, twin),
    ]
    assert [(p.user_id, p.thread_id) for p in result.pending] == [("bob", "t2")]
    assert (len(result.results), result.input_tokens, result.output_tokens) == (2, 20, 4)
    failures = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(failures) == 1
    assert "'t2'" in failures[0]
    assert "stays pending" in failures[0]


def test_run_due_learns_what_is_due_and_retries_a_failure_after_a_growing_back_off(
    caplog: pytest.LogCaptureFixture,
) -> None:
    learner = FakeLearner(("ava", "t1"), ("bob", "t2"), failing=frozenset({"t2"}))
    clock = Clock()
    worker = ExtractionWorker(learner, clock=clock, background=False, retry_base_s=1.0)
    worker.schedule("ava", "t1", 10.0, None)
    worker.schedule("bob", "t2", 5.0, None)
    assert worker.run_due() == 0  # nothing is due before its quiet delay
    clock.now = 10.0
    assert worker.run_due() == 2
    assert [(u, t) for u, t, _, _ in learner.learned] == [("bob", "t2"), ("ava", "t1")]
    assert worker.scheduled == {("bob", "t2"): 11.0}  # retried after 1 s
    clock.now = 10.5
    assert worker.run_due() == 0
    clock.now = 11.0
    assert worker.run_due() == 1
    assert worker.scheduled == {("bob", "t2"): 13.0}  # then after 2 s
    assert len([r for r in caplog.records if "is retried" in r.getMessage()]) == 2
    learner.failing = frozenset()
    clock.now = 13.0
    assert worker.run_due() == 1
    assert worker.scheduled == {}
    assert learner.pending == {}


def test_a_thread_is_learned_with_its_users_lent_model_unless_the_memory_has_its_own() -> None:
    ava_model = ScriptedChatModel([])
    learner = FakeLearner(("ava", "t1"), ("bob", "t2"), ("ava", "t3"))
    worker = ExtractionWorker(learner, background=False)
    worker.schedule("ava", "t1", 0.0, ava_model)
    worker.schedule("bob", "t2", 0.0, None)
    assert worker.run_due() == 2
    worker.flush()  # t3 was never scheduled: ava's latest lent model, never bob's
    assert [(t, m) for _, t, m, _ in learner.learned] == [
        ("t1", ava_model),
        ("t2", None),
        ("t3", ava_model),
    ]
    own = FakeLearner(("ava", "t1"))
    own.model = "its own model"
    owned = ExtractionWorker(own, background=False)
    owned.schedule("ava", "t1", 0.0, ava_model)
    assert owned.run_due() == 1
    assert own.learned == [("ava", "t1", None, "sync")]  # None: learn with the Memory's


def test_a_closed_worker_schedules_and_learns_nothing() -> None:
    learner = FakeLearner(("ava", "t1"))
    worker = ExtractionWorker(learner, clock=Clock(), background=False)
    worker.schedule("ava", "t1", 0.0, None)
    worker.close()
    assert worker.run_due() == 0
    worker.schedule("ava", "t2", 0.0, None)
    assert worker.scheduled == {("ava", "t1"): 0.0}
    assert learner.learned == []
