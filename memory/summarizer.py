"""SessionSummarizer: a chat model keeps a short running summary of each session."""

from __future__ import annotations

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import HumanMessage, SystemMessage
from pydantic import BaseModel, Field, ValidationError

from memory import prompts
from memory.chat_models import ModelHelper, Step, structured_answer
from memory.errors import MemoryModelError
from memory.schema import SessionSummary
from memory.telemetry import current_span
from memory.twins import Io


class SessionSummaryResponse(BaseModel):
    """The summary of a conversation so far, and a few topics of it."""

    summary: str = Field(description="The summary: a few sentences of plain prose.")
    topics: list[str] | None = Field(
        None, description="A few one- or two-word topics of the conversation."
    )


class SessionSummarizer(ModelHelper):
    """Writes a session's summary from the previous summary and the messages since.

    The model never sees the whole thread: only the summary it wrote last time and
    what was said after it, so each update costs about the same however long the
    session grows.
    """

    task = "summarise sessions"

    async def summarize(
        self,
        io: Io,
        previous: SessionSummary | None,
        transcript: str,
        runs: int,
        *,
        model: BaseChatModel,
    ) -> SessionSummary:
        """The updated summary, covering `runs` runs; `MemoryModelError` when the model
        fails or answers with something that is not a usable summary."""
        instructions = [
            self.system_message or prompts.SESSION_SUMMARIZER_ROLE,
            self.additional_instructions or "",
        ]
        messages = [
            SystemMessage("\n\n".join(part for part in instructions if part)),
            HumanMessage(
                prompts.session_summary_input(previous.summary if previous else None, transcript)
            ),
        ]
        step = Step("session_summary", "summary")
        parsed, used = await structured_answer(io, model, SessionSummaryResponse, messages, step)
        current_span().usage(used)
        if parsed is None:
            raise MemoryModelError("the summary model returned no summary")
        try:
            return SessionSummary(summary=parsed.summary, topics=parsed.topics, runs=runs)
        except ValidationError as error:
            raise MemoryModelError(f"the summary model's summary was refused: {error}") from error
