"""The REST app on SQLite and PostgreSQL, driven over HTTP as a client would."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from memory import Memory, MemoryDb, SqliteMemoryDb, UserMemory
from memory.db.base import Scope
from server import ApiKeys, create_app, routes
from server.auth import KEYS_ENV, KEYS_FILE_ENV
from server.routes import MAX_BODY_BYTES
from tests.server_routes import memories_of, tour_every_route

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)
ADMIN_KEY = "admin-key-0123456789"
ALICE_KEY = "alice-key-0123456789"
BOB_KEY = "bob-key-0123456789ab"
BOB_SUPPORT_KEY = "bob-support-key-0123"
EXPIRED_KEY = "expired-key-01234567"
KEYS = {
    "keys": [
        {"key": ADMIN_KEY, "admin": True},
        {"key": ALICE_KEY, "user_id": "alice"},
        {"key": BOB_KEY, "user_id": "bob"},
        {"key": BOB_SUPPORT_KEY, "user_id": "bob", "agent_id": "support"},
        {"key": EXPIRED_KEY, "user_id": "bob", "expires_at": "2000-01-01T00:00:00Z"},
    ]
}
AGENTS = (None, "support")
SQLITE_ONLY = pytest.mark.parametrize("db", ["sqlite"], indirect=True)
"""For what the app decides before any store is read (keys, the prompt it shows)."""


@pytest.fixture(params=["sqlite", "postgres"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[MemoryDb]:
    db: MemoryDb = (
        SqliteMemoryDb(db_file=tmp_path / "memories.db")
        if request.param == "sqlite"
        else request.getfixturevalue("postgres_db")
    )
    yield db
    db.close()


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def memory(db: MemoryDb, clock: Clock) -> Memory:
    return Memory(db=db, clock=clock)


@pytest.fixture
def client(memory: Memory) -> Iterator[TestClient]:
    """An open app: no key configured, every caller an admin."""
    with TestClient(create_app(memory, keys=ApiKeys())) as client:
        yield client


@pytest.fixture
def keyed(memory: Memory) -> Iterator[TestClient]:
    """The app with keys; the client sends none unless a test gives one."""
    with TestClient(create_app(memory, keys=ApiKeys.parse(json.dumps(KEYS)))) as client:
        yield client


def as_key(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def snapshot(memory: Memory) -> dict[str, Any]:
    """Every memory (expired ones too) and every memory's history, of every user and agent."""
    seen: dict[str, Any] = {}
    for agent in AGENTS:
        for user in memory.db.user_ids(scope=Scope(agent)):
            found = memory.db.list_memories(user, scope=Scope(agent, datetime(1, 1, 2, tzinfo=UTC)))
            seen[f"{user}/{agent}"] = [
                (m.to_dict(), [e.to_dict() for e in memory.db.history(user, str(m.memory_id))])
                for m in found
            ]
    return seen


def test_health_names_the_store(client: TestClient, db: MemoryDb) -> None:
    answer = client.get("/memory/health")
    assert answer.status_code == 200
    assert answer.json() == {"status": "ok", "store": type(db).__name__}


def test_every_route_reads_and_writes_the_store(client: TestClient, memory: Memory) -> None:
    tour_every_route(client, "alice")
    assert memory.get_user_memories("alice") == []
    assert memory.db.user_ids() in ([], ["alice"])  # a store may list a user with no memory


def test_a_memory_added_over_http_is_stored_with_its_fields(
    client: TestClient, memory: Memory
) -> None:
    added = client.post(
        "/memory/v1/users/alice/memories",
        json={"memory": " The user likes tea ", "topics": ["food"], "agent_id": "support"},
    )
    assert added.status_code == 201
    stored = memory.for_agent("support").get_user_memory(added.json()["memory_id"], "alice")
    assert stored is not None
    assert (stored.memory, stored.topics, stored.agent_id) == (
        "The user likes tea",
        ["food"],
        "support",
    )
    assert memory.get_user_memories("alice") == []  # the shared scope has none


def test_expired_memories_are_listed_only_when_asked(
    client: TestClient, memory: Memory, clock: Clock
) -> None:
    soon = (NOW + timedelta(hours=1)).isoformat()
    client.post("/memory/v1/users/alice/memories", json={"memory": "In Rome", "expires_at": soon})
    client.post("/memory/v1/users/alice/memories", json={"memory": "Likes tea"})
    clock.now = NOW + timedelta(hours=2)
    assert [m["memory"] for m in memories_of(client, "alice")] == ["Likes tea"]
    listed = memories_of(client, "alice", include_expired="true", order="asc")
    assert [m["memory"] for m in listed] == ["In Rome", "Likes tea"]


def test_patch_changes_only_the_fields_sent_and_null_removes_the_expiry(
    client: TestClient, memory: Memory
) -> None:
    soon = (NOW + timedelta(days=1)).isoformat()
    memory_id = client.post(
        "/memory/v1/users/alice/memories",
        json={"memory": "In Rome", "topics": ["travel"], "expires_at": soon},
    ).json()["memory_id"]
    client.patch(f"/memory/v1/users/alice/memories/{memory_id}", json={"topics": ["trip"]})
    stored = memory.get_user_memory(memory_id, "alice")
    assert stored is not None
    assert (stored.memory, stored.topics, stored.expires_at) == (
        "In Rome",
        ["trip"],
        NOW + timedelta(days=1),
    )
    client.patch(f"/memory/v1/users/alice/memories/{memory_id}", json={"expires_at": None})
    stored = memory.get_user_memory(memory_id, "alice")
    assert stored is not None
    assert stored.expires_at is None


@SQLITE_ONLY
def test_the_schema_is_served_without_a_docs_page_that_needs_a_cdn(client: TestClient) -> None:
    schema = client.get("/memory/openapi.json")
    assert schema.status_code == 200
    assert "/memory/v1/users/{user_id}/memories" in schema.json()["paths"]
    for page in ("/memory/docs", "/memory/docs/oauth2-redirect", "/memory/redoc"):
        assert client.get(page).status_code == 404


def _write_after_each_read(
    monkeypatch: pytest.MonkeyPatch, memory: Memory, texts: Iterator[str]
) -> None:
    """Let another writer change the memory's text right after each read of a PATCH, while
    it still has the next of `texts` to write: the race of two PATCHes, without timing."""

    async def found_then_rewritten(scoped: Memory, user_id: str, memory_id: str) -> UserMemory:
        current = await read(scoped, user_id, memory_id)
        text = next(texts, None)
        if text is not None:
            await memory.areplace_user_memory(
                memory_id, UserMemory(memory=text, topics=current.topics), user_id
            )
        return current

    read = routes._found
    monkeypatch.setattr(routes, "_found", found_then_rewritten)


def test_a_patch_keeps_the_text_another_write_stored_after_its_read(
    client: TestClient, memory: Memory, monkeypatch: pytest.MonkeyPatch
) -> None:
    memory_id = memory.add_user_memory(UserMemory(memory="In Rome", topics=["travel"]), "alice")
    _write_after_each_read(monkeypatch, memory, iter(["In Paris"]))
    patched = client.patch(
        f"/memory/v1/users/alice/memories/{memory_id}", json={"topics": ["trip"]}
    )
    assert patched.status_code == 200
    assert (patched.json()["memory"], patched.json()["topics"]) == ("In Paris", ["trip"])
    stored = memory.get_user_memory(memory_id, "alice")
    assert stored is not None
    assert (stored.memory, stored.topics) == ("In Paris", ["trip"])


@SQLITE_ONLY
def test_a_patch_raced_by_a_write_after_every_read_answers_409_and_overwrites_nothing(
    client: TestClient, memory: Memory, monkeypatch: pytest.MonkeyPatch
) -> None:
    memory_id = memory.add_user_memory(UserMemory(memory="In Rome", topics=["travel"]), "alice")
    _write_after_each_read(monkeypatch, memory, iter(f"In city {n}" for n in range(1, 100)))
    patched = client.patch(
        f"/memory/v1/users/alice/memories/{memory_id}", json={"topics": ["trip"]}
    )
    assert patched.status_code == 409
    assert "changed since it was read" in patched.json()["detail"]
    stored = memory.get_user_memory(memory_id, "alice")
    assert stored is not None
    assert (stored.memory, stored.topics) == (f"In city {routes.PATCH_ATTEMPTS}", ["travel"])


def test_agno_rows_are_imported_by_an_admin_only(keyed: TestClient, memory: Memory) -> None:
    rows = {
        "layout": "Agno 2.x",
        "rows": [
            {
                "memory_id": "m1",
                "user_id": "alice",
                "memory": '"The user likes tea"',
                "topics": '["food"]',
                "created_at": 1_700_000_000,
                "updated_at": 1_700_000_000,
            },
            {"memory_id": "m2", "user_id": "bob", "memory": '""'},
        ],
    }
    refused = keyed.post("/memory/v1/import/agno", json=rows, headers=as_key(ALICE_KEY))
    assert refused.status_code == 403
    assert memory.get_user_memories("alice") == []

    report = keyed.post("/memory/v1/import/agno", json=rows, headers=as_key(ADMIN_KEY)).json()
    assert report["imported"] == {"alice": ["m1"]}
    assert [r["row"] for r in report["refused"]] == ["m2"]
    assert [(m.memory, m.topics) for m in memory.get_user_memories("alice")] == [
        ("The user likes tea", ["food"])
    ]


# -- auth ---------------------------------------------------------------------


@SQLITE_ONLY
def test_a_key_is_required_and_must_be_known_and_current(keyed: TestClient, memory: Memory) -> None:
    memory.add_user_memory("The user likes tea", "bob")
    before = snapshot(memory)
    for headers in (
        {},
        as_key("not-a-configured-key"),
        as_key(EXPIRED_KEY),
        {"Authorization": "Basic x"},
    ):
        for method, path in [
            ("GET", "/memory/v1/users/bob/memories"),
            ("DELETE", "/memory/v1/users/bob/memories"),
        ]:
            answer = keyed.request(method, path, headers=headers)
            assert answer.status_code == 401, (headers, answer.text)
            assert answer.json()["detail"]
    assert snapshot(memory) == before
    assert (
        keyed.get("/memory/v1/users/bob/memories", headers={"X-API-Key": BOB_KEY}).status_code
        == 200
    )


def every_route(user_id: str, memory_id: str) -> list[tuple[str, str, Any]]:
    """Each route with a body it accepts, for `user_id` and `memory_id`."""
    base = f"/memory/v1/users/{user_id}"
    one = f"{base}/memories/{memory_id}"
    export = {"format": "memory-agent/memories@1", "user_id": user_id, "memories": []}
    return [
        ("GET", f"{base}/memories", None),
        ("POST", f"{base}/memories", {"memory": "Planted"}),
        ("GET", one, None),
        ("PATCH", one, {"memory": "Changed"}),
        ("DELETE", one, None),
        ("GET", f"{one}/history", None),
        ("DELETE", f"{base}/memories", None),
        ("DELETE", f"{base}/memories", {"memory_ids": [memory_id]}),
        ("POST", f"{base}/search", {"query": "tea"}),
        ("GET", f"{base}/topics", None),
        ("GET", f"{base}/export", None),
        ("POST", f"{base}/import", export),
        ("POST", f"{base}/prompt", {"message": "tea?"}),
        ("GET", f"{base}/summaries", None),
        ("POST", f"{base}/erase", None),
    ]


def test_a_user_key_reaches_no_other_user_by_any_route(keyed: TestClient, memory: Memory) -> None:
    alice_id = memory.add_user_memory("Alice likes tea", "alice")
    bob_id = memory.add_user_memory("Bob likes coffee", "bob")
    memory.for_agent("support").add_user_memory("Bob asked about billing", "bob")
    before = snapshot(memory)
    bob = as_key(BOB_KEY)
    for method, path, body in every_route("alice", alice_id):
        answer = keyed.request(method, path, json=body, headers=bob)
        assert answer.status_code == 403, (method, path, answer.text)
    for method, path, body in every_route("bob", alice_id):  # alice's id on bob's own path
        if method in ("GET", "PATCH", "DELETE") and alice_id in path:
            answer = keyed.request(method, path, json=body, headers=bob)
            assert answer.status_code == 404 or answer.json() == {"events": []}, (method, path)
    bulk = keyed.request(
        "DELETE",
        "/memory/v1/users/bob/memories",
        json={"memory_ids": [bob_id, alice_id]},
        headers=bob,
    )
    assert bulk.status_code == 404
    imported = keyed.post(
        "/memory/v1/users/bob/import",
        json={"format": "memory-agent/memories@1", "user_id": "alice", "memories": []},
        headers=bob,
    )
    assert imported.status_code == 200  # the path's user, never the body's, is imported into
    assert keyed.get("/memory/v1/users", headers=bob).json() == {
        "users": [{"user_id": "bob", "memories": 1}]
    }
    assert keyed.post("/memory/v1/import/agno", json={"rows": []}, headers=bob).status_code == 403
    assert snapshot(memory) == before


def test_an_agent_key_reaches_its_own_agent_scope_only(keyed: TestClient, memory: Memory) -> None:
    memory.add_user_memory("Bob likes coffee", "bob")
    memory.for_agent("support").add_user_memory("Bob asked about billing", "bob")
    before = snapshot(memory)
    support = as_key(BOB_SUPPORT_KEY)
    mine = memories_of_key(keyed, support, "/memory/v1/users/bob/memories")
    assert [m["memory"] for m in mine] == ["Bob asked about billing"]
    other = keyed.get("/memory/v1/users/bob/memories?agent_id=sales", headers=support)
    assert other.status_code == 403
    shared = keyed.request("DELETE", "/memory/v1/users/bob/memories?agent_id=x", headers=support)
    assert shared.status_code == 403
    planted = keyed.post(
        "/memory/v1/users/bob/memories", json={"memory": "x", "agent_id": "sales"}, headers=support
    )
    assert planted.status_code == 403
    assert keyed.post("/memory/v1/users/bob/erase", headers=support).status_code == 403
    assert snapshot(memory) == before


def memories_of_key(client: TestClient, headers: dict[str, str], path: str) -> list[dict[str, Any]]:
    answer = client.get(path, headers=headers)
    assert answer.status_code == 200, answer.text
    found: list[dict[str, Any]] = answer.json()["memories"]
    return found


def test_keys_come_from_the_environment_and_a_file(tmp_path: Path) -> None:
    keys_file = tmp_path / "keys.json"
    keys_file.write_text(json.dumps({"keys": [{"key": ALICE_KEY, "user_id": "alice"}]}))
    env = {
        KEYS_ENV: json.dumps({"keys": [{"key": ADMIN_KEY, "admin": True}]}),
        KEYS_FILE_ENV: str(keys_file),
    }
    keys = ApiKeys.from_env(env)
    assert keys.principal_of(ADMIN_KEY, NOW).admin
    assert keys.principal_of(ALICE_KEY, NOW).user_id == "alice"


@pytest.mark.parametrize(
    "entry",
    [
        {"key": ADMIN_KEY, "admin": True, "user_id": "alice"},
        {"key": ADMIN_KEY},
        {"key": "short", "admin": True},
        {"key": ADMIN_KEY, "user_id": "alice", "role": "x"},
    ],
)
def test_a_bad_keys_file_is_refused_whole(entry: dict[str, Any]) -> None:
    from memory import InvalidInputError

    with pytest.raises(InvalidInputError):
        ApiKeys.parse(json.dumps({"keys": [{"key": ALICE_KEY, "user_id": "alice"}, entry]}))


# -- bad input ----------------------------------------------------------------


def test_bad_input_gets_the_right_4xx_and_changes_nothing(
    client: TestClient, memory: Memory
) -> None:
    memory_id = memory.add_user_memory("The user likes tea", "alice")
    before = snapshot(memory)
    base = "/memory/v1/users/alice/memories"
    sent_json = {"content-type": "application/json"}

    malformed = client.post(base, content=b'{"memory": ', headers=sent_json)
    assert (malformed.status_code, malformed.json()["detail"]) == (
        400,
        "the body is not valid JSON",
    )

    huge = client.post(base, json={"memory": "x" * (MAX_BODY_BYTES + 1)})
    assert huge.status_code == 413
    huge_import = client.post(
        "/memory/v1/users/alice/import",
        content=b"[" + b"1," * MAX_BODY_BYTES + b"1]",
        headers=sent_json,
    )
    assert huge_import.status_code == 413

    unknown = client.post(base, json={"memory": "x", "user_id": "bob"})
    assert unknown.status_code == 422
    assert "body.user_id" in unknown.json()["detail"]
    patched = client.patch(f"{base}/{memory_id}", json={"memory": "x", "owner": "bob"})
    assert patched.status_code == 422
    assert "body.owner" in patched.json()["detail"]
    assert client.patch(f"{base}/{memory_id}", json={"memory": None}).status_code == 422
    too_long = client.post(base, json={"memory": "x" * 5000})
    assert too_long.status_code == 422
    assert "body.memory" in too_long.json()["detail"]
    assert client.post(base, json={"memory": "x", "topics": "food"}).status_code == 422
    assert client.get(f"{base}?limit=0").status_code == 422
    assert client.get(f"{base}?sort=memory").status_code == 422
    assert (
        client.post("/memory/v1/users/alice/search", json={"method": "psychic"}).status_code == 422
    )

    assert client.get("/memory/v1/users/%01/memories").status_code == 422
    assert client.get(f"{base}/{'x' * 200}").status_code == 422
    assert client.get(f"{base}/not-an-id").status_code == 404
    assert client.patch(f"{base}/not-an-id", json={"memory": "x"}).status_code == 404
    assert client.delete(f"{base}/not-an-id").status_code == 404

    half = client.request("DELETE", base, json={"memory_ids": [memory_id, "not-an-id"]})
    assert half.status_code == 404
    bad_import = client.post(
        "/memory/v1/users/alice/import",
        json={
            "format": "memory-agent/memories@1",
            "user_id": "alice",
            "memories": [{"memory_id": "a", "memory": "Fine"}, {"memory_id": "b", "memory": ""}],
        },
    )
    assert bad_import.status_code == 422
    assert snapshot(memory) == before


@SQLITE_ONLY
def test_a_deployment_with_its_own_auth_but_no_route_auth_refuses_every_caller(
    memory: Memory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LANGGRAPH_AUTH", json.dumps({"path": "my_auth.py:auth"}))
    with TestClient(create_app(memory, keys=ApiKeys())) as client:
        answer = client.get("/memory/v1/users/alice/memories")
    assert answer.status_code == 401
    assert "enable_custom_route_auth" in answer.json()["detail"]


@SQLITE_ONLY
def test_the_prompt_route_shows_the_block_the_agent_puts_in_its_system_prompt(
    client: TestClient, memory: Memory
) -> None:
    from graphs import create_memory_agent
    from memory.testing import ScriptedChatModel

    memory.add_user_memory(UserMemory(memory="The user likes green tea", topics=["food"]), "alice")
    memory.add_user_memory("The user lives in Oslo", "alice")
    message = "What should I drink tonight?"
    model = ScriptedChatModel(["Green tea."])
    agent = create_memory_agent(model=model, memory=memory)
    agent.invoke(
        {"messages": [{"role": "user", "content": message}]},
        {"configurable": {"thread_id": "t1"}},
        context={"user_id": "alice"},
    )

    shown = client.post("/memory/v1/users/alice/prompt", json={"message": message}).json()
    assert "The user lives in Oslo" in shown["prompt"]
    assert shown["prompt"] in model.calls[0].messages[0].text


def test_list_and_search_narrow_by_update_time(
    client: TestClient, memory: Memory, clock: Clock
) -> None:
    memory.add_user_memory(UserMemory(memory="Likes tea", topics=["food"]), "alice")
    clock.now = NOW + timedelta(days=1)
    memory.add_user_memory(UserMemory(memory="Likes green tea", topics=["food"]), "alice")
    noon = (NOW + timedelta(hours=12)).isoformat()
    assert [m["memory"] for m in memories_of(client, "alice", since=noon)] == ["Likes green tea"]
    assert [m["memory"] for m in memories_of(client, "alice", until=noon)] == ["Likes tea"]
    found = client.post(
        "/memory/v1/users/alice/search",
        json={"query": "tea", "method": "keyword", "until": noon, "topics": ["food"]},
    ).json()
    assert [r["memory"]["memory"] for r in found["results"]] == ["Likes tea"]
    bad = client.get("/memory/v1/users/alice/memories", params={"since": noon, "until": noon})
    assert bad.status_code == 422


def test_a_users_session_summaries_are_listed_for_that_user_only(
    keyed: TestClient, memory: Memory
) -> None:
    from memory.testing import ScriptedChatModel
    from tests.test_session_summaries import HIKE, summary

    memory.model = ScriptedChatModel([summary("Bob plans a hike in the Alps.", "hiking")])
    memory.create_session_summary("trip", "bob", HIKE)
    bobs = keyed.get("/memory/v1/users/bob/summaries", headers=as_key(BOB_KEY)).json()
    assert [(s["session_id"], s["summary"]) for s in bobs["summaries"]] == [
        ("trip", "Bob plans a hike in the Alps.")
    ]
    assert keyed.get("/memory/v1/users/bob/summaries", headers=as_key(ALICE_KEY)).status_code == 403
    alices = keyed.get("/memory/v1/users/alice/summaries", headers=as_key(ALICE_KEY)).json()
    assert alices == {"summaries": []}
