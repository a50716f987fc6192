"""The agent's tools: update_user_memory and get_chat_history. Neither takes a user id."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from typing import Annotated, Any

from langchain_core.messages import BaseMessage
from langchain_core.tools import BaseTool, StructuredTool
from langgraph.prebuilt import ToolRuntime
from pydantic import Field

from graphs.context import Context
from graphs.history import exchange, split_runs
from graphs.scope import AgentSettings, memory_completed, memory_failed, resolve_scope
from memory import prompts
from memory.manager import MemoryUpdateResult
from memory.twins import AWAITING, BLOCKING, Io, run_sync

logger = logging.getLogger(__name__)

MAX_CHATS = 50
TASK = Field(description="The change to make, in plain words.")
CHATS = Field(description=f"How many of the latest exchanges to read (1 to {MAX_CHATS}).")


def build_tools(settings: AgentSettings) -> list[BaseTool]:
    """The tools the settings ask for; each body is one flow, run sync or async."""
    tools: list[BaseTool] = []
    if settings.enable_agentic_memory:

        def update_user_memory(task: Annotated[str, TASK], runtime: ToolRuntime[Context]) -> str:
            return run_sync(_update_user_memory(BLOCKING, settings, runtime, task))

        async def aupdate_user_memory(
            task: Annotated[str, TASK], runtime: ToolRuntime[Context]
        ) -> str:
            return await _update_user_memory(AWAITING, settings, runtime, task)

        tools.append(
            StructuredTool.from_function(
                update_user_memory,
                coroutine=aupdate_user_memory,
                description=prompts.UPDATE_USER_MEMORY_DESCRIPTION,
            )
        )
    if settings.read_chat_history:

        def get_chat_history(
            runtime: ToolRuntime[Context], num_chats: Annotated[int, CHATS] = 3
        ) -> str:
            return run_sync(_get_chat_history(BLOCKING, settings, runtime, num_chats))

        async def aget_chat_history(
            runtime: ToolRuntime[Context], num_chats: Annotated[int, CHATS] = 3
        ) -> str:
            return await _get_chat_history(AWAITING, settings, runtime, num_chats)

        tools.append(
            StructuredTool.from_function(
                get_chat_history,
                coroutine=aget_chat_history,
                description=prompts.GET_CHAT_HISTORY_DESCRIPTION,
            )
        )
    return tools


async def _update_user_memory(
    io: Io, settings: AgentSettings, runtime: ToolRuntime[Context], task: str
) -> str:
    scope = resolve_scope(settings, runtime.context, runtime.config, runtime.store)
    write = runtime.stream_writer
    write({"type": "memory_update", "source": "update_user_memory", "status": "started"})
    memory = scope.memory
    try:
        result = await io.call(
            memory.update_memory_task,
            memory.aupdate_memory_task,
            task,
            scope.user_id,
            model=scope.memory_model(),
        )
    except Exception as error:
        logger.warning("update_user_memory failed for user %r: %s", scope.user_id, error)
        write(memory_failed("update_user_memory", error))
        return f"Memory update failed, nothing was changed: {error}"
    write(memory_completed("update_user_memory", result))
    return describe(result)


def describe(result: MemoryUpdateResult) -> str:
    """The tool's answer to the model: what changed and what was refused, in short."""
    lines = [f"{event.action}: {event.new_memory or event.old_memory}" for event in result.events]
    lines += [f"refused {refused.tool}: {refused.reason}" for refused in result.refused]
    return "\n".join(lines) or "No changes."


async def _get_chat_history(
    io: Io, settings: AgentSettings, runtime: ToolRuntime[Context], num_chats: int
) -> str:
    scope = resolve_scope(settings, runtime.context, runtime.config, runtime.store)
    wanted = max(1, min(num_chats, MAX_CHATS))
    state: dict[str, Any] = runtime.state
    recent = split_runs(state["messages"])[:-1][-wanted:]  # the current run is not history
    archived = state.get("archived_runs", 0)
    older: list[list[BaseMessage]] = []
    if scope.archive is not None and len(recent) < wanted:
        start = max(0, archived - (wanted - len(recent)))
        older = await scope.archive.read(io, scope.thread_id, start, archived)
    runs: list[Sequence[BaseMessage]] = [*older, *recent]
    return json.dumps([pair for run in runs for pair in exchange(run)])
