"""PostgreSQL search latency as JSON: keyword and hybrid for one user among many.

Run by hand: `uv run python -m benchmarks.postgres_search_bench [--url postgresql://...]`.
The rows (`--memories` of the measured user, the rest for users of 200 each, up to
`--total-rows`) are loaded once into a schema of their own, kept between runs so
a change to the search can be measured again without reloading; `--drop` removes
the schema after the run. Vectors are hash embeddings stored with the memories,
and query vectors are computed before timing, so the figures are the search alone.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import time
from functools import partial
from typing import Any

import psycopg

from benchmarks.postgres_bench import DEFAULT_URL, fill
from benchmarks.retrieval_bench import Precomputed
from benchmarks.store_bench import PLACES, SUBJECTS, timed
from memory import HashEmbeddings, Memory, PostgresMemoryDb, RetrievalMethod

SCHEMA = "memory_agent_search_bench"


def loaded_rows(url: str, schema: str) -> int:
    """How many memories the benchmark's schema holds (0 when it has no table yet)."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
        found = conn.execute("SELECT to_regclass(%s)", (f"{schema}.user_memories",)).fetchone()
        if found is None or found[0] is None:
            return 0
        counted = conn.execute(f"SELECT count(*) FROM {schema}.user_memories").fetchone()
        return int(counted[0]) if counted else 0


def vacuum(url: str, schema: str) -> None:
    """Vacuum and analyze the loaded tables, as autovacuum does within minutes of a bulk
    load (PostgreSQL 13 on vacuums after inserts too). Right after the load, with no
    visibility map and no statistics, the keyword search visits each matching row in
    the table (about 190 ms instead of 6 on this machine): not the steady state."""
    with psycopg.connect(url, autocommit=True) as conn:
        tables = conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = %s", (schema,)
        ).fetchall()
        for (table,) in tables:
            conn.execute(f'VACUUM (ANALYZE) "{schema}"."{table}"')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", default=DEFAULT_URL)
    parser.add_argument("--schema", default=SCHEMA)
    parser.add_argument("--total-rows", type=int, default=200_000)
    parser.add_argument("--memories", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--drop", action="store_true", help="drop the schema after the run")
    args = parser.parse_args()
    rng = random.Random(3)
    queries = [f"{rng.choice(SUBJECTS)} in {rng.choice(PLACES)}" for _ in range(50)]
    embeddings = Precomputed(HashEmbeddings(384), queries)
    url = f"{args.url}?options=-csearch_path%3D{args.schema}"
    report: dict[str, Any] = {
        "table_rows": args.total_rows,
        "user_memories": args.memories,
        "runs": args.runs,
    }
    try:
        rows = loaded_rows(args.url, args.schema)
        db = PostgresMemoryDb(url)
        db.setup()
        with Memory(db=db, embeddings=embeddings) as memory:
            if rows != args.total_rows:
                if rows:
                    raise SystemExit(
                        f"schema {args.schema} holds {rows} rows, not {args.total_rows}: "
                        "run once with --drop, or pick another --schema"
                    )
                begin = time.perf_counter()
                fill(Memory(db=db), args.total_rows, args.memories, rng)
                memory.reembed_memories("measured", batch_size=1_000)
                report["load_s"] = round(time.perf_counter() - begin, 1)
                vacuum(args.url, args.schema)
            pick = itertools.cycle(embeddings.vectors).__next__

            def search(method: RetrievalMethod) -> object:
                return memory.search_user_memories(
                    "measured", pick(), limit=10, retrieval_method=method
                )

            methods: list[RetrievalMethod] = ["keyword", "hybrid"]
            report.update({method: timed(partial(search, method), args.runs) for method in methods})
    finally:
        if args.drop:
            with psycopg.connect(args.url, autocommit=True) as conn:
                conn.execute(f"DROP SCHEMA IF EXISTS {args.schema} CASCADE")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
