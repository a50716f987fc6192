"""Deferred extraction on LangGraph Server: the Studio graphs under `langgraph dev`, driven by
the SDK. A burst of messages in a thread leads to one delayed run of `memory_extractor`,
which makes one memory-model call for all of them."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from langgraph_sdk import get_sync_client
from langgraph_sdk.client import SyncLangGraphClient

from graphs.deferred import extractor_thread_id
from memory.testing import tool_calls
from tests.fakes import OpenAIServer
from tests.studio_server import langgraph_dev_server, requires_langgraph_cli
from tests.test_studio import GRAPH, memories, said

pytestmark = requires_langgraph_cli

AVA = "ava@example.com"
BURST = ["I moved to Oslo.", "With my partner.", "We start new jobs in May."]
FACTS = ["The user moved to Oslo", "The user lives with a partner", "The user starts a job in May"]
DELAY_S = 3


@pytest.fixture(scope="module")
def model_server() -> Iterator[OpenAIServer]:
    with OpenAIServer() as server:
        yield server


@pytest.fixture(scope="module")
def client(
    model_server: OpenAIServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SyncLangGraphClient]:
    env = {
        "OPENAI_BASE_URL": f"{model_server.url}/v1",
        "OPENAI_API_KEY": "test",
        "MEMORY_AGENT_EXTRACTION": "deferred",
        "MEMORY_AGENT_EXTRACTION_DELAY": str(DELAY_S),
    }
    state_dir = tmp_path_factory.mktemp("langgraph_dev_deferred")
    with langgraph_dev_server("studio/langgraph.json", state_dir, env=env) as url:
        yield get_sync_client(url=url)


def wait_for_memories(client: SyncLangGraphClient, user_id: str, count: int) -> list[str]:
    """The user's memories once there are `count` of them (or what there is after a minute)."""
    deadline = time.monotonic() + 60
    found = memories(client, user_id)
    while len(found) < count and time.monotonic() < deadline:
        time.sleep(0.2)
        found = memories(client, user_id)
    return found


def test_a_burst_leads_to_one_extractor_run_and_one_memory_model_call(
    client: SyncLangGraphClient, model_server: OpenAIServer
) -> None:
    model_server.script(
        "Welcome to Oslo!",
        "Lovely.",
        "Good luck with the new jobs!",
        tool_calls(*(("add_memory", {"memory": fact}) for fact in FACTS)),
    )
    thread_id = client.threads.create()["thread_id"]
    for text in BURST:
        client.runs.wait(thread_id, GRAPH, input=said(text), context={"user_id": AVA})
    assert memories(client, AVA) == []  # every run ended with its answer

    assert sorted(wait_for_memories(client, AVA, len(FACTS))) == sorted(FACTS)
    requests = [r.body for r in model_server.requests]
    assert len(requests) == 4
    learning = str(requests[3]["messages"])
    assert all(text in learning for text in BURST)
    assert "Welcome to Oslo!" not in learning  # the user's own words only
    extractor_thread = extractor_thread_id(AVA, thread_id)
    for run in client.runs.list(extractor_thread):  # its memories land before it is marked done
        client.runs.join(extractor_thread, run["run_id"])
    extractor_runs = client.runs.list(extractor_thread)
    assert [run["status"] for run in extractor_runs] == ["success"]  # the burst's one run
