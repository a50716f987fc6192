"""LangGraph savers and stores that a `SessionHost` lends an agent for its sessions.

LangGraph's SQLite and PostgreSQL savers are sync; awaited calls here run them in a
worker thread or, when the memories' PostgreSQL database has an async pool in the
running event loop, go to `AsyncPostgresSaver`, so `ainvoke` and `astream` work as
well. A backend builds them on its own connections (`session_checkpointer`,
`session_archive`), so closing the backend closes them.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import (
    BaseCheckpointSaver,
    ChannelVersions,
    Checkpoint,
    CheckpointMetadata,
    CheckpointTuple,
)
from langgraph.checkpoint.postgres import PostgresSaver
from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
from langgraph.checkpoint.sqlite import SqliteSaver
from langgraph.store.base import Op, Result
from langgraph.store.sqlite import SqliteStore
from psycopg_pool import AsyncConnectionPool, ConnectionPool

from memory.twins import offload

logger = logging.getLogger(__name__)

SETUP_ATTEMPTS = 5
"""Tries of `ThreadedSqliteStore.setup` while another process sets the same file up."""


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


class ThreadedSqliteStore(SqliteStore):
    """LangGraph's SqliteStore, with `abatch` running `batch` in a thread, and a setup
    that tolerates another process setting the file up at the same moment."""

    def setup(self) -> None:
        """LangGraph's setup, tried again when it collides with another process's.

        It reads the file's migration version, then applies each missing migration
        and records it outside any transaction, so two first starts on one file can
        both apply the same one: the later fails (a version recorded twice, a column
        added twice). By then the other has applied it, so a retry from the version
        recorded carries on where that one is."""
        for attempt in range(1, SETUP_ATTEMPTS + 1):
            try:
                super().setup()
                return
            except sqlite3.DatabaseError as error:
                if attempt == SETUP_ATTEMPTS:
                    raise
                logger.info("session archive setup collided (%s); trying again", error)
                time.sleep(0.05 * attempt)

    async def abatch(self, ops: Iterable[Op]) -> list[Result]:
        return await offload(self.batch, list(ops))


AsyncPool = AsyncConnectionPool[Any]


class PostgresSessionSaver(ThreadedSaver, PostgresSaver):
    """LangGraph's PostgresSaver on the memories' pool; `AsyncPostgresSaver` for awaited
    calls in the event loop where `async_pool()` finds that database's async pool."""

    def __init__(self, pool: ConnectionPool[Any], async_pool: Callable[[], AsyncPool | None]):
        super().__init__(pool)
        self.async_pool = async_pool
        self._async: AsyncPostgresSaver | None = None

    async def _native(self) -> BaseCheckpointSaver[Any] | None:
        pool = self.async_pool()
        if pool is None:
            return None
        if self._async is None or self._async.conn is not pool:
            self._async = AsyncPostgresSaver(pool)
        return self._async
