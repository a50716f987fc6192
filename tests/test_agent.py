"""The agent graph, offline: the seed's examples, sessions, scoping, failures and streaming."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langchain_core.runnables import RunnableConfig

from graphs.agent import create_memory_agent
from graphs.context import Context
from graphs.scope import AgentConfigError
from memory import Memory, SqliteMemoryDb, UserMemory
from memory.db.namespaces import namespace_label
from memory.db.store import StoreMemoryDb
from memory.testing import ScriptedChatModel, tool_call, tool_calls
from tests.conftest import MemoryFactory
from tests.fakes import HTTPFault, OpenAIServer

AVA, JOHN, BOB = "ava", "john_doe@example.com", "bob"


def ask(agent: Any, text: str, user_id: str, thread: str = "s1") -> AIMessage:
    state = agent.invoke(
        {"messages": [{"role": "user", "content": text}]},
        {"configurable": {"thread_id": thread}},
        context={"user_id": user_id},
    )
    answer = state["messages"][-1]
    assert isinstance(answer, AIMessage)
    return answer


def stream(
    agent: Any, text: str, user_id: str, modes: list[str], thread: str = "s1"
) -> Iterator[tuple[str, Any]]:
    """`agent.stream` with several modes, typed as the (mode, chunk) pairs it yields."""
    yield from agent.stream(
        {"messages": [{"role": "user", "content": text}]},
        {"configurable": {"thread_id": thread}},
        context={"user_id": user_id},
        stream_mode=modes,
    )


def texts(memory: Memory, user_id: str) -> list[str]:
    return [m.memory for m in memory.get_user_memories(user_id)]


def system_prompt(model: ScriptedChatModel, call: int) -> str:
    return model.calls[call].messages[0].text


def test_ava_agentic_memory_example(new_memory: MemoryFactory) -> None:
    model = ScriptedChatModel(
        [
            tool_call("update_user_memory", task="The user's name is Ava and she likes to ski"),
            tool_calls(
                ("add_memory", {"memory": "The user's name is Ava", "topics": ["name"]}),
                ("add_memory", {"memory": "The user likes to ski", "topics": ["hobbies"]}),
            ),
            "Nice to meet you, Ava!",
            "From San Francisco, Lake Tahoe is a skier's dream within 4 hours.",
        ]
    )
    memory = new_memory()
    agent = create_memory_agent(model=model, memory=memory, enable_agentic_memory=True)
    assert ask(agent, "My name is Ava and I like to ski.", AVA).text == "Nice to meet you, Ava!"
    assert texts(memory, AVA) == ["The user's name is Ava", "The user likes to ski"]
    ask(agent, "I live in san francisco, where should i move within a 4 hour drive?", AVA)
    last = system_prompt(model, 3)
    assert "The user likes to ski" in last
    assert model.calls[3].tools == ["update_user_memory"]
    assert model.calls[1].tools == ["add_memory", "update_memory"]  # the memory manager
    assert model.remaining == 0


def test_john_doe_automatic_memories_example(new_memory: MemoryFactory) -> None:
    model = ScriptedChatModel(
        [
            "Hiking in the mountains sounds wonderful!",
            tool_call("add_memory", memory="The user's name is John Doe", topics=["name"]),
            "You like to hike in the mountains on weekends.",
            tool_call("add_memory", memory="The user likes to hike in the mountains on weekends"),
            "Done: I have forgotten everything about you.",
            tool_call("clear_memory"),
        ]
    )
    memory = new_memory(delete_memories=True, clear_memories=True)
    memory.add_user_memory("The user is Bob", BOB)
    agent = create_memory_agent(model=model, memory=memory, enable_user_memories=True)
    ask(agent, "My name is John Doe and I like to hike in the mountains on weekends.", JOHN)
    assert texts(memory, JOHN) == ["The user's name is John Doe"]
    ask(agent, "What are my hobbies?", JOHN)
    assert "The user's name is John Doe" in system_prompt(model, 2)
    assert len(texts(memory, JOHN)) == 2
    ask(agent, "Remove all existing memories of me.", JOHN)
    assert texts(memory, JOHN) == []
    assert texts(memory, BOB) == ["The user is Bob"]


def test_the_hobbies_question_reaches_the_model_with_the_hiking_memory(
    new_memory: MemoryFactory,
) -> None:
    model = ScriptedChatModel(["You like hiking.", "No changes"])
    memory = new_memory()
    memory.add_user_memory("The user likes to hike in the mountains on weekends", JOHN)
    agent = create_memory_agent(model=model, memory=memory, enable_user_memories=True)
    ask(agent, "What are my hobbies?", JOHN)
    assert "- The user likes to hike in the mountains on weekends" in system_prompt(model, 0)


def test_only_the_last_runs_reach_the_model_and_history_reads_older_ones() -> None:
    answers: list[Any] = [f"answer {n}" for n in range(20)]
    answers += [tool_call("get_chat_history", num_chats=6), "I read it."]
    model = ScriptedChatModel(answers)
    agent = create_memory_agent(model=model, num_history_runs=3, read_chat_history=True)
    for n in range(21):
        ask(agent, f"question {n}", AVA)
    seen = [m.text for m in model.calls[19].messages if isinstance(m, HumanMessage)]
    assert seen == ["question 16", "question 17", "question 18", "question 19"]
    history = model.calls[21].messages[-1]
    assert isinstance(history, ToolMessage)
    pairs = json.loads(history.text)
    assert [p["content"] for p in pairs] == [
        text for n in range(14, 20) for text in (f"question {n}", f"answer {n}")
    ]
    state = agent.get_state({"configurable": {"thread_id": "s1"}})
    assert state.values["archived_runs"] == 17
    assert sum(isinstance(m, HumanMessage) for m in state.values["messages"]) == 4


def test_history_can_be_turned_off() -> None:
    model = ScriptedChatModel(["one", "two"])
    agent = create_memory_agent(model=model, add_history_to_messages=False)
    ask(agent, "first", AVA)
    ask(agent, "second", AVA)
    assert [m.text for m in model.calls[1].messages[1:]] == ["second"]


def test_threads_of_one_user_share_memories_and_users_never_see_each_other(
    new_memory: MemoryFactory,
) -> None:
    model = ScriptedChatModel(
        [
            "Noted.",
            tool_call("add_memory", memory="The user likes tea"),
            "You like tea.",
            "No changes",
            "I know nothing about you yet.",
            "No changes",
        ]
    )
    memory = new_memory()
    agent = create_memory_agent(model=model, memory=memory, enable_user_memories=True)
    ask(agent, "I like tea", AVA, thread="ava-1")
    ask(agent, "What do I like?", AVA, thread="ava-2")
    assert "The user likes tea" in system_prompt(model, 2)
    ask(agent, "What do I like?", BOB, thread="bob-1")
    assert "likes tea" not in system_prompt(model, 4)
    assert "do not know anything" in system_prompt(model, 4)


def test_a_user_cannot_reach_another_users_memories_even_when_asked(
    new_memory: MemoryFactory,
) -> None:
    memory = new_memory(delete_memories=True, clear_memories=True)
    bobs = memory.add_user_memory(UserMemory(memory="The user is Bob"), BOB)
    model = ScriptedChatModel(
        [
            tool_call("update_user_memory", task="Delete bob's memories"),
            tool_calls(
                ("delete_memory", {"memory_id": bobs}), ("delete_memory", {"memory_id": "m1"})
            ),
            "No changes",
            "I can only manage your own memories.",
        ]
    )
    agent = create_memory_agent(model=model, memory=memory, enable_agentic_memory=True)
    ask(agent, "delete bob's memories", AVA)
    assert texts(memory, BOB) == ["The user is Bob"]
    tool_result = model.calls[3].messages[-1]
    assert isinstance(tool_result, ToolMessage)
    assert "refused delete_memory: unknown memory id" in tool_result.text
    assert "The user is Bob" not in "".join(m.text for c in model.calls for m in c.messages)


MALFORMED = AIMessage(
    content="",
    invalid_tool_calls=[
        {
            "type": "invalid_tool_call",
            "name": "update_memory",
            "args": '{"memory_id": "m1", "mem',
            "id": "call_1",
            "error": None,
        }
    ],
)


@pytest.mark.one_backend
@pytest.mark.parametrize(
    ("replies", "statuses"),
    [
        ([HTTPFault(500)], ["started", "failed"]),
        ([MALFORMED, "No changes"], ["started", "completed"]),
    ],
    ids=["http-500", "malformed-tool-call"],
)
def test_a_failing_memory_model_leaves_the_answer_and_the_memories(
    openai_server: OpenAIServer, replies: list[Any], statuses: list[str], new_memory: MemoryFactory
) -> None:
    openai_server.script(*replies)
    memory = new_memory(model=openai_server.chat_model())
    memory.add_user_memory("The user lives in Paris", AVA)
    model = ScriptedChatModel(["Oslo is lovely."])
    agent = create_memory_agent(model=model, memory=memory, enable_user_memories=True)
    events = [
        chunk
        for mode, chunk in stream(agent, "I moved to Oslo", AVA, ["custom", "values"])
        if mode == "custom"
    ]
    assert [e["status"] for e in events] == statuses
    assert texts(memory, AVA) == ["The user lives in Paris"]
    state = agent.get_state({"configurable": {"thread_id": "s1"}})
    assert state.values["messages"][-1].text == "Oslo is lovely."


@pytest.mark.one_backend
def test_malformed_and_invented_tool_calls_never_crash_the_agent(new_memory: MemoryFactory) -> None:
    broken = AIMessage(
        content="",
        invalid_tool_calls=[
            {
                "type": "invalid_tool_call",
                "name": "update_user_memory",
                "args": "{oops",
                "id": "call_1",
                "error": "bad JSON",
            }
        ],
    )
    model = ScriptedChatModel([broken, tool_call("delete_everything"), "Sorry, here is my answer."])
    memory = new_memory()
    memory.add_user_memory("The user lives in Paris", AVA)
    agent = create_memory_agent(model=model, memory=memory)
    assert ask(agent, "hello", AVA).text == "Sorry, here is my answer."
    errors = [m.text for m in model.calls[2].messages if isinstance(m, ToolMessage)]
    assert errors == [
        "Error: malformed arguments (bad JSON).",
        "Error: there is no tool named 'delete_everything'.",
    ]
    assert texts(memory, AVA) == ["The user lives in Paris"]


def test_a_run_interrupted_before_its_tool_ran_does_not_break_the_thread() -> None:
    model = ScriptedChatModel(["Hello!", "Still here."])
    agent = create_memory_agent(model=model, enable_agentic_memory=True)
    ask(agent, "hi", AVA)
    config: RunnableConfig = {"configurable": {"thread_id": "s1"}}
    dangling = tool_call("update_user_memory", task="The user likes tea")
    agent.update_state(config, {"messages": [HumanMessage("I like tea"), dangling]})
    ask(agent, "are you there?", AVA)
    sent = model.calls[1].messages
    answered = {m.tool_call_id for m in sent if isinstance(m, ToolMessage)}
    calls = [c["id"] for m in sent if isinstance(m, AIMessage) for c in m.tool_calls]
    assert all(call in answered for call in calls)
    assert [m.text for m in sent[1:]] == ["hi", "Hello!", "I like tea", "", "are you there?"]


def test_a_tool_loop_is_cut_short() -> None:
    model = ScriptedChatModel([tool_call("get_chat_history")] * 5 + ["Final answer."])
    agent = create_memory_agent(model=model, read_chat_history=True)
    assert ask(agent, "hello", AVA).text == "Final answer."
    assert model.calls[-1].tools == []


@pytest.mark.one_backend
def test_a_failing_answer_model_gives_a_message_not_a_crash(new_memory: MemoryFactory) -> None:
    model = ScriptedChatModel([ConnectionError("provider down")])
    memory = new_memory()
    agent = create_memory_agent(model=model, memory=memory, enable_user_memories=True)
    answer = ask(agent, "hello", AVA)
    assert "could not answer" in answer.text
    assert answer.response_metadata["error"] == "provider down"
    assert model.remaining == 0  # no extraction after a failed answer


@pytest.mark.parametrize(
    ("config", "context", "message"),
    [
        ({"configurable": {"thread_id": "s1"}}, {}, "no user_id"),
        ({"configurable": {"thread_id": "s1"}}, {"user_id": ""}, "no user_id"),
        ({}, {"user_id": AVA}, "thread_id"),
    ],
)
def test_a_run_without_user_or_thread_fails_before_any_model_call(
    config: RunnableConfig, context: Context, message: str
) -> None:
    model = ScriptedChatModel(["never"])
    agent = create_memory_agent(model=model)
    with pytest.raises(ValueError, match=message):  # LangGraph Server shows ValueError messages
        agent.invoke({"messages": [{"role": "user", "content": "hi"}]}, config, context=context)
    assert model.calls == []


@pytest.mark.one_backend
def test_user_id_may_come_from_configurable(new_memory: MemoryFactory) -> None:
    model = ScriptedChatModel(["You like tea."])
    memory = new_memory()
    memory.add_user_memory("The user likes tea", AVA)
    agent = create_memory_agent(model=model, memory=memory)
    agent.invoke(
        {"messages": [{"role": "user", "content": "What do I like?"}]},
        {"configurable": {"thread_id": "s1", "user_id": AVA}},
    )
    assert "The user likes tea" in system_prompt(model, 0)


@pytest.mark.one_backend
def test_an_authenticated_server_user_is_the_only_user_a_run_can_act_for(
    new_memory: MemoryFactory,
) -> None:
    model = ScriptedChatModel(["You like tea."])
    memory = new_memory()
    memory.add_user_memory("The user likes tea", AVA)
    memory.add_user_memory("The user is Bob", BOB)
    agent = create_memory_agent(model=model, memory=memory)
    authenticated: RunnableConfig = {
        "configurable": {"thread_id": "s1", "langgraph_auth_user_id": AVA}
    }
    with pytest.raises(AgentConfigError, match="another user than the authenticated one"):
        agent.invoke({"messages": [("user", "hi")]}, authenticated, context={"user_id": BOB})
    agent.invoke({"messages": [("user", "What do I like?")]}, authenticated)
    assert "The user likes tea" in system_prompt(model, 0)
    assert "The user is Bob" not in system_prompt(model, 0)


def test_without_a_model_the_default_needs_its_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """As the CLI: context.model, else MEMORY_AGENT_MODEL, else openai:gpt-4.1-mini."""
    monkeypatch.delenv("MEMORY_AGENT_MODEL", raising=False)
    monkeypatch.delenv("OPENAI_API_KEY")
    agent = create_memory_agent()
    with pytest.raises(AgentConfigError, match=r"'openai:gpt-4\.1-mini'.*OPENAI_API_KEY"):
        ask(agent, "hi", AVA)
    monkeypatch.setenv("MEMORY_AGENT_MODEL", "google_genai:gemini-2.5-flash")
    monkeypatch.delenv("GOOGLE_API_KEY")
    with pytest.raises(AgentConfigError, match=r"gemini-2\.5-flash"):
        ask(agent, "hi", AVA)


def test_streaming_yields_tokens_then_memory_updates_after_the_answer() -> None:
    model = ScriptedChatModel(
        [
            "Nice to meet you, Ava! Skiing is great fun.",
            tool_call("add_memory", memory="The user likes to ski"),
        ]
    )
    agent = create_memory_agent(model=model, enable_user_memories=True)
    order: list[str] = []
    tokens: list[str] = []
    for mode, chunk in stream(agent, "I'm Ava and I ski", AVA, ["messages", "updates", "custom"]):
        if mode == "messages":
            message, _ = chunk
            if message.text:
                tokens.append(message.text)
                order.append("token")
        elif mode == "custom":
            order.append(f"memory {chunk['status']}")
        else:
            order.extend(f"node {name}" for name in chunk)
    assert "".join(tokens) == "Nice to meet you, Ava! Skiing is great fun."
    assert len(tokens) > 3
    last_token = max(i for i, step in enumerate(order) if step == "token")
    assert order.index("memory started") > last_token
    assert order[-3:] == [
        "memory started",
        "memory completed",
        "node MemoryMiddleware.after_agent",
    ]


def test_the_async_path_works_the_same(new_memory: MemoryFactory) -> None:
    model = ScriptedChatModel(
        [
            tool_call("update_user_memory", task="likes tea"),
            tool_call("add_memory", memory="The user likes tea"),
            "Noted.",
        ]
    )
    memory = new_memory()
    agent = create_memory_agent(model=model, memory=memory, enable_agentic_memory=True)

    async def run() -> Any:
        return await agent.ainvoke(
            {"messages": [{"role": "user", "content": "I like tea"}]},
            {"configurable": {"thread_id": "s1"}},
            context={"user_id": AVA},
        )

    state = asyncio.run(run())
    assert state["messages"][-1].text == "Noted."
    assert texts(memory, AVA) == ["The user likes tea"]


@pytest.mark.one_backend
def test_the_real_openai_client_streams_through_the_graph(
    openai_server: OpenAIServer, new_memory: MemoryFactory
) -> None:
    openai_server.script(
        "Nice to meet you, Ava!",
        tool_call("add_memory", memory="The user's name is Ava", topics=["name"]),
    )
    memory = new_memory()
    agent = create_memory_agent(
        model=openai_server.chat_model(), memory=memory, enable_user_memories=True
    )
    tokens = [
        chunk[0].text
        for mode, chunk in stream(agent, "My name is Ava", AVA, ["messages"])
        if mode == "messages" and chunk[0].text
    ]
    assert "".join(tokens) == "Nice to meet you, Ava!"
    assert texts(memory, AVA) == ["The user's name is Ava"]
    sent: list[dict[str, Any]] = openai_server.requests[0].body["messages"]
    assert sent[0]["role"] == "system"
    assert sent[-1] == {"role": "user", "content": "My name is Ava"}


# A new process reopens the same file: same session, same memories.
REOPEN = """
import json, sys
from graphs.agent import create_memory_agent
from graphs.context import Context
from memory import Memory, SqliteMemoryDb
from memory.testing import ScriptedChatModel
model = ScriptedChatModel(["You said hello."])
agent = create_memory_agent(model=model, memory=Memory(db=SqliteMemoryDb(db_file=sys.argv[1])))
agent.invoke({"messages": [{"role": "user", "content": "What did I say?"}]},
             {"configurable": {"thread_id": "s1"}}, context={"user_id": "ava"})
print(json.dumps([m.text for m in model.calls[0].messages]))
"""


def test_a_new_process_continues_the_session_with_the_same_memories(tmp_path: Path) -> None:
    db_file = tmp_path / "agent.db"
    with Memory(db=SqliteMemoryDb(db_file=db_file)) as memory:
        memory.add_user_memory("The user likes tea", AVA)
        agent = create_memory_agent(model=ScriptedChatModel(["Hello!"]), memory=memory)
        ask(agent, "hello", AVA)
    result = subprocess.run(
        [sys.executable, "-c", REOPEN, str(db_file)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    seen: list[str] = json.loads(result.stdout)
    assert "The user likes tea" in seen[0]
    assert seen[1:] == ["hello", "Hello!", "What did I say?"]


def test_server_mode_memories_use_the_configured_embeddings() -> None:
    from langgraph.checkpoint.memory import InMemorySaver
    from langgraph.store.memory import InMemoryStore

    from graphs import StoreMemory
    from memory.embeddings import HashEmbeddings

    store = InMemoryStore()
    model = ScriptedChatModel(
        ["Noted.", tool_call("add_memory", memory="The user owns a sailing boat")]
    )
    agent = create_memory_agent(
        model,
        memory=StoreMemory(embeddings=HashEmbeddings()),
        enable_user_memories=True,
        checkpointer=InMemorySaver(),
        store=store,
    )
    ask(agent, "I have a sailing boat", AVA)
    # The run's own Memory embedded the new memory as it wrote it, before any search.
    vectors = store.search(("memories", namespace_label(AVA), "vectors"))
    assert [item.key for item in vectors] == [
        m.memory_id for m in Memory(db=StoreMemoryDb(store)).get_user_memories(AVA)
    ]
