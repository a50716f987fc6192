"""Memory: the public facade over a store, with Agno's method names and async twins."""

from __future__ import annotations

import copy
import logging
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any, Literal, get_args

from langchain_core.embeddings import Embeddings
from langchain_core.messages import convert_to_messages
from pydantic import ValidationError

from memory import prompts, telemetry
from memory.chat_models import ModelSpec
from memory.db.base import MemoryDb, Scope
from memory.db.sqlite import SqliteMemoryDb
from memory.db.view import NO_FILTER, MemoryFilter, MemoryView
from memory.dedupe import DEFAULT_THRESHOLD, DuplicateGroup, dedupe
from memory.embeddings import Embedder
from memory.errors import (
    InvalidInputError,
    MemoryNotFoundError,
    PendingClaimLostError,
    ThreadOwnershipError,
)
from memory.extraction import ExtractionWorker
from memory.manager import (
    MAX_TRANSCRIPT_CHARS,
    MemoryManager,
    MemoryUpdateResult,
    MessageLike,
    render_transcript,
    transcript_windows,
)
from memory.retrieval import (
    DEFAULT_TOKEN_BUDGET,
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
    EraseResult,
    MemoryEvent,
    MemoryOp,
    PendingClaim,
    PendingMessage,
    PendingThread,
    ReplaceMemory,
    SessionSummary,
    SummaryEvent,
    UserMemory,
    WriteContext,
    expired,
    later,
    storable_text,
    utc,
    utcnow,
    validate_agent_id,
    validate_memory_id,
    validate_session_id,
    validate_thread_id,
    validate_user_id,
)
from memory.summarizer import SessionSummarizer
from memory.telemetry import TokenUsage, for_user
from memory.twins import AWAITING, BLOCKING, Io, offload, run_sync

logger = logging.getLogger(__name__)

CLAIM_TIMEOUT = timedelta(minutes=5)
"""How long a worker's claim on a thread's pending messages keeps others off them; a
worker that died meanwhile holds them no longer than this."""
CLAIM_LIMIT = 200
"""Pending messages taken at once; the rest are taken by the next claim."""

RetrievalMethod = Literal["last_n", "first_n", "keyword", "semantic", "hybrid", "agentic"]
EXPORT_FORMAT = "memory-agent/memories@1"


SessionEraser = Callable[[Sequence[str]], tuple[int, int]]
"""Deletes the checkpoints and archived runs of some threads; returns (checkpoints, runs)."""
Topics = Iterable[str] | None
"""Keep only memories with any of these topics (ignoring case); None keeps all."""


class Memory:
    """A user's long-term memories: add, replace, delete, search, and their history.

    Every call names the user it acts for, and reaches that user's memories only
    (of this Memory's agent, when it has an `agent_id`). An expired memory is never
    returned, searched, counted or shown to a model. Each method has an async twin
    prefixed with `a` (`aadd_user_memory`, ...).
    """

    def __init__(
        self,
        db: MemoryDb | None = None,
        model: ModelSpec | None = None,
        delete_memories: bool = False,
        clear_memories: bool = False,
        *,
        memory_manager: MemoryManager | None = None,
        summarizer: SessionSummarizer | None = None,
        embeddings: Embeddings | None = None,
        embedding_model: str | None = None,
        embedding_timeout: float = 10.0,
        agent_id: str | None = None,
        default_ttl: timedelta | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        """
        Args:
            db: Where memories live; `None` keeps them in this process only.
            model: Chat model, or "provider:model" such as "openai:gpt-4.1-mini", for
                creating memories and agentic search; an agent that owns this
                `Memory` lends its own model when this is `None`. A string is
                turned into a client at first use, so no key is needed before.
            delete_memories: Let the memory model delete single memories.
            clear_memories: Let the memory model clear all of a user's memories
                (this user's only, never anyone else's).
            memory_manager: A configured `MemoryManager` (prompts, token budget).
            summarizer: A configured `SessionSummarizer` (its own model, prompts).
            embeddings: Any LangChain `Embeddings`, for `semantic` and `hybrid` search
                and for choosing prompt memories by meaning; memories are embedded
                when written.
            embedding_model: The label stored with each vector; vectors of another
                label are never compared. Defaults to the class and model name.
            embedding_timeout: Seconds to wait for the embedding model before a
                search falls back to keyword.
            agent_id: Keep this agent's own memories of each user, apart from other
                agents'; None (the default) reaches the memories of each user that
                every agent without an id shares. See `for_agent`.
            default_ttl: How long a memory written without an `expires_at` stays,
                from when it is added, replaced or said again; None: until deleted.
            clock: The current time (UTC), by which expiry is judged; tests pass
                their own.
        """
        self.db: MemoryDb = db if db is not None else SqliteMemoryDb(db_file=":memory:")
        if embeddings is not None and self.db.semantic_index:
            raise InvalidInputError(
                "the store embeds memories with its own semantic index: pass no embeddings "
                "(or StoreMemoryDb(store, index=False) to embed them here instead)"
            )
        if default_ttl is not None and (
            not isinstance(default_ttl, timedelta) or default_ttl <= timedelta(0)
        ):
            raise InvalidInputError(
                f"default_ttl must be a positive timedelta, got {default_ttl!r}"
            )
        if default_ttl is not None:
            later(clock(), default_ttl)  # refuses a time to live that ends past the year 9999
        self.agent_id = validate_agent_id(agent_id)
        self._traces_content = telemetry.environment_opts_in()
        self.default_ttl = default_ttl
        self.clock = clock
        self.model = model
        self.delete_memories = delete_memories
        self.clear_memories = clear_memories
        self.memory_manager = memory_manager or MemoryManager()
        self.summarizer = summarizer or SessionSummarizer()
        self.embedder = (
            Embedder(embeddings, embedding_model, embedding_timeout)
            if embeddings is not None
            else None
        )
        self._session_erasers: list[SessionEraser] = []
        self._owns_db = True
        self._workers: dict[str | None, ExtractionWorker] = {}
        """The deferred-extraction worker of each agent scope; this Memory's handles share them."""
        self._workers_guard = threading.Lock()
        self._closed = [False]
        """Shared with the handles, like the workers."""

    def for_agent(self, agent_id: str | None) -> Memory:
        """This memory as agent `agent_id` keeps it: that agent's own memories of each user
        (None: the memories every agent without an id shares). The store, models and
        settings are shared, so two agents of one app may share a `Memory` and keep
        their memories apart, or share them by sharing an id.

        The handle owns nothing: its `close()` leaves the store open, and the `Memory`
        it came from closes the store and the handle's extraction worker."""
        scoped = copy.copy(self)
        scoped.agent_id = validate_agent_id(agent_id)
        scoped._owns_db = False
        return scoped

    def extraction_worker(self, **options: Any) -> ExtractionWorker:
        """The deferred-extraction worker of this Memory's agent scope, made at first use
        (with `options`, see `ExtractionWorker`) and closed when this Memory closes."""
        with self._workers_guard:
            worker = self._workers.get(self.agent_id)
            if worker is None:
                worker = ExtractionWorker(self, **options)
                if self._closed[0]:
                    worker.close()  # schedules nothing on a closed store
                else:
                    self._workers[self.agent_id] = worker
            return worker

    def _scope(self) -> Scope:
        """This memory's agent scope, with expiry judged now."""
        return Scope(self.agent_id, self.clock())

    def _view(self, filter: MemoryFilter = NO_FILTER) -> MemoryView:
        """The store as this memory reads it now: its agent scope, unexpired, filtered."""
        return MemoryView(self.db, self._scope(), filter)

    def _writer(self, scope: Scope | None = None) -> MemoryWriter:
        """Where this memory's writes go: its store in its agent scope, with its embedder."""
        return MemoryWriter(self.db, scope or self._scope(), self.embedder)

    def _context(self, source: str) -> WriteContext:
        return WriteContext(source, at=self.clock())

    # -- writes ---------------------------------------------------------------

    def add_user_memory(
        self, memory: UserMemory | str, user_id: str, *, source: str = "api"
    ) -> str:
        """Store a memory and return its id (the existing id when the user already has it)."""
        return run_sync(self._add(BLOCKING, memory, user_id, source))

    async def aadd_user_memory(
        self, memory: UserMemory | str, user_id: str, *, source: str = "api"
    ) -> str:
        return await self._add(AWAITING, memory, user_id, source)

    async def _add(self, io: Io, memory: UserMemory | str, user_id: str, source: str) -> str:
        user_id, owned = self._owned(memory, user_id)
        with self._span(telemetry.CREATE, "add_user_memory", user_id) as span:
            events = await self._write(io, user_id, [AddMemory(owned)], self._context(source))
            memory_id = events[-1].memory_id  # after any expired memories the write swept
            span.set({telemetry.RECORD_COUNT: 1, telemetry.RECORD_ID: memory_id})
            span.records([(memory_id, owned.memory)])
            return memory_id

    def replace_user_memory(
        self, memory_id: str, memory: UserMemory | str, user_id: str, *, source: str = "api"
    ) -> str:
        """Replace the text and topics of one of the user's memories, keeping its id.

        Raises `MemoryNotFoundError` when the id is not one of this user's memories.
        """
        return run_sync(self._replace(BLOCKING, memory_id, memory, user_id, source))

    async def areplace_user_memory(
        self, memory_id: str, memory: UserMemory | str, user_id: str, *, source: str = "api"
    ) -> str:
        return await self._replace(AWAITING, memory_id, memory, user_id, source)

    async def _replace(
        self, io: Io, memory_id: str, memory: UserMemory | str, user_id: str, source: str
    ) -> str:
        user_id, owned = self._owned(memory, user_id)
        op = ReplaceMemory(validate_memory_id(memory_id), owned)
        with self._span(telemetry.UPDATE, "replace_user_memory", user_id) as span:
            span.set({telemetry.RECORD_COUNT: 1, telemetry.RECORD_ID: op.memory_id})
            span.records([(op.memory_id, owned.memory)])
            await self._write(io, user_id, [op], self._context(source))
            return op.memory_id

    def delete_user_memory(self, user_id: str, memory_id: str, *, source: str = "api") -> bool:
        """Delete one memory; False when the user had no memory with that id."""
        return run_sync(self._delete(BLOCKING, user_id, memory_id, source))

    async def adelete_user_memory(
        self, user_id: str, memory_id: str, *, source: str = "api"
    ) -> bool:
        return await self._delete(AWAITING, user_id, memory_id, source)

    async def _delete(self, io: Io, user_id: str, memory_id: str, source: str) -> bool:
        user_id, op = validate_user_id(user_id), DeleteMemory(validate_memory_id(memory_id))
        with self._span(telemetry.DELETE, "delete_user_memory", user_id) as span:
            span.set({telemetry.RECORD_ID: op.memory_id})
            try:
                await self._write(io, user_id, [op], self._context(source))
            except MemoryNotFoundError:
                span.set({telemetry.RECORD_COUNT: 0})
                return False
            span.set({telemetry.RECORD_COUNT: 1})
            return True

    def clear(self, user_id: str | None = None, *, source: str = "api") -> int:
        """Forget one user's memories, or everyone's when no user is named; returns the count.

        Each user's memories are cleared in one transaction, with history. Their
        messages still waiting for deferred extraction are forgotten first, so
        nothing learned from them later brings a memory back. Only this Memory's
        agent scope is cleared (its memories and its pending messages; another
        agent's stay); expired memories are swept, not counted. History (with the
        text the memories held) and session summaries are kept: to remove every
        trace of a user, `erase_user`.
        """
        return run_sync(self._clear(BLOCKING, user_id, source))

    async def aclear(self, user_id: str | None = None, *, source: str = "api") -> int:
        return await self._clear(AWAITING, user_id, source)

    async def _clear(self, io: Io, user_id: str | None, source: str) -> int:
        user_id = None if user_id is None else validate_user_id(user_id)
        with self._span(telemetry.DELETE, "clear", user_id) as span:
            db, scope = self.db, self._scope()
            await io.call(db.drop_pending, db.adrop_pending, user_id, scope=scope)
            users = (
                [validate_user_id(user_id)]
                if user_id is not None
                else await io.call(db.user_ids, db.auser_ids, scope=scope)
            )
            cleared = 0
            for user in users:
                events = await self._write(io, user, [ClearMemories()], self._context(source))
                cleared += sum(event.action == "cleared" for event in events)
            span.set({telemetry.RECORD_COUNT: cleared})
            return cleared

    def apply_user_memory_ops(
        self, user_id: str, ops: Sequence[MemoryOp], context: WriteContext
    ) -> list[MemoryEvent]:
        """Apply a batch of operations for one user as one transaction: all or none.

        The memories it adds or rewrites are embedded after the transaction, when
        this Memory has embeddings; a failing embedding model loses no memory.
        The events begin with the memories the batch swept because they expired.
        """
        return run_sync(self._apply(BLOCKING, validate_user_id(user_id), ops, context))

    async def aapply_user_memory_ops(
        self, user_id: str, ops: Sequence[MemoryOp], context: WriteContext
    ) -> list[MemoryEvent]:
        return await self._apply(AWAITING, validate_user_id(user_id), ops, context)

    async def _apply(
        self, io: Io, user_id: str, ops: Sequence[MemoryOp], context: WriteContext
    ) -> list[MemoryEvent]:
        with self._span(telemetry.UPDATE, "apply_user_memory_ops", user_id) as span:
            span.set({telemetry.RECORD_COUNT: len(ops)})
            events = await self._write(io, user_id, ops, context)
            span.records((e.memory_id, e.new_memory) for e in events if e.new_memory)
            return events

    def _span(self, name: str, operation: str, user_id: str | None) -> telemetry.MemorySpan:
        """The span of one operation of this memory, with its agent scope."""
        return telemetry.memory_span(
            name, operation, user_id, {telemetry.AGENT_ID: self.agent_id}, self._traces_content
        )

    async def _write(
        self, io: Io, user_id: str, ops: Sequence[MemoryOp], context: WriteContext
    ) -> list[MemoryEvent]:
        ops = [self._expiring(op, context.at) for op in ops]
        return await self._writer().write(io, user_id, ops, context)

    def _expiring(self, op: MemoryOp, at: datetime) -> MemoryOp:
        """`op` with `default_ttl` given to a memory it writes without an expiry."""
        if self.default_ttl is None:
            return op
        expiry = later(at, self.default_ttl)
        match op:
            case AddMemory(memory=memory) if memory.expires_at is None:
                return AddMemory(memory.model_copy(update={"expires_at": expiry}))
            case ReplaceMemory(memory_id=memory_id, memory=memory) if memory.expires_at is None:
                return ReplaceMemory(memory_id, memory.model_copy(update={"expires_at": expiry}))
        return op

    def _owned(self, memory: UserMemory | str, user_id: str) -> tuple[str, UserMemory]:
        """Validate both, refusing a memory that names another owner or agent than the call."""
        user_id, owned = _owned(memory, user_id)
        if owned.agent_id is not None and owned.agent_id != self.agent_id:
            raise InvalidInputError(
                f"the memory belongs to agent {owned.agent_id!r}, not {self.agent_id!r}"
            )
        return user_id, owned

    # -- reads ----------------------------------------------------------------

    def get_user_memories(
        self,
        user_id: str,
        *,
        topics: Topics = None,
        updated_after: datetime | None = None,
        updated_before: datetime | None = None,
    ) -> list[UserMemory]:
        """All of the user's memories, oldest first; `topics` keeps those with any of them,
        `updated_after` those updated then or later, `updated_before` those updated before."""
        view = self._view(MemoryFilter.of(topics, updated_after, updated_before))
        return view.list_memories(validate_user_id(user_id))

    async def aget_user_memories(
        self,
        user_id: str,
        *,
        topics: Topics = None,
        updated_after: datetime | None = None,
        updated_before: datetime | None = None,
    ) -> list[UserMemory]:
        view = self._view(MemoryFilter.of(topics, updated_after, updated_before))
        return await view.alist_memories(validate_user_id(user_id))

    def get_user_memory(self, memory_id: str, user_id: str) -> UserMemory | None:
        """One memory, or None when the id is not one of this user's memories (as Agno)."""
        return run_sync(self._get(BLOCKING, memory_id, user_id))

    async def aget_user_memory(self, memory_id: str, user_id: str) -> UserMemory | None:
        return await self._get(AWAITING, memory_id, user_id)

    async def _get(self, io: Io, memory_id: str, user_id: str) -> UserMemory | None:
        user_id, memory_id = validate_user_id(user_id), validate_memory_id(memory_id)
        view = self._view()
        found = await io.call(view.get_memories, view.aget_memories, user_id, [memory_id])
        return found[0] if found else None

    def search_user_memories(
        self,
        user_id: str,
        query: str | None = None,
        limit: int | None = None,
        retrieval_method: RetrievalMethod | None = None,
        *,
        model: ModelSpec | None = None,
        topics: Topics = None,
        updated_after: datetime | None = None,
        updated_before: datetime | None = None,
    ) -> SearchResult:
        """Find memories by recency, by the words or meaning of `query`, or with a model.

        `last_n` returns the `limit` most recently updated memories, oldest first, as
        Agno does; `first_n` the `limit` oldest; `keyword` ranks by BM25 over text
        and topics; `semantic` by cosine similarity of embeddings (needs
        `Memory(embeddings=...)`); `hybrid` fuses keyword and semantic scores, each
        calibrated, and orders facts on one subject by time as the query asks: the
        newest first for the present ("now", "still"), the oldest for "before",
        otherwise the newer only when they score alike (without embeddings: keyword
        plus that rule); `agentic` asks the model which memories relate to the
        query (ids it invents are dropped). With no method: `hybrid` for a query when there are
        embeddings, else `keyword`; `last_n` without a query. `model` overrides
        this Memory's model for the call. `topics`, `updated_after` and
        `updated_before` narrow every method as in `get_user_memories`, without
        changing any score. A store with its own semantic index (`StoreMemoryDb`
        on an indexed LangGraph store) counts as embeddings.

        The result is a list, best first, that names its `method` and the `scores`
        it ranked by; when the embedding model fails or times out the search ranks
        by keyword instead and says so in `fallback_reason`. Vectors of another
        embedding model raise `EmbeddingMismatchError` until `reembed_memories`
        recomputes them.
        """
        filter = MemoryFilter.of(topics, updated_after, updated_before)
        return run_sync(
            self._search(BLOCKING, user_id, query, limit, retrieval_method, model, filter)
        )

    async def asearch_user_memories(
        self,
        user_id: str,
        query: str | None = None,
        limit: int | None = None,
        retrieval_method: RetrievalMethod | None = None,
        *,
        model: ModelSpec | None = None,
        topics: Topics = None,
        updated_after: datetime | None = None,
        updated_before: datetime | None = None,
    ) -> SearchResult:
        filter = MemoryFilter.of(topics, updated_after, updated_before)
        return await self._search(AWAITING, user_id, query, limit, retrieval_method, model, filter)

    async def _search(
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
        with self._span(telemetry.SEARCH, "search_user_memories", user_id) as span:
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
        view = self._view(filter)
        if method in ("last_n", "first_n"):
            newest_first = method == "last_n"
            found = await io.call(
                view.list_memories,
                view.alist_memories,
                user_id,
                order_by="updated_at",
                newest_first=newest_first,
                limit=limit,
            )
            return SearchResult(found[::-1] if newest_first else found, method=method)
        assert query is not None
        if method == "agentic":
            chat_model = self.memory_manager.chat_model(model or self.model)
            return await self.memory_manager.search(
                io, self, user_id, query, limit, model=chat_model, filter=filter
            )
        return await search(io, view, self._writer(view.scope), user_id, method, query, limit)

    @property
    def searches_by_meaning(self) -> bool:
        """Whether `semantic` and `hybrid` search rank by meaning: with embeddings, or on a
        store with its own semantic index."""
        return self.embedder is not None or self.db.semantic_index

    def get_memories_for_prompt(
        self,
        user_id: str,
        text: str = "",
        token_budget: int = DEFAULT_TOKEN_BUDGET,
        *,
        topics: Topics = None,
        updated_after: datetime | None = None,
        updated_before: datetime | None = None,
    ) -> PromptMemories:
        """The memories to show a model: all while they fit `token_budget`, else those
        most related to `text` (hybrid with embeddings, else keyword) plus the newest;
        narrowed by topic and time as in `get_user_memories`.

        Never reads more than fits, and never fails for the embedding model: it
        ranks by keyword instead and says why in `fallback_reason`.
        """
        filter = MemoryFilter.of(topics, updated_after, updated_before)
        return run_sync(self._for_prompt(BLOCKING, user_id, text, token_budget, filter))

    async def aget_memories_for_prompt(
        self,
        user_id: str,
        text: str = "",
        token_budget: int = DEFAULT_TOKEN_BUDGET,
        *,
        topics: Topics = None,
        updated_after: datetime | None = None,
        updated_before: datetime | None = None,
    ) -> PromptMemories:
        filter = MemoryFilter.of(topics, updated_after, updated_before)
        return await self._for_prompt(AWAITING, user_id, text, token_budget, filter)

    async def _for_prompt(
        self, io: Io, user_id: str, text: str, token_budget: int, filter: MemoryFilter
    ) -> PromptMemories:
        user_id = validate_user_id(user_id)
        with self._span(telemetry.SEARCH, "get_memories_for_prompt", user_id) as span:
            span.set({telemetry.TOKEN_BUDGET: token_budget})
            span.text(telemetry.QUERY_TEXT, text)
            view = self._view(filter)
            writer = self._writer(view.scope)
            chosen = await select_for_prompt(io, view, writer, user_id, text, token_budget)
            span.set(
                {
                    telemetry.RECORD_COUNT: len(chosen.memories),
                    telemetry.CONTEXT_TOKENS: chosen.tokens,
                }
            )
            span.records((m.memory_id, m.memory) for m in chosen.memories)
            return chosen

    # -- vectors and near-duplicates -----------------------------------------

    def reembed_memories(self, user_id: str | None = None, *, batch_size: int = 64) -> int:
        """Compute the vectors that are missing or from another model, for one user or all.

        Run it after changing the embedding model (a search then raises
        `EmbeddingMismatchError`) or after an outage left memories without vectors.
        Returns how many vectors were stored.
        """
        return run_sync(self._reembed(BLOCKING, user_id, batch_size))

    async def areembed_memories(self, user_id: str | None = None, *, batch_size: int = 64) -> int:
        return await self._reembed(AWAITING, user_id, batch_size)

    async def _reembed(self, io: Io, user_id: str | None, batch_size: int) -> int:
        user_id = None if user_id is None else validate_user_id(user_id)
        return await self._writer().reembed(io, user_id, batch_size)

    def dedupe_user_memories(
        self,
        user_id: str,
        *,
        apply: bool = False,
        threshold: float = DEFAULT_THRESHOLD,
        source: str = "dedupe",
    ) -> list[DuplicateGroup]:
        """Report the user's near-duplicate memories; with `apply`, merge each group.

        Near-duplicates share `threshold` of their content words. A merge keeps the
        most recently updated memory (with the topics of all), deletes the others,
        and records both in history, as one transaction per group.
        """
        return run_sync(self._dedupe(BLOCKING, user_id, apply, threshold, source))

    async def adedupe_user_memories(
        self,
        user_id: str,
        *,
        apply: bool = False,
        threshold: float = DEFAULT_THRESHOLD,
        source: str = "dedupe",
    ) -> list[DuplicateGroup]:
        return await self._dedupe(AWAITING, user_id, apply, threshold, source)

    async def _dedupe(
        self, io: Io, user_id: str, apply: bool, threshold: float, source: str
    ) -> list[DuplicateGroup]:
        user_id = validate_user_id(user_id)
        view = self._view()
        writer = self._writer(view.scope)
        return await dedupe(io, view, writer, user_id, apply, threshold, source, view.scope.now())

    # -- the memory model -----------------------------------------------------

    def create_user_memories(
        self,
        message: str | None = None,
        messages: Sequence[MessageLike] | None = None,
        user_id: str | None = None,
        *,
        model: ModelSpec | None = None,
    ) -> MemoryUpdateResult:
        """Let the model add, update or forget memories from a message or a conversation.

        `messages` takes LangChain messages, {"role", "content"} dicts or (role, text)
        pairs. `model` overrides this Memory's model for the call. Returns what
        changed and what was refused; raises `MemoryModelError` when the model
        call fails, with no memory changed.
        """
        return run_sync(self._create(BLOCKING, message, messages, user_id, model))

    async def acreate_user_memories(
        self,
        message: str | None = None,
        messages: Sequence[MessageLike] | None = None,
        user_id: str | None = None,
        *,
        model: ModelSpec | None = None,
    ) -> MemoryUpdateResult:
        return await self._create(AWAITING, message, messages, user_id, model)

    def update_memory_task(
        self, task: str, user_id: str, *, model: ModelSpec | None = None
    ) -> MemoryUpdateResult:
        """Carry out a request about the user's memories ("forget my address")."""
        return run_sync(self._task(BLOCKING, task, user_id, model))

    async def aupdate_memory_task(
        self, task: str, user_id: str, *, model: ModelSpec | None = None
    ) -> MemoryUpdateResult:
        return await self._task(AWAITING, task, user_id, model)

    async def _create(
        self,
        io: Io,
        message: str | None,
        messages: Sequence[MessageLike] | None,
        user_id: str | None,
        model: ModelSpec | None,
        *,
        settles: PendingClaim | None = None,
    ) -> MemoryUpdateResult:
        user_id = validate_user_id(user_id)
        if (message is None) == (messages is None):
            raise InvalidInputError("pass exactly one of message=... or messages=[...]")
        try:
            said, user_text = render_transcript([("user", message)] if message else messages or [])
        except (ValueError, TypeError, NotImplementedError) as error:
            raise InvalidInputError(f"messages could not be read: {error}") from error
        if not user_text.strip():
            raise InvalidInputError("there is no user message to learn from")
        windows = transcript_windows(said)
        if len(windows) > 1:
            logger.info(
                "learning from a long conversation of user %r in %d windows", user_id, len(windows)
            )
        with self._span(telemetry.LEARN, "create_user_memories", user_id) as span:
            span.set({telemetry.MESSAGES: len(messages) if messages is not None else 1})
            results: list[MemoryUpdateResult] = []
            for n, window in enumerate(windows, start=1):
                # Each window's changes land before the next is read, so a fact said again
                # later updates the memory an earlier window made; the claim on pending
                # messages settles with the last window only.
                request = prompts.conversation_input(window)
                last = n == len(windows)
                results.append(
                    await self._manage(
                        io, user_id, request, user_text, model, settles if last else None
                    )
                )
            return _learned(span, _combined(results))

    async def _task(
        self, io: Io, task: str, user_id: str, model: ModelSpec | None
    ) -> MemoryUpdateResult:
        user_id = validate_user_id(user_id)
        if not isinstance(task, str) or not task.strip():
            raise InvalidInputError("task must be a non-empty string")
        with self._span(telemetry.LEARN, "update_memory_task", user_id) as span:
            span.set({telemetry.MESSAGES: 1})
            result = await self._manage(io, user_id, prompts.task_input(task), task, model)
            return _learned(span, result)

    async def _manage(
        self,
        io: Io,
        user_id: str,
        request: str,
        source_input: str,
        model: ModelSpec | None,
        settles: PendingClaim | None = None,
    ) -> MemoryUpdateResult:
        return await self.memory_manager.update(
            io,
            self,
            user_id,
            request,
            source_input,
            model=self.memory_manager.chat_model(model or self.model),
            delete_memories=self.delete_memories,
            clear_memories=self.clear_memories,
            settles=settles,
        )

    # -- deferred extraction ----------------------------------------------------

    def add_pending_messages(
        self,
        user_id: str,
        thread_id: str,
        messages: Sequence[tuple[str, str]],
        *,
        at: datetime | None = None,
    ) -> int:
        """Keep a user's messages to learn from later, durably; returns how many were new.

        `messages` are (message_id, text) pairs; a message id the thread already has
        pending is kept once, and blank texts are skipped. They belong to this Memory's
        agent scope: its `learn_pending` learns from them, its `clear` drops them.
        """
        return run_sync(self._add_pending(BLOCKING, user_id, thread_id, messages, at))

    async def aadd_pending_messages(
        self,
        user_id: str,
        thread_id: str,
        messages: Sequence[tuple[str, str]],
        *,
        at: datetime | None = None,
    ) -> int:
        return await self._add_pending(AWAITING, user_id, thread_id, messages, at)

    async def _add_pending(
        self,
        io: Io,
        user_id: str,
        thread_id: str,
        messages: Sequence[tuple[str, str]],
        at: datetime | None,
    ) -> int:
        user_id, thread_id = validate_user_id(user_id), validate_thread_id(thread_id)
        moment = at or utcnow()
        kept = [
            PendingMessage(_message_id(message_id), storable_text(text), moment)
            for message_id, text in messages
            if isinstance(text, str) and storable_text(text).strip()
        ]
        db = self.db
        return await io.call(
            db.add_pending, db.aadd_pending, user_id, thread_id, kept, scope=self._scope()
        )

    def pending_threads(self, user_id: str | None = None) -> list[PendingThread]:
        """The threads (of one user, or of every user) with messages not yet learned from
        in this Memory's agent scope."""
        user_id = None if user_id is None else validate_user_id(user_id)
        return self.db.pending_threads(user_id, scope=self._scope())

    async def apending_threads(self, user_id: str | None = None) -> list[PendingThread]:
        user_id = None if user_id is None else validate_user_id(user_id)
        return await self.db.apending_threads(user_id, scope=self._scope())

    def learn_pending(
        self,
        user_id: str,
        thread_id: str,
        *,
        model: ModelSpec | None = None,
        now: datetime | None = None,
        claim_timeout: timedelta = CLAIM_TIMEOUT,
    ) -> list[MemoryUpdateResult]:
        """Learn from the thread's pending messages of this agent scope now, each message
        once, into this scope's memories.

        One memory-model call sees all of them (the user's words only; as many as the
        manager reads at once, else one call per such batch), and its changes land
        in one transaction with the end of those messages' pending state, so a crash
        before it leaves them pending and two workers never both learn from one.
        Returns one result per model call: none when nothing is pending or another
        worker holds the thread (for at most `claim_timeout`, measured from `now`).
        A failing model raises `MemoryModelError`, and the messages stay pending.
        """
        return run_sync(
            self._learn_pending(BLOCKING, user_id, thread_id, model, now, claim_timeout)
        )

    async def alearn_pending(
        self,
        user_id: str,
        thread_id: str,
        *,
        model: ModelSpec | None = None,
        now: datetime | None = None,
        claim_timeout: timedelta = CLAIM_TIMEOUT,
    ) -> list[MemoryUpdateResult]:
        return await self._learn_pending(AWAITING, user_id, thread_id, model, now, claim_timeout)

    async def _learn_pending(
        self,
        io: Io,
        user_id: str,
        thread_id: str,
        model: ModelSpec | None,
        now: datetime | None,
        claim_timeout: timedelta,
    ) -> list[MemoryUpdateResult]:
        user_id, thread_id = validate_user_id(user_id), validate_thread_id(thread_id)
        with self._span(telemetry.LEARN_PENDING, "learn_pending", user_id) as span:
            span.set({telemetry.CONVERSATION_ID: thread_id})
            results = await self._learn_claimed(io, user_id, thread_id, model, now, claim_timeout)
            span.set(
                {
                    telemetry.MODEL_CALLS: sum(r.model_calls for r in results),
                    telemetry.APPLIED: sum(len(r.events) for r in results),
                    telemetry.REFUSED: sum(len(r.refused) for r in results),
                }
            )
            span.usage(
                TokenUsage(
                    sum(r.input_tokens for r in results), sum(r.output_tokens for r in results)
                )
            )
            return results

    async def _learn_claimed(
        self,
        io: Io,
        user_id: str,
        thread_id: str,
        model: ModelSpec | None,
        now: datetime | None,
        claim_timeout: timedelta,
    ) -> list[MemoryUpdateResult]:
        db, scope = self.db, self._scope()
        results: list[MemoryUpdateResult] = []
        while True:
            token = uuid.uuid4().hex
            start = now or utcnow()
            claimed = await io.call(
                db.claim_pending,
                db.aclaim_pending,
                user_id,
                thread_id,
                token,
                start,
                start + claim_timeout,
                CLAIM_LIMIT,
                scope=scope,
            )
            if not claimed:
                return results
            try:
                for batch in _batches(claimed):
                    claim = PendingClaim(thread_id, token, tuple(m.message_id for m in batch))
                    said = [("user", m.text) for m in batch]
                    results.append(
                        await self._create(io, None, said, user_id, model, settles=claim)
                    )
            except PendingClaimLostError as lost:
                logger.info(
                    "thread %r%s went to another worker: %s",
                    thread_id,
                    for_user(logger, user_id),
                    lost,
                )
                return results
            except BaseException:
                await self._release(io, user_id, thread_id, token)
                raise
            if len(claimed) < CLAIM_LIMIT:
                return results

    async def _release(self, io: Io, user_id: str, thread_id: str, token: str) -> None:
        """Give a failed claim back at once; if that fails too, it ends by itself."""
        try:
            db = self.db
            await io.call(
                db.release_pending,
                db.arelease_pending,
                user_id,
                thread_id,
                token,
                scope=self._scope(),
            )
        except Exception as error:
            logger.warning(
                "could not release thread %r%s; its claim ends by itself: %s",
                thread_id,
                for_user(logger, user_id),
                error,
                exc_info=True,
            )

    def get_memory_history(self, memory_id: str, user_id: str) -> list[MemoryEvent]:
        """Every change to one memory, oldest first, kept after the memory is deleted."""
        user_id, memory_id = validate_user_id(user_id), validate_memory_id(memory_id)
        events = self.db.history(user_id, memory_id, scope=self._scope())
        return _events_found(events, memory_id, user_id)

    async def aget_memory_history(self, memory_id: str, user_id: str) -> list[MemoryEvent]:
        user_id, memory_id = validate_user_id(user_id), validate_memory_id(memory_id)
        events = await self.db.ahistory(user_id, memory_id, scope=self._scope())
        return _events_found(events, memory_id, user_id)

    # -- session summaries ----------------------------------------------------

    def create_session_summary(
        self,
        session_id: str,
        user_id: str,
        messages: Sequence[MessageLike],
        *,
        runs: int | None = None,
        model: ModelSpec | None = None,
        source: str = "api",
    ) -> SessionSummary:
        """Bring the session's summary up to date with `messages`, what was said since.

        The summary model (`Memory(summarizer=...)`'s, else `model`, else this
        Memory's) sees the previous summary and `messages` only, never the whole
        thread. `runs` is how many of the session's runs the summary then covers;
        it defaults to the previous count plus the user messages in `messages`, and
        a write covering fewer runs than the stored summary keeps the stored one.
        Raises `MemoryModelError` when the model fails, with the summary unchanged.
        """
        return run_sync(
            self._summarize(BLOCKING, session_id, user_id, messages, runs, model, source)
        )

    async def acreate_session_summary(
        self,
        session_id: str,
        user_id: str,
        messages: Sequence[MessageLike],
        *,
        runs: int | None = None,
        model: ModelSpec | None = None,
        source: str = "api",
    ) -> SessionSummary:
        return await self._summarize(AWAITING, session_id, user_id, messages, runs, model, source)

    async def _summarize(
        self,
        io: Io,
        session_id: str,
        user_id: str,
        messages: Sequence[MessageLike],
        runs: int | None,
        model: ModelSpec | None,
        source: str,
    ) -> SessionSummary:
        user_id, session_id = validate_user_id(user_id), validate_session_id(session_id)
        if runs is not None and (isinstance(runs, bool) or not isinstance(runs, int) or runs < 0):
            raise InvalidInputError(f"runs must be a non-negative integer, got {runs!r}")
        try:
            said = convert_to_messages(list(messages))
            lines, user_text = render_transcript(said)
            # A running summary: the previous one covers what came before the last window.
            transcript = transcript_windows(lines)[-1] if lines else ""
        except (ValueError, TypeError, NotImplementedError) as error:
            raise InvalidInputError(f"messages could not be read: {error}") from error
        if not user_text.strip():
            raise InvalidInputError("there is no user message to summarise")
        found = await io.call(self.db.get_summaries, self.db.aget_summaries, user_id, session_id)
        previous = found[0] if found else None
        if runs is None:
            runs = (previous.runs if previous else 0) + sum(m.type == "human" for m in said)
        chat_model = self.summarizer.chat_model(model or self.model)
        with self._span(telemetry.SUMMARIZE, "create_session_summary", user_id) as span:
            span.set({telemetry.CONVERSATION_ID: session_id, telemetry.MESSAGES: len(said)})
            summary = await self.summarizer.summarize(
                io, previous, transcript, runs, model=chat_model
            )
            plan = await io.call(
                self.db.write_summary,
                self.db.awrite_summary,
                user_id,
                session_id,
                summary,
                WriteContext(source),
            )
            assert plan.summary is not None, "a write keeps a summary"
            return plan.summary

    def get_session_summaries(self, user_id: str) -> list[SessionSummary]:
        """The user's session summaries, most recently updated first."""
        return self.db.get_summaries(validate_user_id(user_id))

    async def aget_session_summaries(self, user_id: str) -> list[SessionSummary]:
        return await self.db.aget_summaries(validate_user_id(user_id))

    def get_session_summary(self, session_id: str, user_id: str) -> SessionSummary | None:
        """One session's summary, or None when this user has none for it (as Agno)."""
        return run_sync(self._get_summary(BLOCKING, session_id, user_id))

    async def aget_session_summary(self, session_id: str, user_id: str) -> SessionSummary | None:
        return await self._get_summary(AWAITING, session_id, user_id)

    async def _get_summary(self, io: Io, session_id: str, user_id: str) -> SessionSummary | None:
        user_id, session_id = validate_user_id(user_id), validate_session_id(session_id)
        found = await io.call(self.db.get_summaries, self.db.aget_summaries, user_id, session_id)
        return found[0] if found else None

    def delete_session_summary(self, user_id: str, session_id: str, *, source: str = "api") -> bool:
        """Delete one session's summary; False when the user had none for it."""
        return run_sync(self._delete_summary(BLOCKING, user_id, session_id, source))

    async def adelete_session_summary(
        self, user_id: str, session_id: str, *, source: str = "api"
    ) -> bool:
        return await self._delete_summary(AWAITING, user_id, session_id, source)

    async def _delete_summary(self, io: Io, user_id: str, session_id: str, source: str) -> bool:
        user_id, session_id = validate_user_id(user_id), validate_session_id(session_id)
        plan = await io.call(
            self.db.write_summary,
            self.db.awrite_summary,
            user_id,
            session_id,
            None,
            WriteContext(source),
        )
        return plan.event is not None

    def get_session_summary_history(self, session_id: str, user_id: str) -> list[SummaryEvent]:
        """Every change to one session's summary, oldest first; empty when it never had one."""
        user_id, session_id = validate_user_id(user_id), validate_session_id(session_id)
        return self.db.summary_history(user_id, session_id)

    async def aget_session_summary_history(
        self, session_id: str, user_id: str
    ) -> list[SummaryEvent]:
        user_id, session_id = validate_user_id(user_id), validate_session_id(session_id)
        return await self.db.asummary_history(user_id, session_id)

    # -- who owns a session, and erasing a user --------------------------------

    def claim_thread(self, user_id: str, thread_id: str) -> None:
        """Make the thread (session) the user's, unless another user's first run made it
        theirs: then raise `ThreadOwnershipError`, whose message names neither user.

        Agents call it before any model call of a run, so no user sees, continues or
        summarises another's session. Atomic across processes sharing the store.
        """
        run_sync(self._claim_thread(BLOCKING, user_id, thread_id))

    async def aclaim_thread(self, user_id: str, thread_id: str) -> None:
        await self._claim_thread(AWAITING, user_id, thread_id)

    async def _claim_thread(self, io: Io, user_id: str, thread_id: str) -> None:
        user_id, thread_id = validate_user_id(user_id), validate_session_id(thread_id)
        owner = await io.call(self.db.claim_thread, self.db.aclaim_thread, user_id, thread_id)
        if owner != user_id:
            logger.warning("refused a run on a session that belongs to another user")
            raise ThreadOwnershipError()

    def erase_user(self, user_id: str) -> EraseResult:
        """Remove every trace of the user, unlike `clear`, which keeps history.

        Deletes their memories in every agent scope with their history, vectors and
        keyword index entries, their session summaries and summary history, their
        pending messages, and the sessions they own: the owner records, and the
        checkpoints and archived runs this package keeps beside the memories (the
        default sessions of `create_memory_agent` in the same SQLite file or
        PostgreSQL database; the archive in the same LangGraph store). Sessions an
        app keeps elsewhere (its own checkpointer, LangGraph Server's threads) are
        the app's to delete: `user_threads` lists them first. Returns what was
        removed, per kind.
        """
        return run_sync(self._erase(BLOCKING, user_id))

    async def aerase_user(self, user_id: str) -> EraseResult:
        return await self._erase(AWAITING, user_id)

    async def _erase(self, io: Io, user_id: str) -> EraseResult:
        user_id = validate_user_id(user_id)
        db = self.db
        with self._span(telemetry.DELETE, "erase_user", user_id) as span:
            threads = await io.call(db.user_threads, db.auser_threads, user_id)
            # Sessions first: until the rows go, the owner records still find the threads.
            checkpoints, archived = await io.call(db.erase_sessions, db.aerase_sessions, threads)
            for eraser in self._session_erasers:
                more_checkpoints, more_archived = eraser(threads)
                checkpoints, archived = checkpoints + more_checkpoints, archived + more_archived
            erased = await io.call(db.erase_user, db.aerase_user, user_id)
            logger.info("erased a user: %s", erased)
            span.set({telemetry.RECORD_COUNT: erased.memories, telemetry.THREADS: len(threads)})
            return replace(erased, checkpoints=checkpoints, archived_runs=archived)

    def user_threads(self, user_id: str) -> list[str]:
        """The ids of the threads (sessions) the user owns."""
        return self.db.user_threads(validate_user_id(user_id))

    async def auser_threads(self, user_id: str) -> list[str]:
        return await self.db.auser_threads(validate_user_id(user_id))

    # -- export / import ------------------------------------------------------

    def export_user_memories(self, user_id: str) -> dict[str, Any]:
        """The user's memories as a JSON-ready dict that `import_user_memories` reads back."""
        return _export(validate_user_id(user_id), self.get_user_memories(user_id))

    async def aexport_user_memories(self, user_id: str) -> dict[str, Any]:
        return _export(validate_user_id(user_id), await self.aget_user_memories(user_id))

    def import_user_memories(
        self, data: Mapping[str, Any], user_id: str | None = None
    ) -> list[str]:
        """Restore exported memories (ids, times and expiry kept) in one transaction; returns
        the ids.

        `user_id` imports into another user than the one the data was exported from.
        A memory whose id the user already has is replaced, unless it is the same: then
        nothing is written, history included; one already expired is skipped.
        """
        return run_sync(self._import(BLOCKING, data, user_id))

    async def aimport_user_memories(
        self, data: Mapping[str, Any], user_id: str | None = None
    ) -> list[str]:
        return await self._import(AWAITING, data, user_id)

    async def _import(self, io: Io, data: Mapping[str, Any], user_id: str | None) -> list[str]:
        user_id, memories = _import_args(data, user_id)
        context = self._context("import")
        memories = [m for m in memories if not expired(m, utc(context.at))]
        ids = [m.memory_id for m in memories if m.memory_id is not None]
        view = self._view()
        existing = await io.call(view.get_memories, view.aget_memories, user_id, ids)
        stored = {m.memory_id: m.model_dump(include=EXPORTED_FIELDS) for m in existing}
        unchanged = {
            m.memory_id
            for m in memories
            if stored.get(m.memory_id) == m.model_dump(include=EXPORTED_FIELDS)
        }
        changed = [m for m in memories if m.memory_id not in unchanged]
        ops = _import_ops(changed, set(stored))
        with self._span(telemetry.UPSERT, "import_user_memories", user_id) as span:
            span.set({telemetry.RECORD_COUNT: len(ops)})
            events = await self._write(io, user_id, ops, context)
        kept = unchanged | {event.memory_id for event in events if event.action != "expired"}
        return [memory_id for memory_id in ids if memory_id in kept]

    def on_erase(self, eraser: SessionEraser) -> None:
        """Let `erase_user` reach sessions kept outside the store (such as an agent's
        in-process checkpointer): `eraser(thread_ids)` deletes those threads' checkpoints
        and archived runs, and returns how many of each it deleted."""
        self._session_erasers.append(eraser)

    def close(self) -> None:
        """Stop the extraction workers (after the batch in progress), then release the
        store's connections and whatever was opened on them. A `for_agent` handle's
        `close()` does neither: the Memory it came from owns them."""
        if not self._owns_db:
            return
        for worker in self._stop_workers():
            worker.close()
        self.db.close()

    async def aclose(self) -> None:
        """As `close`, awaited: async pools opened in this event loop close too."""
        if not self._owns_db:
            return
        for worker in self._stop_workers():
            await offload(worker.close)
        await self.db.aclose()

    def _stop_workers(self) -> list[ExtractionWorker]:
        with self._workers_guard:
            workers = list(self._workers.values())
            self._workers.clear()
            self._closed[0] = True
        return workers

    def __enter__(self) -> Memory:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    async def __aenter__(self) -> Memory:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()


def _combined(results: list[MemoryUpdateResult]) -> MemoryUpdateResult:
    """The results of a conversation's windows as one: every change, refusal and call."""
    if len(results) == 1:
        return results[0]
    return MemoryUpdateResult(
        events=[event for result in results for event in result.events],
        refused=[refused for result in results for refused in result.refused],
        model_calls=sum(result.model_calls for result in results),
        prompt_tokens=sum(result.prompt_tokens for result in results),
        input_tokens=sum(result.input_tokens for result in results),
        output_tokens=sum(result.output_tokens for result in results),
        reply=results[-1].reply,
    )


def _learned(span: telemetry.MemorySpan, result: MemoryUpdateResult) -> MemoryUpdateResult:
    """Record what a learning run applied, refused and cost on its span."""
    span.set(
        {
            telemetry.APPLIED: len(result.events),
            telemetry.REFUSED: len(result.refused),
            telemetry.MODEL_CALLS: result.model_calls,
        }
    )
    span.usage(TokenUsage(result.input_tokens, result.output_tokens))
    return result


def _as_user_memory(memory: UserMemory | str) -> UserMemory:
    if isinstance(memory, UserMemory):
        return memory
    if isinstance(memory, str):
        return UserMemory(memory=memory)
    raise InvalidInputError(f"memory must be a UserMemory or a string, got {type(memory).__name__}")


def _owned(memory: UserMemory | str, user_id: str) -> tuple[str, UserMemory]:
    """Validate both, refusing a memory that names a different owner than the call."""
    user_id, memory = validate_user_id(user_id), _as_user_memory(memory)
    if memory.user_id is not None and memory.user_id != user_id:
        raise InvalidInputError(f"the memory belongs to user {memory.user_id!r}, not {user_id!r}")
    if memory.memory_id is not None:
        validate_memory_id(memory.memory_id)
    return user_id, memory


def _message_id(message_id: object) -> str:
    if not isinstance(message_id, str) or not message_id.strip():
        raise InvalidInputError("a pending message's id must be a non-empty string")
    return validate_thread_id(message_id)


def _batches(messages: list[PendingMessage]) -> Iterator[list[PendingMessage]]:
    """Consecutive messages, as many at a time as the memory manager reads of a transcript."""
    batch: list[PendingMessage] = []
    size = 0
    for message in messages:
        length = len(message.text) + len("user: \n")
        if batch and size + length > MAX_TRANSCRIPT_CHARS:
            yield batch
            batch, size = [], 0
        batch.append(message)
        size += length
    if batch:
        yield batch


def _events_found(events: list[MemoryEvent], memory_id: str, user_id: str) -> list[MemoryEvent]:
    if not events:
        raise MemoryNotFoundError(memory_id, user_id)
    return events


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


EXPORTED_FIELDS: set[str] = {
    "memory_id",
    "memory",
    "topics",
    "input",
    "created_at",
    "updated_at",
    "expires_at",
}
"""What an export keeps of each memory, and what an import compares to find it unchanged."""


def _export(user_id: str, memories: list[UserMemory]) -> dict[str, Any]:
    return {
        "format": EXPORT_FORMAT,
        "user_id": user_id,
        "memories": [m.model_dump(mode="json", include=EXPORTED_FIELDS) for m in memories],
    }


def _import_args(data: Mapping[str, Any], user_id: str | None) -> tuple[str, list[UserMemory]]:
    if not isinstance(data, Mapping) or data.get("format") != EXPORT_FORMAT:
        raise InvalidInputError(f"import data must be a dict made by export ({EXPORT_FORMAT})")
    user_id = validate_user_id(user_id if user_id is not None else data.get("user_id"))
    entries = data.get("memories")
    if not isinstance(entries, list):
        raise InvalidInputError("import data has no 'memories' list")
    try:
        memories = [
            UserMemory.model_validate({**entry, "user_id": None, "agent_id": None})
            for entry in entries
        ]
    except (ValidationError, TypeError) as error:
        raise InvalidInputError(f"import data holds an invalid memory: {error}") from error
    for m in memories:
        validate_memory_id(m.memory_id)
    return user_id, memories


def _import_ops(memories: list[UserMemory], existing: set[str | None]) -> list[MemoryOp]:
    return [
        ReplaceMemory(m.memory_id, m) if m.memory_id in existing else AddMemory(m)
        for m in memories
        if m.memory_id is not None
    ]
