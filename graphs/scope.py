"""Who a run acts for and where their memories live: read once per run, never from a model."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from langchain_core.embeddings import Embeddings
from langchain_core.language_models import BaseChatModel
from langchain_core.runnables import RunnableConfig
from langgraph.config import get_config
from langgraph.runtime import Runtime
from langgraph.store.base import BaseStore

from memory import Memory, MemoryAgentError
from memory.chat_models import ModelSpec, resolve_chat_model
from memory.db.store import StoreMemoryDb
from memory.errors import ModelConfigError
from memory.manager import MemoryUpdateResult
from memory.schema import validate_user_id
from memory.twins import Io

MODEL_ENV = "MEMORY_AGENT_MODEL"
"""Where a graph without a model (the Studio graph, the CLI) finds its "provider:model"."""
DEFAULT_MODEL = "openai:gpt-4.1-mini"
"""The model of the Studio graph and the CLI when nothing else names one."""
AUTH_USER_KEY = "langgraph_auth_user_id"
"""Where LangGraph Server puts the identity of an authenticated caller."""
AUTH_USER_OBJECT_KEY = "langgraph_auth_user"
"""Where LangGraph Server puts the authenticated user, which becomes `runtime.server_info.user`."""


class AgentConfigError(MemoryAgentError, ValueError):
    """A run lacks what it needs (a user id, a thread id, a model); no model was called.

    A ValueError, so LangGraph Server reports its message (it masks most other errors').
    """


def run_user(context: Any, config: RunnableConfig | None) -> str:
    """The user a run acts for: `context.user_id`, else `configurable.user_id`.

    Under LangGraph Server with authentication the caller's identity is the user,
    and a run naming someone else is refused, so no client reaches another
    user's memories by naming them.
    """
    configurable: Mapping[str, Any] = (config or {}).get("configurable") or {}
    user_id = context_field(context, "user_id") or configurable.get("user_id")
    authenticated = authenticated_user(configurable)
    if authenticated:
        if user_id and user_id != authenticated:
            raise AgentConfigError("the run names another user than the authenticated one")
        user_id = authenticated
    if not user_id:
        raise AgentConfigError(
            "no user_id: run with context={'user_id': ...} "
            "(or config={'configurable': {'user_id': ...}})"
        )
    return validate_user_id(user_id)


def authenticated_user(configurable: Mapping[str, Any]) -> str | None:
    """The identity LangGraph Server authenticated for the run: the user LangGraph makes
    `runtime.server_info.user` of, else the identity the server puts beside it."""
    user = configurable.get(AUTH_USER_OBJECT_KEY)
    identity = getattr(user, "identity", None) or configurable.get(AUTH_USER_KEY)
    return str(identity) if identity else None


def user_session(user_id: str) -> str:
    """The user's own default session: the same in every process, never another user's,
    and without the user id in it."""
    digest = hashlib.sha256(validate_user_id(user_id).encode()).hexdigest()
    return f"session-{digest[:24]}"


def run_thread(config: RunnableConfig | None) -> str | None:
    configurable: Mapping[str, Any] = (config or {}).get("configurable") or {}
    thread_id = configurable.get("thread_id")
    return None if thread_id is None else str(thread_id)


def context_field(context: Any, name: str) -> Any:
    """A field of a run's context, whether it is a dict, a dataclass or a pydantic model."""
    if isinstance(context, Mapping):
        return context.get(name)
    return getattr(context, name, None)


@dataclass(frozen=True)
class StoreMemory:
    """Memories kept in each run's LangGraph store, as under LangGraph Server.

    Use it where a `Memory` is expected when the store is only known at run time
    (`langgraph dev`, LangGraph Server): every run reads and writes the server's
    store under `namespace_prefix`. When the store has a semantic index
    (`store.index` in langgraph.json), it embeds the memories and ranks them by
    meaning, and `embeddings` are not used; else `embeddings`, when given, are
    embedded and kept beside the memories. `agent_id` and `default_ttl` are
    `Memory`'s.
    """

    delete_memories: bool = False
    clear_memories: bool = False
    embeddings: Embeddings | None = None
    namespace_prefix: tuple[str, ...] = ("memories",)
    agent_id: str | None = None
    default_ttl: timedelta | None = None
    _latest: list[tuple[BaseStore, Memory]] = field(
        default_factory=list, init=False, repr=False, compare=False
    )
    """The Memory of the latest store, reused while runs bring the same store (a
    server's), so what works on it across runs (a deferred-extraction worker) is shared."""

    def memory(self, store: BaseStore | None) -> Memory:
        if store is None:
            raise AgentConfigError(
                "no store for the memories: run on LangGraph Server, compile with store=..., "
                "or pass a Memory instead of StoreMemory()"
            )
        for latest, memory in self._latest:
            if latest is store:
                return memory
        db = StoreMemoryDb(store, self.namespace_prefix)
        memory = Memory(
            db=db,
            delete_memories=self.delete_memories,
            clear_memories=self.clear_memories,
            embeddings=None if db.semantic_index else self.embeddings,
            agent_id=self.agent_id,
            default_ttl=self.default_ttl,
        )
        self._latest[:] = [(store, memory)]
        return memory


MemorySource = Memory | StoreMemory
"""A `Memory`, or `StoreMemory()` for the memories in the run's LangGraph store."""


def run_memory(source: MemorySource, store: BaseStore | None) -> Memory:
    return source.memory(store) if isinstance(source, StoreMemory) else source


def run_model(spec: ModelSpec | None, context: Any) -> BaseChatModel:
    """The agent's model: as built, else `context.model`, else $MEMORY_AGENT_MODEL, else
    the default, as the CLI chooses; its credentials missing is an `AgentConfigError`."""
    chosen = spec or context_field(context, "model") or os.environ.get(MODEL_ENV) or DEFAULT_MODEL
    try:
        return resolve_chat_model(chosen)
    except ModelConfigError as error:
        raise AgentConfigError(str(error)) from error


def memory_started(source: str) -> dict[str, Any]:
    return {"type": "memory_update", "source": source, "status": "started"}


def memory_completed(source: str, result: MemoryUpdateResult) -> dict[str, Any]:
    return {
        "type": "memory_update",
        "source": source,
        "status": "completed",
        "changes": [event.to_dict() for event in result.events],
        "refused": [refused.model_dump() for refused in result.refused],
        "input_tokens": result.input_tokens,
        "output_tokens": result.output_tokens,
    }


def memory_failed(source: str, error: Exception) -> dict[str, Any]:
    return {"type": "memory_update", "source": source, "status": "failed", "error": str(error)}


async def claim_run_thread(io: Io, memory: MemorySource, runtime: Runtime[Any]) -> None:
    """Check the run's user, and claim its thread for them: a thread belongs to the user
    of its first run, and a run of anyone else on it raises `ThreadOwnershipError`."""
    config = get_config()
    user_id = run_user(runtime.context, config)
    thread_id = run_thread(config)
    if thread_id is not None:
        source = run_memory(memory, runtime.store)
        await io.call(source.claim_thread, source.aclaim_thread, user_id, thread_id)
