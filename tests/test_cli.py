"""The `memory-agent memories` command: output for people and scripts, and exit codes."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from graphs.cli import main

USER = "john_doe@example.com"


class Cli:
    def __init__(self, db: Path, capsys: pytest.CaptureFixture[str]) -> None:
        self.db, self.capsys = db, capsys

    def __call__(self, *args: str) -> tuple[int, str, str]:
        self.capsys.readouterr()
        code = main(["memories", *args, "--db", str(self.db)])
        out, err = self.capsys.readouterr()
        return code, out, err

    def json(self, *args: str) -> Any:
        code, out, err = self(*args, "--json")
        assert code == 0, err
        return json.loads(out)


@pytest.fixture
def cli(db_file: Path, capsys: pytest.CaptureFixture[str]) -> Cli:
    return Cli(db_file, capsys)


def test_add_list_show_replace_delete(cli: Cli) -> None:
    added = cli.json("add", "The user's name is John", "--topic", "name", "--user", USER)
    memory_id = added["memory_id"]
    [listed] = cli.json("list", "--user", USER)
    assert (listed["memory"], listed["topics"]) == ("The user's name is John", ["name"])
    assert cli.json("show", memory_id, "--user", USER)[0]["memory_id"] == memory_id
    cli.json("replace", memory_id, "The user's name is Jon", "--user", USER)
    code, out, _ = cli("list", "--user", USER)
    assert code == 0
    assert "Jon" in out
    assert memory_id in out
    assert cli.json("delete", memory_id, "--user", USER) == {"deleted": memory_id}
    assert cli.json("list", "--user", USER) == []


def test_search_history_and_clear(cli: Cli) -> None:
    memory_id = cli.json("add", "The user hikes on weekends", "--user", USER)["memory_id"]
    cli.json("add", "The user reads novels", "--user", USER)
    cli.json("add", "The user hikes daily", "--user", "someone-else")
    found = cli.json("search", "hiking", "--user", USER)
    assert [m["memory_id"] for m in found] == [memory_id]
    newest = cli.json("search", "--method", "last_n", "--limit", "1", "--user", USER)
    assert [m["memory"] for m in newest] == ["The user reads novels"]
    history = cli.json("history", memory_id, "--user", USER)
    assert [(e["action"], e["source"]) for e in history] == [("added", "cli")]
    assert cli.json("clear", "--user", USER, "--yes") == {"cleared": 2}
    assert cli.json("list", "--user", "someone-else") != []
    assert cli.json("clear", "--all", "--yes") == {"cleared": 1}
    assert cli("list", "--user", USER) == (0, f"No memories of {USER}.\n", "")
    assert cli("search", "hiking", "--user", USER) == (0, f"No memories of {USER}.\n", "")


def test_export_then_import(cli: Cli, tmp_path: Path) -> None:
    cli.json("add", "The user is John", "--user", USER)
    out = tmp_path / "john.json"
    assert cli("export", "--user", USER, "--out", str(out))[0] == 0
    imported = cli.json("import", str(out), "--user", "copy")
    assert [m["memory_id"] for m in cli.json("list", "--user", "copy")] == imported["imported"]


def test_exit_codes(cli: Cli, tmp_path: Path) -> None:
    assert cli("show", "missing", "--user", USER)[0] == 1
    assert cli("delete", "missing", "--user", USER)[0] == 1
    assert cli("history", "missing", "--user", USER)[0] == 1
    code, _, err = cli("add", "   ", "--user", USER)
    assert code == 2
    assert "at least 1 character" in err
    assert cli("add", "The user skis", "--user", "")[0] == 2
    assert cli("clear")[0] == 2
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    assert cli("import", str(bad), "--user", USER)[0] == 2
    with pytest.raises(SystemExit) as exit_info:
        cli("list")  # --user is required
    assert exit_info.value.code == 2


def test_a_file_that_is_not_a_database_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("hello\n")
    assert main(["memories", "list", "--user", USER, "--db", str(notes)]) == 2
    assert "not a usable SQLite database" in capsys.readouterr().err
    assert notes.read_text() == "hello\n"


def test_the_installed_command_runs(db_file: Path) -> None:
    command = Path(sys.executable).parent / "memory-agent"
    result = subprocess.run(
        [
            str(command),
            "memories",
            "add",
            "The user skis",
            "--user",
            USER,
            "--db",
            str(db_file),
            "--json",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "memory_id" in json.loads(result.stdout)


class TerminalInput(io.StringIO):
    """Standard input as a person at a terminal types it."""

    def isatty(self) -> bool:
        return True


def test_erase_removes_every_trace_of_the_user_only(cli: Cli) -> None:
    cli.json("add", "The user hikes", "--user", USER)
    cli.json("add", "The user reads", "--user", "someone-else")
    erased = cli.json("erase", "--user", USER, "--yes")
    assert erased["memories"] == 1
    assert erased["memory_history"] == 1
    assert set(erased) >= {"session_summaries", "pending_messages", "threads", "checkpoints"}
    assert cli.json("list", "--user", USER) == []
    assert [m["memory"] for m in cli.json("list", "--user", "someone-else")] == ["The user reads"]


@pytest.mark.parametrize(
    "command", [["erase", "--user", USER], ["clear", "--user", USER], ["clear", "--all"]]
)
def test_destructive_commands_in_a_script_need_yes(cli: Cli, command: list[str]) -> None:
    cli.json("add", "The user hikes", "--user", USER)
    code, out, err = cli(*command)
    assert (code, out) == (2, "")
    assert err.count("\n") == 1
    assert "--yes" in err
    assert [m["memory"] for m in cli.json("list", "--user", USER)] == ["The user hikes"]


@pytest.mark.parametrize(("answer", "kept"), [("n\n", ["The user hikes"]), ("y\n", [])])
def test_a_destructive_command_asks_the_person_at_the_terminal(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, answer: str, kept: list[str]
) -> None:
    cli.json("add", "The user hikes", "--user", USER)
    monkeypatch.setattr("sys.stdin", TerminalInput(answer))
    code, out, _ = cli("erase", "--user", USER)
    assert "cannot be undone" in out
    assert code == (1 if kept else 0)
    assert [m["memory"] for m in cli.json("list", "--user", USER)] == kept
