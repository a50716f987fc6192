"""`memory-agent memories ...`: list, edit, search and move one user's stored memories."""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from graphs.cli.confirm import confirmed
from graphs.cli.options import (
    DEFAULT_TABLE,
    EXIT_DECLINED,
    EXIT_OK,
    EXIT_PARTIAL,
    embeddings,
    open_db,
)
from graphs.cli.output import (
    history_table,
    print_json,
    print_memories,
    print_result,
    summary_table,
)
from memory import (
    AgnoImportReport,
    DuplicateGroup,
    InvalidInputError,
    Memory,
    MemoryNotFoundError,
    UserMemory,
    import_agno_memories,
)


def run(args: argparse.Namespace, out: Console) -> int:
    # With --from-agno, --table names the Agno table; the memories go to the default one.
    table = args.table if args.from_agno is None else None
    db = open_db(args.db, table or DEFAULT_TABLE)
    with Memory(db=db, embeddings=embeddings(args), agent_id=args.agent) as memory:
        return ACTIONS[args.action](memory, args, out)


def _list(memory: Memory, args: argparse.Namespace, out: Console) -> int:
    found = memory.get_user_memories(
        args.user, topics=args.topics, updated_after=args.since, updated_before=args.until
    )
    print_memories(found, args, out)
    return EXIT_OK


def _show(memory: Memory, args: argparse.Namespace, out: Console) -> int:
    found = memory.get_user_memory(args.memory_id, args.user)
    if found is None:
        raise MemoryNotFoundError(args.memory_id, args.user)
    print_memories([found], args, out)
    return EXIT_OK


def _add(memory: Memory, args: argparse.Namespace, out: Console) -> int:
    memory_id = memory.add_user_memory(
        UserMemory(memory=args.text, topics=args.topic, expires_at=args.expires),
        args.user,
        source="cli",
    )
    print_result({"memory_id": memory_id}, f"stored {memory_id}", args, out)
    return EXIT_OK


def _replace(memory: Memory, args: argparse.Namespace, out: Console) -> int:
    memory.replace_user_memory(
        args.memory_id, UserMemory(memory=args.text, topics=args.topic), args.user, source="cli"
    )
    print_result({"memory_id": args.memory_id}, f"replaced {args.memory_id}", args, out)
    return EXIT_OK


def _delete(memory: Memory, args: argparse.Namespace, out: Console) -> int:
    if not memory.delete_user_memory(args.user, args.memory_id, source="cli"):
        raise MemoryNotFoundError(args.memory_id, args.user)
    print_result({"deleted": args.memory_id}, f"deleted {args.memory_id}", args, out)
    return EXIT_OK


def _clear(memory: Memory, args: argparse.Namespace, out: Console) -> int:
    if args.all == (args.user is not None):
        raise InvalidInputError("name exactly one of --user U or --all")
    whose = "every user" if args.all else args.user
    if not confirmed(f"forget every memory of {whose}", yes=args.yes, out=out):
        return EXIT_DECLINED
    count = memory.clear(None if args.all else args.user, source="cli")
    print_result({"cleared": count}, f"cleared {count} memories", args, out)
    return EXIT_OK


def _erase(memory: Memory, args: argparse.Namespace, out: Console) -> int:
    what = f"erase every trace of {args.user} (memories, history, summaries and sessions)"
    if not confirmed(what, yes=args.yes, out=out):
        return EXIT_DECLINED
    erased = asdict(memory.erase_user(args.user))
    counts = ", ".join(f"{count} {kind.replace('_', ' ')}" for kind, count in erased.items())
    print_result(erased, f"erased {args.user}: {counts}", args, out)
    return EXIT_OK


def _search(memory: Memory, args: argparse.Namespace, out: Console) -> int:
    found = memory.search_user_memories(
        args.user,
        query=args.query,
        limit=args.limit,
        retrieval_method=args.method,
        topics=args.topics,
        updated_after=args.since,
        updated_before=args.until,
    )
    if found.fallback_reason:
        Console(stderr=True, highlight=False).print(
            f"warning: {found.fallback_reason}", markup=False
        )
    print_memories(found, args, out)
    return EXIT_OK


def _dedupe(memory: Memory, args: argparse.Namespace, out: Console) -> int:
    groups = memory.dedupe_user_memories(
        args.user, apply=args.apply, threshold=args.threshold, source="cli"
    )
    if args.json:
        print_json([_group_dict(group) for group in groups], out)
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
    print_result({"embedded": count}, f"embedded {count} memories", args, out)
    return EXIT_OK


def _history(memory: Memory, args: argparse.Namespace, out: Console) -> int:
    events = memory.get_memory_history(args.memory_id, args.user)
    if args.json:
        print_json([event.to_dict() for event in events], out)
    else:
        out.print(history_table(events))
    return EXIT_OK


def _summaries(memory: Memory, args: argparse.Namespace, out: Console) -> int:
    if args.session is None:
        found = memory.get_session_summaries(args.user)
    else:
        one = memory.get_session_summary(args.session, args.user)
        found = [] if one is None else [one]
    if args.json:
        print_json([summary.to_dict() for summary in found], out)
    else:
        out.print(summary_table(found, args.user))
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
    if (args.file is None) == (args.from_agno is None):
        raise InvalidInputError("name a file made by export, or --from-agno SOURCE (not both)")
    if args.from_agno is not None:
        report = import_agno_memories(args.from_agno, memory, args.table, user_id=args.user)
        return _print_agno_report(report, args, out)
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
    print_result({"imported": ids}, f"imported {len(ids)} memories", args, out)
    return EXIT_OK


def _print_agno_report(report: AgnoImportReport, args: argparse.Namespace, out: Console) -> int:
    """Print the report; exit status 1 when some rows were skipped, so a script notices
    (2 is for a source that could not be read at all, raised before)."""
    if args.json:
        print_json(report.to_dict(), out)
    else:
        out.print("\n".join(_agno_report_lines(report)), markup=False, soft_wrap=True)
    if not report.refused:
        return EXIT_OK
    count = len(report.refused)
    Console(stderr=True, highlight=False).print(
        f"error: {count} Agno {'row was' if count == 1 else 'rows were'} not imported",
        markup=False,
    )
    return EXIT_PARTIAL


def _agno_report_lines(report: AgnoImportReport) -> list[str]:
    """Per user how many were imported and how many were already here; each refused row."""
    lines = [f"{report.source}: table {report.table} ({report.layout})"]
    imported: Counter[str | None] = Counter({u: len(ids) for u, ids in report.imported.items()})
    present = Counter(row.user_id for row in report.already_present)
    for user in dict.fromkeys([*imported, *present]):
        already = f", already here {present[user]}" if present[user] else ""
        lines.append(f"{user}: imported {imported[user]}{already}")
    if not imported and not present:
        lines.append("no memories to import")
    for row in report.refused:
        user = "no user" if row.user_id is None else f"user {row.user_id!r}"
        lines.append(f"not imported: {row.row} ({user}): {row.reason}")
    lines += [
        f"also found Agno memory table {table}: import it with --table {table}"
        for table in report.other_tables
    ]
    return lines


ACTIONS: dict[str, Callable[[Memory, argparse.Namespace, Console], int]] = {
    "list": _list,
    "show": _show,
    "add": _add,
    "replace": _replace,
    "delete": _delete,
    "clear": _clear,
    "erase": _erase,
    "search": _search,
    "history": _history,
    "summaries": _summaries,
    "export": _export,
    "import": _import,
    "dedupe": _dedupe,
    "reembed": _reembed,
}
