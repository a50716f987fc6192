"""Which of a user's memories a model is shown: all while they fit a token budget, else the best."""

from __future__ import annotations

from dataclasses import dataclass

from memory.db.base import MemoryDb
from memory.schema import UserMemory
from memory.twins import Call, Flow

DEFAULT_TOKEN_BUDGET = 2_000
"""About 100 typical memories: enough to personalise, small next to a model's context."""
_MIN_TOKENS_PER_MEMORY = 8
_RELATED_SHARE = 2 / 3
"""Of a full budget, the share kept for memories related to the input; the newest get the rest."""


def approx_tokens(text: str) -> int:
    """A provider-neutral estimate: about four characters a token for English text."""
    return len(text) // 4 + 1


def memory_tokens(memory: UserMemory) -> int:
    return approx_tokens(memory.memory) + approx_tokens(" ".join(memory.topics)) + 4


@dataclass(frozen=True)
class PromptMemories:
    """Memories chosen for a prompt, oldest first."""

    memories: list[UserMemory]
    complete: bool
    """True when these are all of the user's memories; False when the budget cut some."""


def select_for_prompt(
    db: MemoryDb, user_id: str, text: str, token_budget: int = DEFAULT_TOKEN_BUDGET
) -> Flow[PromptMemories]:
    """All of the user's memories if they fit `token_budget`; else related ones and the newest.

    Related means ranked by keyword search on `text`. Never reads more than the
    budget could hold, so the cost is the same for 100 memories or 100,000.
    """
    most = max(1, token_budget // _MIN_TOKENS_PER_MEMORY)
    newest: list[UserMemory] = yield Call(
        db,
        "list_memories",
        (user_id,),
        {"order_by": "updated_at", "newest_first": True, "limit": most + 1},
    )
    if len(newest) <= most and sum(map(memory_tokens, newest)) <= token_budget:
        return PromptMemories(_oldest_first(newest), complete=True)
    related: list[UserMemory] = (
        (yield Call(db, "keyword_search", (user_id, text, most))) if text.strip() else []
    )
    chosen: dict[str | None, UserMemory] = {}
    used = 0
    for pool, limit in (
        (related, token_budget * _RELATED_SHARE),
        (newest, token_budget),
        (related, token_budget),
    ):
        for memory in pool:
            cost = memory_tokens(memory)
            if memory.memory_id not in chosen and used + cost <= limit:
                chosen[memory.memory_id] = memory
                used += cost
    return PromptMemories(_oldest_first(list(chosen.values())), complete=False)


def _oldest_first(memories: list[UserMemory]) -> list[UserMemory]:
    return sorted(memories, key=lambda m: (m.created_at is None, m.created_at))
