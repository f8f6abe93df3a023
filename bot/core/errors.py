"""One refusal error for every rule a service enforces: `Refused(reason, …)`.

A service raises it (inside its transaction, before anything changes) when the actor may not
do what they asked or the thing is gone; `handlers.refusals` turns the reason into words in one
place. It replaces the refusal classes below, each by one reason (those of reports, moderation
and privacy are gone; the others go as their services move over, see docs/refactor-plan.md):

- reports.NotAllowed, wrong person (reports, moderation, roles) → NOT_YOURS
- reports.NotAllowed, "only the office …" (reports, moderation, roles) → OFFICE_ONLY
- reports.NotAllowed, "only the admins in config.toml …" (roles) → CONFIG_ADMIN_ONLY
- reports.NotAllowed, "hamlet … has no grid member" (reports.assign) → NO_GRID_MEMBER
- reports.NotAllowed, "nobody in that place …" (reports.issue_order) → NO_RECIPIENT
- reports.ReportNotFound (reports, moderation) → REPORT_GONE
- lifecycle.TransitionNotAllowed (reports, via the lifecycle table) → ALREADY_DONE
- reports.ReportingBlocked, reports.ReportLimitReached (check_may_report) → REPORTING_BLOCKED,
  REPORT_LIMIT
- ValueError "unknown category" (reports.submit), "unknown village or hamlet"
  (reports.issue_order), "wrong number of places" / "unknown scope" (roles.invite)
  → UNKNOWN_CHOICE
- ValueError "the deadline has passed" (reports.issue_order) → DEADLINE_PASSED
- schedules.ScheduleNotFound → SCHEDULE_GONE
- ValueError from bot.schedules.recurrence, today matched on its text in handlers.new_schedule:
  "… passed" → SCHEDULE_IN_PAST, "… reminder …" → REMINDER_AFTER_EVENT, else (and a
  KeyError on the draft) → STEP_MISSING
- notices.NoticeNotFound → NOTICE_GONE; roles.RoleNotFound → ROLE_GONE
- privacy.HoldsRole → HOLDS_ROLE
- moderation.CannotBlock, AlreadyBlocked, NotBlocked → CANNOT_BLOCK, ALREADY_BLOCKED,
  NOT_BLOCKED
- the role checks handlers make themselves today (/queue, /notice, /order, /orders,
  /schedules, /overdue, /invite, /team: OFFICE_ONLY with the command; /area: AREA_ONLY)

Not refusals, and so not mapped: config.ConfigError, grid.GridError (start-up), outbox's
RetryLater / TransientFailure / Unreachable / Blocked / ChatGone (delivery outcomes), and the
playground's PortTaken / PlaygroundError; `roles.JoinStatus` is already a result, not an error.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from bot.reporting.lifecycle import State


class Reason(StrEnum):
    """Why a service said no; `handlers.refusals` has the words for each."""

    NOT_YOURS = "not_yours"
    OFFICE_ONLY = "office_only"
    AREA_ONLY = "area_only"
    CONFIG_ADMIN_ONLY = "config_admin_only"
    NO_GRID_MEMBER = "no_grid_member"
    NO_RECIPIENT = "no_recipient"
    REPORT_GONE = "report_gone"
    ALREADY_DONE = "already_done"
    REPORTING_BLOCKED = "reporting_blocked"
    REPORT_LIMIT = "report_limit"
    UNKNOWN_CHOICE = "unknown_choice"
    DEADLINE_PASSED = "deadline_passed"
    SCHEDULE_GONE = "schedule_gone"
    SCHEDULE_IN_PAST = "schedule_in_past"
    REMINDER_AFTER_EVENT = "reminder_after_event"
    STEP_MISSING = "step_missing"
    NOTICE_GONE = "notice_gone"
    ROLE_GONE = "role_gone"
    HOLDS_ROLE = "holds_role"
    CANNOT_BLOCK = "cannot_block"
    ALREADY_BLOCKED = "already_blocked"
    NOT_BLOCKED = "not_blocked"
    REPORTER_FORGOTTEN = "reporter_forgotten"


SECURITY_REASONS = frozenset(
    {Reason.NOT_YOURS, Reason.OFFICE_ONLY, Reason.CONFIG_ADMIN_ONLY, Reason.UNKNOWN_CHOICE}
)
"""Refusals worth a line in the security log (a forged, replayed or revoked use)."""


class Refused(Exception):
    """A service refused: the reason, and what the words need (all optional, by reason):

    - `state`: the report's state now (ALREADY_DONE);
    - `until`: when reporting opens again (REPORT_LIMIT);
    - `detail`: the office's words (REPORTING_BLOCKED), who (ALREADY_BLOCKED, NOT_BLOCKED),
      the report number (REPORTER_FORGOTTEN);
    - `command`: the command without its slash (OFFICE_ONLY from a command);
    - `subject`: what was refused, for the log only (e.g. "report 17").
    """

    def __init__(
        self,
        reason: Reason,
        *,
        state: State | None = None,
        until: datetime | None = None,
        detail: str | None = None,
        command: str | None = None,
        subject: str | None = None,
    ) -> None:
        super().__init__(f"{reason}" + (f" ({subject})" if subject else ""))
        self.reason = reason
        self.state = state
        self.until = until
        self.detail = detail
        self.command = command
        self.subject = subject

    @property
    def is_security(self) -> bool:
        """Whether the refusal belongs in the security log."""
        return self.reason in SECURITY_REASONS
