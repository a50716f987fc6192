"""Semantic search latency as JSON: through a LangGraph store's own index, and through the
vectors StoreMemoryDb keeps beside the memories otherwise (the `vectors` side namespace),
for a user with 1,000 and one with 10,000 memories, in one run.

Run by hand from the repository root: `uv run python -m benchmarks.store_index_bench`.
Both stores are LangGraph's InMemoryStore holding the same memories (and other users'),
embedded by the same deterministic offline model; query vectors are computed before
timing, so the figures are the search alone (`Precomputed`).
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import time
from collections.abc import Callable
from typing import Any

from langgraph.store.memory import InMemoryStore

from benchmarks.retrieval_bench import Precomputed
from benchmarks.store_bench import PLACES, SUBJECTS, fact, timed
from memory import Memory, UserMemory
from memory.db.store import StoreMemoryDb
from memory.embeddings import load_embeddings
from memory.schema import AddMemory, WriteContext

SIZES = {"user-1000": 1_000, "user-10000": 10_000}


def fill(memories: list[Memory], rng: random.Random, other_users: int) -> None:
    """The same memories, in the same order, in every Memory."""
    users = [*SIZES.items(), *((f"other-{n}", 200) for n in range(other_users))]
    for user_id, count in users:
        for first in range(0, count, 1_000):
            batch = [
                AddMemory(UserMemory(memory=fact(rng), topics=[rng.choice(SUBJECTS)]))
                for _ in range(min(1_000, count - first))
            ]
            for memory in memories:
                memory.apply_user_memory_ops(user_id, batch, WriteContext("bench"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--embeddings", default="hash:384")
    parser.add_argument("--other-users", type=int, default=20)
    parser.add_argument("--runs", type=int, default=100)
    args = parser.parse_args()
    rng = random.Random(13)
    inner = load_embeddings(args.embeddings)
    queries = [f"{rng.choice(SUBJECTS)} in {rng.choice(PLACES)}" for _ in range(50)]
    embeddings = Precomputed(inner, queries)
    dimensions = len(inner.embed_query("dimensions"))
    setups = {
        "store_index": Memory(
            db=StoreMemoryDb(InMemoryStore(index={"dims": dimensions, "embed": embeddings}))
        ),
        "side_namespace": Memory(db=StoreMemoryDb(InMemoryStore()), embeddings=embeddings),
    }
    start = time.perf_counter()
    fill(list(setups.values()), rng, args.other_users)
    report: dict[str, Any] = {
        "store": "InMemoryStore",
        "embeddings": embeddings.model,
        "runs_per_figure": args.runs,
        "load_and_embed_s": round(time.perf_counter() - start, 1),
    }
    pick = itertools.cycle(queries).__next__

    def semantic(memory: Memory, user_id: str) -> Callable[[], object]:
        return lambda: memory.search_user_memories(
            user_id, pick(), limit=10, retrieval_method="semantic"
        )

    report["semantic_search_10_ms"] = {
        str(count): {
            name: timed(semantic(memory, user_id), args.runs) for name, memory in setups.items()
        }
        for user_id, count in SIZES.items()
    }
    # Both rank by the same cosine, to float32 precision (ties, frequent with this model,
    # may pick other memories).
    top = {
        name: [
            [round(score, 4) for score in scores or []]
            for query in queries
            for scores in [
                memory.search_user_memories(
                    "user-1000", query, limit=5, retrieval_method="semantic"
                ).scores
            ]
        ]
        for name, memory in setups.items()
    }
    report["same_top_5_scores"] = top["store_index"] == top["side_namespace"]
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
