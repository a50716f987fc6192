"""The shapes the hand-written eval sets are written in, before `build.py` numbers them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

Turn = tuple[str, str, str]
"""(key, speaker, text) of one chat turn; the key is "" unless a query points at it."""
Fact = tuple[str, str, list[str]]
"""(key, text, topics) of one short fact."""


@dataclass(frozen=True)
class User:
    """A user's chat sessions, each (start time, turns), oldest first."""

    user_id: str
    sessions: list[tuple[str, list[Turn]]]


@dataclass(frozen=True)
class FactUser:
    """A user's short facts, grouped by the day they were learned, oldest first."""

    user_id: str
    days: list[tuple[str, list[Fact]]]


class Query(NamedTuple):
    user_id: str
    query: str
    relevant: list[str]
    """Keys of the memories that answer it."""
    kind: str
