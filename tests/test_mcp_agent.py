"""A LangGraph agent (LangChain `create_agent`) using the memory MCP tools over HTTP,
through LangChain's MCP adapter, with a scripted model that calls them."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastmcp import Client as FastMCPClient
from fastmcp.client.transports import StreamableHttpTransport
from langchain.agents import create_agent
from langchain_core._api import LangChainBetaWarning
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage

from memory import Memory, SqliteMemoryDb
from memory.testing import ScriptedChatModel, tool_call
from server import create_app
from tests.live_server import live_server
from tests.test_mcp_http import ALICE_KEY, KEYS, bearer

with warnings.catch_warnings():
    warnings.simplefilter("ignore", LangChainBetaWarning)  # langchain.mcp is in beta
    from langchain.mcp import MCPAdapter


@pytest.fixture
def memory(tmp_path: Path) -> Iterator[Memory]:
    with Memory(SqliteMemoryDb(db_file=str(tmp_path / "memories.db"))) as memory:
        memory.add_user_memory("The user's name is Bob", "bob")
        yield memory


def answer_from_search(messages: list[BaseMessage]) -> AIMessage:
    """The model's last turn: it answers from what the search tool returned."""
    found = messages[-1]
    assert isinstance(found, ToolMessage)
    return AIMessage("Your name is Ava." if "Ava" in str(found.content) else "I don't know.")


async def test_an_agent_remembers_and_recalls_through_the_mcp_tools(memory: Memory) -> None:
    model = ScriptedChatModel(
        [
            tool_call("add_memory", memory="The user's name is Ava", topics=["name"]),
            tool_call("search_memories", query="name"),
            answer_from_search,
        ]
    )
    with live_server(create_app(memory, keys=KEYS)) as base_url:
        transport = StreamableHttpTransport(
            f"{base_url}/memory/mcp", headers={"Authorization": bearer(ALICE_KEY)}
        )
        async with MCPAdapter(FastMCPClient(transport)) as adapter:
            tools = await adapter.list_tools()
            agent = create_agent(model, tools)
            state = await agent.ainvoke({"messages": [HumanMessage("I am Ava. What is my name?")]})

    assert state["messages"][-1].content == "Your name is Ava."
    assert "add_memory" in model.calls[0].tools
    results = [m for m in state["messages"] if isinstance(m, ToolMessage)]
    assert [m.name for m in results] == ["add_memory", "search_memories"]
    assert all("Bob" not in str(m.content) for m in results)
    assert model.remaining == 0
    assert [m.memory for m in memory.get_user_memories("alice")] == ["The user's name is Ava"]
    assert [m.memory for m in memory.get_user_memories("bob")] == ["The user's name is Bob"]
