"""LangGraph agents that use the memory library."""

from graphs.agent import create_memory_agent
from graphs.printing import print_response

__all__ = ["create_memory_agent", "print_response"]
