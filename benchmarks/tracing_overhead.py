"""What tracing costs, as JSON: an agent turn and a search with memory's spans recorded or not.

Run by hand: `uv run python benchmarks/tracing_overhead.py [--turns 200] [--searches 2000]
[--memories 200] [--more-memories 1000]`.

"off" is what an app that configured no OpenTelemetry SDK gets (the API's no-op
tracer); "on" records every span with the SDK's `TracerProvider` and an in-memory
exporter behind a `SimpleSpanProcessor` (cleared after each pair). The models
answer at once (scripted, reporting token usage), so a turn's time is the
agent's own work: history, prompt memories, checkpointing and extraction, all
on one SQLite file; each turn is a new thread. A search is a keyword search of
one user's memories (the default method without embeddings), over `--memories`
and, as a second line, `--more-memories`.

Calls come in pairs doing the same work (the same query; the same message on a
new thread), one off and one on, side by side, the first of a pair alternating,
so a busy machine's load falls on both alike. Both paths are warmed up first and
the garbage is collected before each block; the search at `--memories` is also
timed with the collector off, to tell a span's own cost from the collections its
allocations bring on. `search_sdk_span_only` is the SDK's floor: the same search
with memory's spans off inside one bare SDK span carrying the same attributes.
`overhead_ms` is the median of the pairs' differences, and `overhead_pct` that
over the median untraced call.
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from graphs.agent import create_memory_agent
from memory import Memory, SqliteMemoryDb, telemetry
from memory.testing import ScriptedChatModel, with_usage

WARM_UP = 5
SUBJECTS = ["hiking", "chess", "jazz", "sushi", "tea", "yoga", "python", "gardening", "tennis"]


def timed(work: Callable[[int], None], n: int) -> float:
    start = time.perf_counter()
    work(n)
    return (time.perf_counter() - start) * 1000


def agent_turns(folder: Path, turns: int) -> Any:
    """Turns of one agent, on new threads, whose memory model answers "No changes"."""
    total = (turns + WARM_UP) * 2
    answers = ScriptedChatModel([with_usage("Sounds good!", 120, 4)] * total)
    learner = ScriptedChatModel([with_usage("No changes", 300, 3)] * total)
    memory = Memory(db=SqliteMemoryDb(db_file=folder / "turns.db"), model=learner)
    memory.add_user_memory("The user likes tea", "ava")
    agent = create_memory_agent(answers, memory=memory, enable_user_memories=True)
    threads = iter(range(total))

    def turn(n: int) -> None:
        agent.invoke(
            {"messages": [{"role": "user", "content": f"I like {SUBJECTS[n % len(SUBJECTS)]}"}]},
            {"configurable": {"thread_id": f"t{next(threads)}"}},
            context={"user_id": "ava"},
        )

    return turn, memory


def searches(folder: Path, memories: int) -> Any:
    """Keyword searches of one user's `memories` memories, the n-th for a subject and a number."""
    memory = Memory(db=SqliteMemoryDb(db_file=folder / f"search{memories}.db"))
    for n in range(memories):
        memory.add_user_memory(f"The user likes {SUBJECTS[n % len(SUBJECTS)]} number {n}", "ava")

    def search(n: int) -> None:
        memory.search_user_memories("ava", query=f"{SUBJECTS[n % len(SUBJECTS)]} {n % memories}")

    return search, memory


def compare(
    work: Callable[[int], None],
    pairs: int,
    collect: bool = True,
    instead: Callable[[trace.Tracer, int], None] | None = None,
) -> dict[str, Any]:
    """Time `work(n)` in `pairs` pairs of one call untraced and one traced, next to each
    other (which goes first alternates), so the load of a busy machine falls on both
    alike; with `collect` False, the garbage collector is off while they run. Given
    `instead`, the traced call is that, with the SDK's tracer, and memory's spans off."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    off: list[float] = []
    on: list[float] = []
    spans = 0
    traced_work = work if instead is None else partial(instead, provider.get_tracer("bench"))
    for n in range(-WARM_UP, pairs):  # the first pairs warm both paths up and are not kept
        for traced in (False, True) if n % 2 == 0 else (True, False):
            telemetry.use_tracer_provider(provider if traced and instead is None else None)
            took = timed(traced_work if traced else work, n)
            if n >= 0:
                (on if traced else off).append(took)
        if n == -1:
            gc.collect()
            if not collect:
                gc.disable()
        spans += len(exporter.get_finished_spans()) if n >= 0 else 0
        exporter.clear()
    gc.enable()
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
        "gc": "on" if collect else "off",
    }


def bare_span(search: Callable[[int], None]) -> Callable[[trace.Tracer, int], None]:
    """`search` inside nothing but an SDK span with the attributes memory's search span
    has without content: the SDK's own cost, which no code of ours can go below."""

    def spanned(tracer: trace.Tracer, n: int) -> None:
        span = tracer.start_span(telemetry.SEARCH)
        search(n)
        span.set_attributes(
            {
                telemetry.OPERATION: "search_user_memories",
                telemetry.OPERATION_NAME: telemetry.SEARCH,
                telemetry.METHOD: "keyword",
                telemetry.RECORD_COUNT: 5,
            }
        )
        span.end()

    return spanned


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--turns", type=int, default=200, help="pairs of agent turns")
    parser.add_argument("--searches", type=int, default=2000, help="pairs of searches")
    parser.add_argument("--memories", type=int, default=200, help="memories searched")
    parser.add_argument(
        "--more-memories", type=int, default=1000, help="memories of the second search line"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        turn, turn_memory = agent_turns(Path(folder), args.turns)
        search, search_memory = searches(Path(folder), args.memories)
        more, more_memory = searches(Path(folder), args.more_memories)
        keyword = {"method": "keyword"}
        try:
            figures = {
                "agent_turn": compare(turn, args.turns),
                "search": compare(search, args.searches) | {"memories": args.memories} | keyword,
                "search_gc_off": compare(search, args.searches, collect=False)
                | {"memories": args.memories}
                | keyword,
                "search_sdk_span_only": compare(search, args.searches, instead=bare_span(search))
                | {"memories": args.memories}
                | keyword,
                "search_more_memories": compare(more, args.searches)
                | {"memories": args.more_memories}
                | keyword,
            }
        finally:
            turn_memory.close()
            search_memory.close()
            more_memory.close()
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
