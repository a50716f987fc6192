"""A tour of every REST route, as a client drives it over HTTP; shared by the backends' tests."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi.testclient import TestClient

Http = httpx.Client | TestClient
"""A client of the app over the network, or in process."""


def memories_of(client: Http, user_id: str, **query: Any) -> list[dict[str, Any]]:
    answer = client.get(f"/memory/v1/users/{user_id}/memories", params=query)
    assert answer.status_code == 200, answer.text
    found: list[dict[str, Any]] = answer.json()["memories"]
    return found


def tour_every_route(client: Http, user_id: str) -> None:
    """Add, read, change, search, export, import and delete one user's memories, each
    through its route, checking every answer against what the routes before it did."""
    base = f"/memory/v1/users/{user_id}"
    assert client.get("/memory/health").json()["status"] == "ok"
    assert client.get("/memory/openapi.json").json()["info"]["title"] == "memory-agent"

    tea = client.post(f"{base}/memories", json={"memory": "The user likes tea", "topics": ["food"]})
    assert tea.status_code == 201, tea.text
    tea_id = tea.json()["memory_id"]
    ski = client.post(
        f"{base}/memories", json={"memory": "The user skis in winter", "topics": ["sport"]}
    ).json()["memory_id"]

    users = client.get("/memory/v1/users").json()["users"]
    assert {"user_id": user_id, "memories": 2} in users
    assert [
        m["memory_id"] for m in memories_of(client, user_id, sort="created_at", order="asc")
    ] == [
        tea_id,
        ski,
    ]
    assert [m["memory"] for m in memories_of(client, user_id, topics=["sport"])] == [
        "The user skis in winter"
    ]
    assert [m["memory"] for m in memories_of(client, user_id, q="TEA")] == ["The user likes tea"]
    page = client.get(f"{base}/memories", params={"limit": 1, "offset": 1, "order": "asc"}).json()
    assert (page["total"], len(page["memories"])) == (2, 1)

    changed = client.patch(f"{base}/memories/{tea_id}", json={"memory": "The user likes green tea"})
    assert changed.status_code == 200, changed.text
    assert (changed.json()["memory"], changed.json()["topics"]) == (
        "The user likes green tea",
        ["food"],
    )
    assert client.get(f"{base}/memories/{tea_id}").json()["memory"] == "The user likes green tea"
    history = client.get(f"{base}/memories/{tea_id}/history").json()["events"]
    assert [e["action"] for e in history] == ["added", "updated"]
    assert history[1]["old_memory"] == "The user likes tea"

    found = client.post(f"{base}/search", json={"query": "green tea", "method": "keyword"}).json()
    assert found["method"] == "keyword"
    assert found["results"][0]["memory"]["memory_id"] == tea_id
    assert found["results"][0]["score"] > 0
    newest = client.post(f"{base}/search", json={"method": "last_n", "limit": 5}).json()
    assert newest["method"] == "last_n"
    assert sorted(r["memory"]["memory_id"] for r in newest["results"]) == sorted([tea_id, ski])
    budget = client.post(f"{base}/search", json={"method": "first_n", "token_budget": 1}).json()
    assert budget["results"] == []

    topics = client.get(f"{base}/topics").json()["topics"]
    assert sorted((t["topic"], t["memories"]) for t in topics) == [("food", 1), ("sport", 1)]

    prompt = client.post(f"{base}/prompt", json={"message": "What do I drink?"}).json()["prompt"]
    assert "- The user likes green tea" in prompt
    assert "- The user skis in winter" in prompt
    assert client.get(f"{base}/summaries").json() == {"summaries": []}

    exported = client.get(f"{base}/export").json()
    assert {m["memory_id"] for m in exported["memories"]} == {tea_id, ski}
    assert client.delete(f"{base}/memories/{ski}").status_code == 204
    assert client.get(f"{base}/memories/{ski}").status_code == 404
    imported = client.post(f"{base}/import", json=exported)
    assert imported.status_code == 200, imported.text
    assert set(imported.json()["memory_ids"]) == {tea_id, ski}
    assert {m["memory_id"] for m in memories_of(client, user_id)} == {tea_id, ski}

    deleted = client.request("DELETE", f"{base}/memories", json={"memory_ids": [ski]})
    assert deleted.json() == {"deleted": 1}
    assert [m["memory_id"] for m in memories_of(client, user_id)] == [tea_id]
    assert client.request("DELETE", f"{base}/memories").json() == {"deleted": 1}
    assert memories_of(client, user_id) == []
    assert client.get(f"{base}/memories/{tea_id}/history").json()["events"]  # deletes keep it

    client.post(f"{base}/memories", json={"memory": "The user rows", "agent_id": "coach"})
    erased = client.post(f"{base}/erase")
    assert erased.status_code == 200, erased.text
    assert erased.json()["memories"] == 1
    assert erased.json()["memory_history"] >= 6
    assert memories_of(client, user_id, agent_id="coach") == []
    assert client.get(f"{base}/memories/{tea_id}/history").status_code == 404
