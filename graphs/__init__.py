"""LangGraph and LangChain pieces that give agents long-term memory of their users.

- `create_memory_agent`: a whole agent (LangChain's `create_agent` with the pieces below).
- `MemoryMiddleware`: memory for any `create_agent` agent.
- `create_memory_tools`: `update_user_memory` and `search_user_memories` for any agent.
- `recall_memories_node`, `extract_memories_node`: nodes for an app's own StateGraph.
- `StoreMemory`: memories in the run's LangGraph store, as under LangGraph Server.
- `flush_memories`, `create_memory_extractor`: deferred extraction's flush, and its
  graph for LangGraph Server.
"""

from graphs.agent import create_memory_agent
from graphs.deferred import aflush_memories, create_memory_extractor, flush_memories
from graphs.middleware import MemoryMiddleware, ThreadOwnerMiddleware
from graphs.nodes import extract_memories_node, recall_memories_node
from graphs.printing import print_response
from graphs.scope import AgentConfigError, StoreMemory
from graphs.tools import create_memory_tools
from memory.extraction import FlushResult

__all__ = [
    "AgentConfigError",
    "FlushResult",
    "MemoryMiddleware",
    "StoreMemory",
    "ThreadOwnerMiddleware",
    "aflush_memories",
    "create_memory_agent",
    "create_memory_extractor",
    "create_memory_tools",
    "extract_memories_node",
    "flush_memories",
    "print_response",
    "recall_memories_node",
]
