"""The JSON bodies the memory routes read and write; unknown fields are refused (422)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from memory import MemoryEvent, RetrievalMethod, SessionSummary, UserMemory
from memory.retrieval import DEFAULT_TOKEN_BUDGET

MAX_PAGE = 1_000
MAX_BULK_IDS = 1_000


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class NewMemory(Body):
    memory: str
    topics: list[str] = Field(default_factory=list)
    expires_at: datetime | None = None
    """When the fact stops being true; a time without a zone is UTC."""
    agent_id: str | None = None
    """The agent whose memory of the user this is (None: the memories every agent shares)."""


class MemoryChanges(Body):
    """Fields to change; those left out are kept, `expires_at: null` removes the expiry."""

    memory: str | None = None
    topics: list[str] | None = None
    expires_at: datetime | None = None


class DeleteMemories(Body):
    """Bulk delete: the listed ids (all or none), or every memory of the scope when absent."""

    memory_ids: list[str] | None = Field(default=None, max_length=MAX_BULK_IDS)


class SearchQuery(Body):
    query: str | None = None
    method: RetrievalMethod | None = None
    """None: hybrid for a query when the memories are searched by meaning, else keyword;
    last_n without a query."""
    limit: int | None = Field(default=None, ge=1, le=MAX_PAGE)
    token_budget: int | None = Field(default=None, ge=1)
    """Keep only the best results whose text fits this many tokens."""
    topics: list[str] | None = None
    since: datetime | None = None
    until: datetime | None = None


class PromptRequest(Body):
    message: str
    token_budget: int = Field(default=DEFAULT_TOKEN_BUDGET, ge=1)
    agentic: bool = False
    """Whether the agent manages memories with a tool, which changes the block's wording."""


class AgnoRows(Body):
    """Rows of an Agno memories table, as Agno stores them (see `memory.agno`)."""

    rows: list[dict[str, Any]] = Field(max_length=10_000)
    """Columns as in the table, JSON columns as their text."""
    layout: Literal["Agno 1.x memory v2", "Agno 2.x"] = "Agno 2.x"
    memory_is_json: bool = False
    """Agno 1.x only: the `memory` column holds JSON (PostgreSQL), not a Python literal
    (SQLite)."""


class Health(BaseModel):
    status: Literal["ok"] = "ok"
    store: str
    """The kind of store the memories are in."""


class UserCount(BaseModel):
    user_id: str
    memories: int


class Users(BaseModel):
    users: list[UserCount]


class MemoryPage(BaseModel):
    memories: list[UserMemory]
    total: int
    """How many memories match the filters, of which this page holds `limit` from `offset`."""
    limit: int
    offset: int


class ScoredMemory(BaseModel):
    memory: UserMemory
    score: float | None
    """Higher is better: BM25 for keyword, cosine for semantic, fused for hybrid; None for
    last_n, first_n and agentic."""


class SearchResults(BaseModel):
    results: list[ScoredMemory]
    method: str
    """The method that ranked the results ("keyword" when the asked one fell back)."""
    fallback_reason: str | None = None


class TopicCount(BaseModel):
    topic: str
    memories: int


class Topics(BaseModel):
    topics: list[TopicCount]


class Deleted(BaseModel):
    deleted: int


class Imported(BaseModel):
    memory_ids: list[str]


class PromptBlock(BaseModel):
    prompt: str
    """The memory section of the system prompt, exactly as the agent would write it."""


class History(BaseModel):
    events: list[MemoryEvent]
    """Every change to the memory, oldest first."""


class Summaries(BaseModel):
    summaries: list[SessionSummary]
    """Most recent first."""
