"""The `memory-agent` command: chat with the agent, and inspect and edit stored memories.

One module per command: `chat` (chat and ask), `demo`, `memories`; `options` holds
what they share and `output` how they print.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import datetime

from rich.console import Console

from graphs.cli import chat as chat_command
from graphs.cli import demo as demo_command
from graphs.cli import mcp as mcp_command
from graphs.cli import memories as memories_command
from graphs.cli.confirm import yes_option
from graphs.cli.options import (
    DEFAULT_TABLE,
    EXIT_NOT_FOUND,
    EXIT_USAGE,
    MODEL_HELP,
    db_option,
    embeddings_option,
    model_option,
)
from graphs.deferred import DEFAULT_DELAY_S
from memory import InvalidInputError, MemoryAgentError, MemoryNotFoundError, ModelConfigError
from memory.dedupe import DEFAULT_THRESHOLD
from memory.schema import utc, validate_agent_id


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="memory-agent", description="Long-term user memory for LangGraph agents."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    _add_agent_commands(commands)
    memories = commands.add_parser("memories", help="list, edit and search stored memories")
    memories.set_defaults(run=memories_command.run, from_agno=None)
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
        sub.add_argument("--user", required=user, help=user_help)
        _agent_option(sub)
        db_option(sub)
        embeddings_option(sub)
        sub.add_argument("--table", default=DEFAULT_TABLE, help=table_help)
        sub.add_argument("--json", action="store_true", help="print JSON for scripts")
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
    search.add_argument("--limit", type=int, default=10)
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
        type=float,
        default=DEFAULT_THRESHOLD,
        help=f"share of content words two memories must share (default {DEFAULT_THRESHOLD})",
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
    chat.set_defaults(run=chat_command.chat)
    ask = commands.add_parser("ask", help="send the agent one message")
    ask.set_defaults(run=chat_command.ask)
    ask.add_argument("message")
    for sub in (chat, ask):
        sub.add_argument("--user", required=True, help="who is talking: whose memories are used")
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
        default=DEFAULT_DELAY_S,
        metavar="SECONDS",
        help=f"quiet seconds before deferred learning (default: {DEFAULT_DELAY_S:g})",
    )
    yes_option(chat)  # for /forget-all
    ask.set_defaults(extraction="inline", extraction_delay=DEFAULT_DELAY_S)
    ask.add_argument("--json", action="store_true", help="print the answer and updates as JSON")
    demo = commands.add_parser("demo", help="run the two agent examples of Agno's User Memories")
    demo.set_defaults(run=demo_command.demo, agent=None)
    model_option(demo)
    db_option(demo)
    embeddings_option(demo)
    mcp = commands.add_parser("mcp", help="serve one user's memories to an MCP client over stdio")
    mcp.set_defaults(run=mcp_command.serve_stdio)
    mcp.add_argument("--user", required=True, help="whose memories the MCP tools reach")
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
        help="API keys (JSON, see the README's Server section); also $MEMORY_AGENT_API_KEYS "
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
    try:
        return str(validate_agent_id(value))
    except InvalidInputError as error:
        raise argparse.ArgumentTypeError(str(error)) from error


def _moment(value: str) -> datetime:
    """An ISO 8601 date ("2025-03-01", its midnight) or time; without a zone, UTC."""
    try:
        return utc(datetime.fromisoformat(value))
    except ValueError as error:
        raise argparse.ArgumentTypeError(
            f"not an ISO 8601 date or time: {value!r} (e.g. 2025-03-01 or 2025-03-01T18:00)"
        ) from error


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


if __name__ == "__main__":
    sys.exit(main())
