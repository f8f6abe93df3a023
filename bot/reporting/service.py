"""The report lifecycle: submit, route, accept, hand back, fix, confirm or reopen, assign, reject.

Each operation checks who may act, applies one transition from `bot.reporting.lifecycle`,
appends the event and queues the notifications, all in one transaction; the outbox worker is
poked only after the commit, so nobody hears of a report that is not stored.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from html import escape

from bot.core.audit import AuditLog
from bot.core.clock import Clock
from bot.core.config import Config
from bot.core.errors import Reason, Refused
from bot.core.models import ORDER, Draft, Event, Location, MediaRef, Report
from bot.delivery.notifier import Notifier, assignees_of
from bot.delivery.outbox import Outbox
from bot.people.directory import People
from bot.people.limits import quota_free_at
from bot.places.grid import Grid, distance_m
from bot.reporting.deadlines import next_step_at
from bot.reporting.lifecycle import (
    OPEN_STATES,
    TASK_STATES,
    Action,
    State,
    TransitionNotAllowed,
    next_state,
)
from bot.reporting.queue import Waiting, at_given_place, handed_back_reason
from bot.reporting.redact import Identity, redact
from storage import Storage, Transaction

METRES_PER_DEGREE = 111_000.0


@dataclass(frozen=True)
class Reporter:
    """Who submits, as Telegram names them (plain data, no `telegram`): the id and name parts
    the public description is scrubbed of."""

    id: int
    first_name: str = ""
    last_name: str | None = None
    username: str | None = None

    def identity(self) -> Identity:
        """The reporter as `bot.reporting.redact` knows them."""
        return Identity(self.id, self.first_name, self.last_name, self.username)


@dataclass(frozen=True)
class Submitted:
    """What a submission gave: the report, and the open report it duplicates, if any."""

    report: Report
    duplicate_of: Report | None


@dataclass(frozen=True)
class OrderDraft:
    """A rectification order (整改函) being issued: to a hamlet, or to a whole village (then
    its lead works it), with what must be put right and by when."""

    text: str
    fix_by: datetime
    village_id: str
    hamlet_id: str | None = None
    photo: MediaRef | None = None
    location: Location | None = None


class ReportService:
    """Every rule about reports and orders: who may act, which step is allowed, and what
    each person is told; refusals are `Refused`, raised before anything changes."""

    def __init__(
        self,
        *,
        storage: Storage,
        config: Config,
        grid: Grid,
        people: People,
        notifier: Notifier,
        outbox: Outbox,
        audit: AuditLog,
        clock: Clock,
    ) -> None:
        self._storage = storage
        self._audit = audit
        self._reports = storage.reports
        self._config = config
        self._grid = grid
        self._people = people
        self._notifier = notifier
        self._outbox = outbox
        self._clock = clock

    # -- villager -------------------------------------------------------------------------

    async def check_may_report(self, reporter_id: int) -> None:
        """Refuse (REPORTING_BLOCKED, REPORT_LIMIT) if this person may not report now."""
        block = await self._storage.privacy.active_block(reporter_id)
        if block is not None:
            raise Refused(Reason.REPORTING_BLOCKED, detail=block.reason, subject="reporting")
        limits = self._config.limits
        now = self._clock.now()
        day = timedelta(days=1)
        recent = await self._reports.created_since(reporter_id, now - day)
        free_at = quota_free_at(
            recent,
            now,
            [(limits.reports_per_hour, timedelta(hours=1)), (limits.reports_per_day, day)],
        )
        if free_at is not None:
            raise Refused(Reason.REPORT_LIMIT, until=free_at, subject="reporting")

    async def submit(self, reporter: Reporter, draft: Draft) -> Submitted:
        """Store a confirmed draft, link it as a duplicate or route it, and notify.

        The description is kept as written for the office and, scrubbed of phone and ID
        numbers and the reporter's own name, for everyone else (nothing a neighbour receives
        identifies the reporter). Once per draft: a draft submitted again (an update handled
        twice after a crash, a second tap) gives back the report it made, with nothing stored
        or sent twice.
        """
        if draft.category not in self._config.categories:
            raise Refused(Reason.UNKNOWN_CHOICE, subject=f"category {draft.category!r}")
        if (made := await self._made_from(draft)) is not None:
            return made
        reporter_id = reporter.id
        await self.check_may_report(reporter_id)
        public = (
            redact(draft.description, reporter.identity(), lambda placeholder: placeholder)
            if draft.description
            else None
        )
        now = self._clock.now()
        original = await self._find_duplicate(draft, now)
        hamlet = self._grid.hamlets.get(draft.hamlet_id or "")
        async with self._storage.database.transaction() as connection:
            if (made := await self._made_from(draft)) is not None:
                return made
            await self._storage.users.ensure(connection, reporter_id, now)
            report_id = await self._reports.insert(
                connection,
                reporter_id=reporter_id,
                draft=draft,
                village_id=hamlet.village_id if hamlet else None,
                now=now,
                public_description=public,
            )
            await self._record(connection, report_id, None, Action.SUBMIT, reporter_id, now)
            if original is not None:
                await self._move(
                    connection,
                    report_id,
                    Action.MARK_DUPLICATE,
                    None,
                    now,
                    note=original.number,
                    duplicate_of=original.id,
                )
            elif hamlet and self._people.grid_members_of(hamlet.id):
                due = await self._start_clock(connection, report_id, now)
                await self._move(connection, report_id, Action.ROUTE, None, now, due_at=due)
            report = await self._require(report_id)
            media = await self._reports.media(report_id)
            if original is None:
                if report.state == State.ASSIGNED:
                    await self._notifier.new_task(connection, report, media, reason="new")
                    await self._notifier.office_copy(connection, report, media, headline="new")
                else:
                    await self._notifier.office_copy(connection, report, media, headline="queue")
                await self._notifier.department_copy(connection, report, media)
        self._outbox.poke()
        return Submitted(report, original)

    async def _made_from(self, draft: Draft) -> Submitted | None:
        """What submitting this draft already gave, if it was submitted."""
        report = await self._reports.made_from(draft.id) if draft.id else None
        if report is None:
            return None
        original = await self._reports.get(report.duplicate_of) if report.duplicate_of else None
        return Submitted(report, original)

    async def confirm(self, report_id: int, actor_id: int) -> Report:
        """The reporter (for an order: the office) agrees it is fixed: the report closes."""
        report = await self._require(report_id)
        self._require_reporter(report, actor_id)
        now = self._clock.now()
        async with self._storage.database.transaction() as connection:
            await self._move(connection, report_id, Action.CONFIRM, actor_id, now, closed_at=now)
            report = await self._require(report_id)
            await self._notifier.closed_for_office(connection, report)
        self._outbox.poke()
        return report

    async def reopen(self, report_id: int, actor_id: int) -> Report:
        """The reporter says it is still there: back to the same hamlet with a fresh deadline."""
        report = await self._require(report_id)
        self._require_reporter(report, actor_id)
        now = self._clock.now()
        async with self._storage.database.transaction() as connection:
            due = await self._start_clock(connection, report_id, now)
            await self._move(
                connection, report_id, Action.REOPEN, actor_id, now, due_at=due, fixed_at=None
            )
            report = await self._require(report_id)
            media = await self._reports.media(report_id)
            await self._notifier.new_task(connection, report, media, reason="reopened")
            await self._notifier.office_copy(connection, report, media, headline="reopened")
        self._outbox.poke()
        return report

    async def tell_later(self, chat_id: int, text: str) -> None:
        """A reply that could not be sent directly goes through the outbox instead."""
        async with self._storage.database.transaction() as connection:
            await self._notifier.tell(connection, chat_id, lambda _language, _: text)
        self._outbox.poke()

    async def reports_of(self, reporter_id: int) -> list[Report]:
        return await self._reports.by_reporter(reporter_id)

    # -- grid member ------------------------------------------------------------------------

    async def accept(self, report_id: int, actor_id: int) -> Report:
        report = await self._require(report_id)
        self._require_responsible(report, actor_id)
        now = self._clock.now()
        async with self._storage.database.transaction() as connection:
            await self._move(
                connection, report_id, Action.ACCEPT, actor_id, now, accepted_by=actor_id
            )
            report = await self._require(report_id)
            await self._notifier.tell_reporter(
                connection,
                report,
                lambda _: _(
                    "👷 Someone is on it: report {number} was accepted by the grid member."
                ).format(number=report.number),
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
            await self._move(
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
            report = await self._require(report_id)
            await self._notifier.returned_to_office(
                connection, at_given_place(report, self._grid), reason
            )
            await self._notifier.tell_reporter(
                connection,
                report,
                lambda _: _(
                    "🔎 Report {number} is being looked at by the town office to find who is "
                    "responsible."
                ).format(number=report.number),
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
            await self._move(
                connection,
                report_id,
                Action.FIX,
                actor_id,
                now,
                note=note,
                fixed_at=now,
                fix_note=note,
            )
            report = await self._require(report_id)
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

    def may_handle(self, report: Report, user_id: int) -> bool:
        """The office, or one of the report's assignees (the hamlet's grid members, or the lead
        for a whole-village order) — once one of them accepted it, only that one (unless they
        no longer serve there)."""
        if self._people.is_office(user_id):
            return True
        assignees = assignees_of(report, self._people)
        if user_id not in assignees:
            return False
        return (
            report.accepted_by is None
            or report.accepted_by not in assignees
            or report.accepted_by == user_id
        )

    # -- office -----------------------------------------------------------------------------

    async def queue(self, actor_id: int) -> list[Report]:
        """The reports nobody could be routed to, for the office."""
        self._require_office(actor_id, command="queue")
        return await self._reports.in_state(State.SUBMITTED)

    async def waiting(self, actor_id: int) -> list[Waiting]:
        """The office's queue as the office reads it: each report at the place the villager
        gave, with its photos and the grid member's reason if it was handed back."""
        return [
            Waiting(
                shown=at_given_place(report, self._grid),
                photos=(await self._reports.media(report.id)).photos,
                handed_back=handed_back_reason(await self._reports.events(report.id)),
            )
            for report in await self.queue(actor_id)
        ]

    async def check_office_action(self, actor_id: int, report_id: int, action: Action) -> Report:
        """The report, if the office may take this step on it now (checked before asking
        for a place or a reason; the step re-checks)."""
        self._require_office(actor_id)
        report = await self._require(report_id)
        self._next(report, action)
        return report

    async def assign(self, report_id: int, actor_id: int, hamlet_id: str) -> Report:
        """The office routes a report by hand to a hamlet's grid members."""
        self._require_office(actor_id)
        hamlet = self._grid.hamlets.get(hamlet_id)
        if hamlet is None or not self._people.grid_members_of(hamlet_id):
            raise Refused(Reason.NO_GRID_MEMBER, subject=f"hamlet {hamlet_id!r}")
        report = await self._require(report_id)
        now = self._clock.now()
        async with self._storage.database.transaction() as connection:
            due = await self._start_clock(connection, report_id, now)
            await self._move(
                connection,
                report_id,
                Action.ASSIGN,
                actor_id,
                now,
                note=hamlet_id,
                due_at=due,
                hamlet_id=hamlet_id,
                village_id=hamlet.village_id,
                accepted_by=None,
            )
            await self._audit.record(
                actor_id, "assign", report.number, hamlet_id, connection=connection
            )
            report = await self._require(report_id)
            media = await self._reports.media(report_id)
            await self._notifier.new_task(connection, report, media, reason="assigned")
            await self._notifier.tell_reporter(
                connection,
                report,
                lambda _: _(
                    "📌 Report {number} was passed to the grid member responsible for the place."
                ).format(number=report.number),
            )
        self._outbox.poke()
        return report

    async def issue_order(self, actor_id: int, order: OrderDraft) -> Report:
        """The office issues a rectification order: a task for the hamlet's grid members (or
        the village lead), tracked with the same buttons, reminders and escalation."""
        self._require_office(actor_id, command="order")
        now = self._clock.now()
        hamlet = self._grid.hamlets.get(order.hamlet_id or "")
        if order.village_id not in self._grid.villages or (
            order.hamlet_id is not None
            and (hamlet is None or hamlet.village_id != order.village_id)
        ):
            raise Refused(Reason.UNKNOWN_CHOICE, subject="order place")
        if order.fix_by <= now:
            raise Refused(Reason.DEADLINE_PASSED, subject="order")
        draft = Draft(
            photos=[order.photo] if order.photo else [],
            location=order.location,
            hamlet_id=order.hamlet_id,
            category=ORDER,
            description=order.text,
        )
        async with self._storage.database.transaction() as connection:
            await self._storage.users.ensure(connection, actor_id, now)
            report_id = await self._reports.insert(
                connection,
                reporter_id=actor_id,
                draft=draft,
                village_id=order.village_id,
                now=now,
                kind=ORDER,
                public_description=order.text,
            )
            await self._reports.update(
                connection,
                report_id,
                now,
                state=next_state(None, Action.ISSUE),
                assigned_at=now,
                ack_due_at=min(now + timedelta(hours=self._config.orders.ack_hours), order.fix_by),
                fix_due_at=order.fix_by,
            )
            await self._record(connection, report_id, None, Action.ISSUE, actor_id, now)
            await self._replan(connection, report_id, now, keep_progress=False)
            report = await self._require(report_id)
            if not assignees_of(report, self._people):
                raise Refused(Reason.NO_RECIPIENT, subject="order")
            media = await self._reports.media(report_id)
            await self._notifier.new_task(connection, report, media, reason="order")
            await self._notifier.office_copy(connection, report, media, headline="order")
        self._outbox.poke()
        return report

    async def open_orders(self, actor_id: int) -> list[Report]:
        """The office's orders still open."""
        self._require_office(actor_id, command="orders")
        return await self._reports.orders_in_states(OPEN_STATES)

    async def overdue(self, actor_id: int) -> list[Report]:
        """Work past its accept-by or fix-by deadline, the longest overdue first (office)."""
        self._require_office(actor_id, command="overdue")
        return await self._reports.overdue(TASK_STATES, self._clock.now(), limit=30)

    async def events(self, report_id: int) -> list[Event]:
        return await self._reports.events(report_id)

    async def reject(self, report_id: int, actor_id: int, reason: str) -> Report:
        self._require_office(actor_id)
        report = await self._require(report_id)
        now = self._clock.now()
        async with self._storage.database.transaction() as connection:
            await self._move(
                connection, report_id, Action.REJECT, actor_id, now, note=reason, closed_at=now
            )
            await self._audit.record(
                actor_id, "reject", report.number, reason, connection=connection
            )
            report = await self._require(report_id)
            await self._notifier.tell_reporter(
                connection,
                report,
                lambda _: _(
                    "🙏 Thank you for report {number}. "
                    "The town office will not take it up: {reason}"
                ).format(number=report.number, reason=escape(reason)),
            )
        self._outbox.poke()
        return report

    # -- shared -----------------------------------------------------------------------------

    async def get(self, report_id: int) -> Report | None:
        return await self._reports.get(report_id)

    async def _find_duplicate(self, draft: Draft, now: datetime) -> Report | None:
        """An open report of the same category close by and recent enough, if any."""
        if draft.location is None or draft.category is None:
            return None
        rules = self._config.duplicates
        latitude, longitude = draft.location.latitude, draft.location.longitude
        box = rules.radius_m / (METRES_PER_DEGREE * max(math.cos(math.radians(latitude)), 0.01))
        candidates = await self._reports.open_nearby_candidates(
            category=draft.category,
            states=OPEN_STATES,
            since=now - timedelta(days=rules.window_days),
            latitude=latitude,
            longitude=longitude,
            degrees=box,
        )
        for candidate in candidates:
            assert candidate.latitude is not None and candidate.longitude is not None
            if distance_m(latitude, longitude, candidate.latitude, candidate.longitude) <= (
                rules.radius_m
            ):
                return candidate
        return None

    async def _start_clock(
        self, connection: Transaction, report_id: int, now: datetime
    ) -> datetime:
        """Deadlines run from assignment, as in the digital urban-management standard; the
        escalation ladder starts afresh. Returns the fix deadline (the step's event logs it)."""
        report = await self._require(report_id)
        if report.is_order:
            ack = timedelta(hours=self._config.orders.ack_hours)
            assert report.assigned_at is not None and report.fix_due_at is not None
            fix = report.fix_due_at - report.assigned_at
        else:
            rules = self._config.categories[report.category]
            ack, fix = timedelta(hours=rules.ack_hours), timedelta(hours=rules.fix_hours)
        await self._reports.update(
            connection,
            report_id,
            now,
            assigned_at=now,
            ack_due_at=now + ack,
            fix_due_at=now + fix,
        )
        await self._replan(connection, report_id, now, keep_progress=False)
        return now + fix

    async def _replan(
        self,
        connection: Transaction,
        report_id: int,
        now: datetime,
        *,
        keep_progress: bool,
    ) -> None:
        """Tell the deadline sweep when to look at the report next."""
        report = await self._require(report_id)
        when = next_step_at(report, self._config.deadlines, now, keep_progress=keep_progress)
        await self._reports.set_next_steps(connection, [(report_id, when)])

    async def _move(
        self,
        connection: Transaction,
        report_id: int,
        action: Action,
        actor_id: int | None,
        now: datetime,
        *,
        note: str | None = None,
        due_at: datetime | None = None,
        **fields: object,
    ) -> None:
        """Apply one transition from the state read inside the transaction, and log it
        (with the fix deadline `due_at` if the step set one)."""
        current = await self._require(report_id)
        target = self._next(current, action)
        await self._reports.update(connection, report_id, now, state=target, **fields)
        await self._reports.add_event(
            connection,
            report_id=report_id,
            at=now,
            actor_id=actor_id,
            from_state=current.state,
            to_state=target,
            note=note,
            action=action,
            due_at=due_at,
        )
        await self._replan(connection, report_id, now, keep_progress=action == Action.ACCEPT)

    async def _record(
        self,
        connection: Transaction,
        report_id: int,
        state: State | None,
        action: Action,
        actor_id: int | None,
        now: datetime,
    ) -> None:
        await self._reports.add_event(
            connection,
            report_id=report_id,
            at=now,
            actor_id=actor_id,
            from_state=state,
            to_state=next_state(state, action),
            action=action,
        )

    async def _require(self, report_id: int) -> Report:
        """The report, or `Refused(REPORT_GONE)`."""
        report = await self._reports.get(report_id)
        if report is None:
            raise Refused(Reason.REPORT_GONE, subject=f"report {report_id}")
        return report

    @staticmethod
    def _next(report: Report, action: Action) -> State:
        """The state `action` leads to, or `Refused(ALREADY_DONE)` with the state it is in."""
        try:
            return next_state(report.state, action)
        except TransitionNotAllowed:
            raise Refused(
                Reason.ALREADY_DONE, state=report.state, subject=f"{report.number} {action}"
            ) from None

    def _require_reporter(self, report: Report, actor_id: int) -> None:
        """Only the reporter (for an order: the office) confirms or reopens."""
        if report.reporter_id != actor_id and not (
            report.is_order and self._people.is_office(actor_id)
        ):
            raise Refused(Reason.NOT_YOURS, subject=report.number)

    def _require_responsible(self, report: Report, actor_id: int) -> None:
        """Only an assignee (see `may_handle`) or the office works a task."""
        if not self.may_handle(report, actor_id):
            raise Refused(Reason.NOT_YOURS, subject=report.number)

    def _require_office(self, actor_id: int, *, command: str | None = None) -> None:
        """Only the office; `command` names the command refused, for its own words."""
        if not self._people.is_office(actor_id):
            raise Refused(Reason.OFFICE_ONLY, command=command, subject=command)
