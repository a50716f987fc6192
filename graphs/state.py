"""The checkpointed state of a chat session: a bounded window of recent runs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, NotRequired

from langchain_core.messages import AnyMessage, MessageLikeRepresentation
from langgraph.graph.message import add_messages
from typing_extensions import TypedDict


class InputState(TypedDict):
    """A run's input: new messages as LangChain messages, dicts or (role, text) pairs."""

    messages: Annotated[Sequence[MessageLikeRepresentation], add_messages]


class State(TypedDict):
    """Only the runs the model may still see are kept here; older ones move to the archive.

    A checkpoint stores the whole state at every step, so a state that grew with
    the thread would make session storage grow with its square.
    """

    messages: Annotated[list[AnyMessage], add_messages]
    archived_runs: NotRequired[int]
    """How many of the thread's oldest runs were moved to the session archive."""
