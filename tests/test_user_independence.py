"""One user's data never changes another user's search results or scores, nor one agent's
memories of a user those of another agent (or the user's common ones)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from langgraph.store.memory import InMemoryStore

from memory import HashEmbeddings, Memory, MemoryNotFoundError, SqliteMemoryDb
from memory.db.store import StoreMemoryDb

AVA, BOB = "ava", "bob"
AVAS = [
    "The user likes hiking in the mountains",
    "The user drinks green tea",
    "The user drinks black tea with milk",
    "The user is a nationally ranked runner",
    "The user hikes with her dog on Sundays",
]
QUERIES = ["hiking tea", "tea", "nation", "dog hikes", "runner"]
WORDS = ["tea", "hiking", "hikes", "dog", "mountains", "green", "runner", "nation", "coffee"]

BACKENDS: dict[str, Callable[[], Memory]] = {
    "sqlite": lambda: Memory(db=SqliteMemoryDb(db_file=":memory:"), embeddings=HashEmbeddings()),
    "store": lambda: Memory(db=StoreMemoryDb(InMemoryStore()), embeddings=HashEmbeddings()),
}


def avas_results(memory: Memory) -> dict[str, Any]:
    return {
        f"{method} {query}": (
            [m.memory_id for m in found],
            [round(score, 12) for score in found.scores or []],
        )
        for query in QUERIES
        for method in ("keyword", "semantic", "hybrid")
        for found in [memory.search_user_memories(AVA, query, retrieval_method=method)]
    }


bob_texts = st.lists(st.sampled_from(WORDS), min_size=1, max_size=6).map(
    lambda words: "The user " + " ".join(words)
)
bob_steps = st.lists(
    st.one_of(
        st.tuples(st.just("add"), bob_texts),
        st.tuples(st.just("replace"), bob_texts),
        st.tuples(st.just("delete"), st.just("")),
        st.tuples(st.just("clear"), st.just("")),
    ),
    min_size=1,
    max_size=12,
)


OTHERS: dict[str, tuple[str, str | None]] = {"user": (BOB, None), "agent": (AVA, "planner")}
"""Who else writes: another user, or an agent keeping memories of Ava of its own."""


@pytest.mark.parametrize("other", OTHERS)
@pytest.mark.parametrize("backend", BACKENDS)
@settings(max_examples=40, deadline=None)
@given(steps=bob_steps)
def test_another_users_writes_change_nothing_of_mine(
    backend: str, other: str, steps: list[tuple[str, str]]
) -> None:
    with BACKENDS[backend]() as memory:
        for text in AVAS:
            memory.add_user_memory(text, AVA)
        before = avas_results(memory)
        user, agent = OTHERS[other]
        writer = memory.for_agent(agent)
        bobs: list[str] = []
        for kind, text in steps:
            if kind == "add":
                memory_id = writer.add_user_memory(text, user)
                if memory_id not in bobs:  # adding a fact Bob has returns its id
                    bobs.append(memory_id)
            elif kind == "replace" and bobs:
                writer.replace_user_memory(bobs[-1], text, user)
            elif kind == "delete" and bobs:
                writer.delete_user_memory(user, bobs.pop())
            elif kind == "clear":
                writer.clear(user)
                bobs.clear()
            assert avas_results(memory) == before


@pytest.mark.parametrize("backend", BACKENDS)
def test_thirty_tea_memories_of_another_user_leave_my_tea_scores(backend: str) -> None:
    """The case that failed with FTS5's table-wide statistics."""
    with BACKENDS[backend]() as memory:
        for text in AVAS:
            memory.add_user_memory(text, AVA)
        before = memory.search_user_memories(AVA, "hiking tea", retrieval_method="keyword")
        for n in range(30):
            memory.add_user_memory(f"The user tried tea number {n}", BOB)
        after = memory.search_user_memories(AVA, "hiking tea", retrieval_method="keyword")
        assert [m.memory_id for m in after] == [m.memory_id for m in before]
        assert after.scores == before.scores
        assert after.scores is not None
        assert all(score > 0.1 for score in after.scores)
        with pytest.raises(MemoryNotFoundError):
            memory.replace_user_memory(str(after[0].memory_id), "The user is Bob", BOB)
