"""Storage backends for memories, and the contract a new one implements (`memory.db.base`).

The contract is one abstract class per aggregate (`MemoryStorage`, `SummaryStorage`,
`PendingStorage`, `ThreadOwnerStorage`); `MemoryDb` is all of them. `SessionHost` is
the optional protocol of a backend that also keeps an agent's sessions. The backends
are imported when first named, so `import memory.db` loads no database driver.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from memory.db.base import (
    USER_SCOPE,
    MemoryDb,
    MemoryStorage,
    PendingStorage,
    Scope,
    SessionHost,
    SummaryStorage,
    ThreadOwnerStorage,
)

if TYPE_CHECKING:
    from memory.db.postgres import PostgresMemoryDb
    from memory.db.sqlite import SqliteMemoryDb
    from memory.db.store import StoreMemoryDb

_BACKENDS = {
    "PostgresMemoryDb": "memory.db.postgres",
    "SqliteMemoryDb": "memory.db.sqlite",
    "StoreMemoryDb": "memory.db.store",
}
"""The backends, and the modules they live in."""


def __getattr__(name: str) -> Any:
    module = _BACKENDS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


def __dir__() -> list[str]:
    return sorted([*globals(), *_BACKENDS])


__all__ = [
    "USER_SCOPE",
    "MemoryDb",
    "MemoryStorage",
    "PendingStorage",
    "PostgresMemoryDb",
    "Scope",
    "SessionHost",
    "SqliteMemoryDb",
    "StoreMemoryDb",
    "SummaryStorage",
    "ThreadOwnerStorage",
]
