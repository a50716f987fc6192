"""Agno's memory tables, built the way Agno builds them, without Agno.

The DDL is what SQLAlchemy emits for Agno's table definitions: Agno 1.x memory v2
(`agno/memory/v2/db/sqlite.py`, `postgres.py`: `get_table`) and Agno 2.x
(`agno/db/sqlite/schemas.py`, `agno/db/postgres/schemas.py`: the memories schema).
Agno 1.x writes the memory as `str(UserMemory.to_dict())` in SQLite and as JSONB in
PostgreSQL; Agno 2.x writes JSON and epoch seconds.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb

AGNO1_SQLITE = """
CREATE TABLE {table} (
    id VARCHAR NOT NULL,
    user_id VARCHAR,
    memory VARCHAR,
    created_at DATETIME DEFAULT (CURRENT_TIMESTAMP),
    updated_at DATETIME DEFAULT (CURRENT_TIMESTAMP),
    PRIMARY KEY (id)
)"""
AGNO2_SQLITE = """
CREATE TABLE {table} (
    memory_id VARCHAR NOT NULL,
    memory JSON NOT NULL,
    input VARCHAR,
    agent_id VARCHAR,
    team_id VARCHAR,
    user_id VARCHAR,
    topics JSON,
    feedback VARCHAR,
    created_at BIGINT NOT NULL,
    updated_at BIGINT,
    PRIMARY KEY (memory_id)
)"""
AGNO1_POSTGRES = """
CREATE TABLE {table} (
    id VARCHAR NOT NULL,
    user_id VARCHAR,
    memory JSONB DEFAULT '{{}}'::jsonb,
    created_at TIMESTAMP WITH TIME ZONE DEFAULT now(),
    updated_at TIMESTAMP WITH TIME ZONE,
    PRIMARY KEY (id)
)"""
AGNO2_POSTGRES = """
CREATE TABLE {table} (
    memory_id VARCHAR NOT NULL,
    memory JSONB NOT NULL,
    feedback TEXT,
    input TEXT,
    agent_id VARCHAR,
    team_id VARCHAR,
    user_id VARCHAR,
    topics JSONB,
    created_at BIGINT NOT NULL,
    updated_at BIGINT,
    PRIMARY KEY (memory_id)
)"""


def agno1_memory(text: str, **fields: Any) -> dict[str, Any]:
    """Agno 1.x's `UserMemory.to_dict()`: None fields are left out."""
    return {key: value for key, value in {"memory": text, **fields}.items() if value is not None}


def agno1_row(
    memory_id: str | None, user_id: str | None, memory: dict[str, Any] | str | bytes, **columns: Any
) -> dict[str, Any]:
    """A 1.x SQLite row; a dict is stored as Agno stores it, with `str()`, anything else as is."""
    stored = str(memory) if isinstance(memory, dict) else memory
    return {"id": memory_id, "user_id": user_id, "memory": stored, **columns}


def agno2_row(
    memory_id: str | None,
    user_id: str | None,
    text: str,
    *,
    topics: list[str] | None = None,
    created_at: int = 1_709_285_400,
    **columns: Any,
) -> dict[str, Any]:
    """A 2.x row, its JSON columns as JSON text."""
    return {
        "memory_id": memory_id,
        "user_id": user_id,
        "memory": json.dumps(text),
        "topics": None if topics is None else json.dumps(topics),
        "created_at": created_at,
        **columns,
    }


def sqlite_table(
    path: Path, ddl: str, rows: Sequence[Mapping[str, Any]], table: str | None = None
) -> Path:
    """Create the table (named as in Agno unless `table` is given) and insert `rows`."""
    name = table or ("memory" if ddl is AGNO1_SQLITE else "agno_memories")
    with sqlite3.connect(path) as conn:
        conn.execute(ddl.format(table=name))
        for row in rows:
            conn.execute(
                f"INSERT INTO {name} ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
                list(row.values()),
            )
    conn.close()
    return path


def postgres_table(
    conn: psycopg.Connection[Any], ddl: str, schema: str, rows: Sequence[Mapping[str, Any]]
) -> None:
    """Create Agno's table in `schema` and insert `rows`; JSON text and dicts go in as JSONB."""
    name = "memory" if ddl is AGNO1_POSTGRES else "agno_memories"
    table = sql.Identifier(schema, name)
    conn.execute(sql.SQL(ddl).format(table=table))
    for row in rows:
        values = [
            _jsonb(value) if key in ("memory", "topics") and value is not None else value
            for key, value in row.items()
        ]
        conn.execute(
            sql.SQL("INSERT INTO {} ({}) VALUES ({})").format(
                table,
                sql.SQL(", ").join(map(sql.Identifier, row)),
                sql.SQL(", ").join(sql.Placeholder() * len(row)),
            ),
            values,
        )


def _jsonb(value: Any) -> Jsonb:
    return Jsonb(json.loads(value) if isinstance(value, str) else value)


def utc_text(moment: datetime) -> str:
    """A time as SQLite's CURRENT_TIMESTAMP writes it: UTC, no zone."""
    return moment.strftime("%Y-%m-%d %H:%M:%S")
