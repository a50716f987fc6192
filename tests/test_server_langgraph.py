"""The memory routes mounted in `langgraph dev` (studio/langgraph.json), on the server's store."""

from __future__ import annotations

from pathlib import Path

import httpx
from langgraph_sdk import get_sync_client

from memory.db.namespaces import namespace_label
from tests.server_routes import tour_every_route
from tests.studio_server import langgraph_dev_server, requires_langgraph_cli

pytestmark = requires_langgraph_cli

USER = "ava@example.com"


def test_every_route_works_on_the_servers_store(tmp_path: Path) -> None:
    with (
        langgraph_dev_server("studio/langgraph.json", tmp_path, env={"OPENAI_API_KEY": "t"}) as url,
        httpx.Client(base_url=url, timeout=60) as client,
    ):
        tour_every_route(client, USER)

        added = client.post(f"/memory/v1/users/{USER}/memories", json={"memory": "The user rows"})
        assert added.status_code == 201, added.text
        assert client.get("/memory/health").json()["store"] == "StoreMemoryDb"
        items = get_sync_client(url=url).store.search_items(
            ["memories", namespace_label(USER), "items"]
        )["items"]
        assert [item["value"]["memory"] for item in items] == ["The user rows"]
        assert client.get("/ok").status_code == 200  # the server's own routes still answer


def test_the_deployments_login_decides_whose_memories_a_caller_reaches(tmp_path: Path) -> None:
    alice = {"Authorization": "Bearer token-of-alice"}
    bob = {"Authorization": "Bearer token-of-bob"}
    ops = {"Authorization": "Bearer token-of-ops"}
    with (
        langgraph_dev_server("tests/server_auth/langgraph.json", tmp_path) as url,
        httpx.Client(base_url=url, timeout=60) as client,
    ):
        alices = "/memory/v1/users/alice/memories"
        assert client.get(alices).status_code == 401
        assert client.get(alices, headers={"Authorization": "Bearer forged"}).status_code == 401
        added = client.post(alices, json={"memory": "The user likes tea"}, headers=alice)
        assert added.status_code == 201, added.text
        memory_id = added.json()["memory_id"]

        assert client.get(alices, headers=bob).status_code == 403
        assert client.delete(f"{alices}/{memory_id}", headers=bob).status_code == 403
        assert client.get("/memory/v1/users", headers=bob).json() == {"users": []}
        assert client.get("/memory/v1/users", headers=ops).json() == {
            "users": [{"user_id": "alice", "memories": 1}]
        }
        listed = client.get(alices, headers=alice).json()["memories"]
        assert [m["memory_id"] for m in listed] == [memory_id]
