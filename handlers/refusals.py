"""The words for every refusal (`bot.core.errors.Refused`), in one place, and the one way a handler
answers one: a pressed button gets an alert, a message a reply, and a forged or replayed use a
line in the security log. The msgids are the ones the handlers use today."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from telegram import Update

from bot.core.errors import Reason, Refused
from bot.core.i18n import N_
from bot.reporting.lifecycle import State
from handlers.context import BotContext

security = logging.getLogger("bot.security")

Translate = Callable[[str], str]

NOT_YOURS = N_("Sorry, this is not yours to do.")
NO_LONGER_ACTIVE = N_("This button is no longer active.")

OFFICE_COMMANDS = {
    "queue": N_("Sorry, /queue is for the town office."),
    "notice": N_("Sorry, /notice is for the town office."),
    "order": N_("Sorry, /order is for the town office."),
    "orders": N_("Sorry, /orders is for the town office."),
    "schedules": N_("Sorry, /schedules is for the town office."),
    "overdue": N_("Sorry, /overdue is for the town office."),
    "invite": N_("Sorry, /invite is for the town office."),
    "team": N_("Sorry, /team is for the town office."),
    "deliveries": N_("Sorry, /deliveries is for the town office."),
}
"""OFFICE_ONLY from a command: each command has its own sentence today."""

MEMBER_COMMANDS = {
    "tasks": N_("/tasks is for grid members. To report a problem, tap 📷 Report dumping."),
}
"""NOT_YOURS from a command for grid members: its own sentence, as today."""

SCHEDULE_CANNOT_WORK = N_(
    "This schedule cannot work as it is: {problem}. Please start again with /newschedule."
)

PLAIN = {
    Reason.NOT_YOURS: NOT_YOURS,
    Reason.OFFICE_ONLY: NOT_YOURS,
    Reason.CONFIG_ADMIN_ONLY: NOT_YOURS,
    Reason.AREA_ONLY: N_("Sorry, /area is for village leads and departments."),
    Reason.NO_GRID_MEMBER: NOT_YOURS,
    Reason.NO_RECIPIENT: N_(
        "Nobody there can receive an order: no grid member and no village lead."
    ),
    Reason.REPORT_GONE: N_("This report no longer exists."),
    Reason.UNKNOWN_CHOICE: NO_LONGER_ACTIVE,
    Reason.DEADLINE_PASSED: N_(
        "The deadline has passed meanwhile. Please start again with /order."
    ),
    Reason.SCHEDULE_GONE: N_("This schedule no longer exists."),
    Reason.NOTICE_GONE: NO_LONGER_ACTIVE,
    Reason.ROLE_GONE: NOT_YOURS,
    Reason.HOLDS_ROLE: N_(
        "You hold a role for the town office. Please ask the office to end it first; "
        "after that, /forgetme deletes your data."
    ),
    Reason.CANNOT_BLOCK: N_("Office admins cannot be blocked."),
}
"""Reasons whose words take no detail: today's msgid for each (NO_GRID_MEMBER, ROLE_GONE and
CONFIG_ADMIN_ONLY are answered "not yours to do" today, and stay so)."""

SCHEDULE_PROBLEMS = {
    Reason.SCHEDULE_IN_PAST: N_("that date and time has already passed"),
    Reason.REMINDER_AFTER_EVENT: N_("a reminder would come after the event"),
    Reason.STEP_MISSING: N_("a step is missing"),
}


@dataclass(frozen=True)
class Wording:
    """What the words of some refusals need beside the translator."""

    status_label: Callable[[State], str]
    local_time: Callable[[datetime], str]
    reports_per_hour: int
    reports_per_day: int


def words(refusal: Refused, _: Translate, wording: Wording) -> str:
    """What to tell the person, in their language, for this refusal."""
    reason = refusal.reason
    if reason is Reason.OFFICE_ONLY and refusal.command in OFFICE_COMMANDS:
        return _(OFFICE_COMMANDS[refusal.command])
    if reason is Reason.NOT_YOURS and refusal.command in MEMBER_COMMANDS:
        return _(MEMBER_COMMANDS[refusal.command])
    if reason is Reason.OFFICE_ONLY and refusal.command:
        return _("Sorry, {command} is for the town office.").format(command=f"/{refusal.command}")
    if reason in PLAIN:
        return _(PLAIN[reason])
    if reason in SCHEDULE_PROBLEMS:
        return _(SCHEDULE_CANNOT_WORK).format(problem=_(SCHEDULE_PROBLEMS[reason]))
    match reason:
        case Reason.ALREADY_DONE:
            status = wording.status_label(refusal.state) if refusal.state else "?"
            return _("Nothing changed: this report is already {status}.").format(status=status)
        case Reason.REPORTING_BLOCKED:
            return _(
                "⛔ Sorry, the town office has switched off reporting for your account: "
                "{reason}\nIf you think this is a mistake, please contact the office."
            ).format(reason=refusal.detail or "")
        case Reason.REPORT_LIMIT:
            return _(
                "🙏 Thank you for all your reports! You have reached the limit for now "
                "({per_hour} an hour, {per_day} a day). You can report again after {when}."
            ).format(
                per_hour=wording.reports_per_hour,
                per_day=wording.reports_per_day,
                when=wording.local_time(refusal.until) if refusal.until else "?",
            )
        case Reason.ALREADY_BLOCKED:
            return _("{who} is already blocked.").format(who=refusal.detail or "")
        case Reason.NOT_BLOCKED:
            return _("{who} is not blocked.").format(who=refusal.detail or "")
        case Reason.REPORTER_FORGOTTEN:
            return _("The reporter of {number} asked to be forgotten.").format(
                number=refusal.detail or ""
            )
    raise AssertionError(f"no words for {reason}")


def wording_for(context: BotContext) -> Wording:
    """The `Wording` for the person of this update."""
    found = context.services
    language = context.person.language
    limits = found.config.limits
    return Wording(
        status_label=lambda state: found.notifier.status_label(state, language),
        local_time=lambda moment: found.notifier.local_time(moment, language),
        reports_per_hour=limits.reports_per_hour,
        reports_per_day=limits.reports_per_day,
    )


async def answer_refusal(update: Update, context: BotContext, refusal: Refused) -> None:
    """Tell the person (an alert on a button, else a reply) and log a forged or replayed use;
    replaces handlers.common.attempt's except clauses and each handler's `_refuse`."""
    text = words(refusal, context._, wording_for(context))
    query = update.callback_query
    if refusal.is_security:
        security.warning(
            "refused %s from user %s: %s",
            "a button" if query is not None else "a message",
            context.person.id,
            refusal,
        )
    if query is not None:
        await query.answer(text, show_alert=True)
    elif update.effective_message is not None:
        await update.effective_message.reply_text(text)
