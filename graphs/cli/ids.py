"""Memory ids as people type them: any unique prefix of one of the user's own ids."""

from __future__ import annotations

from typing import TYPE_CHECKING

from graphs.cli.errors import CliError

if TYPE_CHECKING:
    from memory import Memory

MAX_LISTED = 5
"""An ambiguous prefix names this many of the ids it matches at most."""


def user_ids(memory: Memory, user: str) -> list[str]:
    """The ids of the user's memories (of this agent's, with --agent)."""
    return [m.memory_id for m in memory.get_user_memories(user) if m.memory_id]


def resolve_id(memory: Memory, user: str, typed: str) -> str:
    """The user's memory id that `typed` is or starts; `typed` itself when none matches,
    so the library says the memory is not there (or finds a deleted one's history)."""
    ids = user_ids(memory, user)
    if typed in ids:
        return typed
    matches = [memory_id for memory_id in ids if memory_id.startswith(typed)]
    if len(matches) > 1:
        shown = ", ".join(matches[:MAX_LISTED]) + (", ..." if len(matches) > MAX_LISTED else "")
        raise CliError(
            f"The id {typed} is ambiguous: it starts {len(matches)} memories of {user} "
            f"({shown}); type more of it."
        )
    return matches[0] if matches else typed
