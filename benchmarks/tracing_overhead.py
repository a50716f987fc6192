"""What tracing costs, as JSON: an agent turn and a search with memory's spans recorded or not.

Run by hand: `uv run python benchmarks/tracing_overhead.py [--turns 200] [--searches 2000]
[--memories 200]`.

"off" is what an app that configured no OpenTelemetry SDK gets (the API's no-op
tracer); "on" records every span with the SDK's `TracerProvider` and an in-memory
exporter behind a `SimpleSpanProcessor` (cleared after each pair). The models
answer at once (scripted, reporting token usage), so a turn's time is the
agent's own work: history, prompt memories, checkpointing and extraction, all
on one SQLite file; each turn is a new thread. Calls come in pairs, one off and
one on, side by side, so a busy machine's load falls on both alike:
`overhead_ms` is the median of the pairs' differences, and `overhead_pct` that
over the median untraced call.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from graphs.agent import create_memory_agent
from memory import Memory, SqliteMemoryDb, telemetry
from memory.testing import ScriptedChatModel, with_usage

WARM_UP = 5
SUBJECTS = ["hiking", "chess", "jazz", "sushi", "tea", "yoga", "python", "gardening", "tennis"]


def timed(function: Callable[[], Any]) -> float:
    start = time.perf_counter()
    function()
    return (time.perf_counter() - start) * 1000


def agent_turns(folder: Path, turns: int) -> Any:
    """Turns of one agent, on new threads, whose memory model answers "No changes"."""
    total = turns * 2 + WARM_UP
    answers = ScriptedChatModel([with_usage("Sounds good!", 120, 4)] * total)
    learner = ScriptedChatModel([with_usage("No changes", 300, 3)] * total)
    memory = Memory(db=SqliteMemoryDb(db_file=folder / "turns.db"), model=learner)
    memory.add_user_memory("The user likes tea", "ava")
    agent = create_memory_agent(answers, memory=memory, enable_user_memories=True)
    count = iter(range(total))

    def turn() -> None:
        n = next(count)
        agent.invoke(
            {"messages": [{"role": "user", "content": f"I like {SUBJECTS[n % len(SUBJECTS)]}"}]},
            {"configurable": {"thread_id": f"t{n}"}},
            context={"user_id": "ava"},
        )

    for _ in range(WARM_UP):  # imports, the first checkpoint tables, caches
        turn()
    return turn, memory


def searches(folder: Path, memories: int) -> Any:
    memory = Memory(db=SqliteMemoryDb(db_file=folder / "search.db"))
    for n in range(memories):
        memory.add_user_memory(f"The user likes {SUBJECTS[n % len(SUBJECTS)]} number {n}", "ava")
    queries = iter(range(10**9))

    def search() -> None:
        n = next(queries)
        memory.search_user_memories("ava", query=f"{SUBJECTS[n % len(SUBJECTS)]} {n % memories}")

    for _ in range(WARM_UP):
        search()
    return search, memory


def compare(work: Callable[[], None], pairs: int) -> dict[str, Any]:
    """Time `work` in `pairs` pairs of one call untraced and one traced, next to each other
    (which goes first alternates), so the load of a busy machine falls on both alike."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    off: list[float] = []
    on: list[float] = []
    spans = 0
    for n in range(pairs):
        for traced in (False, True) if n % 2 == 0 else (True, False):
            telemetry.use_tracer_provider(provider if traced else None)
            (on if traced else off).append(timed(work))
        spans += len(exporter.get_finished_spans())
        exporter.clear()
    telemetry.use_tracer_provider(None)
    provider.shutdown()
    baseline = statistics.median(off)
    extra = statistics.median(b - a for a, b in zip(off, on, strict=True))
    return {
        "off_ms": round(baseline, 3),
        "on_ms": round(statistics.median(on), 3),
        "overhead_ms": round(extra, 4),
        "overhead_pct": round(extra / baseline * 100, 2),
        "spans_each": round(spans / pairs, 2),
        "pairs": pairs,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--turns", type=int, default=200, help="pairs of agent turns")
    parser.add_argument("--searches", type=int, default=2000, help="pairs of searches")
    parser.add_argument("--memories", type=int, default=200, help="memories searched")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        turn, turn_memory = agent_turns(Path(folder), args.turns)
        search, search_memory = searches(Path(folder), args.memories)
        try:
            figures = {
                "agent_turn": compare(turn, args.turns),
                "search": compare(search, args.searches)
                | {"memories": args.memories, "method": "keyword"},
            }
        finally:
            turn_memory.close()
            search_memory.close()
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
