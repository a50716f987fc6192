"""Score a run of `benchmarks/retrieval_eval.py` on an eval set, per query kind and overall.

    uv run python -m benchmarks.score_retrieval benchmarks/eval_sets/conversations.json run.jsonl

A set holds `users` (each user's memories: `id`, `memory`, `topics`, `created_at`) and
`queries` (`user_id`, `query`, `relevant` ids, `kind`); see benchmarks/eval_sets/README.md.
A run has one JSON line per query: `query_index` (its position in `queries`), `ids` (best
first) and `user_ids` (the owner of each id).

Over every query but the `cross_user_trap` ones (which have nothing relevant), a result
counts only when it is the query's user's and its id is relevant; a result returned twice
counts once, and a query without a line scores 0:

- recall@5, recall@10: the share of the relevant ids among the first 5 or 10 results;
- MRR@10: 1 / the rank of the first relevant result among the first 10, else 0;
- nDCG@10: binary gains, 1 / log2(rank + 1) for each relevant result not returned higher
  up, over the same sum with the relevant ids ranked first (at most 10 of them).

Isolation, on every query, traps included: how many results belong to another user (every
result of a line that names no owners), on how many queries, and how many of those are traps.
It should always be 0.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.scoring import evidence_ndcg, evidence_recall, reciprocal_rank

TRAP = "cross_user_trap"
METRICS = ("recall@5", "recall@10", "mrr@10", "ndcg@10")

Ranking = tuple[list[str], list[str] | None]
"""A query's result ids, best first, and the owner of each (None when the run names none)."""


@dataclass(frozen=True)
class Isolation:
    """Results of another user than the query's, and the queries and traps they were in."""

    results: int
    queries: int
    traps: int


@dataclass(frozen=True)
class Scores:
    """Each metric's mean per group ("overall", then the kinds as the set first asks them),
    the number of queries in each group, and the isolation check."""

    means: dict[str, dict[str, float]]
    counts: dict[str, int]
    isolation: Isolation


def read_run(path: Path) -> dict[int, Ranking]:
    """The rankings of a results file, by query index."""
    run: dict[int, Ranking] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            owners = row.get("user_ids")
            run[int(row["query_index"])] = (
                [str(i) for i in row["ids"]],
                None if owners is None else [str(u) for u in owners],
            )
    return run


def query_scores(query: Mapping[str, Any], ranking: Ranking) -> dict[str, float]:
    """Every metric of one query: only the query's user's results can be relevant."""
    ids, owners = ranking
    user = query["user_id"]
    mine = [False] * len(ids) if owners is None else [owner == user for owner in owners]
    carried: list[frozenset[str]] = [
        frozenset({memory_id}) if own else frozenset()
        for memory_id, own in zip(ids, mine, strict=True)
    ]
    relevant = frozenset(query["relevant"])
    return {
        "recall@5": evidence_recall(carried, relevant, 5),
        "recall@10": evidence_recall(carried, relevant, 10),
        "mrr@10": reciprocal_rank(carried, relevant, 10),
        "ndcg@10": evidence_ndcg(carried, relevant, 10),
    }


def evaluate(data: Mapping[str, Any], run: Mapping[int, Ranking]) -> Scores:
    """Scores of a run on a set: means over the non-trap queries, and the isolation check."""
    values: dict[str, list[dict[str, float]]] = {"overall": []}
    violations = queries = traps = 0
    for index, query in enumerate(data["queries"]):
        ids, owners = run.get(index, ([], []))
        others = len(ids) if owners is None else sum(o != query["user_id"] for o in owners)
        violations += others
        queries += others > 0
        traps += others > 0 and query["kind"] == TRAP
        if query["kind"] != TRAP:
            scores = query_scores(query, (ids, owners))
            values["overall"].append(scores)
            values.setdefault(query["kind"], []).append(scores)
    means = {
        group: {m: sum(s[m] for s in rows) / len(rows) if rows else 0.0 for m in METRICS}
        for group, rows in values.items()
    }
    counts = {group: len(rows) for group, rows in values.items()}
    return Scores(means, counts, Isolation(violations, queries, traps))


def table(scores: Scores) -> str:
    """The means as a plain-text table, then the isolation check."""
    lines = [f"{'kind':<12}{'n':>5}" + "".join(f"{m:>11}" for m in METRICS)]
    for group, means in scores.means.items():
        cells = "".join(f"{means[m]:>11.3f}" for m in METRICS)
        lines.append(f"{group:<12}{scores.counts[group]:>5}{cells}")
    isolation = scores.isolation
    lines.append(
        f"isolation: {isolation.results} results of another user, in {isolation.queries} "
        f"queries ({isolation.traps} traps)"
    )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("set_path", type=Path)
    parser.add_argument("results", type=Path)
    parser.add_argument("--json", action="store_true", help="print the scores as JSON")
    args = parser.parse_args()
    data = json.loads(args.set_path.read_text(encoding="utf-8"))
    scores = evaluate(data, read_run(args.results))
    print(json.dumps(dataclasses.asdict(scores), indent=2) if args.json else table(scores))


if __name__ == "__main__":
    main()
