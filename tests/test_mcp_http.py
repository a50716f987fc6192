"""The MCP server at /memory/mcp of the app, over real HTTP, behind the app's API keys."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.server.transport_security import DEFAULT_MAX_REQUEST_BODY_SIZE

from memory import Memory, SqliteMemoryDb
from server import ApiKeys, create_app
from tests.live_server import live_server
from tests.test_mcp import TOOLS, error_text, result

ADMIN_KEY = "admin-key-0123456789"
ALICE_KEY = "alice-key-0123456789"
COACH_KEY = "coach-key-0123456789"
KEYS = ApiKeys.parse(
    f"""{{"keys": [
    {{"key": "{ADMIN_KEY}", "admin": true}},
    {{"key": "{ALICE_KEY}", "user_id": "alice"}},
    {{"key": "{COACH_KEY}", "user_id": "alice", "agent_id": "coach"}}
]}}"""
)
INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-11-25",
        "capabilities": {},
        "clientInfo": {"name": "test", "version": "1"},
    },
}


@pytest.fixture
def memory(tmp_path: Path) -> Iterator[Memory]:
    with Memory(SqliteMemoryDb(db_file=str(tmp_path / "memories.db"))) as memory:
        memory.add_user_memory("The user is called Bob", "bob")
        yield memory


@pytest.fixture
def mcp_url(memory: Memory) -> Iterator[str]:
    with live_server(create_app(memory, keys=KEYS)) as base_url:
        yield f"{base_url}/memory/mcp"


def connect(url: str, **headers: str) -> Client:
    """The SDK's client over streamable HTTP, sending these headers with every request."""
    http = httpx2.AsyncClient(headers={k.replace("_", "-"): v for k, v in headers.items()})
    return Client(streamable_http_client(url, http_client=http))


def bearer(key: str) -> str:
    return f"Bearer {key}"


def post(url: str, **headers: str) -> httpx.Response:
    """One raw MCP request, as any HTTP client would send it."""
    sent = {"Accept": "application/json, text/event-stream"}
    sent.update({k.replace("_", "-"): v for k, v in headers.items()})
    return httpx.post(url, json=INITIALIZE, headers=sent)


def texts(memory: Memory, user_id: str, agent_id: str | None = None) -> list[str]:
    return [m.memory for m in memory.for_agent(agent_id).get_user_memories(user_id)]


async def test_a_user_key_acts_as_its_user(mcp_url: str, memory: Memory) -> None:
    async with connect(mcp_url, Authorization=bearer(ALICE_KEY)) as client:
        assert {tool.name for tool in (await client.list_tools()).tools} == TOOLS
        added = result(await client.call_tool("add_memory", {"memory": "The user likes tea"}))
        assert added["user_id"] == "alice"
        await client.call_tool("add_memory", {"memory": "The user likes jazz", "user_id": "bob"})
        found = result(await client.call_tool("search_memories", {"query": "tea"}))
        assert [m["memory"] for m in found["memories"]] == ["The user likes tea"]
        (bobs,) = memory.get_user_memories("bob")
        for name, arguments in [
            ("get_memory", {"memory_id": bobs.memory_id}),
            ("update_memory", {"memory_id": bobs.memory_id, "memory": "The user is Eve"}),
            ("delete_memory", {"memory_id": bobs.memory_id}),
            ("memory_history", {"memory_id": bobs.memory_id}),
        ]:
            answer = await client.call_tool(name, arguments)
            assert answer.is_error, name
            assert "Bob" not in error_text(answer)
        assert result(await client.call_tool("forget_all", {"confirm": True})) == {"deleted": 2}
    assert texts(memory, "alice") == []
    assert texts(memory, "bob") == ["The user is called Bob"]


def test_a_user_key_naming_another_user_is_refused(mcp_url: str, memory: Memory) -> None:
    refused = post(mcp_url, Authorization=bearer(ALICE_KEY), X_Memory_User="bob")
    assert refused.status_code == 403
    assert "own user" in refused.json()["detail"]
    other_agent = post(mcp_url, X_API_Key=COACH_KEY, X_Memory_Agent="sales")
    assert other_agent.status_code == 403
    assert post(mcp_url, Authorization=bearer(ALICE_KEY), X_Memory_User="alice").is_success
    assert texts(memory, "bob") == ["The user is called Bob"]


def test_no_key_or_an_unknown_key_is_401(mcp_url: str) -> None:
    missing = post(mcp_url)
    assert missing.status_code == 401
    assert missing.headers["www-authenticate"] == "Bearer"
    assert post(mcp_url, Authorization=bearer("not-a-key-at-all-0000")).status_code == 401


def test_an_admin_key_must_name_the_user(mcp_url: str) -> None:
    unnamed = post(mcp_url, Authorization=bearer(ADMIN_KEY))
    assert unnamed.status_code == 400
    assert "X-Memory-User" in unnamed.json()["detail"]
    too_long = post(mcp_url, Authorization=bearer(ADMIN_KEY), X_Memory_User="u" * 10_000)
    assert too_long.status_code == 422


def test_malformed_and_huge_requests_change_nothing(mcp_url: str, memory: Memory) -> None:
    headers = {
        "Authorization": bearer(ALICE_KEY),
        "Accept": "application/json, text/event-stream",
        "Content-Type": "application/json",
    }
    malformed = httpx.post(mcp_url, content=b'{"jsonrpc": "2.0", "method": ', headers=headers)
    assert malformed.status_code == 400
    call = {
        "jsonrpc": "2.0",
        "id": 2,
        "method": "tools/call",
        "params": {
            "name": "add_memory",
            "arguments": {"memory": "x" * DEFAULT_MAX_REQUEST_BODY_SIZE},
        },
    }
    huge = httpx.post(mcp_url, json=call, headers=headers)
    assert huge.status_code == 413
    assert texts(memory, "alice") == []


async def test_an_admin_key_acts_for_the_user_it_names(mcp_url: str, memory: Memory) -> None:
    async with connect(mcp_url, Authorization=bearer(ADMIN_KEY), X_Memory_User="bob") as client:
        listed = result(await client.call_tool("list_memories", {}))
        assert [m["memory"] for m in listed["memories"]] == ["The user is called Bob"]
        await client.call_tool("add_memory", {"memory": "The user skis"})
    assert texts(memory, "bob") == ["The user is called Bob", "The user skis"]


async def test_an_agent_key_reaches_its_agent_scope_only(mcp_url: str, memory: Memory) -> None:
    memory.add_user_memory("The user likes tea", "alice")
    async with connect(mcp_url, Authorization=bearer(COACH_KEY)) as client:
        assert result(await client.call_tool("list_memories", {}))["total"] == 0
        await client.call_tool("add_memory", {"memory": "The user runs on Sundays"})
        assert result(await client.call_tool("forget_all", {"confirm": True})) == {"deleted": 1}
        await client.call_tool("add_memory", {"memory": "The user swims"})
    assert texts(memory, "alice", "coach") == ["The user swims"]
    assert texts(memory, "alice") == ["The user likes tea"]


async def test_an_open_app_needs_only_the_user(memory: Memory) -> None:
    with live_server(create_app(memory, keys=ApiKeys())) as base_url:
        async with connect(f"{base_url}/memory/mcp", X_Memory_User="bob") as client:
            listed: dict[str, Any] = result(await client.call_tool("list_memories", {}))
    assert listed["total"] == 1
