"""The memory agent for a LangGraph Server deployment, its memories in PostgreSQL.

The server persists sessions (threads) in its own database (`POSTGRES_URI`); the
memories live in the database `MEMORY_AGENT_DB` names, which may be the same one,
shared by every worker of the deployment. Tables are set up at start (idempotent).
The model comes from the run's context, else MEMORY_AGENT_MODEL, else
openai:gpt-4.1-mini. MEMORY_AGENT_EXTRACTION=deferred learns memories once a thread
has been quiet for MEMORY_AGENT_EXTRACTION_DELAY seconds (default 30), in a delayed
run of `memory_extractor`.
"""

import os

from graphs import create_memory_agent, create_memory_extractor
from graphs.deferred import extraction_from_env
from memory import Memory, PostgresMemoryDb

memories = PostgresMemoryDb(os.environ["MEMORY_AGENT_DB"])
memories.setup()
memory = Memory(db=memories, delete_memories=True, clear_memories=True)

graph = create_memory_agent(
    memory=memory,
    enable_user_memories=True,
    read_chat_history=True,
    markdown=True,
    platform=True,
    **extraction_from_env(),
)

extractor = create_memory_extractor(memory)
