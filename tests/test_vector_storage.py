"""The vector half of the storage protocol, the same on SQLite and on LangGraph stores."""

from __future__ import annotations

import pytest

from memory import EmbeddingMismatchError, Memory
from memory.db.base import MemoryVector

MODEL = "test-model"


def axis(n: int, dimensions: int = 4) -> list[float]:
    return [1.0 if i == n else 0.0 for i in range(dimensions)]


def add(memory: Memory, user_id: str, *texts: str) -> list[str]:
    return [memory.add_user_memory(text, user_id) for text in texts]


def test_vectors_are_searched_within_the_user_best_first(memory: Memory) -> None:
    db = memory.db
    skis, swims = add(memory, "ava", "The user skis", "The user swims")
    [other] = add(memory, "bob", "The user skis")
    stored = db.set_embeddings(
        "ava",
        MODEL,
        [
            MemoryVector(skis, "The user skis", axis(0)),
            MemoryVector(swims, "The user swims", [1, 1, 0, 0]),
        ],
    )
    assert stored == 2
    db.set_embeddings("bob", MODEL, [MemoryVector(other, "The user skis", axis(0))])
    found = db.vector_search("ava", axis(0), MODEL, None)
    assert [(hit.memory.memory_id, round(hit.score, 3)) for hit in found.hits] == [
        (skis, 1.0),
        (swims, 0.707),
    ]
    assert {hit.memory.user_id for hit in found.hits} == {"ava"}
    assert found.unembedded == 0
    assert [hit.memory.memory_id for hit in db.vector_search("ava", axis(1), MODEL, 1).hits] == [
        swims
    ]


def test_a_vector_of_old_text_is_refused_and_a_changed_text_loses_its_vector(
    memory: Memory,
) -> None:
    db = memory.db
    [skis] = add(memory, "ava", "The user skis")
    assert db.set_embeddings("ava", MODEL, [MemoryVector(skis, "The user sings", axis(0))]) == 0
    assert db.set_embeddings("ava", MODEL, [MemoryVector(skis, "The user skis", axis(0))]) == 1
    memory.replace_user_memory(skis, "The user snowboards", "ava")
    found = db.vector_search("ava", axis(0), MODEL, None)
    assert (found.hits, found.unembedded) == ([], 1)
    [missing] = db.unembedded_memories("ava", MODEL, None, 10)
    assert missing.memory == "The user snowboards"


def test_topics_alone_keep_the_vector_and_a_delete_drops_it(memory: Memory) -> None:
    db = memory.db
    [skis] = add(memory, "ava", "The user skis")
    db.set_embeddings("ava", MODEL, [MemoryVector(skis, "The user skis", axis(0))])
    memory.add_user_memory("The user skis", "ava")  # same text: refreshed, topics merged
    assert len(db.vector_search("ava", axis(0), MODEL, None).hits) == 1
    memory.delete_user_memory("ava", skis)
    found = db.vector_search("ava", axis(0), MODEL, None)
    assert (found.hits, found.unembedded) == ([], 0)


def test_unembedded_memories_of_everyone_and_other_models(memory: Memory) -> None:
    db = memory.db
    [skis] = add(memory, "ava", "The user skis")
    add(memory, "bob", "The user swims", "The user runs")
    db.set_embeddings("ava", MODEL, [MemoryVector(skis, "The user skis", axis(0))])
    assert len(db.unembedded_memories(None, MODEL, None, 10)) == 2
    assert len(db.unembedded_memories(None, MODEL, None, 1)) == 1
    assert len(db.unembedded_memories(None, MODEL, 8, 10)) == 3
    assert len(db.unembedded_memories(None, "another", None, 10)) == 3


def test_vectors_of_another_model_are_never_compared(memory: Memory) -> None:
    db = memory.db
    [skis] = add(memory, "ava", "The user skis")
    db.set_embeddings("ava", "old-model", [MemoryVector(skis, "The user skis", axis(0, 8))])
    with pytest.raises(EmbeddingMismatchError, match="reembed"):
        db.vector_search("ava", axis(0), MODEL, None)
    db.set_embeddings("ava", MODEL, [MemoryVector(skis, "The user skis", axis(0))])
    assert len(db.vector_search("ava", axis(0), MODEL, None).hits) == 1


async def test_async_twins(memory: Memory) -> None:
    db = memory.db
    [skis] = add(memory, "ava", "The user skis")
    [missing] = await db.aunembedded_memories("ava", MODEL, None, 10)
    assert missing.memory_id == skis
    assert await db.aset_embeddings("ava", MODEL, [MemoryVector(skis, "The user skis", axis(0))])
    assert (await db.avector_search("ava", axis(0), MODEL, 5)).hits[0].memory.memory_id == skis
    [(found, score)] = await db.ascored_keyword_search("ava", "skiing", None)
    assert found.memory_id == skis
    assert score > 0


def test_scored_keyword_search_is_keyword_search_with_scores(memory: Memory) -> None:
    add(memory, "ava", "The user skis in Norway", "The user skis", "The user reads")
    scored = memory.db.scored_keyword_search("ava", "skis Norway", None)
    assert [m for m, _ in scored] == memory.db.keyword_search("ava", "skis Norway", None)
    scores = [score for _, score in scored]
    assert len(scores) == 2
    assert scores[0] > scores[1] > 0
