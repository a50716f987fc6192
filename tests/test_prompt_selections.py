"""A `Memory` reuses a prompt selection while the memories it chose from are unchanged
(a turn's memory manager chooses for the agent's words), and never after."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from langgraph.store.memory import InMemoryStore

from memory import HashEmbeddings, Memory, SqliteMemoryDb, UserMemory, memories
from memory.db.store import StoreMemoryDb
from memory.retrieval import PromptMemories, select_for_prompt

USER = "ava"
WORDS = "chess in town 7"
NOW = datetime(2030, 1, 1, tzinfo=UTC)


@pytest.fixture
def selections(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The text of every selection made (not reused)."""
    made: list[str] = []

    async def counted(*args: Any) -> PromptMemories:
        made.append(args[4])
        return await select_for_prompt(*args)

    monkeypatch.setattr(memories, "select_for_prompt", counted)
    return made


def fill(memory: Memory, count: int = 40) -> None:
    for n in range(count):
        memory.add_user_memory(f"The user plays chess in town {n}", USER)


def choose(memory: Memory, text: str = WORDS, budget: int = 60) -> PromptMemories:
    return memory.get_memories_for_prompt(USER, text, token_budget=budget)


def test_the_same_words_reuse_the_selection_until_anyone_writes(
    db_file: Path, selections: list[str]
) -> None:
    with (
        Memory(db=SqliteMemoryDb(db_file=db_file)) as memory,
        Memory(db=SqliteMemoryDb(db_file=db_file)) as other,
    ):
        fill(memory)
        first = choose(memory)
        assert not first.complete
        again = choose(memory)
        assert selections == [WORDS]
        assert again == first
        again.memories[0].memory = "The user plays go"
        again.memories[0].topics.append("games")
        assert choose(memory) == first  # changing what a reuse returned changes nothing kept
        choose(memory, budget=80)
        choose(memory, "chess in town 8")
        assert selections == [WORDS, WORDS, "chess in town 8"]
        other.add_user_memory("The user plays chess in town 7 on Sundays", USER)  # another process
        after = choose(memory)
        assert selections[-1] == WORDS
        assert after == choose(other) != first
        assert "The user plays chess in town 7 on Sundays" in [m.memory for m in after.memories]


def test_a_memory_expiring_meanwhile_is_not_shown_again(
    db_file: Path, selections: list[str]
) -> None:
    with Memory(db=SqliteMemoryDb(db_file=db_file), clock=lambda: now[0]) as memory:
        now = [NOW]
        fill(memory)
        temporary = UserMemory(memory="The user is in town 7", expires_at=NOW + timedelta(days=1))
        memory.add_user_memory(temporary, USER)
        assert temporary.memory in [m.memory for m in choose(memory).memories]
        now[0] = NOW + timedelta(hours=1)
        assert temporary.memory in [m.memory for m in choose(memory).memories]
        assert len(selections) == 1
        now[0] = NOW + timedelta(days=2)
        assert temporary.memory not in [m.memory for m in choose(memory).memories]
        assert len(selections) == 2


def test_nothing_is_reused_without_a_version_or_with_a_search_by_meaning(
    db_file: Path, selections: list[str]
) -> None:
    with (
        Memory(db=StoreMemoryDb(InMemoryStore())) as unversioned,
        Memory(db=SqliteMemoryDb(db_file=db_file), embeddings=HashEmbeddings()) as embedding,
    ):
        for memory in (unversioned, embedding):
            fill(memory)
            assert choose(memory) == choose(memory)
        assert len(selections) == 4
