"""Embedding models behind LangChain's `Embeddings`: bounded calls, labels, a local stand-in."""

from __future__ import annotations

import asyncio
import hashlib
import importlib
import math
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from langchain_core.embeddings import Embeddings

from memory.errors import EmbeddingUnavailableError, InvalidInputError
from memory.text import STOP_WORDS, words
from memory.twins import within


class HashEmbeddings(Embeddings):
    """Deterministic, offline embeddings: a hashed bag of content words.

    Texts that share words get similar vectors and nothing else does, so it finds
    no paraphrases. It exists for tests, examples and trying semantic search
    without a model; use a real embedding model for real users.
    """

    def __init__(self, dimensions: int = 256) -> None:
        if dimensions < 1:
            raise InvalidInputError("dimensions must be at least 1")
        self.dimensions = dimensions
        self.model = f"hash-{dimensions}"

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [self._embed(text) for text in texts]

    def embed_query(self, text: str) -> list[float]:
        return self._embed(text)

    def _embed(self, text: str) -> list[float]:
        vector = [0.0] * self.dimensions
        for word in words(text):
            if word in STOP_WORDS:
                continue
            digest = hashlib.blake2b(word.removesuffix("s").encode(), digest_size=8).digest()
            vector[int.from_bytes(digest, "little") % self.dimensions] += 1.0
        norm = math.sqrt(sum(v * v for v in vector)) or 1.0
        return [v / norm for v in vector]


def embedding_model_name(embeddings: Embeddings) -> str:
    """A stable label for the vectors an embedder makes, stored with each vector.

    Vectors with different labels are never compared; pass `Memory(embedding_model=...)`
    when two configurations of one class should not share vectors.
    """
    for attribute in ("model", "model_name"):
        value = getattr(embeddings, attribute, None)
        if isinstance(value, str) and value:
            return f"{type(embeddings).__name__}:{value}"
    return type(embeddings).__name__


def load_embeddings(spec: str) -> Embeddings:
    """An embedder named on a command line: `hash`, `hash:DIMENSIONS`, `openai:MODEL` or
    `module:attribute`.

    `openai:MODEL` is OpenAI's embedding model, or that of the OpenAI-compatible server
    at $OPENAI_BASE_URL (such as Ollama), sent texts rather than tokens so any such
    server understands them. The attribute is an `Embeddings` instance or a callable
    that returns one.
    """
    name, _, argument = spec.partition(":")
    if name == "hash":
        return HashEmbeddings(int(argument)) if argument else HashEmbeddings()
    if not argument:
        raise InvalidInputError(
            f"embeddings must be 'hash', 'openai:MODEL' or 'module:attribute', got {spec!r}"
        )
    if name == "openai":
        from langchain_openai import OpenAIEmbeddings

        return OpenAIEmbeddings(model=argument, check_embedding_ctx_length=False)
    try:
        found = getattr(importlib.import_module(name), argument)
    except (ImportError, AttributeError) as error:
        raise InvalidInputError(f"cannot load embeddings {spec!r}: {error}") from error
    embeddings = found if isinstance(found, Embeddings) else found()
    if not isinstance(embeddings, Embeddings):
        raise InvalidInputError(f"{spec!r} is not a LangChain Embeddings")
    return embeddings


class Embedder:
    """An `Embeddings` with the label of its vectors and a time limit on every call.

    Its twins (`embed_query`/`aembed_query`, `embed_documents`/`aembed_documents`)
    fail only with `EmbeddingUnavailableError`, whatever went wrong (an error, a
    timeout, something other than vectors), so callers have one failure to handle.
    """

    def __init__(
        self, embeddings: Embeddings, model: str | None = None, timeout: float = 10.0
    ) -> None:
        """
        Args:
            embeddings: Any LangChain `Embeddings`.
            model: The label stored with each vector; vectors of another label are
                never compared. Defaults to the class and model name.
            timeout: Seconds to wait for the model before giving up.
        """
        self.embeddings = embeddings
        self.model = model or embedding_model_name(embeddings)
        self.timeout = timeout

    def embed_query(self, text: str) -> list[float]:
        with _unavailable_on_failure(self.timeout):
            vector = within(self.timeout, lambda: self.embeddings.embed_query(text))
        return _checked([vector], 1)[0]

    async def aembed_query(self, text: str) -> list[float]:
        with _unavailable_on_failure(self.timeout):
            async with asyncio.timeout(self.timeout):
                vector = await self.embeddings.aembed_query(text)
        return _checked([vector], 1)[0]

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        with _unavailable_on_failure(self.timeout):
            vectors = within(self.timeout, lambda: self.embeddings.embed_documents(texts))
        return _checked(vectors, len(texts))

    async def aembed_documents(self, texts: list[str]) -> list[list[float]]:
        with _unavailable_on_failure(self.timeout):
            async with asyncio.timeout(self.timeout):
                vectors = await self.embeddings.aembed_documents(texts)
        return _checked(vectors, len(texts))


@contextmanager
def _unavailable_on_failure(seconds: float) -> Iterator[None]:
    """Whatever the model raised, or its silence past `seconds`, as one error type."""
    try:
        yield
    except TimeoutError as error:
        raise EmbeddingUnavailableError(
            f"the embedding model did not answer within {seconds}s"
        ) from error
    except Exception as error:
        raise EmbeddingUnavailableError(f"the embedding model failed: {error!r}") from error


def _checked(vectors: Any, count: int) -> list[list[float]]:
    """Refuse what is not `count` vectors of one dimension with finite values."""
    try:
        rows = [[float(value) for value in vector] for vector in vectors]
    except (TypeError, ValueError) as error:
        raise EmbeddingUnavailableError(
            f"the embedding model returned non-vectors: {error}"
        ) from error
    dimensions = {len(row) for row in rows}
    if len(rows) != count or len(dimensions) > 1 or 0 in dimensions:
        raise EmbeddingUnavailableError(
            f"the embedding model returned {len(rows)} vectors of dimensions "
            f"{sorted(dimensions)} for {count} texts"
        )
    if not all(math.isfinite(value) for row in rows for value in row):
        raise EmbeddingUnavailableError("the embedding model returned NaN or infinity")
    return rows
