"""One user's data never changes another user's search results or scores, nor one agent's
memories of a user those of another agent (or the user's common ones).

The checks live in `memory.db.conformance`; the random ones run on the in-process
backends (each case makes a new backend), the fixed one on every backend.
"""

from __future__ import annotations

import pytest

from memory.db import conformance

IN_PROCESS = pytest.mark.parametrize("backend_factory", ["in_process", "store"], indirect=True)


@IN_PROCESS
def test_another_users_writes_change_nothing_of_mine(
    backend_factory: conformance.BackendFactory,
) -> None:
    conformance.check_user_independence(backend_factory)


@IN_PROCESS
def test_an_agents_own_memories_of_me_change_nothing_of_mine(
    backend_factory: conformance.BackendFactory,
) -> None:
    conformance.check_agent_independence(backend_factory)


def test_thirty_tea_memories_of_another_user_leave_my_tea_scores(
    backend_factory: conformance.BackendFactory,
) -> None:
    """The case that failed with FTS5's table-wide statistics."""
    conformance.check_others_leave_my_scores(backend_factory)
