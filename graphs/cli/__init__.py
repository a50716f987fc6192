"""The `memory-agent` command: chat with the agent, and inspect and edit stored memories.

One module per command: `chat` (chat and ask), `demo`, `memories`; `options` holds
what they share, `output` how they print, `errors` how they fail and `ids` how ids
are typed. A command's modules are imported only when it runs, so `--help` is quick.
"""

# PYTHON_ARGCOMPLETE_OK

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from graphs.cli.confirm import yes_option
from graphs.cli.errors import explain
from graphs.cli.options import (
    DEFAULT_TABLE,
    EXIT_INTERRUPTED,
    db_option,
    embeddings_option,
    model_help,
    model_option,
)

if TYPE_CHECKING:
    from rich.console import Console


def command(target: str) -> Callable[[argparse.Namespace, Console], int]:
    """The function "module:function" in graphs.cli, imported when the command runs."""
    module, _, function = target.partition(":")

    def run(args: argparse.Namespace, out: Console) -> int:
        found: Callable[[argparse.Namespace, Console], int] = getattr(
            importlib.import_module(f"graphs.cli.{module}"), function
        )
        return found(args, out)

    return run


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="memory-agent",
        description="Long-term user memory for LangGraph agents.",
        epilog='Shell completion: eval "$(register-python-argcomplete memory-agent)" in '
        "~/.bashrc or ~/.zshrc; for fish, register-python-argcomplete --shell fish "
        "memory-agent | source.",
    )
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="log what happens, and errors in full"
    )
    commands = parser.add_subparsers(dest="command", required=True)
    _add_agent_commands(commands)
    memories = commands.add_parser("memories", help="list, edit and search stored memories")
    memories.set_defaults(run=command("memories:run"), from_agno=None)
    actions = memories.add_subparsers(dest="action", required=True)

    def action(
        name: str,
        help_: str,
        *,
        user: bool = True,
        user_help: str = "the user id the memories belong to",
        table_help: str = f"memories table name (default: {DEFAULT_TABLE})",
    ) -> argparse.ArgumentParser:
        sub = actions.add_parser(name, help=help_)
        sub.add_argument("--user", required=user, type=_user_id, help=user_help)
        _agent_option(sub)
        db_option(sub)
        embeddings_option(sub)
        sub.add_argument("--table", default=DEFAULT_TABLE, help=table_help)
        sub.add_argument("--json", action="store_true", help="print JSON for scripts (full ids)")
        sub.add_argument(
            "--full-ids", action="store_true", help="show whole ids in tables, not prefixes"
        )
        return sub

    listing = action("list", "the user's memories, oldest first")
    action("show", "one memory").add_argument("memory_id")
    add = action("add", "store a memory")
    add.add_argument("text")
    add.add_argument("--topic", action="append", default=[], help="a topic (repeatable)")
    add.add_argument(
        "--expires",
        type=_moment,
        default=None,
        metavar="WHEN",
        help="when the fact stops being true: an ISO 8601 date or time (UTC unless it says)",
    )
    replace = action("replace", "replace the text and topics of a memory")
    replace.add_argument("memory_id")
    replace.add_argument("text")
    replace.add_argument("--topic", action="append", default=[], help="a topic (repeatable)")
    action("delete", "delete a memory").add_argument("memory_id")
    clear = action(
        "clear", "forget every memory of the user (or of everyone with --all)", user=False
    )
    clear.add_argument("--all", action="store_true", help="every user's memories")
    yes_option(clear)
    erase = action(
        "erase",
        "remove every trace of the user (in every agent scope, whatever --agent says): "
        "memories, their history, summaries, pending messages and the sessions they own",
    )
    yes_option(erase)
    search = action("search", "find memories")
    search.add_argument("query", nargs="?")
    search.add_argument(
        "--method",
        default=None,
        choices=["keyword", "semantic", "hybrid", "last_n", "first_n"],
        help="with a query: hybrid when --embeddings is set, else keyword; without: last_n",
    )
    search.add_argument(
        "--limit", type=_count, default=10, help="at most this many results (default 10)"
    )
    for narrowed in (listing, search):
        narrowed.add_argument(
            "--topic",
            dest="topics",
            action="append",
            default=None,
            help="only memories with this topic (repeatable: any of them)",
        )
        narrowed.add_argument(
            "--since",
            type=_moment,
            default=None,
            metavar="WHEN",
            help="only memories updated then or later: an ISO 8601 date or time (UTC unless "
            "it says)",
        )
        narrowed.add_argument(
            "--until",
            type=_moment,
            default=None,
            metavar="WHEN",
            help="only memories updated before then",
        )
    dedupe = action("dedupe", "report near-duplicate memories (merge them with --apply)")
    dedupe.add_argument("--apply", action="store_true", help="merge each group into its newest")
    dedupe.add_argument(
        "--threshold",
        type=_share,
        default=None,
        help="share of content words two memories must share (default 0.75)",
    )
    reembed = action(
        "reembed", "compute missing vectors, or all of them after a model change", user=False
    )
    reembed.add_argument("--all", action="store_true", help="every user's memories")
    action("history", "every change to a memory").add_argument("memory_id")
    summaries = action("summaries", "the user's session summaries, most recent first")
    summaries.add_argument("--session", help="only this session's summary")
    export = action("export", "write the user's memories as JSON")
    export.add_argument("--out", default="-", help="file to write (default: standard output)")
    import_ = action(
        "import",
        "read memories written by export, or an Agno app's",
        user=False,
        user_help="import into this user (with --from-agno: import only this user's memories)",
        table_help=f"memories table to write (default: {DEFAULT_TABLE}); with --from-agno, the "
        "Agno table to read (default: agno_memories, else memory) and memories go to "
        f"{DEFAULT_TABLE}",
    )
    import_.add_argument("file", nargs="?", help="file to read, or - for standard input")
    import_.add_argument(
        "--from-agno",
        metavar="SOURCE",
        help="an Agno app's SQLite file or PostgreSQL URL: import the user memories it holds",
    )
    import_.set_defaults(table=None)  # told apart from a --table that names the Agno table
    return parser


def _add_agent_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    chat = commands.add_parser("chat", help="chat with the agent; it remembers you")
    chat.set_defaults(run=command("chat:chat"))
    ask = commands.add_parser("ask", help="send the agent one message")
    ask.set_defaults(run=command("chat:ask"))
    ask.add_argument("message")
    for sub in (chat, ask):
        sub.add_argument(
            "--user",
            required=True,
            type=_user_id,
            help="who is talking: whose memories are used",
        )
        sub.add_argument(
            "--session",
            default=None,
            type=_session_id,
            help="the session to continue (default: the user's own)",
        )
        model_option(sub)
        db_option(sub)
        embeddings_option(sub)
        _agent_option(sub)
        sub.add_argument(
            "--agentic", action="store_true", help="give the model a tool to manage memories"
        )
        sub.add_argument(
            "--no-auto",
            dest="auto",
            action="store_false",
            help="do not update memories after each message",
        )
        sub.add_argument(
            "--session-summaries",
            action="store_true",
            help="keep a summary of the session, shown to the model once old messages leave",
        )
    chat.add_argument(
        "--extraction",
        choices=["inline", "deferred"],
        default="inline",
        help="when memories are learned: after each message (inline), or once the session "
        "has been quiet for --extraction-delay seconds, and before leaving (deferred)",
    )
    chat.add_argument(
        "--extraction-delay",
        type=float,
        default=None,
        metavar="SECONDS",
        help="quiet seconds before deferred learning (default: 30)",
    )
    yes_option(chat)  # for /forget-all
    ask.set_defaults(extraction="inline", extraction_delay=None)
    ask.add_argument("--json", action="store_true", help="print the answer and updates as JSON")
    demo = commands.add_parser("demo", help="run the two agent examples of Agno's User Memories")
    demo.set_defaults(run=command("demo:demo"), agent=None)
    model_option(demo)
    db_option(demo)
    embeddings_option(demo)
    mcp = commands.add_parser("mcp", help="serve one user's memories to an MCP client over stdio")
    mcp.set_defaults(run=command("mcp:serve_stdio"))
    mcp.add_argument(
        "--user", required=True, type=_user_id, help="whose memories the MCP tools reach"
    )
    _agent_option(mcp)
    db_option(mcp)
    embeddings_option(mcp)
    _add_serve_command(commands)


def _add_serve_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    serve = commands.add_parser("serve", help="serve the memories over HTTP (REST under /memory/)")
    serve.set_defaults(run=_serve, agent=None)
    db_option(serve)
    embeddings_option(serve)
    model_option(serve)
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve.add_argument("--port", type=int, default=8000, help="port (default: 8000)")
    serve.add_argument(
        "--keys",
        default=None,
        metavar="FILE",
        help="API keys (JSON, see docs/server.md); also $MEMORY_AGENT_API_KEYS "
        "and $MEMORY_AGENT_API_KEYS_FILE. Without any key, only 127.0.0.1 is served",
    )


def _serve(args: argparse.Namespace, console: Console) -> int:
    from server.serve import serve  # loaded only to serve: other commands never import it

    return serve(args, console)


def _session_id(value: str) -> str:
    if not value.strip():
        raise argparse.ArgumentTypeError("a session id must not be empty")
    return value


def _agent_option(sub: argparse.ArgumentParser) -> None:
    sub.add_argument(
        "--agent",
        default=None,
        type=_agent_id,
        help="an agent's own memories of the user, apart from other agents' "
        "(default: the memories every agent shares)",
    )


def _agent_id(value: str) -> str:
    from memory.schema import validate_agent_id

    return _checked(validate_agent_id, value, "agent_id")


def _user_id(value: str) -> str:
    from memory.schema import validate_user_id

    return _checked(validate_user_id, value, "user_id")


def _checked(check: Callable[[str], object], value: str, name: str) -> str:
    """`value` when `check` takes it; its refusal worded for the option argparse names."""
    from memory import InvalidInputError

    try:
        check(value)
        return value
    except InvalidInputError as error:
        raise argparse.ArgumentTypeError(str(error).removeprefix(f"{name} ")) from error


def _count(value: str) -> int:
    try:
        count = int(value)
    except ValueError:
        count = 0
    if count < 1:
        raise argparse.ArgumentTypeError(f"give a whole number of 1 or more, not {value!r}")
    return count


def _share(value: str) -> float:
    try:
        share = float(value)
    except ValueError:
        share = 0.0
    if not 0 < share <= 1:
        raise argparse.ArgumentTypeError(f"give a number above 0 and at most 1, not {value!r}")
    return share


def _moment(value: str) -> datetime:
    """An ISO 8601 date ("2025-03-01", its midnight) or time; without a zone, UTC."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(
            f"not an ISO 8601 date or time: {value!r} (e.g. 2025-03-01 or 2025-03-01T18:00)"
        ) from error
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    if "_ARGCOMPLETE" in os.environ:  # the shell asks for completions: argcomplete answers
        import argcomplete

        argcomplete.autocomplete(parser)
    args = parser.parse_args(argv)
    with _log_to_stderr(args.verbose):
        return _run(args)


def _run(args: argparse.Namespace) -> int:
    from rich.console import Console  # not needed for --help or a usage error

    console = Console(highlight=False)
    errors = Console(stderr=True, highlight=False, soft_wrap=True)
    try:
        code: int = args.run(args, console)
        return code
    except KeyboardInterrupt:
        errors.print()
        return EXIT_INTERRUPTED
    except Exception as error:  # every failure ends as one sentence, the details in the log
        failure = explain(error)
        errors.print(f"error: {failure}", markup=False)
        if _needs_model_help(error):
            errors.print(model_help(), markup=False)
        return failure.code


@contextmanager
def _log_to_stderr(verbose: bool) -> Iterator[None]:
    """With -v, every log record (a failure's traceback included) goes to stderr."""
    if not verbose:
        yield
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def _needs_model_help(error: BaseException) -> bool:
    from memory import ModelConfigError

    return isinstance(error, ModelConfigError)


if __name__ == "__main__":
    sys.exit(main())
