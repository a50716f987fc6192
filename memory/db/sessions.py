"""The agent's sessions where a backend hosts them: erased with the user who owns them.

`graphs.sessions` keeps an agent's checkpoints (LangGraph's savers) and its
session archive (LangGraph's stores, under `memory.db.namespaces.ARCHIVE_PREFIX`) in the memories'
own SQLite file or PostgreSQL database, or, under LangGraph Server, the archive
in the run's store. A backend hosting them deletes a thread's share of both
through LangGraph's own API, so erasing a user reaches their sessions too.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

from memory.db.namespaces import archive_namespace
from memory.twins import Io

if TYPE_CHECKING:  # LangGraph's types load with the sessions, not with every backend
    from langgraph.checkpoint.base import BaseCheckpointSaver
    from langgraph.store.base import BaseStore, Item

_PAGE = 1_000


async def erase_archive(io: Io, store: BaseStore, thread_ids: Sequence[str]) -> int:
    """Delete the archived runs of these threads; returns how many there were."""
    from langgraph.store.base import PutOp, SearchOp

    erased = 0
    for thread_id in thread_ids:
        namespace = archive_namespace(thread_id)
        while True:
            [found] = await io.call(store.batch, store.abatch, [SearchOp(namespace, limit=_PAGE)])
            items = [item for item in cast("list[Item]", found) if item.namespace == namespace]
            if not items:
                break
            deletes = [PutOp(namespace, item.key, None) for item in items]
            await io.call(store.batch, store.abatch, deletes)
            erased += len(items)
    return erased


def erase_checkpoints(saver: BaseCheckpointSaver[Any], thread_ids: Sequence[str]) -> int:
    """Delete every checkpoint (and pending write) of these threads; returns how many."""
    erased = 0
    for thread_id in thread_ids:
        erased += sum(1 for _ in saver.list({"configurable": {"thread_id": thread_id}}))
        saver.delete_thread(thread_id)
    return erased
