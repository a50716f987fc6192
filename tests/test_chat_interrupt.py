"""Ctrl-C in `memory-agent chat`, in a real terminal: it stops the answer, not the chat."""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Iterator
from pathlib import Path

import pexpect
import pytest

from tests.fakes import OpenAIServer
from tests.fakes._scripted_server import Delay

PROMPT = "you> "


@pytest.fixture
def chat(openai_server: OpenAIServer, tmp_path: Path) -> Iterator[pexpect.spawn[str]]:
    command = Path(sys.executable).parent / "memory-agent"
    env = os.environ | {
        "OPENAI_BASE_URL": openai_server.url + "/v1",
        "COLUMNS": "80",
        "TERM": "dumb",
    }
    env.pop("MEMORY_AGENT_MODEL", None)
    argv = ["chat", "--user", "ava", "--no-auto", "--db", str(tmp_path / "agent.db")]
    child = pexpect.spawn(str(command), argv, env=env, encoding="utf-8", timeout=60)
    try:
        yield child
    finally:
        child.close(force=True)


def test_ctrl_c_stops_the_answer_and_the_chat_goes_on(
    openai_server: OpenAIServer, chat: pexpect.spawn[str]
) -> None:
    # Long enough to interrupt, and no longer: the chat says "(answer stopped)" only once
    # this reply has ended, so the delay is the least this test takes.
    openai_server.script(Delay(10, "A very slow answer"), "Hello again, Ava!")
    chat.expect_exact(PROMPT)
    chat.sendline("Tell me a long story")
    while not openai_server.requests:  # the answer is on its way
        chat.expect(pexpect.TIMEOUT, timeout=0.1)
    chat.kill(signal.SIGINT)
    chat.expect_exact("(answer stopped)")
    chat.expect_exact(PROMPT)
    chat.sendline("Hi")
    chat.expect_exact("Hello again, Ava!")
    chat.expect_exact(PROMPT)
    assert "A very slow answer" not in (chat.before or "")
    chat.kill(signal.SIGINT)  # Ctrl-C at the prompt leaves
    chat.expect(pexpect.EOF)
    chat.close()
    assert chat.exitstatus == 0
