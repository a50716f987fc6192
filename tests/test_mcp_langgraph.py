"""The MCP endpoint (and the inspector page) mounted in `langgraph dev`, behind the
deployment's own login and on the server's store."""

from __future__ import annotations

from pathlib import Path

import httpx
import httpx2
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from tests.studio_server import langgraph_dev_server, requires_langgraph_cli
from tests.test_mcp import result

pytestmark = requires_langgraph_cli

ALICE = {"Authorization": "Bearer token-of-alice"}
BOB = {"Authorization": "Bearer token-of-bob"}


async def test_the_deployments_login_decides_whose_memories_the_tools_reach(
    tmp_path: Path,
) -> None:
    with langgraph_dev_server("tests/server_auth/langgraph.json", tmp_path) as url:
        mcp_url = f"{url}/memory/mcp"
        async with Client(
            streamable_http_client(mcp_url, http_client=httpx2.AsyncClient(headers=ALICE))
        ) as client:
            added = result(await client.call_tool("add_memory", {"memory": "The user likes tea"}))
        assert added["user_id"] == "alice"

        async with httpx.AsyncClient(base_url=url) as http:
            assert (await http.post("/memory/mcp", json={})).status_code == 401
            refused = await http.post(
                "/memory/mcp", json={}, headers={**BOB, "X-Memory-User": "alice"}
            )
            assert refused.status_code == 403
            listed = await http.get("/memory/v1/users/alice/memories", headers=ALICE)
            page = await http.get("/memory/", headers=ALICE)
            script = await http.get("/memory/static/inspector.js", headers=ALICE)
        async with Client(
            streamable_http_client(mcp_url, http_client=httpx2.AsyncClient(headers=BOB))
        ) as client:
            assert result(await client.call_tool("list_memories", {}))["total"] == 0
        assert [m["memory"] for m in listed.json()["memories"]] == ["The user likes tea"]
        assert "Memory inspector" in page.text  # the inspector is mounted there too
        assert script.status_code == 200
