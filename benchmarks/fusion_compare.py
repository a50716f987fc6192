"""Compare ways to fuse the keyword and semantic rankings on eval sets.

    HF_HUB_OFFLINE=1 uv run --group eval python -m benchmarks.fusion_compare --embeddings e5 \\
        --set benchmarks/eval_sets/conversations.json --set benchmarks/eval_sets/chats.json \\
        --set benchmarks/eval_sets/facts.json --cache tmp/e5.sqlite

Every variant runs hybrid search over the same stored memories and candidates, with
`memory.retrieval.fuse` replaced and the ordering by time turned off, so only the fusion
differs; the last row is hybrid search as shipped (calibrated fusion, then time
ordering). Prints recall@5 / MRR@10 / nDCG@10 over each set's non-trap queries, as
`benchmarks/score_retrieval.py` computes them. Any set in the same format can be added
with another `--set`, such as the dev set (not in this repository): `--set DEV_SET.json`.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any
from unittest.mock import patch

from benchmarks.harness import embeddings_for
from benchmarks.retrieval_eval import load
from benchmarks.score_retrieval import Ranking, evaluate
from memory import Memory, SqliteMemoryDb, UserMemory
from memory import retrieval as retrieval_module
from memory.ranking import Ranked, Spread, fuse, recency

Fusion = Callable[[Ranked, Ranked, Spread | None], Ranked]


def min_max(semantic_weight: float) -> Fusion:
    """The previous rule: cosine min-max scaled over the candidates, keyword over the best."""

    def fused(keyword: Ranked, semantic: Ranked, spread: Spread | None) -> Ranked:
        cosines = [cosine for _, cosine in semantic]
        low, high = min(cosines, default=0.0), max(cosines, default=0.0)
        best = max((share for _, share in keyword), default=0.0)
        return _summed(
            [
                (
                    semantic,
                    semantic_weight,
                    lambda c: (c - low) / (high - low) if high > low else 1,
                ),
                (keyword, 1 - semantic_weight, lambda s: s / best if best > 0 else 0.0),
            ]
        )

    return fused


def reciprocal_rank(k: int) -> Fusion:
    """Reciprocal rank fusion: 1 / (k + rank) summed over both rankings."""

    def fused(keyword: Ranked, semantic: Ranked, spread: Spread | None) -> Ranked:
        return _summed([(ranked, 1.0, None) for ranked in (keyword, semantic)], k)

    return fused


def _summed(
    parts: list[tuple[Ranked, float, Callable[[float], float] | None]], k: int = 0
) -> Ranked:
    """Each memory's weighted scores summed, or its reciprocal ranks when a scale is None."""
    totals: dict[str, float] = {}
    memories: dict[str, UserMemory] = {}
    for ranked, weight, scale in parts:
        for rank, (memory, score) in enumerate(ranked, start=1):
            key = str(memory.memory_id)
            memories[key] = memory
            value = 1 / (k + rank) if scale is None else scale(score)
            totals[key] = totals.get(key, 0.0) + weight * value
    result = [(memories[key], total) for key, total in totals.items()]
    result.sort(key=lambda pair: (-pair[1], -recency(pair[0]), str(pair[0].memory_id)))
    return result


VARIANTS: dict[str, Fusion] = {
    "calibrated, keyword weight 2": partial(fuse, keyword_weight=2.0),
    "calibrated, keyword weight 3": partial(fuse, keyword_weight=3.0),
    "calibrated, keyword weight 4": partial(fuse, keyword_weight=4.0),
    "calibrated, keyword weight 6": partial(fuse, keyword_weight=6.0),
    "calibrated, keyword weight 8": partial(fuse, keyword_weight=8.0),
    "min-max, 80% semantic": min_max(0.8),
    "min-max, 50% semantic": min_max(0.5),
    "reciprocal rank, k=5": reciprocal_rank(5),
    "reciprocal rank, k=60": reciprocal_rank(60),
}


@contextmanager
def fusing_with(fusion: Fusion | None) -> Iterator[None]:
    """Hybrid search with another fusion and no time ordering; as shipped for None."""
    if fusion is None:
        yield
        return
    unordered = patch.object(retrieval_module, "prefer_by_time", lambda ranked, *_: ranked)
    with patch.object(retrieval_module, "fuse", fusion), unordered:
        yield


def scored(data: dict[str, Any], memory: Memory, to_set_id: Any) -> str:
    results: dict[int, Ranking] = {}
    for index, query in enumerate(data["queries"]):
        found = memory.search_user_memories(
            query["user_id"], query=query["query"], limit=10, retrieval_method="hybrid"
        )
        owners = [str(m.user_id) for m in found]
        ids = [to_set_id[owner, str(m.memory_id)] for owner, m in zip(owners, found, strict=True)]
        results[index] = (ids, owners)
    overall = evaluate(data, results).means["overall"]
    return f"{overall['recall@5']:.3f}/{overall['mrr@10']:.3f}/{overall['ndcg@10']:.3f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--set", required=True, type=Path, action="append", dest="sets")
    parser.add_argument("--embeddings", default="e5")
    parser.add_argument("--cache", type=Path, help="SQLite file that keeps vectors between runs")
    args = parser.parse_args()
    rows: dict[str, list[str]] = {name: [] for name in [*VARIANTS, "shipped, then time order"]}
    for path in args.sets:
        data = json.loads(path.read_text(encoding="utf-8"))
        embeddings = embeddings_for(args.embeddings, args.cache)
        with Memory(db=SqliteMemoryDb(db_file=":memory:"), embeddings=embeddings) as memory:
            to_set_id = load(memory, data["users"])
            for name, fusion in [*VARIANTS.items(), ("shipped, then time order", None)]:
                with fusing_with(fusion):
                    rows[name].append(scored(data, memory, to_set_id))
    print("recall@5/MRR@10/nDCG@10 per set:", ", ".join(path.stem for path in args.sets))
    for name, cells in rows.items():
        print(f"{name:<30}" + "  ".join(cells))


if __name__ == "__main__":
    main()
