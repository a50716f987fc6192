"""How commands print: JSON for scripts, Rich tables for people, and one wording for
empty results and progress."""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, time
from itertools import pairwise
from typing import TYPE_CHECKING, Any

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

if TYPE_CHECKING:
    from memory import MemoryEvent, SessionSummary, UserMemory

MIN_ID_LENGTH = 8
"""Ids in tables are cut to a prefix this long, longer when needed to stay unique (as git)."""


def print_json(data: Any, out: Console) -> None:
    out.print(json.dumps(data, ensure_ascii=False, indent=2), markup=False, soft_wrap=True)


def print_result(data: dict[str, Any], text: str, args: argparse.Namespace, out: Console) -> None:
    if args.json:
        print_json(data, out)
    else:
        out.print(text, markup=False, soft_wrap=True)


def nothing_found(what: str, user: str) -> str:
    """The one sentence every command prints when it has nothing to show."""
    return f"No {what} of {user}."


def id_length(shown: Iterable[str | None], among: Iterable[str | None]) -> int:
    """The shortest prefix length (at least `MIN_ID_LENGTH`) that tells each shown id
    apart from every other id in `among`, the user's memories."""
    others = sorted({i for i in among if i})
    wanted = {i for i in shown if i}
    length = MIN_ID_LENGTH
    for before, after in pairwise(others):
        if before in wanted or after in wanted:
            common = next(
                (n for n, (a, b) in enumerate(zip(before, after, strict=False)) if a != b),
                min(len(before), len(after)),
            )
            length = max(length, common + 1)
    return length


def short_id(memory_id: str | None, length: int | None) -> str:
    """The id as a table shows it: cut to `length`, or whole when `length` is None."""
    if memory_id is None:
        return ""
    return memory_id if length is None else memory_id[:length]


def print_memories(
    memories: Sequence[UserMemory],
    args: argparse.Namespace,
    out: Console,
    *,
    among: Iterable[str | None] = (),
    scores: Sequence[float] | None = None,
    title: str | None = None,
) -> None:
    """JSON (full ids, with each score when there are scores), else a table or the
    sentence that says there is nothing; `among` are the ids the shortened ones must
    stay unique within."""
    if args.json:
        rows = [m.to_dict() for m in memories]
        if scores is not None:
            rows = [row | {"score": score} for row, score in zip(rows, scores, strict=True)]
        print_json(rows, out)
    elif memories:
        ids = [m.memory_id for m in memories]
        length = None if args.full_ids else id_length(ids, [*ids, *among])
        out.print(memory_table(memories, args.user, length, scores=scores, title=title))
    else:
        out.print(nothing_found("memories", args.user), markup=False)


def memory_table(
    memories: Sequence[UserMemory],
    user: str,
    length: int | None,
    *,
    scores: Sequence[float] | None = None,
    title: str | None = None,
) -> Table:
    table = Table(title=title or f"memories of {user}", box=box.SIMPLE_HEAD)
    table.add_column("id", no_wrap=True)
    if scores is not None:
        table.add_column("score", justify="right", no_wrap=True)
    table.add_column("memory", ratio=3, min_width=16)
    table.add_column("topics", ratio=1)
    table.add_column("updated", no_wrap=True)
    expiring = any(m.expires_at for m in memories)
    if expiring:
        table.add_column("expires", no_wrap=True)
    for n, m in enumerate(memories):
        updated = m.updated_at.strftime("%Y-%m-%d") if m.updated_at else ""
        row: list[str | Text] = [short_id(m.memory_id, length)]
        if scores is not None:
            row.append(f"{scores[n]:.3g}")
        row += [Text(m.memory), Text(", ".join(m.topics)), updated]
        if expiring:
            row.append(moment(m.expires_at))
        table.add_row(*row)
    return table


def moment(at: datetime | None) -> str:
    """A time as tables show it: the date, and the time of day unless it is midnight."""
    if at is None:
        return ""
    return at.strftime("%Y-%m-%d" if at.time() == time() else "%Y-%m-%d %H:%M")


def history_table(events: list[MemoryEvent]) -> Table:
    table = Table(box=box.SIMPLE_HEAD)
    table.add_column("at", no_wrap=True)
    table.add_column("action", no_wrap=True)
    table.add_column("source", no_wrap=True)
    table.add_column("before", ratio=1)
    table.add_column("after", ratio=1)
    for e in events:
        table.add_row(
            e.at.strftime("%Y-%m-%d %H:%M"),
            e.action,
            e.source,
            Text(e.old_memory or ""),
            Text(e.new_memory or ""),
        )
    return table


def summary_table(summaries: list[SessionSummary], user: str) -> Table:
    table = Table(title=f"session summaries of {user}", box=box.SIMPLE_HEAD)
    table.add_column("session", no_wrap=True)
    table.add_column("summary", ratio=3, min_width=20)
    table.add_column("topics", ratio=1)
    table.add_column("runs", justify="right")
    table.add_column("updated", no_wrap=True)
    for s in summaries:
        updated = s.updated_at.strftime("%Y-%m-%d") if s.updated_at else ""
        table.add_row(
            Text(s.session_id or ""),
            Text(s.summary),
            Text(", ".join(s.topics)),
            str(s.runs),
            updated,
        )
    return table


@contextmanager
def working(description: str, out: Console) -> Iterator[None]:
    """A pulsing progress bar with the time spent while long work runs on a terminal;
    nothing on a pipe or in a file, so scripts read only the result."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=out,
        transient=True,
        disable=not out.is_terminal,
    )
    with bar:
        bar.add_task(description, total=None)
        yield
