"""A `Memory` learning from what a user says: the memory manager run over a conversation
or a request, window by window, with its port on the `Memory`'s memories."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from memory import prompts, telemetry
from memory.chat_models import ModelSpec
from memory.errors import InvalidInputError
from memory.manager import MemoryUpdateResult, MessageLike, render_transcript, transcript_windows
from memory.memories import Memories
from memory.schema import PendingClaim, validate_user_id
from memory.service import Service
from memory.telemetry import TokenUsage
from memory.twins import Io

logger = logging.getLogger(__name__)


@dataclass(eq=False)
class Learning(Service):
    """Creates, updates and forgets memories with the memory model."""

    memories: Memories

    async def create(
        self,
        io: Io,
        message: str | None,
        messages: Sequence[MessageLike] | None,
        user_id: str | None,
        model: ModelSpec | None,
        *,
        settles: PendingClaim | None = None,
    ) -> MemoryUpdateResult:
        user_id = validate_user_id(user_id)
        if (message is None) == (messages is None):
            raise InvalidInputError("pass exactly one of message=... or messages=[...]")
        try:
            said, user_text = render_transcript([("user", message)] if message else messages or [])
        except (ValueError, TypeError, NotImplementedError) as error:
            raise InvalidInputError(f"messages could not be read: {error}") from error
        if not user_text.strip():
            raise InvalidInputError("there is no user message to learn from")
        windows = transcript_windows(said)
        if len(windows) > 1:
            logger.info(
                "learning from a long conversation of user %r in %d windows", user_id, len(windows)
            )
        with self.span(telemetry.LEARN, "create_user_memories", user_id) as span:
            span.set({telemetry.MESSAGES: len(messages) if messages is not None else 1})
            results: list[MemoryUpdateResult] = []
            for n, window in enumerate(windows, start=1):
                # Each window's changes land before the next is read, so a fact said again
                # later updates the memory an earlier window made; the claim on pending
                # messages settles with the last window only.
                request = prompts.conversation_input(window)
                last = n == len(windows)
                results.append(
                    await self._manage(
                        io, user_id, request, user_text, model, settles if last else None
                    )
                )
            return _learned(span, _combined(results))

    async def task(
        self, io: Io, task: str, user_id: str, model: ModelSpec | None
    ) -> MemoryUpdateResult:
        user_id = validate_user_id(user_id)
        if not isinstance(task, str) or not task.strip():
            raise InvalidInputError("task must be a non-empty string")
        with self.span(telemetry.LEARN, "update_memory_task", user_id) as span:
            span.set({telemetry.MESSAGES: 1})
            result = await self._manage(io, user_id, prompts.task_input(task), task, model)
            return _learned(span, result)

    async def _manage(
        self,
        io: Io,
        user_id: str,
        request: str,
        source_input: str,
        model: ModelSpec | None,
        settles: PendingClaim | None = None,
    ) -> MemoryUpdateResult:
        settings = self.settings
        manager = settings.memory_manager
        return await manager.update(
            io,
            self.memories,
            user_id,
            request,
            source_input,
            model=manager.chat_model(model or settings.model),
            delete_memories=settings.delete_memories,
            clear_memories=settings.clear_memories,
            settles=settles,
        )


def _combined(results: list[MemoryUpdateResult]) -> MemoryUpdateResult:
    """The results of a conversation's windows as one: every change, refusal and call."""
    if len(results) == 1:
        return results[0]
    return MemoryUpdateResult(
        events=[event for result in results for event in result.events],
        refused=[refused for result in results for refused in result.refused],
        model_calls=sum(result.model_calls for result in results),
        prompt_tokens=sum(result.prompt_tokens for result in results),
        input_tokens=sum(result.input_tokens for result in results),
        output_tokens=sum(result.output_tokens for result in results),
        reply=results[-1].reply,
    )


def _learned(span: telemetry.MemorySpan, result: MemoryUpdateResult) -> MemoryUpdateResult:
    """Record what a learning run applied, refused and cost on its span."""
    span.set(
        {
            telemetry.APPLIED: len(result.events),
            telemetry.REFUSED: len(result.refused),
            telemetry.MODEL_CALLS: result.model_calls,
        }
    )
    span.usage(TokenUsage(result.input_tokens, result.output_tokens))
    return result
