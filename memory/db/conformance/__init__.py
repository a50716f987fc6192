"""A conformance kit for storage backends: run it against your own `MemoryDb` factory.

Ranking, fusion and dedupe are computed above the backend, so a backend that stores
and reads faithfully gives exactly the results of the in-process SQLite one. Each
check raises `AssertionError` saying what differs. The search checks drive a whole
`Memory` over backends made by your factory:

- `parity`: one fixed script of adds, refreshes, replaces, deletes and clears for
  three users, then every retrieval method, listings, history and a prompt budget,
  compared key by key with the reference backend's.
- `others_leave_my_scores`: thirty tea facts of another user change neither my keyword
  results nor their scores, and my memory ids are unknown to that user.
- `user_independence` and `agent_independence` (need `hypothesis`): random writes of
  another user, or of an agent keeping memories of its own about me, never change
  my search results or scores.

The others call the backend itself, one aggregate each:

- `summaries`: one per user and session, newest first, with their history; a stale
  writer changes nothing.
- `pending`: pending messages kept once, claimed by one worker at a time, settled
  with a batch (or the batch fails whole), released, dropped per user and scope.
- `thread_owners`: the first claim of a thread wins.
- `vectors`: each vector names its model (one call may carry several); a read by
  model returns its own and counts the rest as foreign; a stale text's is dropped.
- `erase_user`: every kind of row of the user goes, counted; another user's stay.
- `async_entries`: the `a...` entry points, in an event loop, match the sync ones.

Plain functions, so the library needs neither pytest nor hypothesis at run time::

    from memory.db import conformance

    conformance.verify(lambda: MyMemoryDb(...))  # every check; one error lists failures

or one pytest test per check::

    @pytest.mark.parametrize("check", conformance.CHECKS)
    def test_my_backend(check: str) -> None:
        conformance.CHECKS[check](lambda: MyMemoryDb(...))

The factory returns a new, empty backend at each call (a fresh file, table or
namespace); the kit closes every backend it made.
"""

from __future__ import annotations

from functools import partial

from memory.db.conformance.aggregates import (
    check_async_entries,
    check_erase_user,
    check_pending,
    check_summaries,
    check_thread_owners,
    check_vectors,
)
from memory.db.conformance.common import BackendFactory, Check, expect, sqlite_in_process
from memory.db.conformance.search import (
    check_agent_independence,
    check_others_leave_my_scores,
    check_parity,
    check_user_independence,
)

__all__ = [
    "CHECKS",
    "BackendFactory",
    "Check",
    "check_agent_independence",
    "check_async_entries",
    "check_erase_user",
    "check_others_leave_my_scores",
    "check_parity",
    "check_pending",
    "check_summaries",
    "check_thread_owners",
    "check_user_independence",
    "check_vectors",
    "expect",
    "sqlite_in_process",
    "verify",
]

CHECKS: dict[str, Check] = {
    "parity": check_parity,
    "others_leave_my_scores": check_others_leave_my_scores,
    "user_independence": check_user_independence,
    "agent_independence": check_agent_independence,
    "summaries": check_summaries,
    "pending": check_pending,
    "thread_owners": check_thread_owners,
    "vectors": check_vectors,
    "erase_user": check_erase_user,
    "async_entries": check_async_entries,
}
"""Every check by name; each takes the factory and raises `AssertionError` on failure."""


def verify(
    factory: BackendFactory, reference: BackendFactory = sqlite_in_process, examples: int = 40
) -> None:
    """Run every check (the random ones with `examples` cases each); one
    `AssertionError` lists each check that failed and why."""
    checks: dict[str, Check] = {
        **CHECKS,
        "parity": partial(check_parity, reference=reference),
        "user_independence": partial(check_user_independence, examples=examples),
        "agent_independence": partial(check_agent_independence, examples=examples),
    }
    failures = []
    for name, check in checks.items():
        try:
            check(factory)
        except AssertionError as error:
            failures.append(f"{name}: {error}")
    expect(not failures, "the backend does not conform:\n" + "\n".join(failures))
