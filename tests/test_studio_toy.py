"""End-to-end: the toy graph under ``langgraph dev`` gets context and the server's store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from langgraph_sdk import get_sync_client
from studio_server import langgraph_dev_server, requires_langgraph_cli

pytestmark = requires_langgraph_cli

CONFIG = Path(__file__).parent / "studio_toy" / "langgraph.json"
USER_ID = "john_doe@example.com"
USER_LABEL = "john_doe%40example%2Ecom"  # "." is not allowed in namespace labels


@pytest.fixture(scope="module")
def server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One ``langgraph dev`` server per module, with its state in a temporary directory."""
    with langgraph_dev_server(CONFIG, tmp_path_factory.mktemp("langgraph_dev")) as url:
        yield url


def test_run_uses_context_and_server_store(server_url: str) -> None:
    client = get_sync_client(url=server_url)
    thread_id = client.threads.create()["thread_id"]
    run_input: dict[str, Any] = {"messages": [{"role": "user", "content": "I like green tea"}]}

    client.runs.wait(thread_id, "memory_agent", input=run_input, context={"user_id": USER_ID})

    state = client.threads.get_state(thread_id)
    assert isinstance(state["values"], dict)
    messages = state["values"]["messages"]
    assert [m["type"] for m in messages] == ["human", "ai"]
    assert messages[-1]["content"] == f"Noted for {USER_ID}: I like green tea"
    assert state["next"] == []

    items = client.store.search_items(["memories"])["items"]
    assert [(i["namespace"], i["key"], i["value"]) for i in items] == [
        (["memories", USER_LABEL], "last_message", {"text": "I like green tea"})
    ]
