"""Prompt size of one `create_user_memories` call as a user's memories grow, as JSON.

Run by hand: `uv run python benchmarks/manager_bench.py`. The model is scripted
(it adds one memory), so the figures measure what we send, not a provider. For
contrast, `all_memories_tokens` is what pasting every memory into the prompt
(Agno's approach) would add.
"""

from __future__ import annotations

import json

from memory import Memory
from memory.retrieval import approx_tokens, memory_tokens
from memory.schema import AddMemory, UserMemory, WriteContext
from memory.testing import ScriptedChatModel, tool_call

MESSAGE = "I just moved to Lisbon and started learning to surf on weekends."


def measure(count: int) -> dict[str, int]:
    with Memory() as memory:
        memories = [
            AddMemory(UserMemory(memory=f"The user fact number {n} is about topic {n % 97}"))
            for n in range(count)
        ]
        memory.apply_user_memory_ops("bench", memories, WriteContext("bench"))
        memory.model = ScriptedChatModel([tool_call("add_memory", memory="The user surfs")])
        result = memory.create_user_memories(message=MESSAGE, user_id="bench")
        assert isinstance(memory.model, ScriptedChatModel)
        shown = memory.model.calls[0].messages[0].text.count("\n[m")
        everything = sum(memory_tokens(m) for m in memory.get_user_memories("bench"))
        return {
            "memories": count,
            "model_calls": result.model_calls,
            "prompt_tokens": result.prompt_tokens,
            "memories_shown": shown,
            "all_memories_tokens": everything + approx_tokens(MESSAGE),
        }


def main() -> None:
    print(json.dumps([measure(count) for count in (10, 100, 1_000, 10_000)], indent=2))


if __name__ == "__main__":
    main()
