"""Memory nodes for an app's own StateGraph: recall before the model, learn after the answer.

```python
graph.add_node("recall", recall_memories_node(memory, state_key="memories"))
graph.add_node("answer", answer)  # puts state["memories"] in its system prompt
graph.add_node("learn", extract_memories_node(memory, model="openai:gpt-4.1-mini"))
```

Both read the user from the run (`context.user_id`, else `configurable.user_id`)
and the conversation from `state["messages"]`; both run sync and async.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from langchain_core.runnables import RunnableConfig, RunnableLambda
from langgraph.config import get_stream_writer
from langgraph.runtime import get_runtime

from graphs.scope import MemorySource, claim_run_thread, run_memory, run_user
from graphs.steps import last_run_user_texts, last_user_text, learn, memory_section
from memory.chat_models import ModelSpec, resolve_chat_model
from memory.db.view import MemoryFilter
from memory.retrieval import DEFAULT_TOKEN_BUDGET
from memory.twins import AWAITING, BLOCKING, Io, run_sync

State = Any
"""The app's state, whatever its schema: the nodes read `state[messages_key]` only."""
Update = dict[str, Any]


def recall_memories_node(
    memory: MemorySource,
    *,
    state_key: str = "memories",
    messages_key: str = "messages",
    token_budget: int = DEFAULT_TOKEN_BUDGET,
    topics: Sequence[str] | None = None,
) -> RunnableLambda[State, Update]:
    """A node that writes the user's memories, as system-prompt text, to `state_key`.

    They are chosen for the latest user message in `messages_key`: all of them
    while they fit `token_budget`, else the most related and the newest; with
    `topics`, only those with one of them. Give the app's state a `str` field
    named `state_key`. A run of another user than the thread's first raises
    `ThreadOwnershipError`; put this node before the model.
    """
    MemoryFilter.of(topics)  # refuse unusable topics now, not at the first run

    async def recall(io: Io, state: State, config: RunnableConfig) -> Update:
        runtime = get_runtime()
        await claim_run_thread(io, memory, runtime)
        user_id = run_user(runtime.context, config)
        source = run_memory(memory, runtime.store)
        text = last_user_text(state.get(messages_key) or [])
        section = await memory_section(
            io,
            source,
            user_id,
            text,
            token_budget=token_budget,
            topics=topics,
            write=runtime.stream_writer,
        )
        return {state_key: section}

    def sync(state: State, config: RunnableConfig) -> Update:
        return run_sync(recall(BLOCKING, state, config))

    async def async_(state: State, config: RunnableConfig) -> Update:
        return await recall(AWAITING, state, config)

    return RunnableLambda(sync, afunc=async_, name="recall_memories")


def extract_memories_node(
    memory: MemorySource,
    *,
    messages_key: str = "messages",
    model: ModelSpec | None = None,
) -> RunnableLambda[State, Update]:
    """A node that lets the memory manager learn from the latest run's user messages.

    Put it after the answer. It changes no state; it never fails the run: a
    failing memory model is logged and streamed as a `memory_update` event.
    The memory manager uses `model`, else the `Memory`'s own.
    """
    fallback = None if model is None else resolve_chat_model(model)

    async def extract(io: Io, state: State, config: RunnableConfig) -> Update:
        runtime = get_runtime()
        await claim_run_thread(io, memory, runtime)
        user_id = run_user(runtime.context, config)
        source = run_memory(memory, runtime.store)
        said = last_run_user_texts(state.get(messages_key) or [])
        await learn(io, source, user_id, said, fallback, get_stream_writer())
        return {}

    def sync(state: State, config: RunnableConfig) -> Update:
        return run_sync(extract(BLOCKING, state, config))

    async def async_(state: State, config: RunnableConfig) -> Update:
        return await extract(AWAITING, state, config)

    return RunnableLambda(sync, afunc=async_, name="extract_memories")
