"""The MCP server over stdio: `memory-agent mcp` driven by the MCP SDK's own client."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from mcp import Client, StdioServerParameters
from mcp.types import CallToolResult, TextContent

from memory import Memory, SqliteMemoryDb

TOOLS = {
    "add_memory",
    "search_memories",
    "list_memories",
    "get_memory",
    "update_memory",
    "delete_memory",
    "memory_history",
    "forget_all",
}


def stdio_server(db_file: Path, user: str, *extra: str) -> StdioServerParameters:
    """The installed `memory-agent` command, as an MCP client's config would start it."""
    command = Path(sys.executable).parent / "memory-agent"
    return StdioServerParameters(
        command=str(command), args=["mcp", "--db", str(db_file), "--user", user, *extra]
    )


def result(answer: CallToolResult) -> Any:
    """A successful call's structured result (a list comes wrapped as `result`)."""
    assert not answer.is_error, error_text(answer)
    structured = answer.structured_content
    assert isinstance(structured, dict)
    return structured.get("result", structured)


def error_text(answer: CallToolResult) -> str:
    return " ".join(block.text for block in answer.content if isinstance(block, TextContent))


@pytest.fixture
def db_file(tmp_path: Path) -> Path:
    """A SQLite file where bob already has a memory."""
    path = tmp_path / "memories.db"
    with Memory(SqliteMemoryDb(db_file=str(path))) as memory:
        memory.add_user_memory("The user is called Bob", "bob")
    return path


def stored(db_file: Path, user: str, agent_id: str | None = None) -> list[str]:
    with Memory(SqliteMemoryDb(db_file=str(db_file)), agent_id=agent_id) as memory:
        return [m.memory for m in memory.get_user_memories(user)]


async def test_stdio_tools_manage_only_the_command_line_user(db_file: Path) -> None:
    async with Client(stdio_server(db_file, "alice")) as client:
        listed = await client.list_tools()
        assert {tool.name for tool in listed.tools} == TOOLS
        for tool in listed.tools:
            assert "user_id" not in tool.input_schema.get("properties", {})

        added = result(
            await client.call_tool(
                "add_memory", {"memory": "The user plays the cello", "topics": ["music"]}
            )
        )
        memory_id = added["memory_id"]
        assert added["user_id"] == "alice"
        assert added["topics"] == ["music"]

        found = result(await client.call_tool("search_memories", {"query": "cello"}))
        assert [m["memory_id"] for m in found["memories"]] == [memory_id]
        assert found["method"] == "keyword"

        updated = result(
            await client.call_tool(
                "update_memory", {"memory_id": memory_id, "memory": "The user plays the viola"}
            )
        )
        assert (updated["memory"], updated["topics"]) == ("The user plays the viola", ["music"])
        listed_memories = result(await client.call_tool("list_memories", {"topics": ["music"]}))
        assert listed_memories["total"] == 1
        got = result(await client.call_tool("get_memory", {"memory_id": memory_id}))
        assert got["memory"] == "The user plays the viola"

        history = result(await client.call_tool("memory_history", {"memory_id": memory_id}))
        assert [event["action"] for event in history] == ["added", "updated"]
        assert history[-1]["old_memory"] == "The user plays the cello"
        assert {event["source"] for event in history} == {"mcp"}

        deleted = result(await client.call_tool("delete_memory", {"memory_id": memory_id}))
        assert deleted == {"memory_id": memory_id, "deleted": True}
        gone = await client.call_tool("get_memory", {"memory_id": memory_id})
        assert gone.is_error
        assert memory_id in error_text(gone)

    assert stored(db_file, "alice") == []
    assert stored(db_file, "bob") == ["The user is called Bob"]


async def test_stdio_user_comes_from_the_command_line_never_from_arguments(
    db_file: Path,
) -> None:
    with Memory(SqliteMemoryDb(db_file=str(db_file))) as memory:
        (bobs,) = memory.get_user_memories("bob")
    async with Client(stdio_server(db_file, "alice")) as client:
        await client.call_tool("add_memory", {"memory": "The user likes tea", "user_id": "bob"})
        reached = await client.call_tool("get_memory", {"memory_id": bobs.memory_id})
        assert reached.is_error
        assert "Bob" not in error_text(reached)
        refused = await client.call_tool(
            "update_memory", {"memory_id": bobs.memory_id, "memory": "The user is called Eve"}
        )
        assert refused.is_error
        assert (await client.call_tool("delete_memory", {"memory_id": bobs.memory_id})).is_error
        assert (await client.call_tool("memory_history", {"memory_id": bobs.memory_id})).is_error
        listed = result(await client.call_tool("list_memories", {}))
        assert [m["memory"] for m in listed["memories"]] == ["The user likes tea"]
        assert result(await client.call_tool("forget_all", {"confirm": True})) == {"deleted": 1}

    assert stored(db_file, "alice") == []
    assert stored(db_file, "bob") == ["The user is called Bob"]


async def test_forget_all_needs_an_explicit_confirm(db_file: Path) -> None:
    async with Client(stdio_server(db_file, "bob")) as client:
        unconfirmed = await client.call_tool("forget_all", {"confirm": False})
        assert unconfirmed.is_error
        assert "confirm" in error_text(unconfirmed)
        missing = await client.call_tool("forget_all", {})
        assert missing.is_error
        assert stored(db_file, "bob") == ["The user is called Bob"]
        assert result(await client.call_tool("forget_all", {"confirm": True})) == {"deleted": 1}
    assert stored(db_file, "bob") == []


async def test_stdio_agent_option_keeps_that_agents_memories_apart(db_file: Path) -> None:
    async with Client(stdio_server(db_file, "bob", "--agent", "coach")) as client:
        assert result(await client.call_tool("list_memories", {}))["total"] == 0
        await client.call_tool("add_memory", {"memory": "The user runs on Sundays"})
    assert stored(db_file, "bob", agent_id="coach") == ["The user runs on Sundays"]
    assert stored(db_file, "bob") == ["The user is called Bob"]


async def test_bad_arguments_are_tool_errors_that_change_nothing(db_file: Path) -> None:
    async with Client(stdio_server(db_file, "bob")) as client:
        bad: list[tuple[str, dict[str, Any]]] = [
            ("add_memory", {"memory": "   "}),
            ("add_memory", {"memory": "The user naps", "expires_at": "next week"}),
            ("search_memories", {"query": "Bob", "limit": 0}),
            ("update_memory", {"memory_id": "nope"}),
            ("get_memory", {"memory_id": ""}),
        ]
        for name, arguments in bad:
            answer = await client.call_tool(name, arguments)
            assert answer.is_error, (name, arguments)
            assert error_text(answer), name
    assert stored(db_file, "bob") == ["The user is called Bob"]
