"""The memory manager, driven by a scripted model: what lands, what is refused, and why."""

from __future__ import annotations

import asyncio

import pytest
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage

from memory import (
    Memory,
    MemoryManager,
    MemoryModelError,
    ModelConfigError,
    UserMemory,
)
from memory.testing import ScriptedChatModel, tool_call, tool_calls

AVA, BOB = "ava", "bob@example.com"

pytestmark = pytest.mark.one_backend  # the manager's plan; stores are checked by their own tests


def prompt_of(model: ScriptedChatModel, call: int = 0) -> str:
    return "\n".join(m.text for m in model.calls[call].messages)


def texts(memory: Memory, user_id: str = AVA) -> list[str]:
    return [m.memory for m in memory.get_user_memories(user_id)]


def test_facts_from_a_message_are_stored_with_their_source(memory: Memory) -> None:
    model = ScriptedChatModel(
        [
            tool_calls(
                ("add_memory", {"memory": "The user's name is Ava", "topics": ["name"]}),
                ("add_memory", {"memory": "The user likes to ski", "topics": ["hobbies"]}),
            )
        ]
    )
    memory.model = model
    result = memory.create_user_memories(message="My name is Ava and I like to ski.", user_id=AVA)
    assert [(e.action, e.new_memory) for e in result.events] == [
        ("added", "The user's name is Ava"),
        ("added", "The user likes to ski"),
    ]
    assert result.model_calls == 1
    assert result.refused == []
    stored = memory.get_user_memories(AVA)
    assert [(m.memory, m.topics, m.input) for m in stored] == [
        ("The user's name is Ava", ["name"], "My name is Ava and I like to ski."),
        ("The user likes to ski", ["hobbies"], "My name is Ava and I like to ski."),
    ]
    history = memory.get_memory_history(stored[0].memory_id or "", AVA)
    assert (history[0].source, history[0].input) == ("manager", "My name is Ava and I like to ski.")
    [call] = model.calls
    assert call.tools == ["add_memory", "update_memory"]
    assert isinstance(call.messages[0], SystemMessage)
    assert "(none yet)" in call.messages[0].text
    assert "My name is Ava and I like to ski." in call.messages[1].text
    assert AVA not in prompt_of(model)


def test_a_conversation_in_any_message_form(memory: Memory) -> None:
    memory.model = ScriptedChatModel([tool_call("add_memory", memory="The user plays chess")])
    memory.create_user_memories(
        messages=[
            HumanMessage("My name is Jane Doe"),
            {"role": "assistant", "content": "That is great!"},
            ("user", "I like to play chess"),
            AIMessage("That is great!"),
        ],
        user_id=AVA,
    )
    assert isinstance(memory.model, ScriptedChatModel)
    prompt = prompt_of(memory.model)
    assert (
        "user: My name is Jane Doe\nassistant: That is great!\nuser: I like to play chess" in prompt
    )
    [stored] = memory.get_user_memories(AVA)
    assert stored.input == "My name is Jane Doe\nI like to play chess"


def test_existing_memories_are_shown_by_alias_and_updated_in_place(memory: Memory) -> None:
    kept_id = memory.add_user_memory(UserMemory(memory="The user lives in Paris"), AVA)
    memory.add_user_memory("The user is Bob", BOB)
    model = ScriptedChatModel(
        [tool_call("update_memory", memory_id="m1", memory="The user lives in Oslo")]
    )
    memory.model = model
    result = memory.create_user_memories(message="I moved to Oslo last month", user_id=AVA)
    assert [(e.action, e.old_memory, e.new_memory) for e in result.events] == [
        ("updated", "The user lives in Paris", "The user lives in Oslo")
    ]
    kept = memory.get_user_memory(kept_id, AVA)
    assert kept is not None
    assert kept.memory == "The user lives in Oslo"
    prompt = prompt_of(model)
    assert "[m1] The user lives in Paris" in prompt
    assert kept_id not in prompt
    assert "The user is Bob" not in prompt
    assert texts(memory, BOB) == ["The user is Bob"]


@pytest.mark.parametrize(
    ("memory_id", "reason"),
    [
        ("m7", "unknown memory id"),
        ("not-an-id", "unknown memory id"),
        ("BOBS_REAL_ID", "unknown memory id"),
    ],
)
def test_ids_the_model_was_not_shown_are_refused(
    memory: Memory, memory_id: str, reason: str
) -> None:
    memory.add_user_memory("The user lives in Paris", AVA)
    bobs = memory.add_user_memory("The user is Bob", BOB)
    memory_id = bobs if memory_id == "BOBS_REAL_ID" else memory_id
    memory.model = ScriptedChatModel(
        [
            tool_call("update_memory", memory_id=memory_id, memory="The user is Mallory"),
            "No changes",
        ]
    )
    result = memory.create_user_memories(message="Call me Mallory", user_id=AVA)
    assert result.events == []
    assert [r.reason.split(":")[0] for r in result.refused] == [f"{reason} {memory_id!r}"]
    assert texts(memory) == ["The user lives in Paris"]
    assert texts(memory, BOB) == ["The user is Bob"]
    assert result.model_calls == 2  # the refusal was reported back once


def test_a_mixed_batch_lands_its_valid_part_and_reports_the_rest(memory: Memory) -> None:
    memory.add_user_memory("The user lives in Paris", AVA)
    memory.delete_memories = True
    model = ScriptedChatModel(
        [
            tool_calls(
                ("add_memory", {"memory": "The user has a dog named Rex"}),
                ("update_memory", {"memory_id": "m9", "memory": "x"}),
                ("add_memory", {"memory": "   "}),
                ("add_memory", {"memory": "The user likes tea", "topics": "drinks"}),
                ("remember_forever", {"memory": "x"}),
                ("delete_memory", {"memory_id": "m1"}),
            ),
            tool_call("add_memory", memory="The user likes tea", topics=["drinks"]),
        ]
    )
    memory.model = model
    result = memory.create_user_memories(message="...", user_id=AVA)
    assert sorted(texts(memory)) == ["The user has a dog named Rex", "The user likes tea"]
    reasons = [r.reason for r in result.refused]
    assert reasons[0] == "unknown memory id 'm9': use an id from the list"
    assert reasons[1].startswith("invalid arguments: memory:")
    assert reasons[2].startswith("invalid arguments: topics:")
    assert reasons[3] == "unknown tool 'remember_forever'"
    assert len(reasons) == 4
    second_prompt = model.calls[1].messages
    assert [m.text for m in second_prompt if m.type == "tool"][1].startswith("Refused: unknown")


def test_delete_and_clear_need_permission(memory: Memory) -> None:
    memory.add_user_memory("The user lives in Paris", AVA)
    model = ScriptedChatModel(
        [tool_calls(("delete_memory", {"memory_id": "m1"}), ("clear_memory", {})), "ok"]
    )
    memory.model = model
    result = memory.create_user_memories(message="Forget everything", user_id=AVA)
    assert [r.reason for r in result.refused] == [
        "delete_memory is not allowed for this memory",
        "clear_memory is not allowed for this memory",
    ]
    assert texts(memory) == ["The user lives in Paris"]
    assert "delete_memory" not in model.calls[0].tools


def test_forgetting_everything_for_one_user_leaves_the_others(memory: Memory) -> None:
    memory.add_user_memory("The user lives in Paris", AVA)
    memory.add_user_memory("The user skis", AVA)
    memory.add_user_memory("The user is Bob", BOB)
    memory.delete_memories = memory.clear_memories = True
    model = ScriptedChatModel([tool_call("clear_memory")])
    memory.model = model
    result = memory.update_memory_task("Remove all existing memories of me.", user_id=AVA)
    assert [e.action for e in result.events] == ["cleared", "cleared"]
    assert texts(memory) == []
    assert texts(memory, BOB) == ["The user is Bob"]
    assert model.calls[0].tools == ["add_memory", "update_memory", "delete_memory", "clear_memory"]


def test_forget_one_thing_by_task(memory: Memory) -> None:
    memory.add_user_memory("The user lives at 12 Elm Street", AVA)
    memory.add_user_memory("The user skis", AVA)
    memory.delete_memories = True
    memory.model = ScriptedChatModel([tool_call("delete_memory", memory_id="m1")])
    result = memory.update_memory_task("forget my address", user_id=AVA)
    assert [(e.action, e.old_memory) for e in result.events] == [
        ("deleted", "The user lives at 12 Elm Street")
    ]
    assert texts(memory) == ["The user skis"]


def test_the_same_fact_is_not_stored_twice(memory: Memory) -> None:
    memory.add_user_memory("The user likes to ski", AVA)
    memory.model = ScriptedChatModel([tool_call("add_memory", memory="The user likes to ski.")])
    result = memory.create_user_memories(message="I like to ski!", user_id=AVA)
    assert [e.action for e in result.events] == ["refreshed"]
    assert texts(memory) == ["The user likes to ski"]


def test_a_memory_deleted_while_the_model_thought_is_refused_not_raised(memory: Memory) -> None:
    doomed = memory.add_user_memory("The user lives in Paris", AVA)

    def delete_then_update(_: list[BaseMessage]) -> AIMessage:
        memory.delete_user_memory(AVA, doomed)  # another writer, a moment before the batch
        return tool_calls(
            ("update_memory", {"memory_id": "m1", "memory": "The user lives in Oslo"}),
            ("add_memory", {"memory": "The user likes fjords"}),
        )

    memory.model = ScriptedChatModel([delete_then_update])
    result = memory.create_user_memories(message="I moved to Oslo", user_id=AVA)
    assert texts(memory) == ["The user likes fjords"]
    assert [r.reason for r in result.refused] == ["the memory was deleted before the change landed"]


def test_malformed_tool_arguments_are_refused(memory: Memory) -> None:
    memory.add_user_memory("The user lives in Paris", AVA)
    broken = AIMessage(
        content="",
        invalid_tool_calls=[
            {
                "type": "invalid_tool_call",
                "name": "add_memory",
                "args": '{"memory": "The user',
                "id": "call_1",
                "error": "not JSON",
            }
        ],
    )
    memory.model = ScriptedChatModel([broken, tool_call("add_memory", memory=5), "No changes"])
    result = memory.create_user_memories(message="I like tea", user_id=AVA)
    assert [r.reason for r in result.refused] == [
        "malformed arguments: not JSON",
        "invalid arguments: memory: Input should be a valid string",
    ]
    assert texts(memory) == ["The user lives in Paris"]
    assert result.model_calls == 3


def test_the_loop_is_bounded(memory: Memory) -> None:
    memory.model = ScriptedChatModel([tool_call("update_memory", memory_id="m1", memory="x")] * 3)
    memory.memory_manager = MemoryManager(max_rounds=3)
    result = memory.create_user_memories(message="hello", user_id=AVA)
    assert result.model_calls == 3
    assert len(result.refused) == 3


def test_a_failing_model_raises_a_typed_error_and_changes_nothing(memory: Memory) -> None:
    memory.add_user_memory("The user lives in Paris", AVA)
    memory.model = ScriptedChatModel([TimeoutError("provider timed out")])
    with pytest.raises(MemoryModelError, match="provider timed out"):
        memory.create_user_memories(message="I moved to Oslo", user_id=AVA)
    assert texts(memory) == ["The user lives in Paris"]


def test_a_model_that_answers_in_prose_changes_nothing(memory: Memory) -> None:
    memory.add_user_memory("The user lives in Paris", AVA)
    memory.model = ScriptedChatModel(["Oslo is lovely! Tell me more about your move."])
    result = memory.create_user_memories(message="I moved to Oslo", user_id=AVA)
    assert (result.events, result.refused, result.model_calls) == ([], [], 1)
    assert result.reply.startswith("Oslo is lovely")
    assert texts(memory) == ["The user lives in Paris"]


def test_custom_instructions_reach_the_model(memory: Memory) -> None:
    model = ScriptedChatModel(["No changes"])
    memory.memory_manager = MemoryManager(
        model=model,
        memory_capture_instructions="Capture only food preferences.",
        additional_instructions="Write memories in French.",
    )
    memory.create_user_memories(message="I love cheese", user_id=AVA)
    system = model.calls[0].messages[0].text
    assert "Capture only food preferences." in system
    assert system.index("Capture only") < system.index("Write memories in French.")
    assert "personal facts" not in system


def test_only_a_bounded_selection_reaches_the_model(memory: Memory) -> None:
    # 151 memories of about 17 tokens each: five times what the budget holds
    for n in range(100):
        memory.add_user_memory(f"The user visited city number {n} on a long trip", AVA)
    memory.add_user_memory("The user is allergic to kiwi fruit", AVA)
    for n in range(100, 150):
        memory.add_user_memory(f"The user visited city number {n} on a long trip", AVA)
    model = ScriptedChatModel(["No changes"])
    memory.memory_manager = MemoryManager(model=model, token_budget=500)
    result = memory.create_user_memories(message="Can I eat kiwi?", user_id=AVA)
    system = model.calls[0].messages[0].text
    assert "The user is allergic to kiwi fruit" in system
    assert "city number 149" in system  # the newest are kept too
    assert "city number 0 " not in system
    assert system.count("[m") < 60
    assert "more memories than fit" in system
    assert result.prompt_tokens < 1_500


def test_agentic_search_keeps_known_ids_in_order(memory: Memory) -> None:
    john = "john_doe@example.com"
    memory.add_user_memory("The user enjoys hiking in the mountains on weekends", john)
    memory.add_user_memory("The user enjoys reading science fiction novels before bed", john)
    memory.add_user_memory("The user goes climbing on Saturdays", john)
    memory.model = ScriptedChatModel(
        [tool_call("RelatedMemories", memory_ids=["m3", "m99", "m1", "m3", "zzz"])] * 2
    )
    found = memory.search_user_memories(
        user_id=john, query="What does the user like to do on weekends?", retrieval_method="agentic"
    )
    assert [m.memory for m in found] == [
        "The user goes climbing on Saturdays",
        "The user enjoys hiking in the mountains on weekends",
    ]
    limited = memory.search_user_memories(
        user_id=john, query="weekends", retrieval_method="agentic", limit=1
    )
    assert [m.memory for m in limited] == ["The user goes climbing on Saturdays"]


def test_agentic_search_with_nothing_to_search_makes_no_model_call(memory: Memory) -> None:
    model = ScriptedChatModel([])
    assert (
        memory.search_user_memories(AVA, query="x", retrieval_method="agentic", model=model) == []
    )
    assert model.calls == []


def test_agentic_search_survives_an_unparseable_answer(memory: Memory) -> None:
    memory.add_user_memory("The user skis", AVA)
    memory.model = ScriptedChatModel(["I think m1 is related"])
    assert memory.search_user_memories(AVA, query="sport", retrieval_method="agentic") == []


def test_async_twins(memory: Memory) -> None:
    memory.model = ScriptedChatModel(
        [
            tool_call("add_memory", memory="The user likes tea"),
            tool_call("add_memory", memory="The user moved to Oslo"),
            tool_call("RelatedMemories", memory_ids=["m2"]),
        ]
    )

    async def scenario() -> list[str]:
        await memory.acreate_user_memories(message="I like tea", user_id=AVA)
        await memory.aupdate_memory_task("remember that I moved to Oslo", user_id=AVA)
        found = await memory.asearch_user_memories(AVA, query="home", retrieval_method="agentic")
        return [m.memory for m in found]

    assert asyncio.run(scenario()) == ["The user moved to Oslo"]


def test_the_agent_can_lend_its_model(memory: Memory) -> None:
    lent = ScriptedChatModel([tool_call("add_memory", memory="The user likes tea")])
    memory.create_user_memories(message="I like tea", user_id=AVA, model=lent)
    assert texts(memory) == ["The user likes tea"]


@pytest.mark.parametrize(
    ("spec", "variables"),
    [
        ("openai:gpt-4.1-mini", "OPENAI_API_KEY"),
        ("google_genai:gemini-2.5-flash", "GOOGLE_API_KEY"),
    ],
)
def test_missing_credentials_are_named_at_first_use(
    memory: Memory, monkeypatch: pytest.MonkeyPatch, spec: str, variables: str
) -> None:
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "GOOGLE_API_KEY", "GEMINI_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    memory.model = spec  # building the Memory needs no key
    with pytest.raises(ModelConfigError, match=variables):
        memory.create_user_memories(message="I like tea", user_id=AVA)


def test_bad_requests_are_refused_before_any_model_call(memory: Memory) -> None:
    model = ScriptedChatModel([])
    memory.model = model
    with pytest.raises(ValueError, match="exactly one"):
        memory.create_user_memories(user_id=AVA)
    with pytest.raises(ValueError, match="no user message"):
        memory.create_user_memories(messages=[("assistant", "hi")], user_id=AVA)
    with pytest.raises(ValueError, match="task"):
        memory.update_memory_task("  ", user_id=AVA)
    with pytest.raises(ModelConfigError, match="cannot use the model 'llama3'"):
        Memory(model="llama3").create_user_memories(message="hi", user_id=AVA)
    assert model.calls == []
