"""Keyword search over a SqliteMemoryDb: each user's index tokens, and what BM25 needs
of the memories they match."""

from __future__ import annotations

import sqlite3
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from memory.db.base import USER_SCOPE, KeywordCandidates, Scope
from memory.db.sqlite_connection import SqliteFile
from memory.db.sqlite_rows import EXPIRED, IN_SCOPE, ScopeKey, scope_key, scope_params
from memory.text import TOPIC_WEIGHT
from memory.twins import Io

if TYPE_CHECKING:  # numpy loads with the first search, not with the store
    from memory.db.base import Floats, Ints

DOCS_CACHE_MEMORIES = 500_000
"""Memories whose keyword statistics are kept between searches (about 60 MB)."""
MATCHES_KEPT = 8
"""Matches of query terms a scope keeps at one version, per memory of the scope (8: some
twice what its statistics take): a user's words recur from turn to turn."""


@dataclass(frozen=True)
class UserDocs:
    """One user's memories as keyword ranking needs them, at one version of the user."""

    version: int
    rowids: Ints
    """Ascending, so candidates are found by binary search."""
    memory_ids: list[str]
    lengths: Floats
    recency: Ints
    matches: dict[str, Floats] = field(default_factory=dict)
    """By index token (`u{ref}_{term}`): the rows that hold it and its weight in each,
    as read from the index at this version."""


def _no_candidates(documents: int, total_length: int, terms: Sequence[str]) -> KeywordCandidates:
    import numpy as np

    nothing = np.zeros(0)
    return KeywordCandidates(
        documents,
        total_length,
        [],
        np.zeros(0, dtype=np.int64),
        nothing,
        {term: nothing for term in terms},
    )


class SqliteKeywords(SqliteFile):
    """`keyword_candidates` from the per-user keyword index (`memory.db.sqlite_schema`)."""

    _docs_cache: OrderedDict[ScopeKey, UserDocs]
    """Each recently searched scope's `UserDocs`, least recently used first."""

    async def _keyword_candidates(
        self, io: Io, user_id: str, terms: Sequence[str], *, scope: Scope = USER_SCOPE
    ) -> KeywordCandidates:
        """Only the user's own index tokens are read: the work grows with their matches.

        Expired memories not yet swept are neither candidates nor counted.
        """
        import numpy as np

        t = self._t
        key = scope_key(user_id, scope)
        with self._lock, self._snapshot() as conn:
            stats = conn.execute(
                f"SELECT id, memories, terms, version FROM {t}_users "
                "WHERE user_id = ? AND agent_id = ?",
                key,
            ).fetchone()
            gone = conn.execute(
                f"SELECT id, term_count FROM {t} WHERE {IN_SCOPE} AND {EXPIRED}",
                scope_params(user_id, scope),
            ).fetchall()
            if stats is None or stats[1] - len(gone) <= 0 or not terms:
                return _no_candidates(
                    stats[1] - len(gone) if stats else 0,
                    stats[2] - sum(length for _, length in gone) if stats else 0,
                    terms,
                )
            user_ref, documents, total_length, version = stats
            documents -= len(gone)
            total_length -= sum(length for _, length in gone)
            docs = self._user_docs(conn, key, version)
            weights = {term: self._matches(conn, docs, f"u{user_ref}_{term}") for term in terms}
        rowids = np.unique(np.concatenate([w[:, 0] for w in weights.values()])).astype(np.int64)
        if gone:
            rowids = rowids[~np.isin(rowids, [rowid for rowid, _ in gone])]
        slots = np.searchsorted(docs.rowids, rowids)
        # The index and the rows change together, so every match is a row; an index
        # damaged by hand could disagree, and its strays are skipped, not misread.
        known = slots < docs.rowids.size
        known[known] = docs.rowids[slots[known]] == rowids[known]
        if not known.all():
            rowids, slots = rowids[known], slots[known]
        frequencies = {}
        for term, found in weights.items():
            column = np.zeros(rowids.size)
            matched = found[np.isin(found[:, 0].astype(np.int64), rowids)]
            column[np.searchsorted(rowids, matched[:, 0].astype(np.int64))] = matched[:, 1]
            frequencies[term] = column
        return KeywordCandidates(
            documents=documents,
            total_length=total_length,
            memory_ids=[docs.memory_ids[slot] for slot in slots.tolist()],
            recency=docs.recency[slots],
            lengths=docs.lengths[slots],
            frequencies=frequencies,
        )

    def _matches(self, conn: sqlite3.Connection, docs: UserDocs, token: str) -> Floats:
        """(row id, weight) of each memory that holds an index token, kept with `docs`."""
        import numpy as np

        found = docs.matches.get(token)
        if found is None:
            found = np.array(
                conn.execute(
                    f"SELECT doc, sum(iif(col = 'text', 1.0, {TOPIC_WEIGHT})) "
                    f"FROM {self._t}_keywords_vocab WHERE term = ? GROUP BY doc",
                    (token,),
                ).fetchall(),
                dtype=np.float64,
            ).reshape(-1, 2)
            room = MATCHES_KEPT * len(docs.memory_ids)
            if sum(map(len, docs.matches.values())) + len(found) > room:
                docs.matches.clear()
            docs.matches[token] = found
        return found

    def _user_docs(self, conn: sqlite3.Connection, key: ScopeKey, version: int) -> UserDocs:
        """What keyword ranking needs of each memory of a user's scope, cached per version."""
        import numpy as np

        cached = self._docs_cache.get(key)
        if cached is not None and cached.version == version:
            self._docs_cache.move_to_end(key)
            return cached
        rows = conn.execute(
            f"SELECT id, memory_id, term_count, row_number() OVER (ORDER BY updated_at, id) "
            f"FROM {self._t} WHERE user_id = ? AND agent_id = ? ORDER BY id",
            key,
        ).fetchall()
        loaded = UserDocs(
            version=version,
            rowids=np.array([row[0] for row in rows], dtype=np.int64),
            memory_ids=[row[1] for row in rows],
            lengths=np.array([row[2] for row in rows], dtype=np.float64),
            recency=np.array([row[3] for row in rows], dtype=np.int64),
        )
        self._docs_cache[key] = loaded
        held = 0
        for other in reversed(self._docs_cache):
            held += len(self._docs_cache[other].memory_ids)
            if held > DOCS_CACHE_MEMORIES and other != key:
                del self._docs_cache[other]
        return loaded
