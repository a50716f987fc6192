"""The SQL of session summaries: the same statements on SQLite and on PostgreSQL but for
the placeholder (`?` or `%s`), so they are built here once, for both backends, with
the conversion of their rows; each driver says only how it stores topics and times."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from memory.schema import SessionSummary, SummaryEvent

SUMMARY_COLUMNS = "user_id, session_id, summary, topics, runs, created_at, updated_at"
SUMMARY_EVENT_COLUMNS = (
    "user_id, session_id, action, old_summary, new_summary, old_topics, new_topics, source, at"
)


@dataclass(frozen=True)
class SummarySql:
    """The statements on the summary tables of one table prefix; each takes its
    parameters in the order its columns or conditions name them."""

    one: str
    """The summary of (user_id, session_id)."""
    of_user: str
    """(user_id, session_id or None): the user's summaries (or that session's), most
    recently updated first."""
    history: str
    """(user_id, session_id): the session's events, oldest first."""
    delete: str
    """(user_id, session_id)."""
    upsert: str
    """The `SUMMARY_COLUMNS` of one summary: inserted, or replacing the stored one."""
    record: str
    """The `SUMMARY_EVENT_COLUMNS` of one event."""


@cache
def statements(t: str, mark: str) -> SummarySql:
    """The statements on the tables `{t}_summaries` and `{t}_summary_history`, with the
    driver's placeholder `mark` (built once for each)."""
    where = f"WHERE user_id = {mark} AND session_id = {mark}"
    return SummarySql(
        one=f"SELECT {SUMMARY_COLUMNS} FROM {t}_summaries {where}",
        of_user=f"SELECT {SUMMARY_COLUMNS} FROM {t}_summaries "
        f"WHERE user_id = {mark} AND session_id = coalesce({mark}, session_id) "
        "ORDER BY updated_at DESC, session_id",
        history=f"SELECT {SUMMARY_EVENT_COLUMNS} FROM {t}_summary_history {where} ORDER BY id",
        delete=f"DELETE FROM {t}_summaries {where}",
        upsert=f"INSERT INTO {t}_summaries ({SUMMARY_COLUMNS}) VALUES ({_marks(mark, 7)}) "
        "ON CONFLICT (user_id, session_id) DO UPDATE SET summary = excluded.summary, "
        "topics = excluded.topics, runs = excluded.runs, updated_at = excluded.updated_at",
        record=f"INSERT INTO {t}_summary_history ({SUMMARY_EVENT_COLUMNS}) "
        f"VALUES ({_marks(mark, 9)})",
    )


def _marks(mark: str, count: int) -> str:
    return ", ".join([mark] * count)


def summary_values(summary: SessionSummary, encode: Callable[[Any], Any]) -> tuple[Any, ...]:
    """The `SUMMARY_COLUMNS` of a summary, each as `encode` hands it to the driver (which
    turns a list of topics or a time into the driver's form)."""
    return tuple(encode(getattr(summary, column)) for column in _names(SUMMARY_COLUMNS))


def event_values(event: SummaryEvent, encode: Callable[[Any], Any]) -> tuple[Any, ...]:
    """The `SUMMARY_EVENT_COLUMNS` of an event, each as `encode` hands it to the driver."""
    return tuple(encode(getattr(event, column)) for column in _names(SUMMARY_EVENT_COLUMNS))


def summary_of(row: Sequence[Any], topics: Callable[[Any], list[str]]) -> SessionSummary:
    """A summary from its `SUMMARY_COLUMNS`; `topics` reads the driver's topics column."""
    fields = dict(zip(_names(SUMMARY_COLUMNS), row, strict=True))
    return SessionSummary.model_validate({**fields, "topics": topics(fields["topics"])})


def event_of(row: Sequence[Any], topics: Callable[[Any], list[str]]) -> SummaryEvent:
    """An event from its `SUMMARY_EVENT_COLUMNS`; `topics` reads a topics column (not NULL)."""
    fields = dict(zip(_names(SUMMARY_EVENT_COLUMNS), row, strict=True))
    for column in ("old_topics", "new_topics"):
        if fields[column] is not None:
            fields[column] = topics(fields[column])
    return SummaryEvent.model_validate(fields)


@cache
def _names(columns: str) -> tuple[str, ...]:
    return tuple(column.strip() for column in columns.split(","))
