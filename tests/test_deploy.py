"""The deployment config (deploy/langgraph.json) under `langgraph dev`: memories in PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import httpx
from langgraph_sdk import get_sync_client

from graphs.deferred import extractor_thread_id
from memory import Memory, PostgresMemoryDb
from memory.testing import tool_call, tool_calls
from tests.fakes import OpenAIServer
from tests.studio_server import langgraph_dev_server, requires_langgraph_cli
from tests.test_studio import said

pytestmark = requires_langgraph_cli


def test_the_deployment_keeps_memories_in_postgres_and_sessions_on_the_platform(
    postgres_test_url: str, tmp_path: Path
) -> None:
    with OpenAIServer() as model:
        env = {
            "MEMORY_AGENT_DB": postgres_test_url,
            "OPENAI_BASE_URL": f"{model.url}/v1",
            "OPENAI_API_KEY": "test",
        }
        with langgraph_dev_server("deploy/langgraph.json", tmp_path, env=env) as url:
            client = get_sync_client(url=url)
            model.script("Nice to meet you!", tool_call("add_memory", memory="The user is Ava"))
            thread = client.threads.create()["thread_id"]
            client.runs.wait(
                thread,
                "memory_agent",
                input=said("I'm Ava"),
                context={"user_id": "ava@example.com"},
            )
            state = client.threads.get_state(thread)
            assert isinstance(state["values"], dict)
            assert [m["content"] for m in state["values"]["messages"]] == [
                "I'm Ava",
                "Nice to meet you!",
            ]
            assert model.requests[0].body["model"] == "gpt-4.1-mini"
            listed = httpx.get(f"{url}/memory/v1/users/ava@example.com/memories", timeout=60)
            assert [m["memory"] for m in listed.json()["memories"]] == ["The user is Ava"]
    with PostgresMemoryDb.from_conn_string(postgres_test_url) as db:
        stored = Memory(db=db).get_user_memories("ava@example.com")
        assert [m.memory for m in stored] == ["The user is Ava"]


def test_the_deployment_defers_extraction_to_one_run_of_its_extractor(
    postgres_test_url: str, tmp_path: Path
) -> None:
    burst = ["I'm Ava.", "I work nights."]
    with OpenAIServer() as model:
        env = {
            "MEMORY_AGENT_DB": postgres_test_url,
            "MEMORY_AGENT_EXTRACTION": "deferred",
            "MEMORY_AGENT_EXTRACTION_DELAY": "2",
            "OPENAI_BASE_URL": f"{model.url}/v1",
            "OPENAI_API_KEY": "test",
        }
        with langgraph_dev_server("deploy/langgraph.json", tmp_path, env=env) as url:
            client = get_sync_client(url=url)
            model.script(
                "Hi Ava!",
                "Noted.",
                tool_calls(
                    ("add_memory", {"memory": "The user is Ava"}),
                    ("add_memory", {"memory": "The user works nights"}),
                ),
            )
            thread = client.threads.create()["thread_id"]
            for text in burst:
                client.runs.wait(
                    thread, "memory_agent", input=said(text), context={"user_id": "ava"}
                )
            [extractor_run] = client.runs.list(extractor_thread_id("ava", thread))
            client.runs.join(extractor_thread_id("ava", thread), extractor_run["run_id"])
            assert len(model.requests) == 3
            assert all(text in str(model.requests[2].body["messages"]) for text in burst)
    with PostgresMemoryDb.from_conn_string(postgres_test_url) as db:
        memory = Memory(db=db)
        assert [m.memory for m in memory.get_user_memories("ava")] == [
            "The user is Ava",
            "The user works nights",
        ]
        assert memory.pending_threads() == []
