"""create_memory_agent: a LangGraph chat agent that learns, uses and forgets what users tell it."""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any, Literal

from langchain_core.messages import (
    AIMessage,
    AnyMessage,
    HumanMessage,
    RemoveMessage,
    SystemMessage,
    ToolMessage,
)
from langchain_core.runnables import RunnableConfig, RunnableLambda
from langchain_core.tools import BaseTool
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.config import get_stream_writer
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph
from langgraph.prebuilt import ToolNode
from langgraph.runtime import get_runtime
from langgraph.store.base import BaseStore

from graphs.context import Context
from graphs.history import split_runs
from graphs.scope import (
    AgentSettings,
    RunScope,
    memory_completed,
    memory_failed,
    resolve_scope,
)
from graphs.sessions import default_archive, default_checkpointer
from graphs.state import InputState, State
from graphs.tools import build_tools
from memory import Memory, prompts
from memory.chat_models import ModelSpec
from memory.retrieval import DEFAULT_TOKEN_BUDGET
from memory.twins import AWAITING, BLOCKING, Io, run_sync

logger = logging.getLogger(__name__)

MAX_TOOL_ROUNDS = 5
"""Model calls with tools in one run; past it the model must answer without tools."""
FAILED_ANSWER = "Sorry, I could not answer: the model failed ({error}). Please try again."

Update = dict[str, Any]


def current_scope(settings: AgentSettings, config: RunnableConfig) -> RunScope:
    runtime = get_runtime()
    return resolve_scope(settings, runtime.context, config, runtime.store)


class MemoryAgentNodes:
    """The graph's nodes, each written once and run blocking or awaited."""

    def __init__(self, settings: AgentSettings, tools: list[BaseTool]) -> None:
        self.settings = settings
        self.tools = tools
        self.tool_names = {tool.name for tool in tools}

    async def load_history(self, io: Io, state: State, config: RunnableConfig) -> Update:
        """Move runs the model will no longer see from the checkpoint to the archive."""
        scope = current_scope(self.settings, config)
        earlier = split_runs(state["messages"])[:-1]
        cut = max(0, len(earlier) - self.settings.runs_kept)
        leaving, kept = earlier[:cut], earlier[cut:]
        update: Update = {"messages": _without_unanswered_tool_calls(kept)}
        if leaving:
            archived = state.get("archived_runs", 0)
            if scope.archive is not None:
                await scope.archive.append(io, scope.thread_id, archived, leaving)
            update["messages"] += [RemoveMessage(id=m.id) for run in leaving for m in run if m.id]
            update["archived_runs"] = archived + len(leaving)
        return update

    async def respond(self, io: Io, state: State, config: RunnableConfig) -> Update:
        """Answer with the user's memories in the system prompt and the recent runs as history."""
        scope = current_scope(self.settings, config)
        runs = split_runs(state["messages"])
        current = runs[-1]
        asked = next((m.text for m in current if isinstance(m, HumanMessage)), "")
        memory = scope.memory
        chosen = await io.call(
            memory.get_memories_for_prompt,
            memory.aget_memories_for_prompt,
            scope.user_id,
            asked,
            self.settings.memory_token_budget,
        )
        system = prompts.agent_system_prompt(
            self.settings.instructions,
            self.settings.markdown,
            [f"- {m.memory}" for m in chosen.memories],
            chosen.complete,
            self.settings.enable_agentic_memory,
            self.settings.read_chat_history,
        )
        visible = [m for run in runs[-(self.settings.runs_kept + 1) :] for m in run]
        model: Any = scope.chat_model()
        tool_rounds = sum(1 for m in current if isinstance(m, AIMessage) and m.tool_calls)
        if self.tools and tool_rounds < MAX_TOOL_ROUNDS:
            model = model.bind_tools(self.tools)
        try:
            reply: AIMessage = await io.call(
                model.invoke, model.ainvoke, [SystemMessage(system), *visible], config
            )
        except Exception as error:
            logger.error("the model failed to answer user %r: %s", scope.user_id, error)
            get_stream_writer()({"type": "error", "stage": "respond", "error": str(error)})
            failed = AIMessage(
                FAILED_ANSWER.format(error=type(error).__name__),
                response_metadata={"error": str(error)},
            )
            return {"messages": [failed]}
        refusals = self._refusals(reply)
        for refusal in refusals:
            logger.warning("refused a tool call of the model: %s", refusal.text)
        return {"messages": [reply, *refusals]}

    def _refusals(self, reply: AIMessage) -> list[ToolMessage]:
        """Answers to tool calls no tool will run: malformed, or naming no tool we have.

        Every tool call must be answered before the model is called again.
        """
        refusals = [
            ToolMessage(
                f"Error: malformed arguments ({bad['error'] or 'not JSON'}).",
                tool_call_id=bad["id"] or "",
                status="error",
            )
            for bad in reply.invalid_tool_calls
        ]
        if not any(call["name"] in self.tool_names for call in reply.tool_calls):
            refusals += [
                ToolMessage(
                    f"Error: there is no tool named {call['name']!r}.",
                    tool_call_id=call["id"] or "",
                    status="error",
                )
                for call in reply.tool_calls
            ]
        return refusals

    async def extract_memories(self, io: Io, state: State, config: RunnableConfig) -> Update:
        """After the answer, let the memory manager learn from this run; never fail the run."""
        write = get_stream_writer()
        scope = current_scope(self.settings, config)
        run = split_runs(state["messages"])[-1]
        said = [{"role": "user", "content": m.text} for m in run if isinstance(m, HumanMessage)]
        write({"type": "memory_update", "source": "extract_memories", "status": "started"})
        memory = scope.memory
        try:
            result = await io.call(
                memory.create_user_memories,
                memory.acreate_user_memories,
                messages=said,
                user_id=scope.user_id,
                model=scope.memory_model(),
            )
        except Exception as error:
            logger.warning("memory extraction failed for user %r: %s", scope.user_id, error)
            write(memory_failed("extract_memories", error))
            return {}
        write(memory_completed("extract_memories", result))
        return {}

    def after_respond(
        self, state: State
    ) -> Literal["memory_tools", "respond", "extract_memories", "__end__"]:
        last = state["messages"][-1]
        if isinstance(last, ToolMessage):
            return "respond"
        if isinstance(last, AIMessage) and last.tool_calls:
            return "memory_tools"
        if self.settings.enable_user_memories and "error" not in last.response_metadata:
            return "extract_memories"
        return "__end__"


def _without_unanswered_tool_calls(runs: list[list[AnyMessage]]) -> list[AIMessage]:
    """Replacements for messages whose tool calls never got a result (an interrupted run).

    Providers refuse a history with an unanswered tool call, so one interrupted run
    would break every later turn of the thread; the replacement keeps the message's
    id and text and drops the calls that were never answered.
    """
    answered = {m.tool_call_id for run in runs for m in run if isinstance(m, ToolMessage)}
    return [
        message.model_copy(
            update={"tool_calls": [c for c in message.tool_calls if c["id"] in answered]}
        )
        for run in runs
        for message in run
        if isinstance(message, AIMessage)
        and any(call["id"] not in answered for call in message.tool_calls)
    ]


def _node(
    step: Callable[[Io, State, RunnableConfig], Coroutine[Any, Any, Update]],
) -> RunnableLambda[State, Update]:
    """A node that runs `step` blocking under invoke and awaited under ainvoke."""

    def sync(state: State, config: RunnableConfig) -> Update:
        return run_sync(step(BLOCKING, state, config))

    async def async_(state: State, config: RunnableConfig) -> Update:
        return await step(AWAITING, state, config)

    return RunnableLambda(sync, afunc=async_, name=step.__name__)


def builder(settings: AgentSettings) -> StateGraph[State, Context, InputState, State]:
    """The uncompiled graph, for apps that compile it with their own persistence."""
    tools = build_tools(settings)
    nodes = MemoryAgentNodes(settings, tools)
    graph = StateGraph(State, context_schema=Context, input_schema=InputState)
    graph.add_node("load_history", _node(nodes.load_history))
    graph.add_node("respond", _node(nodes.respond))
    graph.add_edge(START, "load_history")
    graph.add_edge("load_history", "respond")
    destinations = ["respond", END]
    if tools:
        graph.add_node("memory_tools", ToolNode(tools))
        graph.add_edge("memory_tools", "respond")
        destinations.append("memory_tools")
    if settings.enable_user_memories:
        graph.add_node("extract_memories", _node(nodes.extract_memories))
        graph.add_edge("extract_memories", END)
        destinations.append("extract_memories")
    graph.add_conditional_edges("respond", nodes.after_respond, destinations)
    return graph


def create_memory_agent(
    model: ModelSpec | None = None,
    *,
    memory: Memory | None = None,
    enable_agentic_memory: bool = False,
    enable_user_memories: bool = False,
    add_history_to_messages: bool = True,
    num_history_runs: int = 3,
    read_chat_history: bool = False,
    instructions: str | None = None,
    markdown: bool = False,
    checkpointer: BaseCheckpointSaver[Any] | None = None,
    store: BaseStore | None = None,
    memory_token_budget: int = DEFAULT_TOKEN_BUDGET,
) -> CompiledStateGraph[State, Context, InputState, State]:
    """A compiled chat agent with long-term user memory, as Agno's Agent with Memory v2.

    Args:
        model: The agent's chat model or "provider:model"; also the memory model
            when `memory` has none. `None` reads MEMORY_AGENT_MODEL at run time.
        memory: Where the users' memories live; `Memory()` (in process) by default.
        enable_agentic_memory: Give the model the `update_user_memory(task)` tool.
        enable_user_memories: Run the memory manager on each user message, after
            the answer has been streamed.
        add_history_to_messages: Show the model the messages of recent runs.
        num_history_runs: How many earlier runs the model sees (and a checkpoint
            keeps); older runs move to the session archive.
        read_chat_history: Give the model `get_chat_history(num_chats)` for older runs.
        instructions: The system prompt's opening; "You are a helpful assistant." if unset.
        markdown: Ask for markdown answers.
        checkpointer: Where sessions persist, by `thread_id`. By default in the
            memory's SQLite file (closed with the `Memory`), or in process.
        store: Where the session archive lives; by default beside the checkpoints.
        memory_token_budget: Approximate tokens of memories in the system prompt.

    With both `checkpointer` and `store` given, nothing else is opened; what the
    defaults open is closed by `memory.close()` (or the `Memory`'s `with` block).
    """
    if num_history_runs < 0:
        raise ValueError("num_history_runs must be 0 or more")
    memory = memory if memory is not None else Memory()
    settings = AgentSettings(
        model=model,
        memory=memory,
        enable_agentic_memory=enable_agentic_memory,
        enable_user_memories=enable_user_memories,
        add_history_to_messages=add_history_to_messages,
        num_history_runs=num_history_runs,
        read_chat_history=read_chat_history,
        instructions=instructions,
        markdown=markdown,
        memory_token_budget=memory_token_budget,
        delete_memories=memory.delete_memories,
        clear_memories=memory.clear_memories,
    )
    return builder(settings).compile(
        checkpointer=checkpointer if checkpointer is not None else default_checkpointer(memory),
        store=store if store is not None else default_archive(memory),
        name="memory_agent",
    )
