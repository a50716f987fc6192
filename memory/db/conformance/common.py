"""What every check of the kit shares: the factory it is given, the reference backend,
and failing with a message that says what differs."""

from __future__ import annotations

from collections.abc import Callable

from memory.db.base import MemoryDb
from memory.db.sqlite import SqliteMemoryDb

BackendFactory = Callable[[], MemoryDb]
"""A new, empty backend at each call; the kit closes it."""

Check = Callable[[BackendFactory], None]
"""One check: it runs on backends the factory makes and raises `AssertionError` on failure."""


def expect(holds: bool, failure: str) -> None:
    """Raise `AssertionError(failure)` unless `holds`; unlike `assert`, it runs under -O."""
    if not holds:
        raise AssertionError(failure)


def sqlite_in_process() -> MemoryDb:
    """The reference backend parity compares against."""
    return SqliteMemoryDb(db_file=":memory:")
