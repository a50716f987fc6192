"""`memory-agent chat`, `ask` and `demo` through the real OpenAI client and a fake OpenAI API."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from graphs.cli import main
from graphs.cli.demo import AVA_SAYS
from memory import HashEmbeddings, Memory, SqliteMemoryDb
from memory.db.base import MissingVectors
from memory.testing import tool_call, tool_calls
from tests.fakes import HTTPFault, OpenAIServer
from tests.fakes._scripted_server import count_tokens, split_tokens

AVA = "ava"


@pytest.fixture
def server(openai_server: OpenAIServer, monkeypatch: pytest.MonkeyPatch) -> OpenAIServer:
    """The fake server as `openai:gpt-4.1-mini` reaches it: through OPENAI_BASE_URL."""
    monkeypatch.setenv("OPENAI_BASE_URL", openai_server.url + "/v1")
    monkeypatch.delenv("MEMORY_AGENT_MODEL", raising=False)
    return openai_server


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "agent.db"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def stored(db: Path, user: str) -> list[str]:
    with Memory(db=SqliteMemoryDb(db_file=db)) as memory:
        return [m.memory for m in memory.get_user_memories(user)]


def sent(server: OpenAIServer, request: int) -> list[dict[str, str]]:
    messages: list[dict[str, str]] = server.requests[request].body["messages"]
    return messages


def test_chat_answers_remembers_lists_and_forgets(
    server: OpenAIServer,
    db: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server.script(
        "Nice to meet you, Ava!",
        tool_call("add_memory", memory="The user's name is Ava", topics=["name"]),
        HTTPFault(400, "context length exceeded"),
        "Hello again, Ava.",
        "No changes",
    )
    said = ["/memories", "My name is Ava", "/memories", "Oops", "Hi", "/forget-all", "/quit"]
    monkeypatch.setattr("sys.stdin", io.StringIO("\n".join([*said, "never read"]) + "\n"))
    code, out, _ = run(capsys, "chat", "--user", AVA, "--db", str(db), "--yes")
    assert code == 0
    first_list, rest = out.split("Nice to meet you, Ava!")
    assert f"No memories of {AVA}." in first_list
    assert "· remembered: The user's name is Ava" in rest
    assert "memories of ava" in rest
    assert "context length exceeded" in rest
    assert "Sorry, I could not answer" in rest
    assert "Hello again, Ava." in rest  # the chat went on after the failure
    assert "Forgot 1 memory." in rest
    assert stored(db, AVA) == []
    assert len(server.requests) == 5


def test_chat_ends_at_end_of_input_and_forgets_one_memory(
    server: OpenAIServer,
    db: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with Memory(db=SqliteMemoryDb(db_file=db)) as memory:
        tea = memory.add_user_memory("The user likes tea", AVA)
        memory.add_user_memory("The user likes chess", AVA)
    monkeypatch.setattr("sys.stdin", io.StringIO(f"/forget {tea}\n/forget {tea}\n/help\n"))
    code, out, _ = run(capsys, "chat", "--user", AVA, "--db", str(db))
    assert code == 0
    assert f"Forgot {tea}." in out
    assert f"No memory {tea}: /memories lists them." in out
    assert "/forget-all" in out
    assert stored(db, AVA) == ["The user likes chess"]
    assert server.requests == []


def test_a_chat_as_an_agent_lists_and_forgets_that_agents_memories_only(
    server: OpenAIServer,
    db: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with Memory(db=SqliteMemoryDb(db_file=db)) as memory:
        memory.add_user_memory("The user likes chess", AVA)
        memory.for_agent("planner").add_user_memory("The user plans a trip to Rome", AVA)
    monkeypatch.setattr("sys.stdin", io.StringIO("/memories\n/forget-all\n"))
    argv = ["chat", "--user", AVA, "--db", str(db), "--agent", "planner", "--yes"]
    code, out, _ = run(capsys, *argv)
    assert code == 0
    assert "as agent 'planner'" in out
    assert "Rome" in out
    assert "chess" not in out
    assert "Forgot 1 memory." in out
    assert stored(db, AVA) == ["The user likes chess"]
    assert server.requests == []


def test_a_deferred_chat_learns_once_from_the_session_before_leaving(
    server: OpenAIServer,
    db: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server.script(
        "Nice to meet you, Ava!",
        "Skiing is fun.",
        tool_calls(
            ("add_memory", {"memory": "The user's name is Ava"}),
            ("add_memory", {"memory": "The user likes to ski"}),
        ),
    )
    said = ["My name is Ava", "I like to ski", "/memories"]
    monkeypatch.setattr("sys.stdin", io.StringIO("\n".join(said) + "\n"))
    argv = ["chat", "--user", AVA, "--db", str(db), "--extraction", "deferred"]
    code, out, _ = run(capsys, *argv)
    assert code == 0
    assert f"No memories of {AVA}." in out  # nothing was learned while chatting
    assert "Remembered 2 changes." in out
    assert stored(db, AVA) == ["The user's name is Ava", "The user likes to ski"]
    [learning] = [r for r in server.requests if r.body.get("tools")]
    assert "My name is Ava" in str(learning.body["messages"])
    assert "I like to ski" in str(learning.body["messages"])
    assert len(server.requests) == 3
    with Memory(db=SqliteMemoryDb(db_file=db)) as memory:
        assert memory.pending_threads() == []


def test_forgetting_all_in_a_deferred_chat_forgets_what_waits_too(
    server: OpenAIServer,
    db: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server.script("Nice to meet you, Ava!")
    monkeypatch.setattr("sys.stdin", io.StringIO("My name is Ava\n/forget-all\n"))
    argv = ["chat", "--user", AVA, "--db", str(db), "--extraction", "deferred", "--yes"]
    code, out, _ = run(capsys, *argv)
    assert code == 0
    assert "Remembered" not in out
    assert stored(db, AVA) == []
    assert len(server.requests) == 1  # no memory-model call for what was forgotten


def test_ask_continues_the_session_and_stores_memories(
    server: OpenAIServer, db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    server.script(
        "Nice to meet you, Ava!",
        tool_call("add_memory", memory="The user's name is Ava"),
        "Your name is Ava.",
        "No changes",
    )
    ask = ("ask", "--user", AVA, "--session", "s1", "--db", str(db))
    code, out, _ = run(capsys, *ask[:1], "My name is Ava", *ask[1:])
    assert code == 0
    assert "Nice to meet you, Ava!" in out
    assert stored(db, AVA) == ["The user's name is Ava"]
    code, out, _ = run(capsys, *ask[:1], "What is my name?", *ask[1:])
    assert code == 0
    assert "Your name is Ava." in out
    assert sent(server, 2)[1:] == [
        {"role": "user", "content": "My name is Ava"},
        {"role": "assistant", "content": "Nice to meet you, Ava!", "name": "memory_agent"},
        {"role": "user", "content": "What is my name?"},
    ]
    assert "The user's name is Ava" in sent(server, 2)[0]["content"]


def test_ask_as_an_agent_keeps_that_agents_memories_apart(
    server: OpenAIServer, db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    server.script(
        "Noted.",
        tool_call("add_memory", memory="The user plans a trip to Rome"),
        "I know nothing of a trip.",
        "No changes",
    )
    ask = ("--user", AVA, "--db", str(db))
    code, _, _ = run(capsys, "ask", "I plan a trip to Rome", *ask, "--agent", "planner")
    assert code == 0
    code, _, _ = run(capsys, "ask", "Where do I travel?", *ask, "--session", "other")
    assert code == 0
    # The shared agent's prompt shows none of the planner's memories.
    assert "Rome" not in sent(server, 2)[0]["content"]
    assert stored(db, AVA) == []
    with Memory(db=SqliteMemoryDb(db_file=db), agent_id="planner") as planner:
        assert [m.memory for m in planner.get_user_memories(AVA)] == [
            "The user plans a trip to Rome"
        ]
    with pytest.raises(SystemExit) as refused:
        run(capsys, "ask", "Hi", *ask, "--agent", " ")
    assert refused.value.code == 2
    assert "argument --agent: must not be empty" in capsys.readouterr().err


def test_ask_json_with_the_agentic_tool(
    server: OpenAIServer, db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    server.script(
        tool_call("update_user_memory", task="The user likes tea"),
        tool_calls(("add_memory", {"memory": "The user likes tea", "topics": ["drinks"]})),
        "Noted: you like tea.",
    )
    argv = ["ask", "I like tea", "--user", AVA, "--db", str(db), "--agentic", "--no-auto"]
    code, out, _ = run(capsys, *argv, "--json")
    assert code == 0
    result = json.loads(out)
    assert result["answer"] == "Noted: you like tea."
    [update] = result["memory_updates"]
    assert (update["source"], update["status"]) == ("update_user_memory", "completed")
    assert [c["new_memory"] for c in update["changes"]] == ["The user likes tea"]
    assert len(server.requests) == 3


def test_ask_with_embeddings_embeds_what_the_manager_stores(
    server: OpenAIServer, db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    server.script("Noted.", tool_call("add_memory", memory="The user likes tea"))
    code, _, _ = run(
        capsys, "ask", "I like tea", "--user", AVA, "--db", str(db), "--embeddings", "hash"
    )
    assert code == 0
    with Memory(db=SqliteMemoryDb(db_file=db), embeddings=HashEmbeddings()) as memory:
        assert memory.embedder is not None
        assert memory.db.unembedded(AVA, MissingVectors(memory.embedder.model, None, 10)) == []
        found = memory.search_user_memories(AVA, "tea", retrieval_method="semantic")
        assert [m.memory for m in found] == ["The user likes tea"]


def test_ask_exits_1_when_the_model_fails(
    server: OpenAIServer, db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    server.script(HTTPFault(400, "bad request"))
    code, out, _ = run(capsys, "ask", "hi", "--user", AVA, "--db", str(db), "--json")
    assert code == 1
    assert "could not answer" in json.loads(out)["answer"]


@pytest.mark.parametrize("command", [["chat"], ["ask", "hi"], ["demo"]])
def test_no_credentials_is_a_clear_usage_error(
    command: list[str],
    db: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY")
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    monkeypatch.delenv("MEMORY_AGENT_MODEL", raising=False)
    users = [] if command == ["demo"] else ["--user", AVA]
    code, out, err = run(capsys, *command, *users, "--db", str(db))
    assert code == 2
    assert out == ""
    for hint in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "Ollama", "GOOGLE_API_KEY", "--model"):
        assert hint in err
    assert "Traceback" not in err
    assert not db.exists()


def test_a_gemini_model_names_its_key(
    db: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GOOGLE_API_KEY")
    monkeypatch.setenv("MEMORY_AGENT_MODEL", "google_genai:gemini-2.5-flash")
    code, _, err = run(capsys, "ask", "hi", "--user", AVA, "--db", str(db))
    assert code == 2
    assert "Cannot use the model 'google_genai:gemini-2.5-flash': API key required" in err
    assert "GOOGLE_API_KEY" in err


def test_demo_runs_both_seed_examples(
    server: OpenAIServer, db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with Memory(db=SqliteMemoryDb(db_file=db)) as memory:
        memory.add_user_memory("The user is Bob", "bob")
        memory.add_user_memory("The user used to ski", AVA)
    server.script(
        # Ava: the agentic tool, then the memory manager after each answer
        tool_call("update_user_memory", task="The user's name is Ava and she likes to ski"),
        tool_calls(
            ("add_memory", {"memory": "The user's name is Ava", "topics": ["name"]}),
            ("add_memory", {"memory": "The user likes to ski", "topics": ["hobbies"]}),
        ),
        "Nice to meet you, Ava!",
        "No changes",
        "Truckee, near Lake Tahoe, is within 4 hours.",
        tool_call("add_memory", memory="The user lives in San Francisco"),
        # John Doe: the memory manager after each answer
        "Hiking sounds wonderful!",
        tool_call("add_memory", memory="The user likes to hike in the mountains on weekends"),
        "You like to hike in the mountains on weekends.",
        "No changes",
        "Done: I removed all memories of you.",
        tool_call("clear_memory"),
    )
    code, out, err = run(capsys, "demo", "--db", str(db))
    assert code == 0, err
    assert out.count("Memories about Ava:") == 2
    assert out.count("Memories about John Doe:") == 2
    assert '→ update_user_memory(task="The user\'s name is Ava and she likes to ski")' in out
    assert "Truckee, near Lake Tahoe, is within 4 hours." in out
    assert out.rstrip().endswith("Memories about John Doe:\n[]")
    assert len(server.requests) == 12
    assert stored(db, AVA) == [
        "The user's name is Ava",
        "The user likes to ski",
        "The user lives in San Francisco",
    ]
    assert stored(db, "john_doe@example.com") == []
    assert stored(db, "bob") == ["The user is Bob"]  # only the demo's users were reset
    for request in server.requests[6:]:  # John Doe's model never sees Ava's chat
        for words in AVA_SAYS:
            assert words not in json.dumps(request.body["messages"])


def test_the_installed_command_streams_an_answer(server: OpenAIServer, db: Path) -> None:
    server.script("Hello from the fake server!", "No changes")
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "memory-agent"),
            "ask",
            "Hello",
            "--user",
            AVA,
            "--db",
            str(db),
        ],
        env=os.environ | {"OPENAI_BASE_URL": server.url + "/v1"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "Hello from the fake server!"
    assert sent(server, 0)[-1] == {"role": "user", "content": "Hello"}


@pytest.mark.filterwarnings("error")  # no serializer warning from structured output
def test_chat_keeps_a_session_summary_and_shows_it(
    server: OpenAIServer,
    db: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The real OpenAI client's structured output: the summary arrives as JSON content."""
    summary = {"summary": "Ava plans an Alps hike in July.", "topics": ["hiking"]}
    server.script("Which month?", "No changes", json.dumps(summary))
    said = ["I'm planning a hike in the Alps", "/summary", "/quit"]
    monkeypatch.setattr("sys.stdin", io.StringIO("\n".join(said) + "\n"))
    code, out, _ = run(
        capsys, "chat", "--user", AVA, "--db", str(db), "--session", "trip", "--session-summaries"
    )
    assert code == 0
    assert "· session summary updated" in out
    assert "you> Ava plans an Alps hike in July.\n" in out  # /summary
    asked = server.requests[2].body
    assert asked["response_format"]["type"] == "json_schema"
    assert "I'm planning a hike in the Alps" in asked["messages"][-1]["content"]

    code, out, _ = run(capsys, "memories", "summaries", "--user", AVA, "--db", str(db), "--json")
    assert code == 0
    [listed] = json.loads(out)
    assert (listed["session_id"], listed["summary"], listed["runs"]) == (
        "trip",
        summary["summary"],
        1,
    )
    code, out, _ = run(capsys, "memories", "summaries", "--user", AVA, "--db", str(db))
    assert "session summaries of ava" in out
    assert "Alps hike" in out
    code, out, _ = run(capsys, "memories", "summaries", "--user", "bob", "--db", str(db), "--json")
    assert json.loads(out) == []
    code, out, _ = run(
        capsys,
        "memories",
        "summaries",
        "--user",
        AVA,
        "--session",
        "other",
        "--db",
        str(db),
        "--json",
    )
    assert json.loads(out) == []


def test_another_users_session_is_refused_in_one_sentence_before_any_model_call(
    server: OpenAIServer,
    db: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server.script("Noted.", "No changes")
    assert (
        run(
            capsys,
            "ask",
            "My bank PIN hint is 42",
            "--user",
            AVA,
            "--session",
            "s1",
            "--db",
            str(db),
        )[0]
        == 0
    )
    for argv in (["ask", "Hi"], ["chat"]):
        monkeypatch.setattr("sys.stdin", io.StringIO("Hi\n"))
        code, out, err = run(capsys, *argv, "--user", "bob", "--session", "s1", "--db", str(db))
        assert code == 2
        assert err == "error: This session belongs to another user: start a session of your own.\n"
        assert "PIN hint" not in out  # the owner's words never reach another user
    assert len(server.requests) == 2


def test_by_default_each_user_talks_in_a_session_of_their_own(
    server: OpenAIServer, db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    server.script("Noted.", "No changes", "Hello Bob.", "No changes")
    assert run(capsys, "ask", "My bank PIN hint is 42", "--user", AVA, "--db", str(db))[0] == 0
    code, out, _ = run(capsys, "ask", "Hi", "--user", "bob", "--db", str(db))
    assert code == 0
    assert "Hello Bob." in out
    assert "PIN" not in json.dumps(sent(server, 2))
    assert "PIN" not in json.dumps(sent(server, 3))


def test_forget_all_in_a_piped_chat_needs_yes(
    server: OpenAIServer,
    db: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with Memory(db=SqliteMemoryDb(db_file=db)) as memory:
        memory.add_user_memory("The user likes chess", AVA)
    monkeypatch.setattr("sys.stdin", io.StringIO("/forget-all\n"))
    code, out, _ = run(capsys, "chat", "--user", AVA, "--db", str(db))
    assert code == 0
    assert "pass --yes" in out
    assert stored(db, AVA) == ["The user likes chess"]


def test_ask_json_reports_the_answer_and_memory_models_tokens_apart(
    server: OpenAIServer, db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    server.script("Noted: you like tea.", tool_call("add_memory", memory="The user likes tea"))
    code, out, _ = run(capsys, "ask", "I like tea", "--user", AVA, "--db", str(db), "--json")
    assert code == 0
    tokens = json.loads(out)["tokens"]
    answer, learning = (count_tokens(request.body["messages"]) for request in server.requests)
    assert tokens == {
        "answer": {
            "input_tokens": answer,
            "output_tokens": len(split_tokens("Noted: you like tea.")),
        },
        "memory": {"input_tokens": learning, "output_tokens": 0},
    }


def test_chat_stats_shows_the_last_turns_tokens(
    server: OpenAIServer,
    db: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server.script("Hi Ava!", "No changes")
    monkeypatch.setattr("sys.stdin", io.StringIO("/stats\nI'm Ava\n/stats\n/quit\n"))
    code, out, _ = run(capsys, "chat", "--user", AVA, "--db", str(db))
    assert code == 0
    answer, learning = (count_tokens(request.body["messages"]) for request in server.requests)
    before, after = out.split("Hi Ava!")
    assert "No turns yet." in before
    said, noted = len(split_tokens("Hi Ava!")), len(split_tokens("No changes"))
    assert f"answer model {answer} in / {said} out tokens" in after
    assert f"memory model {learning} in / {noted} out tokens" in after
