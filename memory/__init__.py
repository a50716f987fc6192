"""User memory for LangGraph agents: facts about each user, kept current and searchable.

Every public name loads its module on first use (PEP 562): `import memory`, or a
light submodule such as `memory.schema`, pulls in neither LangChain, psycopg nor the
Agno importer, so the `memory-agent` command and apps that only need part of the
package start quickly.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from memory.agno import (
        AgnoImportReport,
        SkippedAgnoRow,
        import_agno_memories,
        import_agno_rows,
    )
    from memory.chat_models import ModelSpec
    from memory.db.base import MemoryDb
    from memory.db.postgres import PostgresMemoryDb
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

_MODULES = {
    "AgnoImportReport": "memory.agno",
    "DuplicateGroup": "memory.dedupe",
    "EmbeddingMismatchError": "memory.errors",
    "EmbeddingUnavailableError": "memory.errors",
    "EraseResult": "memory.schema",
    "HashEmbeddings": "memory.embeddings",
    "InvalidInputError": "memory.errors",
    "Memory": "memory.memory",
    "MemoryAgentError": "memory.errors",
    "MemoryDb": "memory.db.base",
    "MemoryDbError": "memory.errors",
    "MemoryEvent": "memory.schema",
    "MemoryManager": "memory.manager",
    "MemoryModelError": "memory.errors",
    "MemoryNotFoundError": "memory.errors",
    "MemoryUpdateResult": "memory.manager",
    "ModelConfigError": "memory.errors",
    "ModelSpec": "memory.chat_models",
    "PostgresMemoryDb": "memory.db.postgres",
    "PromptMemories": "memory.retrieval",
    "RefusedToolCall": "memory.manager",
    "RetrievalMethod": "memory.memory",
    "SearchResult": "memory.retrieval",
    "SessionSummarizer": "memory.summarizer",
    "SessionSummary": "memory.schema",
    "SkippedAgnoRow": "memory.agno",
    "SqliteMemoryDb": "memory.db.sqlite",
    "SummaryEvent": "memory.schema",
    "ThreadOwnershipError": "memory.errors",
    "UserMemory": "memory.schema",
    "import_agno_memories": "memory.agno",
    "import_agno_rows": "memory.agno",
}
"""Where each public name lives."""


def __getattr__(name: str) -> Any:
    module = _MODULES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_MODULES])


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
