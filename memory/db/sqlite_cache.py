"""The memories a SqliteMemoryDb read lately, kept per agent scope while it is unchanged.

Choosing a prompt's memories reads the same ones turn after turn: the newest, and
those the user's words match. A scope changes only by a write, and every write, by
any process, bumps the scope's `version` in the `_users` table in its transaction
(`memory.db.sqlite`); an erased scope comes back with another id. So a read first
reads that row, in one snapshot with its other reads, and serves what earlier reads
found at the same version, reading from the table only what they did not. Rows are
kept whether expired or not (expiry comes with time, not with a write), and each
read keeps those live at its scope's moment, comparing the stored text as SQL does.
Every read builds its memories afresh: a caller that changes one changes nothing kept.
"""

from __future__ import annotations

import json
import sqlite3
from collections import OrderedDict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any

from memory.db.base import USER_SCOPE, ListQuery, OrderBy, Scope
from memory.db.sqlite_connection import SqliteFile
from memory.db.sqlite_rows import (
    IN_SCOPE,
    MEMORY_COLUMNS,
    SCOPE_BITS,
    Fields,
    ScopeKey,
    memories_of,
    row_fields,
    scope_key,
    scope_params,
)
from memory.schema import UserMemory
from memory.twins import Io

SCOPE_CACHE_BYTES = 64 * 2**20
"""About what the kept rows of all scopes may take: some 100,000 short memories."""
_ROW_BYTES = 600
"""About what a kept row takes besides its texts: its tuples and times."""

_Row = tuple[int, str, str, str | None, Fields]
"""A kept row: its id, created_at, updated_at and expires_at as stored (compared as SQL
compares them, `sqlite_rows.LIVE`), and its `Fields`. A plain tuple of values that hold
no object, as `Fields`: the collector leaves a thousand of them alone."""


@dataclass
class ScopeRows:
    """What reads of one scope found at one version of it."""

    ref: int
    """The scope's id in the `_users` table."""
    version: int
    rows: dict[str, _Row | None] = field(default_factory=dict)
    """By memory id; None for an id the scope does not have."""
    listings: dict[tuple[OrderBy, bool], tuple[list[str], bool]] = field(default_factory=dict)
    """By order and direction: the first memory ids in that order, and whether they are all."""
    whole: bool = False
    """Whether `rows` holds every row of the scope."""
    size: int = 0
    """About how many bytes the rows take."""

    def keep(self, rows: Sequence[Sequence[Any]]) -> list[str]:
        """Keep rows of `MEMORY_COLUMNS` and the row id; returns their memory ids, in order."""
        new = [row for row in rows if self.rows.get(row[0]) is None]
        for row, fields in zip(new, row_fields(new), strict=True):
            self.rows[row[0]] = (row[7], row[4], row[5], row[6], fields)
            self.size += _ROW_BYTES + len(row[1]) + len(row[2]) + len(row[3] or "")
        return [row[0] for row in rows]

    def lack(self, memory_ids: Sequence[str]) -> None:
        """Remember that the scope has none of these memory ids (but those kept)."""
        for memory_id in memory_ids:
            if memory_id not in self.rows:
                self.rows[memory_id] = None
                self.size += _ROW_BYTES // 4 + len(memory_id)

    def live(self, memory_ids: Sequence[str], at: str, limit: int | None) -> list[_Row]:
        """The rows of the first `limit` of `memory_ids` that are the scope's and live at `at`."""
        found: list[_Row] = []
        for memory_id in memory_ids:
            if limit is not None and len(found) >= limit:
                break
            row = self.rows.get(memory_id)
            if row is not None and (row[3] is None or row[3] > at):
                found.append(row)
        return found

    def ordered(self, order_by: OrderBy, newest_first: bool) -> list[str]:
        """Every kept memory id by time, then by row id (the insertion order); needs `whole`."""
        column = 2 if order_by == "updated_at" else 1
        rows = [(row[column], row[0], memory_id) for memory_id, row in self.rows.items() if row]
        rows.sort(reverse=newest_first)
        return [memory_id for _, _, memory_id in rows]


class SqliteCache(SqliteFile):
    """`_cached_memories` and `_cached_listing`: reads of memories through `ScopeRows`."""

    _scopes: OrderedDict[ScopeKey, ScopeRows]
    """Each recently read scope's rows, least recently used first."""

    def _cached_memories(
        self, user_id: str, scope: Scope, memory_ids: Sequence[str]
    ) -> list[UserMemory]:
        """Those of `memory_ids` that are live memories of the scope, in the order asked."""
        wanted = list(dict.fromkeys(memory_ids))
        with self._lock, self._snapshot() as conn:
            kept = self._scope_rows(conn, user_id, scope)
            if kept is None:
                return []
            missing = [] if kept.whole else [i for i in wanted if i not in kept.rows]
            if missing:
                rows = conn.execute(
                    f"SELECT {MEMORY_COLUMNS}, id FROM {self._t} WHERE {IN_SCOPE} "
                    "AND memory_id IN (SELECT value FROM json_each(:ids))",
                    scope_params(user_id, scope, ids=json.dumps(missing)),
                ).fetchall()
                kept.keep(rows)
                kept.lack(missing)
                self._bound()
            live = kept.live(wanted, scope.now().isoformat(), None)
            return memories_of((row[4] for row in live), user_id, scope)

    def _cached_listing(self, user_id: str, scope: Scope, query: ListQuery) -> list[UserMemory]:
        """The first `limit` live memories of the scope by `order_by`, then insertion order.

        The newest few (by update) are read by the index, as many as asked, twice as
        many while expired ones leave too few; any other listing reads the whole scope.
        """
        order_by, newest_first, limit = query.order_by, query.newest_first, query.limit
        at = scope.now().isoformat()
        order = (order_by, newest_first)
        with self._lock, self._snapshot() as conn:
            kept = self._scope_rows(conn, user_id, scope)
            if kept is None:
                return []
            while True:
                listed, complete = kept.listings.get(order, ([], False))
                live = kept.live(listed, at, limit)
                if complete or (limit is not None and len(live) >= limit):
                    return memories_of((row[4] for row in live), user_id, scope)
                if kept.whole:
                    kept.listings[order] = (kept.ordered(order_by, newest_first), True)
                    continue
                if order_by == "updated_at" and limit is not None:
                    asked = max(limit, 2 * len(listed))
                    way = "DESC" if newest_first else "ASC"
                    rows = conn.execute(
                        f"SELECT {MEMORY_COLUMNS}, id FROM {self._t} WHERE user_ref = ? "
                        f"ORDER BY updated_at {way}, id {way} LIMIT ?",
                        (kept.ref, asked),
                    ).fetchall()
                    kept.listings[order] = (kept.keep(rows), len(rows) < asked)
                else:
                    start = kept.ref << SCOPE_BITS
                    rows = conn.execute(
                        f"SELECT {MEMORY_COLUMNS}, id FROM {self._t} NOT INDEXED "
                        "WHERE id > ? AND id < ?",
                        (start, start + (1 << SCOPE_BITS)),
                    ).fetchall()
                    kept.keep(rows)
                    kept.whole = True
                self._bound()

    async def _scope_version(
        self, io: Io, user_id: str, *, scope: Scope = USER_SCOPE
    ) -> Hashable | None:
        """The scope's id and version (any write changes them) and the first expiry after
        the scope's moment (what it finds changes when that time passes); two indexed
        reads. None when the user has no memories in the scope."""
        with self._lock, self._snapshot() as conn:
            found = conn.execute(
                f"SELECT id, version FROM {self._t}_users WHERE user_id = ? AND agent_id = ?",
                scope_key(user_id, scope),
            ).fetchone()
            (expiry,) = conn.execute(
                f"SELECT min(expires_at) FROM {self._t} WHERE {IN_SCOPE} AND expires_at > :at",
                scope_params(user_id, scope),
            ).fetchone()
        return None if found is None else (*found, expiry)

    def _scope_rows(self, conn: sqlite3.Connection, user_id: str, scope: Scope) -> ScopeRows | None:
        """The scope's kept rows if it is unchanged since they were read, else none yet;
        None when the scope has no memories."""
        key = scope_key(user_id, scope)
        found = conn.execute(
            f"SELECT id, version FROM {self._t}_users WHERE user_id = ? AND agent_id = ?", key
        ).fetchone()
        kept = self._scopes.get(key)
        if found is None:
            self._scopes.pop(key, None)
            return None
        if kept is None or (kept.ref, kept.version) != found:
            kept = self._scopes[key] = ScopeRows(*found)
        self._scopes.move_to_end(key)
        return kept

    def _bound(self) -> None:
        """Drop the least recently read scopes beyond `SCOPE_CACHE_BYTES`; a scope larger
        than that alone is not kept either."""
        held = 0
        for key in list(reversed(self._scopes)):
            size = self._scopes[key].size
            if held + size > SCOPE_CACHE_BYTES:
                del self._scopes[key]
            else:
                held += size
