"""The deployment needs a graph; the test drives its memory routes only."""

from langgraph.graph import MessagesState, StateGraph

graph = (
    StateGraph(MessagesState)
    .add_node("noop", lambda state: {})
    .add_edge("__start__", "noop")
    .compile()
)
