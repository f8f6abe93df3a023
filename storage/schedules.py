"""Schedules, and the firings that record each reminder exactly once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.database import Database
from storage.database import utc_text as _utc
from storage.transaction import Row, Transaction


@dataclass(frozen=True)
class ScheduleRow:
    id: int
    seed_key: str | None
    kind: str
    title: str
    recurrence: str
    reminders: str
    audience: str
    message: str
    state: str
    checked_until: datetime
    created_by: int | None


@dataclass(frozen=True)
class Definition:
    """What a schedule says (JSON text for the structured parts), apart from its state."""

    kind: str
    title: str
    recurrence: str
    reminders: str
    audience: str
    message: str

    def columns(self) -> tuple[str, str, str, str, str, str]:
        """The values in the column order of `kind, title, recurrence, reminders, audience,
        message`, as the statements below write them."""
        return (self.kind, self.title, self.recurrence, self.reminders, self.audience, self.message)


@dataclass(frozen=True)
class LastFiring:
    due_at: datetime
    step: str
    outcome: str
    recipients: int


class ScheduleRepository:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def add(
        self,
        definition: Definition,
        *,
        created_by: int | None,
        now: datetime,
        seed_key: str | None = None,
        connection: Transaction | None = None,
    ) -> int:
        """A new active schedule; firings count from `now` on (inside the caller's transaction
        when `connection` is given, so its audit entry commits with it)."""
        if connection is None:
            async with self._db.transaction() as own:
                return await self.add(
                    definition, created_by=created_by, now=now, seed_key=seed_key, connection=own
                )
        return await _insert(connection, definition, created_by, now, seed_key)

    async def seed(self, seed_key: str, definition: Definition, now: datetime) -> None:
        """Insert a configured schedule, or bring its definition up to date — keeping its
        state, so one the office paused or deleted stays so. One unit of work, so two starts
        at once cannot both insert it."""
        async with self._db.transaction() as tx:
            changed = await tx.execute(
                """UPDATE schedules SET kind = ?, title = ?, recurrence = ?, reminders = ?,
                          audience = ?, message = ?, updated_at = ?
                   WHERE seed_key = ?""",
                (*definition.columns(), _utc(now), seed_key),
            )
            if changed.rowcount == 0:
                await _insert(tx, definition, None, now, seed_key)

    async def get(self, schedule_id: int) -> ScheduleRow | None:
        row = await self._db.fetch_one("SELECT * FROM schedules WHERE id = ?", (schedule_id,))
        return _schedule(row) if row else None

    async def in_states(self, *states: str) -> list[ScheduleRow]:
        rows = await self._db.fetch_all(
            f"""SELECT * FROM schedules WHERE state IN ({",".join("?" * len(states))})
                ORDER BY id""",
            states,
        )
        return [_schedule(row) for row in rows]

    async def set_state(
        self,
        schedule_id: int,
        state: str,
        now: datetime,
        *,
        checked_until: datetime | None,
        connection: Transaction | None = None,
    ) -> bool:
        """Change the state (and, on resume, start counting firings afresh); False if the
        schedule is gone or deleted. Inside the caller's transaction when `connection` is given."""
        if connection is None:
            async with self._db.transaction() as own:
                return await self.set_state(
                    schedule_id, state, now, checked_until=checked_until, connection=own
                )
        cursor = await connection.execute(
            """UPDATE schedules SET state = ?, updated_at = ?,
                      checked_until = COALESCE(?, checked_until)
               WHERE id = ? AND state != 'deleted'""",
            (state, _utc(now), checked_until and _utc(checked_until), schedule_id),
        )
        return cursor.rowcount == 1

    async def record_firing(
        self,
        tx: Transaction,
        *,
        schedule_id: int,
        occurrence_at: datetime,
        step: str,
        due_at: datetime,
        outcome: str,
        recipients: int,
        now: datetime,
    ) -> bool:
        """Record one firing; False if it was recorded before (then it must not be sent)."""
        cursor = await tx.execute(
            """INSERT INTO schedule_firings (schedule_id, occurrence_at, step, due_at, outcome,
                   recipients, handled_at)
               VALUES (?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT (schedule_id, occurrence_at, step) DO NOTHING""",
            (
                schedule_id,
                _utc(occurrence_at),
                step,
                _utc(due_at),
                outcome,
                recipients,
                _utc(now),
            ),
        )
        return cursor.rowcount == 1

    async def checked(
        self,
        tx: Transaction,
        schedule_id: int,
        until: datetime,
        *,
        finished: bool,
    ) -> None:
        """Every firing up to `until` is handled; a single-date schedule may be finished."""
        await tx.execute(
            """UPDATE schedules SET checked_until = MAX(checked_until, ?),
                      state = CASE WHEN ? AND state = 'active' THEN 'finished' ELSE state END
               WHERE id = ?""",
            (_utc(until), finished, schedule_id),
        )

    async def last_firing(self, schedule_id: int) -> LastFiring | None:
        row = await self._db.fetch_one(
            """SELECT due_at, step, outcome, recipients FROM schedule_firings
               WHERE schedule_id = ? ORDER BY due_at DESC, id DESC LIMIT 1""",
            (schedule_id,),
        )
        if row is None:
            return None
        return LastFiring(
            datetime.fromisoformat(row["due_at"]), row["step"], row["outcome"], row["recipients"]
        )

    async def firings(self, schedule_id: int) -> list[tuple[datetime, str, str, int]]:
        """(due, step, outcome, recipients) of every recorded firing, oldest first."""
        rows = await self._db.fetch_all(
            """SELECT due_at, step, outcome, recipients FROM schedule_firings
               WHERE schedule_id = ? ORDER BY due_at, id""",
            (schedule_id,),
        )
        return [
            (datetime.fromisoformat(row["due_at"]), row["step"], row["outcome"], row["recipients"])
            for row in rows
        ]


async def _insert(
    tx: Transaction,
    definition: Definition,
    created_by: int | None,
    now: datetime,
    seed_key: str | None,
) -> int:
    changed = await tx.execute(
        """INSERT INTO schedules (seed_key, kind, title, recurrence, reminders, audience,
               message, state, checked_until, created_by, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, 'active', ?, ?, ?, ?)""",
        (seed_key, *definition.columns(), _utc(now), created_by, _utc(now), _utc(now)),
    )
    assert changed.lastrowid is not None
    return changed.lastrowid


def _schedule(row: Row) -> ScheduleRow:
    return ScheduleRow(
        id=row["id"],
        seed_key=row["seed_key"],
        kind=row["kind"],
        title=row["title"],
        recurrence=row["recurrence"],
        reminders=row["reminders"],
        audience=row["audience"],
        message=row["message"],
        state=row["state"],
        checked_until=datetime.fromisoformat(row["checked_until"]),
        created_by=row["created_by"],
    )
