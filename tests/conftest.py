"""Shared fixtures: every test runs offline, and fake provider servers are on hand."""

from collections.abc import Iterator

import pytest

from tests.fakes import GeminiServer, OpenAIServer
from tests.fakes.offline import forbid_network, isolate_provider_env


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test may reach a real provider or see real keys."""
    forbid_network(monkeypatch)
    isolate_provider_env(monkeypatch)


@pytest.fixture
def openai_server() -> Iterator[OpenAIServer]:
    """A running fake OpenAI API; `openai_server.chat_model()` is a client aimed at it."""
    with OpenAIServer() as server:
        yield server


@pytest.fixture
def gemini_server() -> Iterator[GeminiServer]:
    """A running fake Gemini API; `gemini_server.chat_model()` is a client aimed at it."""
    with GeminiServer() as server:
        yield server
