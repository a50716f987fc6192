"""What a person reads from `memory-agent` in an 80- and a 200-column terminal: tables
that fit, id prefixes, one wording for errors and empty results, what writes wrote."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from graphs.cli import main
from graphs.cli.output import working
from graphs.deferred import DEFAULT_DELAY_S
from memory.dedupe import DEFAULT_THRESHOLD
from memory.memory import EXPORT_FORMAT
from tests.fakes import OpenAIServer

USER = "ava"
ALLERGY = (
    "The user is allergic to peanuts and carries an epinephrine pen on every trip, "
    "including ski holidays in the Alps"
)


@pytest.fixture(params=[80, 200])
def columns(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> int:
    width: int = request.param
    monkeypatch.setenv("COLUMNS", str(width))
    return width


class Cli:
    def __init__(self, db: Path, capsys: pytest.CaptureFixture[str]) -> None:
        self.db, self.capsys = db, capsys

    def __call__(self, *args: str) -> tuple[int, str, str]:
        self.capsys.readouterr()
        code = main([*args, "--db", str(self.db)])
        out, err = self.capsys.readouterr()
        return code, out, err

    def json(self, *args: str) -> Any:
        code, out, err = self(*args, "--json")
        assert code == 0, err
        return json.loads(out)

    def add(self, text: str, *args: str) -> str:
        memory_id: str = self.json("memories", "add", text, "--user", USER, *args)["memory_id"]
        return memory_id


@pytest.fixture
def cli(tmp_path: Path, capsys: pytest.CaptureFixture[str], columns: int) -> Cli:
    return Cli(tmp_path / "agent.db", capsys)


def export_file(tmp_path: Path, *memories: tuple[str, str]) -> Path:
    """An export holding memories with the given ids, as `import` reads it."""
    path = tmp_path / "export.json"
    entries = [{"memory_id": memory_id, "memory": text} for memory_id, text in memories]
    path.write_text(json.dumps({"format": EXPORT_FORMAT, "user_id": USER, "memories": entries}))
    return path


def row_text(out: str, start: str) -> str:
    """The words of the table row whose first line starts with `start`, its wrapped lines
    joined: what a person reads across the lines of one row."""
    lines = out.splitlines()
    first = next(n for n, line in enumerate(lines) if line.strip().startswith(start))
    row = [lines[first]]
    for line in lines[first + 1 :]:
        if not line[: len(start) + 2].isspace() or not line.strip():
            break  # the next row, which has an id, or the end of the table
        row.append(line)
    return " ".join(" ".join(line.split()) for line in row)


def test_the_table_fits_and_keeps_the_text_readable(cli: Cli, columns: int) -> None:
    memory_id = cli.add(ALLERGY, "--topic", "health")
    code, out, _ = cli("memories", "list", "--user", USER)
    assert code == 0
    assert all(len(line) <= columns for line in out.splitlines())
    assert memory_id not in out
    row = row_text(out, memory_id[:8])
    assert row.startswith(memory_id[:8] + " ")
    for phrase in ("The user is allergic to peanuts", "ski holidays in the Alps"):
        assert phrase in row  # words stay on lines together, not one per line
    widest = max(len(line.strip()) for line in out.splitlines())
    assert widest > min(columns, 100) * 0.7  # the text takes the room there is
    code, out, _ = cli("memories", "list", "--user", USER, "--full-ids")
    assert memory_id in out
    assert cli.json("memories", "list", "--user", USER)[0]["memory_id"] == memory_id


def test_ids_are_cut_where_they_stay_unique(cli: Cli, tmp_path: Path) -> None:
    path = export_file(
        tmp_path,
        ("0123456789a-one", "The user skis"),
        ("0123456789b-two", "The user swims"),
        ("fedcba9876-three", "The user reads"),
    )
    assert cli("memories", "import", str(path))[0] == 0
    out = cli("memories", "list", "--user", USER)[1]
    ids = [line.split()[0] for line in out.splitlines() if line.strip().startswith(("0", "f"))]
    assert ids == ["0123456789a", "0123456789b", "fedcba9876-"]  # 11 where 8 would clash
    code, out, _ = cli("memories", "show", "fedcba98", "--user", USER)
    assert (code, "The user reads" in out) == (0, True)
    code, out, err = cli("memories", "delete", "0123", "--user", USER)
    assert (code, out) == (2, "")
    assert err == (
        "error: The id 0123 is ambiguous: it starts 2 memories of ava "
        "(0123456789a-one, 0123456789b-two); type more of it.\n"
    )
    assert cli.json("memories", "delete", "0123456789b", "--user", USER) == {
        "deleted": "0123456789b-two"
    }
    cli.json("memories", "replace", "0123456789", "The user skis often", "--user", USER)
    history = cli.json("memories", "history", "0123456789", "--user", USER)
    assert [event["new_memory"] for event in history] == ["The user skis", "The user skis often"]


def test_another_users_ids_are_not_reached_by_prefix(cli: Cli) -> None:
    theirs = cli.json("memories", "add", "Bo skis", "--user", "bo")["memory_id"]
    code, _, err = cli("memories", "show", theirs[:8], "--user", USER)
    assert code == 1
    assert err == (
        f"error: No memory {theirs[:8]} of ava: memory-agent memories list --user ava "
        "shows the ids.\n"
    )


@pytest.mark.parametrize(
    ("argv", "sentence"),
    [
        (
            ["memories", "list", "--user", USER, "--since", "2025-03-02", "--until", "2025-03-01"],
            "--since 2025-03-02 00:00 is not before --until 2025-03-01 00:00: give a --since "
            "earlier than --until.",
        ),
        (
            ["memories", "search", "winter", "--user", USER, "--method", "semantic"],
            "--method semantic needs embeddings: add --embeddings hash (or set "
            "$MEMORY_AGENT_EMBEDDINGS), or use --method keyword or hybrid.",
        ),
        (
            ["memories", "add", "x" * 2001, "--user", USER],
            "The memory text is 2001 characters long, over the 2000 allowed: shorten it.",
        ),
        (["memories", "clear"], "Name exactly one of --user U or --all."),
        (
            ["memories", "list", "--user", USER, "--embeddings", "bogus"],
            "--embeddings bogus is not an embedding model: give hash, openai:MODEL, or "
            "module:attribute naming a LangChain Embeddings.",
        ),
        (
            ["ask", "  ", "--user", USER, "--model", "anthropic:claude-sonnet-4-5"],
            'The message is empty: give ask something to say, e.g. ask "Hello".',
        ),
    ],
)
def test_each_error_is_one_sentence_naming_the_option(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, argv: list[str], sentence: str
) -> None:
    monkeypatch.delenv("MEMORY_AGENT_EMBEDDINGS", raising=False)
    cli.add("The user skis")
    code, out, err = cli(*argv)
    assert (code, out) == (2, "")
    assert err == f"error: {sentence}\n"


def test_a_missing_provider_package_is_added_with_uv(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "langchain_anthropic", None)  # as if not installed
    code, _, err = cli("ask", "hi", "--user", USER, "--model", "anthropic:claude-sonnet-4-5")
    assert code == 2
    assert err.startswith(
        "error: Cannot use the model 'anthropic:claude-sonnet-4-5': it needs the "
        "langchain-anthropic package: uv add langchain-anthropic.\n"
    )
    assert "pip install" not in err


@pytest.mark.parametrize("action", ["list", "search", "show", "history", "export", "summaries"])
def test_reading_where_there_is_no_database_creates_none(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], columns: int, action: str
) -> None:
    missing = tmp_path / "typo.db"
    argv = ["memories", action, *(["some-id"] if action in ("show", "history") else [])]
    assert main([*argv, "--user", USER, "--db", str(missing)]) == 2
    assert capsys.readouterr().err == (
        f"error: There is no database at {missing}: check --db (or $MEMORY_AGENT_DB), "
        "or add a memory first.\n"
    )
    assert not missing.exists()


def test_empty_results_say_so_the_same_way(cli: Cli) -> None:
    cli.add("The user skis")  # ava's: bo has none
    expected = {
        ("memories", "list"): "No memories of bo.\n",
        ("memories", "summaries"): "No session summaries of bo.\n",
        ("memories", "dedupe"): "No near-duplicate memories of bo.\n",
        ("memories", "search", "--method", "last_n"): "No memories of bo.\n",
    }
    for argv, sentence in expected.items():
        assert cli(*argv, "--user", "bo") == (0, sentence, "")


def test_export_and_import_say_what_they_wrote(cli: Cli, tmp_path: Path) -> None:
    cli.add("The user skis")
    cli.add("The user reads novels")
    out_file = tmp_path / "ava.json"
    assert cli("memories", "export", "--user", USER, "--out", str(out_file)) == (
        0,
        f"Exported 2 memories of ava to {out_file}.\n",
        "",
    )
    assert cli("memories", "import", str(out_file), "--user", "copy")[1] == (
        "Imported into copy: 2 added, 0 updated, 0 unchanged.\n"
    )
    histories = {
        m["memory_id"]: cli.json("memories", "history", m["memory_id"], "--user", "copy")
        for m in cli.json("memories", "list", "--user", "copy")
    }
    assert cli("memories", "import", str(out_file), "--user", "copy")[1] == (
        "Imported into copy: 0 added, 0 updated, 2 unchanged.\n"
    )
    for memory_id, history in histories.items():
        assert cli.json("memories", "history", memory_id, "--user", "copy") == history
    data = json.loads(out_file.read_text())
    data["memories"][0]["memory"] = "The user skis every winter"
    out_file.write_text(json.dumps(data))
    assert cli.json("memories", "import", str(out_file), "--user", "copy")["updated"] == [
        data["memories"][0]["memory_id"]
    ]


def test_search_shows_its_method_and_scores(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MEMORY_AGENT_EMBEDDINGS", raising=False)
    cli.add("The user skis in the Alps every winter")
    cli.add("The user reads novels")
    code, out, _ = cli("memories", "search", "skis winter", "--user", USER)
    assert code == 0
    assert "memories of ava, by keyword search" in out
    assert "score" in out.split("\n")[2]
    [found] = cli.json("memories", "search", "skis winter", "--user", USER)
    assert found["method"] == "keyword"
    assert found["score"] > 0
    assert f"{found['score']:.3g}" in out
    hybrid = cli.json(
        "memories", "search", "skiing", "--user", USER, "--embeddings", "hash", "--method", "hybrid"
    )
    assert {row["method"] for row in hybrid} == {"hybrid"}


def test_keyword_search_that_cannot_match_says_which_search_would(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MEMORY_AGENT_EMBEDDINGS", raising=False)
    cli.add("The user skis in the Alps")
    code, out, err = cli("memories", "search", "winter sports", "--user", USER)
    assert (code, err) == (0, "")
    assert " ".join(out.split()) == (
        "No memories of ava with the words of 'winter sports'. Search by meaning finds "
        "related ones: add --embeddings hash (or set $MEMORY_AGENT_EMBEDDINGS) and run "
        "memory-agent memories reembed --user ava once."
    )


def test_help_names_the_defaults_the_library_uses(capsys: pytest.CaptureFixture[str]) -> None:
    for argv, default in [
        (["memories", "dedupe", "--help"], f"(default {DEFAULT_THRESHOLD})"),
        (["chat", "--help"], f"(default: {DEFAULT_DELAY_S:g})"),
    ]:
        with pytest.raises(SystemExit):
            main(argv)
        assert default in " ".join(capsys.readouterr().out.split())


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_scripts_are_generated_for_each_shell(shell: str) -> None:
    register = Path(sys.executable).parent / "register-python-argcomplete"
    script = subprocess.run(
        [str(register), "--shell", shell, "memory-agent"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "memory-agent" in script
    assert "_ARGCOMPLETE" in script


def test_completion_completes_commands_and_options(tmp_path: Path) -> None:
    """What the shell asks the command when Tab is pressed after `memory-agent memories l`."""
    command = Path(sys.executable).parent / "memory-agent"
    answers = tmp_path / "completions"
    line = "memory-agent memories l"
    env = os.environ | {
        "_ARGCOMPLETE": "1",
        "_ARGCOMPLETE_IFS": "\n",
        "COMP_LINE": line,
        "COMP_POINT": str(len(line)),
        "_ARGCOMPLETE_STDOUT_FILENAME": str(answers),
    }
    subprocess.run([str(command)], env=env, check=True, capture_output=True)
    assert answers.read_text().split() == ["list"]
    line = "memory-agent memories search --me"
    env |= {"COMP_LINE": line, "COMP_POINT": str(len(line))}
    subprocess.run([str(command)], env=env, check=True, capture_output=True)
    assert answers.read_text().split() == ["--method"]


def test_chat_commands_take_id_prefixes_and_explain_themselves(
    cli: Cli, openai_server: OpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", openai_server.url + "/v1")
    tea = cli.add("The user drinks green tea")
    said = ["/forget", f"/forget {tea[:8]}", f"/forget {tea[:8]}", "/summary", "/memories"]
    monkeypatch.setattr("sys.stdin", io.StringIO("\n".join(said) + "\n"))
    code, out, _ = cli("chat", "--user", USER)
    assert code == 0
    replies = [" ".join(part.split()) for part in out.split("you> ")[1:]]
    assert replies == [
        "Say which memory: /forget ID, with an id from /memories.",
        f"Forgot {tea}.",
        f"No memory {tea[:8]}: /memories lists them.",
        "Session summaries are off: start the chat with --session-summaries to keep one.",
        "No memories of ava.",
        "",
    ]
    assert openai_server.requests == []  # none of this asked the model


def test_a_failed_write_is_one_sentence_and_the_details_go_to_the_verbose_log(
    cli: Cli, tmp_path: Path
) -> None:
    cli.add("The user skis")
    folder = tmp_path / "a-folder"
    folder.mkdir()
    code, out, err = cli("memories", "export", "--user", USER, "--out", str(folder))
    assert (code, out) == (2, "")
    assert err == f"error: Cannot use {folder}: Is a directory.\n"
    code, _, err = cli("-v", "memories", "export", "--user", USER, "--out", str(folder))
    assert code == 2
    assert "Traceback" in err
    assert err.endswith(f"error: Cannot use {folder}: Is a directory.\n")


def test_help_loads_no_command_module() -> None:
    """`memory-agent --help` loads neither LangChain nor the library."""
    probe = (
        "import sys\n"
        "from graphs.cli import build_parser\n"
        "build_parser().format_help()\n"
        "print(sorted({name.split('.')[0] for name in sys.modules}))\n"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout
    for heavy in ("langchain", "langchain_core", "langgraph", "memory", "pydantic"):
        assert f"'{heavy}'" not in loaded


def test_an_invalid_memory_in_an_import_file_is_one_sentence(cli: Cli, tmp_path: Path) -> None:
    path = export_file(tmp_path, ("m1", "The user skis"), ("m2", "x" * 2001))
    code, out, err = cli("memories", "import", str(path))
    assert (code, out) == (2, "")
    assert err == (
        "error: Import data holds an invalid memory: The memory text is 2001 characters "
        "long, over the 2000 allowed: shorten it.\n"
    )


def test_long_work_shows_a_bar_on_a_terminal_and_nothing_on_a_pipe() -> None:
    for terminal in (True, False):
        screen = io.StringIO()
        with working("importing...", Console(file=screen, force_terminal=terminal, width=80)):
            pass
        assert ("importing..." in screen.getvalue()) is terminal


@pytest.mark.parametrize(
    ("argv", "sentence"),
    [
        (["search", "ski", "--limit", "0"], "argument --limit: give a whole number of 1 or more"),
        (["dedupe", "--threshold", "2"], "argument --threshold: give a number above 0 and at most"),
        (["list", "--user", " "], "argument --user: must not be empty"),
    ],
)
def test_a_refused_option_value_is_named_by_argparse(
    cli: Cli, argv: list[str], sentence: str
) -> None:
    with pytest.raises(SystemExit) as refused:
        cli("memories", *argv, *([] if "--user" in argv else ["--user", USER]))
    assert refused.value.code == 2
    assert sentence in cli.capsys.readouterr().err
