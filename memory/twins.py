"""Sync and async twins from one implementation: coroutines, run blocking or awaited.

Every operation of the package that does I/O is written once, as an `async def`
that takes an `Io` and makes each call through `io.call(sync, async_, *args)`,
naming both twins of the callee (`db.get_memories, db.aget_memories`,
`model.invoke, model.ainvoke`). The arguments are checked against both by the
type checker, and the result type is theirs, so a misspelt method, a wrong
argument or a wrong result type fails `mypy --strict`.

- `AWAITING` awaits the async twin: the `a...` methods await the coroutine.
- `BLOCKING` calls the sync twin, so the coroutine never suspends and
  `run_sync` drives it to the end without an event loop: the sync methods
  are the same code, with the same errors, in the caller's thread.

Blocking work awaited inside an event loop (SQLite, a sync-only callee) runs in
a worker thread through `offload`, and a blocking call with a time limit runs
through `within`; those are the only places this package uses threads.
"""

from __future__ import annotations

import asyncio
import threading
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")


class Io(ABC):
    """How one run does its I/O: by blocking calls, or by awaiting coroutines."""

    blocking: bool

    @abstractmethod
    async def call(
        self,
        sync: Callable[P, T],
        async_: Callable[P, Awaitable[T]],
        /,
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> T:
        """Call `sync(*args, **kwargs)` when blocking, else await `async_(*args, **kwargs)`."""


class _Blocking(Io):
    blocking = True

    async def call(
        self,
        sync: Callable[P, T],
        async_: Callable[P, Awaitable[T]],
        /,
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> T:
        return sync(*args, **kwargs)


class _Awaiting(Io):
    blocking = False

    async def call(
        self,
        sync: Callable[P, T],
        async_: Callable[P, Awaitable[T]],
        /,
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> T:
        return await async_(*args, **kwargs)


BLOCKING: Io = _Blocking()
AWAITING: Io = _Awaiting()


class SyncRunError(RuntimeError):
    """A coroutine run by `run_sync` awaited real asynchronous I/O: a bug in its callees."""


def run_sync(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine that never suspends (it was given `BLOCKING`) and return its result."""
    try:
        coroutine.send(None)
    except StopIteration as done:
        result: T = done.value
        return result
    coroutine.close()
    raise SyncRunError("a blocking run awaited asynchronous I/O; it was not given BLOCKING")


async def offload(function: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
    """Await a blocking call from an event loop by running it in a worker thread."""
    return await asyncio.to_thread(function, *args, **kwargs)


class CallTimeoutError(TimeoutError):
    """A blocking call bounded by `within` did not return in time."""


def within(seconds: float, function: Callable[[], T]) -> T:
    """Call `function` and give up after `seconds`, re-raising what it raised.

    It runs in a daemon thread, so a call that never returns can neither block the
    caller past its limit nor keep the process alive at exit.
    """
    outcome: dict[str, Any] = {}
    done = threading.Event()

    def target() -> None:
        try:
            outcome["value"] = function()
        except BaseException as error:
            outcome["error"] = error
        finally:
            done.set()

    threading.Thread(target=target, name="memory-agent-call", daemon=True).start()
    if not done.wait(seconds):
        raise CallTimeoutError(f"no answer within {seconds}s")
    if "error" in outcome:
        raise outcome["error"]
    value: T = outcome["value"]
    return value
