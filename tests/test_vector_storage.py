"""The vector half of the storage protocol, the same on every backend."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from memory import EmbeddingMismatchError, Memory
from memory.db.base import MemoryVector, MissingVectors, UserVectors
from memory.embeddings import HashEmbeddings

MODEL = "test-model"


def axis(n: int, dimensions: int = 4) -> list[float]:
    return [1.0 if i == n else 0.0 for i in range(dimensions)]


def add(memory: Memory, user_id: str, *texts: str) -> list[str]:
    return [memory.add_user_memory(text, user_id) for text in texts]


def rows(vectors: UserVectors) -> dict[str, list[float]]:
    return {
        memory_id: [round(float(x), 3) for x in row]
        for memory_id, row in zip(vectors.memory_ids, vectors.matrix, strict=True)
    }


def test_vectors_are_kept_per_user_as_unit_rows(memory: Memory) -> None:
    db = memory.db
    skis, swims = add(memory, "ava", "The user skis", "The user swims")
    [other] = add(memory, "bob", "The user skis")
    stored = db.set_vectors(
        "ava",
        [
            MemoryVector(skis, "The user skis", axis(0), MODEL),
            MemoryVector(swims, "The user swims", [3, 4, 0, 0], MODEL),
        ],
    )
    assert stored == 2
    db.set_vectors("bob", [MemoryVector(other, "The user skis", axis(1), MODEL)])
    found = db.vectors("ava", MODEL, 4)
    assert rows(found) == {skis: [1.0, 0.0, 0.0, 0.0], swims: [0.6, 0.8, 0.0, 0.0]}
    assert (found.foreign, found.unembedded) == (None, 0)
    assert list(db.vectors("bob", MODEL, 4).memory_ids) == [other]


def test_a_vector_of_old_text_is_refused_and_a_changed_text_loses_its_vector(
    memory: Memory,
) -> None:
    db = memory.db
    [skis] = add(memory, "ava", "The user skis")
    assert db.set_vectors("ava", [MemoryVector(skis, "The user sings", axis(0), MODEL)]) == 0
    assert db.set_vectors("ava", [MemoryVector(skis, "The user skis", axis(0), MODEL)]) == 1
    memory.replace_user_memory(skis, "The user snowboards", "ava")
    found = db.vectors("ava", MODEL, 4)
    assert (found.memory_ids, found.unembedded) == ([], 1)
    [missing] = db.unembedded("ava", MissingVectors(MODEL, None, 10))
    assert missing.memory == "The user snowboards"


def test_topics_alone_keep_the_vector_and_a_delete_drops_it(memory: Memory) -> None:
    db = memory.db
    [skis] = add(memory, "ava", "The user skis")
    db.set_vectors("ava", [MemoryVector(skis, "The user skis", axis(0), MODEL)])
    memory.add_user_memory("The user skis", "ava")  # same text: refreshed, topics merged
    assert list(db.vectors("ava", MODEL, 4).memory_ids) == [skis]
    memory.delete_user_memory("ava", skis)
    found = db.vectors("ava", MODEL, 4)
    assert (found.memory_ids, found.unembedded) == ([], 0)


def test_unembedded_memories_of_other_models_and_dimensions(memory: Memory) -> None:
    db = memory.db
    [skis, _] = add(memory, "ava", "The user skis", "The user runs")
    db.set_vectors("ava", [MemoryVector(skis, "The user skis", axis(0), MODEL)])
    assert len(db.unembedded("ava", MissingVectors(MODEL, None, 10))) == 1
    assert len(db.unembedded("ava", MissingVectors(MODEL, 8, 10))) == 2
    assert len(db.unembedded("ava", MissingVectors("another", None, 10))) == 2
    assert len(db.unembedded("ava", MissingVectors("another", None, 1))) == 1
    assert db.unembedded("bob", MissingVectors(MODEL, None, 10)) == []


def test_vectors_of_another_model_are_reported_and_never_compared(memory: Memory) -> None:
    db = memory.db
    [skis] = add(memory, "ava", "The user skis")
    db.set_vectors("ava", [MemoryVector(skis, "The user skis", axis(0, 8), "old-model")])
    found = db.vectors("ava", MODEL, 4)
    assert (found.memory_ids, found.foreign) == ([], ("old-model", 8, 1))
    with pytest.raises(EmbeddingMismatchError, match="reembed"):
        Memory(db=db, embeddings=HashEmbeddings(4)).search_user_memories(
            "ava", "skis", retrieval_method="semantic"
        )
    db.set_vectors("ava", [MemoryVector(skis, "The user skis", axis(0), MODEL)])
    assert db.vectors("ava", MODEL, 4).foreign is None


async def test_async_twins(memory: Memory) -> None:
    db = memory.db
    [skis] = add(memory, "ava", "The user skis")
    [missing] = await db.aunembedded("ava", MissingVectors(MODEL, None, 10))
    assert missing.memory_id == skis
    assert await db.aset_vectors("ava", [MemoryVector(skis, "The user skis", axis(0), MODEL)])
    assert (await db.avectors("ava", MODEL, 4)).memory_ids == [skis]
    found = await db.akeyword_candidates("ava", ["ski"])
    assert found.memory_ids == [skis]
    assert await db.auser_ids() == ["ava"]


class AxisEmbeddings(HashEmbeddings):
    """Each known text on its own axis; a query is the sum of the axes it names."""

    TEXTS: Sequence[str] = ("skis", "swims", "reads")

    def __init__(self) -> None:
        super().__init__(len(self.TEXTS))

    def _embed(self, text: str) -> list[float]:
        vector = np.zeros(len(self.TEXTS))
        for n, word in enumerate(self.TEXTS):
            if word in text:
                vector[n] = 1.0 + n / 10
        return [float(x) for x in vector]


def test_semantic_scores_are_cosines_within_the_user(memory: Memory) -> None:
    semantic = Memory(db=memory.db, embeddings=AxisEmbeddings())
    skis, swims, _ = add(semantic, "ava", "The user skis", "The user swims", "The user reads")
    add(semantic, "bob", "The user skis")
    found = semantic.search_user_memories("ava", "skis swims", retrieval_method="semantic")
    assert [m.memory_id for m in found][:2] == [swims, skis]
    assert found.scores is not None
    # Cosines of the vectors centred on the mean of ava's own three (bob's moves nothing).
    mean = np.full(3, 1 / 3)
    query, swims_vector = np.array([1.0, 1.1, 0.0]) / np.hypot(1.0, 1.1) - mean, np.eye(3)[1] - mean
    centred = query @ swims_vector / (np.linalg.norm(query) * np.linalg.norm(swims_vector))
    assert found.scores[0] == pytest.approx(centred, abs=1e-6)
    assert {m.user_id for m in found} == {"ava"}
