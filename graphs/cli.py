"""The `memory-agent` command: inspect and edit stored memories from a shell."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from memory import (
    InvalidInputError,
    Memory,
    MemoryDbError,
    MemoryEvent,
    MemoryNotFoundError,
    SqliteMemoryDb,
    UserMemory,
)

DEFAULT_DB = "tmp/agent.db"
EXIT_OK, EXIT_NOT_FOUND, EXIT_USAGE = 0, 1, 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="memory-agent", description="Long-term user memory for LangGraph agents."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    memories = commands.add_parser("memories", help="list, edit and search stored memories")
    actions = memories.add_subparsers(dest="action", required=True)

    def action(name: str, help_: str, *, user: bool = True) -> argparse.ArgumentParser:
        sub = actions.add_parser(name, help=help_)
        sub.add_argument("--user", required=user, help="the user id the memories belong to")
        sub.add_argument(
            "--db",
            default=os.environ.get("MEMORY_AGENT_DB", DEFAULT_DB),
            help=f"SQLite file (default: $MEMORY_AGENT_DB or {DEFAULT_DB})",
        )
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
        choices=["keyword", "last_n", "first_n"],
        help="keyword when a query is given, else last_n",
    )
    search.add_argument("--limit", type=int, default=10)
    action("history", "every change to a memory").add_argument("memory_id")
    export = action("export", "write the user's memories as JSON")
    export.add_argument("--out", default="-", help="file to write (default: standard output)")
    import_ = action("import", "read memories written by export", user=False)
    import_.add_argument("file", help="file to read, or - for standard input")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    console = Console(highlight=False)
    errors = Console(stderr=True, highlight=False)
    try:
        with Memory(db=SqliteMemoryDb(table_name=args.table, db_file=args.db)) as memory:
            return _MEMORY_ACTIONS[args.action](memory, args, console)
    except MemoryNotFoundError as error:
        errors.print(f"not found: {error}")
        return EXIT_NOT_FOUND
    except (InvalidInputError, MemoryDbError, OSError, ValueError) as error:
        errors.print(f"error: {error}")
        return EXIT_USAGE


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
    _print_memories(found, args, out)
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
        return
    table = Table(title=f"memories of {args.user}", box=box.SIMPLE_HEAD)
    table.add_column("id", no_wrap=True, min_width=36)
    table.add_column("memory", ratio=3)
    table.add_column("topics", ratio=1)
    table.add_column("updated", no_wrap=True)
    for m in memories:
        updated = m.updated_at.strftime("%Y-%m-%d") if m.updated_at else ""
        table.add_row(m.memory_id, Text(m.memory), Text(", ".join(m.topics)), updated)
    out.print(table)


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
