"""A `Memory`'s session summaries: one per user and session, kept with their history."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from langchain_core.messages import convert_to_messages

from memory import telemetry
from memory.chat_models import ModelSpec
from memory.db.base import SummaryWrite
from memory.errors import InvalidInputError
from memory.manager import MessageLike, render_transcript, transcript_windows
from memory.owners import Owners
from memory.schema import (
    SessionSummary,
    SummaryEvent,
    WriteContext,
    validate_session_id,
    validate_user_id,
)
from memory.service import Service
from memory.twins import Io


@dataclass(eq=False)
class Summaries(Service):
    """Session summaries are the user's, whatever the agent: they take no agent scope.

    Writing one claims its session as a run does, so no user summarises another's
    session. Reads and deletes need no claim: summaries are stored per user, so
    another user's session id finds only one's own summary.
    """

    owners: Owners

    async def create(
        self,
        io: Io,
        session_id: str,
        user_id: str,
        messages: Sequence[MessageLike],
        runs: int | None,
        model: ModelSpec | None,
        source: str,
    ) -> SessionSummary:
        user_id, session_id = validate_user_id(user_id), validate_session_id(session_id)
        if runs is not None and (isinstance(runs, bool) or not isinstance(runs, int) or runs < 0):
            raise InvalidInputError(f"runs must be a non-negative integer, got {runs!r}")
        try:
            said = convert_to_messages(list(messages))
            lines, user_text = render_transcript(said)
            # A running summary: the previous one covers what came before the last window.
            transcript = transcript_windows(lines)[-1] if lines else ""
        except (ValueError, TypeError, NotImplementedError) as error:
            raise InvalidInputError(f"messages could not be read: {error}") from error
        if not user_text.strip():
            raise InvalidInputError("there is no user message to summarise")
        await self.owners.claim_thread(io, user_id, session_id)
        previous = await self.one(io, session_id, user_id)
        if runs is None:
            runs = (previous.runs if previous else 0) + sum(m.type == "human" for m in said)
        summarizer = self.settings.summarizer
        chat_model = summarizer.chat_model(model or self.settings.model)
        with self.span(telemetry.SUMMARIZE, "create_session_summary", user_id) as span:
            span.set({telemetry.CONVERSATION_ID: session_id, telemetry.MESSAGES: len(said)})
            summary = await summarizer.summarize(io, previous, transcript, runs, model=chat_model)
            db = self.db
            write = SummaryWrite(session_id, summary, WriteContext(source))
            plan = await io.call(db.write_summary, db.awrite_summary, user_id, write)
            assert plan.summary is not None, "a write keeps a summary"
            return plan.summary

    async def of_user(self, io: Io, user_id: str) -> list[SessionSummary]:
        db = self.db
        return await io.call(db.get_summaries, db.aget_summaries, validate_user_id(user_id))

    async def one(self, io: Io, session_id: str, user_id: str) -> SessionSummary | None:
        user_id, session_id = validate_user_id(user_id), validate_session_id(session_id)
        db = self.db
        found = await io.call(db.get_summaries, db.aget_summaries, user_id, session_id)
        return found[0] if found else None

    async def delete(self, io: Io, user_id: str, session_id: str, source: str) -> bool:
        user_id, session_id = validate_user_id(user_id), validate_session_id(session_id)
        db = self.db
        write = SummaryWrite(session_id, None, WriteContext(source))
        plan = await io.call(db.write_summary, db.awrite_summary, user_id, write)
        return plan.event is not None

    async def history(self, io: Io, session_id: str, user_id: str) -> list[SummaryEvent]:
        user_id, session_id = validate_user_id(user_id), validate_session_id(session_id)
        db = self.db
        return await io.call(db.summary_history, db.asummary_history, user_id, session_id)
