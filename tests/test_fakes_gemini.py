"""The fake Gemini server satisfies the real ChatGoogleGenerativeAI and embeddings clients."""

from __future__ import annotations

import time

import httpx
import pytest
from langchain_core.exceptions import ModelAPIError

from memory.testing import tool_call
from tests.fakes import Delay, GeminiServer, HTTPFault, hashed_embedding
from tests.fakes.schemas import Person, add_memory
from tests.fakes.streaming import collect


async def test_plain_reply(gemini_server: GeminiServer) -> None:
    gemini_server.script("Hello!", "Again!")
    model = gemini_server.chat_model()
    reply = model.invoke([("system", "be kind"), ("human", "hi")])
    assert reply.content == "Hello!"
    assert reply.usage_metadata is not None
    assert reply.usage_metadata["output_tokens"] == 1
    assert (await model.ainvoke("hi")).content == "Again!"
    request = gemini_server.requests[0]
    assert request.path == "/v1beta/models/gemini-2.5-flash:generateContent"
    assert request.body["contents"] == [{"role": "user", "parts": [{"text": "hi"}]}]
    assert request.body["systemInstruction"]["parts"] == [{"text": "be kind"}]


async def test_streamed_reply_arrives_in_chunks(gemini_server: GeminiServer) -> None:
    gemini_server.script("I will remember that you like tea", "streamed async too")
    model = gemini_server.chat_model()
    chunks = list(model.stream("hi"))
    message = collect(chunks)
    assert len([chunk for chunk in chunks if chunk.content]) == 7
    assert message.content == "I will remember that you like tea"
    assert message.usage_metadata is not None
    assert message.usage_metadata["output_tokens"] == 7
    assert gemini_server.requests[0].query == {"alt": "sse"}
    assert collect([chunk async for chunk in model.astream("hi")]).content == "streamed async too"


@pytest.mark.parametrize("streamed", [False, True])
def test_tool_calls(gemini_server: GeminiServer, streamed: bool) -> None:
    reply = tool_call("add_memory", memory="likes tea", topics=["food", "drink"])
    gemini_server.script(reply)
    model = gemini_server.chat_model().bind_tools([add_memory])
    message = collect(model.stream("hi")) if streamed else model.invoke("hi")
    assert message.tool_calls == reply.tool_calls
    declarations = gemini_server.requests[0].body["tools"][0]["functionDeclarations"]
    assert [declaration["name"] for declaration in declarations] == ["add_memory"]


def test_structured_output_json_schema_and_function_calling(gemini_server: GeminiServer) -> None:
    gemini_server.script('{"name": "Ada", "age": 36}', tool_call("Person", name="Bo", age=7))
    model = gemini_server.chat_model()
    assert model.with_structured_output(Person).invoke("Ada is 36") == Person(name="Ada", age=36)
    by_tool = model.with_structured_output(Person, method="function_calling").invoke("Bo is 7")
    assert by_tool == Person(name="Bo", age=7)
    first, second = (request.body for request in gemini_server.requests)
    assert first["generationConfig"]["responseMimeType"] == "application/json"
    assert second["tools"][0]["functionDeclarations"][0]["name"] == "Person"


def test_http_500_fails_fast_with_one_attempt(gemini_server: GeminiServer) -> None:
    gemini_server.script(HTTPFault(500, "upstream exploded"), "never reached")
    started = time.monotonic()
    with pytest.raises(ModelAPIError, match="upstream exploded"):
        gemini_server.chat_model().invoke("hi")
    assert time.monotonic() - started < 1
    assert len(gemini_server.requests) == 1


def test_stall_past_timeout_raises_timeout(gemini_server: GeminiServer) -> None:
    gemini_server.script(Delay(10))
    with pytest.raises(httpx.TimeoutException):
        gemini_server.chat_model(timeout=0.3).invoke("hi")


async def test_embeddings_are_deterministic_unless_scripted(gemini_server: GeminiServer) -> None:
    embeddings = gemini_server.embeddings()
    tea, tea_again = embeddings.embed_documents(["I like tea", "tea I like"])
    assert tea == pytest.approx(tea_again)
    assert tea == pytest.approx(hashed_embedding("I like tea", gemini_server.dimensions))
    gemini_server.script_embeddings([[1.0, 0.0]])
    assert await embeddings.aembed_query("anything") == [1.0, 0.0]
    assert gemini_server.requests[0].path.endswith(":batchEmbedContents")
