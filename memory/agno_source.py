"""Reading an Agno app's memory table, from SQLite or PostgreSQL, without writing to it.

SQLite opens read-only and PostgreSQL reads in a read-only transaction; the rows come
back oldest first, JSON columns as text, for `memory.agno` to turn into memories.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol
from urllib.parse import urlsplit, urlunsplit

from memory.errors import InvalidInputError, MemoryDbError

if TYPE_CHECKING:
    import psycopg
    from psycopg.rows import DictRow

AgnoLayout = Literal["Agno 1.x memory v2", "Agno 2.x"]
AGNO_1: AgnoLayout = "Agno 1.x memory v2"
AGNO_2: AgnoLayout = "Agno 2.x"
DEFAULT_TABLES = ("agno_memories", "memory")
"""Looked for in this order when no table is named: Agno 2.x's default, then 1.x's."""
AGNO_SCHEMA = "ai"
"""Where Agno's PostgreSQL classes put their tables unless told otherwise."""

ID_COLUMN: dict[AgnoLayout, str] = {AGNO_1: "id", AGNO_2: "memory_id"}
_COLUMNS: dict[AgnoLayout, tuple[str, ...]] = {
    AGNO_1: ("id", "user_id", "memory", "created_at", "updated_at"),
    AGNO_2: ("memory_id", "user_id", "memory", "topics", "input", "created_at", "updated_at"),
}
_JSON_TYPES = ("json", "jsonb")

NOT_UTF8 = object()
"""Read in place of a text value of the source that is not valid UTF-8."""


@dataclass(frozen=True)
class _Table:
    """A table of the source: how it is shown, how it is named in SQL, its column types."""

    shown: str
    parts: tuple[str, ...]
    columns: dict[str, str]
    """Column name -> declared type, lowercase."""


class _Database(Protocol):
    def table(self, name: str) -> _Table | None:
        """The table `name`, or None when the database has none."""

    def rows(
        self, table: _Table, columns: Sequence[str], user_id: str | None
    ) -> list[dict[str, object]]:
        """The columns of every row (of `user_id` only, when given), oldest first;
        JSON columns as JSON text."""


@dataclass(frozen=True)
class SourceRows:
    """What was read of a source: its memory table's rows, and how to read them."""

    source: str
    table: str
    layout: AgnoLayout
    memory_is_json: bool
    rows: list[dict[str, object]]
    others: list[str]


def read_source(source: str, table: str | None, user_id: str | None) -> SourceRows:
    scheme, _, rest = source.partition("://") if "://" in source else ("", "", source)
    dialect = scheme.split("+", 1)[0].lower()
    if dialect in ("postgresql", "postgres"):
        url = f"{dialect}://{rest}"  # without SQLAlchemy's "+driver"
        shown = _without_password(url)
        with _postgres(url, shown) as db:
            return _read(db, shown, table, user_id)
    if dialect == "sqlite":
        rest = rest.removeprefix("/")  # sqlite:///relative.db, sqlite:////absolute.db
    elif dialect:
        raise InvalidInputError(
            f"cannot read an Agno database from {scheme}://: give a SQLite file or a "
            "postgresql:// URL"
        )
    with _sqlite(Path(rest)) as db:
        return _read(db, rest, table, user_id)


def _read(db: _Database, source: str, table: str | None, user_id: str | None) -> SourceRows:
    found: list[tuple[_Table, AgnoLayout]] = []
    for name in [table] if table is not None else DEFAULT_TABLES:
        candidate = db.table(name)
        layout = None if candidate is None else _layout(candidate.columns)
        if candidate is not None and layout is not None:
            found.append((candidate, layout))
        elif table is not None:  # a table asked for by name must be there, and be Agno's
            raise InvalidInputError(
                f"{source} has no table {table!r}"
                if candidate is None
                else f"{source}: {table!r} is not an Agno memory table: it has no "
                f"{' or '.join(ID_COLUMN.values())}, user_id and memory columns"
            )
    if not found:
        raise InvalidInputError(
            f"{source} is not an Agno database: it has no Agno memory table "
            f"({' or '.join(DEFAULT_TABLES)}); name one with --table"
        )
    (chosen, layout), others = found[0], found[1:]
    columns = [c for c in _COLUMNS[layout] if c in chosen.columns]
    return SourceRows(
        source,
        chosen.shown,
        layout,
        chosen.columns["memory"] in _JSON_TYPES,
        db.rows(chosen, columns, user_id),
        [other.shown for other, _ in others],
    )


def _layout(columns: Mapping[str, str]) -> AgnoLayout | None:
    for layout in (AGNO_2, AGNO_1):
        if {ID_COLUMN[layout], "user_id", "memory"} <= columns.keys():
            return layout
    return None


def _order(columns: Sequence[str]) -> list[str]:
    """Oldest first, so that of two rows stating one fact the older is kept."""
    return [c for c in ("created_at", "id", "memory_id") if c in columns]


class _SqliteDatabase:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def table(self, name: str) -> _Table | None:
        found = self.conn.execute("SELECT name, type FROM pragma_table_info(?)", [name]).fetchall()
        if not found:
            return None
        return _Table(name, (name,), {column: kind.lower() for column, kind in found})

    def rows(
        self, table: _Table, columns: Sequence[str], user_id: str | None
    ) -> list[dict[str, object]]:
        query = f"SELECT {', '.join(map(_quote, columns))} FROM {_quote(table.parts[0])}"
        if user_id is not None:
            query += " WHERE user_id = ?"
        query += f" ORDER BY {', '.join(map(_quote, _order(columns)))}"
        self.conn.text_factory = _text  # so one value that is not UTF-8 skips one row
        try:
            cursor = self.conn.execute(query, () if user_id is None else (user_id,))
            return [dict(zip(columns, row, strict=True)) for row in cursor]
        finally:
            self.conn.text_factory = str


def _text(value: bytes) -> object:
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        return NOT_UTF8


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


@contextmanager
def _sqlite(path: Path) -> Iterator[_Database]:
    if not path.is_file():
        raise InvalidInputError(f"no Agno database at {path}: no such file")
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as error:
        raise MemoryDbError(f"cannot open {path}: {error}") from error
    try:
        yield _SqliteDatabase(conn)
    except sqlite3.DatabaseError as error:
        if error.sqlite_errorname == "SQLITE_NOTADB":
            raise InvalidInputError(f"{path} is not an Agno database: not SQLite") from error
        raise MemoryDbError(f"cannot read {path}: {error}") from error
    finally:
        conn.close()


class _PostgresDatabase:
    def __init__(self, conn: psycopg.Connection[DictRow]) -> None:
        self.conn = conn

    def table(self, name: str) -> _Table | None:
        schema, _, table = name.rpartition(".")
        if schema:
            schemas = [schema]
        else:
            row = self.conn.execute("SELECT current_schemas(false) AS path").fetchone()
            schemas = list(dict.fromkeys([AGNO_SCHEMA, *(row["path"] if row else [])]))
        for candidate in schemas:
            found = self.conn.execute(
                "SELECT column_name, data_type FROM information_schema.columns"
                " WHERE table_schema = %s AND table_name = %s",
                [candidate, table],
            ).fetchall()
            if found:
                columns = {c["column_name"]: c["data_type"].lower() for c in found}
                return _Table(f"{candidate}.{table}", (candidate, table), columns)
        return None

    def rows(
        self, table: _Table, columns: Sequence[str], user_id: str | None
    ) -> list[dict[str, object]]:
        from psycopg import sql

        # JSON as its text; times too, so a time Python cannot hold (BC) skips one row.
        selected = [
            sql.SQL("{}::text AS {}").format(sql.Identifier(c), sql.Identifier(c))
            if table.columns[c] in _JSON_TYPES or table.columns[c].startswith("timestamp")
            else sql.Identifier(c)
            for c in columns
        ]
        query = sql.SQL("SELECT {} FROM {}").format(
            sql.SQL(", ").join(selected), sql.Identifier(*table.parts)
        )
        if user_id is not None:
            query += sql.SQL(" WHERE user_id = %s")
        query += sql.SQL(" ORDER BY {}").format(
            sql.SQL(", ").join(map(sql.Identifier, _order(columns)))
        )
        params = None if user_id is None else [user_id]
        return [dict(row) for row in self.conn.execute(query, params)]


@contextmanager
def _postgres(url: str, shown: str) -> Iterator[_Database]:
    # Imported here: only a PostgreSQL source needs psycopg.
    import psycopg
    from psycopg.rows import dict_row

    try:
        conn = psycopg.connect(url, connect_timeout=10, row_factory=dict_row)
    except psycopg.Error as error:
        raise MemoryDbError(f"cannot connect to {shown}: {error}") from error
    try:
        conn.read_only = True
        yield _PostgresDatabase(conn)
    except psycopg.Error as error:
        raise MemoryDbError(f"cannot read {shown}: {error}") from error
    finally:
        conn.close()


def _without_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    credentials, _, host = parts.netloc.rpartition("@")
    user = credentials.split(":", 1)[0]
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))
