"""PostgreSQL figures as JSON: graph turns per second by workers, adds, search latency.

Run by hand: `uv run python -m benchmarks.postgres_bench [--url postgresql://...]`.
Everything happens in a schema made for the run and dropped after it.

- `turns_per_s`: N worker processes each run `--turns` graph turns (an instant
  scripted model; user memories on, so each turn also stores a memory), on
  PostgresMemoryDb with its sessions in PostgreSQL, and on one SQLite file with
  its sessions in the file; turns of all workers divided by the wall time.
- `adds_per_s`: single `add_user_memory` calls in one process.
- `search_ms`: keyword and hybrid search (hash embeddings, vectors stored, query
  vectors precomputed) for a user with `--memories` memories in a table of
  `--total-rows`, on PostgresMemoryDb and, as the baseline, StoreMemoryDb over
  LangGraph's PostgresStore.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from functools import partial
from pathlib import Path
from typing import Any

import psycopg
from langgraph.store.postgres import PostgresStore

from benchmarks.retrieval_bench import Precomputed
from benchmarks.store_bench import PLACES, SUBJECTS, fact, timed
from memory import HashEmbeddings, Memory, MemoryDb, PostgresMemoryDb, RetrievalMethod
from memory.db.store import StoreMemoryDb
from memory.schema import AddMemory, UserMemory, WriteContext

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"

WORKER = """
import sys, time
from graphs import create_memory_agent
from memory import Memory, PostgresMemoryDb, SqliteMemoryDb
from memory.testing import ScriptedChatModel, tool_call

target, worker, turns, start = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
replies = []
for n in range(turns):
    replies += [f"answer {n}", tool_call("add_memory", memory=f"The user said fact {worker}-{n}")]
if target.startswith("postgresql"):
    db = PostgresMemoryDb(target)
    db.setup()
else:
    db = SqliteMemoryDb(db_file=target)
with Memory(db=db) as memory:
    model = ScriptedChatModel(replies)
    agent = create_memory_agent(model, memory=memory, enable_user_memories=True)
    time.sleep(max(0.0, start - time.time()))
    for n in range(turns):
        user = f"user-{(worker * 7 + n) % 20}"
        agent.invoke(
            {"messages": [{"role": "user", "content": f"turn {n}"}]},
            {"configurable": {"thread_id": f"w{worker}-{user}"}},
            context={"user_id": user},
        )
print(time.time())
"""


@contextmanager
def schema(url: str) -> Iterator[str]:
    name = f"memory_agent_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f"CREATE SCHEMA {name}")
        try:
            yield f"{url}?options=-csearch_path%3D{name}"
        finally:
            admin.execute(f"DROP SCHEMA {name} CASCADE")


def turns_per_second(target: str, workers: int, turns: int) -> float:
    """All workers start together once set up; the rate runs to the last one's end."""
    start = time.time() + 5.0 + workers
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, target, str(w), str(turns), str(start)],
            stdout=subprocess.PIPE,
            text=True,
        )
        for w in range(workers)
    ]
    ends = []
    for process in processes:
        out, _ = process.communicate(timeout=3_600)
        if process.returncode:
            raise RuntimeError(f"a worker failed on {target}")
        ends.append(float(out.strip().splitlines()[-1]))
    return round(workers * turns / (max(ends) - start), 1)


def adds_per_second(memory: Memory, count: int, rng: random.Random) -> float:
    texts = [fact(rng) for _ in range(count)]
    begin = time.perf_counter()
    for text in texts:
        memory.add_user_memory(text, "adder")
    return round(count / (time.perf_counter() - begin), 1)


def fill(memory: Memory, total: int, measured: int, rng: random.Random) -> None:
    """`measured` memories for the measured user, the rest for others, 200 each."""
    users = [("measured", measured)] + [
        (f"other-{n}", 200) for n in range((total - measured) // 200)
    ]
    for user_id, count in users:
        for first in range(0, count, 5_000):
            batch = [
                AddMemory(UserMemory(memory=fact(rng), topics=[rng.choice(SUBJECTS)]))
                for _ in range(min(5_000, count - first))
            ]
            memory.apply_user_memory_ops(user_id, batch, WriteContext("bench"))


def search_figures(
    db: MemoryDb, embeddings: Precomputed, args: argparse.Namespace, rng: random.Random
) -> dict[str, Any]:
    plain = Memory(db=db)
    begin = time.perf_counter()
    fill(plain, args.total_rows, args.memories, rng)
    figures: dict[str, Any] = {"load_s": round(time.perf_counter() - begin, 1)}
    memory = Memory(db=db, embeddings=embeddings)
    memory.reembed_memories("measured", batch_size=1_000)
    pick = itertools.cycle(embeddings.vectors).__next__

    def search(method: RetrievalMethod) -> object:
        return memory.search_user_memories("measured", pick(), limit=10, retrieval_method=method)

    methods: list[RetrievalMethod] = ["keyword", "hybrid"]
    figures.update({method: timed(partial(search, method), args.runs) for method in methods})
    figures["adds_per_s"] = adds_per_second(plain, 500, rng)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", default=DEFAULT_URL)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 4, 8])
    parser.add_argument("--turns", type=int, default=50)
    parser.add_argument("--total-rows", type=int, default=200_000)
    parser.add_argument("--memories", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=100)
    args = parser.parse_args()
    rng = random.Random(3)
    queries = [f"{rng.choice(SUBJECTS)} in {rng.choice(PLACES)}" for _ in range(50)]
    embeddings = Precomputed(HashEmbeddings(384), queries)
    report: dict[str, Any] = {"turns_per_worker": args.turns, "turns_per_s": {}}
    for workers in args.workers:
        with schema(args.url) as url, tempfile.TemporaryDirectory() as folder:
            report["turns_per_s"][f"{workers} workers"] = {
                "postgres": turns_per_second(url, workers, args.turns),
                "sqlite": turns_per_second(str(Path(folder) / "bench.db"), workers, args.turns),
            }
    report["search_table_rows"] = args.total_rows
    report["search_user_memories"] = args.memories
    backends: dict[str, Callable[[str], tuple[MemoryDb, Callable[[], None]]]] = {
        "postgres": lambda url: _postgres(url),
        "postgres_store_baseline": lambda url: _store(url),
    }
    for name, open_backend in backends.items():
        with schema(args.url) as url:
            db, close = open_backend(url)
            try:
                report[name] = search_figures(db, embeddings, args, rng)
            finally:
                close()
    print(json.dumps(report, indent=2))


def _postgres(url: str) -> tuple[MemoryDb, Callable[[], None]]:
    db = PostgresMemoryDb(url)
    db.setup()
    return db, db.close


def _store(url: str) -> tuple[MemoryDb, Callable[[], None]]:
    stack = ExitStack()
    store = stack.enter_context(PostgresStore.from_conn_string(url))
    store.setup()
    return StoreMemoryDb(store), stack.close


if __name__ == "__main__":
    main()
