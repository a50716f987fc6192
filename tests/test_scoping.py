"""Random sequences of writes by several users, checked against a plain-dict model."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from langgraph.store.memory import InMemoryStore

from memory import Memory, MemoryNotFoundError
from memory.db.store import StoreMemoryDb

USERS = ["ava", "john_doe@example.com", "zoë", "org/team.lead"]
# Each fact has spellings that count as the same fact, so duplicate handling is exercised.
FACTS = [
    ("The user likes tea", "the user likes TEA."),
    ("The user skis", "The  user skis!"),
    ("The user lives in Oslo", "the user lives in oslo"),
    ("The user has a cat", "The user has a cat"),
]


@dataclass(frozen=True)
class Step:
    kind: str
    user: int
    fact: int
    spelling: int
    target: int


steps = st.builds(
    Step,
    kind=st.sampled_from(["add", "replace", "delete", "clear"]),
    user=st.integers(0, len(USERS) - 1),
    fact=st.integers(0, len(FACTS) - 1),
    spelling=st.integers(0, 1),
    target=st.integers(0, 40),
)


BACKENDS: dict[str, Callable[[], Memory]] = {
    "sqlite": Memory,
    "store": lambda: Memory(db=StoreMemoryDb(InMemoryStore())),
}


@pytest.mark.parametrize("backend", BACKENDS)
@settings(max_examples=150, deadline=None)
@given(st.lists(steps, max_size=30))
def test_no_write_of_one_user_changes_another(backend: str, sequence: list[Step]) -> None:
    # model: user -> memory_id -> fact number
    model: dict[str, dict[str, int]] = {user: {} for user in USERS}
    known_ids: list[str] = ["invented-id"]
    with BACKENDS[backend]() as memory:
        for step in sequence:
            user = USERS[step.user]
            text = FACTS[step.fact][step.spelling]
            target = known_ids[step.target % len(known_ids)]
            owned = target in model[user]
            if step.kind == "add":
                memory_id = memory.add_user_memory(text, user)
                # A replace may have given two memories one fact; the add refreshes one of them.
                same = [i for i, fact in model[user].items() if fact == step.fact]
                assert memory_id in same if same else memory_id not in known_ids
                model[user][memory_id] = step.fact
                known_ids.append(memory_id)
            elif step.kind == "replace":
                if owned:
                    memory.replace_user_memory(target, text, user)
                    model[user][target] = step.fact
                else:
                    try:
                        memory.replace_user_memory(target, text, user)
                    except MemoryNotFoundError:
                        pass
                    else:
                        raise AssertionError("replaced a memory the user does not own")
            elif step.kind == "delete":
                assert memory.delete_user_memory(user, target) is owned
                model[user].pop(target, None)
            else:
                assert memory.clear(user) == len(model[user])
                model[user].clear()

            for each in USERS:
                stored = memory.get_user_memories(each)
                assert {m.memory_id for m in stored} == set(model[each]), each
                assert all(m.user_id == each for m in stored)
                for m in stored:
                    assert m.memory_id is not None
                    assert m.memory.lower().strip(".!").split() == (
                        FACTS[model[each][m.memory_id]][0].lower().split()
                    )
