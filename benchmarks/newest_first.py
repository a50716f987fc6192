"""For each `temporal` query of an eval set: is the newest relevant memory ranked first?

    python3 benchmarks/newest_first.py ../shared/eval/dev_retrieval.json hybrid.jsonl

Reads the set and a results file of `benchmarks/retrieval_eval.py` (the shared scorer's
format), prints the queries whose newest relevant memory is not first, with its rank,
and the count of those that are. Standard library only, like the scorer.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path


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
    ranked: dict[int, list[str]] = {}
    for line in args.results.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            ranked[int(row["query_index"])] = [str(i) for i in row["ids"]]
    first = total = 0
    for index, query in enumerate(data["queries"]):
        if query["kind"] != "temporal":
            continue
        newest = max(query["relevant"], key=lambda i: created[query["user_id"], i])
        ids = ranked.get(index, [])
        total += 1
        if ids[:1] == [newest]:
            first += 1
        else:
            rank = ids.index(newest) + 1 if newest in ids else None
            print(f"not first (rank {rank}): {query['query']}")
    print(f"newest relevant memory first: {first}/{total}")


if __name__ == "__main__":
    main()
