"""How backends keep vectors: little-endian float32 bytes, loaded as rows of length 1."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from typing import TYPE_CHECKING

from memory.errors import InvalidInputError

if TYPE_CHECKING:  # numpy loads with the first vector, not with every backend
    from memory.db.base import Matrix, UserVectors

DTYPE = "<f4"
"""How vectors are stored as bytes: little-endian float32, whatever the machine."""


def as_vector(values: Sequence[float]) -> Matrix:
    """A vector to store; refuses what is not a non-empty list of finite numbers."""
    import numpy as np

    vector = np.asarray(values, dtype=DTYPE)
    if vector.ndim != 1 or vector.size == 0 or not np.isfinite(vector).all():
        raise InvalidInputError("an embedding must be a non-empty list of finite numbers")
    return vector


def unit_rows(blobs: Sequence[bytes], dimensions: int) -> Matrix:
    """Stored vectors as the rows of one matrix, each scaled to length 1."""
    import numpy as np

    matrix = np.frombuffer(b"".join(blobs), dtype=DTYPE).reshape(len(blobs), dimensions)
    return normalised(matrix.astype(np.float32))


def normalised(matrix: Matrix) -> Matrix:
    """Rows scaled to length 1, so a dot product is a cosine; a zero row stays zero."""
    import numpy as np

    norms = np.linalg.norm(matrix, axis=-1, keepdims=True)
    result: Matrix = np.divide(matrix, norms, out=np.zeros_like(matrix), where=norms > 0)
    return result


VECTOR_CACHE_BYTES = 256 * 2**20
"""Vectors a store keeps in memory between searches; 10,000 of 384 floats take 15 MB."""


class VectorCache:
    """Users' vectors kept between searches, within `max_bytes` in all.

    Each entry is tagged with what it was loaded for (a model, a version); a lookup
    with another tag misses. Beyond `max_bytes`, the least recently used entries
    go first (never the one just stored). Safe to share between threads.
    """

    def __init__(self, max_bytes: int = VECTOR_CACHE_BYTES) -> None:
        self.max_bytes = max_bytes
        self._entries: OrderedDict[Hashable, tuple[Hashable, UserVectors]] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def nbytes(self) -> int:
        """The size of the cached matrices."""
        with self._lock:
            return sum(vectors.matrix.nbytes for _, vectors in self._entries.values())

    def get(self, key: Hashable, tag: Hashable, dimensions: int) -> UserVectors | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry[0] != tag or entry[1].matrix.shape[1] != dimensions:
                return None
            self._entries.move_to_end(key)
            return entry[1]

    def put(self, key: Hashable, tag: Hashable, vectors: UserVectors) -> None:
        with self._lock:
            self._entries[key] = (tag, vectors)
            self._entries.move_to_end(key)
            size = 0
            for other in reversed(self._entries):
                size += self._entries[other][1].matrix.nbytes
                if size > self.max_bytes and other != key:
                    del self._entries[other]

    def discard(self, key: Hashable) -> None:
        with self._lock:
            self._entries.pop(key, None)

    def discard_where(self, unwanted: Callable[[Hashable], bool]) -> None:
        """Drop every entry whose key is `unwanted` (such as all of one user's scopes)."""
        with self._lock:
            for key in [key for key in self._entries if unwanted(key)]:
                del self._entries[key]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
