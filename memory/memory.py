"""Memory: the public facade over a store, with Agno's method names and async twins."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal, get_args

from langchain_core.embeddings import Embeddings
from pydantic import ValidationError

from memory import prompts
from memory.db.base import MemoryDb
from memory.db.sqlite import SqliteMemoryDb
from memory.dedupe import DEFAULT_THRESHOLD, DuplicateGroup, dedupe
from memory.embeddings import Embedder
from memory.manager import MemoryManager, MemoryUpdateResult, MessageLike, render_transcript
from memory.models import ModelSpec
from memory.retrieval import (
    DEFAULT_TOKEN_BUDGET,
    MAX_QUERY_CHARS,
    PromptMemories,
    SearchResult,
    reembed,
    search,
    select_for_prompt,
    write,
)
from memory.schema import (
    AddMemory,
    ClearMemories,
    DeleteMemory,
    InvalidInputError,
    MemoryEvent,
    MemoryNotFoundError,
    MemoryOp,
    ReplaceMemory,
    UserMemory,
    WriteContext,
    validate_memory_id,
    validate_user_id,
)
from memory.twins import Call, Flow, run_async, run_sync

RetrievalMethod = Literal["last_n", "first_n", "keyword", "semantic", "hybrid", "agentic"]
EXPORT_FORMAT = "memory-agent/memories@1"


class Memory:
    """A user's long-term memories: add, replace, delete, search, and their history.

    Every call names the user it acts for, and reaches that user's memories only.
    Each method has an async twin prefixed with `a` (`aadd_user_memory`, ...).
    """

    def __init__(
        self,
        db: MemoryDb | None = None,
        model: ModelSpec | None = None,
        delete_memories: bool = False,
        clear_memories: bool = False,
        *,
        memory_manager: MemoryManager | None = None,
        embeddings: Embeddings | None = None,
        embedding_model: str | None = None,
        embedding_timeout: float = 10.0,
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
            embeddings: Any LangChain `Embeddings`, for `semantic` and `hybrid` search
                and for choosing prompt memories by meaning; memories are embedded
                when written.
            embedding_model: The label stored with each vector; vectors of another
                label are never compared. Defaults to the class and model name.
            embedding_timeout: Seconds to wait for the embedding model before a
                search falls back to keyword.
        """
        self.db: MemoryDb = db if db is not None else SqliteMemoryDb(db_file=":memory:")
        self.model = model
        self.delete_memories = delete_memories
        self.clear_memories = clear_memories
        self.memory_manager = memory_manager or MemoryManager()
        self.embedder = (
            Embedder(embeddings, embedding_model, embedding_timeout)
            if embeddings is not None
            else None
        )

    # -- writes ---------------------------------------------------------------

    def add_user_memory(
        self, memory: UserMemory | str, user_id: str, *, source: str = "api"
    ) -> str:
        """Store a memory and return its id (the existing id when the user already has it)."""
        user_id, op = _add_op(memory, user_id)
        return run_sync(self._write(user_id, [op], WriteContext(source)))[0].memory_id

    async def aadd_user_memory(
        self, memory: UserMemory | str, user_id: str, *, source: str = "api"
    ) -> str:
        user_id, op = _add_op(memory, user_id)
        return (await run_async(self._write(user_id, [op], WriteContext(source))))[0].memory_id

    def replace_user_memory(
        self, memory_id: str, memory: UserMemory | str, user_id: str, *, source: str = "api"
    ) -> str:
        """Replace the text and topics of one of the user's memories, keeping its id.

        Raises `MemoryNotFoundError` when the id is not one of this user's memories.
        """
        user_id, op = _replace_op(memory_id, memory, user_id)
        run_sync(self._write(user_id, [op], WriteContext(source)))
        return op.memory_id

    async def areplace_user_memory(
        self, memory_id: str, memory: UserMemory | str, user_id: str, *, source: str = "api"
    ) -> str:
        user_id, op = _replace_op(memory_id, memory, user_id)
        await run_async(self._write(user_id, [op], WriteContext(source)))
        return op.memory_id

    def delete_user_memory(self, user_id: str, memory_id: str, *, source: str = "api") -> bool:
        """Delete one memory; False when the user had no memory with that id."""
        user_id, op = _delete_op(user_id, memory_id)
        try:
            self.db.apply(user_id, [op], WriteContext(source))
        except MemoryNotFoundError:
            return False
        return True

    async def adelete_user_memory(
        self, user_id: str, memory_id: str, *, source: str = "api"
    ) -> bool:
        user_id, op = _delete_op(user_id, memory_id)
        try:
            await self.db.aapply(user_id, [op], WriteContext(source))
        except MemoryNotFoundError:
            return False
        return True

    def clear(self, user_id: str | None = None, *, source: str = "api") -> int:
        """Forget one user's memories, or everyone's when no user is named; returns the count."""
        if user_id is None:
            return self.db.clear_all(WriteContext(source))
        user_id = validate_user_id(user_id)
        return len(self.db.apply(user_id, [ClearMemories()], WriteContext(source)))

    async def aclear(self, user_id: str | None = None, *, source: str = "api") -> int:
        if user_id is None:
            return await self.db.aclear_all(WriteContext(source))
        user_id = validate_user_id(user_id)
        return len(await self.db.aapply(user_id, [ClearMemories()], WriteContext(source)))

    def apply_user_memory_ops(
        self, user_id: str, ops: Sequence[MemoryOp], context: WriteContext
    ) -> list[MemoryEvent]:
        """Apply a batch of operations for one user as one transaction: all or none.

        The memories it adds or rewrites are embedded after the transaction, when
        this Memory has embeddings; a failing embedding model loses no memory.
        """
        return run_sync(self._write(validate_user_id(user_id), ops, context))

    async def aapply_user_memory_ops(
        self, user_id: str, ops: Sequence[MemoryOp], context: WriteContext
    ) -> list[MemoryEvent]:
        return await run_async(self._write(validate_user_id(user_id), ops, context))

    def _write(
        self, user_id: str, ops: Sequence[MemoryOp], context: WriteContext
    ) -> Flow[list[MemoryEvent]]:
        return write(self.db, self.embedder, user_id, ops, context)

    # -- reads ----------------------------------------------------------------

    def get_user_memories(self, user_id: str) -> list[UserMemory]:
        """All of the user's memories, oldest first."""
        return self.db.list_memories(validate_user_id(user_id))

    async def aget_user_memories(self, user_id: str) -> list[UserMemory]:
        return await self.db.alist_memories(validate_user_id(user_id))

    def get_user_memory(self, memory_id: str, user_id: str) -> UserMemory:
        """One memory; raises `MemoryNotFoundError` when it is not this user's."""
        user_id, memory_id = validate_user_id(user_id), validate_memory_id(memory_id)
        return _found(self.db.get(user_id, memory_id), memory_id, user_id)

    async def aget_user_memory(self, memory_id: str, user_id: str) -> UserMemory:
        user_id, memory_id = validate_user_id(user_id), validate_memory_id(memory_id)
        return _found(await self.db.aget(user_id, memory_id), memory_id, user_id)

    def search_user_memories(
        self,
        user_id: str,
        query: str | None = None,
        limit: int | None = None,
        retrieval_method: RetrievalMethod | None = None,
        *,
        model: ModelSpec | None = None,
    ) -> SearchResult:
        """Find memories by recency, by the words or meaning of `query`, or with a model.

        `last_n` returns the `limit` most recently updated memories, oldest first, as
        Agno does; `first_n` the `limit` oldest; `keyword` ranks by BM25 over text
        and topics; `semantic` by cosine similarity of embeddings (needs
        `Memory(embeddings=...)`); `hybrid` fuses keyword and semantic scores and
        puts the newer of two facts on one subject first when they score alike or
        the query asks about the present (without embeddings: keyword plus that
        rule); `agentic` asks the model which memories relate to the query (ids it
        invents are dropped). With no method: `hybrid` for a query when there are
        embeddings, else `keyword`; `last_n` without a query. `model` overrides
        this Memory's model for the call.

        The result is a list, best first, that names its `method`; when the
        embedding model fails or times out the search ranks by keyword instead and
        says so in `fallback_reason`. Vectors of another embedding model raise
        `EmbeddingMismatchError` until `reembed_memories` recomputes them.
        """
        return run_sync(self._search(user_id, query, limit, retrieval_method, model))

    async def asearch_user_memories(
        self,
        user_id: str,
        query: str | None = None,
        limit: int | None = None,
        retrieval_method: RetrievalMethod | None = None,
        *,
        model: ModelSpec | None = None,
    ) -> SearchResult:
        return await run_async(self._search(user_id, query, limit, retrieval_method, model))

    def _search(
        self,
        user_id: str,
        query: str | None,
        limit: int | None,
        retrieval_method: str | None,
        model: ModelSpec | None,
    ) -> Flow[SearchResult]:
        user_id, method, query, limit = _search_args(
            user_id, query, limit, retrieval_method, embeddings=self.embedder is not None
        )
        if method in ("last_n", "first_n"):
            newest_first = method == "last_n"
            found: list[UserMemory] = yield Call(
                self.db,
                "list_memories",
                (user_id,),
                {"order_by": "updated_at", "newest_first": newest_first, "limit": limit},
            )
            return SearchResult(found[::-1] if newest_first else found, method=method)
        assert query is not None
        if method == "agentic":
            chat_model = self.memory_manager.chat_model(model or self.model)
            chosen = yield from self.memory_manager.search_flow(
                self, user_id, query, limit, model=chat_model
            )
            return SearchResult(chosen, method=method)
        return (yield from search(self.db, self.embedder, user_id, method, query, limit))

    def get_memories_for_prompt(
        self, user_id: str, text: str = "", token_budget: int = DEFAULT_TOKEN_BUDGET
    ) -> PromptMemories:
        """The memories to show a model: all while they fit `token_budget`, else those
        most related to `text` (hybrid with embeddings, else keyword) plus the newest.

        Never reads more than fits, and never fails for the embedding model: it
        ranks by keyword instead and says why in `fallback_reason`.
        """
        return run_sync(self._for_prompt(user_id, text, token_budget))

    async def aget_memories_for_prompt(
        self, user_id: str, text: str = "", token_budget: int = DEFAULT_TOKEN_BUDGET
    ) -> PromptMemories:
        return await run_async(self._for_prompt(user_id, text, token_budget))

    def _for_prompt(self, user_id: str, text: str, token_budget: int) -> Flow[PromptMemories]:
        user_id = validate_user_id(user_id)
        return (yield from select_for_prompt(self.db, self.embedder, user_id, text, token_budget))

    # -- vectors and near-duplicates -----------------------------------------

    def reembed_memories(self, user_id: str | None = None, *, batch_size: int = 64) -> int:
        """Compute the vectors that are missing or from another model, for one user or all.

        Run it after changing the embedding model (a search then raises
        `EmbeddingMismatchError`) or after an outage left memories without vectors.
        Returns how many vectors were stored.
        """
        return run_sync(self._reembed(user_id, batch_size))

    async def areembed_memories(self, user_id: str | None = None, *, batch_size: int = 64) -> int:
        return await run_async(self._reembed(user_id, batch_size))

    def _reembed(self, user_id: str | None, batch_size: int) -> Flow[int]:
        if self.embedder is None:
            raise InvalidInputError("reembedding needs embeddings: Memory(embeddings=...)")
        user_id = None if user_id is None else validate_user_id(user_id)
        return (yield from reembed(self.db, self.embedder, user_id, batch_size))

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
        return run_sync(self._dedupe(user_id, apply, threshold, source))

    async def adedupe_user_memories(
        self,
        user_id: str,
        *,
        apply: bool = False,
        threshold: float = DEFAULT_THRESHOLD,
        source: str = "dedupe",
    ) -> list[DuplicateGroup]:
        return await run_async(self._dedupe(user_id, apply, threshold, source))

    def _dedupe(
        self, user_id: str, apply: bool, threshold: float, source: str
    ) -> Flow[list[DuplicateGroup]]:
        user_id = validate_user_id(user_id)
        return (yield from dedupe(self.db, self.embedder, user_id, apply, threshold, source))

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
        return run_sync(self._create(message, messages, user_id, model))

    async def acreate_user_memories(
        self,
        message: str | None = None,
        messages: Sequence[MessageLike] | None = None,
        user_id: str | None = None,
        *,
        model: ModelSpec | None = None,
    ) -> MemoryUpdateResult:
        return await run_async(self._create(message, messages, user_id, model))

    def update_memory_task(
        self, task: str, user_id: str, *, model: ModelSpec | None = None
    ) -> MemoryUpdateResult:
        """Carry out a request about the user's memories ("forget my address")."""
        return run_sync(self._task(task, user_id, model))

    async def aupdate_memory_task(
        self, task: str, user_id: str, *, model: ModelSpec | None = None
    ) -> MemoryUpdateResult:
        return await run_async(self._task(task, user_id, model))

    def _create(
        self,
        message: str | None,
        messages: Sequence[MessageLike] | None,
        user_id: str | None,
        model: ModelSpec | None,
    ) -> Flow[MemoryUpdateResult]:
        user_id = validate_user_id(user_id)
        if (message is None) == (messages is None):
            raise InvalidInputError("pass exactly one of message=... or messages=[...]")
        try:
            transcript, user_text = render_transcript(
                [("user", message)] if message else messages or []
            )
        except (ValueError, TypeError, NotImplementedError) as error:
            raise InvalidInputError(f"messages could not be read: {error}") from error
        if not user_text.strip():
            raise InvalidInputError("there is no user message to learn from")
        return (
            yield from self._manage(
                user_id, prompts.conversation_input(transcript), user_text, model
            )
        )

    def _task(self, task: str, user_id: str, model: ModelSpec | None) -> Flow[MemoryUpdateResult]:
        user_id = validate_user_id(user_id)
        if not isinstance(task, str) or not task.strip():
            raise InvalidInputError("task must be a non-empty string")
        return (yield from self._manage(user_id, prompts.task_input(task), task, model))

    def _manage(
        self, user_id: str, request: str, source_input: str, model: ModelSpec | None
    ) -> Flow[MemoryUpdateResult]:
        return (
            yield from self.memory_manager.update_flow(
                self,
                user_id,
                request,
                source_input,
                model=self.memory_manager.chat_model(model or self.model),
                delete_memories=self.delete_memories,
                clear_memories=self.clear_memories,
            )
        )

    def get_memory_history(self, memory_id: str, user_id: str) -> list[MemoryEvent]:
        """Every change to one memory, oldest first, kept after the memory is deleted."""
        user_id, memory_id = validate_user_id(user_id), validate_memory_id(memory_id)
        return _events_found(self.db.history(user_id, memory_id), memory_id, user_id)

    async def aget_memory_history(self, memory_id: str, user_id: str) -> list[MemoryEvent]:
        user_id, memory_id = validate_user_id(user_id), validate_memory_id(memory_id)
        return _events_found(await self.db.ahistory(user_id, memory_id), memory_id, user_id)

    # -- export / import ------------------------------------------------------

    def export_user_memories(self, user_id: str) -> dict[str, Any]:
        """The user's memories as a JSON-ready dict that `import_user_memories` reads back."""
        return _export(validate_user_id(user_id), self.get_user_memories(user_id))

    async def aexport_user_memories(self, user_id: str) -> dict[str, Any]:
        return _export(validate_user_id(user_id), await self.aget_user_memories(user_id))

    def import_user_memories(
        self, data: Mapping[str, Any], user_id: str | None = None
    ) -> list[str]:
        """Restore exported memories (ids and times kept) in one transaction; returns the ids.

        `user_id` imports into another user than the one the data was exported from.
        A memory whose id the user already has is replaced.
        """
        return run_sync(self._import(data, user_id))

    async def aimport_user_memories(
        self, data: Mapping[str, Any], user_id: str | None = None
    ) -> list[str]:
        return await run_async(self._import(data, user_id))

    def _import(self, data: Mapping[str, Any], user_id: str | None) -> Flow[list[str]]:
        user_id, memories = _import_args(data, user_id)
        existing: list[UserMemory] = yield Call(self.db, "list_memories", (user_id,))
        ops = _import_ops(memories, {m.memory_id for m in existing})
        events = yield from self._write(user_id, ops, WriteContext("import"))
        return [event.memory_id for event in events]

    def close(self) -> None:
        """Release the store's connection, when it holds one."""
        close = getattr(self.db, "close", None)
        if callable(close):
            close()

    def __enter__(self) -> Memory:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


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


def _add_op(memory: UserMemory | str, user_id: str) -> tuple[str, AddMemory]:
    user_id, memory = _owned(memory, user_id)
    return user_id, AddMemory(memory)


def _replace_op(
    memory_id: str, memory: UserMemory | str, user_id: str
) -> tuple[str, ReplaceMemory]:
    user_id, memory = _owned(memory, user_id)
    return user_id, ReplaceMemory(validate_memory_id(memory_id), memory)


def _delete_op(user_id: str, memory_id: str) -> tuple[str, DeleteMemory]:
    return validate_user_id(user_id), DeleteMemory(validate_memory_id(memory_id))


def _found(memory: UserMemory | None, memory_id: str, user_id: str) -> UserMemory:
    if memory is None:
        raise MemoryNotFoundError(memory_id, user_id)
    return memory


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
            "retrieval_method='semantic' needs embeddings: Memory(embeddings=...), "
            "or use 'hybrid' or 'keyword'"
        )
    return user_id, method, query, limit  # type: ignore[return-value]


def _export(user_id: str, memories: list[UserMemory]) -> dict[str, Any]:
    return {
        "format": EXPORT_FORMAT,
        "user_id": user_id,
        "memories": [
            m.model_dump(
                mode="json",
                include={"memory_id", "memory", "topics", "input", "created_at", "updated_at"},
            )
            for m in memories
        ],
    }


def _import_args(data: Mapping[str, Any], user_id: str | None) -> tuple[str, list[UserMemory]]:
    if not isinstance(data, Mapping) or data.get("format") != EXPORT_FORMAT:
        raise InvalidInputError(f"import data must be a dict made by export ({EXPORT_FORMAT})")
    user_id = validate_user_id(user_id if user_id is not None else data.get("user_id"))
    entries = data.get("memories")
    if not isinstance(entries, list):
        raise InvalidInputError("import data has no 'memories' list")
    try:
        memories = [UserMemory.model_validate({**entry, "user_id": None}) for entry in entries]
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
