"""User memory for LangGraph agents: facts about each user, kept current and searchable."""

from memory.db.base import MemoryDb
from memory.db.sqlite import SqliteMemoryDb
from memory.memory import Memory, RetrievalMethod
from memory.schema import (
    InvalidInputError,
    MemoryAgentError,
    MemoryDbError,
    MemoryEvent,
    MemoryNotFoundError,
    UserMemory,
)

__all__ = [
    "InvalidInputError",
    "Memory",
    "MemoryAgentError",
    "MemoryDb",
    "MemoryDbError",
    "MemoryEvent",
    "MemoryNotFoundError",
    "RetrievalMethod",
    "SqliteMemoryDb",
    "UserMemory",
]
