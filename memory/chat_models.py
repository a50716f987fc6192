"""Chat models from "provider:model" strings, through LangChain's `init_chat_model`.

The one place a model is resolved, for the agent, the memory manager and agentic
search alike; a string is built at first use, so importing needs no key, and built
once per spec and settings: every later step reuses the same client.
"""

from __future__ import annotations

import os
import re
import threading
from collections import OrderedDict
from typing import Any, ClassVar, NamedTuple, TypeVar

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage
from pydantic import ValidationError

from memory.errors import MemoryModelError, ModelConfigError
from memory.telemetry import NO_USAGE, TokenUsage, tagged, usage_of
from memory.twins import Io

ModelSpec = BaseChatModel | str
"""A LangChain chat model, or "openai:gpt-4.1-mini" / "google_genai:gemini-2.5-flash" /
any "provider:model" that `init_chat_model` knows (its integration package installed)."""

DEFAULT_CLIENT_SETTINGS: dict[str, Any] = {"timeout": 60, "max_retries": 2}
"""A hung provider fails a call within minutes instead of stalling an agent forever."""

LOCAL_SERVER_KEY = "not-needed-for-a-local-server"
_KEPT_MODELS = 64
_built: OrderedDict[tuple[Any, ...], BaseChatModel] = OrderedDict()
_built_lock = threading.Lock()


def resolve_chat_model(spec: ModelSpec, **kwargs: Any) -> BaseChatModel:
    """Return `spec` itself, or the chat model it names.

    OpenAI-compatible servers (Ollama, llama.cpp, vLLM) are reached with
    "openai:<model>" and `OPENAI_BASE_URL`; they need no real key. Raises
    `ModelConfigError` naming what is missing: credentials, the provider's
    package, or a provider at all. A string is built once per settings and
    credentials in the environment: later calls give the same client, so a
    step never pays for a new one.
    """
    if isinstance(spec, BaseChatModel):
        return spec
    if not isinstance(spec, str) or not spec.strip():
        raise ModelConfigError(
            f"model must be a LangChain chat model or 'provider:model', got {spec!r}"
        )
    settings = DEFAULT_CLIENT_SETTINGS | kwargs
    provider = spec.partition(":")[0] if ":" in spec else None
    base_url = os.environ.get("OPENAI_BASE_URL")
    if provider == "openai" and base_url:
        settings = {
            "base_url": base_url,
            "api_key": os.environ.get("OPENAI_API_KEY") or LOCAL_SERVER_KEY,
            "stream_usage": True,  # as OpenAI's own URL has it: streamed answers count tokens
        } | settings
    key = _cache_key(spec, settings)
    with _built_lock:
        model = _built.get(key) if key is not None else None
    if model is not None:
        return model
    model = _build(spec, provider, settings)
    if key is not None:
        with _built_lock:
            model = _built.setdefault(key, model)
            _built.move_to_end(key)
            while len(_built) > _KEPT_MODELS:
                _built.popitem(last=False)
    return model


def _cache_key(spec: str, settings: dict[str, Any]) -> tuple[Any, ...] | None:
    """What a built client depends on: the spec, its settings and the credentials and
    endpoints in the environment (a changed key builds a new client); None when a
    setting cannot be compared, which is then built every time."""
    environment = tuple(
        sorted(
            (name, value)
            for name, value in os.environ.items()
            if name.endswith(("_API_KEY", "_BASE_URL", "_ENDPOINT"))
        )
    )
    key = (spec, tuple(sorted(settings.items())), environment)
    try:
        hash(key)
    except TypeError:
        return None
    return key


def _build(spec: str, provider: str | None, settings: dict[str, Any]) -> BaseChatModel:
    from langchain.chat_models import init_chat_model  # heavy: loaded when first needed

    try:
        model = init_chat_model(spec, **settings)
    except Exception as error:  # credentials, a missing package, an unknown provider
        hint = (
            "; set OPENAI_API_KEY, or OPENAI_BASE_URL for a local OpenAI-compatible server"
            if provider == "openai"
            else ""
        )
        raise ModelConfigError(f"cannot use the model {spec!r}: {_reason(error)}{hint}") from error
    if not isinstance(model, BaseChatModel):
        raise ModelConfigError(f"{spec!r} did not name one chat model")
    return model


S = TypeVar("S")


class Step(NamedTuple):
    """A model call of memory's: its `name` in traces, and the `model` it is in errors."""

    name: str
    model: str


class ModelHelper:
    """A helper of a Memory that prompts a chat model: its own, or else its Memory's or
    agent's, to do `task`; its instructions can be replaced or added to."""

    task: ClassVar[str]

    def __init__(
        self,
        model: ModelSpec | None = None,
        system_message: str | None = None,
        additional_instructions: str | None = None,
    ) -> None:
        """
        Args:
            model: Chat model or "provider:model"; `None` uses the owning Memory's or agent's.
            system_message: Replaces the built-in instructions.
            additional_instructions: Appended to the instructions.
        """
        self.model = model
        self.system_message = system_message
        self.additional_instructions = additional_instructions

    def chat_model(self, fallback: ModelSpec | None = None) -> BaseChatModel:
        """Its own model, else `fallback`; `ModelConfigError` when there is neither."""
        spec = self.model if self.model is not None else fallback
        if spec is None:
            raise ModelConfigError(
                f"no model to {self.task}: pass Memory(model=...), "
                "e.g. Memory(model='openai:gpt-4.1-mini'), or give the agent a model"
            )
        return resolve_chat_model(spec)


def _reason(error: Exception) -> str:
    """The message of a failed model construction, without pydantic's boilerplate; a
    missing integration package comes with the command that adds it."""
    if isinstance(error, ImportError):
        package = re.search(r"pip install (-U )?([\w.\-\[\]]+)", str(error))
        if package is not None:
            return f"it needs the {package[2]} package: uv add {package[2]}"
    if isinstance(error, ValidationError):
        return "; ".join(
            str(detail["msg"]).removeprefix("Value error, ") for detail in error.errors()
        )
    return str(error)


def unstreamed(model: BaseChatModel) -> BaseChatModel:
    """A copy of `model` that answers whole, for structured output, which is parsed whole.

    Inside a LangGraph run streamed with "messages", every model call streams; for a
    structured answer langchain-openai then streams through OpenAI's parse helper
    with the JSON schema as a plain dict, and serialising each chunk warns
    (`PydanticSerializationUnexpectedValue`) on every call.
    """
    return model.model_copy(update={"disable_streaming": True})


async def structured_answer(
    io: Io, model: BaseChatModel, schema: type[S], messages: list[BaseMessage], step: Step
) -> tuple[S | None, TokenUsage]:
    """Ask `model` (whole, tagged as memory's `step`) for an answer of `schema`; returns
    it (None when the reply did not parse as one) and the usage the reply reports.

    A failing call raises `MemoryModelError`, naming `step.model`.
    """
    answering = unstreamed(model).with_structured_output(schema, include_raw=True)
    structured = tagged(answering, step.name)
    try:
        answer = await io.call(structured.invoke, structured.ainvoke, messages)
    except Exception as error:
        raise MemoryModelError(f"the {step.model} model failed: {error}") from error
    if not isinstance(answer, dict):
        return (answer if isinstance(answer, schema) else None), NO_USAGE
    parsed = answer.get("parsed")
    return (parsed if isinstance(parsed, schema) else None), usage_of(answer.get("raw"))
