"""Session and turn recall on LongMemEval (xiaowu0162/LongMemEval), as JSON and a Markdown table.

    HF_HUB_OFFLINE=1 uv run --group eval python -m benchmarks.longmemeval DATA \\
        --embeddings e5 --cache tmp/vectors.sqlite

DATA is one of the published files, `longmemeval_s.json`, `longmemeval_m.json` or
`longmemeval_oracle.json` (the cleaned releases have the same layout): a list of
questions, each with its own chat history (`haystack_sessions`, named by
`haystack_session_ids` and dated by `haystack_dates`). Each question is one user. The
corpus is the history's `turns` (each `role: content`, cut to a memory's 2,000
characters; `--roles user` indexes the user's alone, as the published retrieval
evaluation does, though then single-session-assistant evidence cannot be found),
or the `memories` that the memory model (`--model`) extracts from each
session, `--chunk` turns at a time. A turn is evidence when it has `has_answer`; a
session when it is among `answer_session_ids`. Reports per `question_type`, each with a
seeded bootstrap 95% interval: turn `recall_any@k` and `recall_all@k` (over questions
whose history marks evidence turns) and session `recall_any@k` and `recall_all@k`, where
the sessions ranked are those of the retrieved items in order of their first
appearance, items being read until k sessions are found, as the published evaluation
does. Abstention questions (`_abs` ids) have no evidence and are left out.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from benchmarks.harness import (
    Item,
    Question,
    Run,
    add_run_options,
    embeddings_for,
    method_report,
    parse_run_options,
    publish,
    qa_report,
    retrieve,
)
from benchmarks.scoring import environment, grouped, markdown_table, recall_all, recall_any
from memory import Memory

DEPTH_PER_K = 5
"""Items read per session wanted, so items from one session rarely leave fewer than k."""


@dataclass(frozen=True)
class Instance:
    """One LongMemEval question and its history."""

    question_id: str
    question_type: str
    question: str
    answer: str
    sessions: list[tuple[str, datetime | None, list[dict[str, Any]]]]
    """(session id, date, turns) in the history's order."""
    answer_sessions: frozenset[str]

    @property
    def abstention(self) -> bool:
        return self.question_id.endswith("_abs")

    def evidence_turns(self) -> frozenset[str]:
        return frozenset(
            turn_id(session, number)
            for session, _, turns in self.sessions
            for number, turn in enumerate(turns, start=1)
            if turn.get("has_answer")
        )


def turn_id(session: str, number: int) -> str:
    """A turn's id: its session's id and its 1-based position, as the published code names it."""
    return f"{session}_{number}"


def session_date(raw: Any) -> datetime | None:
    """LongMemEval's dates, such as "2023/05/20 (Sat) 02:21"; None when unreadable."""
    parts = str(raw).split()
    try:
        return datetime.strptime(f"{parts[0]} {parts[-1]}", "%Y/%m/%d %H:%M")
    except (ValueError, IndexError):
        return None


def load(path: Path) -> list[Instance]:
    found = []
    for raw in json.loads(path.read_text(encoding="utf-8")):
        ids = [str(s) for s in raw["haystack_session_ids"]]
        dates = raw.get("haystack_dates") or [None] * len(ids)
        sessions = [
            (session, session_date(date), list(turns))
            for session, date, turns in zip(ids, dates, raw["haystack_sessions"], strict=True)
        ]
        found.append(
            Instance(
                question_id=str(raw["question_id"]),
                question_type=str(raw["question_type"]),
                question=str(raw["question"]),
                answer=str(raw.get("answer", "")),
                sessions=sessions,
                answer_sessions=frozenset(str(s) for s in raw.get("answer_session_ids", [])),
            )
        )
    return found


def turns(
    instance: Instance, roles: frozenset[str] = frozenset({"user", "assistant"})
) -> list[Item]:
    """Each turn of the history by one of `roles`, citing its own id and its session's
    (`session:` prefix)."""
    return [
        Item(
            f"{turn['role']}: {turn['content']}",
            frozenset({turn_id(session, number), f"session:{session}"}),
            at,
        )
        for session, at, history in instance.sessions
        for number, turn in enumerate(history, start=1)
        if str(turn.get("content", "")).strip() and turn.get("role") in roles
    ]


def extracted(memory: Memory, instance: Instance, chunk: int) -> list[Item]:
    """The memories the memory model learns from the history, `chunk` turns at a time; each
    cites the turns and sessions of every chunk that wrote it."""
    cited: dict[str, set[str]] = {}
    user = instance.question_id
    for session, _, history in instance.sessions:
        for first in range(0, len(history), chunk):
            part = history[first : first + chunk]
            result = memory.create_user_memories(
                messages=[(turn["role"], str(turn["content"])) for turn in part], user_id=user
            )
            ids = {turn_id(session, first + n) for n in range(1, len(part) + 1)}
            for event in result.events:
                cited.setdefault(event.memory_id, set()).update(ids | {f"session:{session}"})
    return [
        Item(m.memory, frozenset(cited.get(str(m.memory_id), ())), m.created_at)
        for m in memory.get_user_memories(user)
    ]


def ranked_sessions(evidence: Sequence[frozenset[str]]) -> list[str]:
    """The sessions of some retrieved items, in order of first appearance."""
    order: dict[str, None] = {}
    for cited in evidence:
        for label in sorted(cited):
            if label.startswith("session:"):
                order.setdefault(label.removeprefix("session:"), None)
    return list(order)


def scores(run: Run, instances: Sequence[Instance], ks: Sequence[int], seed: int) -> dict[str, Any]:
    report = {}
    for method, results in run.results.items():
        rows = []
        for instance, found in zip(instances, results, strict=True):
            sessions = ranked_sessions(found.evidence)
            metrics = {}
            for k in ks:
                metrics[f"session_recall_any@{k}"] = recall_any(
                    sessions, instance.answer_sessions, k
                )
                metrics[f"session_recall_all@{k}"] = recall_all(
                    sessions, instance.answer_sessions, k
                )
            wanted = instance.evidence_turns()
            if wanted:
                for k in ks:
                    top = [label for cited in found.evidence[:k] for label in cited]
                    metrics[f"turn_recall_any@{k}"] = recall_any(top, wanted, len(top))
                    metrics[f"turn_recall_all@{k}"] = recall_all(top, wanted, len(top))
            rows.append((instance.question_type, metrics))
        report[method] = method_report(results, ks, grouped(rows, seed))
    return report


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("data", type=Path, help="longmemeval_s.json, _m.json or _oracle.json")
    parser.add_argument("--corpus", choices=["turns", "memories"], default="turns")
    parser.add_argument(
        "--roles", default="user,assistant", help="whose turns to index; the paper's: user"
    )
    parser.add_argument("--limit", type=int, help="only the first N questions")
    add_run_options(parser)
    args, ks, methods = parse_run_options(parser, argv)
    instances = [i for i in load(args.data) if not i.abstention][: args.limit]
    corpora: dict[str, list[Item]] = {}
    for instance in instances:
        if args.corpus == "memories":
            with Memory(model=args.model) as memory:
                corpora[instance.question_id] = extracted(memory, instance, args.chunk)
        else:
            roles = frozenset(r.strip() for r in args.roles.split(","))
            corpora[instance.question_id] = turns(instance, roles)
    asked = [
        Question(i.question_id, i.question, i.question_type, i.answer_sessions, i.answer)
        for i in instances
    ]
    embeddings = embeddings_for(args.embeddings, args.cache)
    run = retrieve(corpora, asked, methods, embeddings, max(ks) * DEPTH_PER_K)
    report = {
        "benchmark": "longmemeval",
        "data": args.data.name,
        "corpus": args.corpus,
        "embeddings": args.embeddings,
        "memory_model": args.model,
        "questions": len(instances),
        "items": sum(map(len, corpora.values())),
        "k": ks,
        "seed": args.seed,
        "load_s": run.load_seconds,
        "methods": scores(run, instances, ks, args.seed),
        "qa": None,
        "environment": environment(),
    }
    report["qa"] = qa_report(args, asked, run, max(ks), args.seed)
    metrics = [
        f"{level}_recall_{kind}@{k}"
        for level in ("session", "turn")
        for k in ks
        for kind in ("any", "all")
    ]
    table = markdown_table(report["methods"], metrics)
    publish(report, table, args.markdown)
    return report


if __name__ == "__main__":
    main()
