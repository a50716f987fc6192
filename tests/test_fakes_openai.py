"""The fake OpenAI server satisfies the real ChatOpenAI and OpenAIEmbeddings clients."""

from __future__ import annotations

import math
import time

import openai
import pytest
from langchain_core.exceptions import ModelAPIError, ModelTimeoutError
from langchain_core.messages import AIMessage
from langchain_core.messages.tool import invalid_tool_call

from memory.testing import tool_call
from tests.fakes import Delay, HTTPFault, OpenAIServer, hashed_embedding
from tests.fakes.schemas import Person, add_memory
from tests.fakes.streaming import collect


async def test_plain_reply_uses_chat_completions(openai_server: OpenAIServer) -> None:
    openai_server.script("Hello!", "Again!")
    model = openai_server.chat_model()
    reply = model.invoke([("system", "be kind"), ("human", "hi")])
    assert reply.content == "Hello!"
    assert reply.usage_metadata is not None
    assert reply.usage_metadata["output_tokens"] == 1
    assert (await model.ainvoke("hi")).content == "Again!"
    request = openai_server.requests[0]
    assert request.path == "/v1/chat/completions"
    assert request.body["model"] == "gpt-4o-mini"
    assert request.body["messages"] == [
        {"role": "system", "content": "be kind"},
        {"role": "user", "content": "hi"},
    ]


def test_streamed_reply_arrives_in_chunks_with_usage(openai_server: OpenAIServer) -> None:
    openai_server.script("I will remember that you like tea")
    chunks = list(openai_server.chat_model().stream("hi"))
    message = collect(chunks)
    assert len([chunk for chunk in chunks if chunk.content]) == 7
    assert message.content == "I will remember that you like tea"
    assert message.usage_metadata is not None
    assert message.usage_metadata["output_tokens"] == 7
    assert openai_server.requests[0].body["stream_options"] == {"include_usage": True}


@pytest.mark.parametrize("streamed", [False, True])
def test_tool_calls(openai_server: OpenAIServer, streamed: bool) -> None:
    reply = tool_call("add_memory", memory="likes tea", topics=["food", "drink"])
    openai_server.script(reply)
    model = openai_server.chat_model().bind_tools([add_memory])
    message = collect(model.stream("hi")) if streamed else model.invoke("hi")
    assert message.tool_calls == reply.tool_calls
    tools = openai_server.requests[0].body["tools"]
    assert [schema["function"]["name"] for schema in tools] == ["add_memory"]


@pytest.mark.parametrize("streamed", [False, True])
def test_malformed_arguments_become_invalid_tool_calls(
    openai_server: OpenAIServer, streamed: bool
) -> None:
    bad = invalid_tool_call(name="add_memory", args='{"memory": tea}', id="call_1", error=None)
    openai_server.script(AIMessage(content="", invalid_tool_calls=[bad]))
    model = openai_server.chat_model().bind_tools([add_memory])
    message = collect(model.stream("hi")) if streamed else model.invoke("hi")
    assert message.tool_calls == []
    assert [(call["name"], call["args"]) for call in message.invalid_tool_calls] == [
        ("add_memory", '{"memory": tea}')
    ]


def test_structured_output_json_schema_and_function_calling(openai_server: OpenAIServer) -> None:
    openai_server.script('{"name": "Ada", "age": 36}', tool_call("Person", name="Bo", age=7))
    model = openai_server.chat_model()
    assert model.with_structured_output(Person).invoke("Ada is 36") == Person(name="Ada", age=36)
    by_tool = model.with_structured_output(Person, method="function_calling").invoke("Bo is 7")
    assert by_tool == Person(name="Bo", age=7)
    first, second = (request.body for request in openai_server.requests)
    assert first["response_format"]["json_schema"]["name"] == "Person"
    assert second["tools"][0]["function"]["name"] == "Person"


def test_http_500_fails_fast_without_retries(openai_server: OpenAIServer) -> None:
    openai_server.script(HTTPFault(500, "upstream exploded"))
    started = time.monotonic()
    with pytest.raises(openai.InternalServerError, match="upstream exploded") as raised:
        openai_server.chat_model().invoke("hi")
    assert isinstance(raised.value, ModelAPIError)
    assert time.monotonic() - started < 1
    assert len(openai_server.requests) == 1


def test_stall_past_timeout_raises_timeout(openai_server: OpenAIServer) -> None:
    openai_server.script(Delay(10))
    with pytest.raises(openai.APITimeoutError) as raised:
        openai_server.chat_model(timeout=0.3).invoke("hi")
    assert isinstance(raised.value, ModelTimeoutError)


def test_unscripted_call_fails_with_explanation(openai_server: OpenAIServer) -> None:
    with pytest.raises(openai.InternalServerError, match="no scripted chat reply left"):
        openai_server.chat_model().invoke("hi")


async def test_embeddings_are_deterministic_unless_scripted(openai_server: OpenAIServer) -> None:
    embeddings = openai_server.embeddings()
    tea, tea_again, cars = embeddings.embed_documents(["I like tea", "tea I like", "fast cars"])
    assert tea == pytest.approx(tea_again)
    assert tea == pytest.approx(hashed_embedding("I like tea", openai_server.dimensions))
    assert math.fsum(a * b for a, b in zip(tea, cars, strict=True)) < 0.5
    openai_server.script_embeddings([[1.0, 0.0]])
    assert await embeddings.aembed_query("anything") == [1.0, 0.0]
    assert openai_server.requests[0].body["input"] == ["I like tea", "tea I like", "fast cars"]
