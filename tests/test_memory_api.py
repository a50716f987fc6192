"""Every Memory method, through its sync and its async twin, on each kind of store."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from memory import InvalidInputError, Memory, MemoryNotFoundError, ModelConfigError, UserMemory

JANE = "jane_doe@example.com"
JOHN = "john_doe@example.com"


class Api:
    """Calls `Memory.name(...)` or runs its async twin `Memory.aname(...)` to completion."""

    def __init__(self, memory: Memory, mode: str) -> None:
        self.memory, self.mode = memory, mode

    def __getattr__(self, name: str) -> Callable[..., Any]:
        if self.mode == "sync":
            return getattr(self.memory, name)  # type: ignore[no-any-return]
        twin = getattr(self.memory, f"a{name}")
        return lambda *args, **kwargs: asyncio.run(twin(*args, **kwargs))


@pytest.fixture(params=["sync", "async"])
def api(request: pytest.FixtureRequest, memory: Memory) -> Api:
    return Api(memory, request.param)


def texts(memories: list[UserMemory]) -> list[str]:
    return [m.memory for m in memories]


def test_add_then_get_returns_the_stored_fields(api: Api) -> None:
    memory_id = api.add_user_memory(
        memory=UserMemory(memory="  The user's name is Jane Doe ", topics=["personal", "name"]),
        user_id=JANE,
    )
    stored = api.get_user_memory(memory_id=memory_id, user_id=JANE)
    assert stored.memory == "The user's name is Jane Doe"
    assert stored.topics == ["personal", "name"]
    assert (stored.memory_id, stored.user_id) == (memory_id, JANE)
    assert stored.created_at is not None
    assert stored.created_at == stored.updated_at == stored.last_updated


def test_a_plain_string_is_a_memory_without_topics(api: Api) -> None:
    memory_id = api.add_user_memory(memory="The user likes tea", user_id=JANE)
    assert api.get_user_memory(memory_id=memory_id, user_id=JANE).topics == []


def test_get_user_memories_is_oldest_first_and_only_the_users(api: Api) -> None:
    for text in ("first", "second", "third"):
        api.add_user_memory(memory=f"The user said {text}", user_id=JANE)
    api.add_user_memory(memory="The user is John", user_id=JOHN)
    assert texts(api.get_user_memories(user_id=JANE)) == [
        "The user said first",
        "The user said second",
        "The user said third",
    ]
    assert texts(api.get_user_memories(user_id="nobody")) == []


def test_replace_keeps_id_and_creation_time(api: Api) -> None:
    memory_id = api.add_user_memory(
        memory=UserMemory(memory="The user's name is Jane Doe", topics=["name"]), user_id=JANE
    )
    before = api.get_user_memory(memory_id=memory_id, user_id=JANE)
    returned = api.replace_user_memory(
        memory_id=memory_id,
        memory=UserMemory(memory="The user's name is Verna Doe", topics=["personal", "name"]),
        user_id=JANE,
    )
    after = api.get_user_memory(memory_id=memory_id, user_id=JANE)
    assert returned == memory_id
    assert (after.memory, after.topics) == ("The user's name is Verna Doe", ["personal", "name"])
    assert after.created_at == before.created_at
    assert after.updated_at is not None
    assert before.updated_at is not None
    assert after.updated_at > before.updated_at


def test_replace_refuses_an_unknown_id_and_another_users_id(api: Api) -> None:
    janes = api.add_user_memory(memory="The user's name is Jane", user_id=JANE)
    with pytest.raises(MemoryNotFoundError):
        api.replace_user_memory(memory_id="no-such-id", memory="x", user_id=JANE)
    with pytest.raises(MemoryNotFoundError):
        api.replace_user_memory(memory_id=janes, memory="The user is Mallory", user_id=JOHN)
    assert texts(api.get_user_memories(user_id=JANE)) == ["The user's name is Jane"]
    assert api.get_user_memories(user_id=JOHN) == []


def test_delete_reports_whether_it_deleted(api: Api) -> None:
    janes = api.add_user_memory(memory="The user's name is Jane", user_id=JANE)
    assert api.delete_user_memory(user_id=JOHN, memory_id=janes) is False
    assert texts(api.get_user_memories(user_id=JANE)) == ["The user's name is Jane"]
    assert api.delete_user_memory(user_id=JANE, memory_id=janes) is True
    assert api.delete_user_memory(user_id=JANE, memory_id=janes) is False
    assert api.get_user_memory(memory_id=janes, user_id=JANE) is None


def test_reading_an_unknown_or_another_users_id_gives_none_as_in_agno(api: Api) -> None:
    janes = api.add_user_memory(memory="The user's name is Jane", user_id=JANE)
    assert api.get_user_memory(memory_id=janes, user_id=JOHN) is None
    assert api.get_user_memory(memory_id="no-such-id", user_id=JANE) is None
    assert api.get_user_memory(memory_id=janes, user_id=JANE).memory == "The user's name is Jane"


def test_clear_one_user_then_everyone(api: Api) -> None:
    api.add_user_memory(memory="The user is Jane", user_id=JANE)
    api.add_user_memory(memory="The user likes chess", user_id=JANE)
    api.add_user_memory(memory="The user is John", user_id=JOHN)
    assert api.clear(user_id=JANE) == 2
    assert api.get_user_memories(user_id=JANE) == []
    assert texts(api.get_user_memories(user_id=JOHN)) == ["The user is John"]
    assert api.clear() == 1
    assert api.get_user_memories(user_id=JOHN) == []


def test_last_n_and_first_n_as_in_the_seed(api: Api) -> None:
    api.add_user_memory(
        memory=UserMemory(memory="The user enjoys hiking in the mountains on weekends"),
        user_id=JOHN,
    )
    api.add_user_memory(
        memory=UserMemory(memory="The user enjoys reading science fiction novels before bed"),
        user_id=JOHN,
    )
    api.add_user_memory(memory="The user is Jane", user_id=JANE)
    last = api.search_user_memories(user_id=JOHN, limit=1, retrieval_method="last_n")
    first = api.search_user_memories(user_id=JOHN, limit=1, retrieval_method="first_n")
    assert texts(last) == ["The user enjoys reading science fiction novels before bed"]
    assert texts(first) == ["The user enjoys hiking in the mountains on weekends"]


def test_last_n_returns_the_newest_oldest_first(api: Api) -> None:
    for n in range(5):
        api.add_user_memory(memory=f"The user owns {n} cats", user_id=JOHN)
    found = api.search_user_memories(user_id=JOHN, limit=3, retrieval_method="last_n")
    assert texts(found) == [f"The user owns {n} cats" for n in (2, 3, 4)]
    assert len(api.search_user_memories(user_id=JOHN)) == 5


def test_keyword_search_ranks_by_words_and_topics_within_the_user(api: Api) -> None:
    api.add_user_memory(memory="The user enjoys hiking in the mountains", user_id=JOHN)
    api.add_user_memory(
        memory=UserMemory(memory="The user plays chess on Sundays", topics=["games"]),
        user_id=JOHN,
    )
    api.add_user_memory(memory="The user reads novels", user_id=JOHN)
    api.add_user_memory(memory="The user hikes mountains every day", user_id=JANE)
    found = api.search_user_memories(
        user_id=JOHN, query="mountain hikes", retrieval_method="keyword"
    )
    assert texts(found) == ["The user enjoys hiking in the mountains"]
    by_topic = api.search_user_memories(user_id=JOHN, query="board games", limit=5)
    assert texts(by_topic) == ["The user plays chess on Sundays"]
    assert api.search_user_memories(user_id=JOHN, query="chess", limit=0) == []


@pytest.mark.one_backend
def test_search_rejects_what_it_cannot_do(api: Api) -> None:
    with pytest.raises(InvalidInputError, match="retrieval_method"):
        api.search_user_memories(user_id=JOHN, query="x", retrieval_method="magic")
    with pytest.raises(ModelConfigError, match="no model"):
        api.search_user_memories(user_id=JOHN, query="x", retrieval_method="agentic")
    with pytest.raises(InvalidInputError, match="needs a query"):
        api.search_user_memories(user_id=JOHN, retrieval_method="keyword")
    with pytest.raises(InvalidInputError, match="limit"):
        api.search_user_memories(user_id=JOHN, limit=-1)


def test_history_records_every_change_with_its_source(api: Api) -> None:
    memory_id = api.add_user_memory(memory="The user lives in Paris", user_id=JANE)
    api.replace_user_memory(
        memory_id=memory_id, memory="The user lives in Oslo", user_id=JANE, source="cli"
    )
    api.delete_user_memory(user_id=JANE, memory_id=memory_id)
    cleared_id = api.add_user_memory(memory="The user likes tea", user_id=JANE)
    api.clear(user_id=JANE)

    history = api.get_memory_history(memory_id=memory_id, user_id=JANE)
    assert [(e.action, e.old_memory, e.new_memory, e.source) for e in history] == [
        ("added", None, "The user lives in Paris", "api"),
        ("updated", "The user lives in Paris", "The user lives in Oslo", "cli"),
        ("deleted", "The user lives in Oslo", None, "api"),
    ]
    assert history[0].at <= history[1].at <= history[2].at
    cleared = api.get_memory_history(memory_id=cleared_id, user_id=JANE)
    assert [e.action for e in cleared] == ["added", "cleared"]
    with pytest.raises(MemoryNotFoundError):
        api.get_memory_history(memory_id=memory_id, user_id=JOHN)


def test_the_same_fact_twice_is_stored_once(api: Api) -> None:
    first = api.add_user_memory(
        memory=UserMemory(memory="The user likes green tea.", topics=["drinks"]), user_id=JANE
    )
    again = api.add_user_memory(
        memory=UserMemory(memory="the user likes  GREEN tea", topics=["food"]), user_id=JANE
    )
    assert again == first
    [stored] = api.get_user_memories(user_id=JANE)
    assert stored.memory == "The user likes green tea."
    assert stored.topics == ["drinks", "food"]
    history = api.get_memory_history(memory_id=first, user_id=JANE)
    assert [e.action for e in history] == ["added", "refreshed"]
    assert api.add_user_memory(memory="The user likes green tea.", user_id=JOHN) != first


def test_export_then_import_into_another_user(api: Api) -> None:
    api.add_user_memory(memory=UserMemory(memory="The user is Jane", topics=["name"]), user_id=JANE)
    api.add_user_memory(memory="The user likes chess", user_id=JANE)
    exported = api.export_user_memories(user_id=JANE)
    assert exported["user_id"] == JANE
    ids = api.import_user_memories(exported, user_id=JOHN)
    johns = api.get_user_memories(user_id=JOHN)
    assert [m.memory_id for m in johns] == ids
    assert [(m.memory, m.topics, m.created_at) for m in johns] == [
        (m.memory, m.topics, m.created_at) for m in api.get_user_memories(user_id=JANE)
    ]
    assert api.import_user_memories(exported, user_id=JOHN) == ids  # replaces, no copies
    assert len(api.get_user_memories(user_id=JOHN)) == 2


@pytest.mark.one_backend
def test_import_refuses_bad_data_and_changes_nothing(api: Api) -> None:
    api.add_user_memory(memory="The user is Jane", user_id=JANE)
    exported = api.export_user_memories(user_id=JANE)
    broken = {**exported, "memories": [*exported["memories"], {"memory": "", "memory_id": "x"}]}
    bad_data: list[dict[str, Any]] = [broken, {"memories": []}, {**exported, "memories": "x"}]
    for bad in bad_data:
        with pytest.raises(InvalidInputError):
            api.import_user_memories(bad, user_id=JOHN)
    assert api.get_user_memories(user_id=JOHN) == []
