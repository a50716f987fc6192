"""The memory agent as LangGraph Server runs it: threads are sessions, its store holds memories.

The graph brings no checkpointer or store of its own; the server provides both.
The model comes from the run's context (`{"user_id": ..., "model": "openai:..."}`)
or from MEMORY_AGENT_MODEL; MEMORY_AGENT_EMBEDDINGS (`module:attribute`, as for
the CLI's --embeddings) turns on hybrid retrieval of memories.
"""

import os

from graphs.agent import builder
from graphs.scope import AgentSettings
from memory.embeddings import load_embeddings

EMBEDDINGS = os.environ.get("MEMORY_AGENT_EMBEDDINGS")

graph = builder(
    AgentSettings(
        enable_user_memories=True,
        read_chat_history=True,
        markdown=True,
        delete_memories=True,
        clear_memories=True,
        embeddings=load_embeddings(EMBEDDINGS) if EMBEDDINGS else None,
    )
).compile(name="memory_agent")
