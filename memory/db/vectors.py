"""Vector arithmetic both stores share, so SQLite and a LangGraph store rank alike."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from memory.db.base import VectorHit
from memory.ranking import recency
from memory.schema import EmbeddingMismatchError, InvalidInputError

Matrix = npt.NDArray[np.float32]
DTYPE = "<f4"
"""How vectors are stored as bytes: little-endian float32, whatever the machine."""


def as_vector(values: Sequence[float]) -> Matrix:
    vector = np.asarray(values, dtype=DTYPE)
    if vector.ndim != 1 or vector.size == 0 or not np.isfinite(vector).all():
        raise InvalidInputError("an embedding must be a non-empty list of finite numbers")
    return vector


def from_bytes(blobs: Sequence[bytes], dimensions: int) -> Matrix:
    """Stored vectors as the rows of one normalised matrix."""
    matrix = np.frombuffer(b"".join(blobs), dtype=DTYPE).reshape(len(blobs), dimensions)
    return normalised(matrix.astype(np.float32))


def normalised(matrix: Matrix) -> Matrix:
    """Rows scaled to length 1, so a dot product is a cosine; a zero row stays zero."""
    norms = np.linalg.norm(matrix, axis=-1, keepdims=True)
    result: Matrix = np.divide(matrix, norms, out=np.zeros_like(matrix), where=norms > 0)
    return result


def best_rows(matrix: Matrix, query: Matrix, limit: int | None) -> list[tuple[int, float]]:
    """(row, cosine) of the `limit` rows closest to `query` (both normalised), unordered."""
    # einsum, not BLAS: a threaded BLAS wakes its threads for every product (~7 ms).
    scores = np.einsum("ij,j->i", matrix, query)
    count = scores.size if limit is None else min(limit, scores.size)
    if count == 0:
        return []
    top = np.argpartition(-scores, count - 1)[:count]
    return [(int(i), float(scores[i])) for i in top]


def best_first(hits: list[VectorHit]) -> list[VectorHit]:
    """Hits by similarity; equal ones put the more recently updated memory first."""
    return sorted(hits, key=lambda hit: (-hit.score, -recency(hit.memory)))


def mismatch(
    user_id: str, foreign: tuple[str, int, int], model: str, dimensions: int
) -> EmbeddingMismatchError:
    """The error for a user whose stored vectors another model (or dimension) made."""
    other_model, other_dimensions, count = foreign
    return EmbeddingMismatchError(
        f"{count} memories of user {user_id!r} were embedded by {other_model!r} "
        f"({other_dimensions} dimensions), but this Memory embeds with {model!r} "
        f"({dimensions} dimensions); run `memory-agent memories reembed` with it to "
        "recompute them (no memory is lost meanwhile)"
    )
