"""Who owns each session (thread), and erasing every trace of a user."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from memory import telemetry
from memory.errors import ThreadOwnershipError
from memory.schema import EraseResult, validate_session_id, validate_user_id
from memory.service import Service
from memory.twins import Io

logger = logging.getLogger(__name__)

SessionEraser = Callable[[Sequence[str]], tuple[int, int]]
"""Deletes the checkpoints and archived runs of some threads; returns (checkpoints, runs)."""


@dataclass(eq=False)
class Owners(Service):
    """Thread owners in the store, and the erasers of sessions kept outside it."""

    erasers: list[SessionEraser]
    """Shared by a `Memory` and its `for_agent` handles."""

    async def claim_thread(self, io: Io, user_id: str, thread_id: str) -> None:
        user_id, thread_id = validate_user_id(user_id), validate_session_id(thread_id)
        owner = await io.call(self.db.claim_thread, self.db.aclaim_thread, user_id, thread_id)
        if owner != user_id:
            logger.warning("refused a run on a session that belongs to another user")
            raise ThreadOwnershipError()

    async def user_threads(self, io: Io, user_id: str) -> list[str]:
        db = self.db
        return await io.call(db.user_threads, db.auser_threads, validate_user_id(user_id))

    async def erase(self, io: Io, user_id: str) -> EraseResult:
        user_id = validate_user_id(user_id)
        db = self.db
        with self.span(telemetry.DELETE, "erase_user", user_id) as span:
            threads = await io.call(db.user_threads, db.auser_threads, user_id)
            # Sessions first: until the rows go, the owner records still find the threads.
            checkpoints, archived = await io.call(db.erase_sessions, db.aerase_sessions, threads)
            for eraser in self.erasers:
                more_checkpoints, more_archived = eraser(threads)
                checkpoints, archived = checkpoints + more_checkpoints, archived + more_archived
            erased = await io.call(db.erase_user, db.aerase_user, user_id)
            logger.info("erased a user: %s", erased)
            span.set({telemetry.RECORD_COUNT: erased.memories, telemetry.THREADS: len(threads)})
            return replace(erased, checkpoints=checkpoints, archived_runs=archived)
