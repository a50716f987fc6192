"""The memory step before the answer never fails a run: the model answers without memories."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from graphs.agent import create_memory_agent
from memory import Memory, MemoryDbError, prompts
from memory.testing import ScriptedChatModel


def _broken_reads(memory: Memory, monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*args: Any, **kwargs: Any) -> Any:
        raise MemoryDbError("PostgreSQL failed: the server went away")

    async def afail(*args: Any, **kwargs: Any) -> Any:
        fail()

    monkeypatch.setattr(memory, "get_memories_for_prompt", fail)
    monkeypatch.setattr(memory, "aget_memories_for_prompt", afail)


@pytest.mark.parametrize("awaited", [False, True])
def test_unreadable_memories_leave_the_answer(
    awaited: bool, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    memory = Memory()
    memory.add_user_memory("The user likes green tea", "ava")
    _broken_reads(memory, monkeypatch)
    model = ScriptedChatModel(["Hello Ava!"])
    agent = create_memory_agent(model, memory=memory)
    run = {"messages": [{"role": "user", "content": "I am Ava"}]}
    config: Any = {"configurable": {"thread_id": "t1"}}
    with caplog.at_level(logging.ERROR, logger="graphs.steps"):
        if awaited:
            chunks = asyncio.run(_astream(agent, run, config))
        else:
            chunks = list(
                agent.stream(run, config, context={"user_id": "ava"}, stream_mode="custom")
            )
    shown = model.calls[0].messages[0].text
    assert prompts.MEMORIES_UNAVAILABLE in shown
    assert "green tea" not in shown
    assert {"type": "memory_update", "source": "recall_memories", "status": "failed"}.items() <= (
        chunks[0].items()
    )
    [record] = [r for r in caplog.records if r.name == "graphs.steps"]
    assert record.exc_info is not None  # logged with its traceback
    assert model.remaining == 0  # answered
    monkeypatch.undo()
    assert [m.memory for m in memory.get_user_memories("ava")] == ["The user likes green tea"]


async def _astream(agent: Any, run: Any, config: Any) -> list[Any]:
    return [
        chunk
        async for chunk in agent.astream(
            run, config, context={"user_id": "ava"}, stream_mode="custom"
        )
    ]
