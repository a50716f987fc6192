"""How commands print: JSON for scripts, rich tables for people."""

from __future__ import annotations

import argparse
import json
from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from memory import MemoryEvent, SessionSummary, UserMemory


def print_json(data: Any, out: Console) -> None:
    out.print(json.dumps(data, ensure_ascii=False, indent=2), markup=False, soft_wrap=True)


def print_result(data: dict[str, Any], text: str, args: argparse.Namespace, out: Console) -> None:
    if args.json:
        print_json(data, out)
    else:
        out.print(text, markup=False)


def print_memories(memories: list[UserMemory], args: argparse.Namespace, out: Console) -> None:
    if args.json:
        print_json([m.to_dict() for m in memories], out)
    elif memories:
        out.print(memory_table(memories, args.user))
    else:
        out.print(f"No memories of {args.user}.", markup=False)


def memory_table(memories: list[UserMemory], user: str) -> Table:
    table = Table(title=f"memories of {user}", box=box.SIMPLE_HEAD)
    table.add_column("id", no_wrap=True, min_width=36)
    table.add_column("memory", ratio=3)
    table.add_column("topics", ratio=1)
    table.add_column("updated", no_wrap=True)
    expiring = any(m.expires_at for m in memories)
    if expiring:
        table.add_column("expires", no_wrap=True)
    for m in memories:
        updated = m.updated_at.strftime("%Y-%m-%d") if m.updated_at else ""
        row = [m.memory_id, Text(m.memory), Text(", ".join(m.topics)), updated]
        if expiring:
            row.append(m.expires_at.strftime("%Y-%m-%d %H:%M") if m.expires_at else "")
        table.add_row(*row)
    return table


def history_table(events: list[MemoryEvent]) -> Table:
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


def summary_table(summaries: list[SessionSummary], user: str) -> Table:
    table = Table(title=f"session summaries of {user}", box=box.SIMPLE_HEAD)
    table.add_column("session", no_wrap=True)
    table.add_column("summary", ratio=3)
    table.add_column("topics", ratio=1)
    table.add_column("runs", justify="right")
    table.add_column("updated", no_wrap=True)
    for s in summaries:
        updated = s.updated_at.strftime("%Y-%m-%d %H:%M") if s.updated_at else ""
        table.add_row(
            Text(s.session_id or ""),
            Text(s.summary),
            Text(", ".join(s.topics)),
            str(s.runs),
            updated,
        )
    return table
