"""The queries behind the office's numbers: a period's report histories, the spots closed
before it, "+1" counts, and the record of digests sent (one row per period).

Reporter ids never leave this module: the only person column read is the actor of accept
and fix steps (the grid member who did the work).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator
from datetime import datetime
from itertools import groupby
from operator import itemgetter
from typing import TypeVar, cast, overload

from bot.reporting.lifecycle import OPEN_STATES, Action, State
from bot.stats.indicators import TERMINAL_STATES, ClosedSpot, LoggedEvent, ReportHistory
from storage.database import Database
from storage.transaction import Transaction

_OPEN = ", ".join(f"'{state}'" for state in sorted(OPEN_STATES))
_FINISHED = ", ".join(f"'{state}'" for state in sorted(TERMINAL_STATES))
_POSIX = "round((julianday({}) - 2440587.5) * 86400.0, 3)"  # POSIX seconds, to the ms

# Reports that matter to [start, as_at): received in it, touched in it, or open during it
# (still open now, or finished only after it). The id bound only narrows the index range of
# the last part: a report created before `start` cannot have a larger id than the largest.
_CANDIDATES = f"""
WITH candidates(id) AS (
    SELECT id FROM reports WHERE created_at >= :start AND created_at < :as_at
    UNION SELECT report_id FROM report_events WHERE at >= :start AND at < :as_at
    UNION SELECT id FROM reports WHERE state IN ({_OPEN}) AND created_at < :start
    UNION SELECT e.report_id FROM report_events e JOIN reports r ON r.id = e.report_id
          WHERE e.to_state IN ({_FINISHED})
            AND e.report_id <= (SELECT MAX(id) FROM reports WHERE created_at < :start)
            AND e.at >= :as_at AND r.created_at < :start
)
"""
# Rectification orders (kind 'order') are the office's own tasks, not villagers' reports.
_REPORTS = """SELECT id, category, hamlet_id, village_id, latitude, longitude FROM reports
WHERE id IN (SELECT value FROM json_each(?)) AND kind = 'report'"""
_CANDIDATE_IDS = _CANDIDATES + "SELECT id FROM candidates ORDER BY id"
# Each event with its action: rows from before actions were logged are named from states.
_EVENTS = f"""SELECT e.report_id, e.id, {_POSIX.format("e.at")} AS at, e.from_state, e.to_state,
    COALESCE(e.action, CASE WHEN e.from_state IS NULL THEN '{Action.SUBMIT}'
                            WHEN e.to_state = '{State.ASSIGNED}' THEN '{Action.ASSIGN}'
                            WHEN e.to_state = '{State.REOPENED}' THEN '{Action.REOPEN}'
                            WHEN e.to_state = '{State.SUBMITTED}' THEN '{Action.NOT_MY_AREA}'
                       END) AS action,
    {_POSIX.format("e.due_at")} AS due_at,
    CASE WHEN e.to_state IN ('{State.ACCEPTED}', '{State.FIXED}') THEN e.actor_id END
        AS worker_id
FROM report_events e
WHERE e.report_id IN (SELECT value FROM json_each(:ids)) AND e.at < :as_at
ORDER BY e.report_id, e.id"""
CHUNK = 500
"""Reports read at once: a year of a town is read in some twenty chunks, so its 50,000 events
are never all in memory together (each chunk is replayed before the next is read); 2,000 kept
4 MiB more of the bot's peak for no quicker answer."""
F = TypeVar("F")
"""What the caller makes of each report's history (its facts for a period)."""


class StatsRepository:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def replayed(
        self, start: datetime, as_at: datetime, replay: Callable[[list[ReportHistory]], list[F]]
    ) -> list[F]:
        """`replay` of every report relevant to the period, with its events before `as_at`
        in order: read from one snapshot in chunks of `CHUNK` reports by id, each chunk
        handed to `replay` in the reading thread as soon as it is read (see
        `Database.read_in_thread`), so a chunk's events are dropped before the next is read."""
        return await self._db.read_in_thread(
            lambda connection: [
                result for chunk in _histories(connection, start, as_at) for result in replay(chunk)
            ]
        )

    async def last_event_id(self) -> int:
        """The newest event's id (0 with none): a mark for `changed_since`."""
        row = await self._db.fetch_one("SELECT COALESCE(MAX(id), 0) AS id FROM report_events")
        return int(row["id"]) if row else 0

    async def changed_since(self, event_id: int, created_before: datetime) -> bool:
        """Has any report created before `created_before` had a step after event `event_id`?
        (A report's place and category change only in steps of its life, each logged.)"""
        row = await self._db.fetch_one(
            """SELECT 1 FROM report_events e JOIN reports r ON r.id = e.report_id
               WHERE e.id > ? AND r.created_at < ? LIMIT 1""",
            (event_id, created_before.isoformat()),
        )
        return row is not None

    async def known_people(self, user_ids: set[int]) -> int:
        """How many of `user_ids` still have a profile (a /forgetme removes one)."""
        row = await self._db.fetch_one(
            "SELECT COUNT(*) AS n FROM users WHERE user_id IN (SELECT value FROM json_each(?))",
            (json.dumps(sorted(user_ids)),),
        )
        return int(row["n"]) if row else 0

    async def closed_spots(self, since: datetime, until: datetime) -> list[ClosedSpot]:
        """Places of reports closed in [since, until), for recurrence."""
        rows = await self._db.fetch_all(
            f"""SELECT r.latitude, r.longitude, {_POSIX.format("e.at")} AS closed_at
               FROM report_events e
               JOIN reports r ON r.id = e.report_id
               WHERE e.to_state = ? AND e.at >= ? AND e.at < ? AND r.latitude IS NOT NULL
                 AND r.kind = 'report'""",
            (State.CLOSED, since.isoformat(), until.isoformat()),
        )
        return [ClosedSpot(row["latitude"], row["longitude"], row["closed_at"]) for row in rows]

    async def duplicate_counts(self, start: datetime, as_at: datetime) -> dict[int, int]:
        """ "+1"s received before `as_at` on the reports received in [start, as_at)."""
        rows = await self._db.fetch_all(
            """SELECT d.duplicate_of, COUNT(*) AS n FROM reports d
               JOIN reports r ON r.id = d.duplicate_of
               WHERE r.created_at >= ? AND r.created_at < ? AND d.created_at < ?
                 AND r.kind = 'report'
               GROUP BY d.duplicate_of""",
            (start.isoformat(), as_at.isoformat(), as_at.isoformat()),
        )
        return {row["duplicate_of"]: row["n"] for row in rows}

    async def any_report_before(self, moment: datetime) -> bool:
        row = await self._db.fetch_one(
            "SELECT 1 FROM reports WHERE created_at < ? AND kind = 'report' LIMIT 1",
            (moment.isoformat(),),
        )
        return row is not None

    async def digest_done(self, kind: str, period_start: str) -> bool:
        row = await self._db.fetch_one(
            "SELECT 1 FROM stats_digests WHERE period_kind = ? AND period_start = ?",
            (kind, period_start),
        )
        return row is not None

    async def claim_digest(
        self, tx: Transaction, kind: str, period_start: str, now: datetime
    ) -> bool:
        """Record the period's digest inside the caller's transaction; False if it already was."""
        cursor = await tx.execute(
            """INSERT OR IGNORE INTO stats_digests (period_kind, period_start, queued_at)
               VALUES (?, ?, ?)""",
            (kind, period_start, now.isoformat()),
        )
        return cursor.rowcount == 1


def _histories(
    connection: sqlite3.Connection, start: datetime, as_at: datetime
) -> Iterator[list[ReportHistory]]:
    """The period's report histories, a chunk at a time. The event rows are plain tuples whose
    columns are checked against `LoggedEvent`'s fields, by name."""
    params = {"start": start.isoformat(), "as_at": as_at.isoformat()}
    ids = [row[0] for row in connection.execute(_CANDIDATE_IDS, params)]
    names: dict[str, str] = {}
    for first in range(0, len(ids), CHUNK):
        cursor = connection.execute(
            _EVENTS, {"ids": json.dumps(ids[first : first + CHUNK]), "as_at": params["as_at"]}
        )
        columns = tuple(column[0] for column in cursor.description)
        if columns != LoggedEvent._fields:
            raise ValueError(f"query returns {columns}, expected {LoggedEvent._fields}")
        events = {
            report_id: cast(list[LoggedEvent], list(grouped))
            for report_id, grouped in groupby(cursor.fetchall(), itemgetter(0))
        }
        reports = connection.execute(_REPORTS, (json.dumps(list(events)),))
        yield [
            ReportHistory(
                id=report_id,
                category=_shared(names, category),
                hamlet_id=_shared(names, hamlet_id),
                village_id=_shared(names, village_id),
                latitude=latitude,
                longitude=longitude,
                events=events[report_id],
            )
            for report_id, category, hamlet_id, village_id, latitude, longitude in reports
        ]


@overload
def _shared(names: dict[str, str], name: str) -> str: ...
@overload
def _shared(names: dict[str, str], name: None) -> None: ...
def _shared(names: dict[str, str], name: str | None) -> str | None:
    """One string object per distinct name (a category, a hamlet): a year's facts keep them."""
    return None if name is None else names.setdefault(name, name)
