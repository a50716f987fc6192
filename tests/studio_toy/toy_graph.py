"""Toy graph for ``langgraph dev`` tests: remembers each user's last message in the store."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from langchain_core.messages import AIMessage, AnyMessage
from langgraph.graph import START, MessagesState, StateGraph
from langgraph.runtime import Runtime


@dataclass
class Context:
    """Per-run context; the server fills it from ``context=`` of the run request."""

    user_id: str


def user_label(user_id: str) -> str:
    """Encode a user id as a store namespace label (labels may not contain ".")."""
    return quote(user_id, safe="").replace(".", "%2E")


def remember(state: MessagesState, runtime: Runtime[Context]) -> dict[str, Any]:
    """Store the last message under the user's namespace and acknowledge it."""
    if runtime.store is None:
        raise RuntimeError("no store: run this graph under a LangGraph server")
    user_id = runtime.context.user_id
    text = state["messages"][-1].text
    runtime.store.put(("memories", user_label(user_id)), "last_message", {"text": text})
    reply: AnyMessage = AIMessage(content=f"Noted for {user_id}: {text}")
    return {"messages": [reply]}


graph = (
    StateGraph(MessagesState, context_schema=Context)
    .add_node(remember)
    .add_edge(START, "remember")
    .compile(name="memory_agent")
)
