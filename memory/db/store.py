"""StoreMemoryDb: memories in any LangGraph BaseStore, such as LangGraph Server's own store."""

from __future__ import annotations

import base64
import json
import os
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, cast
from urllib.parse import unquote

from langgraph.store.base import (
    BaseStore,
    GetOp,
    Item,
    ListNamespacesOp,
    MatchCondition,
    PutOp,
    SearchItem,
    SearchOp,
)

from memory.db.base import (
    AS_ADDED,
    USER_SCOPE,
    Document,
    KeywordCandidates,
    ListQuery,
    MemoryVector,
    MissingVectors,
    Scope,
    ScoredMemories,
    UserVectors,
    WriteBatch,
    keyword_candidates_of,
)
from memory.db.namespaces import namespace_label
from memory.db.sessions import erase_archive
from memory.db.store_layout import (
    AGENTS,
    COUNTED,
    FIRST_READ_LIMIT,
    ITEMS,
    SEQUENCE_KEY,
    batch,
    put_all,
    read_all,
)
from memory.db.store_pending import StorePending
from memory.db.store_sessions import StoreSessions
from memory.db.vectors import as_vector, unit_rows
from memory.errors import EmbeddingUnavailableError, InvalidInputError
from memory.planner import plan_writes
from memory.schema import EraseResult, MemoryEvent, UserMemory, utc
from memory.text import normalized_text
from memory.twins import Io

TEXT_FIELD = "memory"
"""The only field of a memory item a store's semantic index embeds: its text."""
SERVER_STORE_ENV = "LANGGRAPH_STORE"
"""Where LangGraph Server (and `langgraph dev`) puts langgraph.json's `store` settings."""


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


class StoreMemoryDb(StorePending, StoreSessions):
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

    def _ttl(self, memory: UserMemory, at: datetime) -> float | None:
        """The store's TTL, in minutes, of a memory that expires, when the store has TTLs."""
        if memory.expires_at is None or not self.store.supports_ttl:
            return None
        return (memory.expires_at - utc(at)).total_seconds() / 60

    async def _load(self, io: Io, user_id: str, scope: Scope) -> _Stored:
        ns = self._namespaces(user_id, scope)
        found, counter = await read_all(
            io,
            self.store,
            lambda limit: SearchOp(ns.items, limit=limit, refresh_ttl=False),
            GetOp(ns.meta, SEQUENCE_KEY, refresh_ttl=False),
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
        self, io: Io, user_id: str, writes: WriteBatch, *, scope: Scope = USER_SCOPE
    ) -> list[MemoryEvent]:
        settled = await self._settle(io, user_id, scope, writes.context.settles)
        stored = await self._load(io, user_id, scope)
        current = [_memory(v) for v in stored.listed()]
        plan = plan_writes(user_id, current, writes.ops, writes.context, agent_id=scope.agent_id)
        if not plan.events:
            await put_all(io, self.store, settled)
            return plan.events
        ns = self._namespaces(user_id, scope)
        seq = stored.next_seq
        puts: list[PutOp] = list(settled)

        def put(memory: UserMemory, seq: int, embed: bool) -> PutOp:
            # Only a new text is embedded, so each text costs the store one embedding.
            index: Literal[False] | list[str] = [TEXT_FIELD] if embed else False
            ttl = self._ttl(memory, writes.context.at)
            return PutOp(ns.items, str(memory.memory_id), _value(memory, seq), index, ttl)

        for memory in plan.inserts:
            puts.append(put(memory, seq, embed=True))
            seq += 1
        for old, new in plan.updates:
            seq_of_old = stored.values[str(old.memory_id)]["seq"]
            puts.append(put(new, seq_of_old, embed=new.memory != old.memory))
            if new.memory != old.memory:
                # A vector is only ever used with the text it was made from (see
                # `_vectors`); dropping it with that text keeps dead vectors out.
                puts.append(PutOp(ns.vectors, str(old.memory_id), None))
        for old in plan.deletes:
            puts.append(PutOp(ns.items, str(old.memory_id), None))
            puts.append(PutOp(ns.vectors, str(old.memory_id), None))
        for event in plan.events:
            # Sortable by eye, and unique even when two writers race for one number.
            key = f"{seq:012d}-{uuid.uuid4().hex[:8]}"
            puts.append(PutOp(ns.history, key, {**event.to_dict(), "seq": seq}, index=False))
            seq += 1
        counter = {"user_id": user_id, "next": seq}
        puts.append(PutOp(ns.meta, SEQUENCE_KEY, counter, index=False))
        await batch(io, self.store, puts)
        return plan.events

    async def _user_ids(self, io: Io, *, scope: Scope = USER_SCOPE) -> list[str]:
        """Every user with a memory namespace of the scope under this prefix."""
        suffix: tuple[str, ...] = (ITEMS,)
        if scope.agent_id is not None:
            suffix = (AGENTS, namespace_label(scope.agent_id), ITEMS)
        depth = len(self.namespace_prefix) + 1 + len(suffix)
        conditions = (
            MatchCondition("prefix", self.namespace_prefix),
            MatchCondition("suffix", suffix),
        )
        [found] = await read_all(
            io, self.store, lambda limit: ListNamespacesOp(conditions, limit=limit)
        )
        namespaces = [ns for ns in cast(list[tuple[str, ...]], found) if len(ns) == depth]
        if not namespaces:
            return []
        # Some stores keep listing a namespace whose items were all deleted.
        samples = await batch(
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
        items = await batch(
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
        self, io: Io, user_id: str, query: ListQuery = AS_ADDED, *, scope: Scope = USER_SCOPE
    ) -> list[UserMemory]:
        stored = await self._load(io, user_id, scope)
        values = sorted(
            stored.live(scope.now()).values(),
            key=lambda v: (v[query.order_by], v["seq"]),
            reverse=query.newest_first,
        )
        return [_memory(v) for v in values[: query.limit]]

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
                [found] = await batch(
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
        [found] = await read_all(
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
        self, io: Io, user_id: str, vectors: Sequence[MemoryVector], *, scope: Scope = USER_SCOPE
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
                    "model": item.model,
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
        return await put_all(io, self.store, writes)

    async def _unembedded(
        self, io: Io, user_id: str, missing: MissingVectors, *, scope: Scope = USER_SCOPE
    ) -> list[UserMemory]:
        live, vectors = await self._vectors_by_id(io, user_id, scope)
        return [
            _memory(value)
            for value in sorted(live.values(), key=lambda v: v["seq"])
            if not _made_by(vectors.get(value["memory_id"]), missing.model, missing.dimensions)
        ][: missing.limit]

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
        [found] = await read_all(
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

    async def _erase_user(self, io: Io, user_id: str) -> EraseResult:
        """Every item under the user's namespaces (their agents' too) and their claims,
        page by page until none is left."""
        counts = dict.fromkeys(COUNTED.values(), 0)
        user = (*self.namespace_prefix, namespace_label(user_id))
        while True:
            [found] = await batch(io, self.store, [SearchOp(user, limit=FIRST_READ_LIMIT)])
            items = [
                item for item in cast(list[Item], found) if item.namespace[: len(user)] == user
            ]
            if not items:
                break
            for item in items:
                if item.namespace[-1] in COUNTED:
                    counts[COUNTED[item.namespace[-1]]] += 1
            await batch(io, self.store, [PutOp(i.namespace, i.key, None) for i in items])
        claims = await self._search_all(io, self._threads, {"user_id": user_id})
        if claims:
            await batch(io, self.store, [PutOp(i.namespace, i.key, None) for i in claims])
        return EraseResult(**counts, threads=len(claims))

    def session_checkpointer(self) -> None:
        """None: under LangGraph Server the server keeps the checkpoints; elsewhere an
        app that wants them durable gives the agent a saver of its own."""
        return None

    def session_archive(self) -> BaseStore:
        """This store: archived runs live beside the memories, under their own prefix."""
        return self.store

    async def _erase_sessions(self, io: Io, thread_ids: Sequence[str]) -> tuple[int, int]:
        """The threads' archived runs, kept in this store beside the memories (under
        LangGraph Server its checkpoints are the server's: delete its threads there)."""
        return 0, await erase_archive(io, self.store, thread_ids)


def _made_by(vector: dict[str, Any] | None, model: str, dimensions: int | None) -> bool:
    return (
        vector is not None
        and vector["model"] == model
        and dimensions in (None, vector["dimensions"])
    )
