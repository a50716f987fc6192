"""A session's runs: the window the model sees, and the append-only archive of older runs."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, NotRequired, cast

from langchain.agents import AgentState
from langchain.agents.middleware import ModelRequest
from langchain_core.messages import (
    AIMessage,
    AnyMessage,
    BaseMessage,
    HumanMessage,
    RemoveMessage,
    ToolMessage,
    messages_from_dict,
    messages_to_dict,
)
from langchain_core.tools import BaseTool, StructuredTool
from langgraph.config import get_config
from langgraph.prebuilt import ToolRuntime
from langgraph.store.base import BaseStore, GetOp, Item, PutOp
from pydantic import BaseModel, ConfigDict, Field

from graphs.scope import run_thread
from memory import prompts
from memory.db.namespaces import archive_namespace
from memory.twins import AWAITING, BLOCKING, Io, run_sync

MAX_CHATS = 50
MAX_SUMMARY_RUNS = 20
"""Of the runs a session's summary lacks, at most the latest this many are summarised at
once (more only after the summary model failed for that long)."""


def split_runs(messages: Sequence[AnyMessage]) -> list[list[AnyMessage]]:
    """A run starts at a user message and holds everything the agent did for it."""
    runs: list[list[AnyMessage]] = []
    for message in messages:
        if isinstance(message, HumanMessage) or not runs:
            runs.append([message])
        else:
            runs[-1].append(message)
    return runs


def exchange(run: Sequence[BaseMessage]) -> list[dict[str, str]]:
    """The user's message and the assistant's final answer of one run, as role/content pairs."""
    asked = next((m.text for m in run if isinstance(m, HumanMessage)), "")
    answers = [m.text for m in run if isinstance(m, AIMessage) and m.text.strip()]
    pairs = [{"role": "user", "content": asked}]
    if answers:
        pairs.append({"role": "assistant", "content": answers[-1]})
    return pairs


class SessionArchive:
    """Runs that left the checkpointed window, one store item each, keyed by run number.

    Items are written once and never rewritten, so a thread's storage grows with
    its length; the last runs are read by key, without scanning the thread.
    """

    def __init__(self, store: BaseStore) -> None:
        self.store = store

    async def append(
        self, io: Io, thread_id: str, first_index: int, runs: Sequence[Sequence[BaseMessage]]
    ) -> None:
        namespace = archive_namespace(thread_id)
        ops = [
            PutOp(
                namespace,
                _key(first_index + n),
                {"messages": messages_to_dict(list(run))},
                index=False,
            )
            for n, run in enumerate(runs)
        ]
        if ops:
            await io.call(self.store.batch, self.store.abatch, ops)

    async def read(self, io: Io, thread_id: str, start: int, stop: int) -> list[list[BaseMessage]]:
        """Runs `start` to `stop - 1`, oldest first; runs missing from the store are skipped."""
        if stop <= start:
            return []
        namespace = archive_namespace(thread_id)
        ops = [GetOp(namespace, _key(n)) for n in range(start, stop)]
        items = await io.call(self.store.batch, self.store.abatch, ops)
        return [_messages(item.value) for item in cast(list[Item | None], items) if item]


def _key(index: int) -> str:
    return f"{index:012d}"


def _messages(value: dict[str, Any]) -> list[BaseMessage]:
    return messages_from_dict(value["messages"])


async def runs_since(
    io: Io, state: dict[str, Any], store: BaseStore | None, thread_id: str, start: int
) -> tuple[list[list[BaseMessage]], int]:
    """The thread's runs from run number `start` on, archived ones read back, and how
    many runs the thread has in all; never more than `MAX_SUMMARY_RUNS` runs."""
    visible: list[list[BaseMessage]] = [list(run) for run in split_runs(state["messages"])]
    archived: int = state.get("archived_runs", 0)
    total = archived + len(visible)
    start = max(start, total - MAX_SUMMARY_RUNS)
    older: list[list[BaseMessage]] = []
    if start < archived and store is not None:
        older = await SessionArchive(store).read(io, thread_id, start, archived)
    return [*older, *visible[max(0, start - archived) :]], total


class SessionState(AgentState[Any]):
    """Only the runs the model may still see are kept; older ones move to the archive.

    A checkpoint stores the whole state at every step, so a state that grew with
    the thread would make session storage grow with its square.
    """

    archived_runs: NotRequired[int]
    """How many of the thread's oldest runs were moved to the session archive."""


class SessionWindow:
    """Keeps the last `runs_kept` runs of a thread in its state and archives older ones.

    What the model sees of a thread is its last `runs_kept` runs and the new
    message; the run store's archive keeps the rest, which `get_chat_history`
    (with `read_chat_history`) reads. A run left with tool calls no tool
    answered (an interrupted run) is repaired, as providers refuse such history.
    It works inside the model call (`create_memory_agent`'s `RunSetup`), so it adds
    no graph step (each step is a checkpoint written): the model sees the window,
    and the model's step writes it to the thread with the answer.
    """

    def __init__(self, runs_kept: int, *, read_chat_history: bool = False) -> None:
        self.runs_kept = runs_kept
        self.tools = [chat_history_tool()] if read_chat_history else []

    async def show(
        self, io: Io, request: ModelRequest[Any]
    ) -> tuple[ModelRequest[Any], dict[str, Any]]:
        """The request as the window shows it, and the thread's update to match (none when
        the thread is already its window: every model call of a run after the first)."""
        state = cast(SessionState, request.state)
        earlier = split_runs(state["messages"])[:-1]
        cut = max(0, len(earlier) - self.runs_kept)
        leaving, kept = earlier[:cut], earlier[cut:]
        repaired = _without_unanswered_tool_calls(kept)
        if not leaving and not repaired:
            return request, {}
        update: dict[str, Any] = {"messages": list(repaired)}
        if leaving:
            archived = state.get("archived_runs", 0)
            thread_id = run_thread(get_config())
            if request.runtime.store is not None and thread_id is not None:
                await SessionArchive(request.runtime.store).append(io, thread_id, archived, leaving)
            update["messages"] += [RemoveMessage(id=m.id) for run in leaving for m in run if m.id]
            update["archived_runs"] = archived + len(leaving)
        gone = {m.id for run in leaving for m in run if m.id}
        swapped = {m.id: m for m in repaired}
        seen = [swapped.get(m.id, m) for m in request.messages if not m.id or m.id not in gone]
        visible = [swapped.get(m.id, m) for m in state["messages"] if m.id not in gone]
        windowed = request.override(
            messages=seen,
            state=cast(SessionState, {**state, **update, "messages": visible}),
        )
        return windowed, update


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


class _HistoryArgs(BaseModel):
    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)
    num_chats: int = Field(
        3, ge=1, le=MAX_CHATS, description=f"How many of the latest exchanges (1 to {MAX_CHATS})."
    )
    runtime: ToolRuntime[Any, Any]


def chat_history_tool() -> BaseTool:
    """`get_chat_history(num_chats)`: the thread's latest exchanges, archived ones included."""

    def get_chat_history(runtime: ToolRuntime[Any, Any], num_chats: int = 3) -> str:
        return run_sync(_chat_history(BLOCKING, runtime, num_chats))

    async def aget_chat_history(runtime: ToolRuntime[Any, Any], num_chats: int = 3) -> str:
        return await _chat_history(AWAITING, runtime, num_chats)

    return StructuredTool.from_function(
        get_chat_history,
        coroutine=aget_chat_history,
        description=prompts.GET_CHAT_HISTORY_DESCRIPTION,
        args_schema=_HistoryArgs,
    )


async def _chat_history(io: Io, runtime: ToolRuntime[Any, Any], num_chats: int) -> str:
    state: dict[str, Any] = runtime.state
    recent = split_runs(state["messages"])[:-1][-num_chats:]  # the current run is not history
    archived = state.get("archived_runs", 0)
    thread_id = run_thread(runtime.config)
    older: list[list[BaseMessage]] = []
    if runtime.store is not None and thread_id is not None and len(recent) < num_chats:
        start = max(0, archived - (num_chats - len(recent)))
        older = await SessionArchive(runtime.store).read(io, thread_id, start, archived)
    runs: list[Sequence[BaseMessage]] = [*older, *recent]
    return json.dumps([pair for run in runs for pair in exchange(run)])
