"""Export and import of a user's memories, as JSON-ready data in one format of ours."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from memory import telemetry
from memory.errors import InvalidInputError
from memory.memories import Memories
from memory.schema import (
    AddMemory,
    MemoryOp,
    ReplaceMemory,
    UserMemory,
    expired,
    utc,
    validate_memory_id,
    validate_user_id,
)
from memory.service import Service
from memory.twins import Io

EXPORT_FORMAT = "memory-agent/memories@1"
EXPORTED_FIELDS: set[str] = {
    "memory_id",
    "memory",
    "topics",
    "input",
    "created_at",
    "updated_at",
    "expires_at",
}
"""What an export keeps of each memory, and what an import compares to find it unchanged."""


@dataclass(eq=False)
class Transfer(Service):
    """A user's memories out, and back in (ids, times and expiry kept)."""

    memories: Memories

    async def export(self, io: Io, user_id: str) -> dict[str, Any]:
        user_id = validate_user_id(user_id)
        memories = await self.memories.of_user(io, user_id)
        return {
            "format": EXPORT_FORMAT,
            "user_id": user_id,
            "memories": [m.model_dump(mode="json", include=EXPORTED_FIELDS) for m in memories],
        }

    async def load(self, io: Io, data: Mapping[str, Any], user_id: str | None) -> list[str]:
        user_id, memories = _import_args(data, user_id)
        context = self.context("import")
        memories = [m for m in memories if not expired(m, utc(context.at))]
        ids = [m.memory_id for m in memories if m.memory_id is not None]
        view = self.view()
        existing = await io.call(view.get_memories, view.aget_memories, user_id, ids)
        stored = {m.memory_id: m.model_dump(include=EXPORTED_FIELDS) for m in existing}
        unchanged = {
            m.memory_id
            for m in memories
            if stored.get(m.memory_id) == m.model_dump(include=EXPORTED_FIELDS)
        }
        ops: list[MemoryOp] = [
            ReplaceMemory(m.memory_id, m) if m.memory_id in stored else AddMemory(m)
            for m in memories
            if m.memory_id is not None and m.memory_id not in unchanged
        ]
        with self.span(telemetry.UPSERT, "import_user_memories", user_id) as span:
            span.set({telemetry.RECORD_COUNT: len(ops)})
            events = await self.write(io, user_id, ops, context)
        kept = unchanged | {event.memory_id for event in events if event.action != "expired"}
        return [memory_id for memory_id in ids if memory_id in kept]


def _import_args(data: Mapping[str, Any], user_id: str | None) -> tuple[str, list[UserMemory]]:
    if not isinstance(data, Mapping) or data.get("format") != EXPORT_FORMAT:
        raise InvalidInputError(f"import data must be a dict made by export ({EXPORT_FORMAT})")
    user_id = validate_user_id(user_id if user_id is not None else data.get("user_id"))
    entries = data.get("memories")
    if not isinstance(entries, list):
        raise InvalidInputError("import data has no 'memories' list")
    try:
        memories = [
            UserMemory.model_validate({**entry, "user_id": None, "agent_id": None})
            for entry in entries
        ]
    except (ValidationError, TypeError) as error:
        raise InvalidInputError(f"import data holds an invalid memory: {error}") from error
    for m in memories:
        validate_memory_id(m.memory_id)
    return user_id, memories
