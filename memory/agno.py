"""Reading an Agno app's user memories, so that they can move into a `Memory`.

Agno has kept user memories in two table layouts, in SQLite or PostgreSQL:

- Agno 1.x memory v2 (`SqliteMemoryDb`, `PostgresMemoryDb`; table `memory` in
  Agno's examples): columns `id`, `user_id`, `memory`, `created_at`, `updated_at`.
  `memory` holds Agno's `UserMemory.to_dict()` (`memory`, `topics`, `input`,
  `last_updated`): in SQLite as `str(dict)`, a Python literal that Agno read back
  with `eval`; in PostgreSQL as JSONB.
- Agno 2.x (`SqliteDb`, `PostgresDb`; table `agno_memories`): one column per field,
  `memory` and `topics` as JSON, `created_at` and `updated_at` in epoch seconds.

A literal is parsed with `ast.literal_eval`, which builds values and never runs
code: a row crafted to run code when `eval`'d is refused and reported like any
other bad row. The Agno database is only read, all of it before anything is
written (`memory.agno_source`).
"""

from __future__ import annotations

import ast
import json
import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from memory.agno_source import AGNO_2, ID_COLUMN, NOT_UTF8, AgnoLayout, read_source
from memory.errors import InvalidInputError, MemoryAgentError
from memory.schema import (
    AddMemory,
    UserMemory,
    WriteContext,
    utc,
    validate_memory_id,
    validate_user_id,
)
from memory.telemetry import for_user
from memory.text import normalized_text

if TYPE_CHECKING:
    from memory.memory import Memory

logger = logging.getLogger(__name__)

MAX_LITERAL_CHARS = 100_000
"""Far above any memory within our limits; longer text is not parsed at all."""


@dataclass(frozen=True)
class SkippedAgnoRow:
    """An Agno row that was not imported, and why."""

    row: str
    """Agno's memory id, or "row N" (counted in the order read) for a row without one."""
    user_id: str | None
    reason: str


@dataclass
class AgnoImportReport:
    """What `import_agno_memories` read, imported, and left out."""

    source: str
    """The SQLite file, or the PostgreSQL URL without its password."""
    table: str
    layout: AgnoLayout
    imported: dict[str, list[str]] = field(default_factory=dict)
    """The ids imported, per user."""
    already_present: list[SkippedAgnoRow] = field(default_factory=list)
    """Rows the user already has (same id, or the same fact in the same words): a re-run
    lands here, so it imports nothing twice."""
    refused: list[SkippedAgnoRow] = field(default_factory=list)
    """Rows that could not be imported: bad rows, and the rows of a user whose batch failed."""
    other_tables: list[str] = field(default_factory=list)
    """Further Agno memory tables in the source, not read; name one with `table=`."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def import_agno_memories(
    source: str | os.PathLike[str],
    memory: Memory,
    table: str | None = None,
    *,
    user_id: str | None = None,
) -> AgnoImportReport:
    """Copy an Agno app's user memories into `memory`, keeping ids, users, text, topics,
    input and times.

    Args:
        source: The Agno app's SQLite file (or `sqlite:///` URL), or a PostgreSQL URL
            (`postgresql://...`, also with SQLAlchemy's `+psycopg`).
        memory: Where the memories go; each user's land as one transaction.
        table: The Agno table; by default `agno_memories`, else `memory`. In
            PostgreSQL `schema.table`, or a table in schema `ai`, else on the search path.
        user_id: Import only this user's memories.

    A row the user already has is left as it is, so importing again imports
    nothing twice. A bad row (no user, no text, a malformed literal, a user id or
    text our limits refuse) is reported in `refused` with its id, and the rest are
    imported. Raises `InvalidInputError` when the source is not an Agno database
    or has no such table, and `MemoryDbError` when it cannot be read.
    """
    user_id = None if user_id is None else validate_user_id(user_id)
    read = read_source(os.fspath(source), table, user_id)
    report = AgnoImportReport(read.source, read.table, read.layout, other_tables=read.others)
    return _import_rows(read.rows, read.layout, read.memory_is_json, memory, report)


def import_agno_rows(
    rows: Sequence[Mapping[str, object]],
    memory: Memory,
    layout: AgnoLayout = AGNO_2,
    *,
    memory_is_json: bool = False,
    source: str = "rows",
) -> AgnoImportReport:
    """Copy Agno rows already read (as `import_agno_memories` reads its table: JSON columns
    as text) into `memory`, with the same rules and report.

    `memory_is_json` tells how an Agno 1.x row's `memory` column holds its dict: as JSON
    (PostgreSQL's JSONB) or as a Python literal (SQLite). A row missing a column of its
    layout is refused like any other bad row.
    """
    report = AgnoImportReport(source, "", layout)
    return _import_rows(rows, layout, memory_is_json, memory, report)


def _import_rows(
    rows: Sequence[Mapping[str, object]],
    layout: AgnoLayout,
    memory_is_json: bool,
    memory: Memory,
    report: AgnoImportReport,
) -> AgnoImportReport:
    batches: dict[str, list[UserMemory]] = {}
    for position, row in enumerate(rows, start=1):
        try:
            owner, found = _parse(row, layout, memory_is_json=memory_is_json)
        except Exception as error:  # whatever is wrong with one row, the others go on
            reason = error.reason if isinstance(error, _Refused) else _unexpected(error)
            skipped = _skipped(row, layout, position, reason)
            logger.info("Agno row %s not imported: %s", skipped.row, skipped.reason)
            report.refused.append(skipped)
            continue
        batches.setdefault(owner, []).append(found)
    for owner, batch in batches.items():
        _import_user(memory, owner, batch, report)
    logger.info(
        "imported %d Agno memories of %d users from %s; %d already present, %d refused",
        sum(map(len, report.imported.values())),
        len(report.imported),
        report.table or report.source,
        len(report.already_present),
        len(report.refused),
    )
    return report


def _import_user(
    memory: Memory, user_id: str, batch: list[UserMemory], report: AgnoImportReport
) -> None:
    """Add the memories the user lacks, as one transaction; the rest are already present."""
    existing = memory.get_user_memories(user_id)
    ids = {m.memory_id for m in existing}
    texts = {normalized_text(m.memory): m.memory_id for m in existing}
    new: list[tuple[str, UserMemory]] = []
    for found in batch:
        memory_id, text_key = str(found.memory_id), normalized_text(found.memory)
        if memory_id in ids:
            reason = "already imported"
        elif text_key in texts:
            reason = f"the user already has this memory as {texts[text_key]}"
        else:
            new.append((memory_id, found))
            ids.add(memory_id)
            texts[text_key] = memory_id
            continue
        report.already_present.append(SkippedAgnoRow(memory_id, user_id, reason))
    if not new:
        return
    try:
        events = memory.apply_user_memory_ops(
            user_id, [AddMemory(found) for _, found in new], WriteContext("import")
        )
    except Exception as error:  # one user's failed batch leaves the other users' imports
        logger.warning(
            "Agno memories%s not imported: %s", for_user(logger, user_id), error, exc_info=True
        )
        why = error if isinstance(error, MemoryAgentError) else _unexpected(error)
        reason = f"nothing of this user's was written: {why}"
        report.refused.extend(SkippedAgnoRow(memory_id, user_id, reason) for memory_id, _ in new)
        return
    report.imported[user_id] = [event.memory_id for event in events]


# -- rows to memories ---------------------------------------------------------


class _Refused(Exception):
    """A row that cannot become a memory; `reason` says why, for the report."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _unexpected(error: Exception) -> str:
    """The reason of a row error that no check foresaw, for the report (and the log)."""
    logger.debug("Agno row failed", exc_info=error)
    return f"cannot be read ({type(error).__name__}: {str(error)[:200]})"


def _check_text(row: Mapping[str, object]) -> None:
    for column, value in row.items():
        if value is NOT_UTF8:
            raise _Refused(f"{column} is not valid UTF-8 text")


def _parse(
    row: Mapping[str, object], layout: AgnoLayout, *, memory_is_json: bool
) -> tuple[str, UserMemory]:
    """The row's user and memory; raises `_Refused` for a row that cannot be imported."""
    missing = [c for c in (ID_COLUMN[layout], "user_id", "memory") if c not in row]
    if missing:
        raise _Refused(f"no {', '.join(missing)} column")
    _check_text(row)
    if layout == AGNO_2:
        return _memory(
            row["user_id"],
            memory_id=row["memory_id"],
            text=_json(row["memory"], "memory"),
            topics=_json(row.get("topics"), "topics"),
            input=row.get("input"),
            created_at=row.get("created_at"),
            updated_at=row.get("updated_at"),
        )
    raw = row["memory"]
    data = _json(raw, "memory") if memory_is_json else _literal(raw)
    if not isinstance(data, dict):
        raise _Refused(f"memory is a {type(data).__name__}, not Agno's dict of a memory")
    return _memory(
        row["user_id"],
        memory_id=row["id"],
        text=data.get("memory"),
        topics=data.get("topics"),
        input=data.get("input"),
        created_at=row.get("created_at"),
        # The column is UTC; the dict's last_updated is the writer's local time.
        updated_at=row.get("updated_at") or data.get("last_updated"),
    )


def _memory(
    user_id: object,
    *,
    memory_id: object,
    text: object,
    topics: object,
    input: object,
    created_at: object,
    updated_at: object,
) -> tuple[str, UserMemory]:
    if user_id is None or user_id == "":
        raise _Refused("no user id")
    if memory_id is None or memory_id == "":
        raise _Refused("no memory id")
    if text is None or (isinstance(text, str) and not text.strip()):
        raise _Refused("empty memory")
    try:
        owner = validate_user_id(user_id)
        validate_memory_id(memory_id)
    except InvalidInputError as error:
        raise _Refused(f"refused: {error}") from error
    try:
        found = UserMemory.model_validate(
            {
                "memory": text,
                "topics": topics,
                "input": input,
                "memory_id": memory_id,
                "created_at": _in_utc(_time(created_at, "created_at"), "created_at"),
                "updated_at": _in_utc(_time(updated_at, "updated_at"), "updated_at"),
            }
        )
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors(include_url=False)
        )
        raise _Refused(f"refused: {problems}") from error
    return owner, found


def _literal(raw: object) -> object:
    """Agno 1.x's `str(dict)`, parsed as a literal: values only, never a call."""
    if not isinstance(raw, str):
        raise _Refused(f"memory is a {type(raw).__name__}, not a Python literal")
    if len(raw) > MAX_LITERAL_CHARS:
        raise _Refused(f"memory is longer than {MAX_LITERAL_CHARS} characters; not parsed")
    try:
        return ast.literal_eval(raw)
    except SyntaxError as error:
        why = f"a syntax error: {error.msg}"
    except ValueError:
        why = "it holds an expression that is not a value, such as a call or a name"
    except (TypeError, MemoryError, RecursionError) as error:
        why = type(error).__name__
    raise _Refused(f"memory is not a plain Python literal, so it was not evaluated ({why})")


def _json(raw: object, column: str) -> object:
    if raw is None:
        return None
    if not isinstance(raw, str):
        raise _Refused(f"{column} is a {type(raw).__name__}, not JSON text")
    try:
        return json.loads(raw)
    except ValueError as error:
        raise _Refused(f"{column} is not JSON ({error})") from error
    except RecursionError as error:
        raise _Refused(f"{column} is JSON nested too deeply to read") from error


def _time(value: object, column: str) -> datetime | None:
    """A stored time: a datetime, epoch seconds (Agno 2.x), or ISO text (Agno 1.x SQLite,
    naive meaning UTC)."""
    try:
        if value is None or isinstance(value, datetime):
            return value
        if isinstance(value, int | float) and not isinstance(value, bool):
            return datetime.fromtimestamp(value, UTC)
        if isinstance(value, str):
            return datetime.fromisoformat(value)
    except (ValueError, OverflowError, OSError):
        pass
    raise _Refused(f"{column} is not a time: {str(value)[:40]!r}")


def _in_utc(value: datetime | None, column: str) -> datetime | None:
    try:
        return None if value is None else utc(value)
    except InvalidInputError as error:
        raise _Refused(f"{column}: {error}") from error


def _skipped(
    row: Mapping[str, object], layout: AgnoLayout, position: int, reason: str
) -> SkippedAgnoRow:
    memory_id, user_id = row.get(ID_COLUMN[layout]), row.get("user_id")
    return SkippedAgnoRow(
        memory_id if isinstance(memory_id, str) and memory_id else f"row {position}",
        user_id if isinstance(user_id, str) else None,
        reason,
    )
