"""What the LoCoMo and LongMemEval harnesses share besides scoring: embeddings kept on
disk between runs, loading one user's corpus into a `Memory`, and running each method.

Embedding is most of a run's time with a local model (e5-small embeds about six turns a
second on two busy cores), so `CachedEmbeddings` keeps every vector in an SQLite file
keyed by model, kind (query or passage) and text: a second run, or another method or
fusion, embeds nothing.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sqlite3
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, cast

import numpy as np
from langchain_core.embeddings import Embeddings
from langgraph.store.memory import InMemoryStore

from benchmarks.retrieval_eval import embeddings_named
from benchmarks.scoring import latency
from memory import Memory, RetrievalMethod, SqliteMemoryDb, UserMemory
from memory.embeddings import embedding_model_name
from memory.retrieval import approx_tokens
from memory.schema import MAX_MEMORY_CHARS, AddMemory, WriteContext

METHODS = ("last_n", "bm25", "dense", "keyword", "semantic", "hybrid")
"""The peers' baselines (the newest items, BM25 alone as `rank_bm25` computes it, and
dense vectors alone as LangGraph's indexed store finds them) and ours."""
NEEDS_VECTORS = frozenset({"dense", "semantic"})
LOAD_BATCH = 500


class CachedEmbeddings(Embeddings):
    """Another model's vectors, computed once per text and kept in an SQLite file."""

    def __init__(self, inner: Embeddings, path: Path) -> None:
        self.inner = inner
        self.model = embedding_model_name(inner)
        path.parent.mkdir(parents=True, exist_ok=True)
        # Memory embeds on its own worker threads; the lock keeps them to one at a time.
        self._db = sqlite3.connect(path, check_same_thread=False)
        self._lock = threading.Lock()
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS vectors "
            "(model TEXT, kind TEXT, digest TEXT, vector BLOB, PRIMARY KEY (model, kind, digest))"
        )

    def _get(self, kind: str, texts: Sequence[str]) -> list[list[float] | None]:
        found: list[list[float] | None] = []
        for text in texts:
            with self._lock:
                row = self._db.execute(
                    "SELECT vector FROM vectors WHERE model = ? AND kind = ? AND digest = ?",
                    (self.model, kind, _digest(text)),
                ).fetchone()
            found.append(None if row is None else np.frombuffer(row[0], np.float32).tolist())
        return found

    def _put(self, kind: str, texts: Sequence[str], vectors: Sequence[Sequence[float]]) -> None:
        with self._lock:
            self._write(kind, texts, vectors)

    def _write(self, kind: str, texts: Sequence[str], vectors: Sequence[Sequence[float]]) -> None:
        self._db.executemany(
            "INSERT OR REPLACE INTO vectors VALUES (?, ?, ?, ?)",
            [
                (self.model, kind, _digest(text), np.asarray(vector, np.float32).tobytes())
                for text, vector in zip(texts, vectors, strict=True)
            ],
        )
        self._db.commit()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        found = self._get("passage", texts)
        missing = sorted(
            {text for text, vector in zip(texts, found, strict=True) if vector is None}
        )
        if missing:
            self._put("passage", missing, self.inner.embed_documents(missing))
            found = self._get("passage", texts)
        return [vector for vector in found if vector is not None]

    def embed_query(self, text: str) -> list[float]:
        (found,) = self._get("query", [text])
        if found is None:
            self._put("query", [text], [self.inner.embed_query(text)])
            (found,) = self._get("query", [text])
        assert found is not None
        return found


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def embeddings_for(name: str, cache: Path | None) -> CachedEmbeddings | None:
    """`--embeddings` (none, hash, e5 or module:attr, as benchmarks/retrieval_eval.py),
    cached in the file `cache`, else in memory for this run."""
    inner = embeddings_named(name)
    return None if inner is None else CachedEmbeddings(inner, cache or Path(":memory:"))


@dataclass(frozen=True)
class Item:
    """One text of a user's corpus and the evidence ids it carries."""

    text: str
    evidence: frozenset[str]
    at: datetime | None = None


@dataclass(frozen=True)
class Question:
    user: str
    text: str
    group: str
    """The LoCoMo category or LongMemEval question type the question is reported under."""
    relevant: frozenset[str]
    answer: str = ""
    """The gold answer, for the optional QA mode (`benchmarks/qa.py`)."""


@dataclass
class Retrieved:
    """What one method found for one question, best first."""

    evidence: list[frozenset[str]]
    texts: list[str]
    seconds: float


@dataclass
class Run:
    """Every method's results for every question, in the questions' order."""

    results: dict[str, list[Retrieved]] = field(default_factory=dict)
    load_seconds: float = 0.0


def words(text: str) -> list[str]:
    """Lower-cased word tokens, as the usual BM25 baselines split text."""
    return re.findall(r"\w+", text.lower())


class _Corpus:
    """One user's corpus loaded for every method: our Memory, BM25, an indexed store."""

    def __init__(
        self, user: str, items: Sequence[Item], embeddings: Embeddings | None, methods: set[str]
    ) -> None:
        self.user = user
        self.evidence: dict[str, frozenset[str]] = {}
        for item in items:
            text = item.text.strip()[:MAX_MEMORY_CHARS]
            self.evidence[text] = self.evidence.get(text, frozenset()) | item.evidence
        if embeddings is not None:
            # Embedded here first, as one batch without Memory's per-call time limit,
            # which a local model can outlast; Memory then reads the vectors back.
            embeddings.embed_documents(list(self.evidence))
        self.memory = Memory(db=SqliteMemoryDb(db_file=":memory:"), embeddings=embeddings)
        dated = {item.text.strip()[:MAX_MEMORY_CHARS]: item.at for item in items}
        ops = [
            AddMemory(UserMemory(memory=text, created_at=dated[text], updated_at=dated[text]))
            for text in self.evidence
        ]
        for first in range(0, len(ops), LOAD_BATCH):
            batch = ops[first : first + LOAD_BATCH]
            self.memory.apply_user_memory_ops(user, batch, WriteContext("import"))
        if embeddings is not None:
            self.memory.reembed_memories(user)
        self.texts = list(self.evidence)
        self.bm25: Any = None
        if "bm25" in methods:
            from rank_bm25 import BM25Okapi

            self.bm25 = BM25Okapi([words(text) for text in self.texts])
        self.store: InMemoryStore | None = None
        if "dense" in methods and embeddings is not None:
            dimensions = len(embeddings.embed_query("dimensions"))
            self.store = InMemoryStore(
                index={"embed": embeddings, "dims": dimensions, "fields": ["text"]}
            )
            for n, text in enumerate(self.texts):
                self.store.put((user,), str(n), {"text": text})

    def search(self, method: str, query: str, depth: int) -> list[str]:
        if method == "bm25":
            scores = self.bm25.get_scores(words(query))
            order = np.argsort(-scores, kind="stable")[:depth]
            return [self.texts[i] for i in order if scores[i] > 0]
        if method == "dense":
            assert self.store is not None
            hits = self.store.search((self.user,), query=query, limit=depth)
            return [str(hit.value["text"]) for hit in hits]
        ours = cast(RetrievalMethod, method)
        if method == "last_n":
            newest = self.memory.search_user_memories(self.user, limit=depth, retrieval_method=ours)
            return [m.memory for m in reversed(newest)]
        found = self.memory.search_user_memories(
            self.user, query=query, limit=depth, retrieval_method=ours
        )
        return [m.memory for m in found]

    def close(self) -> None:
        self.memory.close()


def retrieve(
    corpora: dict[str, list[Item]],
    questions: Sequence[Question],
    methods: Sequence[str],
    embeddings: Embeddings | None,
    depth: int,
) -> Run:
    """Each method's `depth` best items for each question, each user's corpus loaded once.

    Query vectors are computed before timing, so retrieval times exclude the embedding
    model (a cache lookup remains); load time includes embedding the corpus.
    """
    wanted = [m for m in methods if embeddings is not None or m not in NEEDS_VECTORS]
    run = Run({method: [] for method in wanted})
    by_user: dict[str, list[int]] = {}
    for index, question in enumerate(questions):
        by_user.setdefault(question.user, []).append(index)
    found: dict[str, dict[int, Retrieved]] = {method: {} for method in wanted}
    for user, indexes in by_user.items():
        start = time.perf_counter()
        corpus = _Corpus(user, corpora.get(user, []), embeddings, set(wanted))
        run.load_seconds += time.perf_counter() - start
        try:
            if embeddings is not None:
                for index in indexes:
                    embeddings.embed_query(questions[index].text)
            for method in wanted:
                for index in indexes:
                    begin = time.perf_counter()
                    texts = corpus.search(method, questions[index].text, depth)
                    seconds = time.perf_counter() - begin
                    evidence = [corpus.evidence[text] for text in texts]
                    found[method][index] = Retrieved(evidence, texts, seconds)
        finally:
            corpus.close()
    for method in wanted:
        run.results[method] = [found[method][index] for index in range(len(questions))]
    run.load_seconds = round(run.load_seconds, 2)
    return run


def method_report(
    retrieved: Sequence[Retrieved], ks: Sequence[int], groups: dict[str, Any]
) -> dict[str, Any]:
    """A method's grouped scores, mean context tokens at each k, and retrieval latency."""
    return {
        "groups": groups,
        "context_tokens": {
            str(k): round(
                sum(sum(map(approx_tokens, r.texts[:k])) for r in retrieved)
                / max(1, len(retrieved)),
                1,
            )
            for k in ks
        },
        "retrieval": latency([r.seconds for r in retrieved]),
    }


def add_run_options(parser: argparse.ArgumentParser) -> None:
    """The options both harnesses share: methods, vectors, k, the memory model, the
    report's files, and the optional answer-and-judge mode (`benchmarks/qa.py`)."""
    parser.add_argument("--methods", default=",".join(METHODS))
    parser.add_argument("--embeddings", default="none", help="none, hash, e5 or module:attr")
    parser.add_argument("--cache", type=Path, help="SQLite file that keeps vectors between runs")
    parser.add_argument("--k", type=int, action="append", help="repeatable; default 5 and 10")
    parser.add_argument("--seed", type=int, default=0, help="of the bootstrap")
    parser.add_argument("--model", help="the memory model, for --corpus memories")
    parser.add_argument("--chunk", type=int, default=8, help="turns per extraction call")
    parser.add_argument("--markdown", type=Path, help="also write the table to this file")
    parser.add_argument("--qa-model", help="answers the questions; turns on the QA mode")
    parser.add_argument("--judge-model", help="grades the answers, with both judge prompts")
    parser.add_argument("--qa-method", default="hybrid", help="whose retrieved items it reads")


def parse_run_options(
    parser: argparse.ArgumentParser, argv: Sequence[str] | None
) -> tuple[argparse.Namespace, list[int], list[str]]:
    """The arguments, the k values (sorted, 5 and 10 by default) and the methods."""
    args = parser.parse_args(argv)
    if args.corpus == "memories" and not args.model:
        parser.error("--corpus memories needs --model")
    methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    return args, sorted(set(args.k or [5, 10])), methods


def publish(report: dict[str, Any], table: str, markdown: Path | None) -> None:
    """The report as JSON on stdout, its table on stderr (and in `markdown`)."""
    print(json.dumps(report, indent=1))
    print(table, file=sys.stderr)
    if markdown:
        markdown.write_text(table + "\n", encoding="utf-8")


def qa_report(
    args: argparse.Namespace, asked: Sequence[Question], run: Run, k: int, seed: int
) -> dict[str, Any] | None:
    """The QA mode's accuracies, when `--qa-model` is given; None otherwise."""
    if not args.qa_model:
        return None
    if not args.judge_model:
        raise SystemExit("--qa-model needs --judge-model")
    from benchmarks.qa import accuracy

    return accuracy(asked, run.results[args.qa_method], k, args.qa_model, args.judge_model, seed)
