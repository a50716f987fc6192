"""Errors as the terminal shows them: one sentence that names the option the user typed
and what to do; the Python details go to the log (`-v`)."""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING

from graphs.cli.options import EXIT_NOT_FOUND, EXIT_USAGE

if TYPE_CHECKING:
    from pydantic import ValidationError

logger = logging.getLogger("graphs.cli")

EXIT_FAILED = 1
"""Something went wrong that no option of the user's caused."""

FIELD_NAMES = {
    "memory": "the memory text",
    "topics": "--topic",
    "expires_at": "--expires",
    "input": "the input text",
}
"""How a field of `UserMemory` is called on the command line."""


class CliError(Exception):
    """A sentence for the terminal and the exit status that goes with it."""

    def __init__(self, sentence: str, code: int = EXIT_USAGE) -> None:
        super().__init__(sentence)
        self.code = code


def explain(error: BaseException) -> CliError:
    """The sentence and exit status for any error a command lets through."""
    from pydantic import ValidationError

    from memory import (
        EmbeddingMismatchError,
        InvalidInputError,
        MemoryAgentError,
        MemoryNotFoundError,
    )

    if isinstance(error, CliError):
        return error
    logger.debug("the command failed", exc_info=error)
    if isinstance(error, MemoryNotFoundError):
        return CliError(
            f"No memory {error.memory_id} of {error.user_id}: "
            f"memory-agent memories list --user {error.user_id} shows the ids.",
            EXIT_NOT_FOUND,
        )
    if isinstance(error, EmbeddingMismatchError):
        return CliError(f"{_sentence(str(error))} Run memory-agent memories reembed to fix it.")
    if isinstance(error, ValidationError):
        return CliError(_validation_sentence(error))
    if isinstance(error, InvalidInputError) and isinstance(error.__cause__, ValidationError):
        what = _sentence(str(error).partition(": ")[0]).removesuffix(".")
        return CliError(f"{what}: {_validation_sentence(error.__cause__)}")
    if isinstance(error, MemoryAgentError | ValueError):
        return CliError(_sentence(str(error)))
    if isinstance(error, OSError):
        where = f" {error.filename}" if error.filename else ""
        return CliError(f"Cannot use{where}: {error.strerror or error}.")
    return CliError(
        f"The command failed ({_sentence(str(error)) or 'no reason given'}); "
        "run it again with -v to log the details.",
        EXIT_FAILED,
    )


def _validation_sentence(error: ValidationError) -> str:
    detail = error.errors(include_url=False)[0]
    field = str(detail["loc"][0]) if detail["loc"] else ""
    name = FIELD_NAMES.get(field, field or "the input")
    limit = detail.get("ctx", {})
    if detail["type"] == "string_too_long":
        given = len(str(detail["input"]))
        return (
            f"{name.capitalize()} is {given} characters long, over the {limit['max_length']} "
            "allowed: shorten it."
        )
    if detail["type"] == "string_too_short":
        return f"{name.capitalize()} is empty: give it in words."
    return f"{name.capitalize()} is not valid ({detail['msg'].lower()}): correct it."


def _sentence(text: str) -> str:
    """A library message as a sentence: capitalised, ending with a full stop."""
    text = re.sub(r"\s+", " ", text).strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "?", "!")) else text + "."
