"""User memory for LangGraph agents: facts about each user, kept current and searchable.

The PostgreSQL backend (psycopg) and the Agno importer load on first use of their
names (PEP 562), so `import memory` stays quick for the SQLite and store paths.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from memory.chat_models import ModelSpec
from memory.db.base import MemoryDb
from memory.db.sqlite import SqliteMemoryDb
from memory.dedupe import DuplicateGroup
from memory.embeddings import HashEmbeddings
from memory.errors import (
    EmbeddingMismatchError,
    EmbeddingUnavailableError,
    InvalidInputError,
    MemoryAgentError,
    MemoryDbError,
    MemoryModelError,
    MemoryNotFoundError,
    ModelConfigError,
    ThreadOwnershipError,
)
from memory.manager import MemoryManager, MemoryUpdateResult, RefusedToolCall
from memory.memory import Memory, RetrievalMethod
from memory.retrieval import PromptMemories, SearchResult
from memory.schema import EraseResult, MemoryEvent, SessionSummary, SummaryEvent, UserMemory
from memory.summarizer import SessionSummarizer

if TYPE_CHECKING:
    from memory.agno import (
        AgnoImportReport,
        SkippedAgnoRow,
        import_agno_memories,
        import_agno_rows,
    )
    from memory.db.postgres import PostgresMemoryDb

_LAZY = {
    "AgnoImportReport": "memory.agno",
    "SkippedAgnoRow": "memory.agno",
    "import_agno_memories": "memory.agno",
    "import_agno_rows": "memory.agno",
    "PostgresMemoryDb": "memory.db.postgres",
}
"""Public names whose modules are heavy to import, and where they live."""


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_LAZY])


__all__ = [
    "AgnoImportReport",
    "DuplicateGroup",
    "EmbeddingMismatchError",
    "EmbeddingUnavailableError",
    "EraseResult",
    "HashEmbeddings",
    "InvalidInputError",
    "Memory",
    "MemoryAgentError",
    "MemoryDb",
    "MemoryDbError",
    "MemoryEvent",
    "MemoryManager",
    "MemoryModelError",
    "MemoryNotFoundError",
    "MemoryUpdateResult",
    "ModelConfigError",
    "ModelSpec",
    "PostgresMemoryDb",
    "PromptMemories",
    "RefusedToolCall",
    "RetrievalMethod",
    "SearchResult",
    "SessionSummarizer",
    "SessionSummary",
    "SkippedAgnoRow",
    "SqliteMemoryDb",
    "SummaryEvent",
    "ThreadOwnershipError",
    "UserMemory",
    "import_agno_memories",
    "import_agno_rows",
]
