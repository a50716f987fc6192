"""Importing an Agno app's memories: both layouts, SQLite and PostgreSQL, bad rows, re-runs."""

from __future__ import annotations

import ast
import json
import os
import sqlite3
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql

from graphs.cli import main
from memory import (
    InvalidInputError,
    Memory,
    MemoryDbError,
    SqliteMemoryDb,
    import_agno_memories,
)
from memory.agno import MAX_LITERAL_CHARS
from memory.schema import MAX_MEMORY_CHARS, MAX_USER_ID_CHARS
from tests.agno_tables import (
    AGNO1_POSTGRES,
    AGNO1_SQLITE,
    AGNO2_POSTGRES,
    AGNO2_SQLITE,
    agno1_memory,
    agno1_row,
    agno2_row,
    postgres_table,
    sqlite_table,
    utc_text,
)
from tests.conftest import POSTGRES_URL, MemoryFactory

AVA, BOB = "ava@example.com", "bob"
CREATED = datetime(2024, 3, 1, 9, 30, tzinfo=UTC)
UPDATED = datetime(2024, 4, 2, 18, 5, tzinfo=UTC)


def agno1_rows() -> list[dict[str, Any]]:
    """Ava's name (with topics, input and times), her skiing, and Bob's city."""
    name = agno1_memory(
        "The user's name is Ava",
        topics=["name"],
        input="Hi, I'm Ava",
        last_updated="2024-04-02T20:05:00",
        memory_id="m-ava-1",
    )
    return [
        agno1_row("m-ava-1", AVA, name, created_at=utc_text(CREATED), updated_at=utc_text(UPDATED)),
        agno1_row("m-ava-2", AVA, agno1_memory("The user likes to ski", topics=["hobbies"])),
        agno1_row("m-bob-1", BOB, agno1_memory("The user lives in Oslo")),
    ]


def agno2_rows() -> list[dict[str, Any]]:
    return [
        agno2_row(
            "m-ava-1",
            AVA,
            "The user's name is Ava",
            topics=["name"],
            input="Hi, I'm Ava",
            agent_id="assistant",
            created_at=int(CREATED.timestamp()),
            updated_at=int(UPDATED.timestamp()),
        ),
        agno2_row("m-ava-2", AVA, "The user likes to ski", topics=["hobbies"]),
        agno2_row("m-bob-1", BOB, "The user lives in Oslo"),
    ]


LAYOUTS = {
    "Agno 1.x memory v2": (AGNO1_SQLITE, agno1_rows),
    "Agno 2.x": (AGNO2_SQLITE, agno2_rows),
}


@pytest.fixture(params=list(LAYOUTS))
def agno_file(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    """An Agno app's SQLite file, in each layout, holding the memories above."""
    ddl, rows = LAYOUTS[request.param]
    return sqlite_table(tmp_path / "agno.db", ddl, rows())


def texts(memory: Memory, user: str) -> list[str]:
    return [m.memory for m in memory.get_user_memories(user)]


def assert_ava_kept(memory: Memory) -> None:
    name, ski = memory.get_user_memories(AVA)
    assert (name.memory_id, name.memory, name.topics, name.input) == (
        "m-ava-1",
        "The user's name is Ava",
        ["name"],
        "Hi, I'm Ava",
    )
    assert (name.created_at, name.updated_at) == (CREATED, UPDATED)
    assert (ski.memory_id, ski.memory, ski.topics, ski.input) == (
        "m-ava-2",
        "The user likes to ski",
        ["hobbies"],
        None,
    )
    assert [(m.memory_id, m.memory) for m in memory.get_user_memories(BOB)] == [
        ("m-bob-1", "The user lives in Oslo")
    ]


def test_both_layouts_keep_ids_users_text_topics_input_and_times(
    agno_file: Path, memory: Memory
) -> None:
    report = import_agno_memories(agno_file, memory)
    assert report.imported == {AVA: ["m-ava-1", "m-ava-2"], BOB: ["m-bob-1"]}
    assert (report.already_present, report.refused, report.other_tables) == ([], [], [])
    assert_ava_kept(memory)
    [event] = memory.get_memory_history("m-bob-1", BOB)
    assert (event.action, event.source) == ("added", "import")


def test_a_rerun_imports_nothing_twice(agno_file: Path) -> None:
    memory = Memory()
    import_agno_memories(agno_file, memory)
    before = {user: memory.get_user_memories(user) for user in (AVA, BOB)}
    again = import_agno_memories(agno_file, memory)
    assert again.imported == {}
    assert again.refused == []
    assert [(row.row, row.user_id, row.reason) for row in again.already_present] == [
        ("m-ava-1", AVA, "already imported"),
        ("m-ava-2", AVA, "already imported"),
        ("m-bob-1", BOB, "already imported"),
    ]
    assert {user: memory.get_user_memories(user) for user in (AVA, BOB)} == before
    assert len(memory.get_memory_history("m-ava-1", AVA)) == 1


def test_a_fact_the_user_already_has_is_not_added_again(tmp_path: Path) -> None:
    memory = Memory()
    mine = memory.add_user_memory("The user likes to SKI.", AVA)
    later = agno2_row("m-ava-3", AVA, "the user's name is Ava!", created_at=1_800_000_000)
    agno = sqlite_table(tmp_path / "a.db", AGNO2_SQLITE, [later, *agno2_rows()])
    report = import_agno_memories(agno, memory)
    assert report.imported == {AVA: ["m-ava-1"], BOB: ["m-bob-1"]}  # of two, the older
    assert [(row.row, row.reason) for row in report.already_present] == [
        ("m-ava-2", f"the user already has this memory as {mine}"),
        ("m-ava-3", "the user already has this memory as m-ava-1"),
    ]
    assert texts(memory, AVA) == ["The user's name is Ava", "The user likes to SKI."]


def test_a_literal_that_would_run_code_is_refused_and_runs_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ran: list[str] = []
    monkeypatch.setattr(os, "system", ran.append)
    marker = tmp_path / "pwned"
    attack = f"__import__('os').system('touch {marker}')"
    compile(attack, "row", "eval")  # a valid expression: Agno's eval() would run it
    rows = [
        *agno1_rows(),
        agno1_row("m-evil-1", AVA, attack),
        agno1_row("m-evil-2", AVA, "{'memory': " + attack + ", 'topics': []}"),
        agno1_row("m-evil-3", AVA, "{'memory': 'x'}.__class__.__base__.__subclasses__()"),
    ]
    report = import_agno_memories(sqlite_table(tmp_path / "a.db", AGNO1_SQLITE, rows), Memory())
    assert ran == []
    assert not marker.exists()
    assert [row.row for row in report.refused] == ["m-evil-1", "m-evil-2", "m-evil-3"]
    for row in report.refused:
        assert row.user_id == AVA
        assert row.reason.startswith(
            "memory is not a plain Python literal, so it was not evaluated"
        )
    assert report.imported == {AVA: ["m-ava-1", "m-ava-2"], BOB: ["m-bob-1"]}


def test_bad_rows_are_reported_by_id_and_the_rest_imported(tmp_path: Path) -> None:
    rows = [
        *agno1_rows(),
        agno1_row("no-user", None, agno1_memory("The user is nobody")),
        agno1_row("blank-user", "", agno1_memory("The user is blank")),
        agno1_row("control-user", "ava\x07", agno1_memory("The user rings a bell")),
        agno1_row("long-user", "u" * (MAX_USER_ID_CHARS + 1), agno1_memory("The user is long")),
        agno1_row("empty", AVA, agno1_memory("   ")),
        agno1_row("no-text", AVA, {"topics": ["name"]}),
        agno1_row("too-long", AVA, agno1_memory("x" * (MAX_MEMORY_CHARS + 1))),
        agno1_row("bad-topics", AVA, agno1_memory("The user reads", topics="books")),
        agno1_row("malformed", AVA, "{'memory': 'The user is cut off"),
        agno1_row("a-list", AVA, "['The user likes lists']"),
        agno1_row("bad-time", AVA, agno1_memory("The user is late"), created_at="yesterday"),
        agno1_row("", AVA, agno1_memory("The user has no id")),
        agno1_row("huge", AVA, "[" + "0, " * MAX_LITERAL_CHARS + "]"),
        agno1_row("deep", AVA, "[" * 1000 + "]" * 1000),
        agno1_row("bytes", AVA, b"{'memory': 'The user is binary'}"),
    ]
    memory = Memory()
    report = import_agno_memories(sqlite_table(tmp_path / "a.db", AGNO1_SQLITE, rows), memory)
    reasons = {row.row: row.reason for row in report.refused}
    assert reasons == {
        "no-user": "no user id",
        "blank-user": "no user id",
        "control-user": "refused: user_id must not contain control characters or lone surrogates",
        "long-user": f"refused: user_id is longer than {MAX_USER_ID_CHARS} characters",
        "empty": "empty memory",
        "no-text": "empty memory",
        "too-long": reasons["too-long"],
        "bad-topics": reasons["bad-topics"],
        "malformed": reasons["malformed"],
        "a-list": "memory is a list, not Agno's dict of a memory",
        "bad-time": "created_at is not a time: 'yesterday'",
        **{row: "no memory id" for row in reasons if row.startswith("row ")},
        "huge": f"memory is longer than {MAX_LITERAL_CHARS} characters; not parsed",
        "deep": reasons["deep"],
        "bytes": "memory is a bytes, not a Python literal",
    }
    assert len(reasons) == 15  # the row without an id is named by its place: "row N"
    assert reasons["deep"].startswith("memory is not a plain Python literal")
    assert reasons["too-long"].startswith(
        f"refused: memory: String should have at most {MAX_MEMORY_CHARS}"
    )
    assert reasons["bad-topics"].startswith("refused: topics: Input should be a valid list")
    assert reasons["malformed"].startswith("memory is not a plain Python literal")
    assert report.imported == {AVA: ["m-ava-1", "m-ava-2"], BOB: ["m-bob-1"]}
    assert_ava_kept(memory)


def test_bad_agno2_rows(tmp_path: Path) -> None:
    rows = [
        *agno2_rows(),
        agno2_row("no-user", None, "The user is nobody"),
        agno2_row("empty", AVA, ""),
        {**agno2_row("not-json", AVA, "x"), "memory": "The user wrote plain text"},
        {**agno2_row("bad-topics", AVA, "The user reads"), "topics": "[books"},
    ]
    report = import_agno_memories(sqlite_table(tmp_path / "a.db", AGNO2_SQLITE, rows), Memory())
    assert {row.row: row.reason.split(" (")[0] for row in report.refused} == {
        "no-user": "no user id",
        "empty": "empty memory",
        "not-json": "memory is not JSON",
        "bad-topics": "topics is not JSON",
    }
    assert report.imported == {AVA: ["m-ava-1", "m-ava-2"], BOB: ["m-bob-1"]}


def test_a_user_whose_batch_fails_gets_nothing_and_the_others_are_imported(
    agno_file: Path, tmp_path: Path
) -> None:
    target = tmp_path / "ours.db"
    SqliteMemoryDb(db_file=target).close()
    with sqlite3.connect(target) as conn:  # the store fails on Ava's second memory
        conn.execute(
            "CREATE TRIGGER fail BEFORE INSERT ON user_memories"
            " WHEN NEW.memory = 'The user likes to ski'"
            " BEGIN SELECT RAISE(ABORT, 'disk full'); END"
        )
    conn.close()
    with Memory(db=SqliteMemoryDb(db_file=target)) as memory:
        report = import_agno_memories(agno_file, memory)
        assert report.imported == {BOB: ["m-bob-1"]}
        assert [row.row for row in report.refused] == ["m-ava-1", "m-ava-2"]
        for row in report.refused:
            assert row.reason.startswith("nothing of this user's was written: ")
            assert row.reason.endswith("disk full")
        assert memory.get_user_memories(AVA) == []  # not even the first of the batch


def test_one_user_only(agno_file: Path) -> None:
    memory = Memory()
    report = import_agno_memories(agno_file, memory, user_id=BOB)
    assert report.imported == {BOB: ["m-bob-1"]}
    assert memory.get_user_memories(AVA) == []


def test_the_source_is_only_read(agno_file: Path) -> None:
    before = agno_file.read_bytes()
    import_agno_memories(agno_file, Memory())
    assert agno_file.read_bytes() == before


def test_sqlalchemy_urls_and_named_tables(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    sqlite_table(tmp_path / "app.db", AGNO1_SQLITE, agno1_rows(), table="user_memories")
    memory = Memory()
    report = import_agno_memories("sqlite:///app.db", memory, table="user_memories")
    assert (report.table, report.layout) == ("user_memories", "Agno 1.x memory v2")
    assert_ava_kept(memory)
    absolute = import_agno_memories(f"sqlite:///{tmp_path / 'app.db'}", memory, "user_memories")
    assert len(absolute.already_present) == 3


def test_with_both_layouts_the_2x_table_is_read_and_the_other_named(tmp_path: Path) -> None:
    path = sqlite_table(tmp_path / "a.db", AGNO1_SQLITE, agno1_rows())
    sqlite_table(path, AGNO2_SQLITE, agno2_rows()[:1])
    memory = Memory()
    report = import_agno_memories(path, memory)
    assert (report.table, report.layout) == ("agno_memories", "Agno 2.x")
    assert report.other_tables == ["memory"]
    assert report.imported == {AVA: ["m-ava-1"]}
    rest = import_agno_memories(path, memory, table="memory")
    assert rest.imported == {AVA: ["m-ava-2"], BOB: ["m-bob-1"]}
    assert [row.row for row in rest.already_present] == ["m-ava-1"]


def test_sources_that_are_not_agno_databases(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("hello\n")
    ours = tmp_path / "ours.db"
    SqliteMemoryDb(db_file=ours).close()
    agno = sqlite_table(tmp_path / "agno.db", AGNO2_SQLITE, agno2_rows())
    with sqlite3.connect(agno) as conn:
        conn.execute("CREATE TABLE notes (id TEXT, note TEXT)")
    conn.close()
    cases: list[tuple[str | Path, str | None, str]] = [
        (notes, None, "is not an Agno database: not SQLite"),
        (ours, None, "is not an Agno database: it has no Agno memory table"),
        (tmp_path / "missing.db", None, "no such file"),
        (agno, "nope", "has no table 'nope'"),
        (agno, "notes", "'notes' is not an Agno memory table"),
        ("mysql://localhost/agno", None, "cannot read an Agno database from mysql://"),
    ]
    memory = Memory()
    for source, table, message in cases:
        with pytest.raises(InvalidInputError, match=message):
            import_agno_memories(source, memory, table)
    assert notes.read_text() == "hello\n"
    assert not (tmp_path / "missing.db").exists()
    with pytest.raises(InvalidInputError):
        import_agno_memories(agno, memory, user_id="")


def test_an_unreachable_postgres_is_a_db_error() -> None:
    with pytest.raises(
        MemoryDbError, match=r"cannot connect to postgresql://ai:\*\*\*@127.0.0.1:1/"
    ):
        import_agno_memories("postgresql+psycopg://ai:secret@127.0.0.1:1/ai", Memory())


# -- PostgreSQL ---------------------------------------------------------------


@pytest.fixture(scope="module")
def agno_database() -> Iterator[str]:
    """A database of its own, dropped after the module: Agno puts tables in schema `ai`."""
    try:
        admin = psycopg.connect(POSTGRES_URL, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as error:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"no PostgreSQL at {POSTGRES_URL}: {error}")
    name = f"agno_import_{uuid.uuid4().hex[:12]}"
    with admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        try:
            yield f"{POSTGRES_URL.rsplit('/', 1)[0]}/{name}"
        finally:
            admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture
def agno_postgres(agno_database: str) -> Iterator[psycopg.Connection[Any]]:
    """A connection to it with an empty `ai` schema."""
    with psycopg.connect(agno_database, autocommit=True) as conn:
        conn.execute("DROP SCHEMA IF EXISTS ai CASCADE")
        conn.execute("CREATE SCHEMA ai")
        yield conn


def pg_agno1_rows() -> list[dict[str, Any]]:
    """The same memories as PostgresMemoryDb stores them: the dict as JSONB, times as
    timestamptz."""
    return [
        {**row, "memory": ast.literal_eval(row["memory"]), **pg_times(row)} for row in agno1_rows()
    ]


def pg_times(row: dict[str, Any]) -> dict[str, Any]:
    return {c: f"{row[c]}+00" for c in ("created_at", "updated_at") if c in row}


@pytest.mark.parametrize(
    ("ddl", "rows"), [(AGNO1_POSTGRES, pg_agno1_rows), (AGNO2_POSTGRES, agno2_rows)]
)
def test_postgres_in_both_layouts(
    agno_database: str,
    agno_postgres: psycopg.Connection[Any],
    ddl: str,
    rows: Any,
) -> None:
    postgres_table(agno_postgres, ddl, "ai", [*rows(), {**rows()[0], **_no_user(ddl)}])
    memory = Memory()
    url = agno_database.replace("postgresql://", "postgresql+psycopg://")
    report = import_agno_memories(url, memory)
    assert report.table in ("ai.memory", "ai.agno_memories")
    assert report.imported == {AVA: ["m-ava-1", "m-ava-2"], BOB: ["m-bob-1"]}
    assert [(row.row, row.reason) for row in report.refused] == [("no-user", "no user id")]
    assert_ava_kept(memory)
    again = import_agno_memories(agno_database, memory)
    assert (again.imported, len(again.already_present)) == ({}, 3)


def _no_user(ddl: str) -> dict[str, Any]:
    id_column = "id" if ddl is AGNO1_POSTGRES else "memory_id"
    return {id_column: "no-user", "user_id": None}


def test_postgres_schema_and_table_by_name(
    agno_database: str, agno_postgres: psycopg.Connection[Any]
) -> None:
    agno_postgres.execute("CREATE SCHEMA IF NOT EXISTS agno_app")
    postgres_table(agno_postgres, AGNO2_POSTGRES, "agno_app", agno2_rows())
    memory = Memory()
    with pytest.raises(InvalidInputError, match="no Agno memory table"):
        import_agno_memories(agno_database, memory)
    report = import_agno_memories(agno_database, memory, "agno_app.agno_memories", user_id=BOB)
    assert (report.table, report.imported) == ("agno_app.agno_memories", {BOB: ["m-bob-1"]})
    with pytest.raises(InvalidInputError, match=r"has no table 'ai\.agno_memories'"):
        import_agno_memories(agno_database, memory, "ai.agno_memories")


# -- the command ----------------------------------------------------------------


def run_import(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["memories", "import", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_command_imports_then_imports_nothing_twice(
    agno_file: Path, db_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_import(capsys, "--from-agno", str(agno_file), "--db", str(db_file))
    assert (code, err) == (0, "")
    layout = "Agno 2.x" if "agno_memories" in out else "Agno 1.x memory v2"
    assert f"({layout})" in out
    assert f"{AVA}: imported 2" in out
    assert f"{BOB}: imported 1" in out
    code, out, err = run_import(capsys, "--from-agno", str(agno_file), "--db", str(db_file))
    assert (code, err) == (0, "")
    assert f"{AVA}: imported 0, already here 2" in out
    with Memory(db=SqliteMemoryDb(db_file=db_file)) as memory:
        assert_ava_kept(memory)


def test_command_reports_bad_rows_and_exits_1(
    tmp_path: Path, db_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [*agno1_rows(), agno1_row("m-evil", AVA, "__import__('os').getcwd()")]
    agno = sqlite_table(tmp_path / "agno.db", AGNO1_SQLITE, rows)
    code, out, err = run_import(capsys, "--from-agno", str(agno), "--db", str(db_file), "--json")
    assert code == 1
    report = json.loads(out)
    assert report["imported"] == {AVA: ["m-ava-1", "m-ava-2"], BOB: ["m-bob-1"]}
    [refused] = report["refused"]
    assert (refused["row"], refused["user_id"]) == ("m-evil", AVA)
    assert "1 Agno row was not imported" in err
    code, out, _ = run_import(capsys, "--from-agno", str(agno), "--db", str(db_file))
    assert code == 1
    assert f"m-evil (user {AVA!r}): memory is not a plain Python literal" in out


def test_command_usage_errors_exit_2(
    agno_file: Path, tmp_path: Path, db_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("hello\n")
    exported = tmp_path / "ava.json"
    exported.write_text("{}")
    for args, message in [
        (["--from-agno", str(notes)], "not an Agno database"),
        (["--from-agno", str(agno_file), "--table", "nope"], "has no table 'nope'"),
        ([str(exported), "--from-agno", str(agno_file)], "Name a file made by export"),
        ([], "Name a file made by export"),
    ]:
        code, _, err = run_import(capsys, *args, "--db", str(db_file))
        assert code == 2, args
        assert message in err
    with Memory(db=SqliteMemoryDb(db_file=db_file)) as memory:
        assert memory.db.user_ids() == []


def test_command_names_a_second_agno_table(
    tmp_path: Path, db_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    agno = sqlite_table(tmp_path / "agno.db", AGNO1_SQLITE, agno1_rows())
    sqlite_table(agno, AGNO2_SQLITE, agno2_rows())
    code, out, _ = run_import(capsys, "--from-agno", str(agno), "--db", str(db_file))
    assert code == 0
    assert "table agno_memories (Agno 2.x)" in out
    assert "also found Agno memory table memory: import it with --table memory" in out


def test_command_one_user_into_the_default_table(
    agno_file: Path, db_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["--from-agno", str(agno_file), "--user", BOB, "--db", str(db_file), "--json"]
    code, out, _ = run_import(capsys, *args)
    assert code == 0
    assert json.loads(out)["imported"] == {BOB: ["m-bob-1"]}
    with Memory(db=SqliteMemoryDb(table_name="user_memories", db_file=db_file)) as memory:
        assert [m.memory_id for m in memory.get_user_memories(BOB)] == ["m-bob-1"]
        assert memory.get_user_memories(AVA) == []


# -- rows that broke whole imports: each is now one skipped, reported row ------------


def test_rows_a_probe_found_are_skipped_one_by_one(
    tmp_path: Path, new_memory: MemoryFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    """A year-1 time with an offset, JSON nested too deeply and text that is not UTF-8
    each skip their row; the other rows are imported and nothing stored is lost."""
    memory = new_memory()
    memory.add_user_memory("The user likes tea", BOB)
    path = sqlite_table(
        tmp_path / "agno.db",
        AGNO2_SQLITE,
        [
            *agno2_rows(),
            agno2_row("m-year-1", AVA, "The user was born long ago"),
            agno2_row("m-nested", AVA, "The user nests", topics=None),
        ],
    )
    with sqlite3.connect(path) as conn:
        conn.execute(
            "UPDATE agno_memories SET created_at = ? WHERE memory_id = 'm-year-1'",
            ["0001-01-01T00:00:00+05:00"],
        )
        conn.execute(
            "UPDATE agno_memories SET topics = ? WHERE memory_id = 'm-nested'", ["[" * 100_000]
        )
        conn.execute(
            "INSERT INTO agno_memories (memory_id, user_id, memory, created_at) "
            "VALUES ('m-latin-1', ?, CAST(? AS TEXT), 1709285400)",
            [AVA, b'"The user lives in Z\xfcrich"'],
        )
    conn.close()
    report = import_agno_memories(path, memory)
    assert report.imported == {AVA: ["m-ava-1", "m-ava-2"], BOB: ["m-bob-1"]}
    reasons = {row.row: row.reason for row in report.refused}
    assert reasons.keys() == {"m-year-1", "m-nested", "m-latin-1"}
    assert "outside what UTC can hold" in reasons["m-year-1"]
    assert "nested too deeply" in reasons["m-nested"]
    assert reasons["m-latin-1"] == "memory is not valid UTF-8 text"
    assert "The user likes tea" in [m.memory for m in memory.get_user_memories(BOB)]


def test_a_postgres_time_before_year_1_skips_its_row(
    agno_database: str, agno_postgres: psycopg.Connection[Any]
) -> None:
    rows = pg_agno1_rows()
    rows.append({**rows[0], "id": "m-bc", "created_at": "0001-01-01 00:00:00+05"})
    postgres_table(agno_postgres, AGNO1_POSTGRES, "ai", rows)
    memory = Memory()
    report = import_agno_memories(agno_database, memory)
    assert report.imported == {AVA: ["m-ava-1", "m-ava-2"], BOB: ["m-bob-1"]}
    [refused] = report.refused
    assert refused.row == "m-bc"
    assert refused.reason.startswith("created_at is not a time")


def test_an_import_that_skipped_rows_exits_1_and_one_that_read_nothing_exits_2(
    tmp_path: Path, db_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [*agno2_rows(), agno2_row("m-nested", AVA, "The user nests")]
    agno = sqlite_table(tmp_path / "agno.db", AGNO2_SQLITE, rows)
    with sqlite3.connect(agno) as conn:
        conn.execute(
            "UPDATE agno_memories SET topics = ? WHERE memory_id = 'm-nested'", ["[" * 100_000]
        )
    conn.close()
    code, out, err = run_import(capsys, "--from-agno", str(agno), "--db", str(db_file))
    assert code == 1
    assert "m-nested" in out
    assert "1 Agno row was not imported" in err
    code, _, _ = run_import(capsys, "--from-agno", str(tmp_path / "none.db"), "--db", str(db_file))
    assert code == 2
