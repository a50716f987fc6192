"""What one run acts on: the agent settings, and the run's user, thread, memory and models."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from langchain_core.embeddings import Embeddings
from langchain_core.language_models import BaseChatModel
from langchain_core.runnables import RunnableConfig
from langgraph.constants import TAG_NOSTREAM
from langgraph.store.base import BaseStore

from graphs.history import SessionArchive
from memory import Memory, MemoryAgentError
from memory.chat_models import ModelSpec, resolve_chat_model
from memory.db.store import StoreMemoryDb
from memory.errors import ModelConfigError
from memory.manager import MemoryUpdateResult
from memory.retrieval import DEFAULT_TOKEN_BUDGET
from memory.schema import validate_user_id

MODEL_ENV = "MEMORY_AGENT_MODEL"
"""Where a graph without a model (the Studio graph, the CLI) finds its "provider:model"."""


class AgentConfigError(MemoryAgentError, ValueError):
    """A run lacks what it needs (a user id, a thread id, a model); no model was called.

    A ValueError, so LangGraph Server reports its message (it masks most other errors').
    """


AUTH_USER_KEY = "langgraph_auth_user_id"
"""Where LangGraph Server puts the identity of an authenticated caller."""


@dataclass(frozen=True)
class AgentSettings:
    """How an agent behaves; fixed when the graph is built. See `create_memory_agent`."""

    model: ModelSpec | None = None
    memory: Memory | None = None
    """`None`: memories live in the run's store (LangGraph Server), one Memory per run."""
    enable_agentic_memory: bool = False
    enable_user_memories: bool = False
    add_history_to_messages: bool = True
    num_history_runs: int = 3
    read_chat_history: bool = False
    instructions: str | None = None
    markdown: bool = False
    memory_token_budget: int = DEFAULT_TOKEN_BUDGET
    delete_memories: bool = False
    """With `memory=None`: may the memory model delete single memories."""
    clear_memories: bool = False
    """With `memory=None`: may the memory model forget all of a user's memories."""
    embeddings: Embeddings | None = None
    """With `memory=None`: the embedding model for semantic and hybrid retrieval."""

    @property
    def runs_kept(self) -> int:
        """Earlier runs the model sees, and so the runs a checkpoint keeps."""
        return self.num_history_runs if self.add_history_to_messages else 0


@dataclass(frozen=True)
class RunScope:
    """Everything one run acts on, resolved once from its context, config and store."""

    settings: AgentSettings
    user_id: str
    thread_id: str
    memory: Memory
    archive: SessionArchive | None
    context_model: str | None

    def chat_model(self) -> BaseChatModel:
        spec = self.settings.model or self.context_model or os.environ.get(MODEL_ENV)
        if not spec:
            raise AgentConfigError(
                f"no model: pass create_memory_agent(model=...), set {MODEL_ENV} "
                "(e.g. openai:gpt-4.1-mini), or send context={'model': ...}"
            )
        try:
            return resolve_chat_model(spec)
        except ModelConfigError as error:
            raise AgentConfigError(str(error)) from error

    def memory_model(self) -> BaseChatModel:
        """The memory's own model or the agent's, kept out of the answer's token stream."""
        model = resolve_chat_model(self.memory.model) if self.memory.model else self.chat_model()
        return model.model_copy(update={"tags": [*(model.tags or []), TAG_NOSTREAM]})


def resolve_scope(
    settings: AgentSettings, context: Any, config: RunnableConfig, store: BaseStore | None
) -> RunScope:
    """Read the user and thread of a run, failing clearly before any model is called."""
    configurable: Mapping[str, Any] = config.get("configurable") or {}
    user_id = _field(context, "user_id") or configurable.get("user_id")
    # Under LangGraph Server with authentication, the caller's identity is the user:
    # a client must not reach someone else's memories by naming them in `context`.
    authenticated = configurable.get(AUTH_USER_KEY)
    if authenticated:
        if user_id and user_id != authenticated:
            raise AgentConfigError(
                f"user_id {user_id!r} is not the authenticated user {authenticated!r}"
            )
        user_id = authenticated
    if not user_id:
        raise AgentConfigError(
            "no user_id: run with context={'user_id': ...} "
            "(or config={'configurable': {'user_id': ...}})"
        )
    thread_id = configurable.get("thread_id")
    if not thread_id:
        raise AgentConfigError("no thread_id: run with config={'configurable': {'thread_id': ...}}")
    memory = settings.memory
    if memory is None:
        if store is None:
            raise AgentConfigError("no memory: pass create_memory_agent(memory=...) or a store")
        memory = Memory(
            db=StoreMemoryDb(store),
            delete_memories=settings.delete_memories,
            clear_memories=settings.clear_memories,
            embeddings=settings.embeddings,
        )
    return RunScope(
        settings=settings,
        user_id=validate_user_id(user_id),
        thread_id=str(thread_id),
        memory=memory,
        archive=SessionArchive(store) if store is not None else None,
        context_model=_field(context, "model") or configurable.get("model"),
    )


def _field(context: Any, name: str) -> Any:
    if isinstance(context, Mapping):
        return context.get(name)
    return getattr(context, name, None)


def memory_completed(source: str, result: MemoryUpdateResult) -> dict[str, Any]:
    return {
        "type": "memory_update",
        "source": source,
        "status": "completed",
        "changes": [event.to_dict() for event in result.events],
        "refused": [refused.model_dump() for refused in result.refused],
    }


def memory_failed(source: str, error: Exception) -> dict[str, Any]:
    return {"type": "memory_update", "source": source, "status": "failed", "error": str(error)}
