"""`twins`: one body gives a sync and an async entry point, and subclasses override the body."""

from __future__ import annotations

import asyncio
import inspect
import threading
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from memory.twins import BLOCKING, Io, Twinned, offload, run_sync, twins

T = TypeVar("T")


class Counter(Twinned):
    async def _read(self, io: Io, name: str, *, times: int = 1) -> list[tuple[str, bool]]:
        """Read `name`, `times` times."""
        return [(name, io.blocking)] * times

    read, aread = twins(_read)


class Doubled(Counter):
    async def _read(self, io: Io, name: str, *, times: int = 1) -> list[tuple[str, bool]]:
        return [(name + name, io.blocking)] * times


class Offloaded(Counter):
    async def _awaited(self, run: Callable[[Io], Coroutine[Any, Any, T]]) -> T:
        self.thread = threading.current_thread()
        return await offload(lambda: run_sync(run(BLOCKING)))

    async def _read(self, io: Io, name: str, *, times: int = 1) -> list[tuple[str, bool]]:
        self.ran_in = threading.current_thread()
        return [(name, io.blocking)] * times


def test_sync_entry_blocks_and_async_entry_awaits() -> None:
    counter = Counter()
    assert counter.read("a") == [("a", True)]
    assert asyncio.run(counter.aread("b", times=2)) == [("b", False), ("b", False)]


def test_a_subclass_overrides_the_body_and_both_entries_follow() -> None:
    doubled = Doubled()
    assert doubled.read("a") == [("aa", True)]
    assert asyncio.run(doubled.aread("b")) == [("bb", False)]


def test_a_class_decides_how_its_async_entry_runs() -> None:
    offloaded = Offloaded()
    assert asyncio.run(offloaded.aread("c")) == [("c", True)]
    assert offloaded.ran_in is not threading.main_thread()


def test_the_entries_are_descriptors_on_the_class() -> None:
    assert Counter.read.body == "_read"
    assert Counter.aread.body == "_read"


def test_the_entries_show_the_public_name_docstring_and_signature() -> None:
    counter = Counter()
    for entry, name in [(counter.read, "read"), (counter.aread, "aread")]:
        assert entry.__name__ == name
        assert entry.__qualname__ == f"Counter.{name}"
        assert entry.__doc__ == "Read `name`, `times` times."
        assert str(inspect.signature(entry)) == (
            "(name: 'str', *, times: 'int' = 1) -> 'list[tuple[str, bool]]'"
        )
    assert Counter.read.__doc__ == Counter.aread.__doc__ == "Read `name`, `times` times."
    assert inspect.iscoroutinefunction(counter.aread)
