"""Where an agent keeps its sessions when the app does not say: beside the user's memories.

With memories in a SQLite file, checkpoints and the session archive go in the same
file; with memories in PostgreSQL, in the same database (LangGraph's
`PostgresSaver` and `PostgresStore`). Either way on connections the memories'
backend opens and closes with itself (on PostgreSQL, its one pool: however many
agents share the database, they open no pool of their own), so closing the `Memory`
(or leaving its `with` block) closes everything the agent opened. LangGraph's SQLite and
PostgreSQL savers are sync; awaited calls here run them in a worker thread, or,
when the memories' database has an async pool in the running event loop, go to
`AsyncPostgresSaver`, so `ainvoke` and `astream` work as well.
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
from langgraph.checkpoint.postgres import PostgresSaver
from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
from langgraph.checkpoint.sqlite import SqliteSaver
from langgraph.store.base import BaseStore, Op, Result
from langgraph.store.memory import InMemoryStore
from langgraph.store.postgres import PostgresStore
from langgraph.store.sqlite import SqliteStore

from graphs.scope import MemorySource, StoreMemory
from memory import PostgresMemoryDb, SqliteMemoryDb
from memory.db.sessions import erase_archive, erase_checkpoints
from memory.db.store import StoreMemoryDb
from memory.twins import BLOCKING, offload, run_sync


class ThreadedSaver(BaseCheckpointSaver[Any]):
    """Async twins for a sync saver: a native async saver when there is one, else a thread."""

    async def _native(self) -> BaseCheckpointSaver[Any] | None:
        return None

    async def aget_tuple(self, config: RunnableConfig) -> CheckpointTuple | None:
        native = await self._native()
        if native is not None:
            return await native.aget_tuple(config)
        return await offload(self.get_tuple, config)

    async def alist(
        self,
        config: RunnableConfig | None,
        *,
        filter: dict[str, Any] | None = None,
        before: RunnableConfig | None = None,
        limit: int | None = None,
    ) -> AsyncIterator[CheckpointTuple]:
        native = await self._native()
        if native is not None:
            async for checkpoint in native.alist(config, filter=filter, before=before, limit=limit):
                yield checkpoint
            return

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
        native = await self._native()
        if native is not None:
            return await native.aput(config, checkpoint, metadata, new_versions)
        return await offload(self.put, config, checkpoint, metadata, new_versions)

    async def aput_writes(
        self,
        config: RunnableConfig,
        writes: Sequence[tuple[str, Any]],
        task_id: str,
        task_path: str = "",
    ) -> None:
        native = await self._native()
        if native is not None:
            await native.aput_writes(config, writes, task_id, task_path)
        else:
            await offload(self.put_writes, config, writes, task_id, task_path)

    async def adelete_thread(self, thread_id: str) -> None:
        native = await self._native()
        if native is not None:
            await native.adelete_thread(thread_id)
        else:
            await offload(self.delete_thread, thread_id)


class ThreadedSqliteSaver(ThreadedSaver, SqliteSaver):
    """LangGraph's SqliteSaver, its async twins in a worker thread."""


class PostgresSessionSaver(ThreadedSaver, PostgresSaver):
    """LangGraph's PostgresSaver on the memories' database; `AsyncPostgresSaver` for
    awaited calls in the event loop where that database has an async pool."""

    def __init__(self, db: PostgresMemoryDb) -> None:
        super().__init__(db.pool())
        self.db = db
        self._async: AsyncPostgresSaver | None = None

    async def _native(self) -> BaseCheckpointSaver[Any] | None:
        pool = self.db.async_pool()
        if pool is None:
            return None
        if self._async is None or self._async.conn is not pool:
            self._async = AsyncPostgresSaver(pool)
        return self._async


class ThreadedSqliteStore(SqliteStore):
    """LangGraph's SqliteStore, with `abatch` running `batch` in a thread."""

    async def abatch(self, ops: Iterable[Op]) -> list[Result]:
        return await offload(self.batch, list(ops))


def default_checkpointer(memory: MemorySource) -> BaseCheckpointSaver[Any] | None:
    """Checkpoints in the memories' SQLite file or PostgreSQL database, else in process
    (erased with their user by `memory.erase_user`, as the others are); none for
    memories in the run's store, where LangGraph Server brings its own."""
    if isinstance(memory, StoreMemory):
        return None
    db = memory.db
    if isinstance(db, SqliteMemoryDb) and not db.in_process:
        return ThreadedSqliteSaver(db.connect())
    if isinstance(db, PostgresMemoryDb):
        saver = PostgresSessionSaver(db)
        with db.exclusively():
            saver.setup()
        return saver
    in_process = InMemorySaver()
    memory.on_erase(lambda threads: (erase_checkpoints(in_process, threads), 0))
    return in_process


def default_archive(memory: MemorySource) -> BaseStore | None:
    """The session archive beside the memories (their SQLite file, their PostgreSQL
    database, the LangGraph store holding them), or else in process; the run's
    store for `StoreMemory`."""
    if isinstance(memory, StoreMemory):
        return None
    db = memory.db
    if isinstance(db, SqliteMemoryDb) and not db.in_process:
        sqlite_store = ThreadedSqliteStore(db.connect(autocommit=True))
        sqlite_store.setup()
        return sqlite_store
    if isinstance(db, PostgresMemoryDb):
        postgres_store = PostgresStore(db.pool())
        with db.exclusively():
            postgres_store.setup()
        return postgres_store
    if isinstance(db, StoreMemoryDb):
        return db.store
    in_process = InMemoryStore()
    memory.on_erase(lambda threads: (0, run_sync(erase_archive(BLOCKING, in_process, threads))))
    return in_process
