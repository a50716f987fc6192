"""One sequence of writes and queries gives identical results on every backend:
SQLite in process and in a file, LangGraph's InMemoryStore and PostgresStore, PostgreSQL.

The checks live in `memory.db.conformance`, for third-party backends to run too; here they
run on ours, on one written from the contract alone (`tests/dict_db.py`), and on broken
backends to show they catch what they are meant to.
"""

from __future__ import annotations

import sys

import pytest

from memory import SqliteMemoryDb
from memory.db import conformance
from memory.db.base import USER_SCOPE, Scope
from memory.schema import MemoryEvent, SummaryEvent
from memory.twins import Io
from tests.dict_db import DictMemoryDb


def test_every_backend_gives_the_reference_results(
    backend_factory: conformance.BackendFactory,
) -> None:
    conformance.check_parity(backend_factory)


@pytest.mark.parametrize(
    "check", ["summaries", "pending", "thread_owners", "erase_user", "vectors", "async_entries"]
)
def test_every_backend_keeps_the_other_aggregates(
    backend_factory: conformance.BackendFactory, check: str
) -> None:
    conformance.CHECKS[check](backend_factory)


class ForgetfulHistory(SqliteMemoryDb):
    """A backend that keeps memories but loses their history."""

    async def _history(
        self, io: Io, user_id: str, memory_id: str, *, scope: Scope = USER_SCOPE
    ) -> list[MemoryEvent]:
        return []


def test_parity_names_what_differs() -> None:
    with pytest.raises(AssertionError, match=r"differs from the reference .*'history m0'"):
        conformance.check_parity(lambda: ForgetfulHistory(db_file=":memory:"))


def test_verify_lists_every_failed_check() -> None:
    with pytest.raises(AssertionError, match="does not conform:\nparity: differs") as failed:
        conformance.verify(lambda: ForgetfulHistory(db_file=":memory:"), examples=2)
    assert "others_leave_my_scores" not in str(failed.value)


class ForgetfulSummaries(SqliteMemoryDb):
    """A backend that keeps session summaries but loses their history."""

    async def _summary_history(self, io: Io, user_id: str, session_id: str) -> list[SummaryEvent]:
        return []


class SharedThreads(SqliteMemoryDb):
    """A backend that gives a thread to whoever claims it last."""

    async def _claim_thread(self, io: Io, user_id: str, thread_id: str) -> str:
        return user_id


@pytest.mark.parametrize(
    ("backend", "failure"),
    [
        (ForgetfulSummaries, "the history of s1, oldest first, is wrong"),
        (SharedThreads, "a claimed thread must keep its first owner"),
    ],
)
def test_the_aggregate_checks_say_what_a_backend_breaks(
    backend: type[SqliteMemoryDb], failure: str
) -> None:
    with pytest.raises(AssertionError, match=failure):
        conformance.verify(lambda: backend(db_file=":memory:"), examples=2)


def test_a_backend_written_from_the_contract_alone_conforms() -> None:
    conformance.verify(DictMemoryDb, examples=5)


def test_verify_passes_a_conforming_backend() -> None:
    conformance.verify(conformance.sqlite_in_process, examples=2)


def test_random_checks_say_hypothesis_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "hypothesis", None)
    with pytest.raises(ImportError, match="pip install hypothesis"):
        conformance.check_user_independence(conformance.sqlite_in_process)
