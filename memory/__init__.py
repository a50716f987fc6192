"""User memory for LangGraph agents."""
