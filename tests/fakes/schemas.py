"""A tool and a structured-output schema that the fake-server tests send through real clients."""

from __future__ import annotations

from langchain_core.tools import tool
from pydantic import BaseModel


@tool
def add_memory(memory: str, topics: list[str]) -> str:
    """Remember a fact about the user."""
    return memory


class Person(BaseModel):
    """A person the user mentioned."""

    name: str
    age: int
