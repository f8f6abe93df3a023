"""The SQLite backend: WAL, foreign keys, numbered migrations, one writer and one reader.

Writes go through `transaction()`, which serialises them with a lock on the one writing
connection. Reads outside a transaction go to a second, query-only connection: under WAL it
sees only committed data, so a plain read never sees another coroutine's transaction half
done (and perhaps rolled back later). Reads by the coroutine that holds the transaction go
to the writer, so a service sees its own uncommitted changes while it works.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import TypeVar

import aiosqlite

from storage.transaction import Changed, NestedTransaction, Params, Row, TransactionClosed

log = logging.getLogger(__name__)

T = TypeVar("T")


class SqliteTransaction:
    """The SQLite `Transaction`: statements on the writing connection, usable only while its
    `Database.transaction()` block is open."""

    def __init__(self, connection: aiosqlite.Connection) -> None:
        self._connection = connection
        self.open = True

    async def execute(self, sql: str, params: Params = ()) -> Changed:
        cursor = await self._live().execute(sql, params)  # closed when dropped, as executemany's
        return Changed(cursor.rowcount, cursor.lastrowid)

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        await self._live().executemany(sql, rows)

    async def fetch_one(self, sql: str, params: Params = ()) -> Row | None:
        return await _fetch_one(self._live(), sql, params)

    async def fetch_all(self, sql: str, params: Params = ()) -> list[Row]:
        return await _fetch_all(self._live(), sql, params)

    def _live(self) -> aiosqlite.Connection:
        if not self.open:
            raise TransactionClosed("this transaction has ended; open a new one")
        return self._connection


class Database:
    """The writing connection (behind a lock) and the reading one, shared by the repositories.

    `connection` is the writer; only migrations, `prepare` hooks and tests touch it directly.
    `transactions` counts the transactions begun (benchmarks and tests read it).
    """

    def __init__(
        self, path: Path, connection: aiosqlite.Connection, reader: aiosqlite.Connection
    ) -> None:
        self.path = path
        self.connection = connection
        self._reader = reader
        self._write_lock = asyncio.Lock()
        self._holder: asyncio.Task[object] | None = None
        self.transactions = 0

    @classmethod
    async def open(
        cls,
        path: Path | str,
        *,
        prepare: Callable[[aiosqlite.Connection], Awaitable[object]] | None = None,
    ) -> Database:
        """Open (creating if needed) the database file at `path` and bring its schema up to
        date; `prepare` runs first, e.g. to register SQL functions the migrations call. (A
        file, never `:memory:`: WAL and the reading connections need one.)"""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        connection = await _connect(path)
        try:
            await connection.execute("PRAGMA journal_mode = WAL")
            await connection.execute("PRAGMA foreign_keys = ON")
            await connection.execute("PRAGMA synchronous = NORMAL")
            if prepare is not None:
                await prepare(connection)
            reader = await _connect(path)
        except BaseException:
            await connection.close()
            raise
        database = cls(path, connection, reader)
        try:
            await reader.execute("PRAGMA query_only = ON")
            await database.migrate()
        except BaseException:
            await database.close()
            raise
        return database

    async def close(self) -> None:
        await self._reader.close()
        await self.connection.close()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[SqliteTransaction]:
        """Run the block as one `BEGIN IMMEDIATE … COMMIT`, rolled back on any exception.

        BEGIN sits inside the `try` so that a task cancelled while BEGIN runs (the statement
        still completes in aiosqlite's thread) cannot leave a transaction open behind it.
        """
        task = asyncio.current_task()
        if task is not None and task is self._holder:
            raise NestedTransaction("this coroutine already holds the transaction")
        async with self._write_lock:
            self._holder = task
            self.transactions += 1
            transaction = SqliteTransaction(self.connection)
            try:
                await self.connection.execute("BEGIN IMMEDIATE")
                yield transaction
            except BaseException:
                with contextlib.suppress(sqlite3.OperationalError):
                    await self.connection.execute("ROLLBACK")
                raise
            else:
                await self.connection.execute("COMMIT")
            finally:
                transaction.open = False
                self._holder = None

    async def fetch_one(self, sql: str, params: Params = ()) -> Row | None:
        """The first row of a query: committed data, or the caller's own transaction's."""
        return await _fetch_one(self._for_reading(), sql, params)

    async def fetch_all(self, sql: str, params: Params = ()) -> list[Row]:
        """Every row of a query: committed data, or the caller's own transaction's."""
        return await _fetch_all(self._for_reading(), sql, params)

    async def read_in_thread(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """`work(connection)` in a worker thread, on a read-only connection of its own that
        sees one snapshot of committed data throughout. For bulk reads that turn many rows
        into Python objects: through aiosqlite, each statement is a round trip to its thread
        and each row is handed over from it, while the caller's own thread competes for the
        interpreter; here one thread reads and builds, and the event loop stays free."""
        return await asyncio.to_thread(_in_snapshot, self.path, work)

    def _for_reading(self) -> aiosqlite.Connection:
        """The writer for the coroutine inside the transaction, else the committed view."""
        if asyncio.current_task() is self._holder:
            return self.connection
        return self._reader

    async def migrate(self) -> None:
        """Apply every `migrations/NNNN_*.sql` newer than the database's `user_version`."""
        row = await self.fetch_one("PRAGMA user_version")
        current: int = row["user_version"] if row else 0
        for number, name, sql in _migrations():
            if number <= current:
                continue
            log.info("applying migration %s", name)
            await self._apply(number, sql)

    async def _apply(self, number: int, sql: str) -> None:
        """One migration and its `user_version` as one transaction, sent as one script: a new
        database's migrations were a hundred statements, each a round trip to aiosqlite's
        thread (20 ms of the first start). The script holds its own BEGIN and COMMIT, since
        `executescript` commits whatever transaction is open before it runs."""
        async with self._write_lock:
            self.transactions += 1
            try:
                await self.connection.executescript(
                    f"BEGIN IMMEDIATE;\n{sql}\n;\nPRAGMA user_version = {number};\nCOMMIT;"
                )
            except BaseException:
                with contextlib.suppress(sqlite3.OperationalError):
                    await self.connection.execute("ROLLBACK")
                raise


async def _connect(path: Path | str) -> aiosqlite.Connection:
    """A connection in autocommit mode (transactions are explicit) with rows by name."""
    connection = await aiosqlite.connect(str(path), isolation_level=None)
    connection.row_factory = aiosqlite.Row
    await connection.execute("PRAGMA busy_timeout = 5000")
    return connection


# Each call into aiosqlite is a round trip to its thread, and under load each one waits for a
# turn of the event loop; inside a transaction that wait holds the write lock. So a statement is
# one trip (execute and fetch together), never more to fetch or close a cursor (one dropped is
# closed at once: no cycle keeps it). `fetch_one` therefore reads every row its query yields: a
# query that may yield many says `LIMIT 1` (each today reads by key, counts or says it).


async def _fetch_one(connection: aiosqlite.Connection, sql: str, params: Params) -> Row | None:
    rows = await connection.execute_fetchall(sql, params)
    return next(iter(rows), None)


async def _fetch_all(connection: aiosqlite.Connection, sql: str, params: Params) -> list[Row]:
    return list(await connection.execute_fetchall(sql, params))


def _in_snapshot(path: Path, work: Callable[[sqlite3.Connection], T]) -> T:
    """Run `work` in one read transaction on a new read-only connection (a connection costs
    well under a millisecond to open; a bulk read is hundreds of them)."""
    uri = f"{path.resolve().as_uri()}?mode=ro"
    connection = sqlite3.connect(uri, uri=True, isolation_level=None)
    try:
        connection.execute("PRAGMA query_only = ON")
        connection.execute("BEGIN")
        try:
            return work(connection)
        finally:
            connection.execute("ROLLBACK")
    finally:
        connection.close()


def utc_text(moment: datetime) -> str:
    """Times are stored in UTC so that they compare correctly as text."""
    return moment.astimezone(UTC).isoformat()


def _migrations() -> list[tuple[int, str, str]]:
    folder = resources.files("storage") / "migrations"
    found = []
    for entry in folder.iterdir():
        if entry.name.endswith(".sql"):
            found.append((int(entry.name.split("_", 1)[0]), entry.name, entry.read_text("utf-8")))
    return sorted(found)
