"""Search latency as JSON: hybrid, semantic and keyword for a user with 10,000 memories.

Run by hand from the repository root: `uv run python -m benchmarks.retrieval_bench`
(`--backend store` for StoreMemoryDb over an InMemoryStore, which loads a user's
items and vectors on every search instead of caching them).
Vectors are precomputed (stored when the memories are added) and query vectors are
embedded before timing, so the search figures exclude the embedding model; its own
time per query is reported apart. The file also holds other users' memories.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import tempfile
import time
from functools import partial
from pathlib import Path
from typing import Any

from langchain_core.embeddings import Embeddings
from langgraph.store.memory import InMemoryStore

from benchmarks.store_bench import PLACES, SUBJECTS, fact, percentiles, timed
from memory import Memory, MemoryDb, RetrievalMethod, SqliteMemoryDb, UserMemory
from memory.db.store import StoreMemoryDb
from memory.embeddings import embedding_model_name, load_embeddings
from memory.schema import AddMemory, WriteContext


class Precomputed(Embeddings):
    """Answers known queries from a table, so timing measures the search alone."""

    def __init__(self, inner: Embeddings, queries: list[str]) -> None:
        self.inner = inner
        self.model = embedding_model_name(inner)
        self.vectors = dict(zip(queries, inner.embed_documents(queries), strict=True))

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.inner.embed_documents(texts)

    def embed_query(self, text: str) -> list[float]:
        return self.vectors[text]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--embeddings", default="hash:384")
    parser.add_argument("--memories", type=int, default=10_000)
    parser.add_argument("--other-users", type=int, default=50)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--backend", choices=["sqlite", "store"], default="sqlite")
    args = parser.parse_args()
    rng = random.Random(11)
    inner = load_embeddings(args.embeddings)
    queries = [f"{rng.choice(SUBJECTS)} in {rng.choice(PLACES)} now" for _ in range(50)]
    embeddings = Precomputed(inner, queries)
    report: dict[str, Any] = {
        "backend": args.backend,
        "embeddings": embeddings.model,
        "memories": args.memories,
    }
    with tempfile.TemporaryDirectory() as folder:
        db: MemoryDb = (
            SqliteMemoryDb(db_file=Path(folder) / "bench.db")
            if args.backend == "sqlite"
            else StoreMemoryDb(InMemoryStore())
        )
        with Memory(db=db, embeddings=embeddings) as memory:
            start = time.perf_counter()
            for user_id, count in [("measured", args.memories)] + [
                (f"other-{n}", 200) for n in range(args.other_users)
            ]:
                for first in range(0, count, 1_000):
                    batch = [
                        AddMemory(UserMemory(memory=fact(rng), topics=[rng.choice(SUBJECTS)]))
                        for _ in range(min(1_000, count - first))
                    ]
                    memory.apply_user_memory_ops(user_id, batch, WriteContext("bench"))
            # Batches of 1,000 can outlast the embedding timeout of a local model, which
            # leaves memories unembedded; searches would then embed them lazily and time
            # the embedding model instead of the search.
            memory.reembed_memories()
            report["load_and_embed_s"] = round(time.perf_counter() - start, 1)
            report["memories_without_vectors"] = memory.reembed_memories()
            pick = itertools.cycle(queries).__next__

            def search(method: RetrievalMethod) -> object:
                return memory.search_user_memories(
                    "measured", query=pick(), limit=10, retrieval_method=method
                )

            methods: list[RetrievalMethod] = ["hybrid", "semantic", "keyword"]
            report["search_10_of_10000_ms"] = {
                method: timed(partial(search, method), args.runs) for method in methods
            }
            cold = []
            for n in range(20):
                memory.add_user_memory(f"The user noted thing {n}", "measured")
                begin = time.perf_counter()
                search("hybrid")
                cold.append(time.perf_counter() - begin)
            report["hybrid_first_search_after_a_write_ms"] = percentiles(cold)
    report["query_embedding_ms"] = timed(lambda: inner.embed_query(pick()), 50)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
