"""How backends keep vectors: little-endian float32 bytes, loaded as rows of length 1."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from memory.db.base import Matrix
from memory.errors import InvalidInputError

DTYPE = "<f4"
"""How vectors are stored as bytes: little-endian float32, whatever the machine."""


def as_vector(values: Sequence[float]) -> Matrix:
    """A vector to store; refuses what is not a non-empty list of finite numbers."""
    vector = np.asarray(values, dtype=DTYPE)
    if vector.ndim != 1 or vector.size == 0 or not np.isfinite(vector).all():
        raise InvalidInputError("an embedding must be a non-empty list of finite numbers")
    return vector


def unit_rows(blobs: Sequence[bytes], dimensions: int) -> Matrix:
    """Stored vectors as the rows of one matrix, each scaled to length 1."""
    matrix = np.frombuffer(b"".join(blobs), dtype=DTYPE).reshape(len(blobs), dimensions)
    return normalised(matrix.astype(np.float32))


def normalised(matrix: Matrix) -> Matrix:
    """Rows scaled to length 1, so a dot product is a cosine; a zero row stays zero."""
    norms = np.linalg.norm(matrix, axis=-1, keepdims=True)
    result: Matrix = np.divide(matrix, norms, out=np.zeros_like(matrix), where=norms > 0)
    return result
