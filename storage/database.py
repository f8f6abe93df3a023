"""The SQLite connection: WAL, foreign keys, numbered migrations and serialised writes."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

import aiosqlite

log = logging.getLogger(__name__)


class Database:
    """One aiosqlite connection shared by the repositories.

    Writes go through `transaction()`, which serialises them with a lock: the connection is
    shared by every coroutine, so two interleaved transactions would otherwise mix.
    """

    def __init__(self, connection: aiosqlite.Connection) -> None:
        self.connection = connection
        self._write_lock = asyncio.Lock()

    @classmethod
    async def open(
        cls,
        path: Path | str,
        *,
        prepare: Callable[[aiosqlite.Connection], Awaitable[object]] | None = None,
    ) -> Database:
        """Open (creating if needed) the database at `path` and bring its schema up to date;
        `prepare` runs first, e.g. to register SQL functions the migrations call."""
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        connection = await aiosqlite.connect(str(path), isolation_level=None)
        connection.row_factory = aiosqlite.Row
        await connection.execute("PRAGMA journal_mode = WAL")
        await connection.execute("PRAGMA foreign_keys = ON")
        await connection.execute("PRAGMA synchronous = NORMAL")
        await connection.execute("PRAGMA busy_timeout = 5000")
        if prepare is not None:
            await prepare(connection)
        database = cls(connection)
        await database.migrate()
        return database

    async def close(self) -> None:
        await self.connection.close()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """Run the block as one `BEGIN IMMEDIATE … COMMIT`, rolled back on any exception.

        BEGIN sits inside the `try` so that a task cancelled while BEGIN runs (the statement
        still completes in aiosqlite's thread) cannot leave a transaction open behind it.
        """
        async with self._write_lock:
            try:
                await self.connection.execute("BEGIN IMMEDIATE")
                yield self.connection
            except BaseException:
                with contextlib.suppress(sqlite3.OperationalError):
                    await self.connection.execute("ROLLBACK")
                raise
            await self.connection.execute("COMMIT")

    async def fetch_one(self, sql: str, params: tuple | dict = ()) -> aiosqlite.Row | None:
        async with self.connection.execute(sql, params) as cursor:
            return await cursor.fetchone()

    async def fetch_all(self, sql: str, params: tuple | dict = ()) -> list[aiosqlite.Row]:
        async with self.connection.execute(sql, params) as cursor:
            return list(await cursor.fetchall())

    async def migrate(self) -> None:
        """Apply every `migrations/NNNN_*.sql` newer than the database's `user_version`."""
        row = await self.fetch_one("PRAGMA user_version")
        current = row[0] if row else 0
        for number, name, sql in _migrations():
            if number <= current:
                continue
            log.info("applying migration %s", name)
            async with self.transaction() as connection:
                for statement in _split_statements(sql):
                    await connection.execute(statement)
                await connection.execute(f"PRAGMA user_version = {number}")


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


def _split_statements(sql: str) -> list[str]:
    """Split a migration into statements, keeping trigger bodies (BEGIN … END;) whole."""
    statements: list[str] = []
    buffer = ""
    for line in sql.splitlines(keepends=True):
        if line.lstrip().startswith("--"):
            continue
        buffer += line
        if sqlite3.complete_statement(buffer):
            statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        statements.append(buffer.strip())
    return statements
