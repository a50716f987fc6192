"""`memory-agent memories ...`: list, edit, search and move one user's stored memories."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from graphs.cli.confirm import confirmed
from graphs.cli.errors import CliError
from graphs.cli.ids import resolve_id, user_ids
from graphs.cli.options import (
    DEFAULT_TABLE,
    EMBEDDINGS_ENV,
    EXIT_DECLINED,
    EXIT_OK,
    EXIT_PARTIAL,
    embeddings,
    is_url,
    open_db,
)
from graphs.cli.output import (
    history_table,
    id_length,
    nothing_found,
    print_json,
    print_memories,
    print_result,
    short_id,
    summary_table,
    working,
)
from memory.errors import MemoryNotFoundError
from memory.schema import UserMemory

if TYPE_CHECKING:
    from memory import AgnoImportReport, DuplicateGroup, Memory

READ_ONLY = frozenset({"list", "search", "show", "history", "export", "summaries"})
"""Commands that only read: on a path with no database they create none."""


def run(args: argparse.Namespace, out: Console) -> int:
    if args.action in READ_ONLY and not is_url(args.db) and not os.path.exists(args.db):
        raise CliError(
            f"There is no database at {args.db}: check --db (or $MEMORY_AGENT_DB), "
            "or add a memory first."
        )
    if args.action == "list":
        return _list(args, out)
    from memory.memory import Memory  # loads LangChain: only the commands that use it pay

    # With --from-agno, --table names the Agno table; the memories go to the default one.
    table = args.table if args.from_agno is None else None
    db = open_db(args.db, table or DEFAULT_TABLE)
    with Memory(db=db, embeddings=embeddings(args), agent_id=args.agent) as memory:
        return ACTIONS[args.action](memory, args, out)


def _check_period(args: argparse.Namespace) -> None:
    if args.since is not None and args.until is not None and args.since >= args.until:
        raise CliError(
            f"--since {args.since:%Y-%m-%d %H:%M} is not before --until "
            f"{args.until:%Y-%m-%d %H:%M}: give a --since earlier than --until."
        )


def _list(args: argparse.Namespace, out: Console) -> int:
    """The store's own scoped view, as `Memory.get_user_memories` reads it, without a
    `Memory`: listing needs no model, so it starts without loading LangChain."""
    from memory.db.base import Scope
    from memory.db.view import NO_FILTER, MemoryFilter, MemoryView
    from memory.schema import utcnow

    _check_period(args)
    embeddings(args)  # a bad --embeddings is refused here as by every other command
    filter = MemoryFilter.of(args.topics, args.since, args.until)
    with open_db(args.db, args.table) as db:
        scope = Scope(args.agent, utcnow())
        found = MemoryView(db, scope, filter).list_memories(args.user)
        among = found if filter == NO_FILTER else MemoryView(db, scope).list_memories(args.user)
        print_memories(found, args, out, among=[m.memory_id for m in among])
    return EXIT_OK


def _show(memory: Memory, args: argparse.Namespace, out: Console) -> int:
    memory_id = resolve_id(memory, args.user, args.memory_id)
    found = memory.get_user_memory(memory_id, args.user)
    if found is None:
        raise MemoryNotFoundError(args.memory_id, args.user)
    print_memories([found], args, out, among=user_ids(memory, args.user))
    return EXIT_OK


def _add(memory: Memory, args: argparse.Namespace, out: Console) -> int:
    memory_id = memory.add_user_memory(
        UserMemory(memory=args.text, topics=args.topic, expires_at=args.expires),
        args.user,
        source="cli",
    )
    print_result({"memory_id": memory_id}, f"Stored {memory_id}.", args, out)
    return EXIT_OK


def _replace(memory: Memory, args: argparse.Namespace, out: Console) -> int:
    memory_id = resolve_id(memory, args.user, args.memory_id)
    memory.replace_user_memory(
        memory_id, UserMemory(memory=args.text, topics=args.topic), args.user, source="cli"
    )
    print_result({"memory_id": memory_id}, f"Replaced {memory_id}.", args, out)
    return EXIT_OK


def _delete(memory: Memory, args: argparse.Namespace, out: Console) -> int:
    memory_id = resolve_id(memory, args.user, args.memory_id)
    if not memory.delete_user_memory(args.user, memory_id, source="cli"):
        raise MemoryNotFoundError(args.memory_id, args.user)
    print_result({"deleted": memory_id}, f"Deleted {memory_id}.", args, out)
    return EXIT_OK


def _clear(memory: Memory, args: argparse.Namespace, out: Console) -> int:
    if args.all == (args.user is not None):
        raise CliError("Name exactly one of --user U or --all.")
    whose = "every user" if args.all else args.user
    if not confirmed(f"forget every memory of {whose}", yes=args.yes, out=out):
        return EXIT_DECLINED
    count = memory.clear(None if args.all else args.user, source="cli")
    print_result({"cleared": count}, f"Cleared {_count(count)}.", args, out)
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
    _check_period(args)
    if args.method == "semantic" and not memory.searches_by_meaning:
        raise CliError(
            "--method semantic needs embeddings: add --embeddings hash (or set "
            f"${EMBEDDINGS_ENV}), or use --method keyword or hybrid."
        )
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
        Console(stderr=True, highlight=False, soft_wrap=True).print(
            f"Note: {found.fallback_reason}.", markup=False
        )
    if args.json:
        rows = [m.to_dict() | {"method": found.method} for m in found]
        if found.scores is not None:
            rows = [row | {"score": s} for row, s in zip(rows, found.scores, strict=True)]
        print_json(rows, out)
    elif not found and args.query and found.method == "keyword":
        out.print(
            f"{nothing_found('memories', args.user)[:-1]} with the words of {args.query!r}. "
            "Search by meaning finds related ones: add --embeddings hash (or set "
            f"${EMBEDDINGS_ENV}) and run memory-agent memories reembed --user {args.user} "
            "once.",
            markup=False,
            soft_wrap=True,
        )
    else:
        print_memories(
            found,
            args,
            out,
            among=user_ids(memory, args.user),
            scores=found.scores,
            title=f"memories of {args.user}, by {found.method.replace('_', ' ')} search",
        )
    return EXIT_OK


def _count(count: int, what: str = "memory", many: str = "memories") -> str:
    return f"{count} {what if count == 1 else many}"


def _dedupe(memory: Memory, args: argparse.Namespace, out: Console) -> int:
    from memory.dedupe import DEFAULT_THRESHOLD

    with working("looking for near-duplicate memories...", out):
        groups = memory.dedupe_user_memories(
            args.user,
            apply=args.apply,
            threshold=DEFAULT_THRESHOLD if args.threshold is None else args.threshold,
            source="cli",
        )
    if args.json:
        print_json([_group_dict(group) for group in groups], out)
        return EXIT_OK
    if not groups:
        out.print(nothing_found("near-duplicate memories", args.user), markup=False)
        return EXIT_OK
    shown = [m.memory_id for group in groups for m in (group.keep, *group.duplicates)]
    length = None if args.full_ids else id_length(shown, [*shown, *user_ids(memory, args.user)])
    table = Table(box=box.SIMPLE_HEAD)
    table.add_column("keep", no_wrap=True)
    table.add_column("merge", no_wrap=True)
    table.add_column("memory", min_width=20)
    for group in groups:
        table.add_row(short_id(group.keep.memory_id, length), "", Text(group.keep.memory))
        for duplicate in group.duplicates:
            table.add_row("", short_id(duplicate.memory_id, length), Text(duplicate.memory))
    out.print(table)
    merged = sum(len(group.duplicates) for group in groups)
    verb = "Merged" if args.apply else "Would merge (a dry run: --apply merges)"
    out.print(f"{verb} {_count(merged)} into {len(groups)}.", markup=False, soft_wrap=True)
    return EXIT_OK


def _group_dict(group: DuplicateGroup) -> dict[str, Any]:
    return {
        "keep": group.keep.to_dict(),
        "duplicates": [duplicate.to_dict() for duplicate in group.duplicates],
    }


def _reembed(memory: Memory, args: argparse.Namespace, out: Console) -> int:
    if args.all == (args.user is not None):
        raise CliError("Name exactly one of --user U or --all.")
    with working("computing vectors...", out):
        count = memory.reembed_memories(None if args.all else args.user)
    print_result({"embedded": count}, f"Embedded {_count(count)}.", args, out)
    return EXIT_OK


def _history(memory: Memory, args: argparse.Namespace, out: Console) -> int:
    events = memory.get_memory_history(resolve_id(memory, args.user, args.memory_id), args.user)
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
    elif found:
        out.print(summary_table(found, args.user))
    else:
        out.print(nothing_found("session summaries", args.user), markup=False)
    return EXIT_OK


def _export(memory: Memory, args: argparse.Namespace, out: Console) -> int:
    with working("exporting...", out):
        exported = memory.export_user_memories(args.user)
    text = json.dumps(exported, ensure_ascii=False, indent=2)
    if args.out == "-":
        out.print(text, markup=False, soft_wrap=True)
        return EXIT_OK
    with open(args.out, "w", encoding="utf-8") as file:
        file.write(text + "\n")
    count = len(exported["memories"])
    print_result(
        {"exported": count, "file": args.out},
        f"Exported {_count(count)} of {args.user} to {args.out}.",
        args,
        out,
    )
    return EXIT_OK


def _import(memory: Memory, args: argparse.Namespace, out: Console) -> int:
    if (args.file is None) == (args.from_agno is None):
        raise CliError("Name a file made by export, or --from-agno SOURCE (not both).")
    if args.from_agno is not None:
        from memory import import_agno_memories  # loaded for this command only

        with working("importing...", out):
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
        raise CliError(
            f"{args.file} is not JSON (line {error.lineno}): give a file written by "
            "memory-agent memories export."
        ) from error
    user = args.user if args.user is not None else _exported_user(data)
    before = {m.memory_id: m.to_dict() for m in memory.get_user_memories(user)}
    with working("importing...", out):
        ids = memory.import_user_memories(data, user_id=args.user)
    after = {m.memory_id: m.to_dict() for m in memory.get_user_memories(user)}
    added = [i for i in ids if i not in before]
    unchanged = [i for i in ids if i in before and before[i] == after.get(i)]
    updated = [i for i in ids if i not in added and i not in unchanged]
    print_result(
        {"imported": ids, "added": added, "updated": updated, "unchanged": unchanged},
        f"Imported into {user}: {len(added)} added, {len(updated)} updated, "
        f"{len(unchanged)} unchanged.",
        args,
        out,
    )
    return EXIT_OK


def _exported_user(data: Any) -> str:
    """The user an export names, for the report; the import itself checks the data."""
    user = data.get("user_id") if isinstance(data, dict) else None
    if not isinstance(user, str):
        raise CliError("The file names no user: give --user U, or a file written by export.")
    return user


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
    # "list" reads without a Memory: see run
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
