"""For each `temporal` query of an eval set: is the newest relevant memory ranked first?

    uv run python -m benchmarks.newest_first benchmarks/eval_sets/conversations.json hybrid.jsonl

Reads the set and a results file of `benchmarks/retrieval_eval.py` (as
`benchmarks/score_retrieval.py` does), prints the queries whose newest relevant memory
is not first, with its rank, and the count of those that are.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from benchmarks.score_retrieval import read_run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("set_path", type=Path)
    parser.add_argument("results", type=Path)
    args = parser.parse_args()
    data = json.loads(args.set_path.read_text(encoding="utf-8"))
    created = {
        (user_id, memory["id"]): memory["created_at"]
        for user_id, memories in data["users"].items()
        for memory in memories
    }
    run = read_run(args.results)
    first = total = 0
    for index, query in enumerate(data["queries"]):
        if query["kind"] != "temporal":
            continue
        newest = max(query["relevant"], key=lambda i: created[query["user_id"], i])
        ids = run[index][0] if index in run else []
        total += 1
        if ids[:1] == [newest]:
            first += 1
        else:
            rank = ids.index(newest) + 1 if newest in ids else None
            print(f"not first (rank {rank}): {query['query']}")
    print(f"newest relevant memory first: {first}/{total}")


if __name__ == "__main__":
    main()
