"""Our SQLite store side by side with LangGraph's `SqliteStore`, as JSON.

Run by hand: `uv run python benchmarks/store_vs_langgraph.py [--users 10 --per-user 1000]`.
Both stores run in this one process on files in one temporary folder, over the same
facts, so the ratios hold on any machine (which is stated in the output, with its load
average at the end of the run: on a busy machine, compare the CPU figures):

- single adds/s: every user's memories written one call per memory, users taking
  turns (LangGraph: `put`; ours: `Memory.add_user_memory`, which also records
  history and keeps the keyword index);
- get_all: one user's memories read in full (LangGraph: `search` of the user's
  namespace with a limit above their count; ours: `Memory.get_user_memories`),
  p50 and p95 over `--runs` reads after one warm-up;
- bytes per memory: `page_count * page_size` after `VACUUM` (the WAL checkpointed
  first), divided by the memories stored; the same measure for both files.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from langgraph.store.sqlite import SqliteStore

from memory import Memory, SqliteMemoryDb

SUBJECTS = ["hiking", "chess", "jazz", "sushi", "coffee", "tea", "yoga", "running", "python",
            "gardening", "painting", "cycling", "baking", "tennis", "sailing", "opera"]  # fmt: skip
VERBS = ["enjoys", "dislikes", "is learning", "used to love", "wants to try", "is good at"]
PLACES = ["Oslo", "Paris", "Lisbon", "Kyoto", "Denver", "Nairobi", "Lima", "Berlin"]


def facts(users: int, per_user: int, seed: int) -> list[tuple[str, str]]:
    """(user, fact) pairs, users taking turns, as an app with many users writes."""
    rng = random.Random(seed)
    return [
        (
            f"user-{u}",
            f"The user {rng.choice(VERBS)} {rng.choice(SUBJECTS)} in {rng.choice(PLACES)} "
            f"(note {rng.randrange(10**6)})",
        )
        for _ in range(per_user)
        for u in range(users)
    ]


def per_second(count: int, call: Callable[[], None]) -> dict[str, float]:
    """Calls per second of wall time, and per second of this thread's CPU time (which
    a busy machine inflates less, and which leaves out waiting for the disk)."""
    wall, cpu = time.perf_counter(), time.thread_time()
    call()
    return {
        "wall": round(count / (time.perf_counter() - wall), 1),
        "cpu": round(count / (time.thread_time() - cpu), 1),
    }


def latency(call: Callable[[], object], runs: int) -> dict[str, float]:
    """p50 and p95 of wall time and of CPU time, in milliseconds."""
    call()  # warm the page and statement caches
    walls, cpus = [], []
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.thread_time()
        call()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.thread_time() - cpu)
    return {
        "p50_ms": _ms(statistics.median(walls)),
        "p95_ms": _ms(_p95(walls)),
        "cpu_p50_ms": _ms(statistics.median(cpus)),
        "cpu_p95_ms": _ms(_p95(cpus)),
    }


def _p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[max(0, int(len(ordered) * 0.95) - 1)]


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 3)


def bytes_per_memory(path: Path, memories: int) -> float:
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute("VACUUM")
        pages: int = conn.execute("PRAGMA page_count").fetchone()[0]
        size: int = conn.execute("PRAGMA page_size").fetchone()[0]
    finally:
        conn.close()
    return round(pages * size / memories, 1)


def langgraph_side(
    path: Path, rows: list[tuple[str, str]], read_user: str, runs: int
) -> dict[str, Any]:
    with SqliteStore.from_conn_string(str(path)) as store:
        store.setup()

        def add_all() -> None:
            for n, (user, text) in enumerate(rows):
                store.put(("memories", user), f"m{n}", {"memory": text, "topics": []})

        adds = per_second(len(rows), add_all)
        read = latency(lambda: store.search(("memories", read_user), limit=len(rows)), runs)
        assert len(store.search(("memories", read_user), limit=len(rows))) == len(rows) // len(
            {user for user, _ in rows}
        )
    return {
        "adds_per_s": adds,
        "get_all": read,
        "bytes_per_memory": bytes_per_memory(path, len(rows)),
    }


def our_side(path: Path, rows: list[tuple[str, str]], read_user: str, runs: int) -> dict[str, Any]:
    with Memory(db=SqliteMemoryDb(db_file=path)) as memory:

        def add_all() -> None:
            for user, text in rows:
                memory.add_user_memory(text, user)

        adds = per_second(len(rows), add_all)
        read = latency(lambda: memory.get_user_memories(read_user), runs)
    return {
        "adds_per_s": adds,
        "get_all": read,
        "bytes_per_memory": bytes_per_memory(path, len(rows)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=10)
    parser.add_argument("--per-user", type=int, default=1_000)
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    rows = facts(args.users, args.per_user, seed=7)
    read_user = rows[0][0]
    with tempfile.TemporaryDirectory() as folder:
        anchor = langgraph_side(Path(folder) / "langgraph.db", rows, read_user, args.runs)
        ours = our_side(Path(folder) / "memory.db", rows, read_user, args.runs)
    report = {
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "sqlite": sqlite3.sqlite_version,
            "platform": sys.platform,
            "load_average": [round(load, 2) for load in os.getloadavg()],
        },
        "users": args.users,
        "memories_per_user": args.per_user,
        "langgraph_sqlite_store": anchor,
        "memory_agent": ours,
        "ratios": {
            "adds_per_s": round(ours["adds_per_s"]["wall"] / anchor["adds_per_s"]["wall"], 2),
            "adds_per_cpu_s": round(ours["adds_per_s"]["cpu"] / anchor["adds_per_s"]["cpu"], 2),
            "get_all_p50": round(ours["get_all"]["p50_ms"] / anchor["get_all"]["p50_ms"], 2),
            "get_all_cpu_p50": round(
                ours["get_all"]["cpu_p50_ms"] / anchor["get_all"]["cpu_p50_ms"], 2
            ),
            "get_all_p95_over_own_p50": round(
                ours["get_all"]["p95_ms"] / ours["get_all"]["p50_ms"], 2
            ),
            "get_all_cpu_p95_over_own_cpu_p50": round(
                ours["get_all"]["cpu_p95_ms"] / ours["get_all"]["cpu_p50_ms"], 2
            ),
            "bytes_per_memory": round(ours["bytes_per_memory"] / anchor["bytes_per_memory"], 2),
        },
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
