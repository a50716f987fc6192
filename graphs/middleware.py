"""MemoryMiddleware: Agno-style user memory for any agent made by LangChain's `create_agent`."""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from typing import Annotated, Any, NotRequired

from langchain.agents import AgentState
from langchain.agents.middleware import (
    AgentMiddleware,
    ModelRequest,
    ModelResponse,
    hook_config,
)
from langchain.agents.middleware.types import PrivateStateAttr
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import (
    AIMessage,
    AnyMessage,
    BaseMessage,
    HumanMessage,
    RemoveMessage,
    SystemMessage,
    ToolMessage,
)
from langchain_core.runnables import RunnableConfig
from langgraph.channels import UntrackedValue
from langgraph.config import get_config
from langgraph.prebuilt import ToolRuntime
from langgraph.runtime import Runtime

from graphs.deferred import DEFAULT_DELAY_S, Extraction, check_extraction, defer
from graphs.scope import MemorySource, claim_run_thread, run_memory, run_thread, run_user
from graphs.steps import (
    UPDATE,
    last_run_user_messages,
    last_run_user_texts,
    last_user_text,
    learn,
    memory_section,
    summarize_session,
    summary_section,
)
from graphs.tools import memory_tools
from memory import ThreadOwnershipError
from memory.chat_models import ModelSpec, resolve_chat_model
from memory.db.view import MemoryFilter
from memory.retrieval import DEFAULT_TOKEN_BUDGET
from memory.twins import AWAITING, BLOCKING, Io, run_sync

logger = logging.getLogger(__name__)

FAILED_ANSWER_KEY = "error"
"""An answer whose `response_metadata` has this key stands for a failed model call;
nothing is learned from its run."""
_REMEMBERED_MODELS = 1_024
_REMEMBERED_SECTIONS = 1_024

REFUSED_KEY = "thread_refused"
"""The state key that marks a run refused on another user's thread."""
THREAD_CHECKED = "thread_checked"
"""The state key that marks a run whose thread's owner `check_run_owner` has checked."""

RunKey = tuple[str | None, str, str]
"""A run as its state tells it: (thread, user, id of the user message it answers)."""


class _RunSections:
    """The memory section chosen for each run in flight, so a run's later model calls
    reuse it instead of selecting (and embedding the query) again.

    Keyed by the run's own user message id (unique per run, as `add_messages` gives
    each message an id), so concurrent runs of one compiled agent, with or without a
    thread, never share an entry. An entry remembers how many `update_user_memory`
    results the run had when it was chosen: after the run's own update the section is
    chosen again, so the model never reads memories the tool just changed. Bounded:
    a run that failed before `after_agent` leaves an entry that ages out.
    """

    def __init__(self) -> None:
        self._sections: OrderedDict[RunKey, tuple[int, str]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: RunKey, updates: int) -> str | None:
        with self._lock:
            kept = self._sections.get(key)
        return kept[1] if kept is not None and kept[0] == updates else None

    def put(self, key: RunKey, updates: int, section: str) -> None:
        with self._lock:
            self._sections[key] = (updates, section)
            self._sections.move_to_end(key)
            while len(self._sections) > _REMEMBERED_SECTIONS:
                self._sections.popitem(last=False)

    def drop(self, key: RunKey) -> None:
        with self._lock:
            self._sections.pop(key, None)


def run_key(thread_id: str | None, user_id: str, messages: Sequence[BaseMessage]) -> RunKey | None:
    """The run's key, or None when its user message has no id (then nothing is reused)."""
    said = next((m for m in reversed(messages) if isinstance(m, HumanMessage)), None)
    return None if said is None or not said.id else (thread_id, user_id, said.id)


def updates_this_run(messages: Sequence[BaseMessage]) -> int:
    """How many `update_user_memory` results follow the run's user message."""
    count = 0
    for message in reversed(messages):
        if isinstance(message, HumanMessage):
            break
        if isinstance(message, ToolMessage) and message.name == UPDATE:
            count += 1
    return count


class OwnerState(AgentState[Any]):
    """The agent's state with the mark of a refused run, private to the middleware."""

    thread_refused: NotRequired[Annotated[bool, PrivateStateAttr]]
    """Set by a run refused on another user's thread, so the hook after the agent
    raises without asking the store again; cleared by the owner's next run."""


async def refuse_foreign_run(
    io: Io, memory: MemorySource, state: AgentState[Any], runtime: Runtime[Any]
) -> dict[str, Any] | None:
    """Before the agent: claim the run's thread, or end a run of another user at once.

    LangGraph has already written the run's input to the thread when the first
    node runs, so a refused run takes its messages back out, marks itself refused
    and jumps to the end, where `raise_if_refused` raises `ThreadOwnershipError`:
    the owner's next run never sees them. They remain only in LangGraph's
    checkpoint history of the thread.
    """
    try:
        await claim_run_thread(io, memory, runtime)
    except ThreadOwnershipError:
        refused = [RemoveMessage(id=m.id) for m in run_input(state["messages"]) if m.id]
        return {"messages": refused, REFUSED_KEY: True, "jump_to": "end"}
    return {REFUSED_KEY: False} if state.get(REFUSED_KEY) else None


def raise_if_refused(state: AgentState[Any]) -> None:
    """After the agent: a run that `refuse_foreign_run` refused ends in
    `ThreadOwnershipError`; the thread's owner was read once, before the agent."""
    if state.get(REFUSED_KEY):
        raise ThreadOwnershipError()


def run_input(messages: Sequence[AnyMessage]) -> Sequence[AnyMessage]:
    """The messages this run brought: those after the thread's last answer or tool result."""
    start = len(messages)
    while start and not isinstance(messages[start - 1], (AIMessage, ToolMessage)):
        start -= 1
    return messages[start:]


class ThreadOwnerMiddleware(AgentMiddleware[AgentState[Any], Any, Any]):
    """Refuses a run on another user's thread before any other middleware sees the run.

    A thread belongs to the user of its first run. Another user's run ends before
    any model call, with its messages taken out of the thread, and raises
    `ThreadOwnershipError`. `MemoryMiddleware` is one too; put this one first where
    middleware before that reads or moves the thread's messages.
    """

    state_schema = OwnerState

    def __init__(self, memory: MemorySource) -> None:
        super().__init__()
        self.memory = memory

    @hook_config(can_jump_to=["end"])
    def before_agent(self, state: AgentState[Any], runtime: Runtime[Any]) -> dict[str, Any] | None:
        return run_sync(refuse_foreign_run(BLOCKING, self.memory, state, runtime))

    @hook_config(can_jump_to=["end"])
    async def abefore_agent(
        self, state: AgentState[Any], runtime: Runtime[Any]
    ) -> dict[str, Any] | None:
        return await refuse_foreign_run(AWAITING, self.memory, state, runtime)

    def after_agent(self, state: AgentState[Any], runtime: Runtime[Any]) -> dict[str, Any] | None:
        raise_if_refused(state)
        return None

    async def aafter_agent(
        self, state: AgentState[Any], runtime: Runtime[Any]
    ) -> dict[str, Any] | None:
        raise_if_refused(state)
        return None


class MemoryMiddleware(ThreadOwnerMiddleware):
    """Give any `create_agent` agent long-term memory of its users, as Agno's agents have.

    Before each model call, the user's memories chosen for the current message
    (all of them while they fit `token_budget`, else the most related and the
    newest) join the system prompt; they are chosen once per run and reused by the
    run's later model calls (chosen again after the run's own `update_user_memory`).
    After the agent finishes, the memory manager learns from the run's user
    messages (`extract`); a failure there never fails the run, and is logged and
    streamed as `memory_update` events. With
    `agentic`, the model also gets the `update_user_memory(task)` tool. With
    `session_summaries`, each thread's summary is brought up to date after each
    run (from the previous summary and the runs since, never the whole thread;
    streamed as `session_summary` events), and once runs have left the window the
    model sees (in `create_memory_agent`), the summary joins the system prompt.

    With `memory_extraction="deferred"` the run ends with the answer: its user
    messages are kept pending in the memories' store, and once the thread has had
    no new message for `extraction_delay_s`, one memory-model call learns from all
    of them (see `graphs.deferred`): in this process, or, with `extraction_graph`
    on LangGraph Server, in a delayed run of that graph.

    The user comes from the run (`context={"user_id": ...}`, else
    `configurable.user_id`; under LangGraph Server with authentication, the
    authenticated user); a run without one fails before any model call. A thread
    belongs to the user of its first run: a run of another user on it raises
    `ThreadOwnershipError` before any model call, so no user's messages reach
    another's model, summary or memories.
    The memory manager's model is `model`, else the `Memory`'s own, else the
    agent's. With `topics`, only memories with one of them join the prompt (the
    memory manager still sees them all). Sync and async agents both work.
    """

    def __init__(
        self,
        memory: MemorySource,
        *,
        extract: bool = True,
        agentic: bool = False,
        session_summaries: bool = False,
        token_budget: int = DEFAULT_TOKEN_BUDGET,
        model: ModelSpec | None = None,
        topics: Sequence[str] | None = None,
        memory_extraction: Extraction = "inline",
        extraction_delay_s: float = DEFAULT_DELAY_S,
        extraction_graph: str | None = None,
    ) -> None:
        super().__init__(memory)
        check_extraction(memory_extraction, extraction_delay_s)
        self.extract = extract
        self.memory_extraction = memory_extraction
        self.extraction_delay_s = extraction_delay_s
        self.extraction_graph = extraction_graph
        self.agentic = agentic
        self.session_summaries = session_summaries
        self.token_budget = token_budget
        self.topics = None if topics is None else list(topics)
        MemoryFilter.of(self.topics)  # refuse unusable topics now, not at the first run
        self.model = None if model is None else resolve_chat_model(model)
        self._agent_models: OrderedDict[str | None, BaseChatModel] = OrderedDict()
        self._sections = _RunSections()
        self.tools = (
            memory_tools(memory, update=True, search=False, agent_model=self._tool_model)
            if agentic
            else []
        )

    # Before the agent, the run's user and thread are checked (`ThreadOwnerMiddleware`).

    # -- memories join the system prompt of every model call ------------------------

    def wrap_model_call(
        self,
        request: ModelRequest[Any],
        handler: Callable[[ModelRequest[Any]], ModelResponse[Any]],
    ) -> ModelResponse[Any] | AIMessage:
        return handler(run_sync(self._with_memories(BLOCKING, request)))

    async def awrap_model_call(
        self,
        request: ModelRequest[Any],
        handler: Callable[[ModelRequest[Any]], Awaitable[ModelResponse[Any]]],
    ) -> ModelResponse[Any] | AIMessage:
        return await handler(await self._with_memories(AWAITING, request))

    async def _with_memories(self, io: Io, request: ModelRequest[Any]) -> ModelRequest[Any]:
        config = get_config()
        user_id = run_user(request.runtime.context, config)
        self._remember(config, request.model)
        thread_id = run_thread(config)
        key = run_key(thread_id, user_id, request.messages)
        updates = updates_this_run(request.messages)
        section = None if key is None else self._sections.get(key, updates)
        if section is None:
            section = await self._section(io, request, user_id, thread_id)
            if key is not None:
                self._sections.put(key, updates, section)
        base = request.system_message.text if request.system_message else ""
        system = f"{base}\n\n{section}" if base else section
        return request.override(system_message=SystemMessage(system))

    async def _section(
        self, io: Io, request: ModelRequest[Any], user_id: str, thread_id: str | None
    ) -> str:
        """The user's memories for the run's message, and the session's summary once
        runs have left the model's window."""
        memory = run_memory(self.memory, request.runtime.store)
        section = await memory_section(
            io,
            memory,
            user_id,
            last_user_text(request.messages),
            agentic=self.agentic,
            token_budget=self.token_budget,
            topics=self.topics,
            write=request.runtime.stream_writer,
        )
        if self.session_summaries and thread_id and request.state.get("archived_runs", 0):
            summary = await summary_section(io, memory, user_id, thread_id)
            section = f"{section}\n\n{summary}" if summary else section
        return section

    # -- after the answer, the memory manager learns from the run -------------------

    def after_agent(self, state: AgentState[Any], runtime: Runtime[Any]) -> dict[str, Any] | None:
        run_sync(self._learn(BLOCKING, state, runtime))
        return None

    async def aafter_agent(
        self, state: AgentState[Any], runtime: Runtime[Any]
    ) -> dict[str, Any] | None:
        await self._learn(AWAITING, state, runtime)
        return None

    async def _learn(self, io: Io, state: AgentState[Any], runtime: Runtime[Any]) -> None:
        raise_if_refused(state)
        config = get_config()
        thread_id = run_thread(config)
        agent_model = self._agent_models.pop(thread_id, None)
        messages = state["messages"]
        user_id = run_user(runtime.context, config)
        key = run_key(thread_id, user_id, messages)
        if key is not None:
            self._sections.drop(key)
        failed = bool(messages) and FAILED_ANSWER_KEY in messages[-1].response_metadata
        if failed or not (self.extract or self.session_summaries):
            return
        memory = run_memory(self.memory, runtime.store)
        model = self._fallback(agent_model)
        if self.extract and self.memory_extraction == "deferred":
            await defer(
                io,
                memory,
                user_id,
                thread_id or "",
                last_run_user_messages(messages),
                model,
                runtime.stream_writer,
                delay_s=self.extraction_delay_s,
                graph=self.extraction_graph,
            )
        elif self.extract:
            said = last_run_user_texts(messages)
            await learn(io, memory, user_id, said, model, runtime.stream_writer)
        if not self.session_summaries:
            return
        if thread_id is None:
            logger.warning("no session summary: the run has no thread_id")
            return
        await summarize_session(
            io, memory, user_id, thread_id, dict(state), runtime.store, model, runtime.stream_writer
        )

    # -- which model manages memories -------------------------------------------------

    def _remember(self, config: RunnableConfig, model: BaseChatModel) -> None:
        """Keep the agent's model of this run's thread, for learning after the run."""
        thread = run_thread(config)
        self._agent_models[thread] = model
        self._agent_models.move_to_end(thread)
        while len(self._agent_models) > _REMEMBERED_MODELS:
            self._agent_models.popitem(last=False)

    def _fallback(self, agent_model: BaseChatModel | None) -> BaseChatModel | None:
        return self.model if self.model is not None else agent_model

    def _tool_model(self, runtime: ToolRuntime[Any, Any]) -> BaseChatModel | None:
        return self._fallback(self._agent_models.get(run_thread(runtime.config)))


class UserMemoryMiddleware(MemoryMiddleware):
    """`MemoryMiddleware` under a name no other package uses.

    Deep Agents exports a `MemoryMiddleware` of its own (AGENTS.md files), and
    `create_agent` names a middleware's nodes after its class and refuses two
    middlewares of one name; this class's nodes are `UserMemoryMiddleware.*`, so
    both fit in one agent. `MemoryMiddleware` keeps its node names, and so the
    threads checkpointed under them.
    """


class CheckedOwnerState(OwnerState):
    """`OwnerState` with the mark of a run whose thread `check_run_owner` has checked."""

    thread_checked: NotRequired[Annotated[bool, UntrackedValue, PrivateStateAttr]]
    """Set by the run's first model call; never checkpointed, so each run starts without
    it, and private, so no input sets it."""


async def check_run_owner(
    io: Io, memory: MemorySource, request: ModelRequest[Any]
) -> dict[str, Any]:
    """`refuse_foreign_run` in the model call, for an agent whose middleware all act there
    (`create_memory_agent`'s), so no graph step of its own is needed (each step is a
    checkpoint written): the thread's update after the check on the run's first model
    call, and none on its later ones.

    A refused run must call no model: its update takes the run's messages back out and
    jumps to the end (so no tool runs a call the owner left pending either), where
    `MemoryMiddleware`'s hook after the agent raises.
    """
    if request.state.get(THREAD_CHECKED):
        return {}
    update = await refuse_foreign_run(io, memory, request.state, request.runtime)
    if update is not None and update.get(REFUSED_KEY):
        return update
    return {**(update or {}), THREAD_CHECKED: True}


class CheckedMemoryMiddleware(MemoryMiddleware):
    """`MemoryMiddleware` in an agent that checks the thread's owner with `check_run_owner`:
    no second claim, and no step of its own, before the agent."""

    before_agent = AgentMiddleware.before_agent
    abefore_agent = AgentMiddleware.abefore_agent

    @property
    def name(self) -> str:
        return MemoryMiddleware.__name__
