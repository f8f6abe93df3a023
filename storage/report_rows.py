"""A report as SQL reads it: the columns every report query selects (with its "+1" count
and whether it has a voice note) and the row made back into a `Report`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.core.models import Report
from bot.reporting.lifecycle import State
from storage.transaction import Row

REPORT_COLUMNS = """
    r.id, r.reporter_id, r.category, r.state, r.latitude, r.longitude, r.location_source,
    r.hamlet_id, r.village_id, r.description, r.duplicate_of, r.created_at, r.assigned_at,
    r.ack_due_at, r.fix_due_at, r.accepted_by, r.fixed_at, r.fix_note, r.closed_at, r.kind,
    r.next_step_at, r.public_description,
    (SELECT COUNT(DISTINCT COALESCE(d.reporter_key, d.id)) FROM reports d
      WHERE d.duplicate_of = r.id AND d.reporter_key IS NOT r.reporter_key) AS duplicates,
    r.voice_audience, r.voice_relay, r.reported_hamlet_id,
    EXISTS (SELECT 1 FROM report_media v WHERE v.report_id = r.id AND v.role = 'voice') AS has_voice
"""
"""Select these `FROM reports r` and read the row with `report_of`."""


def marks(values: Sequence[object]) -> str:
    """As many `?` placeholders as `values`, for an `IN (…)`."""
    return ", ".join("?" * len(values))


def when(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def report_of(row: Row) -> Report:
    return Report(
        id=row["id"],
        reporter_id=row["reporter_id"],
        category=row["category"],
        state=State(row["state"]),
        latitude=row["latitude"],
        longitude=row["longitude"],
        location_source=row["location_source"],
        hamlet_id=row["hamlet_id"],
        village_id=row["village_id"],
        description=row["description"],
        duplicate_of=row["duplicate_of"],
        created_at=datetime.fromisoformat(row["created_at"]),
        assigned_at=when(row["assigned_at"]),
        ack_due_at=when(row["ack_due_at"]),
        fix_due_at=when(row["fix_due_at"]),
        accepted_by=row["accepted_by"],
        fixed_at=when(row["fixed_at"]),
        fix_note=row["fix_note"],
        closed_at=when(row["closed_at"]),
        duplicates=row["duplicates"],
        kind=row["kind"],
        next_step_at=when(row["next_step_at"]),
        public_description=row["public_description"],
        voice_audience=row["voice_audience"],
        voice_relay=row["voice_relay"],
        has_voice=bool(row["has_voice"]),
        reported_hamlet_id=row["reported_hamlet_id"],
    )
