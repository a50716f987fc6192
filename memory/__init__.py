"""User memory for LangGraph agents: facts about each user, kept current and searchable."""

from memory.db.base import MemoryDb
from memory.db.sqlite import SqliteMemoryDb
from memory.dedupe import DuplicateGroup
from memory.embeddings import EmbeddingUnavailableError, HashEmbeddings
from memory.manager import MemoryManager, MemoryModelError, MemoryUpdateResult, RefusedToolCall
from memory.memory import Memory, RetrievalMethod
from memory.models import ModelConfigError
from memory.retrieval import PromptMemories, SearchResult
from memory.schema import (
    EmbeddingMismatchError,
    InvalidInputError,
    MemoryAgentError,
    MemoryDbError,
    MemoryEvent,
    MemoryNotFoundError,
    UserMemory,
)

__all__ = [
    "DuplicateGroup",
    "EmbeddingMismatchError",
    "EmbeddingUnavailableError",
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
    "PromptMemories",
    "RefusedToolCall",
    "RetrievalMethod",
    "SearchResult",
    "SqliteMemoryDb",
    "UserMemory",
]
