"""What the services behind `Memory` share: its settings, read live, and its agent scope.

`Memory` is a facade: each of its operations is a body of one service (memories,
learning, pending messages, summaries, transfer, owners), which reads the
`Memory`'s settings through `Settings` at each call, so an app or a test that
changes `memory.model` or `memory.clock` is heard, and no service imports `Memory`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Protocol

from memory import telemetry
from memory.chat_models import ModelSpec
from memory.db.base import MemoryDb, Scope
from memory.db.view import NO_FILTER, MemoryFilter, MemoryView
from memory.embeddings import Embedder
from memory.manager import MemoryManager
from memory.retrieval import MemoryWriter
from memory.schema import AddMemory, MemoryEvent, MemoryOp, ReplaceMemory, WriteContext, later
from memory.summarizer import SessionSummarizer
from memory.twins import Io


class Settings(Protocol):
    """What a service reads of its `Memory` (see `Memory.__init__` for each)."""

    db: MemoryDb
    agent_id: str | None
    clock: Callable[[], datetime]
    embedder: Embedder | None
    default_ttl: timedelta | None
    model: ModelSpec | None
    delete_memories: bool
    clear_memories: bool
    memory_manager: MemoryManager
    summarizer: SessionSummarizer
    traces_content: bool


@dataclass(eq=False)
class Service:
    """A part of one `Memory`: its store in its agent scope, with expiry judged by its clock;
    a subclass declares the other services it works through as its fields."""

    settings: Settings

    @property
    def db(self) -> MemoryDb:
        return self.settings.db

    def scope(self) -> Scope:
        """The agent scope, with expiry judged now."""
        return Scope(self.settings.agent_id, self.settings.clock())

    def view(self, filter: MemoryFilter = NO_FILTER, scope: Scope | None = None) -> MemoryView:
        """The store as the `Memory` reads it: its agent scope, unexpired, filtered."""
        return MemoryView(self.db, scope or self.scope(), filter)

    def writer(self, scope: Scope | None = None) -> MemoryWriter:
        """Where the `Memory`'s writes go: its store in its agent scope, with its embedder."""
        return MemoryWriter(self.db, scope or self.scope(), self.settings.embedder)

    def context(self, source: str) -> WriteContext:
        return WriteContext(source, at=self.settings.clock())

    def span(self, name: str, operation: str, user_id: str | None) -> telemetry.MemorySpan:
        """The span of one operation, with the agent scope."""
        return telemetry.memory_span(
            name,
            operation,
            user_id,
            {telemetry.AGENT_ID: self.settings.agent_id},
            self.settings.traces_content,
        )

    async def write(
        self, io: Io, user_id: str, ops: Sequence[MemoryOp], context: WriteContext
    ) -> list[MemoryEvent]:
        """Apply a batch in the agent scope, `default_ttl` given to what it writes without
        an expiry, then embed what it wrote."""
        ops = [self._expiring(op, context.at) for op in ops]
        return await self.writer().write(io, user_id, ops, context)

    def _expiring(self, op: MemoryOp, at: datetime) -> MemoryOp:
        ttl = self.settings.default_ttl
        if ttl is None:
            return op
        expiry = later(at, ttl)
        match op:
            case AddMemory(memory=memory) if memory.expires_at is None:
                return AddMemory(memory.model_copy(update={"expires_at": expiry}))
            case ReplaceMemory(memory=memory) if memory.expires_at is None:
                return replace(op, memory=memory.model_copy(update={"expires_at": expiry}))
        return op
