"""The in-process scheduler of deferred extraction: a worker owned by its `Memory`.

A `Memory` makes one `ExtractionWorker` per agent scope at first use
(`Memory.extraction_worker`) and closes it with itself, so nothing outlives the
store it works on and no registry outside the `Memory` keeps one alive.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Protocol

from langchain_core.language_models import BaseChatModel

from memory import telemetry
from memory.chat_models import ModelSpec, resolve_chat_model
from memory.manager import MemoryUpdateResult
from memory.schema import PendingThread
from memory.telemetry import TokenUsage, for_user
from memory.twins import AWAITING, BLOCKING, Io, run_sync

logger = logging.getLogger(__name__)

RETRY_BASE_S = 5.0
RETRY_MAX_S = 300.0
"""A failed thread is retried after 5 s, 10 s, 20 s, ... and at most every 5 minutes."""
LENT_MODELS = 1024
"""Users whose latest lent model a worker keeps, for a flush after their runs."""
_POLL_S = 0.02


def retry_after_s(failures: int, base_s: float = RETRY_BASE_S, max_s: float = RETRY_MAX_S) -> float:
    """How long a thread whose learning failed `failures` times in a row waits to retry."""
    return float(min(base_s * 2 ** (failures - 1), max_s))


@dataclass
class _Scheduled:
    due: float
    model: BaseChatModel | None
    version: int = 0
    failures: int = 0


@dataclass(frozen=True)
class FlushResult:
    """What a flush learned, and which threads it left pending."""

    results: list[MemoryUpdateResult]
    """One per memory-model call."""
    pending: list[PendingThread]
    """Threads still pending: their model failed (logged), or another worker holds them."""

    @property
    def input_tokens(self) -> int:
        """Input tokens of all the flush's memory-model calls, as the provider reported them."""
        return sum(result.input_tokens for result in self.results)

    @property
    def output_tokens(self) -> int:
        return sum(result.output_tokens for result in self.results)


class Learner(Protocol):
    """What a worker needs of its `Memory`: its own model (if any), the threads with
    pending messages in its agent scope, and learning from one of them."""

    model: ModelSpec | None

    def pending_threads(self) -> list[PendingThread]: ...

    async def apending_threads(self) -> list[PendingThread]: ...

    def learn_pending(
        self, user_id: str, thread_id: str, *, model: ModelSpec | None = None
    ) -> list[MemoryUpdateResult]: ...

    async def alearn_pending(
        self, user_id: str, thread_id: str, *, model: ModelSpec | None = None
    ) -> list[MemoryUpdateResult]: ...


class ExtractionWorker:
    """Learns from a `Memory`'s pending messages in a background thread, as they fall due.

    Each (user, thread) falls due `delay_s` after its latest message; a failed one is
    retried after a back-off (`retry_base_s`, doubling up to `retry_max_s`). The
    thread is a daemon that exits when nothing is scheduled, so it never keeps the
    process alive; `close` (which closing the `Memory` calls) stops it after the
    batch it is learning from. The memory model of a user's learning is the
    `Memory`'s own, else the model that user's latest run lent: never one lent by
    another user's run. `clock` (monotonic seconds) and `background=False` let a
    test drive `run_due` by hand.
    """

    def __init__(
        self,
        memory: Learner,
        *,
        clock: Callable[[], float] = time.monotonic,
        background: bool = True,
        retry_base_s: float = RETRY_BASE_S,
        retry_max_s: float = RETRY_MAX_S,
    ) -> None:
        self.memory = memory
        self.clock = clock
        self.background = background
        self.retry_base_s = retry_base_s
        self.retry_max_s = retry_max_s
        self._lent: OrderedDict[str, BaseChatModel] = OrderedDict()
        """Each user's latest lent model; a flush after the thread was learned has no other."""
        self._scheduled: dict[tuple[str, str], _Scheduled] = {}
        self._changed = threading.Condition()
        self._learning = threading.Lock()
        """Held while learning, so a flush waits for the batch in progress. Only ever
        taken without blocking an event loop and released by whoever took it."""
        self._thread: threading.Thread | None = None
        self._closed = False

    @property
    def scheduled(self) -> dict[tuple[str, str], float]:
        """When each scheduled (user, thread) falls due, by `clock`."""
        with self._changed:
            return {key: entry.due for key, entry in self._scheduled.items()}

    def schedule(
        self, user_id: str, thread_id: str, delay_s: float, model: BaseChatModel | None
    ) -> None:
        """(Re)start the thread's quiet delay: it falls due `delay_s` from now."""
        with self._changed:
            if self._closed:
                return
            entry = self._scheduled.setdefault((user_id, thread_id), _Scheduled(0.0, None))
            entry.due = self.clock() + delay_s
            entry.version += 1
            entry.model = model or entry.model
            if model is not None:
                self._lent[user_id] = model
                self._lent.move_to_end(user_id)
                while len(self._lent) > LENT_MODELS:
                    self._lent.popitem(last=False)
            self._changed.notify_all()
            if self.background and self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="memory-agent-extraction", daemon=True
                )
                self._thread.start()

    def run_due(self) -> int:
        """Learn from every thread that is due now, in this thread; returns how many it tried."""
        tried = 0
        while True:
            with self._changed:
                now = self.clock()
                due = [(e.due, key) for key, e in self._scheduled.items() if e.due <= now]
                if self._closed or not due:
                    return tried
                key = min(due)[1]
                entry = self._scheduled[key]
                version, model = entry.version, entry.model
            learned = self._learn_one(key, model)
            tried += 1
            with self._changed:
                current = self._scheduled.get(key)
                if current is None or current.version != version:
                    continue  # a new message restarted its delay meanwhile
                if learned:
                    del self._scheduled[key]
                else:
                    current.failures += 1
                    current.due = self.clock() + self._backoff(current.failures)

    def _backoff(self, failures: int) -> float:
        return retry_after_s(failures, self.retry_base_s, self.retry_max_s)

    def _model(self, lent: BaseChatModel | None) -> BaseChatModel | None:
        """The memory model to learn with: the `Memory`'s own (None says so), else `lent`."""
        return None if self.memory.model is not None else lent

    def _learn_one(self, key: tuple[str, str], model: BaseChatModel | None) -> bool:
        """Learn from one thread's pending messages; False (logged) when it failed."""
        user_id, thread_id = key
        with self._learning:
            try:
                self.memory.learn_pending(user_id, thread_id, model=self._model(model))
            except Exception as error:
                logger.warning(
                    "learning from thread %r%s failed; it stays pending and is retried: %s",
                    thread_id,
                    for_user(logger, user_id),
                    error,
                    exc_info=True,
                )
                return False
        return True

    def _run(self) -> None:
        while True:
            with self._changed:
                while True:
                    if self._closed or not self._scheduled:
                        self._thread = None
                        return
                    wait = min(e.due for e in self._scheduled.values()) - self.clock()
                    if wait <= 0:
                        break
                    self._changed.wait(wait)
            try:
                self.run_due()
            except Exception:  # a bug must not end the thread while work is scheduled
                logger.exception("deferred extraction failed")

    def flush(self, model: ModelSpec | None = None) -> FlushResult:
        """Learn now from every pending message of the memory's agent scope, whatever is due.

        It first waits for the batch the background thread may be learning from.
        `model` is the memory model when the `Memory` has none; by default the
        model the user's latest run lent.
        """
        with self._learning:
            return run_sync(self._flush(BLOCKING, model))

    async def aflush(self, model: ModelSpec | None = None) -> FlushResult:
        """As `flush`; cancelling it (even while it waits for a batch) leaves nothing held."""
        async with _holding(self._learning):
            return await self._flush(AWAITING, model)

    async def _flush(self, io: Io, model: ModelSpec | None) -> FlushResult:
        with telemetry.memory_span(telemetry.FLUSH, "flush_memories") as span:
            flushed = await self._learn_all(io, model)
            span.set(
                {
                    telemetry.MODEL_CALLS: sum(r.model_calls for r in flushed.results),
                    telemetry.THREADS_PENDING: len(flushed.pending),
                }
            )
            span.usage(TokenUsage(flushed.input_tokens, flushed.output_tokens))
            return flushed

    async def _learn_all(self, io: Io, model: ModelSpec | None) -> FlushResult:
        memory = self.memory
        given = resolve_chat_model(model) if model is not None else None
        results: list[MemoryUpdateResult] = []
        threads = await io.call(memory.pending_threads, memory.apending_threads)
        for thread in threads:
            key = (thread.user_id, thread.thread_id)
            with self._changed:
                scheduled = self._scheduled.get(key)
                lent = (scheduled.model if scheduled else None) or self._lent.get(thread.user_id)
            try:
                results += await io.call(
                    memory.learn_pending,
                    memory.alearn_pending,
                    thread.user_id,
                    thread.thread_id,
                    model=self._model(given or lent),
                )
            except Exception as error:
                logger.warning(
                    "flush: learning from thread %r%s failed; it stays pending: %s",
                    thread.thread_id,
                    for_user(logger, thread.user_id),
                    error,
                    exc_info=True,
                )
                continue
            with self._changed:
                if self._scheduled.get(key) is scheduled:
                    self._scheduled.pop(key, None)
        left = await io.call(memory.pending_threads, memory.apending_threads)
        return FlushResult(results, left)

    def close(self) -> None:
        """Stop the background thread, after the batch it is learning from; schedule nothing."""
        with self._changed:
            self._closed = True
            self._changed.notify_all()
            thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join()


@asynccontextmanager
async def _holding(lock: threading.Lock) -> AsyncIterator[None]:
    """Hold a lock the background thread also takes, from an event loop, without blocking it.

    The lock is polled, never waited for in a worker thread: a wait cancelled there
    would still take the lock later, with nobody left to release it.
    """
    while not lock.acquire(blocking=False):  # noqa: ASYNC110 (a thread lock, not an event)
        await asyncio.sleep(_POLL_S)
    try:
        yield
    finally:
        lock.release()
