"""One user's data never changes another user's search results or scores, nor one agent's
memories of a user those of another agent (or the user's common ones).

The checks live in `memory.db.conformance`; the random ones run on the in-process
backends (each case makes a new backend), the fixed one on every backend.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
from hypothesis import Phase, settings

from memory import SqliteMemoryDb
from memory.db import conformance
from memory.db.base import USER_SCOPE, Scope, WriteBatch
from memory.schema import MemoryEvent

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


class SharedPartitions(SqliteMemoryDb):
    """A backend that writes every agent's memories into the user's common ones."""

    def apply(
        self, user_id: str, writes: WriteBatch, *, scope: Scope = USER_SCOPE
    ) -> list[MemoryEvent]:
        return super().apply(user_id, writes, scope=replace(scope, agent_id=None))


@pytest.fixture
def first_failure() -> Iterator[None]:
    """Hypothesis reports the first failing case as found instead of shrinking it: the
    test asks only whether the check fails, and shrinking replays hundreds of cases."""
    previous = settings.get_current_profile_name()
    phases = [phase for phase in Phase if phase is not Phase.shrink]
    settings.register_profile("first_failure", settings.get_profile(previous), phases=phases)
    settings.load_profile("first_failure")
    yield
    settings.load_profile(previous)


@pytest.mark.usefixtures("first_failure")
def test_the_random_check_catches_a_backend_that_mixes_partitions() -> None:
    with pytest.raises(AssertionError, match="through agent 'planner' changed Ava's results"):
        conformance.check_agent_independence(lambda: SharedPartitions(db_file=":memory:"))
