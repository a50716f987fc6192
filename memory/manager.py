"""MemoryManager: a chat model proposes memory changes as tool calls; only valid ones land."""

from __future__ import annotations

import copy
import logging
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from functools import cache
from typing import Any, Protocol

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import (
    BaseMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
    convert_to_messages,
)
from pydantic import BaseModel, Field, ValidationError

from memory import prompts
from memory.chat_models import ModelHelper, ModelSpec, Step, structured_answer
from memory.db.view import NO_FILTER, MemoryFilter
from memory.errors import MemoryModelError, MemoryNotFoundError
from memory.retrieval import DEFAULT_TOKEN_BUDGET, PromptMemories, SearchResult, approx_tokens
from memory.schema import (
    MAX_INPUT_CHARS,
    AddMemory,
    ClearMemories,
    DeleteMemory,
    MemoryEvent,
    MemoryOp,
    PendingClaim,
    ReplaceMemory,
    UserMemory,
    WriteContext,
    utc,
)
from memory.telemetry import tagged, usage_of
from memory.twins import Io

logger = logging.getLogger(__name__)

MAX_TRANSCRIPT_CHARS = 16_000
"""Of a long conversation, the manager reads the end: about 4,000 tokens."""


class ManagerPort(Protocol):
    """What the manager needs of a store: the memories it may show, and applying its plan.

    `memory.memories.Memories` is the one a `Memory` gives it; each method is a body
    that runs blocking or awaited, as `io` says.
    """

    def now(self) -> datetime:
        """The current time (UTC): what expiry and the model's sense of "now" go by."""
        ...

    async def for_prompt(
        self, io: Io, user_id: str, text: str, token_budget: int, filter: MemoryFilter
    ) -> PromptMemories:
        """The user's memories to show a model, related to `text`, within `token_budget`."""
        ...

    async def apply(
        self, io: Io, user_id: str, ops: Sequence[MemoryOp], context: WriteContext
    ) -> list[MemoryEvent]:
        """Apply a batch as one transaction; `MemoryNotFoundError` when an id is gone."""
        ...


class RefusedToolCall(BaseModel):
    """A change the model asked for and was not made, and why."""

    tool: str
    args: dict[str, Any] | str
    reason: str


class MemoryUpdateResult(BaseModel):
    """What one run of the memory manager changed and refused."""

    events: list[MemoryEvent] = Field(default_factory=list)
    refused: list[RefusedToolCall] = Field(default_factory=list)
    model_calls: int = 0
    prompt_tokens: int = 0
    """Approximate tokens sent to the model, summed over its calls."""
    input_tokens: int = 0
    """Input tokens the provider reported, summed over the calls (0 when it reports none)."""
    output_tokens: int = 0
    """Output tokens the provider reported, summed over the calls."""
    reply: str = ""
    """The model's last text, e.g. "No changes"."""

    @property
    def changed(self) -> bool:
        return bool(self.events)


class _AddMemory(BaseModel):
    memory: str = Field(description=prompts.ARGUMENT_DESCRIPTIONS["memory"])
    topics: list[str] | None = Field(None, description=prompts.ARGUMENT_DESCRIPTIONS["topics"])
    expires_at: datetime | None = Field(
        None, description=prompts.ARGUMENT_DESCRIPTIONS["expires_at"]
    )


class _UpdateMemory(_AddMemory):
    memory_id: str = Field(description=prompts.ARGUMENT_DESCRIPTIONS["memory_id"])


class _DeleteMemory(BaseModel):
    memory_id: str = Field(description=prompts.ARGUMENT_DESCRIPTIONS["memory_id"])


class _ClearMemory(BaseModel):
    pass


_TOOL_ARGS: dict[str, type[BaseModel]] = {
    "add_memory": _AddMemory,
    "update_memory": _UpdateMemory,
    "delete_memory": _DeleteMemory,
    "clear_memory": _ClearMemory,
}


class RelatedMemories(BaseModel):
    """The ids of the memories related to the query, most related first."""

    memory_ids: list[str]


def _tool_schema(name: str) -> dict[str, Any]:
    """A copy of the tool's schema: pydantic builds it in about a millisecond, once."""
    return copy.deepcopy(_built_tool_schema(name))


@cache
def _built_tool_schema(name: str) -> dict[str, Any]:
    parameters = _TOOL_ARGS[name].model_json_schema()
    parameters.pop("title", None)
    parameters.pop("description", None)
    return {
        "type": "function",
        "function": {
            "name": name,
            "description": prompts.TOOL_DESCRIPTIONS[name],
            "parameters": parameters,
        },
    }


class _Plan:
    """The ops a run will apply, checked one tool call at a time against what the model saw."""

    def __init__(
        self, shown: dict[str, UserMemory], tools: set[str], source_input: str, now: datetime
    ) -> None:
        self.shown, self.tools, self.source_input, self.now = shown, tools, source_input, now
        self.ops: list[MemoryOp] = []
        self.refused: list[RefusedToolCall] = []
        self.gone: set[str] = set()

    def consider(self, name: str, args: dict[str, Any]) -> str:
        """Queue the op or refuse it; returns the tool result the model reads."""
        try:
            op = self._op(name, args)
        except ValueError as error:
            self.refused.append(RefusedToolCall(tool=name, args=args, reason=str(error)))
            return f"Refused: {error}"
        self.ops.append(op)
        return "Done."

    def refuse_malformed(self, name: str | None, args: str | None, error: str | None) -> str:
        reason = f"malformed arguments: {error or 'not valid JSON'}"
        self.refused.append(RefusedToolCall(tool=name or "?", args=args or "", reason=reason))
        return f"Refused: {reason}"

    def drop(self, memory_id: str, reason: str) -> None:
        """Take back every queued op on `memory_id` (it vanished before the batch landed)."""
        kept = []
        for op in self.ops:
            if isinstance(op, ReplaceMemory | DeleteMemory) and op.memory_id == memory_id:
                tool = "update_memory" if isinstance(op, ReplaceMemory) else "delete_memory"
                self.refused.append(
                    RefusedToolCall(tool=tool, args={"memory_id": memory_id}, reason=reason)
                )
            else:
                kept.append(op)
        self.ops = kept

    def _op(self, name: str, args: dict[str, Any]) -> MemoryOp:
        if name not in _TOOL_ARGS:
            raise ValueError(f"unknown tool {name!r}")
        if name not in self.tools:
            raise ValueError(f"{name} is not allowed for this memory")
        try:
            parsed = _TOOL_ARGS[name].model_validate(args)
            match parsed:
                case _UpdateMemory():
                    return ReplaceMemory(self._memory_id(parsed.memory_id), self._memory(parsed))
                case _AddMemory():
                    return AddMemory(self._memory(parsed))
                case _DeleteMemory():
                    memory_id = self._memory_id(parsed.memory_id)
                    self.gone.add(memory_id)
                    return DeleteMemory(memory_id)
                case _:
                    self.gone.update(m.memory_id for m in self.shown.values() if m.memory_id)
                    return ClearMemories()
        except ValidationError as error:
            problems = "; ".join(
                f"{'.'.join(map(str, e['loc'])) or 'arguments'}: {e['msg']}" for e in error.errors()
            )
            raise ValueError(f"invalid arguments: {problems}") from error

    def _memory_id(self, alias: str) -> str:
        """Map a listed alias ("m3") to the real id; anything else was never shown, so refuse."""
        shown = self.shown.get(alias.strip())
        if shown is None or shown.memory_id is None:
            raise ValueError(f"unknown memory id {alias!r}: use an id from the list")
        if shown.memory_id in self.gone:
            raise ValueError(f"memory {alias!r} is already deleted")
        return shown.memory_id

    def _memory(self, args: _AddMemory) -> UserMemory:
        memory = UserMemory(
            memory=args.memory,
            topics=args.topics,
            input=self.source_input or None,
            expires_at=args.expires_at,
        )
        if memory.expires_at is not None and memory.expires_at <= self.now:
            raise ValueError(
                f"expires_at {memory.expires_at.isoformat()} has already passed (it is now "
                f"{self.now.isoformat()}); give a later time, or none for a lasting fact"
            )
        return memory


class MemoryManager(ModelHelper):
    """Turns what a user says into memory changes with a chat model, safely.

    The model sees the user's memories under short aliases (m1, m2, ...) and may
    call add_memory, update_memory, and, when allowed, delete_memory and
    clear_memory. Each call is checked (known tool, valid arguments, an id it was
    shown); refused calls are reported back so the model can correct itself, in
    at most `max_rounds` model calls. The accepted ops are then applied as one
    transaction. The model never sees or names a user id.
    """

    task = "manage or search memories"

    def __init__(
        self,
        model: ModelSpec | None = None,
        system_message: str | None = None,
        memory_capture_instructions: str | None = None,
        additional_instructions: str | None = None,
        *,
        token_budget: int = DEFAULT_TOKEN_BUDGET,
        max_rounds: int = 3,
    ) -> None:
        """
        Args:
            model: Chat model or "provider:model"; `None` uses the owning Memory's or agent's.
            system_message: Replaces the built-in role and rules (the memory list is kept).
            memory_capture_instructions: Replaces the built-in list of what to capture.
            additional_instructions: Appended to the system message.
            token_budget: Approximate tokens of existing memories shown to the model.
            max_rounds: Model calls per run, counting retries after refused tool calls.
        """
        super().__init__(model, system_message, additional_instructions)
        self.memory_capture_instructions = memory_capture_instructions
        self.token_budget = token_budget
        self.max_rounds = max_rounds

    async def update(
        self,
        io: Io,
        port: ManagerPort,
        user_id: str,
        request: str,
        source_input: str,
        *,
        model: BaseChatModel,
        delete_memories: bool,
        clear_memories: bool,
        settles: PendingClaim | None = None,
    ) -> MemoryUpdateResult:
        """One manager run: show memories, collect checked tool calls, apply them at once.

        Reads and writes go through `port`, so the memories shown are chosen as the
        agent's are, and what the batch writes is embedded after it. Refused tool
        calls are logged and reported; a failing model raises `MemoryModelError`.
        `settles`: the pending messages this run learns from, settled by its batch
        (applied even when empty).
        """
        shown = await port.for_prompt(
            io, user_id, source_input or request, self.token_budget, NO_FILTER
        )
        aliases = {f"m{n}": m for n, m in enumerate(shown.memories, 1)}
        tools = {"add_memory", "update_memory"}
        tools |= {"delete_memory"} if delete_memories else set()
        tools |= {"clear_memory"} if clear_memories else set()
        bound = tagged(
            model.bind_tools([_tool_schema(name) for name in _TOOL_ARGS if name in tools]),
            "memory_manager",
        )
        now = utc(port.now())
        messages: list[BaseMessage] = [
            SystemMessage(self._system_prompt(aliases, shown.complete, now)),
            HumanMessage(request),
        ]
        plan = _Plan(aliases, tools, source_input[-MAX_INPUT_CHARS:], now)
        result = MemoryUpdateResult()
        for _ in range(self.max_rounds):
            result.model_calls += 1
            result.prompt_tokens += sum(approx_tokens(m.text) for m in messages)
            try:
                reply = await io.call(bound.invoke, bound.ainvoke, messages)
            except Exception as error:
                raise MemoryModelError(f"the memory model failed: {error}") from error
            used = usage_of(reply)
            result.input_tokens += used.input_tokens
            result.output_tokens += used.output_tokens
            result.reply = reply.text
            refused_before = len(plan.refused)
            answers = [
                ToolMessage(
                    plan.consider(call["name"], call["args"]), tool_call_id=call["id"] or ""
                )
                for call in reply.tool_calls
            ] + [
                ToolMessage(
                    plan.refuse_malformed(bad["name"], bad["args"], bad["error"]),
                    tool_call_id=bad["id"] or "",
                )
                for bad in reply.invalid_tool_calls
            ]
            if not answers or len(plan.refused) == refused_before:
                break
            messages += [reply, *answers]
        context = WriteContext("manager", input=plan.source_input or None, at=now, settles=settles)
        while plan.ops or settles is not None:
            try:
                result.events = await port.apply(io, user_id, plan.ops, context)
                break
            except MemoryNotFoundError as vanished:
                plan.drop(vanished.memory_id, "the memory was deleted before the change landed")
        result.refused = plan.refused
        for refused in result.refused:
            logger.warning(
                "refused a %s call of the memory model: %s", refused.tool, refused.reason
            )
        return result

    async def search(
        self,
        io: Io,
        port: ManagerPort,
        user_id: str,
        query: str,
        limit: int | None,
        *,
        model: BaseChatModel,
        filter: MemoryFilter,
    ) -> SearchResult:
        """Agentic search: the model picks related memories; ids it invents are dropped.

        Its candidates are the memories a prompt would get (hybrid-ranked when the
        port has embeddings) that pass `filter`, so a large memory never overflows
        the model.
        """
        shown = await port.for_prompt(io, user_id, query, self.token_budget, filter)
        if not shown.memories:
            return SearchResult(method="agentic")
        aliases = {f"m{n}": m for n, m in enumerate(shown.memories, 1)}
        messages = [
            SystemMessage(
                f"{prompts.AGENTIC_SEARCH_ROLE}\n\n"
                + prompts.existing_memories_section(_memory_lines(aliases), shown.complete)
            ),
            HumanMessage(prompts.agentic_search_input(query)),
        ]
        step = Step("agentic_search", "search")
        parsed, used = await structured_answer(io, model, RelatedMemories, messages, step)
        ids = parsed.memory_ids if parsed is not None else []
        found = list({alias: aliases[alias] for alias in ids if alias in aliases}.values())
        return SearchResult(found if limit is None else found[:limit], method="agentic", usage=used)

    def _system_prompt(self, aliases: dict[str, UserMemory], complete: bool, now: datetime) -> str:
        parts = [
            self.system_message
            or "\n\n".join(
                [
                    prompts.MEMORY_MANAGER_ROLE,
                    self.memory_capture_instructions or prompts.MEMORY_CAPTURE_INSTRUCTIONS,
                    prompts.MEMORY_RULES,
                ]
            ),
            self.additional_instructions or "",
            prompts.current_time(now),
            prompts.existing_memories_section(_memory_lines(aliases), complete),
        ]
        return "\n\n".join(part for part in parts if part)


def _memory_lines(aliases: dict[str, UserMemory]) -> list[str]:
    return [
        prompts.memory_line(alias, m.memory, m.topics, m.expires_at) for alias, m in aliases.items()
    ]


MessageLike = BaseMessage | dict[str, Any] | tuple[str, str] | str


def render_transcript(messages: Iterable[MessageLike]) -> tuple[list[tuple[str, str]], str]:
    """A conversation as `(said, user_text)`: (role, text) of each message, tools and
    system dropped, and what the user said.

    Accepts LangChain messages, {"role", "content"} dicts and (role, text) pairs.
    """
    said: list[tuple[str, str]] = []
    for message in convert_to_messages(list(messages)):
        text = message.text.strip()
        if text and message.type in _ROLES:
            said.append((_ROLES[message.type], text))
    return said, "\n".join(text for role, text in said if role == "user")


_ROLES = {"human": "user", "ai": "assistant"}


def transcript_windows(
    said: Sequence[tuple[str, str]], size: int = MAX_TRANSCRIPT_CHARS
) -> list[str]:
    """The conversation as transcripts of at most about `size` characters, in order, so
    that all of a long one is read, a window per model call. A message longer than a
    window is cut at a space where it can be, its later parts marked "(continued)"."""
    windows: list[str] = []
    lines: list[str] = []
    length = 0
    for role, text in said:
        for n, part in enumerate(_parts(text, size)):
            line = prompts.transcript_line(f"{role} (continued)" if n else role, part)
            if lines and length + len(line) > size:
                windows.append("\n".join(lines))
                lines, length = [], 0
            lines.append(line)
            length += len(line) + 1
    if lines:
        windows.append("\n".join(lines))
    return windows


def _parts(text: str, size: int) -> Iterator[str]:
    while len(text) > size:
        cut = text.rfind(" ", size // 2, size)
        cut = size if cut < 0 else cut
        yield text[:cut]
        text = text[cut:].lstrip()
    yield text
