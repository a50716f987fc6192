"""The memory agent as LangGraph Server runs it: threads are sessions, its store holds memories.

The graph brings no checkpointer or store of its own; the server provides both.
The model comes from the run's context (`{"user_id": ..., "model": "openai:..."}`),
else MEMORY_AGENT_MODEL, else openai:gpt-4.1-mini, as for the CLI, so OPENAI_API_KEY
is all a newcomer needs. MEMORY_AGENT_EMBEDDINGS (`module:attribute`, as for the
CLI's --embeddings) turns on hybrid retrieval of memories.
"""

import os

from graphs import StoreMemory, create_memory_agent
from memory.embeddings import load_embeddings

EMBEDDINGS = os.environ.get("MEMORY_AGENT_EMBEDDINGS")

graph = create_memory_agent(
    memory=StoreMemory(
        delete_memories=True,
        clear_memories=True,
        embeddings=load_embeddings(EMBEDDINGS) if EMBEDDINGS else None,
    ),
    enable_user_memories=True,
    read_chat_history=True,
    markdown=True,
)
