"""Chat models from "provider:model" strings, built at first use so imports never need a key."""

from __future__ import annotations

import os
from typing import Any

from langchain_core.language_models import BaseChatModel

from memory.schema import MemoryAgentError

ModelSpec = BaseChatModel | str
"""A LangChain chat model, or "openai:gpt-4.1-mini" / "google_genai:gemini-2.5-flash"."""

PROVIDERS = ("openai", "google_genai")


class ModelConfigError(MemoryAgentError):
    """The model cannot be built: unknown provider, or credentials missing."""


DEFAULT_CLIENT_SETTINGS: dict[str, Any] = {"timeout": 60, "max_retries": 2}
"""A hung provider fails a call within minutes instead of stalling an agent forever."""


def resolve_chat_model(spec: ModelSpec, **kwargs: Any) -> BaseChatModel:
    """Return `spec` itself, or build the chat model it names.

    OpenAI-compatible servers (Ollama, llama.cpp, vLLM) are reached with
    "openai:<model>" and `OPENAI_BASE_URL`; they need no real key.
    """
    if isinstance(spec, BaseChatModel):
        return spec
    kwargs = DEFAULT_CLIENT_SETTINGS | kwargs
    if not isinstance(spec, str) or ":" not in spec:
        raise ModelConfigError(
            f"model must be a LangChain chat model or 'provider:model' "
            f"(providers: {', '.join(PROVIDERS)}), got {spec!r}"
        )
    provider, _, name = spec.partition(":")
    if provider == "openai":
        from langchain_openai import ChatOpenAI

        base_url = os.environ.get("OPENAI_BASE_URL")
        if not os.environ.get("OPENAI_API_KEY") and not base_url:
            raise ModelConfigError(
                f"{spec!r} needs OPENAI_API_KEY, or OPENAI_BASE_URL for a local "
                "OpenAI-compatible server (Ollama, llama.cpp, vLLM)"
            )
        api_key = os.environ.get("OPENAI_API_KEY") or "not-needed-for-a-local-server"
        return ChatOpenAI(model=name, api_key=api_key, base_url=base_url, **kwargs)
    if provider == "google_genai":
        from langchain_google_genai import ChatGoogleGenerativeAI

        if not (os.environ.get("GOOGLE_API_KEY") or os.environ.get("GEMINI_API_KEY")):
            raise ModelConfigError(f"{spec!r} needs GOOGLE_API_KEY (or GEMINI_API_KEY)")
        return ChatGoogleGenerativeAI(model=name, **kwargs)
    raise ModelConfigError(
        f"unknown model provider {provider!r}; use one of {', '.join(PROVIDERS)}"
    )
