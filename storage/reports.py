"""Reports, their evidence and their append-only event log."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from bot.core.models import FORGOTTEN_REPORTER, Draft, Event, MediaRef, Report, ReportMedia
from bot.reporting.lifecycle import Action, State
from storage.database import Database, utc_text
from storage.keys import AbuseKeys
from storage.report_rows import REPORT_COLUMNS, marks, report_of
from storage.transaction import Transaction

_INSERT_EVENT = """INSERT INTO report_events (report_id, at, actor_id, from_state, to_state, note,
                                             action, due_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?)"""

UPDATABLE = frozenset(
    {
        "state",
        "hamlet_id",
        "village_id",
        "duplicate_of",
        "assigned_at",
        "ack_due_at",
        "fix_due_at",
        "accepted_by",
        "fixed_at",
        "fix_note",
        "closed_at",
        "voice_relay",
    }
)
"""The columns of a report its life changes (`update`); the rest are set once, on insert."""


class UnknownColumn(ValueError):
    """`ReportRepository.update` was asked to set a column outside `UPDATABLE`."""


class ReportRepository:
    def __init__(self, database: Database, keys: AbuseKeys) -> None:
        self._db = database
        self._keys = keys

    async def insert(
        self,
        tx: Transaction,
        *,
        reporter_id: int,
        draft: Draft,
        village_id: str | None,
        now: datetime,
        kind: str = "report",
        public_description: str | None = None,
    ) -> int:
        """Store a confirmed draft in state `submitted`, with its media; returns the id.
        A draft already stored violates the unique `draft_id` (see `made_from`)."""
        location = draft.location
        cursor = await tx.execute(
            """INSERT INTO reports (reporter_id, reporter_key, category, state, latitude,
                   longitude, location_source, hamlet_id, village_id, description, created_at,
                   updated_at, kind, draft_id, public_description, voice_audience,
                   reported_hamlet_id)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            (
                reporter_id,
                self._keys.of(reporter_id),
                draft.category,
                State.SUBMITTED,
                location.latitude if location else None,
                location.longitude if location else None,
                location.source if location else "picker",
                draft.hamlet_id,
                village_id,
                draft.description,
                now.isoformat(),
                now.isoformat(),
                kind,
                draft.id,
                public_description,
                draft.voice_audience,
                draft.hamlet_id,
            ),
        )
        report_id = cursor.lastrowid
        assert report_id is not None
        await self.add_media(tx, report_id, "photo", draft.photos)
        if draft.voice:
            await self.add_media(tx, report_id, "voice", [draft.voice])
        return report_id

    async def add_media(
        self,
        tx: Transaction,
        report_id: int,
        role: str,
        media: Iterable[MediaRef],
    ) -> None:
        await tx.executemany(
            """INSERT INTO report_media (report_id, role, file_id, file_unique_id, local_path,
                   position, kind) VALUES (?, ?, ?, ?, ?, ?, ?)""",
            [
                (
                    report_id,
                    role,
                    ref.file_id,
                    ref.file_unique_id,
                    ref.local_path,
                    position,
                    ref.kind,
                )
                for position, ref in enumerate(media)
            ],
        )

    async def update(
        self, tx: Transaction, report_id: int, now: datetime, **fields: object
    ) -> None:
        """Set columns of one report; only those in `UPDATABLE` (anything else raises
        `UnknownColumn` before any SQL is built, so no caller's name reaches the statement)."""
        unknown = sorted(set(fields) - UPDATABLE)
        if unknown or not fields:
            raise UnknownColumn(f"reports has no updatable column {unknown or '(none given)'}")
        values = {
            key: value.isoformat() if isinstance(value, datetime) else value
            for key, value in fields.items()
        }
        assignments = ", ".join(f"{key} = :{key}" for key in values)
        await tx.execute(
            f"UPDATE reports SET {assignments}, updated_at = :updated_at WHERE id = :id",
            {**values, "updated_at": now.isoformat(), "id": report_id},
        )

    async def add_event(
        self,
        tx: Transaction,
        *,
        report_id: int,
        at: datetime,
        actor_id: int | None,
        from_state: State | None,
        to_state: State,
        note: str | None = None,
        action: Action | None = None,
        due_at: datetime | None = None,
    ) -> None:
        """Append one step; `due_at` is the fix deadline the step set, if it set one."""
        await tx.execute(
            _INSERT_EVENT,
            (
                report_id,
                at.isoformat(),
                actor_id,
                from_state,
                to_state,
                note,
                action,
                due_at.isoformat() if due_at else None,
            ),
        )

    async def add_events(self, tx: Transaction, events: list[Event]) -> None:
        """Append many events in one statement (the deadline sweep)."""
        await tx.executemany(
            _INSERT_EVENT,
            [
                (
                    event.report_id,
                    event.at.isoformat(),
                    event.actor_id,
                    event.from_state,
                    event.to_state,
                    event.note,
                    event.action,
                    None,
                )
                for event in events
            ],
        )

    async def set_next_steps(
        self, tx: Transaction, steps: list[tuple[int, datetime | None]]
    ) -> None:
        """When the sweep must look at each report next (None: nothing pending)."""
        await tx.executemany(
            "UPDATE reports SET next_step_at = ? WHERE id = ?",
            [(utc_text(when) if when else None, report_id) for report_id, when in steps],
        )

    async def due_steps(self, now: datetime, limit: int) -> list[Report]:
        """Reports the sweep must act on, the longest waiting first."""
        rows = await self._db.fetch_all(
            f"""SELECT {REPORT_COLUMNS} FROM reports r
                WHERE r.next_step_at <= ? ORDER BY r.next_step_at LIMIT ?""",
            (utc_text(now), limit),
        )
        return [report_of(row) for row in rows]

    async def get(self, report_id: int) -> Report | None:
        row = await self._db.fetch_one(
            f"SELECT {REPORT_COLUMNS} FROM reports r WHERE r.id = ?", (report_id,)
        )
        return report_of(row) if row else None

    async def made_from(self, draft_id: str) -> Report | None:
        """The report made from this draft, if it was submitted already."""
        row = await self._db.fetch_one(
            f"SELECT {REPORT_COLUMNS} FROM reports r WHERE r.draft_id = ?", (draft_id,)
        )
        return report_of(row) if row else None

    async def media(self, report_id: int) -> ReportMedia:
        rows = await self._db.fetch_all(
            """SELECT role, file_id, file_unique_id, local_path, kind FROM report_media
               WHERE report_id = ? ORDER BY role, position""",
            (report_id,),
        )
        by_role: dict[str, list[MediaRef]] = {"photo": [], "voice": [], "after_photo": []}
        for row in rows:
            by_role[row["role"]].append(
                MediaRef(row["file_id"], row["file_unique_id"], row["local_path"], row["kind"])
            )
        voices = by_role["voice"]
        return ReportMedia(by_role["photo"], voices[0] if voices else None, by_role["after_photo"])

    async def events(self, report_id: int) -> list[Event]:
        rows = await self._db.fetch_all(
            """SELECT report_id, at, actor_id, from_state, to_state, note, action
               FROM report_events WHERE report_id = ? ORDER BY id""",
            (report_id,),
        )
        return [
            Event(
                report_id=row["report_id"],
                at=datetime.fromisoformat(row["at"]),
                actor_id=row["actor_id"],
                from_state=State(row["from_state"]) if row["from_state"] else None,
                to_state=State(row["to_state"]),
                note=row["note"],
                action=Action(row["action"]) if row["action"] else None,
            )
            for row in rows
        ]

    async def by_reporter(self, reporter_id: int, limit: int = 20) -> list[Report]:
        rows = await self._db.fetch_all(
            f"""SELECT {REPORT_COLUMNS} FROM reports r WHERE r.reporter_id = ?
                ORDER BY r.id DESC LIMIT ?""",
            (reporter_id, limit),
        )
        return [report_of(row) for row in rows]

    async def created_since(self, reporter_id: int, since: datetime) -> list[datetime]:
        """When this person's reports since `since` were made (for the per-person limits),
        found by the reporter's key: also those made before they used /forgetme."""
        rows = await self._db.fetch_all(
            """SELECT created_at FROM reports WHERE reporter_key = ? AND created_at > ?
               ORDER BY id""",
            (self._keys.of(reporter_id), since.isoformat()),
        )
        return [datetime.fromisoformat(row["created_at"]) for row in rows]

    async def forgotten_count(self, reporter_id: int) -> int:
        """How many reports this person made before a /forgetme: anonymised, but keyed."""
        row = await self._db.fetch_one(
            "SELECT COUNT(*) AS n FROM reports WHERE reporter_key = ? AND reporter_id = ?",
            (self._keys.of(reporter_id), FORGOTTEN_REPORTER),
        )
        return int(row["n"]) if row else 0

    async def reporter_key(self, report_id: int) -> str | None:
        """The keyed hash of a report's reporter, kept when they are forgotten (None for
        reports forgotten before keys existed)."""
        row = await self._db.fetch_one(
            "SELECT reporter_key FROM reports WHERE id = ?", (report_id,)
        )
        return row["reporter_key"] if row else None

    async def in_states_for_hamlets(
        self,
        states: Iterable[State],
        hamlet_ids: Iterable[str],
        order_villages: Iterable[str] = (),
    ) -> list[Report]:
        """Open work in the given hamlets (and the orders addressed to the whole of
        `order_villages`, a village lead's), nearest fix deadline first."""
        state_list, hamlet_list, village_list = list(states), list(hamlet_ids), list(order_villages)
        if not hamlet_list and not village_list:
            return []
        rows = await self._db.fetch_all(
            f"""SELECT {REPORT_COLUMNS} FROM reports r
                WHERE r.state IN ({marks(state_list)})
                  AND (r.hamlet_id IN ({marks(hamlet_list)})
                       OR (r.kind = 'order' AND r.hamlet_id IS NULL
                           AND r.village_id IN ({marks(village_list)})))
                ORDER BY r.fix_due_at IS NULL, r.fix_due_at, r.id""",
            (*state_list, *hamlet_list, *village_list),
        )
        return [report_of(row) for row in rows]

    async def orders_in_states(self, states: Iterable[State], limit: int = 50) -> list[Report]:
        """Rectification orders, nearest fix deadline first."""
        state_list = list(states)
        rows = await self._db.fetch_all(
            f"""SELECT {REPORT_COLUMNS} FROM reports r
                WHERE r.kind = 'order' AND r.state IN ({marks(state_list)})
                ORDER BY r.fix_due_at, r.id LIMIT ?""",
            (*state_list, limit),
        )
        return [report_of(row) for row in rows]

    async def overdue(self, states: Iterable[State], now: datetime, limit: int) -> list[Report]:
        """Reports in `states` past their fix-by deadline, or not accepted by the accept-by
        one, the longest overdue first."""
        state_list = list(states)
        stamp = utc_text(now)
        rows = await self._db.fetch_all(
            f"""SELECT {REPORT_COLUMNS} FROM reports r
                WHERE r.state IN ({marks(state_list)})
                  AND (r.fix_due_at < ? OR (r.state != ? AND r.ack_due_at < ?))
                ORDER BY MIN(r.fix_due_at, CASE WHEN r.state != ? THEN r.ack_due_at
                                                ELSE r.fix_due_at END), r.id
                LIMIT ?""",
            (*state_list, stamp, State.ACCEPTED, stamp, State.ACCEPTED, limit),
        )
        return [report_of(row) for row in rows]

    async def in_states_for_area(
        self,
        states: Iterable[State],
        *,
        village_ids: Iterable[str],
        categories: Iterable[str],
        limit: int = 30,
    ) -> list[Report]:
        """Reports in `states` located in any of `village_ids` or of any of `categories`,
        nearest fix deadline first."""
        state_list, villages, kinds = list(states), list(village_ids), list(categories)
        if not villages and not kinds:
            return []
        rows = await self._db.fetch_all(
            f"""SELECT {REPORT_COLUMNS} FROM reports r
                WHERE r.state IN ({", ".join("?" * len(state_list))})
                  AND (r.village_id IN ({", ".join("?" * len(villages))})
                       OR r.category IN ({", ".join("?" * len(kinds))}))
                ORDER BY r.fix_due_at IS NULL, r.fix_due_at, r.id LIMIT ?""",
            (*state_list, *villages, *kinds, limit),
        )
        return [report_of(row) for row in rows]

    async def in_state(self, state: State, limit: int = 50) -> list[Report]:
        rows = await self._db.fetch_all(
            f"SELECT {REPORT_COLUMNS} FROM reports r WHERE r.state = ? ORDER BY r.id LIMIT ?",
            (state, limit),
        )
        return [report_of(row) for row in rows]

    async def open_nearby_candidates(
        self,
        *,
        category: str,
        states: Iterable[State],
        since: datetime,
        latitude: float,
        longitude: float,
        degrees: float,
    ) -> list[Report]:
        """Open reports of a category inside a small lat/lon box (refined by the caller)."""
        state_list = list(states)
        rows = await self._db.fetch_all(
            f"""SELECT {REPORT_COLUMNS} FROM reports r
                WHERE r.category = ? AND r.state IN ({", ".join("?" * len(state_list))})
                  AND r.created_at >= ? AND r.duplicate_of IS NULL
                  AND r.latitude BETWEEN ? AND ? AND r.longitude BETWEEN ? AND ?
                ORDER BY r.id""",
            (
                category,
                *state_list,
                since.isoformat(),
                latitude - degrees,
                latitude + degrees,
                longitude - degrees,
                longitude + degrees,
            ),
        )
        return [report_of(row) for row in rows]


async def followers_of(tx: Transaction, report_id: int) -> list[Report]:
    """The "+1" reports of `report_id` (stored as its duplicates) whose reporters are still
    known: they follow the original's progress, each person once (their first "+1"), and not
    the original's reporter, who is told as the reporter."""
    rows = await tx.fetch_all(
        f"""SELECT {REPORT_COLUMNS} FROM reports r
            WHERE r.duplicate_of = ? AND r.reporter_id != ?
              AND r.reporter_id != (SELECT o.reporter_id FROM reports o WHERE o.id = ?)
              AND r.id = (SELECT MIN(s.id) FROM reports s
                          WHERE s.duplicate_of = r.duplicate_of AND s.reporter_id = r.reporter_id)
            ORDER BY r.id""",
        (report_id, FORGOTTEN_REPORTER, report_id),
    )
    return [report_of(row) for row in rows]
