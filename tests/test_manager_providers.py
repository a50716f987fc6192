"""The memory manager through the real OpenAI and Gemini clients, against local servers."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage

from memory import Memory, MemoryModelError
from memory.testing import tool_call, tool_calls
from tests.fakes import Delay, GeminiServer, HTTPFault, OpenAIServer

JOHN = "john_doe@example.com"
Server = OpenAIServer | GeminiServer

MESSAGE = """
I enjoy hiking in the mountains on weekends,
reading science fiction novels before bed,
and playing chess with friends.
"""


@pytest.fixture(params=["openai", "openai_streaming", "gemini"])
def provider(
    request: pytest.FixtureRequest, openai_server: OpenAIServer, gemini_server: GeminiServer
) -> tuple[Server, BaseChatModel]:
    if request.param == "gemini":
        return gemini_server, gemini_server.chat_model()
    return openai_server, openai_server.chat_model(streaming=request.param == "openai_streaming")


def sent_tools(server: Server, request: int = 0) -> list[str]:
    body: dict[str, Any] = server.requests[request].body
    if isinstance(server, OpenAIServer):
        return [tool["function"]["name"] for tool in body["tools"]]
    return [f["name"] for tool in body["tools"] for f in tool["functionDeclarations"]]


def test_create_user_memories_end_to_end(provider: tuple[Server, BaseChatModel]) -> None:
    server, model = provider
    server.script(
        tool_calls(
            (
                "add_memory",
                {
                    "memory": "The user enjoys hiking in the mountains on weekends",
                    "topics": ["hobbies", "outdoors"],
                },
            ),
            (
                "add_memory",
                {
                    "memory": "The user reads science fiction novels before bed",
                    "topics": ["hobbies", "reading"],
                },
            ),
            ("add_memory", {"memory": "The user plays chess with friends", "topics": ["games"]}),
        )
    )
    memory = Memory(model=model)
    result = memory.create_user_memories(message=MESSAGE, user_id=JOHN)
    assert [m.memory for m in memory.get_user_memories(JOHN)] == [
        "The user enjoys hiking in the mountains on weekends",
        "The user reads science fiction novels before bed",
        "The user plays chess with friends",
    ]
    assert memory.get_user_memories(JOHN)[0].topics == ["hobbies", "outdoors"]
    assert len(result.events) == 3
    assert sent_tools(server) == ["add_memory", "update_memory"]
    assert len(server.requests) == 1


def test_updates_and_agentic_search_end_to_end(provider: tuple[Server, BaseChatModel]) -> None:
    server, model = provider
    memory = Memory(model=model)
    memory.add_user_memory("The user lives in Paris", JOHN)
    memory.add_user_memory("The user enjoys hiking in the mountains on weekends", JOHN)
    server.script(
        tool_call("update_memory", memory_id="m1", memory="The user lives in Oslo"),
        '{"memory_ids": ["m2", "m42"]}',
    )
    memory.create_user_memories(message="I moved to Oslo", user_id=JOHN)
    found = memory.search_user_memories(
        user_id=JOHN,
        query="What does the user like to do on weekends?",
        retrieval_method="agentic",
    )
    assert [m.memory for m in found] == ["The user enjoys hiking in the mountains on weekends"]
    assert memory.get_user_memories(JOHN)[0].memory == "The user lives in Oslo"


@pytest.mark.parametrize("fault", [HTTPFault(500), Delay(5, "too late")])
def test_provider_failures_leave_memories_untouched(
    provider: tuple[Server, BaseChatModel], fault: HTTPFault | Delay
) -> None:
    server, model = provider
    memory = Memory(model=model)
    memory.add_user_memory("The user lives in Paris", JOHN)
    server.script(fault)
    with pytest.raises(MemoryModelError):
        memory.create_user_memories(message="I moved to Oslo", user_id=JOHN)
    assert [m.memory for m in memory.get_user_memories(JOHN)] == ["The user lives in Paris"]


def test_malformed_tool_call_json_from_openai_is_refused(openai_server: OpenAIServer) -> None:
    openai_server.script(
        AIMessage(
            content="",
            invalid_tool_calls=[
                {
                    "type": "invalid_tool_call",
                    "name": "add_memory",
                    "args": '{"memory": "The',
                    "id": "call_1",
                    "error": None,
                }
            ],
        ),
        "No changes",
    )
    memory = Memory(model=openai_server.chat_model())
    result = memory.create_user_memories(message="I like tea", user_id=JOHN)
    assert [r.tool for r in result.refused] == ["add_memory"]
    assert memory.get_user_memories(JOHN) == []
    assert len(openai_server.requests) == 2


def test_a_provider_string_uses_openai_base_url(
    openai_server: OpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.setenv("OPENAI_BASE_URL", openai_server.url + "/v1")
    openai_server.script(tool_call("add_memory", memory="The user likes tea"))
    memory = Memory(model="openai:llama3.2")
    memory.create_user_memories(message="I like tea", user_id=JOHN)
    assert [m.memory for m in memory.get_user_memories(JOHN)] == ["The user likes tea"]
    assert openai_server.requests[0].body["model"] == "llama3.2"
