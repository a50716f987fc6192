"""Deferred extraction in an app's process: the run ends with the answer, and one memory-model
call learns from a thread's burst of messages once the thread goes quiet."""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from langchain.agents import create_agent
from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.store.memory import InMemoryStore

from graphs import (
    MemoryMiddleware,
    StoreMemory,
    aflush_memories,
    create_memory_agent,
    create_memory_extractor,
    flush_memories,
)
from graphs.deferred import ExtractorState, extractor_thread_id
from memory import Memory, SqliteMemoryDb
from memory.extraction import ExtractionWorker
from memory.testing import ScriptedChatModel, remember_user_lines

AVA = "ava"
BURST = ["I moved to Oslo.", "With my partner.", "We start new jobs in May."]
LEARNED = [f"The user said: {text}" for text in BURST]
DELAY = 30.0


class Clock:
    """Monotonic seconds that move only when a test says so."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


def said(text: str) -> dict[str, Any]:
    return {"messages": [{"role": "user", "content": text}]}


def config(thread: str = "t1") -> RunnableConfig:
    return {"configurable": {"thread_id": thread}}


def texts(memory: Memory) -> list[str]:
    return [m.memory for m in memory.get_user_memories(AVA)]


def deferred_agent(memory: Memory, answers: int, **options: Any) -> Any:
    return create_memory_agent(
        ScriptedChatModel(["Noted."] * answers),
        memory=memory,
        enable_user_memories=True,
        memory_extraction="deferred",
        extraction_delay_s=DELAY,
        **options,
    )


def manual_worker(memory: Memory, clock: Clock) -> ExtractionWorker:
    """The memory's worker, driven by the test's clock and `run_due` instead of a thread."""
    return memory.extraction_worker(clock=clock, background=False)


def prompt_of(model: ScriptedChatModel, call: int) -> str:
    return "\n".join(m.text for m in model.calls[call].messages)


@pytest.mark.parametrize("awaited", [False, True], ids=["invoke", "ainvoke"])
def test_a_burst_is_learned_by_one_call_after_the_thread_goes_quiet(
    clock: Clock, awaited: bool
) -> None:
    learner = ScriptedChatModel([remember_user_lines])
    memory = Memory(model=learner)
    worker = manual_worker(memory, clock)
    agent = deferred_agent(memory, answers=3)

    async def burst_awaited() -> None:
        for text in BURST:
            await agent.ainvoke(said(text), config(), context={"user_id": AVA})

    if awaited:
        asyncio.run(burst_awaited())
    else:
        for text in BURST:
            agent.invoke(said(text), config(), context={"user_id": AVA})

    assert learner.calls == []  # every run ended with its answer
    [pending] = memory.pending_threads(AVA)
    assert (pending.thread_id, pending.messages) == ("t1", 3)
    clock.now += DELAY - 1
    assert worker.run_due() == 0
    clock.now += 1
    assert worker.run_due() == 1
    assert len(learner.calls) == 1
    prompt = prompt_of(learner, 0)
    assert all(text in prompt for text in BURST)
    assert "Noted." not in prompt  # the user's own words only
    assert texts(memory) == LEARNED
    assert memory.pending_threads() == []
    assert worker.scheduled == {}


def test_a_new_message_restarts_the_delay_and_threads_wait_apart(clock: Clock) -> None:
    learner = ScriptedChatModel([remember_user_lines] * 2)
    memory = Memory(model=learner)
    worker = manual_worker(memory, clock)
    agent = deferred_agent(memory, answers=3)

    agent.invoke(said(BURST[0]), config("t1"), context={"user_id": AVA})
    clock.now += 20
    agent.invoke(said(BURST[1]), config("t1"), context={"user_id": AVA})
    agent.invoke(said("I have a cat."), config("t2"), context={"user_id": AVA})
    assert worker.scheduled == {(AVA, "t1"): clock.now + DELAY, (AVA, "t2"): clock.now + DELAY}
    clock.now += 15  # 35 s after the first message, 15 s after the second
    assert worker.run_due() == 0
    clock.now += 15
    assert worker.run_due() == 2
    assert len(learner.calls) == 2
    assert {tuple(sorted(m.memory for m in memory.get_user_memories(AVA)))} == {
        tuple(sorted([*LEARNED[:2], "The user said: I have a cat."]))
    }


def test_a_failing_memory_model_is_retried_with_back_off_and_learns_each_fact_once(
    clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    down = RuntimeError("provider is down")
    learner = ScriptedChatModel([down, down, down, remember_user_lines])
    memory = Memory(model=learner)
    worker = manual_worker(memory, clock)
    agent = deferred_agent(memory, answers=3)
    for text in BURST:
        agent.invoke(said(text), config(), context={"user_id": AVA})

    clock.now += DELAY
    waits = []
    with caplog.at_level(logging.WARNING, logger="graphs"):
        for _ in range(3):
            assert worker.run_due() == 1
            [due] = worker.scheduled.values()
            waits.append(due - clock.now)
            assert worker.run_due() == 0  # not before its back-off
            clock.now = due
    assert waits == [5.0, 10.0, 20.0]
    assert sum("provider is down" in r.getMessage() for r in caplog.records) == 3
    assert texts(memory) == []
    [pending] = memory.pending_threads(AVA)
    assert (pending.messages, pending.claimed_until) == (3, None)

    assert worker.run_due() == 1
    assert texts(memory) == LEARNED
    assert memory.pending_threads() == []
    assert len(learner.calls) == 4


@pytest.mark.parametrize("awaited", [False, True], ids=["flush", "aflush"])
def test_a_flush_learns_everything_pending_now(clock: Clock, awaited: bool) -> None:
    learner = ScriptedChatModel([remember_user_lines] * 2)
    memory = Memory(model=learner)
    manual_worker(memory, clock)
    agent = deferred_agent(memory, answers=3)
    for n, text in enumerate(BURST):
        agent.invoke(said(text), config(f"t{n % 2}"), context={"user_id": AVA})

    flushed = asyncio.run(aflush_memories(memory)) if awaited else flush_memories(memory)
    assert len(flushed.results) == len(learner.calls) == 2  # one call per thread
    assert flushed.pending == []
    assert sorted(texts(memory)) == sorted(LEARNED)
    assert memory.extraction_worker().scheduled == {}
    assert flush_memories(memory).results == []


def test_a_flush_lends_the_agents_model_when_the_memory_has_none(clock: Clock) -> None:
    model = ScriptedChatModel(["Noted.", "Noted.", remember_user_lines])
    memory = Memory()
    manual_worker(memory, clock)
    agent = create_memory_agent(
        model, memory=memory, enable_user_memories=True, memory_extraction="deferred"
    )
    agent.invoke(said(BURST[0]), config(), context={"user_id": AVA})
    agent.invoke(said(BURST[1]), config(), context={"user_id": AVA})
    flush_memories(memory)
    assert texts(memory) == LEARNED[:2]


def test_the_background_worker_learns_when_due_and_then_exits() -> None:
    learner = ScriptedChatModel([remember_user_lines])
    memory = Memory(model=learner)
    agent = create_memory_agent(
        ScriptedChatModel(["Noted."] * 3),
        memory=memory,
        enable_user_memories=True,
        memory_extraction="deferred",
        extraction_delay_s=1.0,  # longer than a turn on a busy machine: the burst is one batch
    )
    for text in BURST:
        agent.invoke(said(text), config(), context={"user_id": AVA})
    deadline = time.monotonic() + 10
    while memory.extraction_worker().scheduled and time.monotonic() < deadline:
        time.sleep(0.01)
    assert texts(memory) == LEARNED
    assert len(learner.calls) == 1
    assert not any(t.name == "memory-agent-extraction" for t in threading.enumerate())


def test_closing_the_memory_stops_its_worker_and_keeps_the_messages(tmp_path: Path) -> None:
    path = tmp_path / "agent.db"
    with Memory(db=SqliteMemoryDb(db_file=path)):
        pass  # the file exists before counting
    threads, descriptors = threading.active_count(), len(os.listdir("/proc/self/fd"))
    for n in range(20):
        with Memory(db=SqliteMemoryDb(db_file=path)) as memory:
            agent = deferred_agent(memory, answers=1)
            agent.invoke(said(f"Fact {n}."), config(f"t{n}"), context={"user_id": AVA})
            assert memory.extraction_worker().scheduled
    assert threading.active_count() == threads
    assert len(os.listdir("/proc/self/fd")) == descriptors
    with Memory(db=SqliteMemoryDb(db_file=path)) as memory:
        assert len(memory.pending_threads(AVA)) == 20


def test_a_failed_answer_leaves_nothing_to_learn(clock: Clock) -> None:
    memory = Memory()
    manual_worker(memory, clock)
    agent = create_memory_agent(
        ScriptedChatModel([RuntimeError("model down")]),
        memory=memory,
        enable_user_memories=True,
        memory_extraction="deferred",
    )
    agent.invoke(said("I'm Ava"), config(), context={"user_id": AVA})
    assert memory.pending_threads() == []


def test_a_deferred_run_streams_that_its_messages_wait(clock: Clock) -> None:
    memory = Memory()
    manual_worker(memory, clock)
    agent = deferred_agent(memory, answers=1)
    events = [
        chunk
        for chunk in agent.stream(
            said("I'm Ava"), config(), context={"user_id": AVA}, stream_mode="custom"
        )
    ]
    assert events == [
        {"type": "memory_update", "source": "extract_memories", "status": "deferred", "pending": 1}
    ]


def test_bad_extraction_options_are_refused() -> None:
    with pytest.raises(ValueError, match="memory_extraction"):
        create_memory_agent(memory_extraction="later")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="extraction_delay_s"):
        MemoryMiddleware(Memory(), memory_extraction="deferred", extraction_delay_s=-1)
    with pytest.raises(ValueError, match="extraction_delay_s"):
        MemoryMiddleware(Memory(), extraction_delay_s=float("nan"))


def test_the_middleware_defers_for_any_create_agent_agent(clock: Clock) -> None:
    learner = ScriptedChatModel([remember_user_lines])
    memory = Memory(model=learner)
    worker = manual_worker(memory, clock)
    agent: Any = create_agent(
        ScriptedChatModel(["Noted."] * 3),
        middleware=[MemoryMiddleware(memory, memory_extraction="deferred", extraction_delay_s=5)],
        checkpointer=InMemorySaver(),
    )
    for text in BURST:
        agent.invoke(said(text), config(), context={"user_id": AVA})
    clock.now += 5
    worker.run_due()
    assert texts(memory) == LEARNED
    assert len(learner.calls) == 1


class FakeRuns:
    """The runs API of LangGraph Server, as the SDK's async client calls it."""

    def __init__(self, failing: bool = False) -> None:
        self.created: list[dict[str, Any]] = []
        self.failing = failing

    async def create(self, thread_id: str, assistant_id: str, **options: Any) -> dict[str, Any]:
        if self.failing:
            raise ConnectionError("server unreachable")
        self.created.append({"thread_id": thread_id, "assistant_id": assistant_id, **options})
        return {}


class FakeClient:
    def __init__(self, runs: FakeRuns) -> None:
        self.runs = runs

    async def __aenter__(self) -> FakeClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        return None


@pytest.fixture
def server_runs(monkeypatch: pytest.MonkeyPatch) -> FakeRuns:
    runs = FakeRuns()
    monkeypatch.setattr("graphs.deferred.get_client", lambda: FakeClient(runs))
    return runs


def test_on_the_server_each_run_replaces_the_waiting_extractor_run(
    server_runs: FakeRuns, clock: Clock
) -> None:
    store = InMemoryStore()
    source = StoreMemory()
    agent: Any = create_agent(
        ScriptedChatModel(["Noted."] * 3),
        middleware=[
            MemoryMiddleware(
                source,
                memory_extraction="deferred",
                extraction_delay_s=2.5,
                extraction_graph="memory_extractor",
            )
        ],
        checkpointer=InMemorySaver(),
        store=store,
    )

    async def burst() -> None:
        for text in BURST:
            await agent.ainvoke(said(text), config(), context={"user_id": AVA})

    asyncio.run(burst())
    memory = source.memory(store)
    assert manual_worker(memory, clock).scheduled == {}  # nothing waits in this process
    assert len(server_runs.created) == 3
    assert {
        (r["thread_id"], r["assistant_id"], r["multitask_strategy"], r["after_seconds"])
        for r in server_runs.created
    } == {(extractor_thread_id(AVA, "t1"), "memory_extractor", "rollback", 3)}
    request = server_runs.created[-1]
    assert (request["input"], request["context"]) == ({"thread_id": "t1"}, {"user_id": AVA})
    assert extractor_thread_id(AVA, "t2") != extractor_thread_id(AVA, "t1")
    assert extractor_thread_id("bob", "t1") != extractor_thread_id(AVA, "t1")

    learner = ScriptedChatModel([remember_user_lines])
    extractor = create_memory_extractor(source, model=learner)
    extractor.store = store  # as the server gives every graph its store
    out = asyncio.run(extractor.ainvoke({"thread_id": "t1"}, context={"user_id": AVA}))
    assert out["model_calls"] == 1
    assert [m.memory for m in memory.get_user_memories(AVA)] == LEARNED
    assert memory.pending_threads() == []


def test_a_sync_run_on_a_server_graph_learns_in_this_process(
    server_runs: FakeRuns, clock: Clock
) -> None:
    memory = Memory()
    worker = manual_worker(memory, clock)
    agent = create_memory_agent(
        ScriptedChatModel(["Noted."]),
        memory=memory,
        enable_user_memories=True,
        memory_extraction="deferred",
        platform=True,
    )
    agent.invoke(said(BURST[0]), config(), context={"user_id": AVA})
    assert server_runs.created == []  # the server's client is async: awaited runs only
    assert list(worker.scheduled) == [(AVA, "t1")]


def test_when_the_server_cannot_schedule_the_process_learns(
    monkeypatch: pytest.MonkeyPatch, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    runs = FakeRuns(failing=True)
    monkeypatch.setattr("graphs.deferred.get_client", lambda: FakeClient(runs))
    memory = Memory(model=ScriptedChatModel([remember_user_lines]))
    worker = manual_worker(memory, clock)
    agent = create_memory_agent(
        ScriptedChatModel(["Noted."]),
        memory=memory,
        enable_user_memories=True,
        memory_extraction="deferred",
        platform=True,
    )
    with caplog.at_level(logging.WARNING, logger="graphs"):
        asyncio.run(
            agent.ainvoke(said(BURST[0]), config(), context={"user_id": AVA}),
        )
    assert "server unreachable" in caplog.text
    assert list(worker.scheduled) == [(AVA, "t1")]


def test_the_extractor_learns_every_pending_thread_of_the_user_without_a_thread_id() -> None:
    memory = Memory()
    memory.add_pending_messages(AVA, "t1", [("a", BURST[0])])
    memory.add_pending_messages(AVA, "t2", [("b", BURST[1])])
    memory.add_pending_messages("bob", "t3", [("c", "Bob's fact.")])
    learner = ScriptedChatModel([remember_user_lines] * 2)
    extractor = create_memory_extractor(memory, model=learner)
    out = extractor.invoke({}, context={"user_id": AVA})
    assert out["model_calls"] == 2
    assert texts(memory) == LEARNED[:2]
    assert [t.user_id for t in memory.pending_threads()] == ["bob"]


def test_a_failing_extractor_run_on_the_server_queues_its_retry_after_a_back_off(
    server_runs: FakeRuns,
) -> None:
    memory = Memory()
    memory.add_pending_messages(AVA, "t1", [("a", BURST[0])])
    down = RuntimeError("provider down")
    extractor = create_memory_extractor(
        memory, model=ScriptedChatModel([down, down, remember_user_lines])
    )

    async def attempt(state: ExtractorState) -> Any:
        return await extractor.ainvoke(state, context={"user_id": AVA})

    with pytest.raises(Exception, match="provider down"):
        asyncio.run(attempt({"thread_id": "t1"}))
    with pytest.raises(Exception, match="provider down"):
        asyncio.run(attempt(server_runs.created[-1]["input"]))
    retries = [
        (r["input"], r["multitask_strategy"], r["after_seconds"]) for r in server_runs.created
    ]
    assert retries == [
        ({"thread_id": "t1", "attempt": 1}, "enqueue", 5),
        ({"thread_id": "t1", "attempt": 2}, "enqueue", 10),
    ]
    assert {r["thread_id"] for r in server_runs.created} == {extractor_thread_id(AVA, "t1")}
    asyncio.run(attempt(server_runs.created[-1]["input"]))
    assert texts(memory) == LEARNED[:1]
    assert len(server_runs.created) == 2


def test_a_failing_extractor_run_fails_and_leaves_the_messages_pending() -> None:
    memory = Memory()
    memory.add_pending_messages(AVA, "t1", [("a", BURST[0])])
    extractor = create_memory_extractor(memory, model=ScriptedChatModel([RuntimeError("down")]))
    with pytest.raises(Exception, match="down"):
        extractor.invoke({"thread_id": "t1"}, context={"user_id": AVA})
    [pending] = memory.pending_threads()
    assert (pending.messages, pending.claimed_until) == (1, None)


def test_an_agents_deferred_messages_wait_and_land_in_its_own_scope() -> None:
    with Memory(model=ScriptedChatModel([remember_user_lines])) as memory:
        agent = deferred_agent(memory, answers=1, agent_id="planner")
        agent.invoke(said(BURST[0]), config(), context={"user_id": AVA})
        planner = memory.for_agent("planner")

        assert flush_memories(memory).results == []  # the common scope has nothing waiting
        assert [t.thread_id for t in planner.pending_threads(AVA)] == ["t1"]
        flush_memories(planner)

        assert texts(planner) == LEARNED[:1]
        assert texts(memory) == []
        assert planner.pending_threads() == []
