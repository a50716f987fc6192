"""The memory manager over a port of its own, with no `Memory` and no store behind it."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime

import pytest

from memory.db.view import NO_FILTER, MemoryFilter
from memory.errors import MemoryNotFoundError
from memory.manager import ManagerPort, MemoryManager, MemoryUpdateResult
from memory.retrieval import PromptMemories, SearchResult
from memory.schema import (
    AddMemory,
    DeleteMemory,
    MemoryEvent,
    MemoryOp,
    PendingClaim,
    ReplaceMemory,
    UserMemory,
    WriteContext,
)
from memory.testing import ScriptedChatModel, tool_call, tool_calls
from memory.twins import AWAITING, BLOCKING, Io, run_sync

AVA = "ava"
NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)


class FakePort:
    """Memories in a dict; what the manager was shown and what it applied, recorded."""

    def __init__(self, *texts: str, vanished: Sequence[str] = ()) -> None:
        self.memories = {
            f"id-{n}": UserMemory(memory=text, memory_id=f"id-{n}", topics=[f"t{n}"])
            for n, text in enumerate(texts, 1)
        }
        self.vanished = set(vanished)
        """Ids deleted by someone else after the manager was shown them."""
        self.shown: list[tuple[str, str, int, MemoryFilter]] = []
        self.applied: list[tuple[list[MemoryOp], WriteContext]] = []

    def now(self) -> datetime:
        return NOW

    async def for_prompt(
        self, io: Io, user_id: str, text: str, token_budget: int, filter: MemoryFilter
    ) -> PromptMemories:
        self.shown.append((user_id, text, token_budget, filter))
        kept = [m for m in self.memories.values() if filter.matches(m)]
        return PromptMemories(kept, complete=True)

    async def apply(
        self, io: Io, user_id: str, ops: Sequence[MemoryOp], context: WriteContext
    ) -> list[MemoryEvent]:
        for op in ops:
            if isinstance(op, ReplaceMemory | DeleteMemory) and op.memory_id in self.vanished:
                raise MemoryNotFoundError(op.memory_id, user_id)
        self.applied.append((list(ops), context))
        events = []
        for op in ops:
            match op:
                case AddMemory(memory=memory):
                    memory_id = f"id-{len(self.memories) + 1}"
                    self.memories[memory_id] = memory.model_copy(update={"memory_id": memory_id})
                    events.append(self._event(memory_id, user_id, "added", memory.memory, context))
                case ReplaceMemory(memory_id=memory_id, memory=memory):
                    self.memories[memory_id] = memory.model_copy(update={"memory_id": memory_id})
                    events.append(
                        self._event(memory_id, user_id, "updated", memory.memory, context)
                    )
                case DeleteMemory(memory_id=memory_id):
                    del self.memories[memory_id]
                    events.append(self._event(memory_id, user_id, "deleted", None, context))
        return events

    @staticmethod
    def _event(
        memory_id: str, user_id: str, action: str, text: str | None, context: WriteContext
    ) -> MemoryEvent:
        return MemoryEvent.model_validate(
            {
                "memory_id": memory_id,
                "user_id": user_id,
                "action": action,
                "new_memory": text,
                "source": context.source,
                "at": context.at,
            }
        )


def update(
    port: ManagerPort,
    model: ScriptedChatModel,
    request: str,
    *,
    io: Io = BLOCKING,
    delete: bool = False,
    settles: PendingClaim | None = None,
) -> MemoryUpdateResult:
    run = MemoryManager().update(
        io,
        port,
        AVA,
        request,
        request,
        model=model,
        delete_memories=delete,
        clear_memories=False,
        settles=settles,
    )
    return run_sync(run) if io is BLOCKING else asyncio.run(run)


@pytest.mark.parametrize("io", [BLOCKING, AWAITING], ids=["blocking", "awaited"])
def test_the_port_shows_the_memories_and_applies_the_checked_plan(io: Io) -> None:
    port = FakePort("The user lives in Oslo", "The user plays chess")
    model = ScriptedChatModel(
        [
            tool_calls(
                ("update_memory", {"memory_id": "m1", "memory": "The user lives in Bergen"}),
                ("add_memory", {"memory": "The user has a cat"}),
                ("delete_memory", {"memory_id": "m2"}),
            ),
            tool_calls(),
        ]
    )
    result = update(port, model, "I moved to Bergen, and I have a cat.", io=io)
    assert port.shown == [(AVA, "I moved to Bergen, and I have a cat.", 2_000, NO_FILTER)]
    [(ops, context)] = port.applied
    assert [(type(op), getattr(op, "memory_id", None)) for op in ops] == [
        (ReplaceMemory, "id-1"),
        (AddMemory, None),
    ]
    assert [port.memories[i].memory for i in ("id-1", "id-3")] == [
        "The user lives in Bergen",
        "The user has a cat",
    ]
    assert (context.source, context.at, context.input) == (
        "manager",
        NOW,
        "I moved to Bergen, and I have a cat.",
    )
    assert [(e.action, e.memory_id) for e in result.events] == [
        ("updated", "id-1"),
        ("added", "id-3"),
    ]
    assert [(r.tool, r.reason) for r in result.refused] == [
        ("delete_memory", "delete_memory is not allowed for this memory")
    ]
    assert "[m1] The user lives in Oslo" in model.calls[0].messages[0].text
    assert "id-1" not in model.calls[0].messages[0].text


def test_a_change_to_a_memory_gone_before_the_batch_lands_is_refused_and_the_rest_lands() -> None:
    port = FakePort("The user lives in Oslo", vanished=["id-1"])
    model = ScriptedChatModel(
        [
            tool_calls(
                ("update_memory", {"memory_id": "m1", "memory": "The user lives in Bergen"}),
                ("add_memory", {"memory": "The user has a cat"}),
            )
        ]
    )
    result = update(port, model, "I moved to Bergen, and I have a cat.")
    [(ops, _)] = port.applied
    assert [type(op) for op in ops] == [AddMemory]
    assert [(r.tool, r.reason) for r in result.refused] == [
        ("update_memory", "the memory was deleted before the change landed")
    ]


def test_a_claim_settles_through_the_port_even_when_nothing_is_learned() -> None:
    port = FakePort()
    claim = PendingClaim("thread-1", "token", ("message-1",))
    result = update(port, ScriptedChatModel(["Nothing to remember."]), "Hi!", settles=claim)
    assert port.applied == [([], port.applied[0][1])]
    assert port.applied[0][1].settles == claim
    assert (result.events, result.reply) == ([], "Nothing to remember.")


def test_agentic_search_asks_the_port_with_its_filter_and_drops_invented_ids() -> None:
    port = FakePort("The user lives in Oslo", "The user plays chess", "The user has a cat")
    model = ScriptedChatModel([tool_call("RelatedMemories", memory_ids=["m2", "m9", "m1"])])
    only = MemoryFilter.of(topics=["t2", "t3"])
    found = run_sync(
        MemoryManager().search(
            BLOCKING, port, AVA, "pets and games", None, model=model, filter=only
        )
    )
    assert isinstance(found, SearchResult)
    assert [m.memory for m in found] == ["The user has a cat", "The user plays chess"]
    assert port.shown == [(AVA, "pets and games", 2_000, only)]
