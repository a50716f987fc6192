"""Deferred extraction under faults: a process killed with messages pending, or killed while
learning from them, and two processes serving one thread. Each fact is learned once."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import IO

import pytest

from graphs import create_memory_agent, flush_memories
from graphs.cli.options import open_db
from memory import Memory
from memory.memory import CLAIM_TIMEOUT
from memory.schema import utcnow
from memory.testing import ScriptedChatModel, remember_user_lines

PROJECT_ROOT = Path(__file__).resolve().parents[1]
AVA = "ava"
BURST = ["I moved to Oslo.", "With my partner.", "We start new jobs in May."]


@pytest.fixture(params=["sqlite_file", "postgres"])
def db_spec(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A store several processes share: a SQLite file or a PostgreSQL schema."""
    if request.param == "sqlite_file":
        return str(tmp_path / "agent.db")
    url: str = request.getfixturevalue("postgres_test_url")
    return url


class Child:
    """A `tests.deferred_child` process, its output read line by line."""

    def __init__(self, *args: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.deferred_child", *args],
            cwd=PROJECT_ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )

    @property
    def out(self) -> IO[str]:
        assert self.process.stdout is not None
        return self.process.stdout

    def expect(self, line: str) -> None:
        assert self.out.readline().strip() == line

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        assert self.process.wait(timeout=30) == -signal.SIGKILL

    def report(self) -> tuple[int, list[str]]:
        """How many memory-model calls the child made, and the user lines they saw."""
        found = json.loads(self.out.readline())
        assert self.process.wait(timeout=60) == 0
        return int(found["calls"]), list(found["lines"])


@pytest.fixture
def children() -> Iterator[list[Child]]:
    started: list[Child] = []
    yield started
    for child in started:  # a failed test leaves none running
        if child.process.poll() is None:
            child.process.kill()
            child.process.wait()
        child.out.close()


def learned(memory: Memory) -> Counter[str]:
    return Counter(m.memory.removeprefix("The user said: ") for m in memory.get_user_memories(AVA))


def test_a_killed_process_leaves_its_messages_for_a_flush_to_learn_once(
    db_spec: str, children: list[Child]
) -> None:
    child = Child(db_spec, "t1", "hang", *BURST)
    children.append(child)
    child.expect("recorded")
    child.kill()

    learner = ScriptedChatModel([remember_user_lines] * 2)
    with Memory(db=open_db(db_spec)) as memory:
        [pending] = memory.pending_threads(AVA)
        assert pending.messages == 3
        flushed = flush_memories(memory, model=learner)
        assert (len(flushed.results), flushed.pending) == (1, [])
        assert flush_memories(memory, model=learner).results == []
        assert learned(memory) == Counter(BURST)
    assert len(learner.calls) == 1


def test_the_next_run_of_the_thread_learns_what_a_killed_process_left(
    db_spec: str, children: list[Child]
) -> None:
    child = Child(db_spec, "t1", "hang", *BURST[:2])
    children.append(child)
    child.expect("recorded")
    child.kill()

    learner = ScriptedChatModel([remember_user_lines])
    with Memory(db=open_db(db_spec), model=learner) as memory:
        clock = [0.0]
        worker = memory.extraction_worker(clock=lambda: clock[0], background=False)
        agent = create_memory_agent(
            ScriptedChatModel(["Noted."]),
            memory=memory,
            enable_user_memories=True,
            memory_extraction="deferred",
            extraction_delay_s=30,
        )
        agent.invoke(
            {"messages": [{"role": "user", "content": BURST[2]}]},
            {"configurable": {"thread_id": "t1"}},
            context={"user_id": AVA},
        )
        clock[0] = 30
        assert worker.run_due() == 1
        assert learned(memory) == Counter(BURST)
        assert memory.pending_threads() == []
    [call] = learner.calls
    assert all(text in call.messages[-1].text for text in BURST)


def test_a_process_killed_while_learning_holds_the_thread_until_its_claim_ends(
    db_spec: str, children: list[Child]
) -> None:
    child = Child(db_spec, "t1", "hang-learning", *BURST)
    children.append(child)
    child.expect("recorded")
    child.expect("learning")  # its memory model was called: the thread is claimed
    child.kill()

    learner = ScriptedChatModel([remember_user_lines])
    with Memory(db=open_db(db_spec), model=learner) as memory:
        flushed = flush_memories(memory)
        assert [t.messages for t in flushed.pending] == [3]  # its claim is live
        assert learner.calls == []
        later = utcnow() + CLAIM_TIMEOUT + timedelta(seconds=1)
        [result] = memory.learn_pending(AVA, "t1", now=later)
        assert len(result.events) == 3
        assert learned(memory) == Counter(BURST)
        assert memory.pending_threads() == []


def test_two_processes_serving_one_thread_learn_each_message_once(
    db_spec: str, children: list[Child], tmp_path: Path
) -> None:
    go = tmp_path / "go"
    first = Child(db_spec, "shared", f"flush-after:{go}", "I have a dog.", "I like tea.")
    second = Child(db_spec, "shared", f"flush-after:{go}", "I play chess.", "I live in Oslo.")
    children += [first, second]
    first.expect("recorded")
    second.expect("recorded")
    go.touch()  # both flush at once; each memory-model call takes 0.3 s

    reports = [first.report(), second.report()]
    seen = Counter(line for _, lines in reports for line in lines)
    said = ["I have a dog.", "I like tea.", "I play chess.", "I live in Oslo."]
    assert seen == Counter(said)  # every message was shown to a memory model once
    assert sum(calls for calls, _ in reports) == 1
    with Memory(db=open_db(db_spec)) as memory:
        assert learned(memory) == Counter(said)
        assert memory.pending_threads() == []
