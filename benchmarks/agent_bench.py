"""Agent turns and session size beside a plain LangChain agent, as JSON.

Run by hand: `uv run python benchmarks/agent_bench.py [--memories 1000] [--turns 200]`.

Three agents hold the same conversation on one thread, taking turns one message at
a time, so a busy machine slows them alike:

- `plain`: LangChain's `create_agent` with LangGraph's `SqliteSaver` on its own
  file; the thread keeps every message.
- `memory`: `create_memory_agent` over a SQLite file holding the user's
  `--memories` memories, extraction off (the memories still join every prompt).
- `memory_extracting`: the same with `enable_user_memories=True`: after each
  answer the memory manager runs (scripted; it answers "No changes", so the
  user keeps exactly its memories).

Every model is a `ScriptedChatModel` that answers at once, so a turn's time is
the agent's own work. Figures: the median milliseconds of turns 1-10, 91-100 and
191-200 of each agent and each memory agent's ratio to `plain` (the issue's
targets: at most 1.2 extraction off, 1.5 on), in wall time and in CPU time of
the process (turns run one at a time, so that is the turn's own work, worker
threads included: the figure a busy machine changes least, and one without the
plain agent's waits for SQLite to sync its file); and the thread's session bytes
after half its runs and after all (checkpoints, pending writes and, for ours, the
archive of runs that left the window), with the ratio to `plain` after all runs
(target: at most 0.25).
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from langchain.agents import create_agent
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage
from langgraph.checkpoint.sqlite import SqliteSaver

from graphs.agent import create_memory_agent
from memory import Memory, SqliteMemoryDb, UserMemory, prompts
from memory.schema import AddMemory, WriteContext
from memory.testing import ScriptedChatModel

SUBJECTS = ["hiking", "chess", "jazz", "sushi", "tea", "yoga", "python", "gardening", "tennis"]
PLACES = ["Oslo", "Paris", "Lisbon", "Kyoto", "Denver", "Lima", "Berlin", "Hanoi"]
ANSWER = "Sounds good! Tell me more."
USER = "ava"
THREAD = "ava-thread"
WINDOWS = {"1-10": (1, 10), "91-100": (91, 100), "191-200": (191, 200)}
"""Turns whose median is reported, by label (first and last turn, counted from 1)."""

Invoke = Callable[[str], None]
"""Run one turn of the thread with this user text."""


def instant_model(turns: int) -> ScriptedChatModel:
    """Answers the agent, and the memory manager with "No changes", at once."""

    def reply(messages: list[BaseMessage]) -> AIMessage | str:
        return "No changes" if prompts.MEMORY_MANAGER_ROLE in messages[0].text else ANSWER

    return ScriptedChatModel([reply] * (2 * turns))


def plain_agent(path: Path, turns: int) -> Invoke:
    """LangChain's usual chat agent: the whole conversation lives in the checkpointed state."""
    saver = SqliteSaver(sqlite3.connect(path, check_same_thread=False))
    agent = create_agent(instant_model(turns), checkpointer=saver)

    def invoke(text: str) -> None:
        agent.invoke({"messages": [HumanMessage(text)]}, {"configurable": {"thread_id": THREAD}})

    return invoke


def memory_agent(memory: Memory, turns: int, *, extract: bool) -> Invoke:
    agent = create_memory_agent(instant_model(turns), memory=memory, enable_user_memories=extract)

    def invoke(text: str) -> None:
        agent.invoke(
            {"messages": [HumanMessage(text)]},
            {"configurable": {"thread_id": THREAD}},
            context={"user_id": USER},
        )

    return invoke


def fill(memory: Memory, count: int, rng: random.Random) -> None:
    memory.apply_user_memory_ops(
        USER,
        [
            AddMemory(
                UserMemory(
                    memory=f"The user likes {rng.choice(SUBJECTS)} in {rng.choice(PLACES)} "
                    f"(note {rng.randrange(10**6)})",
                    topics=[rng.choice(SUBJECTS)],
                )
            )
            for _ in range(count)
        ],
        WriteContext("bench"),
    )


def session_bytes(path: Path) -> int:
    """The thread's checkpoints, pending writes and archived runs in `path`, in bytes."""
    with sqlite3.connect(path) as conn:

        def total(sql: str) -> int:
            return int(conn.execute(sql).fetchone()[0] or 0)

        size = total("SELECT sum(length(checkpoint) + length(metadata)) FROM checkpoints")
        size += total("SELECT sum(length(value)) FROM writes")
        if conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'store'").fetchone():
            size += total(
                "SELECT sum(length(value)) FROM store WHERE prefix LIKE 'memory_agent.sessions.%'"
            )
    return size


def median_ms(seconds: list[float]) -> float:
    return round(statistics.median(seconds) * 1000, 2)


def turn_figures(seconds: dict[str, list[float]], turns: int) -> dict[str, Any]:
    """Each agent's median turn in each window, and the memory agents' ratios to `plain`."""
    ms = {
        name: {
            label: median_ms(times[first - 1 : last])
            for label, (first, last) in WINDOWS.items()
            if last <= turns
        }
        for name, times in seconds.items()
    }
    ratios = {
        name: {label: round(value / ms["plain"][label], 2) for label, value in windows.items()}
        for name, windows in ms.items()
        if name != "plain"
    }
    return {"turn_ms_median": ms, "ratio_to_plain": ratios}


def run(memories: int, turns: int) -> dict[str, Any]:
    rng = random.Random(7)
    said = [
        f"Today I did {rng.choice(SUBJECTS)} in {rng.choice(PLACES)}. Ideas for next time?"
        for _ in range(turns)
    ]
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        paths = {name: base / f"{name}.db" for name in ("plain", "memory", "memory_extracting")}
        with (
            Memory(db=SqliteMemoryDb(db_file=paths["memory"])) as quiet,
            Memory(db=SqliteMemoryDb(db_file=paths["memory_extracting"])) as learning,
        ):
            fill(quiet, memories, random.Random(3))
            fill(learning, memories, random.Random(3))
            agents = {
                "plain": plain_agent(paths["plain"], turns),
                "memory": memory_agent(quiet, turns, extract=False),
                "memory_extracting": memory_agent(learning, turns, extract=True),
            }
            wall: dict[str, list[float]] = {name: [] for name in agents}
            cpu: dict[str, list[float]] = {name: [] for name in agents}
            sizes: dict[str, dict[str, int]] = {}
            for turn, text in enumerate(said, start=1):
                for name, invoke in agents.items():
                    started, used = time.perf_counter(), time.process_time()
                    invoke(text)
                    wall[name].append(time.perf_counter() - started)
                    cpu[name].append(time.process_time() - used)
                if turn in (turns // 2, turns):
                    sizes[str(turn)] = {name: session_bytes(path) for name, path in paths.items()}
            kept = len(quiet.get_user_memories(USER))
    return {
        "memories": memories,
        "turns": turns,
        "memories_at_end": kept,
        "wall": turn_figures(wall, turns),
        "cpu": turn_figures(cpu, turns),
        "session_bytes_after_runs": sizes,
        "session_ratio_to_plain": {
            name: round(size / sizes[str(turns)]["plain"], 3)
            for name, size in sizes[str(turns)].items()
            if name != "plain"
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--memories", type=int, default=1_000)
    parser.add_argument("--turns", type=int, default=200)
    args = parser.parse_args()
    started = time.perf_counter()
    report = run(args.memories, args.turns)
    report["seconds"] = round(time.perf_counter() - started, 1)
    report["machine"] = f"{platform.machine()}, Python {platform.python_version()}"
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
