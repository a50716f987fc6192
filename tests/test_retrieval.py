"""Semantic and hybrid search, embedding failures, re-embedding, dedupe and the prompt budget."""

from __future__ import annotations

import asyncio
import json
import re
import sqlite3
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import AIMessage, BaseMessage

from graphs.cli import main
from memory import (
    EmbeddingMismatchError,
    HashEmbeddings,
    Memory,
    MemoryDb,
    SearchResult,
    SqliteMemoryDb,
    UserMemory,
)
from memory.db import sqlite_schema
from memory.db.base import MissingVectors
from memory.retrieval import memory_tokens
from memory.testing import ScriptedChatModel, tool_call, tool_calls
from memory.text import words

USER, OTHER = "zoë", "john_doe@example.com"
START = datetime(2024, 1, 1, tzinfo=UTC)


def at(days: int) -> datetime:
    return START + timedelta(days=days)


class FailingEmbeddings(HashEmbeddings):
    def embed_query(self, text: str) -> list[float]:
        raise RuntimeError("model is down")

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        raise RuntimeError("model is down")


class SlowEmbeddings(HashEmbeddings):
    def embed_query(self, text: str) -> list[float]:
        time.sleep(2)
        return super().embed_query(text)

    async def aembed_query(self, text: str) -> list[float]:
        await asyncio.sleep(2)
        return super().embed_query(text)


SYNONYMS = {"fruit": "kiwi"}


class SynonymEmbeddings(HashEmbeddings):
    """Knows that kiwi is a fruit: finds by meaning what shares no word with the query."""

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [self.embed_query(text) for text in texts]

    def embed_query(self, text: str) -> list[float]:
        return super().embed_query(" ".join(SYNONYMS.get(w, w) for w in words(text)))


def fill(memory: Memory, user_id: str, texts: list[str]) -> list[str]:
    return [
        memory.add_user_memory(UserMemory(memory=text, created_at=at(n), updated_at=at(n)), user_id)
        for n, text in enumerate(texts)
    ]


def label(memory: Memory) -> str:
    assert memory.embedder is not None
    return memory.embedder.model


FACTS = [
    "Zoë plays second violin in a community orchestra",
    "Zoë is allergic to kiwi",
    "Zoë bakes sourdough bread on Sundays",
    "Zoë reads detective novels",
    "Zoë drives a red scooter",
    "Zoë keeps two rabbits named Pomme and Poire",
    "Zoë was moved up to first violin in the orchestra",
]
UNRELATED = [f"Zoë noted unrelated thing number {n}" for n in range(200)]
"""About 3,000 tokens: more than the default budget of the agentic search holds."""
OVER_BUDGET = UNRELATED[:40]
"""About 600 tokens: three times the 200-token budget of the prompt tests."""


@pytest.fixture
def semantic(memory_db: MemoryDb) -> Memory:
    """A Memory with deterministic embeddings, on each kind of store."""
    return Memory(db=memory_db, embeddings=HashEmbeddings())


def test_semantic_search_stays_within_the_user(semantic: Memory) -> None:
    fill(semantic, USER, FACTS)
    fill(semantic, OTHER, ["John plays second violin in a community orchestra"])
    for method in ("semantic", "hybrid"):
        found = semantic.search_user_memories(
            OTHER, "violin orchestra", limit=10, retrieval_method=method
        )
        assert [m.user_id for m in found] == [OTHER]
        mine = semantic.search_user_memories(USER, "kiwi allergy", retrieval_method=method)
        assert mine[0].memory == "Zoë is allergic to kiwi"
        assert {m.user_id for m in mine} == {USER}
        assert (mine.method, mine.fallback_reason) == (method, None)


@pytest.mark.one_backend
def test_with_embeddings_a_query_uses_hybrid(semantic: Memory) -> None:
    fill(semantic, USER, FACTS)
    assert semantic.search_user_memories(USER, "kiwi").method == "hybrid"
    assert semantic.search_user_memories(USER).method == "last_n"


@pytest.mark.one_backend
def test_every_method_says_how_it_ranked(memory: Memory) -> None:
    fill(memory, USER, FACTS)
    memory.model = ScriptedChatModel([tool_call("RelatedMemories", memory_ids=["m2"])])
    for method in ("last_n", "first_n", "keyword", "hybrid", "agentic"):
        found = memory.search_user_memories(USER, "kiwi", limit=2, retrieval_method=method)
        assert isinstance(found, SearchResult)
        assert (found.method, found.fallback_reason) == (method, None)
    assert [m.memory for m in found] == ["Zoë is allergic to kiwi"]


def test_semantic_finds_what_shares_no_word(memory_db: MemoryDb) -> None:
    memory = Memory(db=memory_db, embeddings=SynonymEmbeddings())
    fill(memory, USER, FACTS)
    assert memory.search_user_memories(USER, "fruit", retrieval_method="keyword") == []
    found = memory.search_user_memories(USER, "fruit", limit=1, retrieval_method="semantic")
    assert [m.memory for m in found] == ["Zoë is allergic to kiwi"]


def test_hybrid_puts_the_newer_fact_first_when_asked_about_now(semantic: Memory) -> None:
    fill(semantic, USER, FACTS)
    asked_now = semantic.search_user_memories(
        USER, "Which violin does Zoë play now?", retrieval_method="hybrid"
    )
    assert asked_now[0].memory == "Zoë was moved up to first violin in the orchestra"
    assert asked_now[1].memory == "Zoë plays second violin in a community orchestra"


def test_hybrid_puts_the_older_fact_first_when_asked_about_before(semantic: Memory) -> None:
    fill(semantic, USER, FACTS)
    asked_before = semantic.search_user_memories(
        USER, "Which violin did Zoë play in the orchestra before?", retrieval_method="hybrid"
    )
    assert asked_before[0].memory == "Zoë plays second violin in a community orchestra"


@pytest.mark.parametrize(
    ("query", "expected"),
    [("kiwi allergy", "Zoë is allergic to kiwi"), ("sourdough", FACTS[2]), ("fruit", FACTS[1])],
)
def test_hybrid_finds_what_either_ranking_finds_first(
    memory_db: MemoryDb, query: str, expected: str
) -> None:
    """A word match and a match by meaning alone both come first, as in their own ranking."""
    memory = Memory(db=memory_db, embeddings=SynonymEmbeddings())
    fill(memory, USER, [*FACTS, *UNRELATED[:20]])
    alone = [
        memory.search_user_memories(USER, query, limit=1, retrieval_method=method)
        for method in ("keyword", "semantic")
    ]
    assert expected in [found[0].memory for found in alone if found]
    assert memory.search_user_memories(USER, query, retrieval_method="hybrid")[0].memory == expected


def test_hybrid_scores_every_memory_found_by_meaning_by_keyword_too(
    memory_db: MemoryDb, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A memory found by meaning whose keyword rank is past the candidates keeps its share."""
    from memory import ranking, retrieval

    seen: list[tuple[list[str], dict[str, float]]] = []

    def recording(*args: Any, **kwargs: Any) -> Any:
        seen.append(([str(m.memory_id) for m, _ in args[1]], dict(kwargs.get("shares") or {})))
        return ranking.fuse(*args, **kwargs)

    monkeypatch.setattr(retrieval, "fuse", recording)
    monkeypatch.setattr(retrieval, "CANDIDATES", 10)
    memory = Memory(db=memory_db, embeddings=HashEmbeddings())
    fill(memory, USER, [f"Zoë tried tea number {n}" for n in range(30)])
    memory.search_user_memories(USER, "tea", limit=5, retrieval_method="hybrid")
    ((by_meaning, shares),) = seen
    assert len(by_meaning) == 10
    assert all(shares.get(memory_id, 0.0) > 0 for memory_id in by_meaning)


def test_hybrid_finds_what_was_written_on_the_day_a_question_names(memory: Memory) -> None:
    """Two memories match alike; the one written on the day named comes first, not the newer."""
    fill(memory, USER, [*UNRELATED[:10], "Zoë painted a lake", "Zoë painted a horse"])
    for query in ("What did Zoë paint?", f"What did Zoë paint in {at(10).year}?"):
        found = memory.search_user_memories(USER, query, retrieval_method="hybrid")
        assert found[0].memory == "Zoë painted a horse"
    for day in (at(10).strftime("%d %B %Y"), at(10).strftime("%B %d, %Y")):
        query = f"What did Zoë paint on {day}?"
        found = memory.search_user_memories(USER, query, retrieval_method="hybrid")
        assert found[0].memory == "Zoë painted a lake"


def test_hybrid_without_embeddings_is_keyword_plus_recency(memory: Memory) -> None:
    fill(memory, USER, ["Zoë likes green tea", "Zoë likes black tea"])
    found = memory.search_user_memories(USER, "tea", retrieval_method="hybrid")
    assert found.method == "hybrid"
    assert [m.memory for m in found] == ["Zoë likes black tea", "Zoë likes green tea"]
    assert memory.search_user_memories(USER, "tea").method == "keyword"


@pytest.mark.one_backend
def test_semantic_without_embeddings_is_refused(memory: Memory) -> None:
    with pytest.raises(ValueError, match="needs embeddings"):
        memory.search_user_memories(USER, "tea", retrieval_method="semantic")
    with pytest.raises(ValueError, match="needs embeddings"):
        memory.reembed_memories()


@pytest.mark.parametrize("embeddings", [FailingEmbeddings(), SlowEmbeddings()])
def test_a_failing_or_slow_model_falls_back_to_keyword(
    embeddings: HashEmbeddings, caplog: pytest.LogCaptureFixture
) -> None:
    memory = Memory(embeddings=embeddings, embedding_timeout=0.2)
    fill(memory, USER, FACTS)
    for method in ("semantic", "hybrid"):
        found = memory.search_user_memories(USER, "kiwi", retrieval_method=method)
        assert [m.memory for m in found] == ["Zoë is allergic to kiwi"]
        assert found.method == "keyword"
        assert found.fallback_reason is not None
        assert "keyword" in found.fallback_reason
    found = asyncio.run(memory.asearch_user_memories(USER, "kiwi", retrieval_method="hybrid"))
    assert found.fallback_reason is not None
    assert "fell back to keyword" in caplog.text


def test_memories_stored_while_the_model_failed_are_embedded_later(memory_db: MemoryDb) -> None:
    failing = Memory(db=memory_db, embeddings=FailingEmbeddings())
    fill(failing, USER, FACTS)
    assert len(failing.get_user_memories(USER)) == 7  # nothing lost
    memory = Memory(db=memory_db, embeddings=HashEmbeddings())
    assert len(memory_db.unembedded(USER, MissingVectors(label(memory), None, 100))) == 7
    found = memory.search_user_memories(USER, "rabbits", retrieval_method="semantic")
    assert found[0].memory.startswith("Zoë keeps two rabbits")
    assert memory_db.unembedded(USER, MissingVectors(label(memory), None, 100)) == []


def test_a_changed_text_gets_a_new_vector(semantic: Memory) -> None:
    [memory_id] = fill(semantic, USER, ["Zoë drives a red scooter"])
    semantic.replace_user_memory(memory_id, "Zoë rides a green bicycle", USER)
    found = semantic.db.vectors(USER, label(semantic), HashEmbeddings().dimensions)
    assert (found.memory_ids, found.unembedded) == ([memory_id], 0)
    expected = HashEmbeddings().embed_query("Zoë rides a green bicycle")
    assert found.matrix[0].tolist() == pytest.approx(expected, abs=1e-6)


async def test_async_writes_and_imports_are_embedded(semantic: Memory) -> None:
    await semantic.aadd_user_memory("Zoë is allergic to kiwi", USER)
    exported = {**semantic.export_user_memories(USER), "user_id": OTHER}
    await semantic.aimport_user_memories(exported)
    for user in (USER, OTHER):
        assert await semantic.db.aunembedded(user, MissingVectors(label(semantic), None, 10)) == []


def test_the_managers_batch_is_embedded(semantic: Memory) -> None:
    semantic.model = ScriptedChatModel(
        [
            tool_calls(
                ("add_memory", {"memory": "Zoë is allergic to kiwi"}),
                ("add_memory", {"memory": "Zoë drives a red scooter"}),
            ),
            tool_call("update_memory", memory_id="m2", memory="Zoë drives a blue scooter"),
        ]
    )
    semantic.create_user_memories(
        message="I'm allergic to kiwi and ride a red scooter", user_id=USER
    )
    semantic.update_memory_task("my scooter is blue now", USER)
    assert semantic.db.unembedded(USER, MissingVectors(label(semantic), None, 10)) == []
    found = semantic.search_user_memories(
        USER, "blue scooter", limit=1, retrieval_method="semantic"
    )
    assert [m.memory for m in found] == ["Zoë drives a blue scooter"]


def test_a_new_dimension_is_refused_until_reembedded(memory_db: MemoryDb) -> None:
    fill(Memory(db=memory_db, embeddings=HashEmbeddings(256)), USER, FACTS)
    memory = Memory(db=memory_db, embeddings=HashEmbeddings(64))
    with pytest.raises(EmbeddingMismatchError, match="reembed"):
        memory.search_user_memories(USER, "kiwi", retrieval_method="semantic")
    assert memory.reembed_memories(USER) == 7
    assert memory.search_user_memories(USER, "kiwi", retrieval_method="semantic")[0].memory == (
        "Zoë is allergic to kiwi"
    )
    assert len(memory.get_user_memories(USER)) == 7
    assert asyncio.run(memory.areembed_memories()) == 0


def test_reembed_covers_every_user(memory_db: MemoryDb) -> None:
    plain = Memory(db=memory_db)
    fill(plain, USER, FACTS[:2])
    fill(plain, OTHER, FACTS[2:5])
    memory = Memory(db=memory_db, embeddings=HashEmbeddings())
    assert memory.reembed_memories(batch_size=2) == 5
    for user in (USER, OTHER):
        assert memory_db.unembedded(user, MissingVectors(label(memory), None, 10)) == []


def test_a_version_1_file_is_migrated_and_embedded_later(tmp_path: Path) -> None:
    path = tmp_path / "v1.db"
    conn = sqlite3.connect(path)
    for statement in sqlite_schema._statements(sqlite_schema._memories("user_memories")):
        conn.execute(statement)
    conn.execute("CREATE TABLE memory_agent_schema (table_name TEXT PRIMARY KEY, version INT)")
    conn.execute("INSERT INTO memory_agent_schema VALUES ('user_memories', 1)")
    conn.commit()
    conn.close()
    with Memory(db=SqliteMemoryDb(db_file=path)) as plain:
        fill(plain, USER, FACTS)
    with Memory(db=SqliteMemoryDb(db_file=path), embeddings=HashEmbeddings()) as memory:
        assert isinstance(memory.db, SqliteMemoryDb)
        assert memory.db.schema_version == len(sqlite_schema.STEPS)
        assert memory.reembed_memories() == 7
        assert memory.search_user_memories(USER, "kiwi", retrieval_method="semantic")


def test_another_connection_sees_new_vectors(tmp_path: Path) -> None:
    path = tmp_path / "m.db"
    reader = Memory(db=SqliteMemoryDb(db_file=path), embeddings=HashEmbeddings())
    writer = Memory(db=SqliteMemoryDb(db_file=path), embeddings=HashEmbeddings())
    fill(writer, USER, FACTS[:3])
    assert len(reader.search_user_memories(USER, "kiwi", retrieval_method="semantic")) == 3
    fill(writer, USER, FACTS[3:])
    assert len(reader.search_user_memories(USER, "kiwi", retrieval_method="semantic")) == 7


def test_dedupe_reports_then_merges_into_the_newest(semantic: Memory) -> None:
    old, _, new = fill(
        semantic,
        USER,
        ["Zoë loves fly fishing", "Zoë keeps four chickens", "Zoë really loves fly fishing"],
    )
    semantic.add_user_memory(UserMemory(memory="Zoë keeps two chickens"), USER)
    [group] = semantic.dedupe_user_memories(USER)
    assert (group.keep.memory_id, [m.memory_id for m in group.duplicates]) == (new, [old])
    assert len(semantic.get_user_memories(USER)) == 4
    [group] = asyncio.run(semantic.adedupe_user_memories(USER, apply=True))
    assert [m.memory_id for m in semantic.get_user_memories(USER)].count(old) == 0
    [deleted] = [e for e in semantic.get_memory_history(old, USER) if e.action == "deleted"]
    assert (deleted.source, deleted.input) == ("dedupe", f"near-duplicates merged into {new}")
    assert semantic.dedupe_user_memories(USER) == []
    assert semantic.db.unembedded(USER, MissingVectors(label(semantic), None, 10)) == []


def test_prompt_gets_every_memory_while_they_fit(semantic: Memory) -> None:
    fill(semantic, USER, FACTS)
    everything = semantic.get_memories_for_prompt(USER, "hello")
    assert [m.memory for m in everything.memories] == FACTS
    assert everything.complete


def test_prompt_gets_related_by_meaning_and_newest_within_the_budget(
    memory_db: MemoryDb,
) -> None:
    memory = Memory(db=memory_db, embeddings=SynonymEmbeddings())
    fill(memory, USER, [*FACTS, *OVER_BUDGET])
    budget = 200
    picked = asyncio.run(
        memory.aget_memories_for_prompt(USER, "Is there a fruit she must avoid?", budget)
    )
    assert sum(memory_tokens(m) for m in picked.memories) <= budget
    texts = [m.memory for m in picked.memories]
    assert "Zoë is allergic to kiwi" in texts
    assert OVER_BUDGET[-1] in texts
    assert texts == [m.memory for m in sorted(picked.memories, key=lambda m: m.created_at or START)]
    assert (picked.complete, picked.fallback_reason) == (False, None)
    keyword_only = Memory(db=memory_db).get_memories_for_prompt(
        USER, "Is there a fruit she must avoid?", budget
    )
    assert "Zoë is allergic to kiwi" not in [m.memory for m in keyword_only.memories]


@pytest.mark.parametrize("dimensions", [None, 64])
def test_prompt_selection_never_fails_for_the_embedding_model(
    memory_db: MemoryDb, dimensions: int | None
) -> None:
    fill(Memory(db=memory_db, embeddings=HashEmbeddings()), USER, [*FACTS, *OVER_BUDGET])
    embeddings = FailingEmbeddings() if dimensions is None else HashEmbeddings(dimensions)
    memory = Memory(db=memory_db, embeddings=embeddings)
    picked = memory.get_memories_for_prompt(USER, "Is she allergic to kiwi?", 200)
    assert "Zoë is allergic to kiwi" in [m.memory for m in picked.memories]
    assert picked.fallback_reason is not None
    assert ("reembed" if dimensions else "model is down") in picked.fallback_reason


def test_agentic_search_is_shown_memories_related_by_meaning(memory_db: MemoryDb) -> None:
    def pick_kiwi(messages: list[BaseMessage]) -> AIMessage:
        alias = re.search(r"\[(m\d+)\] Zoë is allergic to kiwi", messages[0].text)
        assert alias is not None, "the kiwi memory was not shown"
        return tool_call("RelatedMemories", memory_ids=[alias.group(1)])

    model = ScriptedChatModel([pick_kiwi])
    memory = Memory(db=memory_db, model=model, embeddings=SynonymEmbeddings())
    fill(memory, USER, [*FACTS, *UNRELATED])
    found = memory.search_user_memories(USER, "fruit", retrieval_method="agentic")
    assert ([m.memory for m in found], found.method) == (["Zoë is allergic to kiwi"], "agentic")
    assert "more memories than fit" in model.calls[0].messages[0].text


def test_cli_searches_dedupes_and_reembeds(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "cli.db")

    def cli(*args: str) -> Any:
        capsys.readouterr()
        code = main(["memories", *args, "--db", db, "--json"])
        out = capsys.readouterr().out
        assert code == 0, out
        return json.loads(out)

    for text in [
        "Zoë loves fly fishing",
        "Zoë really loves fly fishing",
        "Zoë is allergic to kiwi",
    ]:
        cli("add", text, "--user", USER, "--embeddings", "hash")
    [found] = cli("search", "kiwi", "--user", USER, "--method", "semantic", "--embeddings", "hash")[
        :1
    ]
    assert found["memory"] == "Zoë is allergic to kiwi"
    assert (
        main(["memories", "search", "kiwi", "--user", USER, "--db", db, "--embeddings", "hash:8"])
        == 2
    )
    assert "reembed" in capsys.readouterr().err
    assert cli("reembed", "--all", "--embeddings", "hash:8") == {"embedded": 3}
    [group] = cli("dedupe", "--user", USER)
    assert group["keep"]["memory"] == "Zoë really loves fly fishing"
    assert len(cli("list", "--user", USER)) == 3
    cli("dedupe", "--user", USER, "--apply")
    assert len(cli("list", "--user", USER)) == 2
    down = "tests.test_retrieval:FailingEmbeddings"
    assert (
        main(["memories", "search", "kiwi", "--user", USER, "--db", db, "--embeddings", down]) == 0
    )
    assert "Note: the embedding model failed" in capsys.readouterr().err
