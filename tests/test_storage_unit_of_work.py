"""The storage unit of work: commit and rollback, what a plain read sees while another
coroutine's transaction is open, a bulk read's one snapshot, a migration that fails, and the
column whitelist of `ReportRepository.update`."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.core.models import Draft
from storage import Storage, database
from storage.reports import UnknownColumn
from storage.transaction import NestedTransaction, TransactionClosed

NOW = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)
PERSON = 555001


@pytest.fixture
async def storage(tmp_path: Path) -> AsyncIterator[Storage]:
    opened = await Storage.open(tmp_path / "bot.sqlite3")
    yield opened
    await opened.close()


async def test_a_unit_of_work_commits_everything_done_through_it(storage: Storage) -> None:
    async with storage.transaction() as tx:
        await storage.users.ensure(tx, PERSON, NOW)
        await storage.audit.add(
            tx, at=NOW, actor_id=PERSON, action="assign", subject="R-1", detail="h01"
        )
    assert await storage.privacy.profile(PERSON) is not None
    assert [row.action for row in await storage.audit.recent(5)] == ["assign"]


async def test_an_exception_rolls_back_the_whole_unit(storage: Storage) -> None:
    with pytest.raises(RuntimeError, match="refused half-way"):
        async with storage.transaction() as tx:
            await storage.users.ensure(tx, PERSON, NOW)
            await storage.audit.add(
                tx, at=NOW, actor_id=PERSON, action="assign", subject="R-1", detail=""
            )
            raise RuntimeError("refused half-way")
    assert await storage.database.fetch_all("SELECT user_id FROM users") == []
    assert await storage.audit.recent(5) == []


async def test_a_plain_read_does_not_see_another_coroutines_uncommitted_write(
    storage: Storage,
) -> None:
    """The writer is inside its transaction (its user row written, not committed) while a
    second coroutine reads: the read sees the database as last committed."""
    written, read_done = asyncio.Event(), asyncio.Event()
    seen_meanwhile: list[object] = []

    async def writer() -> None:
        async with storage.transaction() as tx:
            await storage.users.ensure(tx, PERSON, NOW)
            written.set()
            await read_done.wait()

    async def reader() -> None:
        await written.wait()
        seen_meanwhile.append(await storage.privacy.profile(PERSON))
        read_done.set()

    await asyncio.gather(writer(), reader())
    assert seen_meanwhile == [None]
    assert await storage.privacy.profile(PERSON) is not None


async def test_the_transaction_holder_reads_its_own_uncommitted_writes(storage: Storage) -> None:
    async with storage.transaction() as tx:
        await storage.users.ensure(tx, PERSON, NOW)
        assert await storage.privacy.profile(PERSON) is not None
        assert await tx.fetch_one("SELECT user_id FROM users") is not None


async def test_a_transaction_cannot_be_used_after_its_block(storage: Storage) -> None:
    async with storage.transaction() as tx:
        pass
    with pytest.raises(TransactionClosed):
        await storage.users.ensure(tx, PERSON, NOW)


async def test_asking_for_a_second_transaction_inside_one_is_refused(storage: Storage) -> None:
    async with storage.transaction():
        with pytest.raises(NestedTransaction):
            async with storage.transaction():
                pass


async def test_the_read_connection_refuses_writes(storage: Storage) -> None:
    with pytest.raises(Exception, match="readonly"):
        await storage.database.fetch_all(
            "INSERT INTO users (user_id, created_at, updated_at) VALUES (1, 'x', 'x') RETURNING *"
        )


async def _a_report(storage: Storage) -> int:
    async with storage.transaction() as tx:
        await storage.users.ensure(tx, PERSON, NOW)
        return await storage.reports.insert(
            tx,
            reporter_id=PERSON,
            draft=Draft(category="garbage", hamlet_id="h01", description="a heap"),
            village_id="v01",
            now=NOW,
        )


async def test_update_sets_the_columns_of_its_whitelist(storage: Storage) -> None:
    report_id = await _a_report(storage)
    async with storage.transaction() as tx:
        await storage.reports.update(tx, report_id, NOW, fix_note="swept", fixed_at=NOW)
    report = await storage.reports.get(report_id)
    assert report is not None
    assert (report.fix_note, report.fixed_at) == ("swept", NOW)


@pytest.mark.parametrize(
    "fields",
    [
        {"reporter_id": 1},
        {"state = 'closed', description": "x"},
        {"fix_note": "ok", "updated_at = NULL --": "x"},
    ],
)
async def test_update_refuses_a_column_outside_its_whitelist(
    storage: Storage, fields: dict[str, object]
) -> None:
    report_id = await _a_report(storage)
    with pytest.raises(UnknownColumn):
        async with storage.transaction() as tx:
            await storage.reports.update(tx, report_id, NOW, **fields)
    report = await storage.reports.get(report_id)
    assert report is not None and report.fix_note is None and report.reporter_id == PERSON


async def test_a_bulk_read_sees_one_snapshot_and_cannot_write(storage: Storage) -> None:
    """What commits while a bulk read runs is not seen by it (its chunks agree with each
    other), and its connection refuses to write."""
    async with storage.transaction() as tx:
        await storage.users.ensure(tx, PERSON, NOW)

    def read_twice_around_a_commit(connection: sqlite3.Connection) -> tuple[int, int]:
        before = connection.execute("SELECT COUNT(*) FROM users").fetchone()[0]
        writer = sqlite3.connect(storage.database.path)
        with writer:
            writer.execute(
                "INSERT INTO users (user_id, created_at, updated_at) VALUES (?, ?, ?)",
                (PERSON + 1, NOW.isoformat(), NOW.isoformat()),
            )
        writer.close()
        after = connection.execute("SELECT COUNT(*) FROM users").fetchone()[0]
        with pytest.raises(sqlite3.OperationalError):
            connection.execute("DELETE FROM users")
        return before, after

    assert await storage.database.read_in_thread(read_twice_around_a_commit) == (1, 1)
    assert len(await storage.database.fetch_all("SELECT user_id FROM users")) == 2


async def test_a_migration_that_fails_half_way_leaves_nothing_of_itself(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A migration is one script but one transaction: its first statements are rolled back
    with the one that failed, `user_version` stays before it, and the next start retries it."""
    path = tmp_path / "bot.sqlite3"
    migrations = database._migrations()
    latest = migrations[-1][0]
    broken = "CREATE TABLE half_done (x INTEGER);\nINSERT INTO no_such_table VALUES (1);"
    monkeypatch.setattr(
        database, "_migrations", lambda: [*migrations, (latest + 1, "broken.sql", broken)]
    )
    with pytest.raises(sqlite3.OperationalError, match="no_such_table"):
        await Storage.open(path)
    monkeypatch.setattr(database, "_migrations", lambda: migrations)
    reopened = await Storage.open(path)
    try:
        assert (await reopened.database.fetch_one("PRAGMA user_version"))[0] == latest
        tables = await reopened.database.fetch_all(
            "SELECT name FROM sqlite_master WHERE name = 'half_done'"
        )
        assert tables == []
    finally:
        await reopened.close()
