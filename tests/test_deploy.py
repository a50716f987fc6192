"""The deployment config (deploy/langgraph.json) under `langgraph dev`: memories in PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from langgraph_sdk import get_sync_client

from memory import Memory, PostgresMemoryDb
from memory.testing import tool_call
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
    with PostgresMemoryDb.from_conn_string(postgres_test_url) as db:
        stored = Memory(db=db).get_user_memories("ava@example.com")
        assert [m.memory for m in stored] == ["The user is Ava"]
