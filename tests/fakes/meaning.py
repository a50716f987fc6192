"""A deterministic embedder that knows a few meanings, for finding memories by meaning offline.

Words are mapped to a handful of concepts ("skiing" and "winter" are both snow
sports), so a query can match a memory it shares no word with, which keyword
search cannot do; a text with no known concept points in a direction of its own.
"""

from __future__ import annotations

import math
import re

from langchain_core.embeddings import Embeddings

CONCEPTS: dict[str, set[str]] = {
    "snow": {"ski", "skis", "skiing", "snowboard", "snowboarding", "snow", "slopes", "winter"},
    "music": {"violin", "cello", "orchestra", "music", "concert", "piano", "guitar"},
    "food": {"vegetarian", "vegan", "meat", "dinner", "lunch", "cook", "cooking", "eat", "food"},
    "pets": {"cat", "cats", "dog", "dogs", "rabbit", "rabbits", "pet", "pets"},
    "travel": {"rome", "paris", "trip", "travel", "visiting", "flight", "holiday", "city"},
}
_WORD = re.compile(r"\w+")


def concept_embedding(text: str, dimensions: int = 16) -> list[float]:
    """A unit vector with one axis per concept the text mentions (the last axis: none)."""
    vector = [0.0] * max(dimensions, len(CONCEPTS) + 1)
    for word in _WORD.findall(text.lower()):
        for axis, members in enumerate(CONCEPTS.values()):
            if word in members:
                vector[axis] += 1.0
    if not any(vector):
        vector[-1] = 1.0
    norm = math.sqrt(sum(value * value for value in vector))
    return [value / norm for value in vector]


class ConceptEmbeddings(Embeddings):
    """`concept_embedding` as LangChain `Embeddings`, recording every text it was given."""

    def __init__(self, dimensions: int = 16) -> None:
        self.dimensions = dimensions
        self.documents: list[list[str]] = []
        """The texts of each `embed_documents` call, in order."""
        self.queries: list[str] = []

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        self.documents.append(list(texts))
        return [concept_embedding(text, self.dimensions) for text in texts]

    def embed_query(self, text: str) -> list[float]:
        self.queries.append(text)
        return concept_embedding(text, self.dimensions)
