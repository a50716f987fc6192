"""The memory agent as LangGraph Server runs it: threads are sessions, its store holds memories.

The graph brings no checkpointer or store of its own; the server provides both.
The model comes from the run's context (`{"user_id": ..., "model": "openai:..."}`),
else MEMORY_AGENT_MODEL, else openai:gpt-4.1-mini, as for the CLI, so OPENAI_API_KEY
is all a newcomer needs. The store's semantic index (`store.index` in langgraph.json,
its model named by MEMORY_AGENT_EMBEDDINGS: see studio/embeddings.py) embeds each
memory's text and ranks memories by meaning for the prompt.

MEMORY_AGENT_EXTRACTION=deferred learns memories after the answer, once a thread has
been quiet for MEMORY_AGENT_EXTRACTION_DELAY seconds (default 30), in a delayed run
of the second graph, `memory_extractor`, which the agent schedules on the server.
"""

from graphs import StoreMemory, create_memory_agent, create_memory_extractor
from graphs.deferred import extraction_from_env

memory = StoreMemory(delete_memories=True, clear_memories=True)

graph = create_memory_agent(
    memory=memory,
    enable_user_memories=True,
    read_chat_history=True,
    markdown=True,
    **extraction_from_env(),
)

extractor = create_memory_extractor(memory)
