"""Helper for asserting on streamed model output."""

from __future__ import annotations

from collections.abc import Iterable

from langchain_core.messages import AIMessageChunk, BaseMessage


def collect(chunks: Iterable[BaseMessage]) -> AIMessageChunk:
    """Merge streamed chunks as LangChain callers do, so tests can compare whole messages."""
    merged: AIMessageChunk | None = None
    for chunk in chunks:
        if not isinstance(chunk, AIMessageChunk):
            raise TypeError(f"expected AIMessageChunk, got {type(chunk).__name__}")
        merged = chunk if merged is None else merged + chunk
    if merged is None:
        raise ValueError("the stream yielded nothing")
    return merged
