"""End-to-end: the Studio graph under `langgraph dev` with its `store.index`, driven by the SDK.

The server's store embeds memories with `openai:text-embedding-3-small`, served by a
fake OpenAI API in this process whose vectors know a few meanings
(`tests.fakes.meaning`), so the requests show exactly what was embedded, and a
query can find a memory it shares no word with.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from langgraph_sdk import get_sync_client
from langgraph_sdk.client import SyncLangGraphClient

from memory import Memory, UserMemory
from memory.db.namespaces import namespace_label
from memory.db.store import StoreMemoryDb
from memory.schema import AddMemory, WriteContext
from memory.testing import tool_call
from tests.fakes import OpenAIServer
from tests.fakes.meaning import concept_embedding
from tests.sdk_store import SdkStore
from tests.studio_server import langgraph_dev_server, requires_langgraph_cli

pytestmark = requires_langgraph_cli

CONFIG = "studio/langgraph.json"
GRAPH = "memory_agent"
SKI = "The user enjoys skiing in the Alps"
ROME = "The user is visiting Rome"
WINTER = "Any plans for winter sports?"


@pytest.fixture(scope="module")
def model_server() -> Iterator[OpenAIServer]:
    with OpenAIServer() as server:
        server.embed = concept_embedding
        yield server


@pytest.fixture(scope="module")
def client(
    model_server: OpenAIServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SyncLangGraphClient]:
    env = {
        "OPENAI_BASE_URL": f"{model_server.url}/v1",
        "OPENAI_API_KEY": "test",
        "MEMORY_AGENT_EMBEDDINGS": "openai:text-embedding-3-small",
    }
    state_dir = tmp_path_factory.mktemp("langgraph_dev_index")
    with langgraph_dev_server(CONFIG, state_dir, env=env) as url:
        yield get_sync_client(url=url)


def said(text: str) -> dict[str, Any]:
    return {"messages": [{"role": "user", "content": text}]}


def embedded(server: OpenAIServer, since: int) -> list[list[str]]:
    """The texts of each embedding request since request number `since`."""
    return [r.body["input"] for r in server.requests[since:] if r.path.endswith("/embeddings")]


def run(client: SyncLangGraphClient, user: str, text: str) -> None:
    thread_id = client.threads.create()["thread_id"]
    client.runs.wait(thread_id, GRAPH, input=said(text), context={"user_id": user})


def test_each_memory_the_agent_writes_is_embedded_once_with_its_text_only(
    client: SyncLangGraphClient, model_server: OpenAIServer
) -> None:
    user = "ava@example.com"
    before = len(model_server.requests)
    model_server.script("Sounds fun!", tool_call("add_memory", memory=SKI, topics=["hobbies"]))
    run(client, user, "I love skiing in the Alps.")
    assert embedded(model_server, before) == [[SKI]]

    before = len(model_server.requests)
    model_server.script(
        "Enjoy!",
        tool_call("add_memory", memory=ROME, topics=["travel"]),
    )
    run(client, user, "I'm visiting Rome.")
    assert embedded(model_server, before) == [[ROME]]

    before = len(model_server.requests)  # the same fact again, other topics: no new text
    model_server.script("Still fun!", tool_call("add_memory", memory=SKI, topics=["sport"]))
    run(client, user, "Skiing in the Alps is the best.")
    assert embedded(model_server, before) == []
    namespace = ["memories", namespace_label(user), "items"]
    items = client.store.search_items(namespace)["items"]
    assert sorted(item["value"]["memory"] for item in items) == sorted([SKI, ROME])


def test_memories_are_found_by_meaning_through_the_servers_index(
    client: SyncLangGraphClient, model_server: OpenAIServer
) -> None:
    user = "zoe@example.com"
    memory = Memory(db=StoreMemoryDb(SdkStore(client), index=True))
    memory.add_user_memory(UserMemory(memory=SKI, topics=["hobbies"]), user)
    memory.add_user_memory("The user plays the violin", user)
    memory.add_user_memory(ROME, user)

    before = len(model_server.requests)
    found = memory.search_user_memories(user, WINTER, retrieval_method="semantic")
    assert [m.memory for m in found][:1] == [SKI]
    assert embedded(model_server, before) == [[WINTER]]  # the server embedded the query
    assert memory.search_user_memories(user, WINTER, retrieval_method="keyword") == []
    assert [m.memory for m in memory.search_user_memories(user, WINTER)][:1] == [SKI]

    namespace = ["memories", namespace_label(user), "items"]
    items = client.store.search_items(namespace, query=WINTER, limit=1)["items"]
    assert [item["value"]["memory"] for item in items] == [SKI]


def test_the_graph_shows_the_model_what_the_index_finds_among_many_memories(
    client: SyncLangGraphClient, model_server: OpenAIServer
) -> None:
    """Too many memories for the prompt: the one chosen by meaning is shown, though it is
    the oldest and shares no word with the message."""
    user = "max@example.com"
    memory = Memory(db=StoreMemoryDb(SdkStore(client), index=True))
    memory.add_user_memory(SKI, user)
    notebooks = [
        AddMemory(
            UserMemory(
                memory=f"The user keeps notebook number {n} on the shelf by the window, "
                "next to the lamp and the old radio"
            )
        )
        for n in range(90)
    ]
    memory.apply_user_memory_ops(user, notebooks, WriteContext())

    before = len(model_server.requests)
    model_server.script("Let's plan a trip to the mountains!", "No changes")
    run(client, user, WINTER)
    answer = next(r for r in model_server.requests[before:] if r.path.endswith("/completions"))
    system = answer.body["messages"][0]["content"]
    assert f"- {SKI}" in system
    assert "(Only the memories most related to this message.)" in system
    # The message is embedded as a query twice: for the answer's prompt and for the
    # memory manager's list; no memory is embedded again.
    assert embedded(model_server, before) == [[WINTER], [WINTER]]
