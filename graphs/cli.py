"""The `memory-agent` command: chat with the agent, and inspect and edit stored memories."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import uuid
from collections.abc import Callable, Sequence
from typing import Any

from langchain_core.embeddings import Embeddings
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage
from rich import box
from rich.console import Console
from rich.pretty import pprint
from rich.table import Table
from rich.text import Text

from graphs.agent import create_memory_agent
from graphs.printing import Agent, answer_in, print_response, run_agent
from graphs.scope import MODEL_ENV
from memory import (
    InvalidInputError,
    Memory,
    MemoryAgentError,
    MemoryDbError,
    MemoryEvent,
    MemoryNotFoundError,
    ModelConfigError,
    SqliteMemoryDb,
    UserMemory,
)
from memory.dedupe import DEFAULT_THRESHOLD, DuplicateGroup
from memory.embeddings import load_embeddings
from memory.models import resolve_chat_model
from memory.schema import validate_user_id

DEFAULT_DB = "tmp/agent.db"
DEFAULT_MODEL = "openai:gpt-4.1-mini"
EMBEDDINGS_ENV = "MEMORY_AGENT_EMBEDDINGS"
EXIT_OK, EXIT_NOT_FOUND, EXIT_USAGE = 0, 1, 2
EXIT_MODEL_FAILED = 1
MODEL_HELP = f"""\
Set one of:
  OPENAI_API_KEY=sk-...                          for OpenAI (--model openai:gpt-4.1-mini)
  OPENAI_BASE_URL=http://localhost:11434/v1      for a local OpenAI-compatible server such as
                                                 Ollama (--model openai:llama3.2)
  GOOGLE_API_KEY=...                             for Gemini (--model google_genai:gemini-2.5-flash)
The model comes from --model, else ${MODEL_ENV}, else {DEFAULT_MODEL}."""
CHAT_HELP = """\
/memories      list what I remember about you
/forget ID     forget one memory (ids are in /memories)
/forget-all    forget everything about you
/help          this help
/quit          leave (or end input with Ctrl-D)"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="memory-agent", description="Long-term user memory for LangGraph agents."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    _add_agent_commands(commands)
    memories = commands.add_parser("memories", help="list, edit and search stored memories")
    memories.set_defaults(run=_memories)
    actions = memories.add_subparsers(dest="action", required=True)

    def action(name: str, help_: str, *, user: bool = True) -> argparse.ArgumentParser:
        sub = actions.add_parser(name, help=help_)
        sub.add_argument("--user", required=user, help="the user id the memories belong to")
        _db_option(sub)
        _embeddings_option(sub)
        sub.add_argument("--table", default="user_memories", help="memories table name")
        sub.add_argument("--json", action="store_true", help="print JSON for scripts")
        return sub

    action("list", "the user's memories, oldest first")
    action("show", "one memory").add_argument("memory_id")
    add = action("add", "store a memory")
    add.add_argument("text")
    add.add_argument("--topic", action="append", default=[], help="a topic (repeatable)")
    replace = action("replace", "replace the text and topics of a memory")
    replace.add_argument("memory_id")
    replace.add_argument("text")
    replace.add_argument("--topic", action="append", default=[], help="a topic (repeatable)")
    action("delete", "delete a memory").add_argument("memory_id")
    clear = action(
        "clear", "forget every memory of the user (or of everyone with --all)", user=False
    )
    clear.add_argument("--all", action="store_true", help="every user's memories")
    search = action("search", "find memories")
    search.add_argument("query", nargs="?")
    search.add_argument(
        "--method",
        default=None,
        choices=["keyword", "semantic", "hybrid", "last_n", "first_n"],
        help="with a query: hybrid when --embeddings is set, else keyword; without: last_n",
    )
    search.add_argument("--limit", type=int, default=10)
    dedupe = action("dedupe", "report near-duplicate memories (merge them with --apply)")
    dedupe.add_argument("--apply", action="store_true", help="merge each group into its newest")
    dedupe.add_argument(
        "--threshold",
        type=float,
        default=DEFAULT_THRESHOLD,
        help=f"share of content words two memories must share (default {DEFAULT_THRESHOLD})",
    )
    reembed = action(
        "reembed", "compute missing vectors, or all of them after a model change", user=False
    )
    reembed.add_argument("--all", action="store_true", help="every user's memories")
    action("history", "every change to a memory").add_argument("memory_id")
    export = action("export", "write the user's memories as JSON")
    export.add_argument("--out", default="-", help="file to write (default: standard output)")
    import_ = action("import", "read memories written by export", user=False)
    import_.add_argument("file", help="file to read, or - for standard input")
    return parser


def _add_agent_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    chat = commands.add_parser("chat", help="chat with the agent; it remembers you")
    chat.set_defaults(run=_chat)
    ask = commands.add_parser("ask", help="send the agent one message")
    ask.set_defaults(run=_ask)
    ask.add_argument("message")
    for sub in (chat, ask):
        sub.add_argument("--user", required=True, help="who is talking: whose memories are used")
        sub.add_argument(
            "--session",
            default="default",
            type=_session_id,
            help="the session to continue (default: default)",
        )
        _model_option(sub)
        _db_option(sub)
        _embeddings_option(sub)
        sub.add_argument(
            "--agentic", action="store_true", help="give the model a tool to manage memories"
        )
        sub.add_argument(
            "--no-auto",
            dest="auto",
            action="store_false",
            help="do not update memories after each message",
        )
    ask.add_argument("--json", action="store_true", help="print the answer and updates as JSON")
    demo = commands.add_parser("demo", help="run the two agent examples of Agno's User Memories")
    demo.set_defaults(run=_demo)
    _model_option(demo)
    _db_option(demo)
    _embeddings_option(demo)


def _session_id(value: str) -> str:
    if not value.strip():
        raise argparse.ArgumentTypeError("a session id must not be empty")
    return value


def _db_option(sub: argparse.ArgumentParser) -> None:
    sub.add_argument(
        "--db",
        default=os.environ.get("MEMORY_AGENT_DB", DEFAULT_DB),
        help=f"SQLite file of memories and sessions (default: $MEMORY_AGENT_DB or {DEFAULT_DB})",
    )


def _embeddings_option(sub: argparse.ArgumentParser) -> None:
    sub.add_argument(
        "--embeddings",
        default=os.environ.get(EMBEDDINGS_ENV),
        help="embedding model for semantic and hybrid search: hash, or module:attribute naming "
        f"a LangChain Embeddings (default: ${EMBEDDINGS_ENV}, else none)",
    )


def _embeddings(args: argparse.Namespace) -> Embeddings | None:
    return load_embeddings(args.embeddings) if args.embeddings else None


def _model_option(sub: argparse.ArgumentParser) -> None:
    sub.add_argument(
        "--model",
        default=os.environ.get(MODEL_ENV) or DEFAULT_MODEL,
        help=f"provider:model (default: ${MODEL_ENV} or {DEFAULT_MODEL})",
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    console = Console(highlight=False)
    errors = Console(stderr=True, highlight=False, soft_wrap=True)
    try:
        code: int = args.run(args, console)
        return code
    except MemoryNotFoundError as error:
        errors.print(f"not found: {error}")
        return EXIT_NOT_FOUND
    except ModelConfigError as error:
        errors.print(f"error: {error}", markup=False)
        errors.print(MODEL_HELP, markup=False)
        return EXIT_USAGE
    except (MemoryAgentError, OSError, ValueError) as error:  # bad input, file, user or session
        errors.print(f"error: {error}", markup=False)
        return EXIT_USAGE
    except KeyboardInterrupt:
        errors.print()
        return 130


def _memories(args: argparse.Namespace, out: Console) -> int:
    embeddings = _embeddings(args)
    db = SqliteMemoryDb(table_name=args.table, db_file=args.db)
    with Memory(db=db, embeddings=embeddings) as memory:
        return _MEMORY_ACTIONS[args.action](memory, args, out)


# -- talking to the agent ------------------------------------------------------


def _open_memory(args: argparse.Namespace) -> Memory:
    """The chat's memories; the user may ask to forget one or all of theirs."""
    embeddings = _embeddings(args)
    return Memory(
        db=SqliteMemoryDb(db_file=args.db),
        delete_memories=True,
        clear_memories=True,
        embeddings=embeddings,
    )


def _open_agent(
    args: argparse.Namespace, model: BaseChatModel, memory: Memory, *, markdown: bool
) -> Agent:
    """The agent chat and ask talk to; sessions persist in the memories' SQLite file."""
    return create_memory_agent(
        model=model,
        memory=memory,
        enable_agentic_memory=args.agentic,
        enable_user_memories=args.auto,
        markdown=markdown,
    )


def _chat(args: argparse.Namespace, out: Console) -> int:
    user = validate_user_id(args.user)
    model = resolve_chat_model(args.model)  # no credentials: said before a file is made
    with _open_memory(args) as memory:
        agent = _open_agent(args, model, memory, markdown=out.is_terminal)
        if sys.stdin.isatty():
            with contextlib.suppress(ImportError):
                import readline  # noqa: F401  (line editing and history for input())
        out.print(
            f"Chatting as {user}, session {args.session!r}, model {args.model}; "
            f"memories and sessions in {args.db}. /help for commands, /quit to leave.",
            style="dim",
            markup=False,
        )
        while True:
            try:
                line = out.input("[bold green]you>[/] ").strip()
            except (EOFError, KeyboardInterrupt):
                out.print()
                return EXIT_OK
            if line in ("/quit", "/exit"):
                return EXIT_OK
            if line.startswith("/"):
                _chat_command(line, memory, user, out)
            elif line:
                _chat_turn(agent, line, user, args.session, out)


def _chat_turn(agent: Agent, line: str, user: str, session: str, out: Console) -> None:
    """One answer; whatever goes wrong is shown and the chat goes on."""
    try:
        print_response(
            agent, line, user_id=user, session_id=session, markdown=out.is_terminal, console=out
        )
    except Exception as error:
        out.print(Text(f"error: {error}", style="red"))


def _chat_command(line: str, memory: Memory, user: str, out: Console) -> None:
    name, _, argument = line.partition(" ")
    argument = argument.strip()
    try:
        if name == "/memories":
            memories = memory.get_user_memories(user)
            out.print(_memory_table(memories, user) if memories else "No memories yet.")
        elif name == "/forget" and argument:
            found = memory.delete_user_memory(user, argument, source="cli")
            out.print(f"Forgot {argument}." if found else f"No memory {argument}.", markup=False)
        elif name == "/forget-all":
            count = memory.clear(user, source="cli")
            out.print(f"Forgot {count} {'memory' if count == 1 else 'memories'}.")
        elif name == "/help":
            out.print(CHAT_HELP, markup=False)
        else:
            out.print(f"Unknown command {line!r}.\n{CHAT_HELP}", markup=False)
    except (InvalidInputError, MemoryDbError) as error:
        out.print(Text(f"error: {error}", style="red"))


def _ask(args: argparse.Namespace, out: Console) -> int:
    user = validate_user_id(args.user)
    model = resolve_chat_model(args.model)
    with _open_memory(args) as memory:
        agent = _open_agent(args, model, memory, markdown=out.is_terminal and not args.json)
        if args.json:
            answer, updates = _answer_and_updates(agent, args.message, user, args.session)
            _print_json({"answer": answer.text, "memory_updates": updates}, out)
        else:
            answer = print_response(
                agent,
                args.message,
                user_id=user,
                session_id=args.session,
                markdown=out.is_terminal,
                console=out,
            )
    return EXIT_MODEL_FAILED if "error" in answer.response_metadata else EXIT_OK


def _answer_and_updates(
    agent: Agent, message: str, user: str, session: str
) -> tuple[AIMessage, list[dict[str, Any]]]:
    """The answer, and each finished memory update with what it changed or refused."""
    answer: AIMessage | None = None
    updates: list[dict[str, Any]] = []
    for mode, chunk in run_agent(
        agent, message, user_id=user, session_id=session, stream_mode=["updates", "custom"]
    ):
        if mode == "updates":
            answer = answer_in(chunk) or answer
        elif chunk.get("type") == "memory_update" and chunk["status"] != "started":
            updates.append(chunk)
    if answer is None:
        raise RuntimeError("the agent finished without an answer")
    return answer, updates


AVA, JOHN = "ava", "john_doe@example.com"
AVA_SAYS = (
    "My name is Ava and I like to ski.",
    "I live in san francisco, where should i move within a 4 hour drive?",
)
JOHN_SAYS = (
    "My name is John Doe and I like to hike in the mountains on weekends.",
    "What are my hobbies?",
    "Remove all existing memories of me.",
)


def _demo(args: argparse.Namespace, out: Console) -> int:
    """The seed's two agent examples as written, each in a new session.

    Only the demo users' memories are cleared first, not everyone's as in the
    seed: the file may hold real users' memories.
    """
    model = resolve_chat_model(args.model)
    session = f"demo-{uuid.uuid4().hex[:8]}"

    def say(agent: Agent, message: str, user: str, *, steps: bool, markdown: bool) -> None:
        out.print(Text(f"> {message}", style="bold"))
        print_response(
            agent,
            message,
            user_id=user,
            session_id=session,
            show_intermediate_steps=steps,
            markdown=markdown,
            console=out,
        )

    def show(memory: Memory, user: str, name: str) -> None:
        out.print(f"Memories about {name}:")
        pprint(memory.get_user_memories(user), console=out)

    out.rule("Agentic memory: Ava")
    db = SqliteMemoryDb(db_file=args.db)
    with Memory(model=model, db=db, embeddings=_embeddings(args)) as memory:
        memory.clear(AVA, source="cli")
        agent = create_memory_agent(
            model=model,
            memory=memory,
            enable_agentic_memory=True,
            enable_user_memories=True,
            add_history_to_messages=True,
            num_history_runs=3,
            markdown=True,
        )
        for message in AVA_SAYS:
            say(agent, message, AVA, steps=True, markdown=True)
            show(memory, AVA, "Ava")

    out.rule("Memories after each message: John Doe")
    with _open_memory(args) as memory:
        memory.clear(JOHN, source="cli")
        agent = create_memory_agent(model=model, memory=memory, enable_user_memories=True)
        for n, message in enumerate(JOHN_SAYS):
            say(agent, message, JOHN, steps=False, markdown=False)
            if n:
                show(memory, JOHN, "John Doe")
    return EXIT_OK


# -- the memories command ----------------------------------------------------------


def _list(memory: Memory, args: argparse.Namespace, out: Console) -> int:
    _print_memories(memory.get_user_memories(args.user), args, out)
    return EXIT_OK


def _show(memory: Memory, args: argparse.Namespace, out: Console) -> int:
    _print_memories([memory.get_user_memory(args.memory_id, args.user)], args, out)
    return EXIT_OK


def _add(memory: Memory, args: argparse.Namespace, out: Console) -> int:
    memory_id = memory.add_user_memory(
        UserMemory(memory=args.text, topics=args.topic), args.user, source="cli"
    )
    _print_result({"memory_id": memory_id}, f"stored {memory_id}", args, out)
    return EXIT_OK


def _replace(memory: Memory, args: argparse.Namespace, out: Console) -> int:
    memory.replace_user_memory(
        args.memory_id, UserMemory(memory=args.text, topics=args.topic), args.user, source="cli"
    )
    _print_result({"memory_id": args.memory_id}, f"replaced {args.memory_id}", args, out)
    return EXIT_OK


def _delete(memory: Memory, args: argparse.Namespace, out: Console) -> int:
    if not memory.delete_user_memory(args.user, args.memory_id, source="cli"):
        raise MemoryNotFoundError(args.memory_id, args.user)
    _print_result({"deleted": args.memory_id}, f"deleted {args.memory_id}", args, out)
    return EXIT_OK


def _clear(memory: Memory, args: argparse.Namespace, out: Console) -> int:
    if args.all == (args.user is not None):
        raise InvalidInputError("name exactly one of --user U or --all")
    count = memory.clear(None if args.all else args.user, source="cli")
    _print_result({"cleared": count}, f"cleared {count} memories", args, out)
    return EXIT_OK


def _search(memory: Memory, args: argparse.Namespace, out: Console) -> int:
    found = memory.search_user_memories(
        args.user, query=args.query, limit=args.limit, retrieval_method=args.method
    )
    if found.fallback_reason:
        Console(stderr=True, highlight=False).print(
            f"warning: {found.fallback_reason}", markup=False
        )
    _print_memories(found, args, out)
    return EXIT_OK


def _dedupe(memory: Memory, args: argparse.Namespace, out: Console) -> int:
    groups = memory.dedupe_user_memories(
        args.user, apply=args.apply, threshold=args.threshold, source="cli"
    )
    if args.json:
        _print_json([_group_dict(group) for group in groups], out)
        return EXIT_OK
    table = Table("keep", "merge", "memory", box=box.SIMPLE_HEAD)
    for group in groups:
        table.add_row(group.keep.memory_id, "", Text(group.keep.memory))
        for duplicate in group.duplicates:
            table.add_row("", duplicate.memory_id, Text(duplicate.memory))
    out.print(table)
    merged = sum(len(group.duplicates) for group in groups)
    verb = "merged" if args.apply else "would merge (dry run; --apply merges)"
    out.print(f"{verb} {merged} memories into {len(groups)}", markup=False)
    return EXIT_OK


def _group_dict(group: DuplicateGroup) -> dict[str, Any]:
    return {
        "keep": group.keep.to_dict(),
        "duplicates": [duplicate.to_dict() for duplicate in group.duplicates],
    }


def _reembed(memory: Memory, args: argparse.Namespace, out: Console) -> int:
    if args.all == (args.user is not None):
        raise InvalidInputError("name exactly one of --user U or --all")
    count = memory.reembed_memories(None if args.all else args.user)
    _print_result({"embedded": count}, f"embedded {count} memories", args, out)
    return EXIT_OK


def _history(memory: Memory, args: argparse.Namespace, out: Console) -> int:
    events = memory.get_memory_history(args.memory_id, args.user)
    if args.json:
        _print_json([event.to_dict() for event in events], out)
    else:
        out.print(_history_table(events))
    return EXIT_OK


def _export(memory: Memory, args: argparse.Namespace, out: Console) -> int:
    text = json.dumps(memory.export_user_memories(args.user), ensure_ascii=False, indent=2)
    if args.out == "-":
        out.print(text, markup=False, soft_wrap=True)
    else:
        with open(args.out, "w", encoding="utf-8") as file:
            file.write(text + "\n")
    return EXIT_OK


def _import(memory: Memory, args: argparse.Namespace, out: Console) -> int:
    if args.file == "-":
        raw = sys.stdin.read()
    else:
        with open(args.file, encoding="utf-8") as file:
            raw = file.read()
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as error:
        raise InvalidInputError(f"{args.file} is not JSON: {error}") from error
    ids = memory.import_user_memories(data, user_id=args.user)
    _print_result({"imported": ids}, f"imported {len(ids)} memories", args, out)
    return EXIT_OK


_MEMORY_ACTIONS: dict[str, Callable[[Memory, argparse.Namespace, Console], int]] = {
    "list": _list,
    "show": _show,
    "add": _add,
    "replace": _replace,
    "delete": _delete,
    "clear": _clear,
    "search": _search,
    "history": _history,
    "export": _export,
    "import": _import,
    "dedupe": _dedupe,
    "reembed": _reembed,
}


def _print_json(data: Any, out: Console) -> None:
    out.print(json.dumps(data, ensure_ascii=False, indent=2), markup=False, soft_wrap=True)


def _print_result(data: dict[str, Any], text: str, args: argparse.Namespace, out: Console) -> None:
    if args.json:
        _print_json(data, out)
    else:
        out.print(text, markup=False)


def _print_memories(memories: list[UserMemory], args: argparse.Namespace, out: Console) -> None:
    if args.json:
        _print_json([m.to_dict() for m in memories], out)
    else:
        out.print(_memory_table(memories, args.user))


def _memory_table(memories: list[UserMemory], user: str) -> Table:
    table = Table(title=f"memories of {user}", box=box.SIMPLE_HEAD)
    table.add_column("id", no_wrap=True, min_width=36)
    table.add_column("memory", ratio=3)
    table.add_column("topics", ratio=1)
    table.add_column("updated", no_wrap=True)
    for m in memories:
        updated = m.updated_at.strftime("%Y-%m-%d") if m.updated_at else ""
        table.add_row(m.memory_id, Text(m.memory), Text(", ".join(m.topics)), updated)
    return table


def _history_table(events: list[MemoryEvent]) -> Table:
    table = Table("at", "action", "source", "before", "after", box=box.SIMPLE_HEAD)
    for e in events:
        table.add_row(
            e.at.strftime("%Y-%m-%d %H:%M:%S"),
            e.action,
            e.source,
            Text(e.old_memory or ""),
            Text(e.new_memory or ""),
        )
    return table


if __name__ == "__main__":
    sys.exit(main())
