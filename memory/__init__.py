"""User memory for LangGraph agents: facts about each user, kept current and searchable."""

from memory.agno import AgnoImportReport, SkippedAgnoRow, import_agno_memories
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
]
