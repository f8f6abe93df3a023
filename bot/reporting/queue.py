"""What the office reads of a report waiting in its queue: where the villager said it was, its
photos and, when a grid member handed it back with 🙅 Not my area, their reason.

Handing back clears whom the report is routed to (`Report.hamlet_id`), not the place the
villager gave (`Report.reported_hamlet_id`): the office routes it again from there.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from bot.core.models import Event, MediaRef, Report
from bot.places.grid import Grid
from bot.reporting.lifecycle import Action


@dataclass(frozen=True)
class Waiting:
    """A report in the office's queue, with what the office needs to route it."""

    shown: Report
    """The report as the office reads it: at the place the villager gave (see `at_given_place`);
    for reading only, never for routing."""
    photos: list[MediaRef]
    handed_back: str | None
    """The grid member's reason, if the last step was handing it back."""


def at_given_place(report: Report, grid: Grid) -> Report:
    """The report placed where the villager said it was, when it is routed nowhere now."""
    if report.hamlet_id is not None or report.village_id is not None:
        return report
    hamlet = grid.hamlets.get(report.reported_hamlet_id or "")
    if hamlet is None:
        return report
    return replace(report, hamlet_id=hamlet.id, village_id=hamlet.village_id)


def handed_back_reason(events: Sequence[Event]) -> str | None:
    """The grid member's reason, if the report's last step was 🙅 Not my area."""
    last = events[-1] if events else None
    if last is None or last.action != Action.NOT_MY_AREA:
        return None
    return last.note
