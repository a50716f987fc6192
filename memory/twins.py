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

A class states each public pair once, from its body, with `twins`:

    async def _get_memories(self, io: Io, user_id: str, ...) -> list[UserMemory]: ...

    get_memories, aget_memories = twins(_get_memories)

`obj.get_memories(...)` runs the body with `BLOCKING`; `await obj.aget_memories(...)`
runs it as the class's `_awaited` says (awaiting, by default). The body is looked up
by name on the instance, so a subclass overrides the body alone and both entry points
follow; the type checker sees both with the body's parameters and result.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import threading
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, Concatenate, Generic, ParamSpec, Self, TypeVar, overload

P = ParamSpec("P")
T = TypeVar("T")
S = TypeVar("S", bound="Twinned")
F = TypeVar("F", bound=Callable[..., Any])


class Io:
    """How one run does its I/O: by blocking calls, or by awaiting coroutines."""

    def __init__(self, blocking: bool) -> None:
        self.blocking = blocking

    async def call(
        self,
        sync: Callable[P, T],
        async_: Callable[P, Awaitable[T]],
        /,
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> T:
        """Call `sync(*args, **kwargs)` when blocking, else await `async_(*args, **kwargs)`."""
        if self.blocking:
            return sync(*args, **kwargs)
        return await async_(*args, **kwargs)


BLOCKING = Io(blocking=True)
AWAITING = Io(blocking=False)


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


class Twinned:
    """A class whose public sync/async pairs are made by `twins` from one body each."""

    async def _awaited(self, run: Callable[[Io], Coroutine[Any, Any, T]]) -> T:
        """How an async entry point runs a body; awaiting it, unless a class says otherwise
        (a blocking backend runs it in a worker thread)."""
        return await run(AWAITING)


class _Entry:
    """What both entry points of a body share: the body's name, and the public method's
    name, docstring and signature (the body's parameters after `self` and `io`), so
    `help()` and `inspect.signature` show the method as if it were written out."""

    def __init__(self, body: Callable[..., Any]) -> None:
        self.body = body.__name__
        self.__doc__ = body.__doc__
        self.__name__ = self.__qualname__ = body.__name__
        self._function = body

    def __set_name__(self, owner: type[Any], name: str) -> None:
        self.__name__ = name
        self.__qualname__ = f"{owner.__qualname__}.{name}"

    @functools.cached_property
    def __signature__(self) -> inspect.Signature:
        signature = inspect.signature(self._function)
        return signature.replace(parameters=list(signature.parameters.values())[2:])

    def _described(self, call: F) -> F:
        call.__name__ = self.__name__
        call.__qualname__ = self.__qualname__
        call.__doc__ = self.__doc__
        call.__dict__["__signature__"] = self.__signature__
        return call


class BlockingEntry(_Entry, Generic[S, P, T]):
    """The sync entry point of a body: runs it to the end with `BLOCKING`."""

    @overload
    def __get__(self, obj: None, owner: type[Any]) -> Self: ...
    @overload
    def __get__(self, obj: S, owner: type[Any]) -> Callable[P, T]: ...
    def __get__(self, obj: S | None, owner: type[Any]) -> Self | Callable[P, T]:
        if obj is None:
            return self
        body = getattr(obj, self.body)

        def call(*args: P.args, **kwargs: P.kwargs) -> T:
            result: T = run_sync(body(BLOCKING, *args, **kwargs))
            return result

        return self._described(call)


class AwaitingEntry(_Entry, Generic[S, P, T]):
    """The async entry point of a body: runs it as its class's `_awaited` says."""

    @overload
    def __get__(self, obj: None, owner: type[Any]) -> Self: ...
    @overload
    def __get__(self, obj: S, owner: type[Any]) -> Callable[P, Coroutine[Any, Any, T]]: ...
    def __get__(
        self, obj: S | None, owner: type[Any]
    ) -> Self | Callable[P, Coroutine[Any, Any, T]]:
        if obj is None:
            return self
        body = getattr(obj, self.body)
        awaited = obj._awaited

        async def call(*args: P.args, **kwargs: P.kwargs) -> T:
            result: T = await awaited(lambda io: body(io, *args, **kwargs))
            return result

        return self._described(call)


def twins(
    body: Callable[Concatenate[S, Io, P], Coroutine[Any, Any, T]],
) -> tuple[BlockingEntry[S, P, T], AwaitingEntry[S, P, T]]:
    """The sync and async entry points of `body`, an `async def _name(self, io, ...)`."""
    return BlockingEntry(body), AwaitingEntry(body)
