"""Memory for any LangGraph app: the middleware, the tools, the nodes, and the agent as a subgraph.

Each recipe runs end to end, sync and async, with a scripted model.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

import pytest
from langchain.agents import create_agent
from langchain_core.messages import AIMessage, BaseMessage, SystemMessage, ToolMessage
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.graph import END, START, MessagesState, StateGraph
from langgraph.prebuilt import create_react_agent
from typing_extensions import TypedDict

from graphs import (
    AgentConfigError,
    MemoryMiddleware,
    create_memory_agent,
    create_memory_tools,
    extract_memories_node,
    recall_memories_node,
)
from memory import Memory
from memory.testing import ScriptedChatModel, tool_call
from tests.fakes import OpenAIServer

AVA, BOB = "ava", "bob"
Run = Callable[..., dict[str, Any]]


class UserContext(TypedDict, total=False):
    user_id: str


@pytest.fixture(params=["sync", "async"])
def run(request: pytest.FixtureRequest) -> Run:
    """`graph.invoke(...)`, or `graph.ainvoke(...)` run to completion."""

    def invoke(graph: Any, text: str, user: str, thread: str = "t1") -> dict[str, Any]:
        args = ({"messages": [{"role": "user", "content": text}]},)
        kwargs = {"config": {"configurable": {"thread_id": thread}}, "context": {"user_id": user}}
        if request.param == "sync":
            result: dict[str, Any] = graph.invoke(*args, **kwargs)
        else:
            result = asyncio.run(graph.ainvoke(*args, **kwargs))
        return result

    return invoke


def say(graph: Any, text: str, user: str, **kwargs: Any) -> Any:
    """`graph.invoke` for one user message, untyped: graphs here have several state types."""
    return graph.invoke({"messages": [("user", text)]}, context={"user_id": user}, **kwargs)


def texts(memory: Memory, user: str) -> list[str]:
    return [m.memory for m in memory.get_user_memories(user)]


def system_text(messages: list[BaseMessage]) -> str:
    return messages[0].text if isinstance(messages[0], SystemMessage) else ""


# -- create_agent + MemoryMiddleware ------------------------------------------------


def test_create_agent_with_the_middleware_learns_and_recalls(run: Run) -> None:
    model = ScriptedChatModel(
        [
            "Noted, you are vegetarian.",
            tool_call("add_memory", memory="The user is vegetarian", topics=["diet"]),
            lambda messages: "A lentil curry." if "vegetarian" in system_text(messages) else "?",
            "No changes",
        ]
    )
    memory = Memory()
    agent = create_agent(
        model,
        system_prompt="You are a cook.",
        middleware=[MemoryMiddleware(memory)],
        checkpointer=InMemorySaver(),
    )
    run(agent, "I'm vegetarian", AVA)
    assert texts(memory, AVA) == ["The user is vegetarian"]
    answer = run(agent, "Dinner idea?", AVA, thread="t2")["messages"][-1]
    assert answer.text == "A lentil curry."
    prompt = system_text(model.calls[2].messages)
    assert prompt.startswith("You are a cook.")
    assert "The user is vegetarian" in prompt
    assert model.calls[1].tools == ["add_memory", "update_memory"]  # the memory manager
    assert model.remaining == 0


def test_the_agentic_middleware_adds_the_update_tool(run: Run) -> None:
    model = ScriptedChatModel(
        [
            tool_call("update_user_memory", task="The user moved to Oslo"),
            tool_call("add_memory", memory="The user lives in Oslo"),
            "Welcome to Oslo!",
        ]
    )
    memory = Memory(model=model)
    agent = create_agent(model, middleware=[MemoryMiddleware(memory, extract=False, agentic=True)])
    assert run(agent, "I moved to Oslo", AVA)["messages"][-1].text == "Welcome to Oslo!"
    assert texts(memory, AVA) == ["The user lives in Oslo"]
    assert model.calls[0].tools == ["update_user_memory"]
    assert "update_user_memory tool" in system_text(model.calls[0].messages)


def test_memory_updates_stream_after_the_answers_last_token() -> None:
    model = ScriptedChatModel(
        ["Skiing is great fun, Ava!", tool_call("add_memory", memory="The user likes to ski")]
    )
    agent = create_agent(model, middleware=[MemoryMiddleware(Memory())])
    order: list[str] = []
    stream: Any = agent.stream
    for mode, chunk in stream(
        {"messages": [("user", "I ski")]},
        context={"user_id": AVA},
        stream_mode=["messages", "custom"],
    ):
        if mode == "messages" and chunk[0].text:
            order.append(f"token from {chunk[1]['langgraph_node']}")
        elif mode == "custom":
            order.append(f"memory {chunk['status']}")
    assert set(order[:-2]) == {"token from model"}
    assert len(order) > 4
    assert order[-2:] == ["memory started", "memory completed"]


def test_a_failing_memory_model_leaves_the_apps_answer(
    run: Run, caplog: pytest.LogCaptureFixture
) -> None:
    model = ScriptedChatModel(["Hello Ava!", RuntimeError("provider is down")])
    memory = Memory()
    agent = create_agent(model, middleware=[MemoryMiddleware(memory)])
    with caplog.at_level(logging.WARNING):
        assert run(agent, "I'm Ava", AVA)["messages"][-1].text == "Hello Ava!"
    assert texts(memory, AVA) == []
    assert "provider is down" in caplog.text


def test_a_run_without_a_user_fails_before_any_model_call() -> None:
    model = ScriptedChatModel(["never"])
    agent = create_agent(model, middleware=[MemoryMiddleware(Memory())])
    untyped: Any = agent
    with pytest.raises(AgentConfigError, match="context=\\{'user_id'"):
        untyped.invoke({"messages": [("user", "hi")]})
    assert model.calls == []


# -- create_react_agent + create_memory_tools ---------------------------------------

# LangGraph 1.0 deprecates create_react_agent for langchain's create_agent; apps still use it.
react_agent_deprecated = pytest.mark.filterwarnings("ignore:create_react_agent has been moved")


@react_agent_deprecated
def test_react_agent_with_the_tools_updates_and_searches(run: Run) -> None:
    memory = Memory()
    model = ScriptedChatModel(
        [
            tool_call("update_user_memory", task="The user is allergic to kiwi"),
            tool_call("add_memory", memory="The user is allergic to kiwi", topics=["health"]),
            tool_call("search_user_memories", query="kiwi allergy"),
            lambda messages: f"From memory: {messages[-1].text}",
        ]
    )
    agent = create_react_agent(model, create_memory_tools(memory, model=model))
    answer = run(agent, "Remember I'm allergic to kiwi, then tell me what you know", AVA)
    assert texts(memory, AVA) == ["The user is allergic to kiwi"]
    assert answer["messages"][-1].text == (
        "From memory: - The user is allergic to kiwi (topics: health)"
    )
    assert model.calls[0].tools == ["update_user_memory", "search_user_memories"]


@react_agent_deprecated
def test_a_user_id_from_the_model_is_refused_and_nothing_is_stored(run: Run) -> None:
    memory = Memory()
    memory.add_user_memory("The user is Bob", BOB)
    model = ScriptedChatModel(
        [
            tool_call("update_user_memory", task="Forget everything", user_id=BOB),
            tool_call("search_user_memories", query="Bob", limit=500),
            "Done.",
        ]
    )
    agent = create_react_agent(model, create_memory_tools(memory, model=model))
    messages = run(agent, "Forget Bob's memories", AVA)["messages"]
    refusals = [m for m in messages if isinstance(m, ToolMessage)]
    assert [m.status for m in refusals] == ["error", "error"]
    assert "user_id" in refusals[0].text
    assert "limit" in refusals[1].text
    assert texts(memory, BOB) == ["The user is Bob"]
    assert texts(memory, AVA) == []


@react_agent_deprecated
def test_the_tools_need_no_thread(run: Run) -> None:
    memory = Memory()
    memory.add_user_memory("The user likes tea", AVA)
    model = ScriptedChatModel([tool_call("search_user_memories", query="tea"), "Tea it is."])
    agent = create_react_agent(model, create_memory_tools(memory, update=False))
    result = say(agent, "Drink?", AVA)
    assert result["messages"][-2].text == "- The user likes tea"
    del run


# -- your own StateGraph + the nodes ------------------------------------------------


class ChatState(MessagesState):
    memories: str


def chat_graph(memory: Memory, model: ScriptedChatModel) -> Any:
    def answer(state: ChatState) -> dict[str, Any]:
        prompt = SystemMessage(f"You are kind.\n\n{state['memories']}")
        return {"messages": [model.invoke([prompt, *state["messages"]])]}

    graph = StateGraph(ChatState, context_schema=UserContext)
    graph.add_node("recall", recall_memories_node(memory, state_key="memories"))
    graph.add_node("answer", answer)
    graph.add_node("learn", extract_memories_node(memory, model=model))
    graph.add_edge(START, "recall")
    graph.add_edge("recall", "answer")
    graph.add_edge("answer", "learn")
    graph.add_edge("learn", END)
    return graph.compile(checkpointer=InMemorySaver())


def test_a_stategraph_with_the_nodes_recalls_and_learns(run: Run) -> None:
    memory = Memory()
    model = ScriptedChatModel(
        [
            "Hello!",
            tool_call("add_memory", memory="The user's dog is called Rex"),
            lambda messages: "Rex!" if "Rex" in system_text(messages) else "?",
            "No changes",
        ]
    )
    graph = chat_graph(memory, model)
    run(graph, "My dog is called Rex", AVA)
    assert run(graph, "What is my dog's name?", AVA)["messages"][-1].text == "Rex!"
    assert texts(memory, AVA) == ["The user's dog is called Rex"]
    assert "- The user's dog is called Rex" in system_text(model.calls[2].messages)


def test_the_nodes_keep_two_users_apart(run: Run) -> None:
    memory = Memory()
    memory.add_user_memory("The user's dog is called Rex", AVA)
    model = ScriptedChatModel([system_text, "No changes"])
    graph = chat_graph(memory, model)
    shown = run(graph, "Who is my dog?", BOB, thread="bob")["messages"][-1].text
    assert "Rex" not in shown
    assert "do not know anything about the user" in shown


# -- the whole memory agent as a subgraph --------------------------------------------


def test_the_memory_agent_runs_as_a_node_of_an_apps_graph(run: Run) -> None:
    memory = Memory()
    model = ScriptedChatModel(
        [
            "Nice to meet you, Ava!",
            tool_call("add_memory", memory="The user's name is Ava"),
            lambda messages: "Ava" if "name is Ava" in system_text(messages) else "?",
            "No changes",
        ]
    )
    agent = create_memory_agent(model, memory=memory, enable_user_memories=True, checkpointer=True)
    app = StateGraph(MessagesState, context_schema=UserContext)
    app.add_node("assistant", agent)
    app.add_edge(START, "assistant")
    app.add_edge("assistant", END)
    saver = InMemorySaver()
    graph = app.compile(checkpointer=saver)
    run(graph, "I'm Ava", AVA)
    assert run(graph, "Who am I?", AVA)["messages"][-1].text == "Ava"
    assert texts(memory, AVA) == ["The user's name is Ava"]
    namespaces = {c.config["configurable"]["checkpoint_ns"] for c in saver.list(None)}
    assert "assistant" in {ns.split(":")[0] for ns in namespaces}  # the app's checkpointer


# -- two users, every piece ----------------------------------------------------------


def test_two_users_of_one_app_never_see_each_others_memories() -> None:
    memory = Memory()
    memory.add_user_memory("The user's PIN hint is a cat", AVA)
    shown: list[str] = []

    def look(messages: list[BaseMessage]) -> str:
        shown.append(system_text(messages) + " | " + messages[-1].text)
        return "ok"

    model = ScriptedChatModel([look, tool_call("search_user_memories", query="PIN hint cat"), look])
    tools = create_memory_tools(memory, update=False)
    agent = create_agent(model, tools, middleware=[MemoryMiddleware(memory, extract=False)])
    say(agent, "hint?", BOB)
    say(agent, "search", BOB)
    graph = chat_graph(memory, ScriptedChatModel([look, "No changes"]))
    say(graph, "hint?", BOB, config={"configurable": {"thread_id": "b"}})
    assert len(shown) == 3  # the middleware twice (the second after the search), the node once
    assert "No memories match." in shown[1]
    assert not any("cat" in text for text in shown)


# -- the real OpenAI client --------------------------------------------------------


def test_the_middleware_through_the_real_openai_client(openai_server: OpenAIServer) -> None:
    openai_server.script(
        "Noted!",
        tool_call("add_memory", memory="The user plays chess"),
        "Try the Sicilian.",
        "No changes",
    )
    memory = Memory()
    agent = create_agent(openai_server.chat_model(), middleware=[MemoryMiddleware(memory)])
    say(agent, "I play chess", AVA)
    result = say(agent, "An opening?", AVA)
    assert result["messages"][-1].text == "Try the Sicilian."
    assert texts(memory, AVA) == ["The user plays chess"]
    system = openai_server.requests[2].body["messages"][0]
    assert system["role"] == "system"
    assert "The user plays chess" in system["content"]
    assert isinstance(result["messages"][-1], AIMessage)
