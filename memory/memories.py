"""A `Memory`'s memories: writes, reads, search, prompt selection, vectors and dedupe.

Each operation is one body (`async def op(self, io, ...)`), run blocking or awaited
as the facade's twins say. `Memories` is also the memory manager's port
(`memory.manager.ManagerPort`): the memories it may show, and applying its plan.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Literal, get_args

from memory import telemetry
from memory.chat_models import ModelSpec
from memory.db.base import ListQuery
from memory.db.view import NO_FILTER, MemoryFilter, MemoryView
from memory.dedupe import DuplicateGroup, dedupe
from memory.errors import InvalidInputError, MemoryNotFoundError
from memory.retrieval import (
    MAX_QUERY_CHARS,
    MemoryWriter,
    PromptMemories,
    SearchResult,
    search,
    select_for_prompt,
)
from memory.schema import (
    AddMemory,
    ClearMemories,
    DeleteMemory,
    MemoryEvent,
    MemoryOp,
    ReplaceMemory,
    UserMemory,
    WriteContext,
    utc,
    validate_memory_id,
    validate_user_id,
)
from memory.service import Service, Settings
from memory.telemetry import TokenUsage
from memory.twins import Io

RetrievalMethod = Literal["last_n", "first_n", "keyword", "semantic", "hybrid", "agentic"]
Topics = Iterable[str] | None
"""Keep only memories with any of these topics (ignoring case); None keeps all."""


SELECTIONS_KEPT = 16
"""Prompt selections a `Memory` keeps to reuse: a turn's memory manager chooses for the
words the agent chose for, from memories its turn did not change."""


class Selections:
    """The latest prompt selections by what decided them, as the ids chosen: the memories
    themselves are read again (a cheap read while nothing changed), so nothing kept is
    handed out."""

    def __init__(self) -> None:
        self._kept: OrderedDict[Hashable, tuple[tuple[str, ...], PromptMemories]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> tuple[tuple[str, ...], PromptMemories] | None:
        """The ids chosen, oldest first, and the selection without its memories."""
        with self._lock:
            found = self._kept.get(key)
            if found is not None:
                self._kept.move_to_end(key)
            return found

    def put(self, key: Hashable, chosen: PromptMemories) -> None:
        ids = tuple(str(m.memory_id) for m in chosen.memories)
        with self._lock:
            self._kept[key] = (ids, replace(chosen, memories=[]))
            self._kept.move_to_end(key)
            if len(self._kept) > SELECTIONS_KEPT:
                self._kept.popitem(last=False)


class Memories(Service):
    """One `Memory`'s memories, in its agent scope, unexpired."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        self._selections = Selections()

    def now(self) -> datetime:
        return utc(self.settings.clock())

    # -- writes ---------------------------------------------------------------

    async def add(self, io: Io, memory: UserMemory | str, user_id: str, source: str) -> str:
        user_id, owned = self._owned(memory, user_id)
        with self.span(telemetry.CREATE, "add_user_memory", user_id) as span:
            events = await self.write(io, user_id, [AddMemory(owned)], self.context(source))
            memory_id = events[-1].memory_id  # after any expired memories the write swept
            span.set({telemetry.RECORD_COUNT: 1, telemetry.RECORD_ID: memory_id})
            span.records([(memory_id, owned.memory)])
            return memory_id

    async def replace(
        self, io: Io, memory_id: str, memory: UserMemory | str, user_id: str, source: str
    ) -> str:
        user_id, owned = self._owned(memory, user_id)
        op = ReplaceMemory(validate_memory_id(memory_id), owned)
        with self.span(telemetry.UPDATE, "replace_user_memory", user_id) as span:
            span.set({telemetry.RECORD_COUNT: 1, telemetry.RECORD_ID: op.memory_id})
            span.records([(op.memory_id, owned.memory)])
            await self.write(io, user_id, [op], self.context(source))
            return op.memory_id

    async def delete(self, io: Io, user_id: str, memory_id: str, source: str) -> bool:
        user_id, op = validate_user_id(user_id), DeleteMemory(validate_memory_id(memory_id))
        with self.span(telemetry.DELETE, "delete_user_memory", user_id) as span:
            span.set({telemetry.RECORD_ID: op.memory_id})
            try:
                await self.write(io, user_id, [op], self.context(source))
            except MemoryNotFoundError:
                span.set({telemetry.RECORD_COUNT: 0})
                return False
            span.set({telemetry.RECORD_COUNT: 1})
            return True

    async def clear(self, io: Io, user_id: str | None, source: str) -> int:
        user_id = None if user_id is None else validate_user_id(user_id)
        with self.span(telemetry.DELETE, "clear", user_id) as span:
            db, scope = self.db, self.scope()
            await io.call(db.drop_pending, db.adrop_pending, user_id, scope=scope)
            users = (
                [user_id]
                if user_id is not None
                else await io.call(db.user_ids, db.auser_ids, scope=scope)
            )
            cleared = 0
            for user in users:
                events = await self.write(io, user, [ClearMemories()], self.context(source))
                cleared += sum(event.action == "cleared" for event in events)
            span.set({telemetry.RECORD_COUNT: cleared})
            return cleared

    async def apply(
        self, io: Io, user_id: str, ops: Sequence[MemoryOp], context: WriteContext
    ) -> list[MemoryEvent]:
        user_id = validate_user_id(user_id)
        with self.span(telemetry.UPDATE, "apply_user_memory_ops", user_id) as span:
            span.set({telemetry.RECORD_COUNT: len(ops)})
            events = await self.write(io, user_id, ops, context)
            span.records((e.memory_id, e.new_memory) for e in events if e.new_memory)
            return events

    def _owned(self, memory: UserMemory | str, user_id: str) -> tuple[str, UserMemory]:
        """Validate both, refusing a memory that names another owner or agent than the call."""
        user_id = validate_user_id(user_id)
        if isinstance(memory, str):
            memory = UserMemory(memory=memory)
        elif not isinstance(memory, UserMemory):
            raise InvalidInputError(
                f"memory must be a UserMemory or a string, got {type(memory).__name__}"
            )
        if memory.user_id is not None and memory.user_id != user_id:
            raise InvalidInputError(
                f"the memory belongs to user {memory.user_id!r}, not {user_id!r}"
            )
        if memory.memory_id is not None:
            validate_memory_id(memory.memory_id)
        agent_id = self.settings.agent_id
        if memory.agent_id is not None and memory.agent_id != agent_id:
            raise InvalidInputError(
                f"the memory belongs to agent {memory.agent_id!r}, not {agent_id!r}"
            )
        return user_id, memory

    # -- reads ----------------------------------------------------------------

    async def of_user(
        self, io: Io, user_id: str, filter: MemoryFilter = NO_FILTER
    ) -> list[UserMemory]:
        view = self.view(filter)
        return await io.call(view.list_memories, view.alist_memories, validate_user_id(user_id))

    async def get(self, io: Io, memory_id: str, user_id: str) -> UserMemory | None:
        user_id, memory_id = validate_user_id(user_id), validate_memory_id(memory_id)
        view = self.view()
        found = await io.call(view.get_memories, view.aget_memories, user_id, [memory_id])
        return found[0] if found else None

    async def history(self, io: Io, memory_id: str, user_id: str) -> list[MemoryEvent]:
        user_id, memory_id = validate_user_id(user_id), validate_memory_id(memory_id)
        db = self.db
        events = await io.call(db.history, db.ahistory, user_id, memory_id, scope=self.scope())
        if not events:
            raise MemoryNotFoundError(memory_id, user_id)
        return events

    @property
    def searches_by_meaning(self) -> bool:
        return self.settings.embedder is not None or self.db.semantic_index

    async def search(
        self,
        io: Io,
        user_id: str,
        query: str | None,
        limit: int | None,
        retrieval_method: str | None,
        model: ModelSpec | None,
        filter: MemoryFilter,
    ) -> SearchResult:
        user_id, method, query, limit = _search_args(
            user_id, query, limit, retrieval_method, embeddings=self.searches_by_meaning
        )
        with self.span(telemetry.SEARCH, "search_user_memories", user_id) as span:
            span.set({telemetry.METHOD: method, telemetry.TOP_K: limit})
            span.text(telemetry.QUERY_TEXT, query)
            found = await self._find(io, user_id, method, query, limit, model, filter)
            span.set({telemetry.RECORD_COUNT: len(found)})
            span.usage(TokenUsage(found.input_tokens, found.output_tokens))
            span.records((m.memory_id, m.memory) for m in found)
            return found

    async def _find(
        self,
        io: Io,
        user_id: str,
        method: RetrievalMethod,
        query: str | None,
        limit: int | None,
        model: ModelSpec | None,
        filter: MemoryFilter,
    ) -> SearchResult:
        view = self.view(filter)
        if method in ("last_n", "first_n"):
            newest_first = method == "last_n"
            listing = ListQuery("updated_at", newest_first, limit)
            found = await io.call(view.list_memories, view.alist_memories, user_id, listing)
            return SearchResult(found[::-1] if newest_first else found, method=method)
        assert query is not None
        if method == "agentic":
            manager = self.settings.memory_manager
            chat_model = manager.chat_model(model or self.settings.model)
            return await manager.search(
                io, self, user_id, query, limit, model=chat_model, filter=filter
            )
        writer = self.writer(view.scope)
        return await search(io, view, writer, user_id, method, query, limit)

    async def for_prompt(
        self, io: Io, user_id: str, text: str, token_budget: int, filter: MemoryFilter
    ) -> PromptMemories:
        user_id = validate_user_id(user_id)
        with self.span(telemetry.SEARCH, "get_memories_for_prompt", user_id) as span:
            span.set({telemetry.TOKEN_BUDGET: token_budget})
            span.text(telemetry.QUERY_TEXT, text)
            view = self.view(filter)
            writer = self.writer(view.scope)
            key = await self._selection_key(io, view, writer, user_id, text, token_budget)
            chosen = None if key is None else await self._reused(io, view, user_id, key)
            if chosen is None:
                chosen = await select_for_prompt(io, view, writer, user_id, text, token_budget)
                if key is not None:
                    self._selections.put(key, chosen)
            if span.recording:  # counting the tokens costs a pass over the chosen memories
                span.set(
                    {
                        telemetry.RECORD_COUNT: len(chosen.memories),
                        telemetry.CONTEXT_TOKENS: chosen.tokens,
                    }
                )
            span.records((m.memory_id, m.memory) for m in chosen.memories)
            return chosen

    async def _selection_key(
        self,
        io: Io,
        view: MemoryView,
        writer: MemoryWriter,
        user_id: str,
        text: str,
        token_budget: int,
    ) -> Hashable | None:
        """What decides a keyword selection, the backend's `scope_version` included; None
        when there is none to tell that the memories are unchanged, or when a search by
        meaning may embed some of them meanwhile."""
        if writer.embedder is not None or view.semantic_index:
            return None
        version = await io.call(view.scope_version, view.ascope_version, user_id)
        if version is None:
            return None
        query = text[-MAX_QUERY_CHARS:]
        return view.db, view.scope.agent_id, user_id, query, token_budget, view.filter, version

    async def _reused(
        self, io: Io, view: MemoryView, user_id: str, key: Hashable
    ) -> PromptMemories | None:
        """The selection made for `key`, its memories read again; None when there is none
        (or, against the version's word, one of its memories is gone)."""
        kept = self._selections.get(key)
        if kept is None:
            return None
        ids, chosen = kept
        found = await io.call(view.get_memories, view.aget_memories, user_id, ids)
        by_id = {m.memory_id: m for m in found}
        if len(by_id) != len(ids):
            return None
        return replace(chosen, memories=[by_id[memory_id] for memory_id in ids])

    # -- vectors and near-duplicates -----------------------------------------

    async def reembed(self, io: Io, user_id: str | None, batch_size: int) -> int:
        user_id = None if user_id is None else validate_user_id(user_id)
        return await self.writer().reembed(io, user_id, batch_size)

    async def dedupe(
        self, io: Io, user_id: str, apply: bool, threshold: float, source: str
    ) -> list[DuplicateGroup]:
        user_id = validate_user_id(user_id)
        view = self.view()
        writer = self.writer(view.scope)
        return await dedupe(io, view, writer, user_id, apply, threshold, source, view.scope.now())


def _search_args(
    user_id: str,
    query: str | None,
    limit: int | None,
    retrieval_method: str | None,
    *,
    embeddings: bool,
) -> tuple[str, RetrievalMethod, str | None, int | None]:
    user_id = validate_user_id(user_id)
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 0):
        raise InvalidInputError(f"limit must be a non-negative integer or None, got {limit!r}")
    if query is not None and not isinstance(query, str):
        raise InvalidInputError(f"query must be a string, got {type(query).__name__}")
    if query is not None and len(query) > MAX_QUERY_CHARS:
        raise InvalidInputError(f"query is longer than {MAX_QUERY_CHARS} characters")
    by_query = "hybrid" if embeddings else "keyword"
    method = retrieval_method or (by_query if query and query.strip() else "last_n")
    if method not in get_args(RetrievalMethod):
        raise InvalidInputError(
            f"retrieval_method must be one of {', '.join(get_args(RetrievalMethod))}, "
            f"got {method!r}"
        )
    if method not in ("last_n", "first_n") and query is None:
        raise InvalidInputError(f"retrieval_method={method!r} needs a query")
    if method == "semantic" and not embeddings:
        raise InvalidInputError(
            "retrieval_method='semantic' needs embeddings: Memory(embeddings=...) or a store "
            "with a semantic index; or use 'hybrid' or 'keyword'"
        )
    return user_id, method, query, limit  # type: ignore[return-value]
