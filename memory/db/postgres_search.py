"""Keyword and vector search over a PostgresMemoryDb: candidates and vectors of one user.

The ranking itself is the package's (`memory.ranking`), so results equal the other
backends'; this module finds what it ranks. Keyword candidates come from a
`tsvector` of each memory's index terms under a GIN index; vectors are kept per
memory and cached per user until a write of theirs bumps their version.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from memory.db.base import (
    USER_SCOPE,
    KeywordCandidates,
    MemoryVector,
    Scope,
    UserVectors,
    recency_ranks,
)
from memory.db.postgres_connection import (
    EXPIRED,
    IN_SCOPE,
    LIVE,
    PostgresConnection,
    scope_key,
    scope_params,
)
from memory.db.postgres_memories import COLUMNS, to_memories
from memory.db.vectors import as_vector, unit_rows
from memory.schema import UserMemory
from memory.text import TOPIC_WEIGHT
from memory.twins import Io


class PostgresSearch(PostgresConnection):
    """What keyword and vector search read, and the vectors they are made from."""

    async def _keyword_candidates(
        self, io: Io, user_id: str, terms: Sequence[str], *, scope: Scope = USER_SCOPE
    ) -> KeywordCandidates:
        """Only the user's memories holding a query term, found through the GIN index.

        Expired memories not yet swept are neither candidates nor counted.
        """
        wanted = list(dict.fromkeys(terms))
        async with self._sql(io, snapshot=True) as sql:
            stats = await sql.fetch(
                f"SELECT memories, terms FROM {self._t}_users WHERE user_id = %s AND agent_id = %s",
                scope_key(user_id, scope),
            )
            (gone, gone_length), *_ = await sql.fetch(
                f"SELECT count(*), coalesce(sum(term_count), 0) FROM {self._t} "
                f"WHERE {IN_SCOPE} AND {EXPIRED}",
                scope_params(user_id, scope),
            )
            documents, total_length = stats[0] if stats else (0, 0)
            documents, total_length = documents - gone, total_length - gone_length
            rows = (
                await sql.fetch(
                    f"SELECT id, memory_id, updated_at, term_count, terms, topic_terms "
                    f"FROM {self._t} WHERE {IN_SCOPE} AND {LIVE} "
                    "AND keywords @@ %(query)s::tsquery",
                    scope_params(user_id, scope, query=_any_of(wanted)),
                )
                if documents and wanted
                else []
            )
        frequencies = {
            term: np.array(
                [row[4].count(term) + TOPIC_WEIGHT * row[5].count(term) for row in rows],
                dtype=np.float64,
            )
            for term in wanted
        }
        return KeywordCandidates(
            documents=int(documents),
            total_length=int(total_length),
            memory_ids=[row[1] for row in rows],
            recency=recency_ranks([row[2] for row in rows], [row[0] for row in rows]),
            lengths=np.array([row[3] for row in rows], dtype=np.float64),
            frequencies=frequencies,
        )

    async def _vectors(
        self, io: Io, user_id: str, model: str, dimensions: int, *, scope: Scope = USER_SCOPE
    ) -> UserVectors:
        """The user's vectors, cached until a write of theirs bumps their version.

        While the scope holds expired memories not yet swept, they are read afresh
        without them, and not cached: expiry comes with time, not with a write.
        """
        t = self._t
        key = scope_key(user_id, scope)
        async with self._sql(io, snapshot=True) as sql:
            found = await sql.fetch(
                f"SELECT version, memories FROM {t}_users WHERE user_id = %s AND agent_id = %s",
                key,
            )
            version, memories = found[0] if found else (0, 0)
            (gone,), *_ = await sql.fetch(
                f"SELECT count(*) FROM {t} WHERE {IN_SCOPE} AND {EXPIRED}",
                scope_params(user_id, scope),
            )
            cached = None if gone else self._vector_cache.get(key, (version, model), dimensions)
            if cached is not None:
                return cached
            rows = await sql.fetch(
                f"SELECT m.memory_id, v.model, v.dimensions, v.vector FROM {t}_vectors v "
                f"JOIN {t} m ON m.id = v.memory_pk WHERE m.user_id = %(user)s "
                "AND m.agent_id = %(agent)s AND (m.expires_at IS NULL OR m.expires_at > %(at)s) "
                "ORDER BY v.memory_pk",
                scope_params(user_id, scope),
            )
        mine = [row for row in rows if (row[1], row[2]) == (model, dimensions)]
        others = [(row[1], row[2]) for row in rows if (row[1], row[2]) != (model, dimensions)]
        loaded = UserVectors(
            memory_ids=[row[0] for row in mine],
            matrix=unit_rows([bytes(row[3]) for row in mine], dimensions),
            foreign=(*others[0], len(others)) if others else None,
            unembedded=int(memories) - int(gone) - len(rows),
        )
        if not gone:
            self._vector_cache.put(key, (version, model), loaded)
        return loaded

    async def _unembedded(
        self,
        io: Io,
        user_id: str,
        model: str,
        dimensions: int | None,
        limit: int,
        *,
        scope: Scope = USER_SCOPE,
    ) -> list[UserMemory]:
        t = self._t
        columns = ", ".join(f"m.{c.strip()}" for c in COLUMNS.split(","))
        async with self._sql(io) as sql:
            rows = await sql.fetch(
                f"SELECT {columns} FROM {t} m LEFT JOIN {t}_vectors v ON v.memory_pk = m.id "
                "WHERE m.user_id = %(user)s AND m.agent_id = %(agent)s "
                "AND (m.expires_at IS NULL OR m.expires_at > %(at)s) "
                "AND (v.memory_pk IS NULL OR v.model <> %(model)s "
                "OR v.dimensions <> coalesce(%(dimensions)s, v.dimensions)) "
                "ORDER BY m.id LIMIT %(limit)s",
                scope_params(user_id, scope, model=model, dimensions=dimensions, limit=limit),
            )
        return to_memories(rows)

    async def _set_vectors(
        self,
        io: Io,
        user_id: str,
        model: str,
        vectors: Sequence[MemoryVector],
        *,
        scope: Scope = USER_SCOPE,
    ) -> int:
        arrays = [as_vector(v.vector) for v in vectors]
        if not vectors:
            return 0
        t = self._t
        async with self._sql(io) as sql:
            stored = await sql.execute(
                f"INSERT INTO {t}_vectors (memory_pk, user_id, model, dimensions, vector) "
                "SELECT m.id, m.user_id, %s, %s, v.vector "
                "FROM unnest(%s::text[], %s::text[], %s::bytea[]) AS v(memory_id, memory, vector) "
                f"JOIN {t} m ON m.user_id = %s AND m.agent_id = %s AND m.memory_id = v.memory_id "
                "AND m.memory = v.memory "
                "ON CONFLICT (memory_pk) DO UPDATE SET model = excluded.model, "
                "dimensions = excluded.dimensions, vector = excluded.vector",
                (
                    model,
                    arrays[0].size,
                    [v.memory_id for v in vectors],
                    [v.memory for v in vectors],
                    [a.tobytes() for a in arrays],
                    *scope_key(user_id, scope),
                ),
            )
            await sql.execute(
                f"UPDATE {t}_users SET version = version + 1 WHERE user_id = %s AND agent_id = %s",
                scope_key(user_id, scope),
            )
        return stored


def _any_of(terms: Sequence[str]) -> str:
    """A tsquery matching any of `terms`, each a quoted lexeme: query text is never parsed.

    Index terms are letters and digits only; quotes and backslashes are escaped anyway.
    """
    quoted = ("'" + t.replace("\\", "\\\\").replace("'", "''") + "'" for t in terms)
    return " | ".join(quoted)
