"""The SQLite file under a SqliteMemoryDb: its connections, transactions and schema."""

from __future__ import annotations

import re
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from memory.db.sqlite_schema import STEPS, is_current, migrate
from memory.errors import InvalidInputError, MemoryDbError

_IDENTIFIER = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,62}")


class Transaction:
    """`BEGIN IMMEDIATE` ... `COMMIT`, or `ROLLBACK` on any error; SQLite's errors become
    `MemoryDbError`. A class rather than a generator: it wraps every write."""

    def __init__(self, conn: sqlite3.Connection, lock: threading.RLock, db_file: str) -> None:
        self.conn, self.lock, self.db_file = conn, lock, db_file

    def __enter__(self) -> sqlite3.Connection:
        self.lock.acquire()
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except BaseException as error:
            self.lock.release()
            raise self._failed(error) from error
        return self.conn

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, _: object
    ) -> None:
        try:
            if error is None:
                try:
                    self.conn.execute("COMMIT")
                    return
                except sqlite3.Error as failed:
                    error = failed
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            if isinstance(error, sqlite3.Error):
                raise self._failed(error) from error
        finally:
            self.lock.release()

    def _failed(self, error: BaseException) -> BaseException:
        if isinstance(error, sqlite3.Error):
            return MemoryDbError(f"cannot write to {self.db_file!r}: {error}")
        return error


class SqliteFile:
    """One memories table of a SQLite file (or of an in-process database), opened and
    migrated; the store's own connection, and the others `connect` opens for what
    shares the file."""

    def __init__(self, table_name: str, db_file: str | Path, *, busy_timeout_ms: int) -> None:
        if not _IDENTIFIER.fullmatch(table_name):
            raise InvalidInputError(
                f"table_name must be letters, digits and underscores, got {table_name!r}"
            )
        self.table_name = table_name
        self.db_file = str(db_file)
        self.busy_timeout_ms = busy_timeout_ms
        self._lock = threading.RLock()
        self._t = table_name
        self._opened: list[sqlite3.Connection] = []
        self._conn = self.connect(autocommit=True)
        try:
            self.schema_version = self._migrated()
        except BaseException:
            self.close()
            raise

    def _migrated(self) -> int:
        """Migrate the table unless it is up to date; returns its schema version."""
        if is_current(self._conn, self.table_name):
            return len(STEPS)
        import sqlite_utils  # heavy, and needed only to migrate

        with self._transaction():
            db = sqlite_utils.Database(self._conn, execute_plugins=False)
            return migrate(db, self.table_name, self.db_file)

    @property
    def in_process(self) -> bool:
        return self.db_file == ":memory:"

    def connect(self, *, autocommit: bool = False) -> sqlite3.Connection:
        """A new connection to this file, set up like the store's own and closed with it.

        For what shares the file, such as the agent's sessions; `autocommit` leaves
        transactions to the caller's explicit BEGIN.
        """
        if self._opened and self.in_process:
            raise MemoryDbError("an in-process database has no file for another connection")
        try:
            if not self.in_process:
                Path(self.db_file).parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(
                self.db_file,
                check_same_thread=False,
                isolation_level=None if autocommit else "DEFERRED",
            )
        except (OSError, sqlite3.Error) as error:
            raise MemoryDbError(f"cannot open memory database {self.db_file!r}: {error}") from error
        try:
            conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout_ms)}")
            if not self.in_process:
                conn.execute("PRAGMA journal_mode = WAL")
                # In WAL mode NORMAL survives a killed process; only power loss can
                # drop the last commits, and it never corrupts the file.
                conn.execute("PRAGMA synchronous = NORMAL")
        except sqlite3.Error as error:
            conn.close()
            raise MemoryDbError(
                f"{self.db_file!r} is not a usable SQLite database: {error}"
            ) from error
        with self._lock:
            self._opened.append(conn)
        return conn

    def close(self) -> None:
        """Close the store's connection and every connection `connect` opened."""
        with self._lock:
            for conn in self._opened:
                conn.close()
            self._opened.clear()

    def _transaction(self) -> Transaction:
        """One write transaction, taken at its start so concurrent writers queue, not fail."""
        return Transaction(self._conn, self._lock, self.db_file)

    def _read(self, sql: str, params: Sequence[Any] | dict[str, Any]) -> list[tuple[Any, ...]]:
        with self._lock:
            try:
                return self._conn.execute(sql, params).fetchall()
            except sqlite3.Error as error:
                raise MemoryDbError(f"cannot read {self.db_file!r}: {error}") from error

    @contextmanager
    def _snapshot(self) -> Iterator[sqlite3.Connection]:
        """Several reads that see one state of the file, whatever other writers do meanwhile."""
        conn = self._conn
        try:
            conn.execute("BEGIN")
            try:
                yield conn
            finally:
                conn.execute("COMMIT")
        except sqlite3.Error as error:
            raise MemoryDbError(f"cannot read {self.db_file!r}: {error}") from error
