"""LangGraph agents that use the memory library."""
