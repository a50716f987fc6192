"""Deferred extraction: a user's messages kept durably, learned from later, each once."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from memory import telemetry
from memory.chat_models import ModelSpec
from memory.db.base import ClaimRequest
from memory.errors import InvalidInputError, PendingClaimLostError
from memory.learning import Learning
from memory.manager import MAX_TRANSCRIPT_CHARS, MemoryUpdateResult
from memory.schema import (
    PendingMessage,
    PendingThread,
    storable_text,
    utcnow,
    validate_thread_id,
    validate_user_id,
)
from memory.service import Service
from memory.telemetry import TokenUsage, for_user
from memory.twins import Io

logger = logging.getLogger(__name__)

CLAIM_TIMEOUT = timedelta(minutes=5)
"""How long a worker's claim on a thread's pending messages keeps others off them; a
worker that died meanwhile holds them no longer than this."""
CLAIM_LIMIT = 200
"""Pending messages taken at once; the rest are taken by the next claim."""


@dataclass(eq=False)
class Pending(Service):
    """The `Memory`'s pending messages, in its agent scope."""

    learning: Learning

    async def add(
        self,
        io: Io,
        user_id: str,
        thread_id: str,
        messages: Sequence[tuple[str, str]],
        at: datetime | None,
    ) -> int:
        user_id, thread_id = validate_user_id(user_id), validate_thread_id(thread_id)
        moment = at or utcnow()
        kept = [
            PendingMessage(thread_id, _message_id(message_id), storable_text(text), moment)
            for message_id, text in messages
            if isinstance(text, str) and storable_text(text).strip()
        ]
        db = self.db
        return await io.call(db.add_pending, db.aadd_pending, user_id, kept, scope=self.scope())

    async def threads(self, io: Io, user_id: str | None) -> list[PendingThread]:
        user_id = None if user_id is None else validate_user_id(user_id)
        db = self.db
        return await io.call(db.pending_threads, db.apending_threads, user_id, scope=self.scope())

    async def learn(
        self,
        io: Io,
        user_id: str,
        thread_id: str,
        model: ModelSpec | None,
        now: datetime | None,
        claim_timeout: timedelta,
    ) -> list[MemoryUpdateResult]:
        user_id, thread_id = validate_user_id(user_id), validate_thread_id(thread_id)
        with self.span(telemetry.LEARN_PENDING, "learn_pending", user_id) as span:
            span.set({telemetry.CONVERSATION_ID: thread_id})
            claims = _claims(thread_id, now, claim_timeout)
            results = await self._learn_claimed(io, user_id, claims, model)
            span.set(
                {
                    telemetry.MODEL_CALLS: sum(r.model_calls for r in results),
                    telemetry.APPLIED: sum(len(r.events) for r in results),
                    telemetry.REFUSED: sum(len(r.refused) for r in results),
                }
            )
            span.usage(
                TokenUsage(
                    sum(r.input_tokens for r in results), sum(r.output_tokens for r in results)
                )
            )
            return results

    async def _learn_claimed(
        self, io: Io, user_id: str, claims: Iterator[ClaimRequest], model: ModelSpec | None
    ) -> list[MemoryUpdateResult]:
        """Claim and learn, claim after claim, until one finds fewer than `CLAIM_LIMIT`
        messages or another worker takes the thread."""
        db, scope = self.db, self.scope()
        results: list[MemoryUpdateResult] = []
        while True:
            request = next(claims)
            claimed = await io.call(
                db.claim_pending, db.aclaim_pending, user_id, request, scope=scope
            )
            if not claimed:
                return results
            thread_id, token = request.thread_id, request.token
            try:
                for batch in _batches(claimed):
                    claim = request.settling(batch)
                    said = [("user", m.text) for m in batch]
                    results.append(
                        await self.learning.create(io, None, said, user_id, model, settles=claim)
                    )
            except PendingClaimLostError as lost:
                logger.info(
                    "thread %r%s went to another worker: %s",
                    thread_id,
                    for_user(logger, user_id),
                    lost,
                )
                return results
            except BaseException:
                await self._release(io, user_id, thread_id, token)
                raise
            if len(claimed) < CLAIM_LIMIT:
                return results

    async def _release(self, io: Io, user_id: str, thread_id: str, token: str) -> None:
        """Give a failed claim back at once; if that fails too, it ends by itself."""
        db = self.db
        try:
            await io.call(
                db.release_pending,
                db.arelease_pending,
                user_id,
                thread_id,
                token,
                scope=self.scope(),
            )
        except Exception as error:
            logger.warning(
                "could not release thread %r%s; its claim ends by itself: %s",
                thread_id,
                for_user(logger, user_id),
                error,
                exc_info=True,
            )


def _claims(thread_id: str, now: datetime | None, timeout: timedelta) -> Iterator[ClaimRequest]:
    """Claims on the thread's messages, one after another, each with a token of its own,
    made at `now` (None: the clock at each claim) and lasting `timeout`."""
    while True:
        start = now or utcnow()
        yield ClaimRequest(thread_id, uuid.uuid4().hex, start, start + timeout, CLAIM_LIMIT)


def _message_id(message_id: object) -> str:
    if not isinstance(message_id, str) or not message_id.strip():
        raise InvalidInputError("a pending message's id must be a non-empty string")
    return validate_thread_id(message_id)


def _batches(messages: list[PendingMessage]) -> Iterator[list[PendingMessage]]:
    """Consecutive messages, as many at a time as the memory manager reads of a transcript."""
    batch: list[PendingMessage] = []
    size = 0
    for message in messages:
        length = len(message.text) + len("user: \n")
        if batch and size + length > MAX_TRANSCRIPT_CHARS:
            yield batch
            batch, size = [], 0
        batch.append(message)
        size += length
    if batch:
        yield batch
