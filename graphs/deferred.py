"""Deferred extraction: learn from a thread's user messages once it goes quiet, losing nothing.

After a run, its user messages are kept pending in the memories' store (durably, on
SQLite and PostgreSQL); after `extraction_delay_s` without a new message in that
thread, one memory-model call learns from all of them (`Memory.learn_pending`), and
its changes land in one transaction with the end of their pending state. Two
schedulers do the waiting:

- in the app's process, the `ExtractionWorker` the `Memory` owns
  (`memory.extraction_worker()`, closed with the `Memory`): a background thread
  that lives only while something is scheduled; `flush_memories` learns from
  everything pending now, for shutdown and tests;
- on LangGraph Server, a delayed run of the extractor graph
  (`create_memory_extractor`) on a thread of its own per chat thread, created
  through the server's runs API; a new message replaces the run still waiting.

What a killed process left pending is learned from on the next run of its thread
(which claims all of the thread's pending messages) or by a flush.
"""

from __future__ import annotations

import hashlib
import logging
import math
import os
import uuid
from typing import Any, Literal, cast

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage
from langchain_core.runnables import RunnableConfig, RunnableLambda
from langgraph.config import get_stream_writer
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph
from langgraph.runtime import get_runtime
from langgraph_sdk import get_client
from typing_extensions import TypedDict

from graphs.context import Context
from graphs.scope import (
    MemorySource,
    memory_completed,
    memory_failed,
    run_memory,
    run_model,
    run_user,
)
from graphs.steps import EXTRACT, StreamWriter, memory_model
from memory import Memory
from memory.chat_models import ModelSpec
from memory.extraction import FlushResult, retry_after_s
from memory.schema import MAX_USER_ID_CHARS
from memory.telemetry import for_user
from memory.twins import AWAITING, BLOCKING, Io, run_sync

logger = logging.getLogger(__name__)

Extraction = Literal["inline", "deferred"]
"""When the memory manager learns from a run: `inline`, before the run ends; `deferred`,
once the thread has been quiet for `extraction_delay_s`."""
DEFAULT_DELAY_S = 30.0
EXTRACTOR_GRAPH = "memory_extractor"
"""The extractor's graph id in langgraph.json, which deferred agents on the server schedule."""
_EXTRACTOR_THREADS = uuid.UUID("9a4f6c1e-3b7d-4d2a-8f0e-5c6b7a8d9e01")
EXTRACTION_ENV = "MEMORY_AGENT_EXTRACTION"
EXTRACTION_DELAY_ENV = "MEMORY_AGENT_EXTRACTION_DELAY"


class ExtractionOptions(TypedDict):
    memory_extraction: Extraction
    extraction_delay_s: float


def extraction_from_env() -> ExtractionOptions:
    """The extraction options of a served graph: $MEMORY_AGENT_EXTRACTION ("inline", the
    default, or "deferred") and $MEMORY_AGENT_EXTRACTION_DELAY (seconds, default 30)."""
    mode = os.environ.get(EXTRACTION_ENV) or "inline"
    delay = os.environ.get(EXTRACTION_DELAY_ENV) or str(DEFAULT_DELAY_S)
    try:
        delay_s = float(delay)
    except ValueError as error:
        raise ValueError(
            f"{EXTRACTION_DELAY_ENV} must be a number of seconds, got {delay!r}"
        ) from error
    check_extraction(mode, delay_s)
    return {"memory_extraction": cast(Extraction, mode), "extraction_delay_s": delay_s}


def check_extraction(memory_extraction: str, extraction_delay_s: float) -> None:
    if memory_extraction not in ("inline", "deferred"):
        raise ValueError(
            f"memory_extraction must be 'inline' or 'deferred', got {memory_extraction!r}"
        )
    if not (math.isfinite(extraction_delay_s) and extraction_delay_s >= 0):
        raise ValueError(f"extraction_delay_s must be 0 or more, got {extraction_delay_s!r}")


def message_key(message: BaseMessage) -> str:
    """The id a user message is kept pending under: LangGraph's message id when it fits."""
    if message.id and len(message.id) <= MAX_USER_ID_CHARS and message.id.isprintable():
        return message.id
    return hashlib.sha256((message.id or str(uuid.uuid4())).encode()).hexdigest()


async def defer(
    io: Io,
    memory: Memory,
    user_id: str,
    thread_id: str,
    said: list[BaseMessage],
    model: BaseChatModel | None,
    write: StreamWriter,
    *,
    delay_s: float,
    graph: str | None,
) -> None:
    """Keep the run's user messages pending and schedule learning from them; never raises.

    With `graph` and an awaited run (as LangGraph Server makes), a delayed run of that
    graph does the learning; otherwise this process's `ExtractionWorker` does.
    """
    if not said:
        return
    messages = [(message_key(m), m.text) for m in said]
    try:
        added = await io.call(
            memory.add_pending_messages,
            memory.aadd_pending_messages,
            user_id,
            thread_id,
            messages,
        )
    except Exception as error:
        logger.error(
            "could not keep the messages of thread %r%s to learn from: %s",
            thread_id,
            for_user(logger, user_id),
            error,
            exc_info=True,
        )
        write(memory_failed(EXTRACT, error))
        return
    if graph is not None and not io.blocking:
        try:
            await schedule_extractor_run(graph, user_id, thread_id, delay_s)
        except Exception as error:
            logger.warning(
                "could not schedule %r for thread %r%s; learning in this process: %s",
                graph,
                thread_id,
                for_user(logger, user_id),
                error,
                exc_info=True,
            )
            memory.extraction_worker().schedule(user_id, thread_id, delay_s, model)
    else:
        memory.extraction_worker().schedule(user_id, thread_id, delay_s, model)
    write({"type": "memory_update", "source": EXTRACT, "status": "deferred", "pending": added})


# -- in the app's process -----------------------------------------------------------


def flush_memories(memory: Memory, *, model: ModelSpec | None = None) -> FlushResult:
    """Learn now from every message `memory` holds pending (deferred extraction).

    For shutdown and tests: it waits for a batch in progress, then makes one
    memory-model call per pending thread (messages a killed process left included).
    A thread whose model fails stays pending (logged) and is in the result.
    `model` is the memory model when the `Memory` has none (default: the one the
    latest deferred run on this memory lent).
    """
    return memory.extraction_worker().flush(model)


async def aflush_memories(memory: Memory, *, model: ModelSpec | None = None) -> FlushResult:
    return await memory.extraction_worker().aflush(model)


# -- on LangGraph Server --------------------------------------------------------------


def extractor_thread_id(user_id: str, thread_id: str) -> str:
    """The server thread the extractor runs on for one chat thread: one waiting run each."""
    return str(uuid.uuid5(_EXTRACTOR_THREADS, f"{user_id}\n{thread_id}"))


async def schedule_extractor_run(
    graph: str, user_id: str, thread_id: str, delay_s: float, *, attempt: int = 0
) -> None:
    """Ask the server this run is on to run `graph` for the thread after `delay_s`.

    A new message's run (`attempt` 0) rolls back the extractor run still waiting for
    the thread (or still learning: what it had not settled stays pending for the new
    one), so a burst of messages leads to one run. A retry after a failure queues
    behind the failing run instead.
    """
    extra: dict[str, Any] = {"attempt": attempt} if attempt else {}
    async with get_client() as client:
        await client.runs.create(
            extractor_thread_id(user_id, thread_id),
            graph,
            input={"thread_id": thread_id, **extra},
            context={"user_id": user_id},
            multitask_strategy="enqueue" if attempt else "rollback",
            if_not_exists="create",
            after_seconds=math.ceil(delay_s),
        )


async def _retry(graph: str, user_id: str, thread_id: str, state: ExtractorState) -> None:
    attempt = state.get("attempt", 0) + 1
    delay_s = retry_after_s(attempt)
    try:
        await schedule_extractor_run(graph, user_id, thread_id, delay_s, attempt=attempt)
    except Exception as error:
        logger.warning(
            "could not schedule a retry for thread %r%s; its messages wait for the "
            "thread's next run: %s",
            thread_id,
            for_user(logger, user_id),
            error,
            exc_info=True,
        )
        return
    logger.warning(
        "learning from thread %r%s failed (attempt %d); retrying in %g s",
        thread_id,
        for_user(logger, user_id),
        attempt,
        delay_s,
    )


class ExtractorState(TypedDict, total=False):
    thread_id: str
    """The chat thread to learn from; all of the user's pending threads when left out."""
    attempt: int
    """How many runs for this thread failed in a row before this one (retries set it)."""
    model_calls: int
    """Output: how many memory-model calls the run made."""


def create_memory_extractor(
    memory: MemorySource, *, model: ModelSpec | None = None
) -> CompiledStateGraph[ExtractorState, Context, ExtractorState, ExtractorState]:
    """The graph LangGraph Server runs to learn from pending messages (deferred extraction).

    Serve it beside the agent as `memory_extractor` in langgraph.json; deferred agents
    on the server schedule it. A run learns from the pending messages of
    `{"thread_id": ...}` (all of the user's when left out) for the user in its
    context. The memory model is the `Memory`'s own, else `model`, else the run's
    `context.model`, else $MEMORY_AGENT_MODEL, else the default. A failing model
    fails the run and leaves the messages pending; an awaited run (as on the server)
    first queues a retry of the thread after a back-off (`retry_after_s`), which
    the thread's next message replaces.
    """

    async def learn(io: Io, state: ExtractorState, config: RunnableConfig) -> ExtractorState:
        runtime = get_runtime(Context)
        user_id = run_user(runtime.context, config)
        source = run_memory(memory, runtime.store)
        chosen = memory_model(
            source, None if source.model is not None else run_model(model, runtime.context)
        )
        if "thread_id" in state:
            threads = [state["thread_id"]]
        else:
            pending = await io.call(source.pending_threads, source.apending_threads, user_id)
            threads = [thread.thread_id for thread in pending]
        write = get_stream_writer()
        calls = 0
        for thread_id in threads:
            try:
                results = await io.call(
                    source.learn_pending, source.alearn_pending, user_id, thread_id, model=chosen
                )
            except Exception as error:
                write(memory_failed(EXTRACT, error))
                if not io.blocking and "thread_id" in state:
                    graph_id = (config.get("configurable") or {}).get("graph_id")
                    await _retry(graph_id or EXTRACTOR_GRAPH, user_id, thread_id, state)
                raise
            for result in results:
                write(memory_completed(EXTRACT, result))
            calls += sum(result.model_calls for result in results)
        return {"model_calls": calls}

    def sync(state: ExtractorState, config: RunnableConfig) -> ExtractorState:
        return run_sync(learn(BLOCKING, state, config))

    async def async_(state: ExtractorState, config: RunnableConfig) -> ExtractorState:
        return await learn(AWAITING, state, config)

    graph = StateGraph(ExtractorState, context_schema=Context)
    graph.add_node("learn_pending", RunnableLambda(sync, afunc=async_, name="learn_pending"))
    graph.add_edge(START, "learn_pending")
    graph.add_edge("learn_pending", END)
    return graph.compile(name=EXTRACTOR_GRAPH)
