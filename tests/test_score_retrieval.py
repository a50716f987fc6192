"""The eval-set scorer against figures computed by hand on a set of five queries."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Any

import pytest

from benchmarks import score_retrieval
from benchmarks.score_retrieval import METRICS, Isolation, evaluate, read_run


def memories(count: int) -> list[dict[str, Any]]:
    return [
        {
            "id": f"m{n}",
            "memory": f"fact {n}",
            "topics": [],
            "created_at": f"2025-01-0{n}T09:00:00Z",
        }
        for n in range(1, count + 1)
    ]


SET = {
    "users": {"ana": memories(6), "bo": memories(2)},
    "queries": [
        {"user_id": "ana", "query": "q0", "relevant": ["m1", "m2"], "kind": "lexical"},
        {"user_id": "ana", "query": "q1", "relevant": ["m4"], "kind": "paraphrase"},
        {"user_id": "bo", "query": "q2", "relevant": ["m2"], "kind": "lexical"},
        {"user_id": "bo", "query": "q3", "relevant": [], "kind": "cross_user_trap"},
        {"user_id": "ana", "query": "q4", "relevant": [], "kind": "cross_user_trap"},
    ],
}
RUN = [
    # Both relevant ids found, at ranks 2 and 4; m1 returned twice counts once.
    {"query_index": 0, "ids": ["m3", "m1", "m1", "m2"], "user_ids": ["ana"] * 4},
    # Bo's m4 is not Ana's m4: her own is found at rank 6, beyond recall@5.
    {
        "query_index": 1,
        "ids": ["m4", "m1", "m2", "m3", "m5", "m4"],
        "user_ids": ["bo", "ana", "ana", "ana", "ana", "ana"],
    },
    # Query 2 has no line: it scores 0.
    {"query_index": 3, "ids": ["m1"], "user_ids": ["ana"]},
    # A line without owners: each of its results counts against isolation.
    {"query_index": 4, "ids": ["m1", "m2"]},
]

FIRST_NDCG = (1 / math.log2(3) + 1 / math.log2(5)) / (1 + 1 / math.log2(3))
SECOND_NDCG = 1 / math.log2(7)


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    set_path = tmp_path / "set.json"
    set_path.write_text(json.dumps(SET), encoding="utf-8")
    run_path = tmp_path / "run.jsonl"
    run_path.write_text("".join(json.dumps(row) + "\n" for row in RUN) + "\n", encoding="utf-8")
    return set_path, run_path


def test_scores_match_hand_computed_values(files: tuple[Path, Path]) -> None:
    scores = evaluate(SET, read_run(files[1]))
    assert list(scores.means) == ["overall", "lexical", "paraphrase"]
    assert scores.counts == {"overall": 3, "lexical": 2, "paraphrase": 1}
    assert scores.means["overall"] == pytest.approx(
        {
            "recall@5": 1 / 3,
            "recall@10": 2 / 3,
            "mrr@10": (1 / 2 + 1 / 6) / 3,
            "ndcg@10": (FIRST_NDCG + SECOND_NDCG) / 3,
        }
    )
    assert scores.means["lexical"] == pytest.approx(
        {"recall@5": 1 / 2, "recall@10": 1 / 2, "mrr@10": 1 / 4, "ndcg@10": FIRST_NDCG / 2}
    )
    assert scores.means["paraphrase"] == pytest.approx(
        {"recall@5": 0.0, "recall@10": 1.0, "mrr@10": 1 / 6, "ndcg@10": SECOND_NDCG}
    )
    assert scores.isolation == Isolation(results=4, queries=3, traps=2)


def test_a_perfect_run_scores_one_and_an_empty_run_zero() -> None:
    perfect = {
        0: (["m1", "m2"], ["ana", "ana"]),
        1: (["m4"], ["ana"]),
        2: (["m2", "m1"], ["bo", "bo"]),
    }
    assert evaluate(SET, perfect).means["overall"] == pytest.approx(dict.fromkeys(METRICS, 1.0))
    empty = evaluate(SET, {})
    assert empty.means["overall"] == dict.fromkeys(METRICS, 0.0)
    assert empty.isolation == Isolation(results=0, queries=0, traps=0)


def test_the_command_prints_a_row_per_kind_and_the_isolation_check(
    files: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "argv", ["score_retrieval", *map(str, files)])
    score_retrieval.main()
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["kind", "n", "recall@5", "recall@10", "mrr@10", "ndcg@10"]
    assert lines[1].split()[:4] == ["overall", "3", "0.333", "0.667"]
    assert [line.split()[0] for line in lines[2:4]] == ["lexical", "paraphrase"]
    assert lines[4] == "isolation: 4 results of another user, in 3 queries (2 traps)"
    monkeypatch.setattr(sys, "argv", ["score_retrieval", *map(str, files), "--json"])
    score_retrieval.main()
    report = json.loads(capsys.readouterr().out)
    assert report["isolation"] == {"results": 4, "queries": 3, "traps": 2}
    assert report["means"]["paraphrase"]["recall@10"] == 1.0
