"""Storage backends for memories, and the contract a new one implements (`memory.db.base`).

The contract is one abstract class per aggregate (`MemoryStorage`, `SummaryStorage`,
`PendingStorage`, `ThreadOwnerStorage`); `MemoryDb` is all of them. `SessionHost` is
the optional protocol of a backend that also keeps an agent's sessions. The backends
live in their own modules (`memory.db.sqlite`, `memory.db.postgres`, `memory.db.store`),
so `import memory.db` loads no database driver.
"""

from memory.db.base import (
    AS_ADDED,
    USER_SCOPE,
    ClaimRequest,
    ListQuery,
    MemoryDb,
    MemoryStorage,
    MissingVectors,
    PendingStorage,
    Scope,
    SessionHost,
    SummaryStorage,
    SummaryWrite,
    ThreadOwnerStorage,
    WriteBatch,
)

__all__ = [
    "AS_ADDED",
    "USER_SCOPE",
    "ClaimRequest",
    "ListQuery",
    "MemoryDb",
    "MemoryStorage",
    "MissingVectors",
    "PendingStorage",
    "Scope",
    "SessionHost",
    "SummaryStorage",
    "SummaryWrite",
    "ThreadOwnerStorage",
    "WriteBatch",
]
