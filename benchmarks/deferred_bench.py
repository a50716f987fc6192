"""Inline versus deferred extraction over one scripted conversation, as JSON.

Run by hand: `uv run python benchmarks/deferred_bench.py [--latency S]`. A user sends
100 messages as 20 bursts of 5 (each message one fact), with a pause between bursts
longer than the extraction delay, to an agent on a SQLite file. Both models are
scripted and answer at once (or after `--latency` seconds, the memory model only):
the answer says "Noted.", and the memory model adds one memory per user line it is
shown. Reported per mode: memory-model calls and their prompt tokens (the package's
estimate, `approx_tokens`, over every message sent), the wall time of a turn as the
user sees it (`invoke` returning), and whether every fact was stored exactly once.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage

from graphs import create_memory_agent, flush_memories
from graphs.deferred import Extraction
from memory import Memory, SqliteMemoryDb
from memory.retrieval import approx_tokens
from memory.testing import ScriptedChatModel, remember_user_lines

BURSTS, BURST_SIZE = 20, 5
DELAY_S = 0.2
GAP_S = 0.6
"""The pause between bursts: longer than the delay plus the memory model's work."""
USER = "bench"


def script() -> list[list[str]]:
    return [
        [f"Note {b * BURST_SIZE + n:03d}: I care about topic {b}, detail {n}." for n in range(5)]
        for b in range(BURSTS)
    ]


def run(mode: Extraction, latency: float, folder: Path) -> dict[str, Any]:
    def learn(messages: list[BaseMessage]) -> AIMessage:
        time.sleep(latency)
        return remember_user_lines(messages)

    bursts = script()
    said = [text for burst in bursts for text in burst]
    learner = ScriptedChatModel([learn] * len(said))
    turns: list[float] = []
    with Memory(db=SqliteMemoryDb(db_file=folder / f"{mode}.db"), model=learner) as memory:
        agent = create_memory_agent(
            ScriptedChatModel(["Noted."] * len(said)),
            memory=memory,
            enable_user_memories=True,
            memory_extraction=mode,
            extraction_delay_s=DELAY_S,
        )
        for n, burst in enumerate(bursts):
            for text in burst:
                started = time.perf_counter()
                agent.invoke(
                    {"messages": [{"role": "user", "content": text}]},
                    {"configurable": {"thread_id": "chat"}},
                    context={"user_id": USER},
                )
                turns.append(time.perf_counter() - started)
            if mode == "deferred" and n < len(bursts) - 1:
                time.sleep(GAP_S)
        flushed = flush_memories(memory)  # the last burst, as an app's shutdown would
        stored = Counter(m.memory for m in memory.get_user_memories(USER))
    expected = Counter(f"The user said: {text}" for text in said)
    ms = sorted(t * 1000 for t in turns)
    return {
        "memory_model_calls": len(learner.calls),
        "memory_model_calls_at_shutdown_flush": len(flushed.results),
        "memory_model_prompt_tokens": sum(
            approx_tokens(m.text) for call in learner.calls for m in call.messages
        ),
        "turn_ms": {
            "median": round(statistics.median(ms), 2),
            "p95": round(ms[int(0.95 * len(ms)) - 1], 2),
            "max": round(ms[-1], 2),
        },
        "facts_stored_once": sum(1 for fact in expected if stored[fact] == 1),
        "facts_missing": sum(1 for fact in expected if stored[fact] == 0),
        "facts_duplicated": sum(1 for fact in expected if stored[fact] > 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--latency", type=float, default=0.0, help="seconds each memory-model call takes"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        report = {
            "messages": BURSTS * BURST_SIZE,
            "bursts": BURSTS,
            "extraction_delay_s": DELAY_S,
            "pause_between_bursts_s": GAP_S,
            "memory_model_latency_s": args.latency,
            "inline": run("inline", args.latency, Path(folder)),
            "deferred": run("deferred", args.latency, Path(folder)),
        }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
