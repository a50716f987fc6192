"""PostgresMemoryDb: memories in PostgreSQL, shared by every worker of an app.

The class is put together from one part per aggregate, each in its own module:
connections and schema (`postgres_connection`), memories (`postgres_memories`),
their keyword and vector search (`postgres_search`), session summaries
(`postgres_summaries`), and pending messages with thread owners (`postgres_pending`).
"""

from __future__ import annotations

from memory.db.postgres_memories import PostgresMemories
from memory.db.postgres_pending import PostgresPending
from memory.db.postgres_search import PostgresSearch
from memory.db.postgres_summaries import PostgresSummaries


class PostgresMemoryDb(PostgresMemories, PostgresSearch, PostgresSummaries, PostgresPending):
    """Memories, their history and their vectors in one PostgreSQL database.

    Every worker of an app can share it: a batch is one transaction that first
    takes a lock on its user (`pg_advisory_xact_lock`), so concurrent writers of
    one user queue instead of racing (two adds of one fact leave one memory) and
    writers of different users never wait for each other. Keyword candidates
    come from a GIN index of each memory's index terms prefixed by its scope; the
    ranking itself is the package's, so results equal SQLite's.

    Call `setup()` once (it is idempotent) to create or migrate the tables.
    """


__all__ = ["PostgresMemoryDb"]
