"""The grid member's steps on a report: accept, hand back (🙅 Not my area), report the fix,
and the lists of open tasks and of a village lead's or department's area."""

from __future__ import annotations

from bot.core.errors import Reason, Refused
from bot.core.i18n import N_
from bot.core.models import MediaRef, Report
from bot.reporting.lifecycle import OPEN_STATES, TASK_STATES, Action
from bot.reporting.queue import at_given_place
from bot.reporting.steps import ReportSteps


class TaskSteps(ReportSteps):
    """What an assignee (or the office on their behalf) does with a task."""

    async def accept(self, report_id: int, actor_id: int) -> Report:
        report = await self._require(report_id)
        self._require_responsible(report, actor_id)
        now = self._clock.now()
        async with self._storage.database.transaction() as connection:
            report = await self._move(
                connection, report_id, Action.ACCEPT, actor_id, now, accepted_by=actor_id
            )
            await self._tell_reporter(
                connection,
                report,
                N_("👷 Someone is on it: report {number} was accepted by the grid member."),
            )
        self._outbox.poke()
        return report

    async def not_my_area(self, report_id: int, actor_id: int, reason: str) -> Report:
        """The grid member hands it back; it joins the office's queue. An order keeps its
        deadlines, so that assigned again it gets the time the office first allowed."""
        report = await self._require(report_id)
        self._require_responsible(report, actor_id)
        now = self._clock.now()
        deadlines = (
            {} if report.is_order else dict.fromkeys(("assigned_at", "ack_due_at", "fix_due_at"))
        )
        async with self._storage.database.transaction() as connection:
            report = await self._move(
                connection,
                report_id,
                Action.NOT_MY_AREA,
                actor_id,
                now,
                note=reason,
                hamlet_id=None,
                village_id=None,
                accepted_by=None,
                **deadlines,
            )
            await self._notifier.returned_to_office(
                connection,
                at_given_place(report, self._grid),
                await self._reports.media(report_id),
                reason,
            )
            await self._tell_reporter(
                connection,
                report,
                N_(
                    "🔎 Report {number} is being looked at by the town office to find who is "
                    "responsible."
                ),
            )
        self._outbox.poke()
        return report

    async def fix(
        self, report_id: int, actor_id: int, after_photo: MediaRef, note: str | None
    ) -> Report:
        """Marked fixed with an after-photo; the reporter is asked to check."""
        report = await self._require(report_id)
        self._require_responsible(report, actor_id)
        now = self._clock.now()
        async with self._storage.database.transaction() as connection:
            await self._reports.add_media(connection, report_id, "after_photo", [after_photo])
            report = await self._move(
                connection,
                report_id,
                Action.FIX,
                actor_id,
                now,
                note=note,
                fixed_at=now,
                fix_note=note,
            )
            media = await self._reports.media(report_id)
            await self._notifier.ask_reporter_to_confirm(connection, report, media)
        self._outbox.poke()
        return report

    async def check_task(self, actor_id: int, report_id: int, action: Action) -> Report:
        """The report, if `actor_id` may take this step on it as a task now (checked before
        asking for a reason or a photo, so nobody types in vain; the step re-checks)."""
        report = await self._require(report_id)
        self._require_responsible(report, actor_id)
        if report.state not in TASK_STATES:
            raise Refused(Reason.ALREADY_DONE, state=report.state, subject=report.number)
        self._next(report, action)
        return report

    async def tasks_for(self, user_id: int) -> list[Report]:
        """Open assignments in the member's hamlets (for a village lead: the orders to the
        whole village), nearest deadline first; refused to anyone who is neither."""
        if not self._people.is_grid_member(user_id) and not self.villages_led_by(user_id):
            raise Refused(Reason.NOT_YOURS, command="tasks", subject="tasks")
        return await self._reports.in_states_for_hamlets(
            TASK_STATES, self._people.hamlets_of_member(user_id), self.villages_led_by(user_id)
        )

    def villages_led_by(self, user_id: int) -> list[str]:
        return [
            village_id
            for village_id in self._grid.villages
            if user_id in self._people.leads_of(village_id)
        ]

    async def area_of(self, user_id: int) -> list[Report]:
        """Open reports a village lead or department member oversees: in their villages, or
        of their departments' categories; anyone else is refused AREA_ONLY."""
        departments = set(self._people.departments_of(user_id))
        if not (departments or self._people.is_village_lead(user_id)):
            raise Refused(Reason.AREA_ONLY, subject="/area")
        return await self._reports.in_states_for_area(
            OPEN_STATES,
            village_ids=self._people.villages_of_lead(user_id),
            categories=[
                key
                for key, category in self._config.categories.items()
                if category.department in departments
            ],
        )
