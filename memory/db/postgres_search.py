"""Keyword and vector search over a PostgresMemoryDb: candidates and vectors of one user.

The ranking itself is the package's (`memory.ranking`), so results equal the other
backends'; this module finds what it ranks. Keyword candidates come from a GIN
index of each memory's index terms prefixed by its scope, so a search reads the
postings of its own user's memories alone, and one statement returns the counts
BM25 needs. Vectors are kept per memory and cached per user until a
write of theirs bumps their version.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict

import numpy as np

from memory.db.base import (
    USER_SCOPE,
    KeywordCandidates,
    MemoryVector,
    MissingVectors,
    Scope,
    UserVectors,
)
from memory.db.postgres_connection import (
    EXPIRED,
    IN_SCOPE,
    LIVE,
    PostgresConnection,
    Sql,
    scope_key,
    scope_params,
    unnested,
)
from memory.db.postgres_memories import COLUMNS, to_memories
from memory.db.vectors import as_vector, unit_rows
from memory.schema import UserMemory
from memory.text import TOPIC_WEIGHT
from memory.twins import Io

_CANDIDATES = """
WITH counted AS (
    SELECT memories, terms FROM {t}_users WHERE user_id = %(user)s AND agent_id = %(agent)s
), gone AS (
    SELECT count(*) AS memories, coalesce(sum(term_count), 0) AS terms FROM {t}
    WHERE {in_scope} AND {expired}
), found AS (
    SELECT memory_id, term_count, terms, topic_terms,
        row_number() OVER (ORDER BY updated_at, id) - 1 AS recency
    FROM {t} WHERE {in_scope} AND {live}
        AND {t}_scoped_terms(user_id, agent_id, terms || topic_terms)
            && {t}_scoped_terms(%(user)s, %(agent)s, %(terms)s::text[])
)
SELECT coalesce((SELECT memories FROM counted), 0) - gone.memories,
    coalesce((SELECT terms FROM counted), 0) - gone.terms,
    f.*
FROM gone, (
    SELECT {columns} FROM found
) AS f
"""
"""The user's statistics (less the expired memories not yet swept) and their memories
holding a query term, as one row of columns: ids, recency ranks (by update time, then
insertion), lengths, and per query term each one's frequency of it (`_FREQUENCY`)."""
_FREQUENCY = (
    "array_agg(cardinality(array_positions(terms, %(term{n})s::text)) "
    "+ %(weight)s * cardinality(array_positions(topic_terms, %(term{n})s::text)))::float8[]"
)
"""A term's count in a candidate's text, plus its count in the topics weighted."""


class PostgresSearch(PostgresConnection):
    """What keyword and vector search read, and the vectors they are made from."""

    async def _keyword_candidates(
        self, io: Io, user_id: str, terms: Sequence[str], *, scope: Scope = USER_SCOPE
    ) -> KeywordCandidates:
        """Only the user's memories holding a query term, found through the GIN index.

        One statement reads the statistics and the candidates, so they agree (one
        snapshot), and counts each term in SQL, so a common word costs a number per
        memory rather than its whole term list. Expired memories not yet swept are
        neither candidates nor counted.
        """
        wanted = list(dict.fromkeys(terms))
        query = _CANDIDATES.format(
            t=self._t,
            in_scope=IN_SCOPE,
            live=LIVE,
            expired=EXPIRED,
            columns=", ".join(
                ["array_agg(memory_id)", "array_agg(recency)", "array_agg(term_count)"]
                + [_FREQUENCY.format(n=n) for n in range(len(wanted))]
            ),
        )
        named = {f"term{n}": term for n, term in enumerate(wanted)}
        async with self._sql(io, transaction=False) as sql:
            (found,) = await sql.fetch(
                query, scope_params(user_id, scope, terms=wanted, weight=TOPIC_WEIGHT, **named)
            )
        documents, total_length, memory_ids, recency, lengths, *frequencies = found
        return KeywordCandidates(
            documents=int(documents),
            total_length=int(total_length),
            memory_ids=memory_ids or [],
            recency=np.array(recency or [], dtype=np.int64),
            lengths=np.array(lengths or [], dtype=np.float64),
            frequencies={
                term: np.array(column or [], dtype=np.float64)
                for term, column in zip(wanted, frequencies, strict=True)
            },
        )

    async def _vectors(
        self, io: Io, user_id: str, model: str, dimensions: int, *, scope: Scope = USER_SCOPE
    ) -> UserVectors:
        """The user's vectors, cached until a write of theirs bumps their version.

        While the scope holds expired memories not yet swept, they are read afresh
        without them, and not cached: expiry comes with time, not with a write.
        Whether the cache holds them is one statement; reading them, one snapshot.
        """
        key = scope_key(user_id, scope)
        async with self._sql(io, transaction=False) as sql:
            version, _, gone = await self._vector_state(sql, user_id, scope)
        cached = None if gone else self._vector_cache.get(key, (version, model), dimensions)
        if cached is not None:
            return cached
        async with self._sql(io, snapshot=True) as sql:
            version, memories, gone = await self._vector_state(sql, user_id, scope)
            rows = await sql.fetch(
                f"SELECT m.memory_id, v.model, v.dimensions, v.vector FROM {self._t}_vectors v "
                f"JOIN {self._t} m ON m.id = v.memory_pk WHERE m.user_id = %(user)s "
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
            unembedded=memories - gone - len(rows),
        )
        if not gone:
            self._vector_cache.put(key, (version, model), loaded)
        return loaded

    async def _vector_state(self, sql: Sql, user_id: str, scope: Scope) -> tuple[int, int, int]:
        """The scope's version and memory count, and how many of them expired unswept."""
        (found,) = await sql.fetch(
            f"SELECT coalesce(u.version, 0), coalesce(u.memories, 0), "
            f"(SELECT count(*) FROM {self._t} WHERE {IN_SCOPE} AND {EXPIRED}) "
            f"FROM (SELECT 1) AS one LEFT JOIN {self._t}_users u "
            "ON u.user_id = %(user)s AND u.agent_id = %(agent)s",
            scope_params(user_id, scope),
        )
        version, memories, gone = found
        return int(version), int(memories), int(gone)

    async def _unembedded(
        self, io: Io, user_id: str, missing: MissingVectors, *, scope: Scope = USER_SCOPE
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
                scope_params(user_id, scope, **asdict(missing)),
            )
        return to_memories(rows)

    async def _set_vectors(
        self, io: Io, user_id: str, vectors: Sequence[MemoryVector], *, scope: Scope = USER_SCOPE
    ) -> int:
        arrays = [as_vector(v.vector) for v in vectors]
        if not vectors:
            return 0
        t = self._t
        async with self._sql(io) as sql:
            stored = await sql.execute(
                f"INSERT INTO {t}_vectors (memory_pk, user_id, model, dimensions, vector) "
                "SELECT m.id, m.user_id, v.model, v.dimensions, v.vector "
                "FROM unnest(%s::text[], %s::text[], %s::text[], %s::int[], %s::bytea[]) "
                "AS v(memory_id, memory, model, dimensions, vector) "
                f"JOIN {t} m ON m.user_id = %s AND m.agent_id = %s AND m.memory_id = v.memory_id "
                "AND m.memory = v.memory "
                "ON CONFLICT (memory_pk) DO UPDATE SET model = excluded.model, "
                "dimensions = excluded.dimensions, vector = excluded.vector",
                (
                    *unnested(vectors, "memory_id", "memory", "model"),
                    [a.size for a in arrays],
                    [a.tobytes() for a in arrays],
                    *scope_key(user_id, scope),
                ),
            )
            await sql.execute(
                f"UPDATE {t}_users SET version = version + 1 WHERE user_id = %s AND agent_id = %s",
                scope_key(user_id, scope),
            )
        return stored
