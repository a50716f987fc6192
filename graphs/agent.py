"""create_memory_agent: a chat agent that learns, uses and forgets what users tell it.

It is LangChain's `create_agent` with this package's public pieces: `MemoryMiddleware`
(memories in the prompt, learning after the answer, the `update_user_memory`
tool), a session window that archives old runs (and `get_chat_history`), the
choice of each run's model, and a guard that turns a failing model into an apology.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import replace
from typing import Any

from langchain.agents import create_agent
from langchain.agents.middleware import (
    AgentMiddleware,
    ExtendedModelResponse,
    ModelRequest,
    ModelResponse,
)
from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage
from langchain_core.outputs import ChatResult
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.config import get_stream_writer
from langgraph.graph.state import CompiledStateGraph
from langgraph.store.base import BaseStore
from langgraph.types import Command

from graphs.context import Context
from graphs.deferred import DEFAULT_DELAY_S, EXTRACTOR_GRAPH, Extraction
from graphs.history import SessionState, SessionWindow
from graphs.middleware import (
    FAILED_ANSWER_KEY,
    REFUSED_KEY,
    CheckedMemoryMiddleware,
    CheckedOwnerState,
    check_run_owner,
)
from graphs.scope import MemorySource, StoreMemory, run_model
from graphs.sessions import default_archive, default_checkpointer
from graphs.steps import current_thread
from memory import Memory, prompts
from memory.chat_models import ModelSpec
from memory.retrieval import DEFAULT_TOKEN_BUDGET
from memory.schema import validate_agent_id
from memory.twins import AWAITING, BLOCKING, Io, run_sync

logger = logging.getLogger(__name__)

MAX_TOOL_ROUNDS = 5
"""Model calls with tools in one run; past it the model must answer without tools."""
FAILED_ANSWER = "Sorry, I could not answer: the model failed ({error}). Please try again."

MemoryAgent = CompiledStateGraph[Any, Context, Any, Any]


class _ModelOfTheRun(BaseChatModel):
    """Stands in for the agent's model until each run picks it (see `RunSetup`)."""

    @property
    def _llm_type(self) -> str:
        return "model-of-the-run"

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        raise NotImplementedError("RunSetup replaces this model before every call")


class RunState(SessionState, CheckedOwnerState):
    """The state `RunSetup` keeps: the session's window and the owner check's marks."""


class RunSetup(AgentMiddleware[RunState, Any, Any]):
    """Sets up each model call of a run, first of the agent's middleware.

    On the run's first call, the thread's owner is checked (`check_run_owner`): a
    refused run calls no model. Then the run's model is picked: the agent's own, else
    the run's `context.model`, else $MEMORY_AGENT_MODEL, else the default; missing
    credentials fail the run with `AgentConfigError` before any call. After
    `MAX_TOOL_ROUNDS` tool rounds in one run the model must answer without tools.
    Last, the model sees the session's window (`SessionWindow`). One layer, not one
    per piece: LangChain traces every call of each layer.
    """

    state_schema = RunState

    def __init__(self, memory: MemorySource, model: ModelSpec | None, window: SessionWindow):
        super().__init__()
        self.memory = memory
        self.model = model
        self.window = window
        self.tools = window.tools

    def wrap_model_call(
        self,
        request: ModelRequest[Any],
        handler: Callable[[ModelRequest[Any]], ModelResponse[Any]],
    ) -> ModelResponse[Any] | ExtendedModelResponse[Any]:
        checked = run_sync(check_run_owner(BLOCKING, self.memory, request))
        if checked.get(REFUSED_KEY):
            return _with_update(ModelResponse([]), checked)
        windowed, update = run_sync(self.window.show(BLOCKING, self._prepared(request)))
        return _with_update(handler(windowed), {**checked, **update})

    async def awrap_model_call(
        self,
        request: ModelRequest[Any],
        handler: Callable[[ModelRequest[Any]], Awaitable[ModelResponse[Any]]],
    ) -> ModelResponse[Any] | ExtendedModelResponse[Any]:
        checked = await check_run_owner(AWAITING, self.memory, request)
        if checked.get(REFUSED_KEY):
            return _with_update(ModelResponse([]), checked)
        windowed, update = await self.window.show(AWAITING, self._prepared(request))
        return _with_update(await handler(windowed), {**checked, **update})

    def _prepared(self, request: ModelRequest[Any]) -> ModelRequest[Any]:
        model = run_model(self.model, request.runtime.context)
        return request.override(model=model, tools=_tools_left(request, request.messages))


def _with_update(
    response: ModelResponse[Any], update: dict[str, Any]
) -> ModelResponse[Any] | ExtendedModelResponse[Any]:
    """The model's response, with `update` to the thread written in the model's own step.

    Its messages lead the response's, so the step writes messages once: `updates`
    streams then show the step as one dict, as they do a plain model step.
    """
    rest = dict(update)
    messages = rest.pop("messages", [])
    if messages:
        response = ModelResponse([*messages, *response.result], response.structured_response)
    if not rest:
        return response
    return ExtendedModelResponse(model_response=response, command=Command(update=rest))


def _tools_left(request: ModelRequest[Any], messages: list[Any]) -> list[Any]:
    """The request's tools, or none once the run has had `MAX_TOOL_ROUNDS` tool rounds."""
    rounds = sum(
        1
        for m in _current_run(messages)
        if isinstance(m, AIMessage) and (m.tool_calls or m.invalid_tool_calls)
    )
    return list(request.tools) if rounds < MAX_TOOL_ROUNDS else []


class AnswerGuard:
    """Keeps a misbehaving model from crashing the run.

    A failing model call (and only the model call: it is the innermost piece)
    gives a short apology and a streamed `{"type": "error"}` event instead of an
    exception; tool calls no tool will run get an error result, and when no call
    is usable the model answers again. All of it happens in the model's own step,
    so a run has no graph step (and no checkpoint) for it.
    """

    def __init__(self, tool_names: set[str]) -> None:
        self.tool_names = tool_names

    async def answer(
        self, io: Io, request: ModelRequest[Any], handler: Callable[[ModelRequest[Any]], Any]
    ) -> ModelResponse[Any]:
        """The model's answer, after each answer that called only tools no tool will run
        (with their error results); at most `MAX_TOOL_ROUNDS` answers."""
        said: list[BaseMessage] = []
        for _ in range(MAX_TOOL_ROUNDS):
            messages: list[Any] = [*request.messages, *said]
            asked = request.override(messages=messages, tools=_tools_left(request, messages))
            try:
                response: ModelResponse[Any] = await io.call(handler, handler, asked)
            except Exception as error:
                return ModelResponse([*said, _failed(error)])
            refusals, usable = _refusals(response.result[-1], self.tool_names)
            said += [*response.result, *refusals]
            if not refusals or usable:
                return ModelResponse(said, response.structured_response)
        return ModelResponse(said)


class GuardedMemoryMiddleware(CheckedMemoryMiddleware):
    """The agent's `MemoryMiddleware` with the `AnswerGuard` inside it: one layer, not two
    (LangChain traces every call of each layer). The memories join the request before
    the guarded model call, so a database error fails the run instead of becoming an
    apology."""

    def __init__(self, memory: MemorySource, *, window: SessionWindow, **options: Any) -> None:
        super().__init__(memory, **options)
        self.guard = AnswerGuard({tool.name for tool in [*window.tools, *self.tools]})

    def wrap_model_call(
        self,
        request: ModelRequest[Any],
        handler: Callable[[ModelRequest[Any]], ModelResponse[Any]],
    ) -> ModelResponse[Any]:
        return run_sync(self._guarded(BLOCKING, request, handler))

    async def awrap_model_call(
        self,
        request: ModelRequest[Any],
        handler: Callable[[ModelRequest[Any]], Awaitable[ModelResponse[Any]]],
    ) -> ModelResponse[Any]:
        return await self._guarded(AWAITING, request, handler)

    async def _guarded(
        self, io: Io, request: ModelRequest[Any], handler: Callable[[ModelRequest[Any]], Any]
    ) -> ModelResponse[Any]:
        return await self.guard.answer(io, await self._with_memories(io, request), handler)


def _current_run(messages: list[Any]) -> Iterator[Any]:
    """The messages from the latest user message on."""
    start = max((i for i, m in enumerate(messages) if isinstance(m, HumanMessage)), default=0)
    yield from messages[start:]


def _failed(error: Exception) -> AIMessage:
    logger.error(
        "the model failed to answer (thread %r): %s", current_thread(), error, exc_info=True
    )
    get_stream_writer()({"type": "error", "stage": "model", "error": str(error)})
    return AIMessage(
        FAILED_ANSWER.format(error=type(error).__name__),
        response_metadata={FAILED_ANSWER_KEY: str(error)},
    )


def _refusals(last: BaseMessage, tool_names: set[str]) -> tuple[list[ToolMessage], bool]:
    """Error results for the answer's tool calls no tool will run (malformed, or naming
    no tool we have), and whether any call is usable.

    Every tool call must be answered before the model is called again; with no
    usable call left, the model gets another turn to correct itself. (A call to
    an unknown tool beside a usable one is answered by the tools node itself.)
    """
    if not isinstance(last, AIMessage):
        return [], False
    refusals = [
        ToolMessage(
            f"Error: malformed arguments ({bad['error'] or 'not JSON'}).",
            tool_call_id=bad["id"] or "",
            name=bad["name"] or "",
            status="error",
        )
        for bad in last.invalid_tool_calls
    ]
    usable = any(call["name"] in tool_names for call in last.tool_calls)
    if not usable:
        refusals += [
            ToolMessage(
                f"Error: there is no tool named {call['name']!r}.",
                tool_call_id=call["id"] or "",
                name=call["name"],
                status="error",
            )
            for call in last.tool_calls
        ]
    for refusal in refusals:
        logger.warning("refused a %s call of the model: %s", refusal.name, refusal.text)
    return refusals, usable


def create_memory_agent(
    model: ModelSpec | None = None,
    *,
    memory: MemorySource | None = None,
    enable_agentic_memory: bool = False,
    enable_user_memories: bool = False,
    enable_session_summaries: bool = False,
    add_history_to_messages: bool = True,
    num_history_runs: int = 3,
    read_chat_history: bool = False,
    instructions: str | None = None,
    markdown: bool = False,
    checkpointer: BaseCheckpointSaver[Any] | bool | None = None,
    store: BaseStore | None = None,
    memory_token_budget: int = DEFAULT_TOKEN_BUDGET,
    memory_topics: Sequence[str] | None = None,
    agent_id: str | None = None,
    platform: bool = False,
    memory_extraction: Extraction = "inline",
    extraction_delay_s: float = DEFAULT_DELAY_S,
) -> MemoryAgent:
    """A compiled chat agent with long-term user memory, as Agno's Agent with Memory v2.

    Args:
        model: The agent's chat model or "provider:model"; also the memory model
            when `memory` has none. With `None` each run uses `context.model`,
            else $MEMORY_AGENT_MODEL, else "openai:gpt-4.1-mini".
        memory: Where the users' memories live: a `Memory` (`Memory()` in process
            by default), or `StoreMemory()` for the run's LangGraph store.
        enable_agentic_memory: Give the model the `update_user_memory(task)` tool.
        enable_user_memories: Run the memory manager on each run's user messages,
            after the answer.
        enable_session_summaries: Keep a summary of each session (thread) up to date
            after each run, and show it to the model once runs have left its window,
            so what it no longer sees is not lost.
        add_history_to_messages: Show the model the messages of recent runs.
        num_history_runs: How many earlier runs the model sees (and a checkpoint
            keeps); older runs move to the session archive.
        read_chat_history: Give the model `get_chat_history(num_chats)` for older runs.
        instructions: The system prompt's opening; "You are a helpful assistant." if unset.
        markdown: Ask for markdown answers.
        checkpointer: Where sessions persist, by `thread_id`. By default in the
            memory's SQLite file (closed with the `Memory`), or in process; with
            `StoreMemory()`, none (LangGraph Server brings its own). As a node of
            an app's graph, `True` keeps the agent's own session state per thread
            in the app's checkpointer and `False` keeps none (LangGraph's subgraph
            settings); either opens nothing.
        store: Where the session archive lives; by default beside the checkpoints,
            or the app's store when the agent is a node of an app's graph.
        memory_token_budget: Approximate tokens of memories in the system prompt.
        memory_topics: Show the model only the memories with one of these topics
            (the memory manager still sees all of them).
        agent_id: Keep this agent's own memories of each user, apart from other
            agents' (`Memory.for_agent`); agents with the same id share them, and
            None uses `memory` as given (by default, the memories every agent
            without an id shares).
        platform: The graph runs on LangGraph Server (or `langgraph dev`), whose
            own checkpointer and store persist sessions: bring none. Implied by
            `StoreMemory()`.
        memory_extraction: With `enable_user_memories`, when the memory manager
            learns: "inline", before the run ends; "deferred", after the answer,
            once the thread has had no new message for `extraction_delay_s`, in one
            memory-model call for all of its messages (see `graphs.deferred`; on the
            platform, as a delayed run of the `memory_extractor` graph).
        extraction_delay_s: Seconds of quiet in a thread before deferred learning.

    With both `checkpointer` and `store` given, nothing else is opened; what the
    defaults open is closed by `memory.close()` (or the `Memory`'s `with` block).
    """
    if num_history_runs < 0:
        raise ValueError("num_history_runs must be 0 or more")
    memory = memory if memory is not None else Memory()
    if agent_id is not None:
        memory = (
            memory.for_agent(agent_id)
            if isinstance(memory, Memory)
            else replace(memory, agent_id=validate_agent_id(agent_id))
        )
    runs_kept = num_history_runs if add_history_to_messages else 0
    window = SessionWindow(runs_kept, read_chat_history=read_chat_history)
    memories = GuardedMemoryMiddleware(
        memory,
        window=window,
        extract=enable_user_memories,
        agentic=enable_agentic_memory,
        session_summaries=enable_session_summaries,
        token_budget=memory_token_budget,
        topics=memory_topics,
        memory_extraction=memory_extraction,
        extraction_delay_s=extraction_delay_s,
        extraction_graph=(EXTRACTOR_GRAPH if platform or isinstance(memory, StoreMemory) else None),
    )
    # Outermost first: the thread's owner is checked (once) before anything else sees
    # the run, the run's model is chosen before the memories see it, and only the
    # model call itself is guarded, so a database error is not an apology.
    middleware: list[AgentMiddleware[Any, Any, Any]] = [RunSetup(memory, model, window), memories]
    if platform and (checkpointer is not None or store is not None):
        raise ValueError(
            "platform=True: the platform persists sessions; pass no checkpointer or store"
        )
    subgraph = isinstance(checkpointer, bool)
    managed = platform or subgraph
    return create_agent(
        model=_ModelOfTheRun(),
        system_prompt=prompts.agent_instructions(instructions, markdown, read_chat_history),
        middleware=middleware,
        context_schema=Context,
        checkpointer=checkpointer
        if checkpointer is not None or platform
        else default_checkpointer(memory),
        store=store if store is not None or managed else default_archive(memory),
        name="memory_agent",
    )
