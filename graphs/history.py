"""A session's runs: the window the model sees, and the append-only archive of older runs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from langchain_core.messages import (
    AIMessage,
    AnyMessage,
    BaseMessage,
    HumanMessage,
    messages_from_dict,
    messages_to_dict,
)
from langgraph.store.base import BaseStore, GetOp, Item, PutOp

from memory.db.store import namespace_label
from memory.twins import Io

ARCHIVE_PREFIX = ("memory_agent", "sessions")


def split_runs(messages: Sequence[AnyMessage]) -> list[list[AnyMessage]]:
    """A run starts at a user message and holds everything the agent did for it."""
    runs: list[list[AnyMessage]] = []
    for message in messages:
        if isinstance(message, HumanMessage) or not runs:
            runs.append([message])
        else:
            runs[-1].append(message)
    return runs


def exchange(run: Sequence[BaseMessage]) -> list[dict[str, str]]:
    """The user's message and the assistant's final answer of one run, as role/content pairs."""
    asked = next((m.text for m in run if isinstance(m, HumanMessage)), "")
    answers = [m.text for m in run if isinstance(m, AIMessage) and m.text.strip()]
    pairs = [{"role": "user", "content": asked}]
    if answers:
        pairs.append({"role": "assistant", "content": answers[-1]})
    return pairs


class SessionArchive:
    """Runs that left the checkpointed window, one store item each, keyed by run number.

    Items are written once and never rewritten, so a thread's storage grows with
    its length; the last runs are read by key, without scanning the thread.
    """

    def __init__(self, store: BaseStore) -> None:
        self.store = store

    async def append(
        self, io: Io, thread_id: str, first_index: int, runs: Sequence[Sequence[BaseMessage]]
    ) -> None:
        namespace = _namespace(thread_id)
        ops = [
            PutOp(
                namespace,
                _key(first_index + n),
                {"messages": messages_to_dict(list(run))},
                index=False,
            )
            for n, run in enumerate(runs)
        ]
        if ops:
            await io.call(self.store.batch, self.store.abatch, ops)

    async def read(self, io: Io, thread_id: str, start: int, stop: int) -> list[list[BaseMessage]]:
        """Runs `start` to `stop - 1`, oldest first; runs missing from the store are skipped."""
        if stop <= start:
            return []
        namespace = _namespace(thread_id)
        ops = [GetOp(namespace, _key(n)) for n in range(start, stop)]
        items = await io.call(self.store.batch, self.store.abatch, ops)
        return [_messages(item.value) for item in cast(list[Item | None], items) if item]


def _namespace(thread_id: str) -> tuple[str, ...]:
    return (*ARCHIVE_PREFIX, namespace_label(thread_id))


def _key(index: int) -> str:
    return f"{index:012d}"


def _messages(value: dict[str, Any]) -> list[BaseMessage]:
    return messages_from_dict(value["messages"])
