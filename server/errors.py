"""Every error the memory routes answer with: JSON `{"detail": message}` and the right 4xx.

The library's typed errors map to status codes here, once. Only errors the memory
routes raise are handled, so the app changes nothing of LangGraph Server's own
error answers when it is mounted there.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from memory.errors import (
    EmbeddingMismatchError,
    EmbeddingUnavailableError,
    InvalidInputError,
    MemoryAgentError,
    MemoryConflictError,
    MemoryDbError,
    MemoryModelError,
    MemoryNotFoundError,
    ModelConfigError,
    PendingClaimLostError,
)

logger = logging.getLogger(__name__)

STATUS_OF_ERROR: Sequence[tuple[type[MemoryAgentError], int]] = (
    (MemoryNotFoundError, 404),
    (InvalidInputError, 422),
    (EmbeddingMismatchError, 409),
    (PendingClaimLostError, 409),
    (MemoryConflictError, 409),
    (EmbeddingUnavailableError, 503),
    (MemoryDbError, 503),
    (ModelConfigError, 503),
    (MemoryModelError, 502),
)
"""The first class an error is an instance of decides; any other `MemoryAgentError` is 400."""


def status_of(error: MemoryAgentError) -> int:
    return next((status for kind, status in STATUS_OF_ERROR if isinstance(error, kind)), 400)


async def _memory_agent_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, MemoryAgentError)
    status = status_of(error)
    if status >= 500:
        logger.warning("memory route failed: %s", type(error).__name__, exc_info=error)
    return JSONResponse({"detail": str(error)}, status_code=status)


async def _validation_error(request: Request, error: Exception) -> JSONResponse:
    """400 for a body that is not JSON; else 422 naming each refused field."""
    assert isinstance(error, RequestValidationError)
    errors: list[dict[str, Any]] = list(error.errors())
    if any(e.get("type") == "json_invalid" for e in errors):
        return JSONResponse({"detail": "the body is not valid JSON"}, status_code=400)
    message = "; ".join(f"{_field(e['loc'])}: {e['msg']}" for e in errors)
    errors = [{k: v for k, v in e.items() if k != "input"} for e in errors]
    return JSONResponse({"detail": message, "errors": jsonable_encoder(errors)}, status_code=422)


def _field(loc: Sequence[object]) -> str:
    return ".".join(str(part) for part in loc)


def add_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(MemoryAgentError, _memory_agent_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
