"""Fixtures shared by the suite: a Memory on each kind of store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from memory import Memory, SqliteMemoryDb


@pytest.fixture(params=["in_process", "sqlite_file"])
def memory(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Memory]:
    """The same tests run against memories kept in process and in a SQLite file."""
    db = None if request.param == "in_process" else SqliteMemoryDb(db_file=tmp_path / "m.db")
    with Memory(db=db) as memory:
        yield memory


@pytest.fixture
def db_file(tmp_path: Path) -> Path:
    return tmp_path / "nested" / "folder" / "agent.db"
