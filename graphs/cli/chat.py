"""`memory-agent chat` and `ask`: talk to the agent; it remembers you across sessions."""

from __future__ import annotations

import argparse
import contextlib
import sys
from dataclasses import asdict
from typing import Any

from langchain_core.messages import AIMessage
from rich.console import Console
from rich.text import Text

from graphs.cli.confirm import confirmed
from graphs.cli.options import (
    EXIT_MODEL_FAILED,
    EXIT_OK,
    open_agent,
    open_memory,
)
from graphs.cli.output import memory_table, print_json
from graphs.deferred import flush_memories
from graphs.printing import Agent, answer_in, print_response, run_agent
from graphs.scope import user_session
from memory import InvalidInputError, Memory, MemoryDbError, ThreadOwnershipError
from memory.chat_models import resolve_chat_model
from memory.schema import validate_user_id
from memory.telemetry import TokenCounter, TokenUsage

CHAT_HELP = """\
/memories      list what I remember about you
/forget ID     forget one memory (ids are in /memories)
/forget-all    forget everything about you
/summary       this session's summary (with --session-summaries)
/stats         tokens of the last turn and of this chat, the answer's and memory's apart
/help          this help
/quit          leave (or end input with Ctrl-D)"""


def chat(args: argparse.Namespace, out: Console) -> int:
    user = validate_user_id(args.user)
    session = args.session or user_session(user)
    model = resolve_chat_model(args.model)  # no credentials: said before a file is made
    with open_memory(args) as memory:
        agent = open_agent(args, model, memory, markdown=out.is_terminal)
        if sys.stdin.isatty():
            with contextlib.suppress(ImportError):
                import readline  # noqa: F401  (line editing and history for input())
        agent_part = f", as agent {args.agent!r}" if args.agent else ""
        out.print(
            f"Chatting as {user}, session {session!r}{agent_part}, model {args.model}; "
            f"memories and sessions in {args.db}. /help for commands, /quit to leave.",
            style="dim",
            markup=False,
        )
        try:
            _converse(agent, memory, user, session, out, yes=args.yes)
        finally:
            if args.extraction == "deferred":
                _learn_before_leaving(memory, out)
    return EXIT_OK


def _converse(
    agent: Agent, memory: Memory, user: str, session: str, out: Console, *, yes: bool
) -> None:
    turns: list[TokenCounter] = []
    while True:
        try:
            line = out.input("[bold green]you>[/] ").strip()
        except (EOFError, KeyboardInterrupt):
            out.print()
            return
        if line in ("/quit", "/exit"):
            return
        if line == "/stats":
            out.print(_stats(turns), markup=False)
        elif line.startswith("/"):
            _chat_command(line, memory, user, session, out, yes=yes)
        elif line:
            turns.append(TokenCounter())
            _chat_turn(agent, line, user, session, out, turns[-1])


def _learn_before_leaving(memory: Memory, out: Console) -> None:
    """Deferred extraction: learn from what is still pending before the process ends."""
    with out.status("learning from this session's messages...", spinner="dots"):
        flushed = flush_memories(memory)
    changes = sum(len(result.events) for result in flushed.results)
    if flushed.results:
        out.print(f"Remembered {changes} {'change' if changes == 1 else 'changes'}.", style="dim")
    if flushed.pending:
        out.print(
            f"{len(flushed.pending)} session(s) still have messages to learn from; "
            "they are learned on their next message (the log says why).",
            style="yellow",
        )


def _chat_turn(
    agent: Agent, line: str, user: str, session: str, out: Console, counter: TokenCounter
) -> None:
    """One answer; whatever goes wrong is shown and the chat goes on."""
    try:
        print_response(
            agent.with_config(callbacks=[counter]),
            line,
            user_id=user,
            session_id=session,
            markdown=out.is_terminal,
            console=out,
        )
    except ThreadOwnershipError:
        raise  # no turn of this session can succeed: the command ends, exit 2
    except Exception as error:
        out.print(Text(f"error: {error}", style="red"))


def _stats(turns: list[TokenCounter]) -> str:
    """Tokens (input/output, as the providers reported them) of the last turn and in all."""
    if not turns:
        return "No turns yet."
    last = turns[-1]
    answer = sum((turn.answer for turn in turns), TokenUsage())
    memory = sum((turn.memory for turn in turns), TokenUsage())
    return (
        f"last turn: answer model {_tokens(last.answer)}, memory model {_tokens(last.memory)}\n"
        f"this chat ({len(turns)} turns): answer model {_tokens(answer)}, "
        f"memory model {_tokens(memory)}"
    )


def _tokens(usage: TokenUsage) -> str:
    return f"{usage.input_tokens} in / {usage.output_tokens} out tokens"


def _chat_command(
    line: str, memory: Memory, user: str, session: str, out: Console, *, yes: bool
) -> None:
    name, _, argument = line.partition(" ")
    argument = argument.strip()
    try:
        if name == "/memories":
            memories = memory.get_user_memories(user)
            out.print(memory_table(memories, user) if memories else "No memories yet.")
        elif name == "/forget" and argument:
            found = memory.delete_user_memory(user, argument, source="cli")
            out.print(f"Forgot {argument}." if found else f"No memory {argument}.", markup=False)
        elif name == "/forget-all":
            if confirmed(f"forget every memory of {user}", yes=yes, out=out):
                count = memory.clear(user, source="cli")
                out.print(f"Forgot {count} {'memory' if count == 1 else 'memories'}.")
        elif name == "/summary":
            summary = memory.get_session_summary(session, user)
            out.print(Text(summary.summary) if summary else "No summary of this session yet.")
        elif name == "/help":
            out.print(CHAT_HELP, markup=False)
        else:
            out.print(f"Unknown command {line!r}.\n{CHAT_HELP}", markup=False)
    except (InvalidInputError, MemoryDbError) as error:
        out.print(Text(f"error: {error}", style="red"))


def ask(args: argparse.Namespace, out: Console) -> int:
    user = validate_user_id(args.user)
    session = args.session or user_session(user)
    model = resolve_chat_model(args.model)
    with open_memory(args) as memory:
        agent = open_agent(args, model, memory, markdown=out.is_terminal and not args.json)
        if args.json:
            counter = TokenCounter()
            answer, updates = _answer_and_updates(agent, args.message, user, session, counter)
            tokens = {"answer": asdict(counter.answer), "memory": asdict(counter.memory)}
            print_json({"answer": answer.text, "memory_updates": updates, "tokens": tokens}, out)
        else:
            answer = print_response(
                agent,
                args.message,
                user_id=user,
                session_id=session,
                markdown=out.is_terminal,
                console=out,
            )
    return EXIT_MODEL_FAILED if "error" in answer.response_metadata else EXIT_OK


def _answer_and_updates(
    agent: Agent, message: str, user: str, session: str, counter: TokenCounter
) -> tuple[AIMessage, list[dict[str, Any]]]:
    """The answer, and each finished memory update with what it changed or refused."""
    answer: AIMessage | None = None
    updates: list[dict[str, Any]] = []
    for mode, chunk in run_agent(
        agent.with_config(callbacks=[counter]),
        message,
        user_id=user,
        session_id=session,
        stream_mode=["updates", "custom"],
    ):
        if mode == "updates":
            answer = answer_in(chunk) or answer
        elif chunk.get("type") == "memory_update" and chunk["status"] != "started":
            updates.append(chunk)
    if answer is None:
        raise RuntimeError("the agent finished without an answer")
    return answer, updates
