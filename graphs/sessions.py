"""Where an agent keeps its sessions when the app does not say: beside the user's memories.

The memories' backend is asked whether it is a `SessionHost`: SQLite keeps
checkpoints and the session archive in the memories' file, PostgreSQL in their
database (LangGraph's `PostgresSaver` and `PostgresStore`), a LangGraph store
keeps the archive beside the memories. Either way on connections the backend
opens and closes with itself (on PostgreSQL, its one pool: however many agents
share the database, they open no pool of their own), so closing the `Memory` (or
leaving its `with` block) closes everything the agent opened. A backend that is
no session host leaves the sessions in process, erased with their user but lost
on restart, and a warning says so once per backend class (a host that keeps no
checkpoints, as a LangGraph store outside LangGraph Server, says so at INFO).
"""

from __future__ import annotations

import functools
import logging
from typing import Any

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.store.base import BaseStore
from langgraph.store.memory import InMemoryStore

from graphs.scope import MemorySource, StoreMemory
from memory.db.base import SessionHost
from memory.db.sessions import erase_archive, erase_checkpoints
from memory.twins import BLOCKING, run_sync

logger = logging.getLogger(__name__)


@functools.cache
def _warn_not_a_host(backend: type) -> None:
    logger.warning(
        "%s is not a SessionHost: the agent keeps its sessions in process, and they are lost "
        "when it exits; pass checkpointer= and store= to keep them",
        backend.__name__,
    )


@functools.cache
def _say_kept_in_process(backend: type, kept: str) -> None:
    logger.info("%s keeps no %s: the agent keeps them in process", backend.__name__, kept)


def _in_process(backend: type, kept: str) -> None:
    """Say, once per backend class, that the sessions' `kept` stay in process."""
    hosts = issubclass(backend, SessionHost)
    if hosts:
        _say_kept_in_process(backend, kept)
    else:
        _warn_not_a_host(backend)


def default_checkpointer(memory: MemorySource) -> BaseCheckpointSaver[Any] | None:
    """The checkpoints where the memories' backend keeps them, else in process (erased with
    their user by `memory.erase_user`, as the others are); none for memories in the run's
    store, where LangGraph Server brings its own."""
    if isinstance(memory, StoreMemory):
        return None
    db = memory.db
    saver = db.session_checkpointer() if isinstance(db, SessionHost) else None
    if saver is not None:
        return saver
    _in_process(type(db), "checkpoints")
    in_process = InMemorySaver()
    memory.on_erase(lambda threads: (erase_checkpoints(in_process, threads), 0))
    return in_process


def default_archive(memory: MemorySource) -> BaseStore | None:
    """The session archive where the memories' backend keeps it, or else in process; the
    run's store for `StoreMemory`."""
    if isinstance(memory, StoreMemory):
        return None
    db = memory.db
    store = db.session_archive() if isinstance(db, SessionHost) else None
    if store is not None:
        return store
    _in_process(type(db), "archived runs")
    in_process = InMemoryStore()
    memory.on_erase(lambda threads: (0, run_sync(erase_archive(BLOCKING, in_process, threads))))
    return in_process
