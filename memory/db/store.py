"""StoreMemoryDb: memories in any LangGraph BaseStore, such as LangGraph Server's own store."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import uuid
from collections import defaultdict
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, TypeVar, cast
from urllib.parse import unquote

from langgraph.store.base import (
    BaseStore,
    GetOp,
    Item,
    ListNamespacesOp,
    MatchCondition,
    Op,
    PutOp,
    Result,
    SearchItem,
    SearchOp,
)

from memory.db.base import (
    USER_SCOPE,
    Document,
    KeywordCandidates,
    MemoryDb,
    MemoryVector,
    OrderBy,
    Scope,
    ScoredMemories,
    UserVectors,
    keyword_candidates_of,
)
from memory.db.namespaces import namespace_label
from memory.db.sessions import erase_archive
from memory.db.vectors import as_vector, unit_rows
from memory.errors import EmbeddingUnavailableError, InvalidInputError, PendingClaimLostError
from memory.planner import SummaryPlan, plan_summary, plan_writes
from memory.schema import (
    EraseResult,
    MemoryEvent,
    MemoryOp,
    PendingClaim,
    PendingMessage,
    PendingThread,
    SessionSummary,
    SummaryEvent,
    UserMemory,
    WriteContext,
    utc,
)
from memory.text import normalized_text
from memory.twins import AWAITING, Io

T = TypeVar("T")
FIRST_READ_LIMIT = 1_000
"""How many items a read asks for first; it asks again for more when that is not all."""
_ITEMS, _HISTORY, _META, _VECTORS, _AGENTS = "items", "history", "meta", "vectors", "agents"
_SUMMARIES, _SUMMARY_HISTORY = "summaries", "summary_history"
_PENDING = "pending"
_THREADS = "#threads"
"""The label of the thread owners' namespace: no user's label (`namespace_label`) has "#"."""
_COUNTED = {
    _ITEMS: "memories",
    _HISTORY: "memory_history",
    _VECTORS: "vectors",
    _SUMMARIES: "session_summaries",
    _SUMMARY_HISTORY: "summary_history",
    _PENDING: "pending_messages",
}
"""What `erase_user` counts of the items of each of a user's namespaces."""
_SEQUENCE_KEY = "sequence"
TEXT_FIELD = "memory"
"""The only field of a memory item a store's semantic index embeds: its text."""
SERVER_STORE_ENV = "LANGGRAPH_STORE"
"""Where LangGraph Server (and `langgraph dev`) puts langgraph.json's `store` settings."""


@dataclass(frozen=True)
class _Namespaces:
    items: tuple[str, ...]
    history: tuple[str, ...]
    meta: tuple[str, ...]
    vectors: tuple[str, ...]
    summaries: tuple[str, ...]
    summary_history: tuple[str, ...]
    pending: tuple[str, ...]


def _pending_key(thread_id: str, message_id: str) -> str:
    """One key per message of a thread, whatever characters the two ids hold."""
    return hashlib.sha256(f"{thread_id}\0{message_id}".encode()).hexdigest()


def _claim_key(thread_id: str, user_id: str) -> str:
    return hashlib.sha256(f"{thread_id}\0{user_id}".encode()).hexdigest()


def _moment(moment: datetime) -> str:
    return utc(moment).isoformat(timespec="microseconds")


def _pending_message(value: dict[str, Any]) -> PendingMessage:
    return PendingMessage(value["message_id"], value["text"], datetime.fromisoformat(value["at"]))


@dataclass(frozen=True)
class _Stored:
    """A user's stored memory values by id (expired ones too), and the next free sequence
    number."""

    values: dict[str, dict[str, Any]]
    next_seq: int

    def listed(self) -> list[dict[str, Any]]:
        """By creation time, insertion order among equal times, as every backend lists."""
        return sorted(self.values.values(), key=lambda v: (v["created_at"], v["seq"]))

    def live(self, at: datetime) -> dict[str, dict[str, Any]]:
        """The values of the memories that have not expired by `at`."""
        return {key: value for key, value in self.values.items() if not _expired(value, at)}


def _memory(value: dict[str, Any]) -> UserMemory:
    return UserMemory.model_validate(value)


def _expired(value: dict[str, Any], at: datetime) -> bool:
    expires = value.get("expires_at")
    return expires is not None and datetime.fromisoformat(expires) <= at


def declares_index(store: BaseStore) -> bool:
    """Whether `store` embeds what it is given: `index=` on LangGraph's stores, else (for a
    server's store, which keeps its settings to itself) `store.index` in langgraph.json."""
    if hasattr(store, "index_config"):
        return store.index_config is not None
    try:
        declared = json.loads(os.environ.get(SERVER_STORE_ENV) or "{}")
    except json.JSONDecodeError:
        return False
    return isinstance(declared, dict) and bool(declared.get("index"))


def _value(memory: UserMemory, seq: int) -> dict[str, Any]:
    return {
        **memory.model_dump(mode="json"),
        "text_key": normalized_text(memory.memory),
        "seq": seq,
    }


async def _batch(io: Io, store: BaseStore, ops: Sequence[Op]) -> list[Result]:
    """One round trip: `store.batch(ops)`, or `store.abatch(ops)` when awaited."""
    return await io.call(store.batch, store.abatch, list(ops))


async def _read_all(io: Io, store: BaseStore, read: Callable[[int], Op], *also: Op) -> list[Result]:
    """Run `read(limit)` (and `also`) with a growing limit until `read` comes back short.

    Stores search 10 items unless told otherwise. Growing one query instead of
    paging with offsets means nothing is skipped or repeated where the store's
    order has ties (PostgresStore orders by updated_at, shared by a whole batch).
    """
    limit = FIRST_READ_LIMIT
    while True:
        results = await _batch(io, store, [read(limit), *also])
        if len(cast(list[Any], results[0])) < limit:
            return results
        limit *= 4


class StoreMemoryDb(MemoryDb):
    """Memories, their history and a per-user counter in any LangGraph `BaseStore`.

    Under `langgraph dev` or LangGraph Server this keeps memories in the server's
    store; with `PostgresStore` in one database shared by every worker. Each user
    has four namespaces of memories under `namespace_prefix`: `items` (memories keyed by id),
    `history` (one item per event), `meta` (the sequence counter that orders
    both, as SQLite's row ids do) and `vectors` (embeddings keyed by memory id,
    apart from the items so that reads other than vector search never load them);
    an agent's memories of the user have the same four under
    `(..., <user>, "agents", <agent>)`.

    When the store has a semantic index (`index=` on LangGraph's stores, `store.index`
    in langgraph.json; or `index=True` here), a memory item is written with only its
    text to embed (`index=["memory"]`), once per text it ever has, and semantic search
    is the store's own `search(query=...)` in the user's namespace
    (`semantic_ranking`): the `Memory` then needs no embeddings and keeps no
    vectors. Nothing else is ever embedded. The store embeds before it writes, so
    when its model fails a write fails whole, storing nothing; a search then ranks
    by keyword (`EmbeddingUnavailableError` from `semantic_ranking`). A memory
    that expires also carries the store's TTL (on stores that support one), so
    the store's sweeper deletes it too; reads never refresh a TTL.

    A store has no transactions, so `apply` reads the user's memories, plans the
    whole batch against them (`memory.planner`; an unknown id raises before
    anything is written), and sends every write in one `batch()` call. Whether
    that call is atomic is the store's business. PostgresStore
    (langgraph-checkpoint-postgres 3.2) runs a batch's DELETE and upsert in one
    pipeline ended by a single Sync (or inside `conn.transaction()` without
    pipeline support), which PostgreSQL commits or rolls back as a whole;
    tests/test_store_db.py checks that with a value PostgreSQL refuses.
    InMemoryStore applies the writes in a Python loop: whole unless the process
    dies inside it. SqliteStore's batch ends with COMMIT in a `finally` (read in
    its source, not tested), so a statement failing mid-batch would keep the
    earlier ones. Two writers for the same user are not serialised: both plan
    against what they read, and the later batch can overwrite the earlier one's
    changes (never another user's).

    Pending messages of deferred extraction live in a fifth namespace, `pending`,
    one item per message, beside the memories of the agent scope that recorded
    them. A claim on them is read, then written: two workers claiming one thread at
    the same moment could both take it, so each message is learned from once when
    one worker per thread runs at a time, as LangGraph Server's runs API schedules
    the extractor (SQLite's and PostgreSQL's claims
    are exclusive by themselves).

    Thread owners live in one namespace, `(*namespace_prefix, "#threads")`, one
    item per claim of a user on a thread; of a thread's claims the earliest (by the
    store's `created_at`, then key) owns it, and a refused claim is taken back. A
    claim never overwrites another, so all agree on the owner once both writes are
    visible; LangGraph Server never runs two runs of one thread at once.

    Keyword candidates and vectors are read by loading all of a user's items:
    fine for the users of one app, slow for a user with many thousands.
    """

    def __init__(
        self,
        store: BaseStore,
        namespace_prefix: tuple[str, ...] = ("memories",),
        *,
        index: bool | None = None,
    ):
        """
        Args:
            store: Any LangGraph store.
            namespace_prefix: Labels every namespace of these memories starts with.
            index: Whether the store has a semantic index for the memories' text;
                None: as `declares_index` finds (`index=` on LangGraph's stores,
                `store.index` in langgraph.json under LangGraph Server).
        """
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
        self.index = declares_index(store) if index is None else index

    @property
    def semantic_index(self) -> bool:
        return self.index

    def _namespaces(self, user_id: str, scope: Scope = USER_SCOPE) -> _Namespaces:
        """The user's namespaces; memories, their history, vectors and pending messages
        are the scope's agent's, while session summaries are the user's alone."""
        user = (*self.namespace_prefix, namespace_label(user_id))
        owner = (
            user if scope.agent_id is None else (*user, _AGENTS, namespace_label(scope.agent_id))
        )
        return _Namespaces(
            items=(*owner, _ITEMS),
            history=(*owner, _HISTORY),
            meta=(*owner, _META),
            vectors=(*owner, _VECTORS),
            summaries=(*user, _SUMMARIES),
            summary_history=(*user, _SUMMARY_HISTORY),
            pending=(*owner, _PENDING),
        )

    def _ttl(self, memory: UserMemory, at: datetime) -> float | None:
        """The store's TTL, in minutes, of a memory that expires, when the store has TTLs."""
        if memory.expires_at is None or not self.store.supports_ttl:
            return None
        return (memory.expires_at - utc(at)).total_seconds() / 60

    # -- each operation once, run blocking or awaited -------------------------------

    async def _load(self, io: Io, user_id: str, scope: Scope) -> _Stored:
        ns = self._namespaces(user_id, scope)
        found, counter = await _read_all(
            io,
            self.store,
            lambda limit: SearchOp(ns.items, limit=limit, refresh_ttl=False),
            GetOp(ns.meta, _SEQUENCE_KEY, refresh_ttl=False),
        )
        values = [
            item.value
            for item in cast(list[Item], found)
            # Whatever a store's prefix matching does, only this user's own items count.
            if item.namespace == ns.items and item.value.get("user_id") == user_id
        ]
        # The counter normally suffices; the max also covers a writer that raced it.
        next_seq = max(
            [cast(Item, counter).value["next"] if counter is not None else 0]
            + [cast(int, v["seq"]) + 1 for v in values]
        )
        return _Stored({v["memory_id"]: v for v in values}, next_seq)

    async def _apply(
        self,
        io: Io,
        user_id: str,
        ops: Sequence[MemoryOp],
        context: WriteContext,
        *,
        scope: Scope = USER_SCOPE,
    ) -> list[MemoryEvent]:
        settled = await self._settle(io, user_id, scope, context.settles)
        stored = await self._load(io, user_id, scope)
        current = [_memory(v) for v in stored.listed()]
        plan = plan_writes(user_id, current, ops, context, agent_id=scope.agent_id)
        if not plan.events:
            if settled:
                await _batch(io, self.store, settled)
            return plan.events
        ns = self._namespaces(user_id, scope)
        seq = stored.next_seq
        writes: list[PutOp] = list(settled)

        def put(memory: UserMemory, seq: int, embed: bool) -> PutOp:
            # Only a new text is embedded, so each text costs the store one embedding.
            index: Literal[False] | list[str] = [TEXT_FIELD] if embed else False
            ttl = self._ttl(memory, context.at)
            return PutOp(ns.items, str(memory.memory_id), _value(memory, seq), index, ttl)

        for memory in plan.inserts:
            writes.append(put(memory, seq, embed=True))
            seq += 1
        for old, new in plan.updates:
            seq_of_old = stored.values[str(old.memory_id)]["seq"]
            writes.append(put(new, seq_of_old, embed=new.memory != old.memory))
            if new.memory != old.memory:
                # A vector is only ever used with the text it was made from (see
                # `_vectors`); dropping it with that text keeps dead vectors out.
                writes.append(PutOp(ns.vectors, str(old.memory_id), None))
        for old in plan.deletes:
            writes.append(PutOp(ns.items, str(old.memory_id), None))
            writes.append(PutOp(ns.vectors, str(old.memory_id), None))
        for event in plan.events:
            # Sortable by eye, and unique even when two writers race for one number.
            key = f"{seq:012d}-{uuid.uuid4().hex[:8]}"
            writes.append(PutOp(ns.history, key, {**event.to_dict(), "seq": seq}, index=False))
            seq += 1
        counter = {"user_id": user_id, "next": seq}
        writes.append(PutOp(ns.meta, _SEQUENCE_KEY, counter, index=False))
        await _batch(io, self.store, writes)
        return plan.events

    async def _settle(
        self, io: Io, user_id: str, scope: Scope, claim: PendingClaim | None
    ) -> list[PutOp]:
        """The deletes that settle `claim`, sent with the batch; raises if it was lost."""
        if claim is None:
            return []
        ns = self._namespaces(user_id, scope)
        keys = sorted({_pending_key(claim.thread_id, m) for m in claim.message_ids})
        found = await _batch(io, self.store, [GetOp(ns.pending, key) for key in keys])
        lost = [
            key
            for key, item in zip(keys, cast(list[Item | None], found), strict=True)
            if item is None or item.value.get("claim") != claim.token
        ]
        if lost:
            raise PendingClaimLostError(
                f"{len(lost)} of {len(keys)} messages of thread {claim.thread_id!r} "
                "were taken or settled by another worker"
            )
        return [PutOp(ns.pending, key, None) for key in keys]

    async def _thread_pending(
        self, io: Io, user_id: str, thread_id: str, scope: Scope
    ) -> list[tuple[str, dict[str, Any]]]:
        """The thread's pending messages in the scope as (key, value), oldest first."""
        found = await self._search_all(
            io, self._namespaces(user_id, scope).pending, {"thread_id": thread_id}
        )
        mine = [
            (item.key, item.value)
            for item in found
            if item.value.get("user_id") == user_id and item.value.get("thread_id") == thread_id
        ]
        return sorted(mine, key=lambda kv: cast(str, kv[1]["order"]))

    async def _add_pending(
        self,
        io: Io,
        user_id: str,
        thread_id: str,
        messages: Sequence[PendingMessage],
        *,
        scope: Scope = USER_SCOPE,
    ) -> int:
        ns = self._namespaces(user_id, scope)
        keyed = {_pending_key(thread_id, m.message_id): (n, m) for n, m in enumerate(messages)}
        if not keyed:
            return 0
        found = await _batch(io, self.store, [GetOp(ns.pending, key) for key in keyed])
        new = [key for key, item in zip(keyed, found, strict=True) if item is None]
        writes = [
            PutOp(
                ns.pending,
                key,
                {
                    "user_id": user_id,
                    "thread_id": thread_id,
                    "message_id": message.message_id,
                    "text": message.text,
                    "at": _moment(message.at),
                    "order": f"{_moment(message.at)}#{n:06d}",
                    "claim": None,
                    "claimed_until": None,
                },
                index=False,
            )
            for key in new
            for n, message in [keyed[key]]
        ]
        if writes:
            await _batch(io, self.store, writes)
        return len(writes)

    async def _claim_pending(
        self,
        io: Io,
        user_id: str,
        thread_id: str,
        token: str,
        now: datetime,
        until: datetime,
        limit: int,
        *,
        scope: Scope = USER_SCOPE,
    ) -> list[PendingMessage]:
        pending = await self._thread_pending(io, user_id, thread_id, scope)
        if any(
            value["claim"] not in (None, token) and value["claimed_until"] > _moment(now)
            for _, value in pending
        ):
            return []
        taken = pending[:limit]
        ns = self._namespaces(user_id, scope)
        claimed = {"claim": token, "claimed_until": _moment(until)}
        if taken:
            await _batch(
                io,
                self.store,
                [PutOp(ns.pending, key, {**value, **claimed}, index=False) for key, value in taken],
            )
        return [_pending_message(value) for _, value in taken]

    async def _release_pending(
        self, io: Io, user_id: str, thread_id: str, token: str, *, scope: Scope = USER_SCOPE
    ) -> None:
        ns = self._namespaces(user_id, scope)
        released = {"claim": None, "claimed_until": None}
        writes = [
            PutOp(ns.pending, key, {**value, **released}, index=False)
            for key, value in await self._thread_pending(io, user_id, thread_id, scope)
            if value["claim"] == token
        ]
        if writes:
            await _batch(io, self.store, writes)

    async def _pending_items(
        self, io: Io, user_id: str | None, scope: Scope
    ) -> list[tuple[str, Item]]:
        """The pending messages in the scope of one user or of all, with their owners."""
        if user_id is not None:
            namespaces = [self._namespaces(user_id, scope).pending]
        else:
            [listed] = await _read_all(
                io,
                self.store,
                lambda limit: ListNamespacesOp(
                    (
                        MatchCondition("prefix", self.namespace_prefix),
                        MatchCondition("suffix", (_PENDING,)),
                    ),
                    limit=limit,
                ),
            )
            user = len(self.namespace_prefix)
            namespaces = [
                ns
                for ns in cast(list[tuple[str, ...]], listed)
                if self._namespaces(unquote(ns[user]), scope).pending == ns
            ]
        return [
            (owner, item)
            for namespace in namespaces
            for owner in [unquote(namespace[len(self.namespace_prefix)])]
            for item in await self._search_all(io, namespace)
            if item.value.get("user_id") == owner
        ]

    async def _drop_pending(
        self, io: Io, user_id: str | None = None, *, scope: Scope = USER_SCOPE
    ) -> int:
        deletes = [
            PutOp(item.namespace, item.key, None)
            for _, item in await self._pending_items(io, user_id, scope)
        ]
        if deletes:
            await _batch(io, self.store, deletes)
        return len(deletes)

    async def _pending_threads(
        self, io: Io, user_id: str | None = None, *, scope: Scope = USER_SCOPE
    ) -> list[PendingThread]:
        threads: defaultdict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
        for owner, item in await self._pending_items(io, user_id, scope):
            threads[(owner, item.value["thread_id"])].append(item.value)
        in_order = sorted(threads.items(), key=lambda kv: min(v["order"] for v in kv[1]))
        return [
            PendingThread(
                user_id=owner,
                thread_id=thread_id,
                messages=len(values),
                last_at=datetime.fromisoformat(max(v["at"] for v in values)),
                claimed_until=max(
                    (datetime.fromisoformat(v["claimed_until"]) for v in values if v["claim"]),
                    default=None,
                ),
            )
            for (owner, thread_id), values in in_order
        ]

    async def _search_all(
        self, io: Io, namespace: tuple[str, ...], filter: dict[str, Any] | None = None
    ) -> list[Item]:
        """Every item of exactly `namespace` (matching `filter`)."""
        [found] = await _read_all(
            io, self.store, lambda limit: SearchOp(namespace, filter=filter, limit=limit)
        )
        return [item for item in cast(list[Item], found) if item.namespace == namespace]

    async def _user_ids(self, io: Io, *, scope: Scope = USER_SCOPE) -> list[str]:
        """Every user with a memory namespace of the scope under this prefix."""
        suffix: tuple[str, ...] = (_ITEMS,)
        if scope.agent_id is not None:
            suffix = (_AGENTS, namespace_label(scope.agent_id), _ITEMS)
        depth = len(self.namespace_prefix) + 1 + len(suffix)
        conditions = (
            MatchCondition("prefix", self.namespace_prefix),
            MatchCondition("suffix", suffix),
        )
        [found] = await _read_all(
            io, self.store, lambda limit: ListNamespacesOp(conditions, limit=limit)
        )
        namespaces = [ns for ns in cast(list[tuple[str, ...]], found) if len(ns) == depth]
        if not namespaces:
            return []
        # Some stores keep listing a namespace whose items were all deleted.
        samples = await _batch(
            io, self.store, [SearchOp(ns, limit=1, refresh_ttl=False) for ns in namespaces]
        )
        return [
            unquote(namespace[len(self.namespace_prefix)])
            for namespace, sample in zip(namespaces, samples, strict=True)
            if sample
        ]

    async def _get_memories(
        self, io: Io, user_id: str, memory_ids: Sequence[str], *, scope: Scope = USER_SCOPE
    ) -> list[UserMemory]:
        ns = self._namespaces(user_id, scope)
        at = scope.now()
        items = await _batch(
            io, self.store, [GetOp(ns.items, key, refresh_ttl=False) for key in memory_ids]
        )
        return [
            _memory(item.value)
            for item in cast(list[Item | None], items)
            if item is not None
            and item.value.get("user_id") == user_id
            and not _expired(item.value, at)
        ]

    async def _list_memories(
        self,
        io: Io,
        user_id: str,
        *,
        order_by: OrderBy = "created_at",
        newest_first: bool = False,
        limit: int | None = None,
        scope: Scope = USER_SCOPE,
    ) -> list[UserMemory]:
        stored = await self._load(io, user_id, scope)
        values = sorted(
            stored.live(scope.now()).values(),
            key=lambda v: (v[order_by], v["seq"]),
            reverse=newest_first,
        )
        return [_memory(v) for v in (values if limit is None else values[:limit])]

    async def _semantic_ranking(
        self, io: Io, user_id: str, query: str, limit: int | None, *, scope: Scope = USER_SCOPE
    ) -> ScoredMemories:
        """The store's own semantic search in the user's namespace, asking for more when
        expired memories or unembedded items take places."""
        if not self.index:
            raise InvalidInputError("this store has no semantic index: StoreMemoryDb(index=...)")
        ns = self._namespaces(user_id, scope)
        at = scope.now()
        asked = FIRST_READ_LIMIT if limit is None else max(limit, 10)
        while True:
            try:
                [found] = await _batch(
                    io,
                    self.store,
                    [SearchOp(ns.items, query=query, limit=asked, refresh_ttl=False)],
                )
            except Exception as error:  # the store embeds the query with a model of its own
                raise EmbeddingUnavailableError(
                    f"the store's semantic search failed: {error!r}"
                ) from error
            items = cast(list[SearchItem], found)
            ranked = [
                (_memory(item.value), float(item.score))
                for item in items
                if item.score is not None
                and item.namespace == ns.items
                and item.value.get("user_id") == user_id
                and not _expired(item.value, at)
            ]
            if len(items) < asked or (limit is not None and len(ranked) >= limit):
                return ranked[:limit]
            asked *= 4

    async def _keyword_candidates(
        self, io: Io, user_id: str, terms: Sequence[str], *, scope: Scope = USER_SCOPE
    ) -> KeywordCandidates:
        stored = await self._load(io, user_id, scope)
        documents = [
            Document(
                v["memory_id"],
                v["memory"],
                v["topics"],
                datetime.fromisoformat(v["updated_at"]),
                v["seq"],
            )
            for v in stored.live(scope.now()).values()
        ]
        return keyword_candidates_of(documents, terms)

    async def _vectors_by_id(
        self, io: Io, user_id: str, scope: Scope
    ) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
        """The user's live memories, and the vectors made from their current text, by
        memory id.

        A vector of older text (a writer raced the embedder) is ignored, as if missing.
        """
        live = (await self._load(io, user_id, scope)).live(scope.now())
        ns = self._namespaces(user_id, scope)
        [found] = await _read_all(
            io, self.store, lambda limit: SearchOp(ns.vectors, limit=limit, refresh_ttl=False)
        )
        vectors = {
            item.key: item.value
            for item in cast(list[Item], found)
            if item.namespace == ns.vectors
            and item.value.get("user_id") == user_id
            and item.value["memory"] == live.get(item.key, {}).get("memory")
        }
        return live, vectors

    async def _set_vectors(
        self,
        io: Io,
        user_id: str,
        model: str,
        vectors: Sequence[MemoryVector],
        *,
        scope: Scope = USER_SCOPE,
    ) -> int:
        arrays = [as_vector(v.vector) for v in vectors]
        stored = await self._load(io, user_id, scope)
        ns = self._namespaces(user_id, scope)
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
            if stored.values.get(item.memory_id, {}).get("memory") == item.memory
        ]
        if writes:
            await _batch(io, self.store, writes)
        return len(writes)

    async def _unembedded(
        self,
        io: Io,
        user_id: str,
        model: str,
        dimensions: int | None,
        limit: int,
        *,
        scope: Scope = USER_SCOPE,
    ) -> list[UserMemory]:
        live, vectors = await self._vectors_by_id(io, user_id, scope)
        return [
            _memory(value)
            for value in sorted(live.values(), key=lambda v: v["seq"])
            if not _made_by(vectors.get(value["memory_id"]), model, dimensions)
        ][:limit]

    async def _vectors(
        self, io: Io, user_id: str, model: str, dimensions: int, *, scope: Scope = USER_SCOPE
    ) -> UserVectors:
        live, vectors = await self._vectors_by_id(io, user_id, scope)
        mine = [key for key, v in vectors.items() if _made_by(v, model, dimensions)]
        foreign = [v for v in vectors.values() if not _made_by(v, model, dimensions)]
        return UserVectors(
            memory_ids=mine,
            matrix=unit_rows(
                [base64.b64decode(vectors[key]["vector"]) for key in mine], dimensions
            ),
            foreign=(
                (foreign[0]["model"], foreign[0]["dimensions"], len(foreign)) if foreign else None
            ),
            unembedded=len(live) - len(vectors),
        )

    async def _history(
        self, io: Io, user_id: str, memory_id: str, *, scope: Scope = USER_SCOPE
    ) -> list[MemoryEvent]:
        ns = self._namespaces(user_id, scope)
        [found] = await _read_all(
            io,
            self.store,
            lambda limit: SearchOp(
                ns.history, filter={"memory_id": memory_id}, limit=limit, refresh_ttl=False
            ),
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

    async def _write_summary(
        self,
        io: Io,
        user_id: str,
        session_id: str,
        summary: SessionSummary | None,
        context: WriteContext,
    ) -> SummaryPlan:
        ns = self._namespaces(user_id)
        [found] = await _batch(io, self.store, [GetOp(ns.summaries, session_id)])
        previous = _owned_summary(cast(Item | None, found), user_id)
        plan = plan_summary(user_id, session_id, previous, summary, context)
        if plan.event is None:
            return plan
        kept = None if plan.summary is None else plan.summary.to_dict()
        key = f"{plan.event.at.isoformat()}-{uuid.uuid4().hex[:8]}"
        await _batch(
            io,
            self.store,
            [
                PutOp(ns.summaries, session_id, kept, index=False),
                PutOp(ns.summary_history, key, plan.event.to_dict(), index=False),
            ],
        )
        return plan

    async def _get_summaries(
        self, io: Io, user_id: str, session_id: str | None = None
    ) -> list[SessionSummary]:
        ns = self._namespaces(user_id)
        if session_id is not None:
            [found] = await _batch(io, self.store, [GetOp(ns.summaries, session_id)])
            summary = _owned_summary(cast(Item | None, found), user_id)
            return [] if summary is None else [summary]
        [listed] = await _read_all(
            io, self.store, lambda limit: SearchOp(ns.summaries, limit=limit)
        )
        summaries = [
            summary
            for item in cast(list[Item], listed)
            if item.namespace == ns.summaries
            and (summary := _owned_summary(item, user_id)) is not None
        ]
        return sorted(summaries, key=lambda s: (-_timestamp(s.updated_at), s.session_id or ""))

    async def _summary_history(self, io: Io, user_id: str, session_id: str) -> list[SummaryEvent]:
        ns = self._namespaces(user_id)
        [found] = await _read_all(
            io,
            self.store,
            lambda limit: SearchOp(
                ns.summary_history, filter={"session_id": session_id}, limit=limit
            ),
        )
        mine = sorted(
            (
                item
                for item in cast(list[Item], found)
                if item.namespace == ns.summary_history
                and item.value.get("user_id") == user_id
                and item.value.get("session_id") == session_id
            ),
            key=lambda item: item.key,
        )
        return [SummaryEvent.model_validate(item.value) for item in mine]

    # -- thread owners and erasure -------------------------------------------------

    @property
    def _threads(self) -> tuple[str, ...]:
        return (*self.namespace_prefix, _THREADS)

    async def _claim_thread(self, io: Io, user_id: str, thread_id: str) -> str:
        mine = _claim_key(thread_id, user_id)
        claims = await self._search_all(io, self._threads, {"thread_id": thread_id})
        if not claims:
            value = {"thread_id": thread_id, "user_id": user_id}
            await _batch(io, self.store, [PutOp(self._threads, mine, value, index=False)])
            claims = await self._search_all(io, self._threads, {"thread_id": thread_id})
        first = min(claims, key=lambda item: (item.created_at, item.key), default=None)
        if first is None:  # a store that does not read its own writes at once
            return user_id
        owner = str(first.value["user_id"])
        if owner != user_id and any(item.key == mine for item in claims):
            await _batch(io, self.store, [PutOp(self._threads, mine, None)])
        return owner

    async def _user_threads(self, io: Io, user_id: str) -> list[str]:
        claims = await self._search_all(io, self._threads, {"user_id": user_id})
        return [str(item.value["thread_id"]) for item in claims]

    async def _erase_user(self, io: Io, user_id: str) -> EraseResult:
        """Every item under the user's namespaces (their agents' too) and their claims,
        page by page until none is left."""
        counts = dict.fromkeys(_COUNTED.values(), 0)
        user = (*self.namespace_prefix, namespace_label(user_id))
        while True:
            [found] = await _batch(io, self.store, [SearchOp(user, limit=FIRST_READ_LIMIT)])
            items = [
                item for item in cast(list[Item], found) if item.namespace[: len(user)] == user
            ]
            if not items:
                break
            for item in items:
                if item.namespace[-1] in _COUNTED:
                    counts[_COUNTED[item.namespace[-1]]] += 1
            await _batch(io, self.store, [PutOp(i.namespace, i.key, None) for i in items])
        claims = await self._search_all(io, self._threads, {"user_id": user_id})
        if claims:
            await _batch(io, self.store, [PutOp(i.namespace, i.key, None) for i in claims])
        return EraseResult(**counts, threads=len(claims))

    async def _erase_sessions(self, io: Io, thread_ids: Sequence[str]) -> tuple[int, int]:
        """The threads' archived runs, kept in this store beside the memories (under
        LangGraph Server its checkpoints are the server's: delete its threads there)."""
        return 0, await erase_archive(io, self.store, thread_ids)

    async def _awaited(self, run: Callable[[Io], Coroutine[Any, Any, T]]) -> T:
        """Await the body: a store's `abatch` is its own async I/O."""
        return await run(AWAITING)


def _owned_summary(item: Item | None, user_id: str) -> SessionSummary | None:
    """The summary an item holds, if it is this user's (whatever a store's matching does)."""
    if item is None or item.value.get("user_id") != user_id:
        return None
    return SessionSummary.model_validate(item.value)


def _timestamp(moment: datetime | None) -> float:
    return moment.timestamp() if moment is not None else 0.0


def _made_by(vector: dict[str, Any] | None, model: str, dimensions: int | None) -> bool:
    return (
        vector is not None
        and vector["model"] == model
        and dimensions in (None, vector["dimensions"])
    )
