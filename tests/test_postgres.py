"""PostgreSQL under many workers at once, and when the server misbehaves."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest
from langgraph.checkpoint.postgres import PostgresSaver

from graphs import flush_memories
from memory import Memory, MemoryDbError, PostgresMemoryDb, UserMemory
from memory import planner as planner_module
from memory.db.base import MemoryDb, Scope, WriteBatch
from memory.db.postgres_connection import _RecentlyUsed
from memory.db.postgres_schema import migrations, statements
from memory.schema import AddMemory, WriteContext
from memory.testing import ScriptedChatModel, remember_user_lines
from memory.text import index_text
from memory.twins import BLOCKING, run_sync

WORKERS, TURNS, USERS = 8, 40, 20
"""Every worker takes two turns in each of the 20 threads it has, all workers at once."""

# One worker process: TURNS graph turns, each for a user of the shared pool, in a thread of
# its own for that (worker, user); the memory model stores one fact naming the turn.
WORKER = """
import sys
from graphs import create_memory_agent
from memory import Memory, PostgresMemoryDb
from memory.testing import ScriptedChatModel, tool_call

url, worker, turns, users = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
plan = [(n, f"user-{(worker * 7 + n) % users}") for n in range(turns)]
replies = []
for n, user in plan:
    replies.append(f"answer {worker}-{n}")
    replies.append(tool_call("add_memory", memory=f"The user said fact {worker}-{n}"))
with PostgresMemoryDb.from_conn_string(url) as db:
    agent = create_memory_agent(
        ScriptedChatModel(replies),
        memory=Memory(db=db),
        enable_user_memories=True,
        num_history_runs=turns,
    )
    print("ready", flush=True)
    sys.stdin.readline()  # the barrier: every worker is ready
    for n, user in plan:
        agent.invoke(
            {"messages": [{"role": "user", "content": f"turn {worker}-{n}"}]},
            {"configurable": {"thread_id": f"w{worker}-{user}"}},
            context={"user_id": user},
        )
print("ok")
"""


def run_together(script: str, *argv: list[str]) -> None:
    """Run `script` in one process per `argv`, all started together at a barrier (each
    says it is ready, then waits for the word), however long their imports take; each
    must print ok."""
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", script, *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for args in argv
    ]
    for worker in workers:
        assert worker.stdout is not None
        assert worker.stdout.readline().strip() == "ready", worker.stderr
    for worker in workers:
        assert worker.stdin is not None
        worker.stdin.write("go\n")
        worker.stdin.flush()
    results = [worker.communicate(timeout=900) for worker in workers]
    assert [(w.returncode, out.strip()) for w, (out, _) in zip(workers, results, strict=True)] == [
        (0, "ok")
    ] * len(workers), [err[-2000:] for _, err in results]


def test_eight_workers_lose_nothing_and_mix_nothing(postgres_test_url: str) -> None:
    run_together(
        WORKER, *([postgres_test_url, str(w), str(TURNS), str(USERS)] for w in range(WORKERS))
    )

    expected: dict[str, list[str]] = {f"user-{u}": [] for u in range(USERS)}
    turns_of: dict[str, list[int]] = {}
    for w in range(WORKERS):
        for n in range(TURNS):
            user = f"user-{(w * 7 + n) % USERS}"
            expected[user].append(f"The user said fact {w}-{n}")
            turns_of.setdefault(f"w{w}-{user}", []).append(n)
    with PostgresMemoryDb.from_conn_string(postgres_test_url) as db:
        memory = Memory(db=db)
        for user, facts in expected.items():
            stored = [m.memory for m in memory.get_user_memories(user)]
            assert sorted(stored) == sorted(facts), user  # nothing lost, nothing of others
        with PostgresSaver.from_conn_string(postgres_test_url) as saver:
            for thread, turns in turns_of.items():
                checkpoint = saver.get_tuple({"configurable": {"thread_id": thread}})
                assert checkpoint is not None
                messages = checkpoint.checkpoint["channel_values"]["messages"]
                worker = thread.split("-")[0].removeprefix("w")
                said = [m.content for m in messages if m.type == "human"]
                answered = [m.content for m in messages if m.type == "ai"]
                assert said == [f"turn {worker}-{n}" for n in turns], thread  # complete, in order
                assert answered == [f"answer {worker}-{n}" for n in turns], thread


SAME_FACT = """
import sys
from memory import Memory, PostgresMemoryDb
url = sys.argv[1]
with PostgresMemoryDb.from_conn_string(url) as db:
    memory = Memory(db=db)
    memory.get_user_memories("ava")  # imported and connected before the start
    print("ready", flush=True)
    sys.stdin.readline()  # the barrier: every worker is ready
    memory.add_user_memory("The user likes green tea", "ava")
print("ok")
"""


def test_eight_workers_adding_one_fact_at_once_leave_one_memory(postgres_test_url: str) -> None:
    with PostgresMemoryDb.from_conn_string(postgres_test_url):
        pass  # the tables exist before the race
    run_together(SAME_FACT, *([postgres_test_url] for _ in range(WORKERS)))
    with PostgresMemoryDb.from_conn_string(postgres_test_url) as db:
        [only] = Memory(db=db).get_user_memories("ava")
        assert only.memory == "The user likes green tea"
        actions = [e.action for e in db.history("ava", str(only.memory_id))]
        assert actions == ["added"] + ["refreshed"] * (WORKERS - 1)


# -- faults ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("postgresql://postgres@127.0.0.1:1/test", "Connection refused"),
        ("postgresql://postgres@127.0.0.1:5432/no_such_database", "does not exist"),
        ("not a url at all", "cannot connect"),
    ],
)
def test_an_unusable_server_is_a_clear_typed_error(url: str, reason: str) -> None:
    db = PostgresMemoryDb(url)
    with pytest.raises(MemoryDbError, match=reason):
        db.setup()
    with pytest.raises(MemoryDbError, match=reason):
        Memory(db=db).add_user_memory("The user skis", "ava")
    db.close()


def test_tables_that_were_never_set_up_name_setup(postgres_test_url: str) -> None:
    db = PostgresMemoryDb(postgres_test_url, "never_set_up")
    with pytest.raises(MemoryDbError, match=r"setup\(\)"):
        Memory(db=db).get_user_memories("ava")
    db.close()


def test_a_newer_schema_is_refused(postgres_test_url: str) -> None:
    with PostgresMemoryDb.from_conn_string(postgres_test_url):
        pass
    with psycopg.connect(postgres_test_url, autocommit=True) as conn:
        conn.execute("UPDATE memory_agent_migrations SET version = 99")
    db = PostgresMemoryDb(postgres_test_url)
    with pytest.raises(MemoryDbError, match="newer than this release"):
        db.setup()
    db.close()


def terminate(url: str, application: str) -> Callable[..., Any]:
    """A planner that, in the middle of a batch, has the server drop the connection writing it.

    Only the connection holding the batch's per-user lock: an agent's checkpointer may be
    writing on another connection of the same application at that moment.
    """
    real_plan = planner_module.plan_writes

    def plan(*args: Any, **kwargs: Any) -> Any:
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(
                "SELECT pg_terminate_backend(a.pid) FROM pg_stat_activity a "
                "JOIN pg_locks l ON l.pid = a.pid AND l.locktype = 'advisory' "
                "WHERE a.application_name = %s",
                (application,),
            )
        return real_plan(*args, **kwargs)

    return plan


def test_connections_killed_mid_batch_write_nothing_and_a_retry_works(
    postgres_test_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"{postgres_test_url}&application_name=memory_victim"
    with PostgresMemoryDb.from_conn_string(url) as db:
        memory = Memory(db=db)
        kept = memory.add_user_memory("The user existed before", "ava")
        batch = [AddMemory(UserMemory(memory=f"The user fact {n}")) for n in range(5)]
        monkeypatch.setattr(
            "memory.db.postgres_memories.plan_writes", terminate(url, "memory_victim")
        )
        with pytest.raises(MemoryDbError, match="PostgreSQL failed"):
            memory.apply_user_memory_ops("ava", batch, WriteContext("test"))
        monkeypatch.undo()
        assert [m.memory_id for m in memory.get_user_memories("ava")] == [kept]
        memory.apply_user_memory_ops("ava", batch, WriteContext("test"))  # the retry works
        assert len(memory.get_user_memories("ava")) == 6
        assert db.history("ava", kept)[-1].action == "added"


def test_a_pooled_connection_dropped_while_idle_is_replaced_before_it_is_lent(
    postgres_test_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A connection idle for `FRESH` seconds is pinged before it is lent (here every one
    is), so one the server dropped meanwhile costs no operation."""
    monkeypatch.setattr(_RecentlyUsed, "FRESH", 0.0)
    url = f"{postgres_test_url}&application_name=idle_victim"
    with PostgresMemoryDb.from_conn_string(url) as db:
        memory = Memory(db=db)
        memory.add_user_memory("The user drinks tea", "ava")
        with psycopg.connect(postgres_test_url, autocommit=True) as admin:
            dropped = admin.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE application_name = 'idle_victim'"
            ).fetchone()
        assert dropped is not None
        assert dropped[0] >= 1
        assert [m.memory for m in memory.get_user_memories("ava")] == ["The user drinks tea"]


def test_an_agent_run_cut_off_by_the_server_can_be_retried(
    postgres_test_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from graphs import create_memory_agent
    from memory.testing import ScriptedChatModel, tool_call

    url = f"{postgres_test_url}&application_name=agent_victim"
    with PostgresMemoryDb.from_conn_string(url) as db:
        memory = Memory(db=db)
        model = ScriptedChatModel(
            [
                "Hello!",
                tool_call("add_memory", memory="The user is Ava"),
                "Hello again!",
                tool_call("add_memory", memory="The user is Ava"),
            ]
        )
        agent: Any = create_memory_agent(model, memory=memory, enable_user_memories=True)
        config = {"configurable": {"thread_id": "t1"}}
        monkeypatch.setattr(
            "memory.db.postgres_memories.plan_writes", terminate(url, "agent_victim")
        )
        said = {"messages": [{"role": "user", "content": "I'm Ava"}]}
        state = agent.invoke(said, config, context={"user_id": "ava"})
        assert state["messages"][-1].text == "Hello!"  # learning failed; the answer stands
        assert memory.get_user_memories("ava") == []
        monkeypatch.undo()
        agent.invoke(said, config, context={"user_id": "ava"})
        assert [m.memory for m in memory.get_user_memories("ava")] == ["The user is Ava"]


def test_tables_without_agent_scopes_keep_their_memories_and_history(
    postgres_test_url: str,
) -> None:
    """Schema version 1 had one scope per user and no expiry; `setup()` migrates it."""
    with psycopg.connect(postgres_test_url, autocommit=True) as conn:
        for statement in statements(migrations("user_memories")[0]):
            conn.execute(statement)
        conn.execute(
            "CREATE TABLE memory_agent_migrations (table_name TEXT PRIMARY KEY, version INTEGER)"
        )
        conn.execute("INSERT INTO memory_agent_migrations VALUES ('user_memories', 1)")
        found = index_text("The user drinks green tea", [])
        conn.execute(
            "INSERT INTO user_memories_users (user_id, memories, terms) VALUES ('ava', 1, %s)",
            (found.length,),
        )
        conn.execute(
            "INSERT INTO user_memories (memory_id, user_id, memory, topics, text_key, created_at, "
            "updated_at, terms, topic_terms, term_count) VALUES ('m0', 'ava', "
            "'The user drinks green tea', '[]', 'the user drinks green tea', now(), now(), "
            "%s, %s, %s)",
            (list(found.text_terms), list(found.topic_terms), found.length),
        )
        conn.execute(
            "INSERT INTO user_memories_history (memory_id, user_id, action, new_memory, "
            "new_topics, source, at) VALUES ('m0', 'ava', 'added', 'The user drinks green tea', "
            "'[]', 'api', now())"
        )
    with PostgresMemoryDb.from_conn_string(postgres_test_url) as db:
        memory = Memory(db=db)
        assert [m.memory_id for m in memory.search_user_memories("ava", "tea")] == ["m0"]
        assert [e.action for e in memory.get_memory_history("m0", "ava")] == ["added"]
        planner = memory.for_agent("planner")
        planner.import_user_memories(memory.export_user_memories("ava"))  # the same id
        memory.add_user_memory("The user skis", "ava")
        assert [m.memory_id for m in planner.get_user_memories("ava")] == ["m0"]
        assert len(memory.get_user_memories("ava")) == 2
        assert sorted(db.user_ids()) == ["ava"]


def test_tables_without_pending_scopes_keep_their_pending_messages_in_the_common_scope(
    postgres_test_url: str,
) -> None:
    """Pending messages had no agent scope before; they stay the common scope's, and are learned."""
    older = migrations("user_memories")[:5]
    with psycopg.connect(postgres_test_url, autocommit=True) as conn:
        for script in older:
            for statement in statements(script):
                conn.execute(statement)
        conn.execute(
            "CREATE TABLE memory_agent_migrations (table_name TEXT PRIMARY KEY, version INTEGER)"
        )
        conn.execute("INSERT INTO memory_agent_migrations VALUES ('user_memories', %s)", (5,))
        conn.execute(
            "INSERT INTO user_memories_pending (user_id, thread_id, message_id, text, at) "
            "VALUES ('ava', 't1', 'm1', 'I moved to Oslo.', now())"
        )
    with PostgresMemoryDb.from_conn_string(postgres_test_url) as db:
        memory = Memory(db=db)
        planner = memory.for_agent("planner")
        assert planner.pending_threads("ava") == []
        assert planner.add_pending_messages("ava", "t1", [("m1", "I plan a trip.")]) == 1
        planner.clear("ava")
        assert [(t.thread_id, t.messages) for t in memory.pending_threads("ava")] == [("t1", 1)]
        flush_memories(memory, model=ScriptedChatModel([remember_user_lines]))
        assert [m.memory for m in memory.get_user_memories("ava")] == [
            "The user said: I moved to Oslo."
        ]
        assert memory.pending_threads() == []


def test_a_table_with_the_longest_name_migrates_its_pending_messages(
    postgres_test_url: str,
) -> None:
    """The migration drops the old key by the name PostgreSQL shortened it to."""
    with PostgresMemoryDb.from_conn_string(postgres_test_url, table_name="t" * 41) as db:
        db.setup()
        memory = Memory(db=db)
        memory.add_pending_messages("ava", "t1", [("m1", "I moved to Oslo.")])
        assert memory.for_agent("planner").add_pending_messages("ava", "t1", [("m1", "x")]) == 1
        assert [t.messages for t in memory.pending_threads("ava")] == [1]


@pytest.mark.parametrize(
    "terms", [["tea", "pari"], ["pari", "coffe", "hike"], ["tea", "tea"], ["nothing"], []]
)
def test_keyword_candidates_counted_in_sql_equal_those_read_from_every_memory(
    postgres_db: PostgresMemoryDb, terms: list[str]
) -> None:
    """Statistics, lengths, recency and each term's frequency (topics weighted) as the
    contract's reference reads them, with an expired memory neither a candidate nor counted,
    and another agent scope's memories apart."""
    now = datetime.now(UTC)
    memories = [
        UserMemory(memory="Tea, green tea and more tea in Paris", topics=["tea", "drinks tea"]),
        UserMemory(memory="Coffee in Paris", topics=["coffee"]),
        UserMemory(memory="Hiking", topics=[]),
        UserMemory(memory="Old tea", topics=["tea"], expires_at=now + timedelta(seconds=30)),
    ]
    postgres_db.apply("ava", WriteBatch([AddMemory(m) for m in memories], WriteContext("test")))
    postgres_db.apply(
        "ava",
        WriteBatch([AddMemory(UserMemory(memory="Tea in Paris"))], WriteContext("test")),
        scope=Scope("planner"),
    )
    for scope in (Scope(), Scope(at=now + timedelta(minutes=1)), Scope("planner")):
        found = postgres_db.keyword_candidates("ava", terms, scope=scope)
        read = run_sync(
            MemoryDb._keyword_candidates(postgres_db, BLOCKING, "ava", terms, scope=scope)
        )
        assert (found.documents, found.total_length) == (read.documents, read.total_length)
        mine = sorted(range(len(found.memory_ids)), key=found.memory_ids.__getitem__)
        theirs = sorted(range(len(read.memory_ids)), key=read.memory_ids.__getitem__)
        assert [found.memory_ids[i] for i in mine] == [read.memory_ids[i] for i in theirs]
        assert found.lengths[mine].tolist() == read.lengths[theirs].tolist()
        assert found.recency[mine].argsort().tolist() == read.recency[theirs].argsort().tolist()
        assert found.frequencies.keys() == read.frequencies.keys()
        for term, column in found.frequencies.items():
            assert column[mine].tolist() == read.frequencies[term][theirs].tolist()
    assert postgres_db.keyword_candidates("bob", ["tea"]).documents == 0
