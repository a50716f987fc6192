"""The search checks: every read of a fixed script equals the reference backend's, and
one user's (or agent's) writes never change another's results or scores."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from memory.db.conformance.common import BackendFactory, expect, sqlite_in_process
from memory.embeddings import HashEmbeddings
from memory.errors import MemoryNotFoundError
from memory.memory import Memory, RetrievalMethod
from memory.schema import (
    AddMemory,
    ClearMemories,
    DeleteMemory,
    MemoryOp,
    ReplaceMemory,
    UserMemory,
    WriteContext,
)

# -- parity -----------------------------------------------------------------------

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
PARITY_USERS = ["zoë", "john_doe@example.com", "org/team.lead"]
FACTS = [
    "plays second violin in a community orchestra",
    "is allergic to kiwi",
    "bakes sourdough bread on Sundays",
    "drinks green tea every morning",
    "drinks black tea in the afternoon",
    "was moved up to first violin in the orchestra",
    "is a nationally ranked runner",
    "runs in the park before work",
    "keeps two rabbits named Pomme and Poire",
    "likes tea",
    "likes coffee",
    "hikes in the Alps in summer",
]
PARITY_QUERIES = [
    "violin",
    "Which violin does she play now?",
    "tea",
    "green tea",
    "nation",
    "Zoe kiwi",
    "sourdough baking",
    "running",
    '"tea" OR NEAR(',
    "nothing matches this",
]
RANKED: list[RetrievalMethod] = ["keyword", "semantic", "hybrid"]
RECENT: list[RetrievalMethod] = ["last_n", "first_n"]


def _fact(text: str, memory_id: str, *topics: str) -> UserMemory:
    return UserMemory(memory=f"The user {text}", topics=list(topics), memory_id=memory_id)


def parity_script() -> list[tuple[datetime, list[MemoryOp]]]:
    """Writes at fixed times: adds, a refresh, replaces, deletes, a clear and re-adds."""
    first: list[MemoryOp] = [
        AddMemory(_fact(text, f"m{n}", "facts")) for n, text in enumerate(FACTS)
    ]
    imported = UserMemory(
        memory="The user was born in Lyon",
        memory_id="old",
        created_at=T0 - timedelta(days=400),
        updated_at=T0 - timedelta(days=300),
    )
    return [
        (T0, first),
        (T0 + timedelta(hours=1), [AddMemory(_fact("likes TEA!", "dup", "drinks"))]),
        (T0 + timedelta(hours=2), [ReplaceMemory("m10", _fact("likes strong coffee", "x"))]),
        (T0 + timedelta(hours=3), [DeleteMemory("m8"), AddMemory(imported)]),
        (T0 + timedelta(hours=4), [AddMemory(_fact("likes tea", "again"))]),
        (T0 + timedelta(hours=5), [ClearMemories(), *first[:6]]),
        (T0 + timedelta(hours=6), [AddMemory(_fact(FACTS[6], "m6b", "sport"))]),
    ]


def _observe(memory: Memory, user: str) -> dict[str, Any]:
    """Everything a caller can read of the user, keyed by how it was read."""
    seen: dict[str, Any] = {}
    for method in RECENT:
        for limit in (None, 3):
            found = memory.search_user_memories(user, limit=limit, retrieval_method=method)
            seen[f"{method} {limit}"] = [m.memory_id for m in found]
    for query in PARITY_QUERIES:
        for method in RANKED:
            found = memory.search_user_memories(user, query, limit=5, retrieval_method=method)
            scores = [round(s, 9) for s in found.scores or []]
            seen[f"{method} {query}"] = (found.method, [m.memory_id for m in found], scores)
    seen["listed"] = [m.to_dict() for m in memory.get_user_memories(user)]
    for memory_id in ["m0", "m8", "m10", "m6b", "old", "dup", "again", "nope"]:
        seen[f"history {memory_id}"] = [e.to_dict() for e in memory.db.history(user, memory_id)]
    prompt = memory.get_memories_for_prompt(user, "What does she drink?", token_budget=60)
    seen["prompt"] = ([m.memory_id for m in prompt.memories], prompt.complete)
    return seen


def _play_parity(factory: BackendFactory) -> dict[str, dict[str, Any]]:
    with Memory(db=factory(), embeddings=HashEmbeddings(64)) as memory:
        for user in PARITY_USERS:
            for at, ops in parity_script():
                memory.apply_user_memory_ops(user, ops, WriteContext("parity", "why", at))
        return {user: _observe(memory, user) for user in PARITY_USERS}


def check_parity(factory: BackendFactory, reference: BackendFactory = sqlite_in_process) -> None:
    """The backend gives what the reference backend gives, for every read of the script."""
    expected = _play_parity(reference)
    seen = _play_parity(factory)
    for user in PARITY_USERS:
        differing = [key for key in expected[user] if seen[user][key] != expected[user][key]]
        expect(differing == [], f"differs from the reference backend for {user!r}: {differing}")
    expect(bool(seen["zoë"]["keyword tea"][1]), "keyword search found nothing for 'tea'")
    expect(seen["zoë"]["keyword nation"][1] == ["m6b"], "keyword 'nation' must find 'nationally'")


# -- independence -----------------------------------------------------------------

AVA, BOB = "ava", "bob"
AVAS = [
    "The user likes hiking in the mountains",
    "The user drinks green tea",
    "The user drinks black tea with milk",
    "The user is a nationally ranked runner",
    "The user hikes with her dog on Sundays",
]
AVA_QUERIES = ["hiking tea", "tea", "nation", "dog hikes", "runner"]
WORDS = ["tea", "hiking", "hikes", "dog", "mountains", "green", "runner", "nation", "coffee"]


@contextmanager
def _with_avas(factory: BackendFactory) -> Iterator[Memory]:
    """A memory over a new backend holding Ava's facts, closed after."""
    with Memory(db=factory(), embeddings=HashEmbeddings()) as memory:
        for text in AVAS:
            memory.add_user_memory(text, AVA)
        yield memory


def _avas_results(memory: Memory) -> dict[str, Any]:
    return {
        f"{method} {query}": (
            [m.memory_id for m in found],
            [round(score, 12) for score in found.scores or []],
        )
        for query in AVA_QUERIES
        for method in RANKED
        for found in [memory.search_user_memories(AVA, query, retrieval_method=method)]
    }


def check_others_leave_my_scores(factory: BackendFactory) -> None:
    """Thirty tea facts of Bob leave Ava's keyword results and scores as they were
    (the case that failed with FTS5's table-wide statistics)."""
    with _with_avas(factory) as memory:
        before = memory.search_user_memories(AVA, "hiking tea", retrieval_method="keyword")
        for n in range(30):
            memory.add_user_memory(f"The user tried tea number {n}", BOB)
        after = memory.search_user_memories(AVA, "hiking tea", retrieval_method="keyword")
        expect(
            [m.memory_id for m in after] == [m.memory_id for m in before],
            "another user's memories changed my keyword results",
        )
        expect(
            after.scores == before.scores,
            f"another user's memories changed my scores: {before.scores} -> {after.scores}",
        )
        expect(
            after.scores is not None and all(score > 0.1 for score in after.scores),
            f"my keyword scores are missing or too low: {after.scores}",
        )
        try:
            memory.replace_user_memory(str(after[0].memory_id), "The user is Bob", BOB)
        except MemoryNotFoundError:
            pass
        else:
            raise AssertionError("another user could replace one of my memories by its id")


Step = tuple[str, str]


def _write_as_other(
    factory: BackendFactory, user: str, agent: str | None, steps: list[Step]
) -> None:
    """Apply the steps as `user` through `agent`, checking Ava's results after each."""
    with _with_avas(factory) as memory:
        before = _avas_results(memory)
        writer = memory.for_agent(agent)
        written: list[str] = []
        for kind, text in steps:
            if kind == "add":
                memory_id = writer.add_user_memory(text, user)
                if memory_id not in written:  # adding a fact the user has returns its id
                    written.append(memory_id)
            elif kind == "replace" and written:
                writer.replace_user_memory(written[-1], text, user)
            elif kind == "delete" and written:
                writer.delete_user_memory(user, written.pop())
            elif kind == "clear":
                writer.clear(user)
                written.clear()
            expect(
                _avas_results(memory) == before,
                f"writes of user {user!r} through agent {agent!r} changed Ava's results "
                f"after {kind} {text!r}",
            )


def _random_writes_change_nothing(
    factory: BackendFactory, user: str, agent: str | None, examples: int
) -> None:
    """Random steps written as `user` through `agent` never change Ava's results."""
    try:
        from hypothesis import given, settings
        from hypothesis import strategies as st
    except ModuleNotFoundError as error:
        raise ImportError(
            "the independence checks generate random writes with hypothesis: "
            "install it (pip install hypothesis) or run the other checks"
        ) from error
    texts = st.lists(st.sampled_from(WORDS), min_size=1, max_size=6).map(
        lambda words: "The user " + " ".join(words)
    )
    steps = st.lists(
        st.one_of(
            st.tuples(st.just("add"), texts),
            st.tuples(st.just("replace"), texts),
            st.tuples(st.just("delete"), st.just("")),
            st.tuples(st.just("clear"), st.just("")),
        ),
        min_size=1,
        max_size=12,
    )

    @settings(max_examples=examples, deadline=None, database=None)
    @given(steps)
    def property_(steps: list[Step]) -> None:
        _write_as_other(factory, user, agent, steps)

    property_()


def check_user_independence(factory: BackendFactory, /, examples: int = 40) -> None:
    """Another user's random writes never change my results or scores."""
    _random_writes_change_nothing(factory, BOB, None, examples)


def check_agent_independence(factory: BackendFactory, /, examples: int = 40) -> None:
    """An agent's random writes of its own memories of me never change my common results."""
    _random_writes_change_nothing(factory, AVA, "planner", examples)
