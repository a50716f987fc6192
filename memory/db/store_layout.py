"""How `StoreMemoryDb` lays out its data in a LangGraph store, and what its parts share:
namespaces, keys, and reads and writes in few round trips."""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar, cast

from langgraph.store.base import BaseStore, Item, Op, PutOp, Result, SearchOp

from memory.db.base import USER_SCOPE, MemoryDb, Scope
from memory.db.namespaces import namespace_label
from memory.schema import utc
from memory.twins import AWAITING, Io

T = TypeVar("T")
FIRST_READ_LIMIT = 1_000
"""How many items a read asks for first; it asks again for more when that is not all."""
ITEMS, HISTORY, META, VECTORS, AGENTS = "items", "history", "meta", "vectors", "agents"
SUMMARIES, SUMMARY_HISTORY = "summaries", "summary_history"
PENDING = "pending"
THREADS = "#threads"
"""The label of the thread owners' namespace: no user's label (`namespace_label`) has "#"."""
COUNTED = {
    ITEMS: "memories",
    HISTORY: "memory_history",
    VECTORS: "vectors",
    SUMMARIES: "session_summaries",
    SUMMARY_HISTORY: "summary_history",
    PENDING: "pending_messages",
}
"""What `erase_user` counts of the items of each of a user's namespaces."""
SEQUENCE_KEY = "sequence"


@dataclass(frozen=True)
class Namespaces:
    items: tuple[str, ...]
    history: tuple[str, ...]
    meta: tuple[str, ...]
    vectors: tuple[str, ...]
    summaries: tuple[str, ...]
    summary_history: tuple[str, ...]
    pending: tuple[str, ...]


def moment(at: datetime) -> str:
    return utc(at).isoformat(timespec="microseconds")


async def batch(io: Io, store: BaseStore, ops: Sequence[Op]) -> list[Result]:
    """One round trip: `store.batch(ops)`, or `store.abatch(ops)` when awaited."""
    return await io.call(store.batch, store.abatch, list(ops))


async def put_all(io: Io, store: BaseStore, puts: Sequence[PutOp]) -> int:
    """Write `puts` in one round trip (none when there are none); returns how many."""
    if puts:
        await batch(io, store, puts)
    return len(puts)


async def read_all(io: Io, store: BaseStore, read: Callable[[int], Op], *also: Op) -> list[Result]:
    """Run `read(limit)` (and `also`) with a growing limit until `read` comes back short.

    Stores search 10 items unless told otherwise. Growing one query instead of
    paging with offsets means nothing is skipped or repeated where the store's
    order has ties (PostgresStore orders by updated_at, shared by a whole batch).
    """
    limit = FIRST_READ_LIMIT
    while True:
        results = await batch(io, store, [read(limit), *also])
        if len(cast(list[Any], results[0])) < limit:
            return results
        limit *= 4


class StoreBacked(MemoryDb):
    """What the parts of `StoreMemoryDb` share: the store, the namespaces under its
    prefix, and awaiting the store's own async I/O."""

    store: BaseStore
    namespace_prefix: tuple[str, ...]

    def _namespaces(self, user_id: str, scope: Scope = USER_SCOPE) -> Namespaces:
        """The user's namespaces; memories, their history, vectors and pending messages
        are the scope's agent's, while session summaries are the user's alone."""
        user = (*self.namespace_prefix, namespace_label(user_id))
        owner = user if scope.agent_id is None else (*user, AGENTS, namespace_label(scope.agent_id))
        return Namespaces(
            items=(*owner, ITEMS),
            history=(*owner, HISTORY),
            meta=(*owner, META),
            vectors=(*owner, VECTORS),
            summaries=(*user, SUMMARIES),
            summary_history=(*user, SUMMARY_HISTORY),
            pending=(*owner, PENDING),
        )

    async def _search_all(
        self, io: Io, namespace: tuple[str, ...], filter: dict[str, Any] | None = None
    ) -> list[Item]:
        """Every item of exactly `namespace` (matching `filter`)."""
        [found] = await read_all(
            io, self.store, lambda limit: SearchOp(namespace, filter=filter, limit=limit)
        )
        return [item for item in cast(list[Item], found) if item.namespace == namespace]

    @property
    def _threads(self) -> tuple[str, ...]:
        return (*self.namespace_prefix, THREADS)

    async def _awaited(self, run: Callable[[Io], Coroutine[Any, Any, T]]) -> T:
        """Await the body: a store's `abatch` is its own async I/O."""
        return await run(AWAITING)
