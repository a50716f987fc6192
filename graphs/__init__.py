"""LangGraph and LangChain pieces that give agents long-term memory of their users.

- `create_memory_agent`: a whole agent (LangChain's `create_agent` with the pieces below).
- `MemoryMiddleware` (alias `UserMemoryMiddleware`): memory for any `create_agent` agent.
- `create_memory_tools`: `update_user_memory` and `search_user_memories` for any agent.
- `recall_memories_node`, `extract_memories_node`: nodes for an app's own StateGraph.
- `StoreMemory`: memories in the run's LangGraph store, as under LangGraph Server.
- `flush_memories`, `create_memory_extractor`: deferred extraction's flush, and its
  graph for LangGraph Server.

Each name's module loads on first use (PEP 562), so the `memory-agent` command, which
lives in `graphs.cli`, starts without loading LangChain.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from graphs.agent import create_memory_agent
    from graphs.deferred import aflush_memories, create_memory_extractor, flush_memories
    from graphs.middleware import (
        MemoryMiddleware,
        ThreadOwnerMiddleware,
        UserMemoryMiddleware,
    )
    from graphs.nodes import extract_memories_node, recall_memories_node
    from graphs.printing import print_response
    from graphs.scope import AgentConfigError, StoreMemory
    from graphs.tools import create_memory_tools
    from memory.extraction import FlushResult

_MODULES = {
    "AgentConfigError": "graphs.scope",
    "FlushResult": "memory.extraction",
    "MemoryMiddleware": "graphs.middleware",
    "StoreMemory": "graphs.scope",
    "ThreadOwnerMiddleware": "graphs.middleware",
    "UserMemoryMiddleware": "graphs.middleware",
    "aflush_memories": "graphs.deferred",
    "create_memory_agent": "graphs.agent",
    "create_memory_extractor": "graphs.deferred",
    "create_memory_tools": "graphs.tools",
    "extract_memories_node": "graphs.nodes",
    "flush_memories": "graphs.deferred",
    "print_response": "graphs.printing",
    "recall_memories_node": "graphs.nodes",
}
"""Where each public name lives."""


def __getattr__(name: str) -> Any:
    module = _MODULES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_MODULES])


__all__ = [
    "AgentConfigError",
    "FlushResult",
    "MemoryMiddleware",
    "StoreMemory",
    "ThreadOwnerMiddleware",
    "UserMemoryMiddleware",
    "aflush_memories",
    "create_memory_agent",
    "create_memory_extractor",
    "create_memory_tools",
    "extract_memories_node",
    "flush_memories",
    "print_response",
    "recall_memories_node",
]
