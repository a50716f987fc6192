"""Extreme but valid datetimes and unusable memory ids: typed errors, nothing stored lost."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from pydantic import ValidationError

from memory import InvalidInputError, Memory, UserMemory
from tests.conftest import MemoryFactory

EAST, WEST = timezone(timedelta(hours=5)), timezone(timedelta(hours=-5))
YEAR_1_EAST = datetime(1, 1, 1, tzinfo=EAST)
"""Before year 1 in UTC."""
YEAR_9999_WEST = datetime(9999, 12, 31, 23, tzinfo=WEST)
"""After year 9999 in UTC."""


def kept(memory: Memory) -> list[str]:
    return [m.memory for m in memory.get_user_memories("ava")]


@pytest.mark.parametrize("moment", [YEAR_1_EAST, YEAR_9999_WEST])
@pytest.mark.parametrize("column", ["created_at", "updated_at"])
def test_times_outside_utc_are_refused_when_written(
    new_memory: MemoryFactory, moment: datetime, column: str
) -> None:
    memory = new_memory()
    memory.add_user_memory("The user likes tea", "ava")
    extreme = UserMemory(memory="The user was born long ago", **{column: moment})
    with pytest.raises(InvalidInputError, match="outside what UTC can hold"):
        memory.add_user_memory(extreme, "ava")
    assert kept(memory) == ["The user likes tea"]


@pytest.mark.parametrize("moment", [YEAR_1_EAST, YEAR_9999_WEST])
def test_times_outside_utc_are_refused_in_filters_and_expiry(
    new_memory: MemoryFactory, moment: datetime
) -> None:
    memory = new_memory()
    memory.add_user_memory("The user likes tea", "ava")
    with pytest.raises(InvalidInputError):
        memory.get_user_memories("ava", updated_after=moment)
    with pytest.raises(InvalidInputError):
        memory.search_user_memories("ava", "tea", updated_before=moment)
    with pytest.raises(ValidationError, match="outside what UTC can hold"):  # pydantic's own
        UserMemory(memory="The user is in Rome", expires_at=moment)
    exported = memory.export_user_memories("ava")
    exported["memories"][0].update(memory_id="m-oslo", expires_at=moment.isoformat())
    with pytest.raises(InvalidInputError):
        memory.import_user_memories(exported, user_id="ava")
    assert kept(memory) == ["The user likes tea"]


def test_a_time_to_live_past_the_year_9999_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="past the year 9999"):
        Memory(default_ttl=timedelta.max)
    late = datetime(9999, 12, 25, tzinfo=UTC)
    memory = Memory(default_ttl=timedelta(days=20), clock=lambda: late - timedelta(days=30))
    memory.add_user_memory("The user likes tea", "ava")
    memory.clock = lambda: late
    with pytest.raises(InvalidInputError, match="past the year 9999"):
        memory.add_user_memory("The user likes coffee", "ava")
    memory.clock = lambda: late - timedelta(days=30)
    assert kept(memory) == ["The user likes tea"]


@pytest.mark.parametrize("memory_id", ["m\x00one", "m\ud800one", "m\none", "m\x7fone", " ", ""])
def test_memory_ids_are_checked_like_user_ids_on_every_backend(
    new_memory: MemoryFactory, memory_id: str
) -> None:
    memory = new_memory()
    memory.add_user_memory(UserMemory(memory="The user likes tea", memory_id="m-tea"), "ava")
    calls: list[Any] = [
        lambda: memory.add_user_memory(
            UserMemory(memory="The user likes coffee", memory_id=memory_id), "ava"
        ),
        lambda: memory.replace_user_memory(memory_id, "The user likes coffee", "ava"),
        lambda: memory.delete_user_memory("ava", memory_id),
        lambda: memory.get_user_memory(memory_id, "ava"),
        lambda: memory.get_memory_history(memory_id, "ava"),
    ]
    for call in calls:
        with pytest.raises(InvalidInputError, match="memory_id"):
            call()
    assert kept(memory) == ["The user likes tea"]
