"""What a run needs besides its messages: whose memories, and optionally which model."""

from __future__ import annotations

from typing_extensions import TypedDict


class Context(TypedDict, total=False):
    """Sent as `context={...}`; clients that can only send `configurable` may put it there."""

    user_id: str
    """Whose memories the run reads and writes; required."""
    model: str
    """A "provider:model" for this run, when the agent was built without a model."""
