"""MemoryMiddleware chooses a run's memory section once and reuses it for the run's
later model calls; concurrent runs never share one; a model string is built once."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

import pytest
from langchain.agents import create_agent
from langchain_core.messages import BaseMessage, SystemMessage
from langchain_core.tools import tool

from graphs import MemoryMiddleware, create_memory_agent
from memory import HashEmbeddings, Memory, PromptMemories, SqliteMemoryDb, chat_models
from memory.chat_models import resolve_chat_model
from memory.testing import ScriptedChatModel, tool_call

AVA, BOB = "ava", "bob"
SMALL_BUDGET = 12
"""Too few tokens for all of a user's memories, so choosing them ranks by the query."""


class CountingEmbeddings(HashEmbeddings):
    def __init__(self) -> None:
        super().__init__()
        self.queries = 0
        self._lock = threading.Lock()

    def embed_query(self, text: str) -> list[float]:
        with self._lock:
            self.queries += 1
        return super().embed_query(text)


class CountingMemory(Memory):
    """A `Memory` that counts how often memories are chosen for a prompt."""

    selections = 0

    def get_memories_for_prompt(self, *args: Any, **kwargs: Any) -> PromptMemories:
        self.selections += 1
        return super().get_memories_for_prompt(*args, **kwargs)

    async def aget_memories_for_prompt(self, *args: Any, **kwargs: Any) -> PromptMemories:
        self.selections += 1
        return await super().aget_memories_for_prompt(*args, **kwargs)


@tool
def look_outside() -> str:
    """What the weather is like."""
    return "sunny"


def say(agent: Any, text: str, user: str) -> Any:
    """`agent.invoke` for one user message."""
    return agent.invoke({"messages": [("user", text)]}, context={"user_id": user})


async def asay(agent: Any, text: str, user: str) -> Any:
    return await agent.ainvoke({"messages": [("user", text)]}, context={"user_id": user})


def system_text(messages: list[BaseMessage]) -> str:
    return messages[0].text if isinstance(messages[0], SystemMessage) else ""


def make_memory(tmp_path: Path, embeddings: CountingEmbeddings) -> CountingMemory:
    memory = CountingMemory(
        db=SqliteMemoryDb(db_file=str(tmp_path / "m.db")), embeddings=embeddings
    )
    for user, facts in {
        AVA: ["Ava likes green tea", "Ava lives in Lisbon", "Ava plays the cello"],
        BOB: ["Bob likes black coffee", "Bob lives in Oslo", "Bob plays chess"],
    }.items():
        for fact in facts:
            memory.add_user_memory(fact, user_id=user)
    return memory


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_run_of_three_model_calls_chooses_its_memories_once(tmp_path: Path, mode: str) -> None:
    embeddings = CountingEmbeddings()
    memory = make_memory(tmp_path, embeddings)
    model = ScriptedChatModel(
        [tool_call("look_outside"), tool_call("look_outside"), "Sunny, enjoy your tea."]
    )
    agent = create_agent(
        model,
        tools=[look_outside],
        middleware=[MemoryMiddleware(memory, extract=False, token_budget=SMALL_BUDGET)],
    )
    before = embeddings.queries
    if mode == "sync":
        say(agent, "What tea should I drink?", AVA)
    else:
        asyncio.run(asay(agent, "What tea should I drink?", AVA))

    assert len(model.calls) == 3
    assert memory.selections == 1
    assert embeddings.queries - before == 1
    prompts = {system_text(call.messages) for call in model.calls}
    assert len(prompts) == 1
    assert "Ava" in prompts.pop()


def test_the_next_run_chooses_again(tmp_path: Path) -> None:
    memory = make_memory(tmp_path, CountingEmbeddings())
    model = ScriptedChatModel(["Hi.", "Hi again."])
    agent = create_agent(model, middleware=[MemoryMiddleware(memory, extract=False)])
    say(agent, "hello", AVA)
    memory.add_user_memory("Ava has a cat named Miso", user_id=AVA)
    say(agent, "hello", AVA)

    assert memory.selections == 2
    assert "Miso" not in system_text(model.calls[0].messages)
    assert "Miso" in system_text(model.calls[1].messages)


def test_the_runs_own_memory_update_is_shown_to_its_next_model_call(tmp_path: Path) -> None:
    memory = make_memory(tmp_path, CountingEmbeddings())
    memory_model = ScriptedChatModel([tool_call("add_memory", memory="Ava has a cat named Miso")])
    memory.model = memory_model
    model = ScriptedChatModel(
        [tool_call("update_user_memory", task="remember Ava's cat Miso"), "Noted."]
    )
    agent = create_agent(model, middleware=[MemoryMiddleware(memory, extract=False, agentic=True)])
    say(agent, "My cat is called Miso", AVA)

    assert "Miso" not in system_text(model.calls[0].messages)
    assert "Miso" in system_text(model.calls[1].messages)


def test_concurrent_runs_of_two_users_never_see_each_others_section(tmp_path: Path) -> None:
    memory = make_memory(tmp_path, CountingEmbeddings())
    both = threading.Barrier(2, timeout=30)

    def reply_after_the_other_started(messages: list[BaseMessage]) -> str:
        both.wait()  # each run's second call happens while the other run is in flight
        return "done"

    model = ScriptedChatModel(
        [tool_call("look_outside"), tool_call("look_outside")] + [reply_after_the_other_started] * 2
    )
    agent = create_agent(
        model, tools=[look_outside], middleware=[MemoryMiddleware(memory, extract=False)]
    )

    async def both_runs() -> None:
        await asyncio.gather(
            *(
                asyncio.to_thread(say, agent, "what do you know about me?", user)
                for user in (AVA, BOB)
            )
        )

    asyncio.run(both_runs())

    assert len(model.calls) == 4
    for call in model.calls:
        shown = system_text(call.messages)
        assert ("Ava" in shown) != ("Bob" in shown)
    assert memory.selections == 2


def test_a_model_string_resolves_to_the_same_client_each_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "first-key")
    first = resolve_chat_model("openai:gpt-4.1-mini")

    assert resolve_chat_model("openai:gpt-4.1-mini") is first
    assert resolve_chat_model("openai:gpt-4.1-nano") is not first

    monkeypatch.setenv("OPENAI_API_KEY", "second-key")
    assert resolve_chat_model("openai:gpt-4.1-mini") is not first


def test_an_agents_model_string_is_built_once_for_all_its_runs_and_steps(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The answering calls and the memory manager of three runs share one client."""
    model = ScriptedChatModel(["Hi Ava.", "No changes"] * 3)
    built: list[str] = []

    def build(spec: str, provider: str | None, settings: dict[str, Any]) -> ScriptedChatModel:
        built.append(spec)
        return model

    monkeypatch.setattr(chat_models, "_build", build)
    spec = "openai:model-built-once-by-this-test"
    with Memory() as memory:
        agent = create_memory_agent(spec, memory=memory, enable_user_memories=True)
        for text in ("I'm Ava", "I ski", "I live in Lisbon"):
            agent.invoke(
                {"messages": [("user", text)]},
                {"configurable": {"thread_id": "ava"}},
                context={"user_id": AVA},
            )

    assert len(model.calls) == 6  # each run: the answer, then the memory manager
    assert built == [spec]
