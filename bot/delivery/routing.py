"""Who works a report: the hamlet's grid members, else (for an order) the village lead."""

from __future__ import annotations

from bot.core.models import Report
from bot.people.directory import People


def assignees_of(report: Report, people: People) -> list[int]:
    """Who works the report: the hamlet's grid members (see `responsible_for`)."""
    return responsible_for(people, report.hamlet_id, report.village_id, order=report.is_order)


def responsible_for(
    people: People, hamlet_id: str | None, village_id: str | None, *, order: bool
) -> list[int]:
    """The hamlet's grid members; for an order to a whole village, or to a hamlet without a
    grid member, the village lead."""
    members = people.grid_members_of(hamlet_id)
    if members or not order:
        return members
    return people.leads_of(village_id)
