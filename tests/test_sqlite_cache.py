"""The memories a SqliteMemoryDb keeps between reads: never stale, whoever wrote the file."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from memory import Memory, SqliteMemoryDb, UserMemory
from memory.db import sqlite_cache
from memory.db.base import ListQuery, Scope

USER = "ava"
TEXTS = [f"The user plays chess in town {n}" for n in range(30)]


def _reads(memory: Memory) -> list[object]:
    """Every read a prompt's selection makes, and the full list, as plain values."""
    prompt = memory.get_memories_for_prompt(USER, "chess town 7", token_budget=60)
    return [
        [m.to_dict() for m in memory.get_user_memories(USER)],
        [m.memory for m in memory.search_user_memories(USER, "town 7", retrieval_method="keyword")],
        [m.memory for m in memory.search_user_memories(USER, limit=3, retrieval_method="last_n")],
        [m.memory for m in prompt.memories],
        prompt.complete,
    ]


def test_another_stores_writes_are_seen_by_the_next_read(db_file: Path) -> None:
    """Two stores on one file, as two processes: each write of one is seen by the
    other's next read, though that read's memories were kept."""
    with (
        Memory(db=SqliteMemoryDb(db_file=db_file)) as reader,
        Memory(db=SqliteMemoryDb(db_file=db_file)) as writer,
    ):
        ids = [writer.add_user_memory(text, USER) for text in TEXTS]
        changes: list[Callable[[], object]] = [
            lambda: writer.add_user_memory("The user plays chess in town 77", USER),
            lambda: writer.replace_user_memory(ids[7], "The user left town 7", USER),
            lambda: writer.delete_user_memory(USER, ids[29]),
            lambda: writer.clear(USER),
        ]
        for change in changes:
            before = _reads(reader)
            assert _reads(reader) == before  # read again from what was kept
            change()
            with Memory(db=SqliteMemoryDb(db_file=db_file)) as fresh:
                expected = _reads(fresh)
            assert expected != before
            assert _reads(reader) == expected
        assert reader.get_user_memory(ids[0], USER) is None


def test_a_user_erased_elsewhere_is_gone_here(db_file: Path) -> None:
    with (
        Memory(db=SqliteMemoryDb(db_file=db_file)) as reader,
        Memory(db=SqliteMemoryDb(db_file=db_file)) as eraser,
    ):
        kept = reader.add_user_memory("The user drinks tea", USER)
        assert reader.get_user_memory(kept, USER) is not None
        eraser.erase_user(USER)
        assert reader.get_user_memory(kept, USER) is None
        assert reader.get_user_memories(USER) == []
        eraser.add_user_memory("The user drinks coffee", USER)
        assert [m.memory for m in reader.get_user_memories(USER)] == ["The user drinks coffee"]


def test_a_changed_memory_read_back_changes_nothing_kept(db_file: Path) -> None:
    with Memory(db=SqliteMemoryDb(db_file=db_file)) as memory:
        memory_id = memory.add_user_memory(
            UserMemory(memory="The user skis", topics=["sport"]), USER
        )
        found = memory.get_user_memories(USER)[0]
        found.memory = "The user surfs"
        found.topics.append("sea")
        again = memory.get_user_memory(memory_id, USER)
        assert again is not None
        assert (again.memory, again.topics) == ("The user skis", ["sport"])


def test_a_kept_memory_expires_with_time_not_with_a_write(db_file: Path) -> None:
    start = datetime(2030, 1, 1, tzinfo=UTC)
    with Memory(db=SqliteMemoryDb(db_file=db_file)) as memory:
        db = memory.db
        memory.add_user_memory(UserMemory(memory="The user is in Rome"), USER)
        memory.add_user_memory(
            UserMemory(memory="The user is in Paris", expires_at=start + timedelta(days=1)), USER
        )
        for at, expected in [(start, 2), (start + timedelta(days=2), 1), (start, 2)]:
            scope = Scope(at=at)
            listed = db.list_memories(USER, scope=scope)
            newest = db.list_memories(
                USER, ListQuery(order_by="updated_at", newest_first=True, limit=1), scope=scope
            )
            ids = [str(m.memory_id) for m in db.list_memories(USER, scope=Scope(at=start))]
            assert len(listed) == len(db.get_memories(USER, ids, scope=scope)) == expected
            assert [m.memory for m in newest] == [
                "The user is in Paris" if expected == 2 else "The user is in Rome"
            ]


def test_kept_rows_stay_within_their_bound(db_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Past the bound the least recently read scope goes; a scope larger alone is not kept,
    and reads give the same either way."""
    with Memory(db=SqliteMemoryDb(db_file=db_file)) as memory:
        for user in ("u1", "u2"):
            for text in TEXTS:
                memory.add_user_memory(text, user)
        db = memory.db
        assert isinstance(db, SqliteMemoryDb)
        everything = {user: memory.get_user_memories(user) for user in ("u1", "u2")}
        assert set(db._scopes) == {("u1", ""), ("u2", "")}
        one_scope = db._scopes[("u1", "")].size
        for bound, kept in [(one_scope * 3 // 2, {("u2", "")}), (one_scope // 2, set())]:
            db._scopes.clear()
            monkeypatch.setattr(sqlite_cache, "SCOPE_CACHE_BYTES", bound)
            assert {user: memory.get_user_memories(user) for user in ("u1", "u2")} == everything
            assert set(db._scopes) == kept
