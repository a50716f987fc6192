"""Expiry, topic and time filters, and agent scopes, on every backend, sync and async.

Random sequences of writes, clock ticks and filtered reads by several users and
agents are checked against a plain-dict model; a few fixed cases pin down what
the model does not show (history, statistics, errors).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from memory import InvalidInputError, Memory, MemoryDb, MemoryNotFoundError, UserMemory
from memory.schema import AddMemory, WriteContext

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
USERS = ["ava", "org/team.lead"]
AGENTS = [None, "planner", "writer"]
FACTS = ["The user likes tea", "The user skis", "The user lives in Oslo", "The user has a cat"]
WORDS = ["tea", "skis", "oslo", "cat"]
"""One word of each fact and of no other (nor of any topic)."""
TOPICS = ["drinks", "sport", "home"]
TIMES = [None, *(T0 + timedelta(hours=h) for h in (0, 1, 2, 3, 5))]
"""Filter bounds: whole hours, as every write is made, so bounds fall on update times."""


class Clock:
    """The time a Memory sees; steps move it forward, nothing sleeps."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Fact:
    text: int
    topics: list[str]
    updated: datetime
    expires: datetime | None
    seq: int


@dataclass
class Model:
    """What every backend must show: per (user, agent) scope, memory id -> fact."""

    clock: Clock
    scopes: dict[tuple[str, str | None], dict[str, Fact]] = field(default_factory=dict)
    seq: int = 0

    def live(self, scope: tuple[str, str | None]) -> dict[str, Fact]:
        """The scope's memories that have not expired (an expired one is as if swept)."""
        now = self.clock.now
        facts = self.scopes.setdefault(scope, {})
        for memory_id in [i for i, f in facts.items() if f.expires and f.expires <= now]:
            del facts[memory_id]
        return facts


@dataclass(frozen=True)
class Step:
    kind: str
    user: int
    agent: int
    fact: int
    topics: tuple[str, ...]
    ttl: int | None
    target: int
    hours: int
    after: datetime | None
    before: datetime | None
    limit: int


steps = st.builds(
    Step,
    kind=st.sampled_from(["add", "add", "replace", "delete", "clear", "tick", "read", "read"]),
    user=st.integers(0, len(USERS) - 1),
    agent=st.integers(0, len(AGENTS) - 1),
    fact=st.integers(0, len(FACTS) - 1),
    topics=st.lists(st.sampled_from(TOPICS), max_size=2, unique=True).map(tuple),
    ttl=st.sampled_from([None, None, 1, 3]),
    target=st.integers(0, 30),
    hours=st.integers(0, 2),
    after=st.sampled_from(TIMES),
    before=st.sampled_from(TIMES),
    limit=st.integers(1, 3),
)

Call = Callable[..., Any]


def caller(mode: str) -> Callable[[Memory, str], Call]:
    """`memory.<name>` in sync mode, or its `a`-prefixed twin run to completion."""

    def call(memory: Memory, name: str) -> Call:
        if mode == "sync":
            return getattr(memory, name)  # type: ignore[no-any-return]
        twin = getattr(memory, f"a{name}")
        return lambda *args, **kwargs: asyncio.run(twin(*args, **kwargs))

    return call


def ordered(facts: dict[str, Fact], key: Callable[[Fact], Any]) -> list[str]:
    return [memory_id for memory_id, _ in sorted(facts.items(), key=lambda pair: key(pair[1]))]


@pytest.mark.parametrize("mode", ["sync", "async"])
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(sequence=st.lists(steps, max_size=24))
def test_expiry_filters_and_agent_scopes_behave_as_a_dict(
    memory_db: MemoryDb, mode: str, sequence: list[Step]
) -> None:
    run = uuid.uuid4().hex[:8]  # every example on the same store, with users of its own
    users = [f"{run}-{user}" for user in USERS]
    clock = Clock()
    shared = Memory(db=memory_db, clock=clock)
    memories = {agent: shared.for_agent(agent) for agent in AGENTS}
    model = Model(clock)
    known_ids = ["invented-id"]
    call = caller(mode)

    for step in sequence:
        user, agent = users[step.user], AGENTS[step.agent]
        memory = memories[agent]
        facts = model.live((user, agent))
        now = clock.now
        expires = None if step.ttl is None else now + timedelta(hours=step.ttl)
        written = UserMemory(memory=FACTS[step.fact], topics=list(step.topics), expires_at=expires)
        target = known_ids[step.target % len(known_ids)]
        if step.kind == "add":
            memory_id = call(memory, "add_user_memory")(written, user)
            same = next((i for i, f in facts.items() if f.text == step.fact), None)
            if same is not None:
                assert memory_id == same
                old = facts[same]
                old.topics = list(dict.fromkeys([*old.topics, *step.topics]))
                old.updated = now
                old.expires = (
                    None if old.expires is None or expires is None else max(old.expires, expires)
                )
            else:
                assert memory_id not in known_ids
                facts[memory_id] = Fact(step.fact, list(step.topics), now, expires, model.seq)
                model.seq += 1
                known_ids.append(memory_id)
        elif step.kind == "replace":
            if target in facts:
                call(memory, "replace_user_memory")(target, written, user)
                facts[target] = Fact(step.fact, list(step.topics), now, expires, facts[target].seq)
            else:
                with pytest.raises(MemoryNotFoundError):
                    call(memory, "replace_user_memory")(target, written, user)
        elif step.kind == "delete":
            assert call(memory, "delete_user_memory")(user, target) is (target in facts)
            facts.pop(target, None)
        elif step.kind == "clear":
            assert call(memory, "clear")(user) == len(facts)
            facts.clear()
        elif step.kind == "tick":
            clock.now += timedelta(hours=step.hours)
        else:  # reads of the user by every agent, narrowed as the step says
            for each in AGENTS:
                check_reads(call, memories[each], user, model.live((user, each)), step)

    for user in users:
        for agent in AGENTS:
            listed = call(memories[agent], "get_user_memories")(user)
            facts = model.live((user, agent))
            assert [m.memory_id for m in listed] == ordered(facts, lambda f: f.seq)
            for m in listed:
                fact = facts[str(m.memory_id)]
                assert (m.user_id, m.agent_id) == (user, agent)
                assert (m.memory, m.topics) == (FACTS[fact.text], fact.topics)
                assert (m.updated_at, m.expires_at) == (fact.updated, fact.expires)


def check_reads(
    call: Callable[[Memory, str], Call],
    memory: Memory,
    user: str,
    facts: dict[str, Fact],
    step: Step,
) -> None:
    """Every read method, narrowed as the step says, against the model."""
    filters: dict[str, Any] = {
        "topics": list(step.topics) or None,
        "updated_after": step.after,
        "updated_before": step.before,
    }
    if step.after is not None and step.before is not None and step.after >= step.before:
        with pytest.raises(InvalidInputError):
            call(memory, "get_user_memories")(user, **filters)
        return
    kept = {
        memory_id: fact
        for memory_id, fact in facts.items()
        if (not step.topics or set(step.topics) & set(fact.topics))
        and (step.after is None or fact.updated >= step.after)
        and (step.before is None or fact.updated < step.before)
    }
    listed = call(memory, "get_user_memories")(user, **filters)
    assert [m.memory_id for m in listed] == ordered(kept, lambda f: f.seq)
    by_update = ordered(kept, lambda f: (f.updated, f.seq))
    search = call(memory, "search_user_memories")
    last = search(user, limit=step.limit, retrieval_method="last_n", **filters)
    assert [m.memory_id for m in last] == by_update[-step.limit :]
    first = search(user, limit=step.limit, retrieval_method="first_n", **filters)
    assert [m.memory_id for m in first] == by_update[: step.limit]
    word = WORDS[step.fact]
    found = search(user, word, retrieval_method="keyword", **filters)
    assert {m.memory_id for m in found} == {i for i, f in kept.items() if f.text == step.fact}
    shown = call(memory, "get_memories_for_prompt")(user, word, **filters)
    assert shown.complete
    assert sorted(str(m.memory_id) for m in shown.memories) == sorted(kept)


# -- what the model does not show ----------------------------------------------------


def test_history_records_expiry_and_the_sweep(memory_db: MemoryDb) -> None:
    clock = Clock()
    memory = Memory(db=memory_db, clock=clock)
    friday = T0 + timedelta(days=4)
    rome = memory.add_user_memory(
        UserMemory(memory="The user is in Rome", expires_at=friday), "ava"
    )
    sunday = T0 + timedelta(days=6)
    memory.replace_user_memory(
        rome, UserMemory(memory="The user is in Rome", expires_at=sunday), "ava"
    )
    clock.now = sunday
    assert memory.get_user_memories("ava") == []
    assert memory.get_user_memory(rome, "ava") is None
    assert memory.delete_user_memory("ava", rome) is False  # already gone for every reader
    events = memory.apply_user_memory_ops(
        "ava", [AddMemory(UserMemory(memory="The user is home"))], WriteContext(at=sunday)
    )
    assert [(e.action, e.memory_id) for e in events] == [
        ("expired", rome),
        ("added", events[-1].memory_id),
    ]
    history = memory.get_memory_history(rome, "ava")
    assert [(e.action, e.expires_at) for e in history] == [
        ("added", friday),
        ("updated", sunday),
        ("expired", sunday),
    ]
    assert history[-1].old_memory == "The user is in Rome"


def test_an_expired_memory_is_not_counted_by_keyword_statistics(memory_db: MemoryDb) -> None:
    """BM25 weighs words by the user's memories: an expired one must not move a score."""
    clock = Clock()
    memory = Memory(db=memory_db, clock=clock)
    memory.add_user_memory("The user drinks green tea", "ava")
    memory.add_user_memory("The user likes coffee", "ava")
    memory.add_user_memory(
        UserMemory(memory="The user tries a tea tasting", expires_at=T0 + timedelta(hours=1)),
        "ava",
    )
    memory.add_user_memory("The user drinks green tea", "bob")
    memory.add_user_memory("The user likes coffee", "bob")
    clock.now = T0 + timedelta(hours=1)
    avas = memory.search_user_memories("ava", "green tea", retrieval_method="keyword")
    bobs = memory.search_user_memories("bob", "green tea", retrieval_method="keyword")
    assert [m.memory for m in avas] == ["The user drinks green tea"]
    assert avas.scores == bobs.scores


def test_a_default_ttl_counts_from_each_write(memory_db: MemoryDb) -> None:
    clock = Clock()
    memory = Memory(db=memory_db, clock=clock, default_ttl=timedelta(days=30))
    tea = memory.add_user_memory("The user likes tea", "ava")
    lasting = memory.add_user_memory(
        UserMemory(memory="The user is in Rome", expires_at=T0 + timedelta(days=2)), "ava"
    )
    assert memory.get_user_memory(tea, "ava").expires_at == T0 + timedelta(days=30)  # type: ignore[union-attr]
    clock.now = T0 + timedelta(days=20)
    memory.add_user_memory("the user likes TEA", "ava")  # said again: thirty days more
    found = memory.get_user_memory(tea, "ava")
    assert found is not None
    assert found.expires_at == T0 + timedelta(days=50)
    assert memory.get_user_memory(lasting, "ava") is None
    with pytest.raises(InvalidInputError, match="default_ttl"):
        Memory(db=memory_db, default_ttl=timedelta(0))


def test_bad_expiries_and_filters_are_refused_and_change_nothing(memory_db: MemoryDb) -> None:
    clock = Clock()
    memory = Memory(db=memory_db, clock=clock)
    memory.add_user_memory("The user likes tea", "ava")
    with pytest.raises(InvalidInputError, match="not after the time of the write"):
        memory.add_user_memory(UserMemory(memory="The user was in Rome", expires_at=T0), "ava")
    bad: dict[str, Any]
    for bad in (
        {"topics": "sport"},
        {"topics": []},
        {"topics": [" "]},
        {"updated_after": "2025-03-01"},
        {"updated_after": T0, "updated_before": T0},
    ):
        with pytest.raises(InvalidInputError):
            memory.get_user_memories("ava", **bad)
        with pytest.raises(InvalidInputError):
            memory.search_user_memories("ava", "tea", **bad)
    with pytest.raises(InvalidInputError, match="agent_id"):
        Memory(db=memory_db, agent_id=" ")
    with pytest.raises(InvalidInputError, match="agent"):
        memory.for_agent("planner").add_user_memory(
            UserMemory(memory="The user skis", agent_id="writer"), "ava"
        )
    assert [m.memory for m in memory.get_user_memories("ava")] == ["The user likes tea"]


def test_an_agent_never_reaches_another_agents_memory_by_id(memory_db: MemoryDb) -> None:
    shared = Memory(db=memory_db)
    planner, writer = shared.for_agent("planner"), shared.for_agent("writer")
    plan = planner.add_user_memory("The user plans a trip", "ava")
    assert writer.get_user_memory(plan, "ava") is None
    assert shared.get_user_memory(plan, "ava") is None
    with pytest.raises(MemoryNotFoundError):
        writer.replace_user_memory(plan, "The user stays home", "ava")
    assert writer.delete_user_memory("ava", plan) is False
    with pytest.raises(MemoryNotFoundError):
        writer.get_memory_history(plan, "ava")
    exported = planner.export_user_memories("ava")
    assert writer.import_user_memories(exported) == [plan]  # the same id, in its own scope
    assert [m.memory_id for m in planner.get_user_memories("ava")] == [plan]
    assert [m.agent_id for m in writer.get_user_memories("ava")] == ["writer"]
