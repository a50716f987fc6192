"""ScriptedChatModel drives invoke, streaming, tools and structured output like a real model."""

from __future__ import annotations

from typing import Annotated, Any, TypedDict

import pytest
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage
from langchain_core.messages.tool import invalid_tool_call
from langchain_core.tools import tool
from langgraph.graph import END, START, StateGraph
from langgraph.graph.message import add_messages
from langgraph.prebuilt import ToolNode, tools_condition
from pydantic import BaseModel

from memory.testing import ScriptedChatModel, ScriptExhaustedError, tool_call, tool_calls
from tests.fakes.streaming import collect


@tool
def add_memory(memory: str, topics: list[str]) -> str:
    """Remember a fact about the user."""
    return f"saved {memory!r} under {topics}"


class Person(BaseModel):
    """A person the user mentioned."""

    name: str
    age: int


PERSON_SCHEMA: dict[str, Any] = {
    "title": "Person",
    "description": "A person the user mentioned.",
    "type": "object",
    "properties": {"name": {"type": "string"}, "age": {"type": "integer"}},
    "required": ["name", "age"],
}


def test_replies_in_order_and_records_prompts() -> None:
    model = ScriptedChatModel(["first", AIMessage(content="second")])
    assert model.invoke("hello").content == "first"
    assert model.invoke([("system", "be brief"), ("human", "again")]).content == "second"
    assert [call.messages[-1].content for call in model.calls] == ["hello", "again"]
    assert model.calls[1].messages[0].type == "system"
    assert model.remaining == 0


def test_callable_reply_sees_the_prompt() -> None:
    def echo(messages: list[BaseMessage]) -> str:
        return f"you said {messages[-1].content}"

    assert ScriptedChatModel([echo]).invoke("tea").content == "you said tea"


def test_exception_reply_is_raised_then_script_continues() -> None:
    model = ScriptedChatModel([TimeoutError("provider timed out"), "recovered"])
    with pytest.raises(TimeoutError, match="provider timed out"):
        model.invoke("hi")
    assert model.invoke("hi").content == "recovered"


def test_running_out_names_the_scripted_count() -> None:
    model = ScriptedChatModel(["only"])
    model.invoke("one")
    with pytest.raises(ScriptExhaustedError, match="call 2 but only 1 replies were scripted"):
        model.invoke("two")


async def test_streams_tokens_in_several_chunks_sync_and_async() -> None:
    model = ScriptedChatModel(["I will remember that", "I will remember that"])
    chunks = list(model.stream("hi"))
    achunks = [chunk async for chunk in model.astream("hi")]
    assert len(chunks) > 3
    assert collect(chunks).content == collect(achunks).content == "I will remember that"


@pytest.mark.parametrize("streamed", [False, True])
def test_bind_tools_records_schemas_and_returns_tool_calls(streamed: bool) -> None:
    reply = tool_call("add_memory", memory="likes tea", topics=["food"])
    model = ScriptedChatModel([reply])
    bound = model.bind_tools([add_memory], tool_choice="any")
    message = collect(bound.stream("hi")) if streamed else bound.invoke("hi")
    assert message.tool_calls == reply.tool_calls
    assert model.calls[0].tools == ["add_memory"]
    assert model.calls[0].tool_choice == "any"
    assert model.calls[0].tool_schemas[0]["function"]["parameters"]["required"] == [
        "memory",
        "topics",
    ]


def test_tool_calls_builds_several_calls_with_unique_ids() -> None:
    message = tool_calls(("a", {"x": 1}), ("b", {}), content="two things")
    assert [call["name"] for call in message.tool_calls] == ["a", "b"]
    assert len({call["id"] for call in message.tool_calls}) == 2
    assert message.content == "two things"


def test_malformed_arguments_stream_as_invalid_tool_calls() -> None:
    bad = invalid_tool_call(name="add_memory", args='{"memory": tea}', id="call_1", error=None)
    model = ScriptedChatModel([AIMessage(content="", invalid_tool_calls=[bad])])
    message = collect(model.stream("hi"))
    assert message.tool_calls == []
    assert [(call["name"], call["args"]) for call in message.invalid_tool_calls] == [
        ("add_memory", '{"memory": tea}')
    ]


@pytest.mark.parametrize("schema", [Person, PERSON_SCHEMA], ids=["pydantic", "json-schema"])
def test_with_structured_output(schema: type[Person] | dict[str, Any]) -> None:
    model = ScriptedChatModel([tool_call("Person", name="Ada", age=36)])
    result = model.with_structured_output(schema).invoke("Ada is 36")
    parsed = result.model_dump() if isinstance(result, Person) else result
    assert parsed == {"name": "Ada", "age": 36}
    assert isinstance(result, Person) == (schema is Person)
    assert model.calls[0].tools == ["Person"]


class _State(TypedDict):
    messages: Annotated[list[BaseMessage], add_messages]


async def test_drives_a_langgraph_tool_loop() -> None:
    model = ScriptedChatModel(
        [tool_call("add_memory", memory="likes tea", topics=["food"]), "Noted: you like tea."]
    )
    bound = model.bind_tools([add_memory])

    async def agent(state: _State) -> dict[str, list[BaseMessage]]:
        return {"messages": [await bound.ainvoke(state["messages"])]}

    builder = StateGraph(_State)
    builder.add_node("agent", agent)
    builder.add_node("tools", ToolNode([add_memory]))
    builder.add_edge(START, "agent")
    builder.add_conditional_edges("agent", tools_condition, ["tools", END])
    builder.add_edge("tools", "agent")
    result = await builder.compile().ainvoke(_State(messages=[HumanMessage("I like tea")]))

    assert result["messages"][-1].content == "Noted: you like tea."
    tool_result = model.calls[1].messages[-1]
    assert isinstance(tool_result, ToolMessage)
    assert tool_result.content == "saved 'likes tea' under ['food']"
    assert model.remaining == 0
