"""SessionSummarizer: a chat model keeps a short running summary of each session."""

from __future__ import annotations

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import HumanMessage, SystemMessage
from pydantic import BaseModel, Field, ValidationError

from memory import prompts
from memory.chat_models import ModelSpec, first_model
from memory.errors import MemoryModelError
from memory.schema import SessionSummary
from memory.telemetry import current_span, tagged, usage_of
from memory.twins import Io


class SessionSummaryResponse(BaseModel):
    """The summary of a conversation so far, and a few topics of it."""

    summary: str = Field(description="The summary: a few sentences of plain prose.")
    topics: list[str] | None = Field(
        None, description="A few one- or two-word topics of the conversation."
    )


class SessionSummarizer:
    """Writes a session's summary from the previous summary and the messages since.

    The model never sees the whole thread: only the summary it wrote last time and
    what was said after it, so each update costs about the same however long the
    session grows.
    """

    def __init__(
        self,
        model: ModelSpec | None = None,
        system_message: str | None = None,
        additional_instructions: str | None = None,
    ) -> None:
        """
        Args:
            model: Chat model or "provider:model"; `None` uses the owning Memory's or agent's.
            system_message: Replaces the built-in instructions.
            additional_instructions: Appended to the instructions.
        """
        self.model = model
        self.system_message = system_message
        self.additional_instructions = additional_instructions

    def chat_model(self, fallback: ModelSpec | None = None) -> BaseChatModel:
        return first_model(self.model, fallback, "summarise sessions")

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
        structured = tagged(
            model.with_structured_output(SessionSummaryResponse, include_raw=True),
            "session_summary",
        )
        try:
            answer = await io.call(structured.invoke, structured.ainvoke, messages)
        except Exception as error:
            raise MemoryModelError(f"the summary model failed: {error}") from error
        if isinstance(answer, dict):
            current_span().usage(usage_of(answer.get("raw")))
        parsed = answer.get("parsed") if isinstance(answer, dict) else answer
        if not isinstance(parsed, SessionSummaryResponse):
            raise MemoryModelError("the summary model returned no summary")
        try:
            return SessionSummary(summary=parsed.summary, topics=parsed.topics, runs=runs)
        except ValidationError as error:
            raise MemoryModelError(f"the summary model's summary was refused: {error}") from error
