"""Memory tools for any LangGraph or LangChain agent: update_user_memory and search_user_memories.

Neither takes a user id: the user comes from the run (`context.user_id`, else
`configurable.user_id`), never from the model, and no thread is needed. Their
arguments are checked strictly: a call with a wrong or extra argument (a
`user_id` included) gets an error tool message and changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.tools import BaseTool, StructuredTool
from langgraph.prebuilt import ToolRuntime
from pydantic import BaseModel, ConfigDict, Field

from graphs.scope import MemorySource, run_memory, run_user
from graphs.steps import carry_out, log_failure
from memory import MemoryAgentError, prompts
from memory.chat_models import ModelSpec, resolve_chat_model
from memory.twins import AWAITING, BLOCKING, Io, run_sync

MAX_SEARCH_RESULTS = 20

AgentModel = Callable[[ToolRuntime[Any, Any]], BaseChatModel | None]
"""The model a tool's memory manager falls back to when the Memory has none."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)


class _TaskArgs(_Strict):
    task: str = Field(description="The change to make, in plain words.", min_length=1)
    runtime: ToolRuntime[Any, Any]


class _SearchArgs(_Strict):
    query: str = Field(description="What to look for, in plain words.", min_length=1)
    limit: int = Field(5, ge=1, le=MAX_SEARCH_RESULTS, description="How many memories at most.")
    runtime: ToolRuntime[Any, Any]


def create_memory_tools(
    memory: MemorySource,
    *,
    update: bool = True,
    search: bool = True,
    model: ModelSpec | None = None,
) -> list[BaseTool]:
    """Tools for `create_agent`, `create_react_agent`, a `ToolNode` or any graph.

    Args:
        memory: Where the users' memories live; `StoreMemory()` for the run's
            LangGraph store (LangGraph Server).
        update: Include `update_user_memory(task)`: the memory manager carries out
            a change described in plain words ("The user moved to Oslo").
        search: Include `search_user_memories(query, limit)`: the user's memories
            most related to the query (hybrid with embeddings, else keyword).
        model: The memory manager's model when the `Memory` has none.
    """
    fallback = None if model is None else resolve_chat_model(model)
    return memory_tools(memory, update=update, search=search, agent_model=lambda _: fallback)


def memory_tools(
    memory: MemorySource, *, update: bool, search: bool, agent_model: AgentModel
) -> list[BaseTool]:
    """The tools, with the memory manager's fallback model found per run."""
    tools: list[BaseTool] = []
    if update:

        def update_user_memory(task: str, runtime: ToolRuntime[Any, Any]) -> str:
            return run_sync(_update(BLOCKING, memory, agent_model, runtime, task))

        async def aupdate_user_memory(task: str, runtime: ToolRuntime[Any, Any]) -> str:
            return await _update(AWAITING, memory, agent_model, runtime, task)

        tools.append(
            StructuredTool.from_function(
                update_user_memory,
                coroutine=aupdate_user_memory,
                description=prompts.UPDATE_USER_MEMORY_DESCRIPTION,
                args_schema=_TaskArgs,
            )
        )
    if search:

        def search_user_memories(query: str, runtime: ToolRuntime[Any, Any], limit: int = 5) -> str:
            return run_sync(_search(BLOCKING, memory, runtime, query, limit))

        async def asearch_user_memories(
            query: str, runtime: ToolRuntime[Any, Any], limit: int = 5
        ) -> str:
            return await _search(AWAITING, memory, runtime, query, limit)

        tools.append(
            StructuredTool.from_function(
                search_user_memories,
                coroutine=asearch_user_memories,
                description=prompts.SEARCH_USER_MEMORIES_DESCRIPTION,
                args_schema=_SearchArgs,
            )
        )
    return tools


async def _update(
    io: Io, source: MemorySource, agent_model: AgentModel, runtime: ToolRuntime[Any, Any], task: str
) -> str:
    user_id = run_user(runtime.context, runtime.config)
    memory = run_memory(source, runtime.store)
    return await carry_out(io, memory, user_id, task, agent_model(runtime), runtime.stream_writer)


async def _search(
    io: Io, source: MemorySource, runtime: ToolRuntime[Any, Any], query: str, limit: int
) -> str:
    user_id = run_user(runtime.context, runtime.config)
    memory = run_memory(source, runtime.store)
    try:
        found = await io.call(
            memory.search_user_memories, memory.asearch_user_memories, user_id, query, limit
        )
    except MemoryAgentError as error:
        log_failure("search_user_memories", "search_user_memories", user_id, error)
        return f"Error: {error}"
    return "\n".join(_line(m.memory, m.topics) for m in found) or "No memories match."


def _line(text: str, topics: list[str]) -> str:
    return f"- {text}" + (f" (topics: {', '.join(topics)})" if topics else "")
