"""End-to-end: the Studio graph under `langgraph dev` (the README's command), driven by the SDK.

The server's model is a fake OpenAI API in this process; memories live in the server's store.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from langgraph_sdk import get_sync_client
from langgraph_sdk.client import SyncLangGraphClient

from memory.db.namespaces import namespace_label
from memory.testing import tool_call
from tests.fakes import OpenAIServer
from tests.studio_server import langgraph_dev_server, requires_langgraph_cli

pytestmark = requires_langgraph_cli

CONFIG = "studio/langgraph.json"
GRAPH = "memory_agent"
AVA, BOB, DAVE = "ava@example.com", "bob@example.com", "dave@example.com"
AVA_LOOKALIKE = "ava@example%2Ecom"
"""Would share Ava's namespace label if labels were not injective."""
ASKED = "My name is Ava and I like to ski."
ANSWER = "Nice to meet you, Ava!"
FACT = "The user's name is Ava and she likes to ski"


@pytest.fixture(scope="module")
def model_server() -> Iterator[OpenAIServer]:
    """The server's model for the whole module; each test scripts its own replies."""
    with OpenAIServer() as server:
        yield server


@pytest.fixture(scope="module")
def client(
    model_server: OpenAIServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SyncLangGraphClient]:
    """One `langgraph dev` server for the module, reaching no model but the fake.

    Only a key and the fake's address are set, as a newcomer with OPENAI_API_KEY
    has: the graph's model is the default, openai:gpt-4.1-mini.
    """
    env = {"OPENAI_BASE_URL": f"{model_server.url}/v1", "OPENAI_API_KEY": "test"}
    state_dir = tmp_path_factory.mktemp("langgraph_dev")
    with langgraph_dev_server(CONFIG, state_dir, env=env) as url:
        yield get_sync_client(url=url)


def said(text: str) -> dict[str, Any]:
    return {"messages": [{"role": "user", "content": text}]}


def memories(client: SyncLangGraphClient, user_id: str) -> list[str]:
    """The user's memory texts, read from the server's store as StoreMemoryDb lays them out."""
    namespace = ["memories", namespace_label(user_id), "items"]
    return [item["value"]["memory"] for item in client.store.search_items(namespace)["items"]]


def test_a_run_answers_and_remembers_and_the_next_run_sees_both(
    client: SyncLangGraphClient, model_server: OpenAIServer
) -> None:
    model_server.script(ANSWER, tool_call("add_memory", memory=FACT, topics=["name"]))
    thread_id = client.threads.create()["thread_id"]
    client.runs.wait(thread_id, GRAPH, input=said(ASKED), context={"user_id": AVA})

    state = client.threads.get_state(thread_id)
    assert isinstance(state["values"], dict)
    messages = state["values"]["messages"]
    assert [(m["type"], m["content"]) for m in messages] == [("human", ASKED), ("ai", ANSWER)]
    assert memories(client, AVA) == [FACT]
    assert {request.body["model"] for request in model_server.requests[-2:]} == {"gpt-4.1-mini"}
    assert memories(client, AVA_LOOKALIKE) == []

    before = len(model_server.requests)
    model_server.script("Try Lake Tahoe, Ava.", "Nothing new to remember.")
    ask = "Where should I ski?"
    client.runs.wait(thread_id, GRAPH, input=said(ask), context={"user_id": AVA})
    answer_request, manager_request = (r.body for r in model_server.requests[before:])
    system, *history = answer_request["messages"]
    assert f"- {FACT}" in system["content"]
    assert [(m["role"], m["content"]) for m in history] == [
        ("user", ASKED),
        ("assistant", ANSWER),
        ("user", ask),
    ]
    assert ask in str(manager_request["messages"])
    assert memories(client, AVA) == [FACT]


def test_a_streamed_run_sends_answer_tokens_then_the_memory_update(
    client: SyncLangGraphClient, model_server: OpenAIServer
) -> None:
    answer = "Hello Bob, enjoy the snow!"
    model_server.script(answer, tool_call("add_memory", memory="The user snowboards"))
    thread_id = client.threads.create()["thread_id"]
    parts = list(
        client.runs.stream(
            thread_id,
            GRAPH,
            input=said("I'm Bob and I snowboard."),
            context={"user_id": BOB},
            stream_mode=["messages-tuple", "custom", "updates"],
        )
    )

    tokens = [
        (p.data[0]["content"], p.data[1]["langgraph_node"]) for p in parts if p.event == "messages"
    ]
    assert len(tokens) > 2
    assert "".join(text for text, _ in tokens) == answer
    assert {node for _, node in tokens} == {"model"}  # the memory model's tokens stay out
    custom = [p.data for p in parts if p.event == "custom"]
    assert [(c["source"], c["status"]) for c in custom] == [
        ("extract_memories", "started"),
        ("extract_memories", "completed"),
    ]
    assert [change["new_memory"] for change in custom[1]["changes"]] == ["The user snowboards"]
    events = [p.event for p in parts]
    assert max(i for i, e in enumerate(events) if e == "messages") < events.index("custom")
    updates = [node for p in parts if p.event == "updates" for node in p.data]
    assert updates == ["model", "MemoryMiddleware.after_agent"]
    assert memories(client, BOB) == ["The user snowboards"]


def test_a_run_without_a_user_id_fails_naming_it(
    client: SyncLangGraphClient, model_server: OpenAIServer
) -> None:
    before = len(model_server.requests)
    thread_id = client.threads.create()["thread_id"]
    result = client.runs.wait(thread_id, GRAPH, input=said("Hi"), raise_error=False)

    assert isinstance(result, dict)
    assert result["__error__"]["error"] == "AgentConfigError"
    assert "no user_id" in result["__error__"]["message"]
    assert [run["status"] for run in client.runs.list(thread_id)] == ["error"]
    assert len(model_server.requests) == before


def test_a_run_may_choose_its_model_in_the_context(
    client: SyncLangGraphClient, model_server: OpenAIServer
) -> None:
    model_server.script("Hi!", "No changes")
    thread_id = client.threads.create()["thread_id"]
    client.runs.wait(
        thread_id,
        GRAPH,
        input=said("Hello"),
        context={"user_id": "carol@example.com", "model": "openai:gpt-4o-mini"},
    )
    assert [request.body["model"] for request in model_server.requests[-2:]] == [
        "gpt-4o-mini",
        "gpt-4o-mini",
    ]


def test_a_second_user_on_a_thread_is_refused_before_any_model_call(
    client: SyncLangGraphClient, model_server: OpenAIServer
) -> None:
    """Dave, new to this server, asks on Ava's thread: refused, and nothing of his is kept."""
    model_server.script(ANSWER, tool_call("add_memory", memory=FACT))
    thread_id = client.threads.create()["thread_id"]
    client.runs.wait(thread_id, GRAPH, input=said(ASKED), context={"user_id": AVA})
    before = len(model_server.requests)
    result = client.runs.wait(
        thread_id,
        GRAPH,
        input=said("What is her name?"),
        context={"user_id": DAVE},
        raise_error=False,
    )

    assert isinstance(result, dict)
    assert result["__error__"]["error"] == "ThreadOwnershipError"
    assert AVA not in result["__error__"]["message"]
    assert DAVE not in result["__error__"]["message"]
    assert len(model_server.requests) == before
    state = client.threads.get_state(thread_id)
    assert isinstance(state["values"], dict)
    texts = [m["content"] for m in state["values"]["messages"]]
    assert texts == [ASKED, ANSWER]  # Dave's message was taken back out of Ava's thread
    assert memories(client, DAVE) == []
