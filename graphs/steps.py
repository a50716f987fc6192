"""The memory steps every piece shares: the middleware, the tools, the nodes and the agent.

What a model is shown of a user's memories, learning from a run's user messages,
and carrying out a memory task: each written once, run blocking or awaited.
A step that fails after the answer never fails the run; it is logged and streamed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AnyMessage, BaseMessage, HumanMessage
from langgraph.config import get_config
from langgraph.constants import TAG_NOSTREAM
from langgraph.store.base import BaseStore

from graphs.history import exchange, runs_since
from graphs.scope import memory_completed, memory_failed, memory_started, run_thread
from memory import Memory, prompts
from memory.chat_models import resolve_chat_model
from memory.manager import MemoryUpdateResult
from memory.retrieval import DEFAULT_TOKEN_BUDGET
from memory.schema import SessionSummary
from memory.telemetry import for_user
from memory.twins import Io

logger = logging.getLogger(__name__)

StreamWriter = Callable[[Any], None]
EXTRACT, UPDATE, RECALL = "extract_memories", "update_user_memory", "recall_memories"
"""The `source` of the memory_update events of learning after a run, of the tool, and of
choosing the memories a model is shown."""
SUMMARY_EVENT = "session_summary"
"""The `type` of the events of keeping a session's summary up to date."""


async def memory_section(
    io: Io,
    memory: Memory,
    user_id: str,
    text: str,
    *,
    agentic: bool = False,
    token_budget: int = DEFAULT_TOKEN_BUDGET,
    topics: Sequence[str] | None = None,
    write: StreamWriter | None = None,
) -> str:
    """The user's memories chosen for `text` within the budget (of `topics` only, when
    given), as system-prompt text; a temporary fact says until when it holds.

    Never raises: when the memories cannot be read, the failure is logged with its
    traceback and streamed (`write`), and the model answers without them.
    """
    try:
        chosen = await io.call(
            memory.get_memories_for_prompt,
            memory.aget_memories_for_prompt,
            user_id,
            text,
            token_budget,
            topics=topics,
        )
    except Exception as error:
        logger.exception("the memories of user %r could not be read; answering without", user_id)
        if write is not None:
            write(memory_failed(RECALL, error))
        return prompts.user_memories_unavailable_section(agentic)
    lines = [
        f"- {prompts.one_line(m.memory)}"
        + (f" (until {m.expires_at.isoformat()})" if m.expires_at else "")
        for m in chosen.memories
    ]
    return prompts.user_memories_section(lines, chosen.complete, agentic)


def last_user_text(messages: Sequence[BaseMessage]) -> str:
    """The text of the latest user message: what the memories are chosen for."""
    return next((m.text for m in reversed(messages) if isinstance(m, HumanMessage)), "")


def last_run_user_texts(messages: Sequence[AnyMessage]) -> list[str]:
    """The texts of `last_run_user_messages`."""
    return [m.text for m in last_run_user_messages(messages)]


def last_run_user_messages(messages: Sequence[AnyMessage]) -> list[BaseMessage]:
    """The user's messages of the latest run: the last user message and those just before it."""
    last = next((i for i in range(len(messages) - 1, -1, -1) if _said(messages[i])), None)
    if last is None:
        return []
    first = last
    while first > 0 and _said(messages[first - 1]):
        first -= 1
    return [m for m in messages[first : last + 1] if m.text.strip()]


def _said(message: BaseMessage) -> bool:
    return isinstance(message, HumanMessage)


def memory_model(memory: Memory, fallback: BaseChatModel | None) -> BaseChatModel | None:
    """The model that manages memories: the Memory's own, else the agent's.

    Tagged so that its tokens never join the answer's token stream.
    """
    model = resolve_chat_model(memory.model) if memory.model is not None else fallback
    if model is None:
        return None
    return model.model_copy(update={"tags": [*(model.tags or []), TAG_NOSTREAM]})


async def learn(
    io: Io,
    memory: Memory,
    user_id: str,
    said: list[str],
    agent_model: BaseChatModel | None,
    write: StreamWriter,
) -> MemoryUpdateResult | None:
    """Let the memory manager learn from what the user said; never raises."""
    if not said:
        return None
    write(memory_started(EXTRACT))
    try:
        model = memory_model(memory, agent_model)
        result = await io.call(
            memory.create_user_memories,
            memory.acreate_user_memories,
            messages=[("user", text) for text in said],
            user_id=user_id,
            model=model,
        )
    except Exception as error:
        log_failure("learning memories", EXTRACT, user_id, error)
        write(memory_failed(EXTRACT, error))
        return None
    write(memory_completed(EXTRACT, result))
    return result


async def carry_out(
    io: Io,
    memory: Memory,
    user_id: str,
    task: str,
    agent_model: BaseChatModel | None,
    write: StreamWriter,
) -> str:
    """The update_user_memory tool: a task in plain words; the answer the model reads."""
    write(memory_started(UPDATE))
    try:
        model = memory_model(memory, agent_model)
        result = await io.call(
            memory.update_memory_task, memory.aupdate_memory_task, task, user_id, model=model
        )
    except Exception as error:
        log_failure("update_user_memory", UPDATE, user_id, error)
        write(memory_failed(UPDATE, error))
        return f"Memory update failed, nothing was changed: {error}"
    write(memory_completed(UPDATE, result))
    return describe(result)


async def summary_section(io: Io, memory: Memory, user_id: str, session_id: str) -> str:
    """The session's summary as system-prompt text, or "" when it has none or it cannot
    be read (logged with its traceback: the model answers without it)."""
    try:
        found = await io.call(
            memory.get_session_summary, memory.aget_session_summary, session_id, user_id
        )
    except Exception:
        logger.exception("the summary of a session of user %r could not be read", user_id)
        return ""
    return prompts.session_summary_section(found.summary) if found else ""


async def summarize_session(
    io: Io,
    memory: Memory,
    user_id: str,
    session_id: str,
    state: dict[str, Any],
    store: BaseStore | None,
    agent_model: BaseChatModel | None,
    write: StreamWriter,
) -> SessionSummary | None:
    """Bring the session's summary up to date with the runs it lacks; never raises.

    The summary model reads the previous summary and those runs (archived ones read
    back from `store`), as each run's user message and final answer.
    """
    try:
        previous = await io.call(
            memory.get_session_summary, memory.aget_session_summary, session_id, user_id
        )
        runs, total = await runs_since(
            io, state, store, session_id, previous.runs if previous else 0
        )
        exchanges = [pair for run in runs for pair in exchange(run)]
        if not exchanges:
            return previous
        write({"type": SUMMARY_EVENT, "status": "started"})
        summary = await io.call(
            memory.create_session_summary,
            memory.acreate_session_summary,
            session_id,
            user_id,
            exchanges,
            runs=total,
            model=memory_model(memory, agent_model),
            source="agent",
        )
    except Exception as error:
        log_failure(f"summarising session {session_id!r}", SUMMARY_EVENT, user_id, error)
        write({"type": SUMMARY_EVENT, "status": "failed", "error": str(error)})
        return None
    write({"type": SUMMARY_EVENT, "status": "completed", "summary": summary.to_dict()})
    return summary


def log_failure(
    what: str, step: str, user_id: str, error: BaseException, thread_id: str | None = None
) -> None:
    """Log the failure being handled, once, with its traceback, the run's thread and step
    (the user only at DEBUG); call it from the `except` block that swallows it."""
    logger.warning(
        "%s failed (step %s, thread %r%s): %s",
        what,
        step,
        thread_id or current_thread(),
        for_user(logger, user_id),
        error,
        exc_info=True,
    )


def current_thread() -> str | None:
    """The thread of the LangGraph run this is part of; None outside a run."""
    try:
        return run_thread(get_config())
    except RuntimeError:
        return None


def describe(result: MemoryUpdateResult) -> str:
    """What changed and what was refused, in short, for a model to read."""
    lines = [f"{event.action}: {event.new_memory or event.old_memory}" for event in result.events]
    lines += [f"refused {refused.tool}: {refused.reason}" for refused in result.refused]
    return "\n".join(lines) or "No changes."
