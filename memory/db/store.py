"""StoreMemoryDb: memories in any LangGraph BaseStore, such as LangGraph Server's own store."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar, cast
from urllib.parse import quote, unquote

from langgraph.store.base import (
    BaseStore,
    GetOp,
    Item,
    ListNamespacesOp,
    MatchCondition,
    Op,
    PutOp,
    Result,
    SearchOp,
)

from memory.db.base import MemoryVector, OrderBy, VectorHit, VectorSearch
from memory.db.vectors import as_vector, best_first, best_rows, from_bytes, mismatch, normalised
from memory.ranking import bm25_scores
from memory.schema import (
    AddMemory,
    ClearMemories,
    DeleteMemory,
    InvalidInputError,
    MemoryAction,
    MemoryEvent,
    MemoryNotFoundError,
    MemoryOp,
    ReplaceMemory,
    UserMemory,
    WriteContext,
)
from memory.text import normalized_text
from memory.twins import Call, Flow, run_async, run_sync

T = TypeVar("T")

FIRST_READ_LIMIT = 1_000
"""How many items a read asks for first; it asks again for more when that is not all."""
_ITEMS, _HISTORY, _META, _VECTORS = "items", "history", "meta", "vectors"
_SEQUENCE_KEY = "sequence"
_FIELD_WEIGHTS = (1.0, 0.5)
"""Text counts twice as much as topics, as in SqliteMemoryDb's bm25() call."""


def namespace_label(user_id: str) -> str:
    """The user id as one namespace label, reversible with `unquote` and never shared.

    Percent-encoding is injective ("%" itself becomes "%25"); "." is encoded too
    because stores refuse it in labels, so "org/team.lead" becomes
    "org%2Fteam%2Elead", still readable in Studio's store browser.
    """
    return quote(user_id, safe="@").replace(".", "%2E")


@dataclass(frozen=True)
class _Namespaces:
    items: tuple[str, ...]
    history: tuple[str, ...]
    meta: tuple[str, ...]
    vectors: tuple[str, ...]


@dataclass(frozen=True)
class _UserState:
    """A user's stored memory values in insertion order, and the next sequence number."""

    memories: dict[str, dict[str, Any]]
    next_seq: int


def _plan(
    user_id: str, state: _UserState, ops: Sequence[MemoryOp], context: WriteContext
) -> tuple[dict[str, dict[str, Any] | None], list[MemoryEvent], int]:
    """Apply `ops` to a copy of `state` and say what changed, without touching a store.

    Returns the new value of every changed memory (None: deleted), the events in
    order, and the next free sequence number. Raises before anything is returned
    when an op is refused, so a refused batch never reaches the store.
    """
    memories = dict(state.memories)
    seq = state.next_seq
    now = context.at.isoformat()
    events: list[MemoryEvent] = []

    def record(
        action: MemoryAction, old: dict[str, Any] | None, new: dict[str, Any] | None
    ) -> None:
        either = cast(dict[str, Any], old or new)
        events.append(
            MemoryEvent(
                memory_id=either["memory_id"],
                user_id=user_id,
                action=action,
                old_memory=old["memory"] if old else None,
                old_topics=old["topics"] if old else None,
                new_memory=new["memory"] if new else None,
                new_topics=new["topics"] if new else None,
                source=context.source,
                input=context.input,
                at=context.at,
            )
        )

    def owned(memory_id: str) -> dict[str, Any]:
        if memory_id not in memories:
            raise MemoryNotFoundError(memory_id, user_id)
        return memories[memory_id]

    for op in ops:
        match op:
            case AddMemory(memory=memory):
                text_key = normalized_text(memory.memory)
                same = next((v for v in memories.values() if v["text_key"] == text_key), None)
                if same is not None:
                    topics = list(dict.fromkeys([*same["topics"], *memory.topics]))
                    memories[same["memory_id"]] = {**same, "topics": topics, "updated_at": now}
                    record("refreshed", same, memories[same["memory_id"]])
                    continue
                memory_id = memory.memory_id or str(uuid.uuid4())
                if memory_id in memories:
                    raise InvalidInputError(
                        f"user {user_id!r} already has a memory with id {memory_id!r}"
                    )
                created = memory.created_at or context.at
                memories[memory_id] = {
                    "memory_id": memory_id,
                    "user_id": user_id,
                    "memory": memory.memory,
                    "topics": list(memory.topics),
                    "input": memory.input,
                    "text_key": text_key,
                    "created_at": created.isoformat(),
                    "updated_at": (memory.updated_at or created).isoformat(),
                    "seq": seq,
                }
                seq += 1
                record("added", None, memories[memory_id])
            case ReplaceMemory(memory_id=memory_id, memory=memory):
                old = owned(memory_id)
                memories[memory_id] = {
                    **old,
                    "memory": memory.memory,
                    "topics": list(memory.topics),
                    "input": memory.input,
                    "text_key": normalized_text(memory.memory),
                    "updated_at": now,
                }
                record("updated", old, memories[memory_id])
            case DeleteMemory(memory_id=memory_id):
                record("deleted", owned(memory_id), None)
                del memories[memory_id]
            case ClearMemories():
                for old in sorted(memories.values(), key=lambda v: (v["created_at"], v["seq"])):
                    record("cleared", old, None)
                memories.clear()
    changed = {
        memory_id: memories.get(memory_id)
        for memory_id in {**state.memories, **memories}
        if memories.get(memory_id) != state.memories.get(memory_id)
    }
    return changed, events, seq


def _batch(store: BaseStore, ops: Sequence[Op]) -> Call:
    """One round trip: `store.batch(ops)`, or `store.abatch(ops)` when run async."""
    return Call(store, "batch", (list(ops),))


def _read_all(store: BaseStore, read: Callable[[int], Op], *also: Op) -> Flow[list[Result]]:
    """Run `read(limit)` (and `also`) with a growing limit until `read` comes back short.

    Stores search 10 items unless told otherwise. Growing one query instead of
    paging with offsets means nothing is skipped or repeated where the store's
    order has ties (PostgresStore orders by updated_at, shared by a whole batch).
    """
    limit = FIRST_READ_LIMIT
    while True:
        results: list[Result] = yield _batch(store, [read(limit), *also])
        if len(cast(list[Any], results[0])) < limit:
            return results
        limit *= 4


class StoreMemoryDb:
    """Memories, their history and a per-user counter in any LangGraph `BaseStore`.

    Under `langgraph dev` or LangGraph Server this keeps memories in the server's
    store; with `PostgresStore` in one database shared by every worker. Each user
    has four namespaces under `namespace_prefix`: `items` (memories keyed by id),
    `history` (one item per event), `meta` (the sequence counter that orders
    both, as SQLite's row ids do) and `vectors` (embeddings keyed by memory id,
    apart from the items so that reads other than vector search never load them).

    A store has no transactions, so `apply` reads the user's memories, checks the
    whole batch against them (an unknown id raises before anything is written),
    and sends every write in one `batch()` call. Whether that call is atomic is
    the store's business. PostgresStore (langgraph-checkpoint-postgres 3.2) runs
    a batch's DELETE and upsert in one pipeline ended by a single Sync (or inside
    `conn.transaction()` without pipeline support), which PostgreSQL commits or
    rolls back as a whole; tests/test_store_db.py checks that with a value
    PostgreSQL refuses. InMemoryStore applies the writes in a Python loop: whole
    unless the process dies inside it. SqliteStore's batch ends with COMMIT in a
    `finally` (read in its source, not tested), so a statement failing mid-batch
    would keep the earlier ones. Two writers for the same user are not
    serialised: both check against what they read, and the later batch can
    overwrite the earlier one's changes (never another user's).
    """

    def __init__(self, store: BaseStore, namespace_prefix: tuple[str, ...] = ("memories",)):
        if (
            not namespace_prefix
            or namespace_prefix[0] == "langgraph"
            or any(not label or "." in label or "\0" in label for label in namespace_prefix)
        ):
            raise InvalidInputError(
                "namespace_prefix must be non-empty labels without '.', not under 'langgraph', "
                f"got {namespace_prefix!r}"
            )
        self.store = store
        self.namespace_prefix = namespace_prefix

    def _namespaces(self, user_id: str) -> _Namespaces:
        user = (*self.namespace_prefix, namespace_label(user_id))
        return _Namespaces((*user, _ITEMS), (*user, _HISTORY), (*user, _META), (*user, _VECTORS))

    # -- what each method does, written once as a flow for both twins -----------

    def _load(self, user_id: str) -> Flow[_UserState]:
        ns = self._namespaces(user_id)
        found, counter = yield from _read_all(
            self.store, lambda limit: SearchOp(ns.items, limit=limit), GetOp(ns.meta, _SEQUENCE_KEY)
        )
        values = sorted(
            (
                item.value
                for item in cast(list[Item], found)
                # Whatever a store's prefix matching does, only this user's own items count.
                if item.namespace == ns.items and item.value.get("user_id") == user_id
            ),
            key=lambda value: cast(int, value["seq"]),
        )
        # The counter normally suffices; the max also covers a writer that raced it.
        next_seq = max(
            [cast(Item, counter).value["next"] if counter is not None else 0]
            + [cast(int, v["seq"]) + 1 for v in values]
        )
        return _UserState({v["memory_id"]: v for v in values}, next_seq)

    def _writes(
        self, user_id: str, ops: Sequence[MemoryOp], context: WriteContext
    ) -> Flow[tuple[list[PutOp], list[MemoryEvent]]]:
        state = yield from self._load(user_id)
        changed, events, seq = _plan(user_id, state, ops, context)
        if not events:
            return [], events
        ns = self._namespaces(user_id)
        history = [
            # Sortable by eye, and unique even when two writers race for one number.
            PutOp(
                ns.history,
                f"{seq + n:012d}-{uuid.uuid4().hex[:8]}",
                {**event.to_dict(), "seq": seq + n},
                index=False,
            )
            for n, event in enumerate(events)
        ]
        counter = {"user_id": user_id, "next": seq + len(events)}
        # A vector is only ever used with the text it was made from (see `_embedded`);
        # dropping it with that text keeps the store from filling with dead vectors.
        stale = [
            memory_id
            for memory_id, value in changed.items()
            if memory_id in state.memories
            and (value is None or value["memory"] != state.memories[memory_id]["memory"])
        ]
        # ttl=None: memories never expire, whatever default TTL the store has.
        writes = [
            *(PutOp(ns.items, memory_id, value) for memory_id, value in changed.items()),
            *(PutOp(ns.vectors, memory_id, None) for memory_id in stale),
            *history,
            PutOp(ns.meta, _SEQUENCE_KEY, counter, index=False),
        ]
        return writes, events

    def _apply(
        self, user_id: str, ops: Sequence[MemoryOp], context: WriteContext
    ) -> Flow[list[MemoryEvent]]:
        writes, events = yield from self._writes(user_id, ops, context)
        if writes:
            yield _batch(self.store, writes)
        return events

    def _user_ids(self) -> Flow[list[str]]:
        """Every user with a memory namespace under this prefix."""
        depth = len(self.namespace_prefix) + 2
        conditions = (
            MatchCondition("prefix", self.namespace_prefix),
            MatchCondition("suffix", (_ITEMS,)),
        )
        [found] = yield from _read_all(
            self.store, lambda limit: ListNamespacesOp(conditions, limit=limit)
        )
        return [
            unquote(namespace[-2])
            for namespace in cast(list[tuple[str, ...]], found)
            if len(namespace) == depth
        ]

    def _clear_all(self, context: WriteContext) -> Flow[int]:
        user_ids = yield from self._user_ids()
        writes: list[PutOp] = []
        events: list[MemoryEvent] = []
        for user_id in user_ids:
            user_writes, user_events = yield from self._writes(user_id, [ClearMemories()], context)
            writes += user_writes
            events += user_events
        if writes:
            yield _batch(self.store, writes)
        return len(events)

    def _get(self, user_id: str, memory_id: str) -> Flow[UserMemory | None]:
        [item] = yield _batch(self.store, [GetOp(self._namespaces(user_id).items, memory_id)])
        value = cast(Item, item).value if item is not None else None
        return (
            UserMemory.model_validate(value) if value and value.get("user_id") == user_id else None
        )

    def _list(
        self, user_id: str, order_by: OrderBy, newest_first: bool, limit: int | None
    ) -> Flow[list[UserMemory]]:
        state = yield from self._load(user_id)
        values = sorted(
            state.memories.values(),
            key=lambda v: (v[order_by], v["seq"]),
            reverse=newest_first,
        )
        return [UserMemory.model_validate(v) for v in _take(values, limit)]

    def _scored_search(
        self, user_id: str, query: str, limit: int | None
    ) -> Flow[list[tuple[UserMemory, float]]]:
        state = yield from self._load(user_id)
        # Ties keep the most recently updated first, as in SqliteMemoryDb.
        values = sorted(state.memories.values(), key=lambda v: v["updated_at"], reverse=True)
        scores = bm25_scores(
            query, [(v["memory"], " ".join(v["topics"])) for v in values], _FIELD_WEIGHTS
        )
        ranked = sorted(
            (pair for pair in zip(scores, values, strict=True) if pair[0] > 0),
            key=lambda pair: -pair[0],
        )
        return [(UserMemory.model_validate(v), score) for score, v in _take(ranked, limit)]

    def _search(self, user_id: str, query: str, limit: int | None) -> Flow[list[UserMemory]]:
        ranked = yield from self._scored_search(user_id, query, limit)
        return [memory for memory, _ in ranked]

    def _embedded(self, user_id: str) -> Flow[tuple[_UserState, dict[str, dict[str, Any]]]]:
        """The user's memories, and the vectors made from their current text, by memory id.

        A vector of older text (a writer raced the embedder) is ignored, as if missing.
        """
        state = yield from self._load(user_id)
        ns = self._namespaces(user_id)
        [found] = yield from _read_all(self.store, lambda limit: SearchOp(ns.vectors, limit=limit))
        vectors = {
            item.key: item.value
            for item in cast(list[Item], found)
            if item.namespace == ns.vectors
            and item.value.get("user_id") == user_id
            and item.value["memory"] == state.memories.get(item.key, {}).get("memory")
        }
        return state, vectors

    def _set_embeddings(
        self, user_id: str, model: str, vectors: Sequence[MemoryVector]
    ) -> Flow[int]:
        arrays = [as_vector(v.vector) for v in vectors]
        state = yield from self._load(user_id)
        ns = self._namespaces(user_id)
        writes = [
            PutOp(
                ns.vectors,
                item.memory_id,
                {
                    "user_id": user_id,
                    "model": model,
                    "dimensions": array.size,
                    "memory": item.memory,
                    # Base64 of float32: a quarter of the size of a JSON list of floats.
                    "vector": base64.b64encode(array.tobytes()).decode("ascii"),
                },
                index=False,
            )
            for item, array in zip(vectors, arrays, strict=True)
            if state.memories.get(item.memory_id, {}).get("memory") == item.memory
        ]
        if writes:
            yield _batch(self.store, writes)
        return len(writes)

    def _unembedded(
        self, user_id: str | None, model: str, dimensions: int | None, limit: int
    ) -> Flow[list[UserMemory]]:
        user_ids = [user_id] if user_id is not None else (yield from self._user_ids())
        found: list[UserMemory] = []
        for user in user_ids:
            if len(found) >= limit:
                break
            state, vectors = yield from self._embedded(user)
            found += [
                UserMemory.model_validate(value)
                for memory_id, value in state.memories.items()
                if not _made_by(vectors.get(memory_id), model, dimensions)
            ]
        return found[:limit]

    def _vector_search(
        self, user_id: str, vector: Sequence[float], model: str, limit: int | None
    ) -> Flow[VectorSearch]:
        query = normalised(as_vector(vector))
        state, vectors = yield from self._embedded(user_id)
        foreign = [v for v in vectors.values() if not _made_by(v, model, query.size)]
        if foreign:
            first = foreign[0]
            raise mismatch(
                user_id, (first["model"], first["dimensions"], len(foreign)), model, query.size
            )
        ids = list(vectors)
        matrix = from_bytes([base64.b64decode(vectors[i]["vector"]) for i in ids], query.size)
        hits = [
            VectorHit(UserMemory.model_validate(state.memories[ids[row]]), score, matrix[row])
            for row, score in best_rows(matrix, query, limit)
        ]
        return VectorSearch(best_first(hits), len(state.memories) - len(vectors))

    def _history(self, user_id: str, memory_id: str) -> Flow[list[MemoryEvent]]:
        ns = self._namespaces(user_id)
        [found] = yield from _read_all(
            self.store,
            lambda limit: SearchOp(ns.history, filter={"memory_id": memory_id}, limit=limit),
        )
        values = sorted(
            (
                item.value
                for item in cast(list[Item], found)
                if item.namespace == ns.history and item.value.get("user_id") == user_id
            ),
            key=lambda value: cast(int, value["seq"]),
        )
        return [MemoryEvent.model_validate(value) for value in values]

    # -- the MemoryDb protocol --------------------------------------------------

    def apply(
        self, user_id: str, ops: Sequence[MemoryOp], context: WriteContext
    ) -> list[MemoryEvent]:
        return run_sync(self._apply(user_id, ops, context))

    async def aapply(
        self, user_id: str, ops: Sequence[MemoryOp], context: WriteContext
    ) -> list[MemoryEvent]:
        return await run_async(self._apply(user_id, ops, context))

    def get(self, user_id: str, memory_id: str) -> UserMemory | None:
        return run_sync(self._get(user_id, memory_id))

    async def aget(self, user_id: str, memory_id: str) -> UserMemory | None:
        return await run_async(self._get(user_id, memory_id))

    def list_memories(
        self,
        user_id: str,
        *,
        order_by: OrderBy = "created_at",
        newest_first: bool = False,
        limit: int | None = None,
    ) -> list[UserMemory]:
        return run_sync(self._list(user_id, order_by, newest_first, limit))

    async def alist_memories(
        self,
        user_id: str,
        *,
        order_by: OrderBy = "created_at",
        newest_first: bool = False,
        limit: int | None = None,
    ) -> list[UserMemory]:
        return await run_async(self._list(user_id, order_by, newest_first, limit))

    def keyword_search(self, user_id: str, query: str, limit: int | None) -> list[UserMemory]:
        return run_sync(self._search(user_id, query, limit))

    async def akeyword_search(
        self, user_id: str, query: str, limit: int | None
    ) -> list[UserMemory]:
        return await run_async(self._search(user_id, query, limit))

    def scored_keyword_search(
        self, user_id: str, query: str, limit: int | None
    ) -> list[tuple[UserMemory, float]]:
        return run_sync(self._scored_search(user_id, query, limit))

    async def ascored_keyword_search(
        self, user_id: str, query: str, limit: int | None
    ) -> list[tuple[UserMemory, float]]:
        return await run_async(self._scored_search(user_id, query, limit))

    def set_embeddings(self, user_id: str, model: str, vectors: Sequence[MemoryVector]) -> int:
        return run_sync(self._set_embeddings(user_id, model, vectors))

    async def aset_embeddings(
        self, user_id: str, model: str, vectors: Sequence[MemoryVector]
    ) -> int:
        return await run_async(self._set_embeddings(user_id, model, vectors))

    def unembedded_memories(
        self, user_id: str | None, model: str, dimensions: int | None, limit: int
    ) -> list[UserMemory]:
        return run_sync(self._unembedded(user_id, model, dimensions, limit))

    async def aunembedded_memories(
        self, user_id: str | None, model: str, dimensions: int | None, limit: int
    ) -> list[UserMemory]:
        return await run_async(self._unembedded(user_id, model, dimensions, limit))

    def vector_search(
        self, user_id: str, vector: Sequence[float], model: str, limit: int | None
    ) -> VectorSearch:
        return run_sync(self._vector_search(user_id, vector, model, limit))

    async def avector_search(
        self, user_id: str, vector: Sequence[float], model: str, limit: int | None
    ) -> VectorSearch:
        return await run_async(self._vector_search(user_id, vector, model, limit))

    def history(self, user_id: str, memory_id: str) -> list[MemoryEvent]:
        return run_sync(self._history(user_id, memory_id))

    async def ahistory(self, user_id: str, memory_id: str) -> list[MemoryEvent]:
        return await run_async(self._history(user_id, memory_id))

    def clear_all(self, context: WriteContext) -> int:
        return run_sync(self._clear_all(context))

    async def aclear_all(self, context: WriteContext) -> int:
        return await run_async(self._clear_all(context))


def _made_by(vector: dict[str, Any] | None, model: str, dimensions: int | None) -> bool:
    return (
        vector is not None
        and vector["model"] == model
        and dimensions in (None, vector["dimensions"])
    )


def _take(values: list[T], limit: int | None) -> list[T]:
    """The first `limit` values; None (or a negative limit, as SQLite's LIMIT) means all."""
    return values if limit is None or limit < 0 else values[:limit]
