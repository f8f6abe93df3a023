"""Reading a report stays an index search once SQLite has statistics (ANALYZE): with most
reports no one's "+1", the duplicates index once looked useless and every read of a report
scanned the whole table to count its duplicates (15 ms a read at 100,000 reports)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from storage import Storage
from storage.report_rows import REPORT_COLUMNS

READS = {
    "by id": (f"SELECT {REPORT_COLUMNS} FROM reports r WHERE r.id = ?", (5,)),
    "due steps": (
        f"""SELECT {REPORT_COLUMNS} FROM reports r
            WHERE r.next_step_at <= ? ORDER BY r.next_step_at LIMIT ?""",
        ("2027-01-01", 50),
    ),
}


async def a_town_of_reports(path: Path, count: int) -> sqlite3.Connection:
    """`count` reports, none of them a "+1" yet, with SQLite's statistics taken."""
    storage = await Storage.open(path)
    await storage.close()
    connection = sqlite3.connect(path)
    stamp = "2026-12-01T08:00:00+00:00"
    connection.execute(
        "INSERT INTO users (user_id, created_at, updated_at) VALUES (1, ?, ?)", (stamp, stamp)
    )
    connection.executemany(
        """INSERT INTO reports (id, reporter_id, category, state, location_source, duplicate_of,
               created_at, updated_at, next_step_at)
           VALUES (?, 1, 'household', 'assigned', 'picker', ?, ?, ?, ?)""",
        [(index, None, stamp, stamp, stamp) for index in range(1, count + 1)],
    )
    connection.commit()
    connection.execute("ANALYZE")
    return connection


async def test_reading_reports_never_scans_the_table(tmp_path: Path) -> None:
    connection = await a_town_of_reports(tmp_path / "plans.sqlite3", 5_000)
    for what, (query, parameters) in READS.items():
        plan = [row[3] for row in connection.execute("EXPLAIN QUERY PLAN " + query, parameters)]
        assert not [step for step in plan if step.startswith("SCAN")], (what, plan)
    connection.close()
