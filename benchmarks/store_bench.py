"""Store figures as JSON: add rate, read and search latency at 100 to 10,000 memories a user.

Run by hand: `uv run python benchmarks/store_bench.py [--total-rows 200000]`.
The file holds three measured users (100, 1,000 and 10,000 memories) among many
other users, so every query must find its user's rows inside a large table.
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from memory import Memory, SqliteMemoryDb, UserMemory
from memory.schema import AddMemory, WriteContext

SUBJECTS = [
    "hiking",
    "skiing",
    "chess",
    "jazz",
    "sushi",
    "coffee",
    "tea",
    "yoga",
    "running",
    "python",
    "gardening",
    "painting",
    "photography",
    "cycling",
    "baking",
    "poetry",
    "tennis",
    "sailing",
    "climbing",
    "knitting",
    "opera",
    "football",
    "astronomy",
    "birdwatching",
    "pottery",
    "surfing",
    "woodworking",
    "cooking",
    "reading",
    "travel",
    "podcasts",
    "museums",
    "history",
    "guitar",
]
VERBS = ["enjoys", "dislikes", "is learning", "used to love", "wants to try", "is good at"]
PLACES = [
    "Oslo",
    "Paris",
    "Lisbon",
    "Kyoto",
    "Denver",
    "Nairobi",
    "Lima",
    "Austin",
    "Berlin",
    "Hanoi",
]
WHEN = ["on weekends", "every morning", "with friends", "since childhood", "in winter", "at night"]


def fact(rng: random.Random) -> str:
    return (
        f"The user {rng.choice(VERBS)} {rng.choice(SUBJECTS)} {rng.choice(WHEN)} "
        f"in {rng.choice(PLACES)} (note {rng.randrange(10**6)})"
    )


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "p50_ms": round(statistics.median(ordered) * 1000, 3),
        "p95_ms": round(ordered[int(len(ordered) * 0.95) - 1] * 1000, 3),
    }


def timed(call: Callable[[], object], runs: int) -> dict[str, float]:
    call()  # warm the page cache and statement cache
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        samples.append(time.perf_counter() - start)
    return percentiles(samples)


def fill(memory: Memory, user_id: str, count: int, rng: random.Random) -> None:
    for start in range(0, count, 5_000):
        batch = [
            AddMemory(UserMemory(memory=fact(rng), topics=[rng.choice(SUBJECTS)]))
            for _ in range(min(5_000, count - start))
        ]
        memory.apply_user_memory_ops(user_id, batch, WriteContext("bench"))


def single_adds_per_second(memory: Memory, user_id: str, count: int, rng: random.Random) -> float:
    texts = [fact(rng) for _ in range(count)]
    start = time.perf_counter()
    for text in texts:
        memory.add_user_memory(text, user_id)
    return round(count / (time.perf_counter() - start), 1)


def measure_user(
    memory: Memory, user_id: str, queries: list[str], runs: int
) -> dict[str, dict[str, float]]:
    next_query = iter(queries * (runs // len(queries) + 2)).__next__
    return {
        "get_user_memories": timed(lambda: memory.get_user_memories(user_id), runs),
        "last_n_5": timed(
            lambda: memory.search_user_memories(user_id, limit=5, retrieval_method="last_n"), runs
        ),
        "keyword_10": timed(
            lambda: memory.search_user_memories(
                user_id, query=next_query(), limit=10, retrieval_method="keyword"
            ),
            runs,
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--total-rows", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    rng = random.Random(7)
    sizes = {"user-100": 100, "user-1000": 1_000, "user-10000": 10_000}
    report: dict[str, Any] = {"total_rows": args.total_rows, "runs_per_figure": args.runs}

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.db"
        with Memory(db=SqliteMemoryDb(db_file=path)) as memory:
            report["adds_per_s_empty_file"] = single_adds_per_second(memory, "adder", 2_000, rng)
            others = args.total_rows - sum(sizes.values()) - 2_000
            for n in range(others // 200):
                fill(memory, f"other-{n}@example.com", 200, rng)
            for user_id, count in sizes.items():
                fill(memory, user_id, count, rng)
            report["adds_per_s_full_file"] = single_adds_per_second(memory, "adder-2", 2_000, rng)

            queries = [f"{rng.choice(SUBJECTS)} {rng.choice(PLACES)}" for _ in range(50)]
            report["latency_by_user_size"] = {
                str(count): measure_user(memory, user_id, queries, args.runs)
                for user_id, count in sizes.items()
            }

        conn = sqlite3.connect(path)
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        rows = conn.execute("SELECT count(*) FROM user_memories").fetchone()[0]
        conn.close()
        report["rows_in_file"] = rows
        report["file_bytes_per_memory"] = round(path.stat().st_size / rows, 1)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
