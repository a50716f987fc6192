"""Scripted chat model and helpers for testing LangGraph graphs offline."""

from __future__ import annotations

import re
import threading
import uuid
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from langchain_core.callbacks import (
    AsyncCallbackManagerForLLMRun,
    CallbackManagerForLLMRun,
)
from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, UsageMetadata
from langchain_core.messages.tool import ToolCallChunk, tool_call_chunk
from langchain_core.messages.tool import tool_call as make_tool_call
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langchain_core.runnables import Runnable
from langchain_core.tools import BaseTool
from langchain_core.utils.function_calling import convert_to_openai_tool
from pydantic import PrivateAttr

__all__ = [
    "ModelCall",
    "Reply",
    "ScriptExhaustedError",
    "ScriptedChatModel",
    "remember_user_lines",
    "tool_call",
    "tool_calls",
    "with_usage",
]

Reply = AIMessage | str | BaseException | Callable[[list[BaseMessage]], AIMessage | str]
"""One scripted answer: a message, its text, an error to raise, or a function of the prompt."""

_TOKEN = re.compile(r"\s*\S+|\s+")


class ScriptExhaustedError(AssertionError):
    """The model was called more often than the test scripted, i.e. the graph looped."""


@dataclass(frozen=True)
class ModelCall:
    """What one call showed the model, so a test can assert on prompts and bound tools."""

    messages: list[BaseMessage]
    tool_schemas: list[dict[str, Any]]
    tool_choice: Any

    @property
    def tools(self) -> list[str]:
        """Names of the tools bound for this call."""
        return [schema["function"]["name"] for schema in self.tool_schemas]


class ScriptedChatModel(BaseChatModel):
    """Chat model that answers from a script, for testing graphs without a provider.

    LangChain's own fake chat models raise on `bind_tools`, so they cannot drive
    tool-calling or structured-output graphs; this one can. Each call takes the
    next reply from the script and records what the model was shown in `calls`.

    ```python
    model = ScriptedChatModel([tool_call("add_memory", memory="likes tea"), "Noted!"])
    graph = build_graph(model)  # uses model.bind_tools(...)
    graph.invoke(...)
    assert model.calls[0].tools == ["add_memory"]
    assert model.remaining == 0
    ```

    Replies can be an `AIMessage` (with `tool_calls` or `invalid_tool_calls`), a
    `str`, an exception instance (raised when reached, e.g. a provider timeout),
    or a callable that receives the prompt messages and returns either.
    Streaming yields the content word by word and each tool call's arguments in
    fragments, so streamed and aggregated results match `invoke`.
    """

    _script: deque[Reply] = PrivateAttr()
    _scripted: int = PrivateAttr()
    _calls: list[ModelCall] = PrivateAttr(default_factory=list)
    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)

    def __init__(self, responses: Sequence[Reply], /, **kwargs: Any) -> None:
        """Script the replies, in the order the model will give them."""
        super().__init__(**kwargs)
        self._script = deque(responses)
        self._scripted = len(responses)

    @property
    def _llm_type(self) -> str:
        return "scripted"

    @property
    def calls(self) -> list[ModelCall]:
        """Every call made so far, oldest first."""
        with self._lock:
            return list(self._calls)

    @property
    def remaining(self) -> int:
        """Replies not yet used; assert it is 0 to check the graph called the model enough."""
        with self._lock:
            return len(self._script)

    def bind_tools(
        self,
        tools: Sequence[dict[str, Any] | type | Callable[..., Any] | BaseTool],
        *,
        tool_choice: str | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        """Bind tools as OpenAI-style schemas, which each call records."""
        if tool_choice is not None:
            kwargs["tool_choice"] = tool_choice
        return self.bind(tools=[convert_to_openai_tool(tool) for tool in tools], **kwargs)

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        return ChatResult(generations=[ChatGeneration(message=self._answer(messages, kwargs))])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        for chunk in _chunks(self._answer(messages, kwargs)):
            if run_manager:
                run_manager.on_llm_new_token(chunk.text, chunk=chunk)
            yield chunk

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        for chunk in _chunks(self._answer(messages, kwargs)):
            if run_manager:
                await run_manager.on_llm_new_token(chunk.text, chunk=chunk)
            yield chunk

    def _answer(self, messages: list[BaseMessage], kwargs: dict[str, Any]) -> AIMessage:
        """Record the call, then turn the next scripted reply into a message."""
        with self._lock:
            self._calls.append(
                ModelCall(list(messages), list(kwargs.get("tools", [])), kwargs.get("tool_choice"))
            )
            if not self._script:
                msg = (
                    f"ScriptedChatModel got call {len(self._calls)} but only "
                    f"{self._scripted} replies were scripted; last message: {messages[-1]!r}"
                )
                raise ScriptExhaustedError(msg)
            reply = self._script.popleft()
        if isinstance(reply, BaseException):
            raise reply
        if callable(reply):
            reply = reply(list(messages))
        if isinstance(reply, str):
            return AIMessage(content=reply)
        return reply.model_copy(deep=True)


def _chunks(message: AIMessage) -> Iterator[ChatGenerationChunk]:
    """Split a reply the way providers stream it: text tokens, then tool-call fragments."""
    pieces = _TOKEN.findall(message.content) if isinstance(message.content, str) else []
    for piece in pieces:
        yield ChatGenerationChunk(message=AIMessageChunk(content=piece, id=message.id))
    for index, call in enumerate(_raw_tool_calls(message)):
        args = call["args"] or ""
        head, tail = args[: len(args) // 2], args[len(args) // 2 :]
        for fragment in (
            tool_call_chunk(name=call["name"], args=head, id=call["id"], index=index),
            tool_call_chunk(args=tail, index=index),
        ):
            yield ChatGenerationChunk(
                message=AIMessageChunk(content="", id=message.id, tool_call_chunks=[fragment])
            )
    yield ChatGenerationChunk(
        message=AIMessageChunk(
            content="" if isinstance(message.content, str) else message.content,
            id=message.id,
            additional_kwargs=message.additional_kwargs,
            response_metadata=message.response_metadata,
            usage_metadata=message.usage_metadata,
            chunk_position="last",
        )
    )


def _raw_tool_calls(message: AIMessage) -> list[ToolCallChunk]:
    """Valid and invalid tool calls alike, with arguments as the JSON text a provider sends."""
    return AIMessageChunk(
        content="", tool_calls=message.tool_calls, invalid_tool_calls=message.invalid_tool_calls
    ).tool_call_chunks


def tool_calls(*calls: tuple[str, dict[str, Any]], content: str = "") -> AIMessage:
    """Build a reply making several tool calls, each `(name, args)`, with fresh ids."""
    return AIMessage(
        content=content,
        tool_calls=[
            make_tool_call(name=name, args=args, id=f"call_{uuid.uuid4().hex[:12]}")
            for name, args in calls
        ],
    )


def tool_call(name: str, /, **args: Any) -> AIMessage:
    """Build a reply making one tool call, e.g. `tool_call("add_memory", memory="...")`."""
    return tool_calls((name, args))


def with_usage(reply: AIMessage | str, input_tokens: int, output_tokens: int) -> AIMessage:
    """A reply that reports its token usage as a provider does (`AIMessage.usage_metadata`),
    e.g. `with_usage(tool_call("add_memory", memory="..."), 120, 15)`."""
    message = AIMessage(content=reply) if isinstance(reply, str) else reply
    usage = UsageMetadata(
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        total_tokens=input_tokens + output_tokens,
    )
    return message.model_copy(update={"usage_metadata": usage})


_USER_LINE = re.compile(r"^user: (.+)$", re.MULTILINE)


def remember_user_lines(messages: list[BaseMessage]) -> AIMessage:
    """A memory model's reply: one `add_memory` per user line of the conversation it was shown.

    Script it as a callable reply (`ScriptedChatModel([remember_user_lines] * n)`) to
    see which messages each memory-model call was given, as the memories it adds.
    """
    said = _USER_LINE.findall(messages[-1].text)
    return tool_calls(*(("add_memory", {"memory": f"The user said: {line}"}) for line in said))
