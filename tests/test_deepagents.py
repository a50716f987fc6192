"""Our user memory and Deep Agents' AGENTS.md memory in one `create_agent` agent."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from deepagents import MemoryMiddleware as AgentsFileMiddleware
from deepagents.backends import FilesystemBackend
from langchain.agents import create_agent
from langchain.agents.middleware import AgentMiddleware
from langchain_core.messages import SystemMessage
from typing_extensions import TypedDict

from graphs import MemoryMiddleware, UserMemoryMiddleware
from memory import Memory
from memory.testing import ScriptedChatModel, tool_call


class UserContext(TypedDict):
    user_id: str


def test_both_memory_middlewares_shape_one_prompt(tmp_path: Path) -> None:
    (tmp_path / "AGENTS.md").write_text("Answer in French.\n", encoding="utf-8")
    memory = Memory()
    memory.add_user_memory("The user is vegetarian", "ava")
    model = ScriptedChatModel(
        ["Un curry de lentilles.", tool_call("add_memory", memory="The user lives in Lyon")]
    )
    middleware: list[AgentMiddleware[Any, Any, Any]] = [
        AgentsFileMiddleware(backend=FilesystemBackend(root_dir=tmp_path), sources=["/AGENTS.md"]),
        UserMemoryMiddleware(memory),
    ]
    agent = create_agent(model, middleware=middleware, context_schema=UserContext)
    answer = agent.invoke(
        {"messages": [{"role": "user", "content": "I live in Lyon. A dinner idea?"}]},
        context={"user_id": "ava"},
    )
    assert answer["messages"][-1].content == "Un curry de lentilles."
    system = model.calls[0].messages[0]
    assert isinstance(system, SystemMessage)
    assert "Answer in French." in system.text
    assert "The user is vegetarian" in system.text
    assert "The user lives in Lyon" in [m.memory for m in memory.get_user_memories("ava")]
    assert "UserMemoryMiddleware.after_agent" in agent.get_graph().nodes


def test_the_old_name_is_the_same_middleware_and_clashes_with_deep_agents(tmp_path: Path) -> None:
    assert issubclass(UserMemoryMiddleware, MemoryMiddleware)
    middleware: list[AgentMiddleware[Any, Any, Any]] = [
        AgentsFileMiddleware(backend=FilesystemBackend(root_dir=tmp_path), sources=[]),
        MemoryMiddleware(Memory()),
    ]
    with pytest.raises(AssertionError, match="duplicate middleware"):
        create_agent(ScriptedChatModel([]), middleware=middleware)
