"""Agent figures as JSON: time outside the model per turn, session storage, prompt size.

Run by hand: `uv run python benchmarks/agent_bench.py [--sizes 10 1000 10000]
[--lengths 1 50 200] [--window 20] [--extract none|add]`.

The model answers every call at once (a ScriptedChatModel with a callable
reply), so a turn's wall time is the agent's own work: loading history,
choosing memories, checkpointing and extraction. `model_ms` is the time inside
the chat model's `invoke` (LangChain's machinery around an instant answer);
`outside_model_ms` is the rest. The memory manager answers "No changes" by
default, so each user keeps exactly its memories and the prompt figures mean
what their labels say; `--extract add` makes it add one memory a turn, to time
the write as well. Memories and sessions share one SqliteMemoryDb file with the
agent's default embedded persistence (SqliteSaver + SqliteStore).

Turns are measured around each thread length: the first turn of `window` new
threads for length 1, else turns L - window/2 to L + window/2 - 1 of one thread.
Storage: one thread of 100 then 200 runs, against a plain LangGraph agent
(MessagesState, every message in the state, SqliteSaver) on its own file.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from langchain_core.language_models import LanguageModelInput
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage
from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.sqlite import SqliteSaver
from langgraph.graph import END, START, MessagesState, StateGraph
from pydantic import PrivateAttr

from graphs.agent import create_memory_agent
from memory import Memory, SqliteMemoryDb, UserMemory, prompts
from memory.retrieval import approx_tokens
from memory.schema import AddMemory, WriteContext
from memory.testing import ModelCall, ScriptedChatModel, tool_call

SUBJECTS = ["hiking", "chess", "jazz", "sushi", "tea", "yoga", "python", "gardening", "tennis"]
PLACES = ["Oslo", "Paris", "Lisbon", "Kyoto", "Denver", "Lima", "Berlin", "Hanoi"]
ANSWER = "Sounds good! Tell me more."


class InstantModel(ScriptedChatModel):
    """Answers every call at once and counts the seconds spent in `invoke`.

    The counter is a list so that copies (the agent tags a copy for the memory
    manager) add to the same total, as they share the script and `calls`.
    """

    _seconds: list[float] = PrivateAttr(default_factory=lambda: [0.0])

    def __init__(self, calls: int, extract: str) -> None:
        added = itertools.count()

        def reply(messages: list[BaseMessage]) -> AIMessage | str:
            if prompts.MEMORY_MANAGER_ROLE not in messages[0].text:
                return ANSWER
            if extract == "none":
                return "No changes"
            return tool_call("add_memory", memory=f"The user mentioned thing {next(added)}")

        super().__init__([reply] * calls)

    @property
    def seconds(self) -> float:
        return self._seconds[0]

    def invoke(
        self,
        input: LanguageModelInput,
        config: RunnableConfig | None = None,
        *,
        stop: list[str] | None = None,
        **kwargs: Any,
    ) -> AIMessage:
        start = time.perf_counter()
        try:
            return super().invoke(input, config, stop=stop, **kwargs)
        finally:
            self._seconds[0] += time.perf_counter() - start


@dataclass(frozen=True)
class Turn:
    wall: float
    model: float
    prompt_tokens: int
    """The answering call's messages; the memory manager's are counted apart."""
    manager_tokens: int


Invoke = Callable[[str, str], None]
"""Run one turn: (thread_id, user text)."""


def tokens(call: ModelCall) -> int:
    return sum(approx_tokens(m.text) for m in call.messages)


def turn(invoke: Invoke, model: InstantModel, thread_id: str, text: str) -> Turn:
    calls, seconds = len(model.calls), model.seconds
    start = time.perf_counter()
    invoke(thread_id, text)
    wall = time.perf_counter() - start
    new = model.calls[calls:]
    assert model.remaining, "script exhausted: a failed extraction would go unnoticed"
    manager = [c for c in new if "add_memory" in c.tools]
    return Turn(
        wall,
        model.seconds - seconds,
        sum(tokens(c) for c in new if c not in manager),
        sum(tokens(c) for c in manager),
    )


def memory_agent(
    memory: Memory, calls: int, extract: str, user_id: str
) -> tuple[Invoke, InstantModel]:
    model = InstantModel(calls, extract)
    agent = create_memory_agent(model, memory=memory, enable_user_memories=True)

    def invoke(thread_id: str, text: str) -> None:
        agent.invoke(
            {"messages": [("user", text)]},
            {"configurable": {"thread_id": thread_id}},
            context={"user_id": user_id},
        )

    return invoke, model


def plain_agent(path: Path, calls: int) -> tuple[Invoke, InstantModel]:
    """LangGraph's usual chat agent: the whole conversation lives in the checkpointed state."""
    model = InstantModel(calls, "none")

    def respond(state: MessagesState) -> dict[str, list[AIMessage]]:
        return {"messages": [model.invoke(state["messages"])]}

    graph = StateGraph(MessagesState)
    graph.add_node("respond", respond)
    graph.add_edge(START, "respond")
    graph.add_edge("respond", END)
    agent = graph.compile(checkpointer=SqliteSaver(sqlite3.connect(path, check_same_thread=False)))

    def invoke(thread_id: str, text: str) -> None:
        agent.invoke({"messages": [HumanMessage(text)]}, {"configurable": {"thread_id": thread_id}})

    return invoke, model


def said(rng: random.Random) -> str:
    return f"Today I did {rng.choice(SUBJECTS)} in {rng.choice(PLACES)}. Ideas for next time?"


def fill(memory: Memory, user_id: str, count: int, rng: random.Random) -> None:
    for start in range(0, count, 5_000):
        batch = [
            AddMemory(
                UserMemory(
                    memory=f"The user likes {rng.choice(SUBJECTS)} in {rng.choice(PLACES)} "
                    f"(note {rng.randrange(10**6)})",
                    topics=[rng.choice(SUBJECTS)],
                )
            )
            for _ in range(min(5_000, count - start))
        ]
        memory.apply_user_memory_ops(user_id, batch, WriteContext("bench"))


def summary(turns: list[Turn]) -> dict[str, float]:
    def p(values: list[float], q: float) -> float:
        ordered = sorted(values)
        return ordered[max(0, round(len(ordered) * q) - 1)]

    outside = [(t.wall - t.model) * 1000 for t in turns]
    return {
        "outside_model_p50_ms": round(statistics.median(outside), 2),
        "outside_model_p95_ms": round(p(outside, 0.95), 2),
        "model_p50_ms": round(statistics.median(t.model * 1000 for t in turns), 2),
        "prompt_tokens_p50": statistics.median(t.prompt_tokens for t in turns),
        "prompt_tokens_max": max(t.prompt_tokens for t in turns),
        "manager_prompt_tokens_p50": statistics.median(t.manager_tokens for t in turns),
    }


def per_turn(
    path: Path, sizes: list[int], lengths: list[int], window: int, extract: str
) -> dict[str, Any]:
    rng = random.Random(7)
    longest = max(lengths) + window // 2
    figures: dict[str, Any] = {}
    with Memory(db=SqliteMemoryDb(db_file=path)) as memory:
        for size in sizes:
            user_id = f"user-{size}"
            fill(memory, user_id, size, rng)
            invoke, model = memory_agent(memory, 3 * (window + longest + 1), extract, user_id)
            turn(invoke, model, "warm-up", said(rng))
            cells: dict[str, Any] = {}
            if 1 in lengths:
                cells["1"] = summary(
                    [turn(invoke, model, f"{user_id}/new-{n}", said(rng)) for n in range(window)]
                )
            thread = [turn(invoke, model, f"{user_id}/long", said(rng)) for _ in range(longest)]
            for length in (n for n in lengths if n > 1):
                first = max(0, length - window // 2 - 1)
                cells[str(length)] = summary(thread[first : first + window])
            cells["memories_at_end"] = len(memory.get_user_memories(user_id))
            figures[str(size)] = cells
    return figures


def storage(path: Path) -> dict[str, int]:
    conn = sqlite3.connect(path)
    busy = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
    assert busy == 0, "the WAL could not be folded into the file"

    def total(sql: str) -> int:
        return int(conn.execute(sql).fetchone()[0] or 0)

    figures = {
        "file_bytes": path.stat().st_size,
        "checkpoint_bytes": total(
            "SELECT sum(length(checkpoint) + length(metadata)) FROM checkpoints"
        )
        + total("SELECT sum(length(value)) FROM writes"),
    }
    if conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'store'").fetchone():
        figures["archive_bytes"] = total(
            "SELECT sum(length(value)) FROM store WHERE prefix LIKE 'memory_agent.sessions.%'"
        )
    conn.close()
    return figures


def growth(invoke: Invoke, model: InstantModel, path: Path, runs: int) -> dict[str, Any]:
    rng = random.Random(11)
    figures: dict[str, Any] = {}
    for upto in (runs // 2, runs):
        last = [turn(invoke, model, "thread", said(rng)) for _ in range(runs // 2)]
        figures[str(upto)] = storage(path) | {
            "outside_model_p50_ms_last_10": summary(last[-10:])["outside_model_p50_ms"],
            "prompt_tokens_last": last[-1].prompt_tokens,
        }
    half, full = figures[str(runs // 2)], figures[str(runs)]
    figures["ratio"] = {
        key: round(full[key] / half[key], 2) for key in half if key.endswith("bytes") and half[key]
    }
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 1_000, 10_000])
    parser.add_argument("--lengths", type=int, nargs="+", default=[1, 50, 200])
    parser.add_argument("--window", type=int, default=20)
    parser.add_argument("--storage-runs", type=int, default=200)
    parser.add_argument("--extract", choices=["none", "add"], default="none")
    args = parser.parse_args()
    report: dict[str, Any] = {"extract": args.extract, "window": args.window}
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        started = time.perf_counter()
        report["per_turn_by_memories_then_thread_length"] = per_turn(
            base / "turns.db", args.sizes, args.lengths, args.window, args.extract
        )
        runs = args.storage_runs
        with Memory(db=SqliteMemoryDb(db_file=base / "agent.db")) as memory:
            fill(memory, "user-10", 10, random.Random(3))
            invoke, model = memory_agent(memory, 3 * runs, args.extract, "user-10")
            report["storage_memory_agent"] = growth(invoke, model, base / "agent.db", runs)
        plain, plain_model = plain_agent(base / "plain.db", 3 * runs)
        report["storage_plain_langgraph"] = growth(plain, plain_model, base / "plain.db", runs)
        report["seconds"] = round(time.perf_counter() - started, 1)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
