"""Importing an export again changes nothing, history included, on every backend."""

from __future__ import annotations

from memory import Memory, MemoryDb, UserMemory


def test_reimporting_identical_memories_writes_nothing(memory_db: MemoryDb) -> None:
    memory = Memory(db=memory_db)
    kept = memory.add_user_memory(UserMemory(memory="The user skis", topics=["sport"]), "ava")
    edited = memory.add_user_memory("The user reads novels", "ava")
    exported = memory.export_user_memories("ava")
    before = memory.get_user_memories("ava")

    assert memory.import_user_memories(exported) == [kept, edited]
    assert memory.get_user_memories("ava") == before
    for memory_id in (kept, edited):
        assert [e.action for e in memory.get_memory_history(memory_id, "ava")] == ["added"]

    exported["memories"][1]["memory"] = "The user reads poetry"
    assert memory.import_user_memories(exported) == [kept, edited]
    assert [e.action for e in memory.get_memory_history(kept, "ava")] == ["added"]
    assert [e.action for e in memory.get_memory_history(edited, "ava")] == ["added", "updated"]
    assert memory.get_user_memory(edited, "ava") is not None
    assert memory.get_user_memories("ava")[1].memory == "The user reads poetry"
