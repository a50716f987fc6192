"""Evidence recall on LoCoMo (snap-research/locomo), as JSON and a Markdown table.

    HF_HUB_OFFLINE=1 uv run --group eval python -m benchmarks.locomo DATA \\
        --corpus observations --embeddings e5 --cache tmp/vectors.sqlite

DATA is the published `locomo10.json` (a list of samples), one conversation's file
(`locomo10_v2/<id>.json`), or a folder of those. Each conversation is one user. The
corpus is its `observations` (facts, each citing the turns it came from), its chat
`turns` (each its own evidence), or `memories` that the memory model (`--model`)
extracts from its sessions, `--chunk` turns at a time, each citing the turns of the
chunk it came from. A question's evidence is its `evidence` dia_ids, read leniently
(`D8:6; D9:17` is two ids, `D30:05` is `D30:5`, `D:11:26` is `D11:26`); ids that name no
turn of the conversation are dropped and counted, and a question left with none is
skipped. Reports evidence recall@k and nDCG@10 per category (1 multi-hop, 2 temporal,
3 open-domain, 4 single-hop, 5 adversarial; 1-4 by default), each with a seeded
bootstrap 95% interval, for every method; see `benchmarks/harness.py` for the methods
and `benchmarks/qa.py` for the optional answer-and-judge mode.
"""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
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
from benchmarks.scoring import environment, evidence_ndcg, evidence_recall, grouped, markdown_table
from memory import Memory

CATEGORIES = {1: "multi-hop", 2: "temporal", 3: "open-domain", 4: "single-hop", 5: "adversarial"}
_EVIDENCE = re.compile(r"D\s*:?\s*(\d+)\s*:\s*(\d+)")
_SESSION = re.compile(r"session_(\d+)$")


def evidence_ids(raw: Any) -> list[str]:
    """Dia ids in an evidence field, however written: a string, a list, or ids run together."""
    if isinstance(raw, list | tuple):
        return [found for part in raw for found in evidence_ids(part)]
    return [f"D{int(a)}:{int(b)}" for a, b in _EVIDENCE.findall(str(raw))]


@dataclass(frozen=True)
class Turn:
    dia_id: str
    speaker: str
    text: str
    at: datetime | None

    @property
    def line(self) -> str:
        return f"{self.speaker}: {self.text}"


@dataclass(frozen=True)
class Conversation:
    """One LoCoMo sample, whichever file it came from."""

    sample_id: str
    turns: list[Turn]
    observations: list[Item]
    qa: list[dict[str, Any]]


def session_time(raw: Any) -> datetime | None:
    """LoCoMo's session dates, such as "1:56 pm on 8 May, 2023"; None when unreadable."""
    try:
        return datetime.strptime(str(raw).strip(), "%I:%M %p on %d %B, %Y")
    except ValueError:
        return None


def conversation(sample_id: str, sample: dict[str, Any]) -> Conversation:
    """Read one sample: the locomo10.json form (`conversation`, `observation`, `qa`) or
    the per-conversation form (sessions, observations and `qa` at the top level)."""
    talk = sample.get("conversation", sample)
    noted = sample.get("observation", sample)
    turns: list[Turn] = []
    observations: list[Item] = []
    sessions = sorted(int(m.group(1)) for key in talk if (m := _SESSION.match(key)))
    for number in sessions:
        start = session_time(talk.get(f"session_{number}_date_time"))
        for position, turn in enumerate(talk[f"session_{number}"]):
            (dia_id,) = evidence_ids(turn["dia_id"]) or [str(turn["dia_id"])]
            text = str(turn.get("text", ""))
            if turn.get("blip_caption"):
                text += f" [shares a photo: {turn['blip_caption']}]"
            at = None if start is None else start + timedelta(seconds=position)
            turns.append(Turn(dia_id, str(turn.get("speaker", "")), text, at))
        facts = noted.get(f"session_{number}_observation") or {}
        for speaker_facts in facts.values():
            for fact, cited in speaker_facts:
                observations.append(Item(str(fact), frozenset(evidence_ids(cited)), start))
    return Conversation(sample_id, turns, observations, list(sample.get("qa", [])))


def load(path: Path) -> list[Conversation]:
    """Every conversation in `path`: locomo10.json, one conversation's file, or a folder."""
    files = sorted(path.glob("*.json")) if path.is_dir() else [path]
    found: list[Conversation] = []
    for file in files:
        data = json.loads(file.read_text(encoding="utf-8"))
        samples = data if isinstance(data, list) else [data]
        for number, sample in enumerate(samples):
            default = file.stem if len(samples) == 1 else f"{file.stem}-{number}"
            found.append(conversation(str(sample.get("sample_id", default)), sample))
    return found


@dataclass
class Questions:
    asked: list[Question]
    dropped_ids: int
    """Evidence ids that name no turn of their conversation."""
    skipped: int
    """Questions of the chosen categories left with no evidence."""


def questions(conversations: Sequence[Conversation], categories: set[int]) -> Questions:
    asked: list[Question] = []
    dropped = skipped = 0
    for talk in conversations:
        known = {turn.dia_id for turn in talk.turns}
        for qa in talk.qa:
            if int(qa.get("category", 0)) not in categories:
                continue
            cited = evidence_ids(qa.get("evidence", []))
            relevant = frozenset(dia_id for dia_id in cited if dia_id in known)
            dropped += len(set(cited) - relevant)
            if not relevant:
                skipped += 1
                continue
            group = f"{qa['category']} {CATEGORIES.get(int(qa['category']), '?')}"
            answer = str(qa.get("answer", qa.get("adversarial_answer", "")))
            asked.append(Question(talk.sample_id, str(qa["question"]), group, relevant, answer))
    return Questions(asked, dropped, skipped)


def extracted(memory: Memory, talk: Conversation, chunk: int) -> list[Item]:
    """The memories the memory model learns from the conversation, `chunk` turns at a time;
    each cites the turns of every chunk that wrote it."""
    cited: dict[str, set[str]] = {}
    for first in range(0, len(talk.turns), chunk):
        turns = talk.turns[first : first + chunk]
        result = memory.create_user_memories(
            messages=[("user", turn.line) for turn in turns], user_id=talk.sample_id
        )
        for event in result.events:
            cited.setdefault(event.memory_id, set()).update(turn.dia_id for turn in turns)
    return [
        Item(m.memory, frozenset(cited.get(str(m.memory_id), ())), m.created_at)
        for m in memory.get_user_memories(talk.sample_id)
    ]


def corpus(
    talk: Conversation, kind: str, memory: Memory | None = None, chunk: int = 8
) -> list[Item]:
    if kind == "observations":
        return talk.observations
    if kind == "turns":
        return [Item(turn.line, frozenset({turn.dia_id}), turn.at) for turn in talk.turns]
    assert memory is not None
    return extracted(memory, talk, chunk)


def scores(run: Run, asked: Sequence[Question], ks: Sequence[int], seed: int) -> dict[str, Any]:
    """Every method's recall@k and nDCG@10 per category, with intervals, tokens, latency."""
    report = {}
    for method, results in run.results.items():
        rows = []
        for question, found in zip(asked, results, strict=True):
            metrics = {
                f"recall@{k}": evidence_recall(found.evidence, question.relevant, k) for k in ks
            }
            metrics["ndcg@10"] = evidence_ndcg(found.evidence, question.relevant, 10)
            rows.append((question.group, metrics))
        report[method] = method_report(results, ks, grouped(rows, seed))
    return report


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("data", type=Path, help="locomo10.json, a conversation's file, a folder")
    parser.add_argument("--corpus", choices=["observations", "turns", "memories"], default="turns")
    parser.add_argument("--categories", default="1,2,3,4")
    add_run_options(parser)
    args, ks, methods = parse_run_options(parser, argv)
    conversations = load(args.data)
    if not conversations:
        parser.error(
            f"no LoCoMo conversation in {args.data} (give locomo10.json or a folder of .json)"
        )
    chosen = questions(conversations, {int(c) for c in args.categories.split(",")})
    embeddings = embeddings_for(args.embeddings, args.cache)
    corpora: dict[str, list[Item]] = {}
    for talk in conversations:
        if args.corpus == "memories":
            with Memory(model=args.model) as memory:
                corpora[talk.sample_id] = corpus(talk, args.corpus, memory, args.chunk)
        else:
            corpora[talk.sample_id] = corpus(talk, args.corpus)
    run = retrieve(corpora, chosen.asked, methods, embeddings, max(ks))
    report = {
        "benchmark": "locomo",
        "corpus": args.corpus,
        "embeddings": args.embeddings,
        "memory_model": args.model,
        "conversations": [talk.sample_id for talk in conversations],
        "items": sum(map(len, corpora.values())),
        "questions": len(chosen.asked),
        "questions_without_evidence": chosen.skipped,
        "evidence_ids_dropped": chosen.dropped_ids,
        "k": ks,
        "seed": args.seed,
        "load_s": run.load_seconds,
        "methods": scores(run, chosen.asked, ks, args.seed),
        "qa": None,
        "environment": environment(),
    }
    report["qa"] = qa_report(args, chosen.asked, run, max(ks), args.seed)
    table = markdown_table(report["methods"], [*(f"recall@{k}" for k in ks), "ndcg@10"])
    publish(report, table, args.markdown)
    return report


if __name__ == "__main__":
    main()
