"""Memory: the public facade over a store, with Agno's method names and async twins.

Each public pair (`add_user_memory` / `aadd_user_memory`, ...) is made once by `twins`
from a body that delegates to a service: `memory.memories` (writes, reads, search,
vectors, dedupe), `memory.learning` (the memory model), `memory.pending` (deferred
extraction), `memory.summaries`, `memory.transfer` and `memory.owners` (erasing a user).
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from langchain_core.embeddings import Embeddings

from memory import telemetry
from memory.chat_models import ModelSpec
from memory.db.base import MemoryDb
from memory.db.sqlite import SqliteMemoryDb
from memory.db.view import MemoryFilter
from memory.dedupe import DEFAULT_THRESHOLD, DuplicateGroup
from memory.embeddings import Embedder
from memory.errors import InvalidInputError
from memory.extraction import ExtractionWorker
from memory.learning import Learning
from memory.manager import MemoryManager, MemoryUpdateResult, MessageLike
from memory.memories import Memories, RetrievalMethod, Topics
from memory.owners import Owners, SessionEraser
from memory.pending import CLAIM_TIMEOUT, Pending
from memory.retrieval import DEFAULT_TOKEN_BUDGET, PromptMemories, SearchResult
from memory.schema import (
    EraseResult,
    MemoryEvent,
    MemoryOp,
    PendingThread,
    SessionSummary,
    SummaryEvent,
    UserMemory,
    WriteContext,
    later,
    utcnow,
    validate_agent_id,
)
from memory.summaries import Summaries
from memory.summarizer import SessionSummarizer
from memory.transfer import EXPORT_FORMAT, Transfer
from memory.twins import Io, Twinned, offload, twins

__all__ = ["CLAIM_TIMEOUT", "EXPORT_FORMAT", "Memory", "RetrievalMethod", "SessionEraser", "Topics"]


class Memory(Twinned):
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
            raise InvalidInputError(f"default_ttl must be a positive timedelta: {default_ttl!r}")
        if default_ttl is not None:
            later(clock(), default_ttl)  # refuses a time to live that ends past the year 9999
        self.agent_id = validate_agent_id(agent_id)
        self.traces_content = telemetry.environment_opts_in()
        """Whether spans record user ids and texts (`memory.telemetry`)."""
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
        self._wire()

    def _wire(self) -> None:
        """Make the services, which read this Memory's settings at each call."""
        self._memories = Memories(self)
        self._learning = Learning(self, self._memories)
        self._pending = Pending(self, self._learning)
        self._transfer = Transfer(self, self._memories)
        self._owners = Owners(self, self._session_erasers)
        self._summaries = Summaries(self, self._owners)

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
        scoped._wire()
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

    # -- writes ---------------------------------------------------------------

    async def _add_user_memory(
        self, io: Io, memory: UserMemory | str, user_id: str, *, source: str = "api"
    ) -> str:
        """Store a memory and return its id (the existing id when the user already has it)."""
        return await self._memories.add(io, memory, user_id, source)

    async def _replace_user_memory(
        self,
        io: Io,
        memory_id: str,
        memory: UserMemory | str,
        user_id: str,
        *,
        source: str = "api",
    ) -> str:
        """Replace the text and topics of one of the user's memories, keeping its id.

        Raises `MemoryNotFoundError` when the id is not one of this user's memories.
        """
        return await self._memories.replace(io, memory_id, memory, user_id, source)

    async def _delete_user_memory(
        self, io: Io, user_id: str, memory_id: str, *, source: str = "api"
    ) -> bool:
        """Delete one memory; False when the user had no memory with that id."""
        return await self._memories.delete(io, user_id, memory_id, source)

    async def _clear(self, io: Io, user_id: str | None = None, *, source: str = "api") -> int:
        """Forget one user's memories, or everyone's when no user is named; returns the count.

        Each user's memories are cleared in one transaction, with history. Their
        messages still waiting for deferred extraction are forgotten first, so
        nothing learned from them later brings a memory back. Only this Memory's
        agent scope is cleared (its memories and its pending messages; another
        agent's stay); expired memories are swept, not counted. History (with the
        text the memories held) and session summaries are kept: to remove every
        trace of a user, `erase_user`.
        """
        return await self._memories.clear(io, user_id, source)

    async def _apply_user_memory_ops(
        self, io: Io, user_id: str, ops: Sequence[MemoryOp], context: WriteContext
    ) -> list[MemoryEvent]:
        """Apply a batch of operations for one user as one transaction: all or none.

        The memories it adds or rewrites are embedded after the transaction, when
        this Memory has embeddings; a failing embedding model loses no memory.
        The events begin with the memories the batch swept because they expired.
        """
        return await self._memories.apply(io, user_id, ops, context)

    add_user_memory, aadd_user_memory = twins(_add_user_memory)
    replace_user_memory, areplace_user_memory = twins(_replace_user_memory)
    delete_user_memory, adelete_user_memory = twins(_delete_user_memory)
    clear, aclear = twins(_clear)
    apply_user_memory_ops, aapply_user_memory_ops = twins(_apply_user_memory_ops)

    # -- reads ----------------------------------------------------------------

    async def _get_user_memories(
        self,
        io: Io,
        user_id: str,
        *,
        topics: Topics = None,
        updated_after: datetime | None = None,
        updated_before: datetime | None = None,
    ) -> list[UserMemory]:
        """All of the user's memories, oldest first; `topics` keeps those with any of them,
        `updated_after` those updated then or later, `updated_before` those updated before."""
        filter = MemoryFilter.of(topics, updated_after, updated_before)
        return await self._memories.of_user(io, user_id, filter)

    async def _get_user_memory(self, io: Io, memory_id: str, user_id: str) -> UserMemory | None:
        """One memory, or None when the id is not one of this user's memories (as Agno)."""
        return await self._memories.get(io, memory_id, user_id)

    async def _search_user_memories(
        self,
        io: Io,
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
        return await self._memories.search(
            io, user_id, query, limit, retrieval_method, model, filter
        )

    @property
    def searches_by_meaning(self) -> bool:
        """Whether `semantic` and `hybrid` search rank by meaning: with embeddings, or on a
        store with its own semantic index."""
        return self._memories.searches_by_meaning

    async def _get_memories_for_prompt(
        self,
        io: Io,
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
        return await self._memories.for_prompt(io, user_id, text, token_budget, filter)

    async def _get_memory_history(self, io: Io, memory_id: str, user_id: str) -> list[MemoryEvent]:
        """Every change to one memory, oldest first, kept after the memory is deleted."""
        return await self._memories.history(io, memory_id, user_id)

    get_user_memories, aget_user_memories = twins(_get_user_memories)
    get_user_memory, aget_user_memory = twins(_get_user_memory)
    search_user_memories, asearch_user_memories = twins(_search_user_memories)
    get_memories_for_prompt, aget_memories_for_prompt = twins(_get_memories_for_prompt)
    get_memory_history, aget_memory_history = twins(_get_memory_history)

    # -- vectors and near-duplicates -----------------------------------------

    async def _reembed_memories(
        self, io: Io, user_id: str | None = None, *, batch_size: int = 64
    ) -> int:
        """Compute the vectors that are missing or from another model, for one user or all.

        Run it after changing the embedding model (a search then raises
        `EmbeddingMismatchError`) or after an outage left memories without vectors.
        Returns how many vectors were stored.
        """
        return await self._memories.reembed(io, user_id, batch_size)

    async def _dedupe_user_memories(
        self,
        io: Io,
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
        return await self._memories.dedupe(io, user_id, apply, threshold, source)

    reembed_memories, areembed_memories = twins(_reembed_memories)
    dedupe_user_memories, adedupe_user_memories = twins(_dedupe_user_memories)

    # -- the memory model -----------------------------------------------------

    async def _create_user_memories(
        self,
        io: Io,
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
        return await self._learning.create(io, message, messages, user_id, model)

    async def _update_memory_task(
        self, io: Io, task: str, user_id: str, *, model: ModelSpec | None = None
    ) -> MemoryUpdateResult:
        """Carry out a request about the user's memories ("forget my address")."""
        return await self._learning.task(io, task, user_id, model)

    create_user_memories, acreate_user_memories = twins(_create_user_memories)
    update_memory_task, aupdate_memory_task = twins(_update_memory_task)

    # -- deferred extraction ----------------------------------------------------

    async def _add_pending_messages(
        self,
        io: Io,
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
        return await self._pending.add(io, user_id, thread_id, messages, at)

    async def _pending_threads(self, io: Io, user_id: str | None = None) -> list[PendingThread]:
        """The threads (of one user, or of every user) with messages not yet learned from
        in this Memory's agent scope."""
        return await self._pending.threads(io, user_id)

    async def _learn_pending(
        self,
        io: Io,
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
        return await self._pending.learn(io, user_id, thread_id, model, now, claim_timeout)

    add_pending_messages, aadd_pending_messages = twins(_add_pending_messages)
    pending_threads, apending_threads = twins(_pending_threads)
    learn_pending, alearn_pending = twins(_learn_pending)

    # -- session summaries ----------------------------------------------------

    async def _create_session_summary(
        self,
        io: Io,
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
        thread. `runs` is how many of the session's runs the summary then covers (by
        default the previous count plus the user messages in `messages`); a write
        covering fewer runs than the stored summary keeps the stored one. Like a run,
        it claims the session for the user (`claim_thread`): another user's session
        raises `ThreadOwnershipError` before any model call. Raises `MemoryModelError`
        when the model fails, with the summary unchanged.
        """
        return await self._summaries.create(io, session_id, user_id, messages, runs, model, source)

    async def _get_session_summaries(self, io: Io, user_id: str) -> list[SessionSummary]:
        """The user's session summaries, most recently updated first."""
        return await self._summaries.of_user(io, user_id)

    async def _get_session_summary(
        self, io: Io, session_id: str, user_id: str
    ) -> SessionSummary | None:
        """One session's summary, or None when this user has none for it (as Agno)."""
        return await self._summaries.one(io, session_id, user_id)

    async def _delete_session_summary(
        self, io: Io, user_id: str, session_id: str, *, source: str = "api"
    ) -> bool:
        """Delete one session's summary; False when the user had none for it."""
        return await self._summaries.delete(io, user_id, session_id, source)

    async def _get_session_summary_history(
        self, io: Io, session_id: str, user_id: str
    ) -> list[SummaryEvent]:
        """Every change to one session's summary, oldest first; empty when it never had one."""
        return await self._summaries.history(io, session_id, user_id)

    create_session_summary, acreate_session_summary = twins(_create_session_summary)
    get_session_summaries, aget_session_summaries = twins(_get_session_summaries)
    get_session_summary, aget_session_summary = twins(_get_session_summary)
    delete_session_summary, adelete_session_summary = twins(_delete_session_summary)
    get_session_summary_history, aget_session_summary_history = twins(_get_session_summary_history)

    # -- who owns a session, and erasing a user --------------------------------

    async def _claim_thread(self, io: Io, user_id: str, thread_id: str) -> None:
        """Make the thread (session) the user's, unless another user's first run made it
        theirs: then raise `ThreadOwnershipError`, whose message names neither user.

        Agents call it before any model call of a run, so no user sees, continues or
        summarises another's session. Atomic across processes sharing the store.
        """
        await self._owners.claim_thread(io, user_id, thread_id)

    async def _erase_user(self, io: Io, user_id: str) -> EraseResult:
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
        return await self._owners.erase(io, user_id)

    async def _user_threads(self, io: Io, user_id: str) -> list[str]:
        """The ids of the threads (sessions) the user owns."""
        return await self._owners.user_threads(io, user_id)

    claim_thread, aclaim_thread = twins(_claim_thread)
    erase_user, aerase_user = twins(_erase_user)
    user_threads, auser_threads = twins(_user_threads)

    def on_erase(self, eraser: SessionEraser) -> None:
        """Let `erase_user` reach sessions kept outside the store (such as an agent's
        in-process checkpointer): `eraser(thread_ids)` deletes those threads' checkpoints
        and archived runs, and returns how many of each it deleted."""
        self._session_erasers.append(eraser)

    # -- export / import ------------------------------------------------------

    async def _export_user_memories(self, io: Io, user_id: str) -> dict[str, Any]:
        """The user's memories as a JSON-ready dict that `import_user_memories` reads back."""
        return await self._transfer.export(io, user_id)

    async def _import_user_memories(
        self, io: Io, data: Mapping[str, Any], user_id: str | None = None
    ) -> list[str]:
        """Restore exported memories (ids, times and expiry kept) in one transaction; returns
        the ids.

        `user_id` imports into another user than the one the data was exported from.
        A memory whose id the user already has is replaced, unless it is the same: then
        nothing is written, history included; one already expired is skipped.
        """
        return await self._transfer.load(io, data, user_id)

    export_user_memories, aexport_user_memories = twins(_export_user_memories)
    import_user_memories, aimport_user_memories = twins(_import_user_memories)

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
