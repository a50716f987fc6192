"""The shapes of the eval sets' YAML files, checked by `build.py` before it numbers them.

Unknown fields are refused, so a typo in a hand-written file fails the build
instead of silently dropping what it meant to say.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Kind = Literal[
    "lexical", "paraphrase", "multi_fact", "temporal", "update", "earlier", "cross_user_trap"
]


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Turn(_Data):
    """One chat turn; `key` is set only when a query points at it."""

    key: str = ""
    speaker: str = Field(min_length=1)
    text: str = Field(min_length=1)


class Session(_Data):
    """A chat session: its start (UTC, "2023-03-04T19:00:00Z") and turns, two minutes apart."""

    start: str
    turns: list[Turn] = Field(min_length=1)


class ChatUser(_Data):
    """A user's chat sessions, oldest first."""

    user_id: str
    sessions: list[Session] = Field(min_length=1)


class Fact(_Data):
    """One short fact; `key` is set only when a query points at it."""

    key: str = ""
    text: str = Field(min_length=1)
    topics: list[str] = []


class Day(_Data):
    """The facts learned on one day ("2024-01-09"), three minutes apart from 9:00."""

    day: str
    facts: list[Fact] = Field(min_length=1)


class FactUser(_Data):
    """A user's short facts, grouped by the day they were learned, oldest first."""

    user_id: str
    days: list[Day] = Field(min_length=1)


class Query(_Data):
    user_id: str
    query: str = Field(min_length=1)
    relevant: list[str]
    """Keys of the memories that answer it."""
    kind: Kind


class ChatSet(_Data):
    users: list[ChatUser]
    queries: list[Query]


class FactSet(_Data):
    users: list[FactUser]
    queries: list[Query]
