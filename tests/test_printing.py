"""print_response: streamed answers, tool calls, tool results and memory updates on a console."""

from __future__ import annotations

import io

from langchain_core.messages import AIMessage
from rich.console import Console

from graphs import create_memory_agent, print_response
from graphs.printing import Agent
from memory import Memory
from memory.testing import ScriptedChatModel, tool_call

AVA = "ava"


class Writes(io.StringIO):
    """A console file that counts writes, to tell streamed output from output printed whole."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[str] = []

    def write(self, text: str) -> int:
        self.writes.append(text)
        return super().write(text)


def console() -> Console:
    return Console(record=True, width=100, file=Writes())


def show(agent: Agent, message: str, out: Console, **options: bool) -> AIMessage:
    return print_response(agent, message, user_id=AVA, session_id="s1", console=out, **options)


def test_tool_calls_memory_updates_and_the_streamed_answer_in_order() -> None:
    model = ScriptedChatModel(
        [
            tool_call("update_user_memory", task="The user likes to ski"),
            tool_call("add_memory", memory="The user likes to ski"),
            "Nice to meet you, Ava! Skiing is great fun.",
            tool_call("add_memory", memory="The user's name is Ava"),
        ]
    )
    memory = Memory()
    agent = create_memory_agent(
        model=model, memory=memory, enable_agentic_memory=True, enable_user_memories=True
    )
    out = console()
    answer = show(agent, "I'm Ava and I like to ski", out)
    assert answer.text == "Nice to meet you, Ava! Skiing is great fun."
    lines = [line.strip() for line in out.export_text().splitlines()]
    assert lines == [
        '→ update_user_memory(task="The user likes to ski")',
        "· remembered: The user likes to ski",
        "Nice to meet you, Ava! Skiing is great fun.",
        "· remembered: The user's name is Ava",
    ]
    assert isinstance(out.file, Writes)
    assert sum("Skiing" in w or "great" in w or "fun." in w for w in out.file.writes) == 3


def test_answers_are_printed_after_runs_leave_the_window() -> None:
    """The model's step also moves the oldest run out of the window: it still streams
    as one update holding the answer."""
    model = ScriptedChatModel([f"Answer {n}." for n in range(4)])
    agent = create_memory_agent(model=model, memory=Memory(), num_history_runs=1)
    for n in range(4):
        assert show(agent, f"Question {n}", console()).text == f"Answer {n}."


def test_markdown_is_rendered() -> None:
    model = ScriptedChatModel(["Here is **your** list:\n\n- skiing\n- hiking"])
    out = console()
    answer = show(create_memory_agent(model=model), "list", out, markdown=True)
    text = out.export_text()
    assert "**" not in text
    assert "your list:" in text
    assert "• skiing" in text
    assert answer.text.startswith("Here is **your** list")


def test_without_streaming_the_answer_is_printed_whole() -> None:
    model = ScriptedChatModel(
        [tool_call("get_chat_history", num_chats=2), "All done, nothing said."]
    )
    agent = create_memory_agent(model=model, read_chat_history=True)
    out = console()
    answer = show(agent, "what did I say?", out, stream=False)
    assert answer.text == "All done, nothing said."
    lines = [line.strip() for line in out.export_text().splitlines()]
    assert lines == [
        "→ get_chat_history(num_chats=2)",
        "← get_chat_history: []",
        "All done, nothing said.",
    ]
    assert isinstance(out.file, Writes)
    assert [w for w in out.file.writes if "nothing" in w] == ["All done, nothing said."]


def test_steps_can_be_hidden() -> None:
    model = ScriptedChatModel(["Noted.", tool_call("add_memory", memory="The user likes tea")])
    memory = Memory()
    agent = create_memory_agent(model=model, memory=memory, enable_user_memories=True)
    out = console()
    show(agent, "I like tea", out, show_intermediate_steps=False)
    assert out.export_text().strip() == "Noted."
    assert [m.memory for m in memory.get_user_memories(AVA)] == ["The user likes tea"]


def test_failures_and_refusals_are_shown() -> None:
    model = ScriptedChatModel(
        [
            ConnectionError("provider down"),
            "Fine.",
            tool_call("delete_memory", memory_id="m9"),
            "No changes",  # the memory model may correct itself after a refusal
            "Still fine.",
            TimeoutError("memory model timed out"),
        ]
    )
    agent = create_memory_agent(
        model=model, memory=Memory(delete_memories=True), enable_user_memories=True
    )
    out = console()
    failed = show(agent, "hello", out)
    assert failed.response_metadata["error"] == "provider down"
    show(agent, "forget m9", out)
    show(agent, "hi", out)
    lines = [line.strip() for line in out.export_text().splitlines()]
    assert lines == [
        "model error: provider down",
        "Sorry, I could not answer: the model failed (ConnectionError). Please try again.",
        "Fine.",
        "· refused delete_memory: unknown memory id 'm9': use an id from the list",
        "Still fine.",
        "· memory update failed, nothing changed: the memory model failed: memory model timed out",
    ]
