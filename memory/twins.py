"""Write a multi-step flow once, as a generator of calls, and run it sync or async.

A flow yields `Call(target, "name", ...)`; the sync runner calls `target.name(...)`,
the async runner awaits `target.aname(...)` (the twin naming LangChain and this
package share: `invoke`/`ainvoke`, `apply`/`aapply`). Errors are thrown back into
the flow at the `yield`, so it handles them once for both.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass, field
from typing import Any, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Call:
    target: Any
    name: str
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)


Flow = Generator[Call, Any, T]


def run_sync(flow: Flow[T]) -> T:
    try:
        call = next(flow)
        while True:
            try:
                result = getattr(call.target, call.name)(*call.args, **call.kwargs)
            except Exception as error:
                call = flow.throw(error)
            else:
                call = flow.send(result)
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]


async def run_async(flow: Flow[T]) -> T:
    try:
        call = next(flow)
        while True:
            try:
                result = await getattr(call.target, f"a{call.name}")(*call.args, **call.kwargs)
            except Exception as error:
                call = flow.throw(error)
            else:
                call = flow.send(result)
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]
