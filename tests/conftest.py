"""Shared fixtures: every test runs offline, on each kind of store, with fake providers at hand."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from memory import Memory, SqliteMemoryDb
from tests.fakes import GeminiServer, OpenAIServer
from tests.fakes.offline import forbid_network, isolate_provider_env


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test may reach a real provider or see real keys."""
    forbid_network(monkeypatch)
    isolate_provider_env(monkeypatch)


@pytest.fixture(params=["in_process", "sqlite_file"])
def memory(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Memory]:
    """The same tests run against memories kept in process and in a SQLite file."""
    db = None if request.param == "in_process" else SqliteMemoryDb(db_file=tmp_path / "m.db")
    with Memory(db=db) as memory:
        yield memory


@pytest.fixture
def db_file(tmp_path: Path) -> Path:
    return tmp_path / "nested" / "folder" / "agent.db"


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
