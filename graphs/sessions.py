"""Where an agent keeps its sessions when the app does not say: beside the user's memories.

With memories in a SQLite file, checkpoints and the session archive go in the same
file, on connections the `SqliteMemoryDb` opens and closes with itself, so closing
the `Memory` (or leaving its `with` block) closes everything the agent opened.
LangGraph's `SqliteSaver` and `SqliteStore` are sync only; here their async twins
run the sync calls in a worker thread, so `ainvoke` and `astream` work as well.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Sequence
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import (
    BaseCheckpointSaver,
    ChannelVersions,
    Checkpoint,
    CheckpointMetadata,
    CheckpointTuple,
)
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.checkpoint.sqlite import SqliteSaver
from langgraph.store.base import BaseStore, Op, Result
from langgraph.store.memory import InMemoryStore
from langgraph.store.sqlite import SqliteStore

from graphs.scope import MemorySource, StoreMemory
from memory import SqliteMemoryDb
from memory.db.store import StoreMemoryDb
from memory.twins import offload


class ThreadedSqliteSaver(SqliteSaver):
    """LangGraph's SqliteSaver, with async twins that run its sync methods in a thread."""

    async def aget_tuple(self, config: RunnableConfig) -> CheckpointTuple | None:
        return await offload(self.get_tuple, config)

    async def alist(
        self,
        config: RunnableConfig | None,
        *,
        filter: dict[str, Any] | None = None,
        before: RunnableConfig | None = None,
        limit: int | None = None,
    ) -> AsyncIterator[CheckpointTuple]:
        def collect() -> list[CheckpointTuple]:
            return list(self.list(config, filter=filter, before=before, limit=limit))

        for checkpoint in await offload(collect):
            yield checkpoint

    async def aput(
        self,
        config: RunnableConfig,
        checkpoint: Checkpoint,
        metadata: CheckpointMetadata,
        new_versions: ChannelVersions,
    ) -> RunnableConfig:
        return await offload(self.put, config, checkpoint, metadata, new_versions)

    async def aput_writes(
        self,
        config: RunnableConfig,
        writes: Sequence[tuple[str, Any]],
        task_id: str,
        task_path: str = "",
    ) -> None:
        await offload(self.put_writes, config, writes, task_id, task_path)

    async def adelete_thread(self, thread_id: str) -> None:
        await offload(self.delete_thread, thread_id)


class ThreadedSqliteStore(SqliteStore):
    """LangGraph's SqliteStore, with `abatch` running `batch` in a thread."""

    async def abatch(self, ops: Iterable[Op]) -> list[Result]:
        return await offload(self.batch, list(ops))


def default_checkpointer(memory: MemorySource) -> BaseCheckpointSaver[Any] | None:
    """Checkpoints in the memories' SQLite file when there is one, else in process;
    none for memories in the run's store, where LangGraph Server brings its own."""
    if isinstance(memory, StoreMemory):
        return None
    db = memory.db
    if isinstance(db, SqliteMemoryDb) and not db.in_process:
        return ThreadedSqliteSaver(db.connect())
    return InMemorySaver()


def default_archive(memory: MemorySource) -> BaseStore | None:
    """The session archive in the memories' SQLite file, in the LangGraph store that
    holds the memories, or else in process; the run's store for `StoreMemory`."""
    if isinstance(memory, StoreMemory):
        return None
    db = memory.db
    if isinstance(db, SqliteMemoryDb) and not db.in_process:
        store = ThreadedSqliteStore(db.connect(autocommit=True))
        store.setup()
        return store
    if isinstance(db, StoreMemoryDb):
        return db.store
    return InMemoryStore()
