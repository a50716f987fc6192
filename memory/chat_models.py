"""Chat models from "provider:model" strings, through LangChain's `init_chat_model`.

The one place a model is resolved, for the agent, the memory manager and agentic
search alike; a string is built at first use, so importing needs no key.
"""

from __future__ import annotations

import os
from typing import Any

from langchain.chat_models import init_chat_model
from langchain_core.language_models import BaseChatModel
from pydantic import ValidationError

from memory.errors import ModelConfigError

ModelSpec = BaseChatModel | str
"""A LangChain chat model, or "openai:gpt-4.1-mini" / "google_genai:gemini-2.5-flash" /
any "provider:model" that `init_chat_model` knows (its integration package installed)."""

DEFAULT_CLIENT_SETTINGS: dict[str, Any] = {"timeout": 60, "max_retries": 2}
"""A hung provider fails a call within minutes instead of stalling an agent forever."""

LOCAL_SERVER_KEY = "not-needed-for-a-local-server"


def resolve_chat_model(spec: ModelSpec, **kwargs: Any) -> BaseChatModel:
    """Return `spec` itself, or build the chat model it names.

    OpenAI-compatible servers (Ollama, llama.cpp, vLLM) are reached with
    "openai:<model>" and `OPENAI_BASE_URL`; they need no real key. Raises
    `ModelConfigError` naming what is missing: credentials, the provider's
    package, or a provider at all.
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


def first_model(own: ModelSpec | None, fallback: ModelSpec | None, task: str) -> BaseChatModel:
    """A helper's own model, else the fallback (its Memory's or agent's) to do `task`."""
    spec = own if own is not None else fallback
    if spec is None:
        raise ModelConfigError(
            f"no model to {task}: pass Memory(model=...), "
            "e.g. Memory(model='openai:gpt-4.1-mini'), or give the agent a model"
        )
    return resolve_chat_model(spec)


def _reason(error: Exception) -> str:
    """The message of a failed model construction, without pydantic's boilerplate."""
    if isinstance(error, ValidationError):
        return "; ".join(
            str(detail["msg"]).removeprefix("Value error, ") for detail in error.errors()
        )
    return str(error)
