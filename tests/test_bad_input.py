"""Bad input gets a clear, typed error, and what was stored stays as it was."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from memory import (
    InvalidInputError,
    Memory,
    MemoryDbError,
    MemoryNotFoundError,
    SqliteMemoryDb,
    UserMemory,
)
from memory.schema import (
    MAX_MEMORY_CHARS,
    MAX_USER_ID_CHARS,
    AddMemory,
    ReplaceMemory,
    WriteContext,
)

USER = "ava"


def snapshot(memory: Memory, *users: str) -> dict[str, list[dict[str, Any]]]:
    return {user: [m.to_dict() for m in memory.get_user_memories(user)] for user in users}


@pytest.fixture
def stored(memory: Memory) -> Memory:
    memory.add_user_memory(UserMemory(memory="The user's name is Ava", topics=["name"]), USER)
    memory.add_user_memory("The user likes to ski", USER)
    return memory


@pytest.mark.one_backend
@pytest.mark.parametrize(
    ("text", "topics"),
    [
        ("", []),
        ("   \n\t", []),
        ("x" * (MAX_MEMORY_CHARS + 1), []),
        ("The user likes tea", [1]),
        ("The user likes tea", [""]),
        ("The user likes tea", "tea"),
        ("The user likes tea", [["nested"]]),
        ("The user likes \0 tea", []),
        ("The user likes \ud800 tea", []),
        ("The user likes tea", ["a\0b"]),
        ("The user likes tea", ["\udfff"]),
    ],
)
def test_invalid_memories_are_refused(stored: Memory, text: str, topics: Any) -> None:
    before = snapshot(stored, USER)
    with pytest.raises(ValidationError):
        stored.add_user_memory(UserMemory(memory=text, topics=topics), USER)
    assert snapshot(stored, USER) == before


@pytest.mark.one_backend
@pytest.mark.parametrize("text", ["", "  ", "x" * (MAX_MEMORY_CHARS + 1)])
def test_invalid_text_is_refused_on_replace_too(stored: Memory, text: str) -> None:
    before = snapshot(stored, USER)
    memory_id = before[USER][0]["memory_id"]
    with pytest.raises(ValidationError):
        stored.add_user_memory(text, USER)
    with pytest.raises(ValidationError):
        stored.replace_user_memory(memory_id, text, USER)
    assert snapshot(stored, USER) == before


@pytest.mark.one_backend
def test_a_memory_that_is_neither_text_nor_user_memory_is_refused(stored: Memory) -> None:
    with pytest.raises(InvalidInputError, match="UserMemory or a string"):
        stored.add_user_memory(123, USER)  # type: ignore[arg-type]


def test_the_size_limit_is_inclusive(memory: Memory) -> None:
    memory_id = memory.add_user_memory("x" * MAX_MEMORY_CHARS, USER)
    stored = memory.get_user_memory(memory_id, USER)
    assert stored is not None
    assert len(stored.memory) == MAX_MEMORY_CHARS


@pytest.mark.one_backend
@pytest.mark.parametrize(
    "user_id", ["", "   ", "x" * (MAX_USER_ID_CHARS + 1), None, 42, "tab\there", "nul\0"]
)
def test_unusable_user_ids_are_refused(stored: Memory, user_id: Any) -> None:
    before = snapshot(stored, USER)
    with pytest.raises(InvalidInputError):
        stored.add_user_memory("The user likes tea", user_id)
    with pytest.raises(InvalidInputError):
        stored.get_user_memories(user_id)
    if user_id is not None:  # clear(None) is "everyone", on purpose
        with pytest.raises(InvalidInputError):
            stored.clear(user_id)
    assert snapshot(stored, USER) == before


@pytest.mark.parametrize(
    "user_id",
    ["john_doe@example.com", "first.last", "org/team/42", "zoë", "用户", "../../x", " a "],
)
def test_any_printable_user_id_is_valid_and_kept_exactly(memory: Memory, user_id: str) -> None:
    memory.add_user_memory("The user likes tea", user_id)
    assert [m.user_id for m in memory.get_user_memories(user_id)] == [user_id]
    assert memory.get_user_memories(user_id.strip() + "x") == []


@pytest.mark.one_backend
def test_a_memory_owned_by_someone_else_is_refused(stored: Memory) -> None:
    with pytest.raises(InvalidInputError, match="belongs to"):
        stored.add_user_memory(UserMemory(memory="The user is Bob", user_id="bob"), USER)


@pytest.mark.parametrize(
    "query",
    [
        '"',
        "*",
        "-",
        "NEAR(",
        "OR",
        "AND",
        "NOT",
        "((",
        "a) OR (b",
        "!!!",
        "name:ava",
        "^ski",
        '"unbalanced ski',
        "ski*",
        "ski -ava",
        "NEAR(ski ava, 2)",
        "{name}: ski",
        "+",
        "   ",
    ],
)
def test_fts_syntax_is_searched_as_plain_words(stored: Memory, query: str) -> None:
    stored.add_user_memory("The user skis with Bob", "bob")
    found = stored.search_user_memories(USER, query=query, retrieval_method="keyword")
    assert all(m.user_id == USER for m in found)
    if "ski" in query.split() or '"unbalanced ski' in query:
        assert "The user likes to ski" in [m.memory for m in found]


def test_a_failing_batch_leaves_nothing_behind(stored: Memory) -> None:
    before = snapshot(stored, USER)
    first_id = stored.get_user_memories(USER)[0].memory_id
    assert first_id is not None
    with pytest.raises(MemoryNotFoundError):
        stored.apply_user_memory_ops(
            USER,
            [
                AddMemory(UserMemory(memory="The user has a dog")),
                ReplaceMemory(first_id, UserMemory(memory="The user's name is Eve")),
                ReplaceMemory("invented-id", UserMemory(memory="x")),
            ],
            WriteContext("test"),
        )
    assert snapshot(stored, USER) == before


def test_a_db_file_whose_folder_cannot_be_made_is_a_db_error(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(MemoryDbError, match="cannot open"):
        SqliteMemoryDb(db_file=blocker / "agent.db")


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes through read-only folders")
def test_a_read_only_folder_is_a_db_error(tmp_path: Path) -> None:
    tmp_path.chmod(0o500)
    try:
        with pytest.raises(MemoryDbError):
            SqliteMemoryDb(db_file=tmp_path / "agent.db")
    finally:
        tmp_path.chmod(0o700)


def test_a_file_that_is_not_sqlite_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    content = b"these are my notes, not a database\n" * 200
    path.write_bytes(content)
    with pytest.raises(MemoryDbError, match="not a usable SQLite database"):
        SqliteMemoryDb(db_file=path)
    assert path.read_bytes() == content


def test_a_table_name_that_is_not_an_identifier_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match="table_name"):
        SqliteMemoryDb(table_name="memories; DROP TABLE x", db_file=tmp_path / "a.db")


@pytest.mark.one_backend
@pytest.mark.parametrize("user_id", ["a\x00b", "tab\tbed", "\ud800", "del\x7f", "c1\x85"])
def test_user_ids_no_store_can_keep_are_refused(stored: Memory, user_id: str) -> None:
    before = snapshot(stored, USER)
    with pytest.raises(InvalidInputError, match="control characters or lone surrogates"):
        stored.add_user_memory("The user likes tea", user_id)
    assert snapshot(stored, USER) == before


@pytest.mark.one_backend
def test_source_text_with_nul_is_refused(stored: Memory) -> None:
    with pytest.raises(ValidationError):
        UserMemory(memory="The user likes tea", input="said \0 this")
