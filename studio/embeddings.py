"""The embedding model of the Studio store's semantic index (`store.index` in langgraph.json).

The server embeds each memory's text with it when the memory is written, and each
query when the agent searches by meaning. `MEMORY_AGENT_EMBEDDINGS` names it as the
CLI's `--embeddings` does (`openai:text-embedding-3-small` for OpenAI's, or an
OpenAI-compatible server's at OPENAI_BASE_URL; `module:attribute` for any other);
without it, `hash:1536`, the deterministic stand-in, so the server starts with no
key and no network. The index's `dims` in langgraph.json (1536) must match the model.
"""

import os

from memory.embeddings import load_embeddings

embeddings = load_embeddings(os.environ.get("MEMORY_AGENT_EMBEDDINGS") or "hash:1536")
