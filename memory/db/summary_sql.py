"""The SQL of session summaries: the same statements on SQLite and on PostgreSQL but for
the placeholder (`?` or `%s`), so they are built here once, for both backends."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

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
def summary_sql(t: str, mark: str) -> SummarySql:
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
