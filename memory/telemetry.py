"""Spans of memory operations (OpenTelemetry API only) and the tokens memory's models used.

Spans go to the app's tracer provider and cost next to nothing when it configured
none: this package never installs an SDK or exporter. Names and attributes follow
OpenTelemetry's GenAI memory conventions (`search_memory`, `create_memory`,
`update_memory`, `upsert_memory`, `delete_memory`; `gen_ai.memory.*`) where they define one, and
`memory_agent.*` where they do not. A span starts in the current context, so it
nests under the span of the LangGraph run (or any caller) that is current.

User ids and memory text are recorded only when the app opts in, with
`trace_content(True)` or `MEMORY_AGENT_TRACE_CONTENT=1` (read when a `Memory` is made).
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any, TypeVar

from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.messages import AIMessage
from langchain_core.outputs import ChatGeneration, LLMResult
from langchain_core.runnables import Runnable
from opentelemetry import context, trace
from opentelemetry.trace import Status, StatusCode
from opentelemetry.util.types import AttributeValue

TRACE_CONTENT_ENV = "MEMORY_AGENT_TRACE_CONTENT"
"""Set to 1 to record user ids and memory text on spans (off by default)."""
TAG = "memory_agent"
"""The LangChain tag of every model call memory makes (with the step's name beside it)."""
TRACER_NAME = "memory_agent"

# Span names: the GenAI memory operations, and ours where the conventions have none.
SEARCH, CREATE, UPDATE, DELETE = "search_memory", "create_memory", "update_memory", "delete_memory"
UPSERT = "upsert_memory"
LEARN = "memory_agent.learn"
LEARN_PENDING = "memory_agent.learn_pending"
FLUSH = "memory_agent.flush"
SUMMARIZE = "memory_agent.summarize"
_GENAI_OPERATIONS = {SEARCH, CREATE, UPDATE, DELETE, UPSERT}

# Attributes of the GenAI conventions.
OPERATION_NAME = "gen_ai.operation.name"
RECORD_COUNT = "gen_ai.memory.record.count"
RECORD_ID = "gen_ai.memory.record.id"
QUERY_TEXT = "gen_ai.memory.query.text"
RECORDS = "gen_ai.memory.records"
TOP_K = "gen_ai.retrieval.top_k"
CONVERSATION_ID = "gen_ai.conversation.id"
INPUT_TOKENS = "gen_ai.usage.input_tokens"
OUTPUT_TOKENS = "gen_ai.usage.output_tokens"
USER_ID = "enduser.id"
# Ours.
OPERATION = "memory_agent.operation"
"""The public method, e.g. `delete_user_memory` or `clear`: one span name covers several."""
AGENT_ID = "memory_agent.agent_id"
METHOD = "memory_agent.retrieval_method"
TOKEN_BUDGET = "memory_agent.token_budget"
CONTEXT_TOKENS = "memory_agent.context_tokens"
MESSAGES = "memory_agent.messages"
APPLIED = "memory_agent.operations.applied"
REFUSED = "memory_agent.operations.refused"
MODEL_CALLS = "memory_agent.model_calls"
THREADS = "memory_agent.threads"
THREADS_PENDING = "memory_agent.threads.pending"

_tracer: trace.Tracer = trace.get_tracer(TRACER_NAME)
_trace_content: bool | None = None


def use_tracer_provider(provider: trace.TracerProvider | None) -> None:
    """Send memory's spans to `provider` instead of the global one (None: the global one).

    For tests and for apps that keep a provider of their own for memory.
    """
    global _tracer
    _tracer = trace.get_tracer(TRACER_NAME, tracer_provider=provider)


def trace_content(enabled: bool | None = True) -> None:
    """Record user ids and memory text on spans, or not; None follows
    `MEMORY_AGENT_TRACE_CONTENT` again."""
    global _trace_content
    _trace_content = enabled


def environment_opts_in() -> bool:
    """Whether `MEMORY_AGENT_TRACE_CONTENT` asks for user ids and memory text on spans.

    A `Memory` reads it once, when it is made: looking it up on every span cost a
    traced search more than the rest of our own code around the span."""
    return os.environ.get(TRACE_CONTENT_ENV, "").strip().lower() in ("1", "true", "yes", "on")


def content_traced(environment: bool | None = None) -> bool:
    """Whether spans carry user ids and memory text: only when the app opted in, with
    `trace_content` or else the environment (`environment`, when the caller read it)."""
    if _trace_content is not None:
        return _trace_content
    return environment_opts_in() if environment is None else environment


@dataclass(frozen=True)
class TokenUsage:
    """Tokens a model call used, as its provider reported them (0 when it reported none)."""

    input_tokens: int = 0
    output_tokens: int = 0

    def __add__(self, other: TokenUsage) -> TokenUsage:
        return TokenUsage(
            self.input_tokens + other.input_tokens, self.output_tokens + other.output_tokens
        )

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens


NO_USAGE = TokenUsage()


def usage_of(message: object) -> TokenUsage:
    """The usage a model's reply reports in `AIMessage.usage_metadata`."""
    usage = message.usage_metadata if isinstance(message, AIMessage) else None
    if not usage:
        return NO_USAGE
    return TokenUsage(usage.get("input_tokens", 0), usage.get("output_tokens", 0))


R = TypeVar("R", bound=Runnable[Any, Any])


def tagged(runnable: R, step: str) -> R:
    """`runnable` named and tagged as memory's `step`, so LangSmith (and `TokenCounter`)
    tell memory's model calls from the app's."""
    configured: R = runnable.with_config(  # type: ignore[assignment]
        run_name=f"{TAG}.{step}", tags=[TAG, step], metadata={"memory_agent_step": step}
    )
    return configured


class MemorySpan:
    """The span of one memory operation, recording only what the app allows; as a
    context manager it is current while the operation runs and ends with it.

    Attributes are gathered here and handed to the span once, when it ends: the
    SDK's per-call cost is most of what tracing costs. A plain class rather than a
    generator-based context manager, since every search pays for this one.
    """

    def __init__(
        self,
        span: trace.Span,
        attributes: dict[str, AttributeValue] | None = None,
        environment: bool | None = None,
    ) -> None:
        self.span = span
        self.recording = span.is_recording()
        self.content = self.recording and content_traced(environment)
        self.attributes: dict[str, AttributeValue] = attributes or {}
        self._token: object = None

    def __enter__(self) -> MemorySpan:
        if self.recording:
            self._token = context.attach(trace.set_span_in_context(self.span))
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if not self.recording:
            return
        context.detach(self._token)  # type: ignore[arg-type]
        self.flush()
        # As `trace.use_span`: an Exception fails the span, a GeneratorExit or the like does not.
        if isinstance(error, Exception):
            self.span.record_exception(error)
            self.span.set_status(Status(StatusCode.ERROR, f"{type(error).__name__}: {error}"))
        self.span.end()

    def set(self, attributes: Mapping[str, AttributeValue | None]) -> None:
        """Record these attributes; None values are left out."""
        if self.recording:
            for key, value in attributes.items():
                if value is not None:
                    self.attributes[key] = value

    def user(self, user_id: str | None) -> None:
        """The user's id, when the app opted in to content."""
        if self.content and user_id is not None:
            self.attributes[USER_ID] = user_id

    def text(self, key: str, value: str | None) -> None:
        """Memory or query text, when the app opted in to content."""
        if self.content and value is not None:
            self.attributes[key] = value

    def records(self, records: Iterable[tuple[str | None, str]]) -> None:
        """The (id, text) of the memories stored or found, when the app opted in to content;
        a generator passed here is not even run otherwise."""
        if self.content:
            payload = [{"id": memory_id, "content": text} for memory_id, text in records]
            self.attributes[RECORDS] = json.dumps(payload)

    def usage(self, usage: TokenUsage) -> None:
        """The tokens of the operation's model calls, when a provider reported any."""
        if usage.total_tokens:
            self.set({INPUT_TOKENS: usage.input_tokens, OUTPUT_TOKENS: usage.output_tokens})

    def flush(self) -> None:
        """Hand the gathered attributes to the span."""
        if self.attributes:
            self.span.set_attributes(self.attributes)
            self.attributes = {}


_IDLE = MemorySpan(trace.INVALID_SPAN)
"""What a call site records on when no span records: nothing, and entering it does nothing."""


def memory_span(
    name: str,
    operation: str,
    user_id: str | None = None,
    attributes: Mapping[str, AttributeValue | None] | None = None,
    environment: bool | None = None,
) -> MemorySpan:
    """A span around one memory operation (use it in `with`), current while it runs; an
    exception it raises is recorded on the span and marks it failed. `environment` is
    what the caller read of `environment_opts_in()`; None reads it now.

    A span that does not record (no SDK, or sampled out) is never made current,
    so tracing that is off costs one `start_span` call.
    """
    span = _tracer.start_span(name)
    if not span.is_recording():
        return _IDLE
    recorded = MemorySpan(
        span,
        {OPERATION: operation, OPERATION_NAME: name}
        if name in _GENAI_OPERATIONS
        else {OPERATION: operation},
        environment,
    )
    if attributes:
        recorded.set(attributes)
    recorded.user(user_id)
    return recorded


class _CurrentSpan(MemorySpan):
    """The caller's span, which records at once: its owner flushes it before this could.
    Only recorded on, never entered: its owner made it current and ends it."""

    def flush(self) -> None:
        pass

    def set(self, attributes: Mapping[str, AttributeValue | None]) -> None:
        if self.recording:
            self.span.set_attributes({k: v for k, v in attributes.items() if v is not None})


def current_span() -> MemorySpan:
    """The current span, for a step that records on its caller's span (a model call's usage)."""
    return _CurrentSpan(trace.get_current_span())


class TokenCounter(BaseCallbackHandler):
    """Counts the tokens of the model calls of runs it is passed to, memory's apart.

    Pass it in a run's `callbacks`; calls tagged `memory_agent` count as `memory`,
    all others as `answer`.
    """

    def __init__(self) -> None:
        self.answer = TokenUsage()
        self.memory = TokenUsage()
        self._lock = threading.Lock()

    def on_llm_end(
        self, response: LLMResult, *, tags: list[str] | None = None, **kwargs: Any
    ) -> None:
        used = TokenUsage()
        for generations in response.generations:
            for generation in generations:
                if isinstance(generation, ChatGeneration):
                    used += usage_of(generation.message)
        with self._lock:
            if TAG in (tags or []):
                self.memory += used
            else:
                self.answer += used


def for_user(logger: logging.Logger, user_id: str | None) -> str:
    """ " for user '...'" when `logger` logs DEBUG, else "": user ids stay out of logs above it."""
    if user_id is None or not logger.isEnabledFor(logging.DEBUG):
        return ""
    return f" for user {user_id!r}"
