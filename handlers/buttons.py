"""Every inline button the bot makes, declared once with named, typed fields (issue 12).

Each class packs to `v2:<prefix>:<field>:…` (see `bot.core.callbacks.CallbackData`); the prefix is
the v1 action code it replaces, so the migration of a handler is mechanical:

    callbacks.encode(PICK_VILLAGE, village.id)  →  ReportVillage(village.id).pack()
    callbacks.pattern(PICK_VILLAGE)             →  ReportVillage.pattern()
    callbacks.decode(query.data).str_arg()      →  ReportVillage.parse(query.data).village_id

The table old code → new class, one row per code, is `docs/callback-map.md`. Two fields
change shape on the way: `nsw:on|off` becomes a bool (`v2:nsw:1|0`), and `sd:-1` stays
`ScheduleDay(bot.schedules.recurrence.LAST_DAY)`. The report-card buttons the notifier renders
live in `bot.reporting.buttons` (bot/ never imports handlers/) and are re-exported here.
"""

from __future__ import annotations

from bot.core.callbacks import CallbackData
from bot.delivery.audiences import AudienceKind
from bot.people.directory import Role
from bot.reporting.buttons import (
    AcceptTask,
    AssignReport,
    ConfirmFixed,
    MarkFixed,
    NotMyArea,
    RejectReport,
    StillThere,
)
from bot.schedules.recurrence import Repeat
from bot.schedules.service import ScheduleKind

__all__ = [
    "AcceptTask",
    "AssignReport",
    "ConfirmFixed",
    "MarkFixed",
    "NotMyArea",
    "RejectReport",
    "StillThere",
]

# -- everyone: language ---------------------------------------------------------------------------


class ChooseLanguage(CallbackData, prefix="lang"):
    """/lang: switch the person's language to a catalogue code."""

    language: str


# -- the office routes a report (handlers.office) -------------------------------------------------


class AssignVillage(CallbackData, prefix="oav"):
    """Assign, step 1: the village the report goes to."""

    report_id: int
    village_id: str


class AssignHamlet(CallbackData, prefix="oah"):
    """Assign, step 2: the hamlet (one with a grid member) the report goes to."""

    report_id: int
    hamlet_id: str


# -- a grid member works a report (handlers.tasks) -----------------------------------------------


class SkipFixNote(CallbackData, prefix="fsk"):
    """After the after-photo: no note."""


# -- a villager reports (handlers.reporting) -----------------------------------------------------


class ReportVillage(CallbackData, prefix="rv"):
    """The village of the problem, picked by name."""

    village_id: str


class ReportHamlet(CallbackData, prefix="rh"):
    """The hamlet of the problem, picked by name."""

    hamlet_id: str


class ReportCategory(CallbackData, prefix="rc"):
    """What kind of problem (a `[categories]` key of the configuration)."""

    category: str


class SubmitReport(CallbackData, prefix="rs"):
    """Send the confirmed report."""


class ReportBack(CallbackData, prefix="rb"):
    """One step back in the report."""


class ReportCancel(CallbackData, prefix="rx"):
    """Drop the report being written."""


# -- where a villager lives, notices on or off (handlers.news) ------------------------------------


class HomeVillage(CallbackData, prefix="hv"):
    """The village the person lives in."""

    village_id: str


class HomeHamlet(CallbackData, prefix="hh"):
    """The hamlet the person lives in."""

    hamlet_id: str


class SkipHome(CallbackData, prefix="hsk"):
    """Do not say where one lives (asked again only with /home)."""


class HomeBack(CallbackData, prefix="hbk"):
    """From the hamlets back to the villages."""


class SwitchNotices(CallbackData, prefix="nsw"):
    """Turn office notices on (True) or off (False)."""

    on: bool


# -- the office sends a notice (handlers.notices) -------------------------------------------------


class NoticeAudience(CallbackData, prefix="na"):
    """Who receives the notice."""

    kind: AudienceKind


class NoticeToggleVillage(CallbackData, prefix="nv"):
    """Tick or untick a village of the audience."""

    village_id: str


class NoticeVillagesDone(CallbackData, prefix="nvd"):
    """The ticked villages are the audience."""


class NoticeHamletVillage(CallbackData, prefix="nhv"):
    """The village whose hamlets to offer."""

    village_id: str


class NoticeHamlet(CallbackData, prefix="nh"):
    """The one hamlet that receives the notice."""

    hamlet_id: str


class NoticeDepartment(CallbackData, prefix="ndp"):
    """The department (a `[departments]` key) that receives the notice."""

    department: str


class NoticeAddLanguage(CallbackData, prefix="ntl"):
    """Add a translation in this language."""

    language: str


class NoticePreview(CallbackData, prefix="ntd"):
    """No more translations: show the preview."""


class NoticeSendNow(CallbackData, prefix="nsn"):
    """Send the notice as soon as it is confirmed."""


class NoticeSendLater(CallbackData, prefix="nsl"):
    """Ask when to send the notice."""


class NoticeConfirm(CallbackData, prefix="nok"):
    """Confirm the previewed notice."""


class NoticeAbandon(CallbackData, prefix="nxx"):
    """Leave the notice flow; nothing is sent."""


class CancelNotice(CallbackData, prefix="ncx"):
    """Cancel a scheduled or sending notice from its progress message."""

    notice_id: int


# -- the office adds a schedule (handlers.new_schedule) -------------------------------------------


class NewSchedule(CallbackData, prefix="sn"):
    """➕ under /schedules: start a new schedule."""


class ScheduleKindChosen(CallbackData, prefix="sk"):
    """Cleanup, inspection or a custom reminder."""

    kind: ScheduleKind


class ScheduleRepeat(CallbackData, prefix="sr"):
    """How often it runs."""

    repeat: Repeat


class ScheduleToggleWeekday(CallbackData, prefix="sw"):
    """Tick or untick a weekday (0 is Monday)."""

    weekday: int


class ScheduleWeekdaysDone(CallbackData, prefix="swd"):
    """The ticked weekdays are the recurrence."""


class ScheduleQuarterMonth(CallbackData, prefix="sq"):
    """The month within each quarter, 1–3."""

    month: int


class ScheduleMonth(CallbackData, prefix="smo"):
    """The month of a yearly schedule, 1–12."""

    month: int


class ScheduleDay(CallbackData, prefix="sd"):
    """The day of the month, 1–28, or `bot.schedules.recurrence.LAST_DAY`."""

    day: int


class ScheduleTime(CallbackData, prefix="st"):
    """A common time of day, local, as HHMM (e.g. "0800")."""

    at: str


class ScheduleAudience(CallbackData, prefix="sa"):
    """Who the schedule's messages are for."""

    kind: AudienceKind


class ScheduleVillage(CallbackData, prefix="sv"):
    """A village, for a village audience or its staff (the kind says which)."""

    kind: AudienceKind
    village_id: str


class ScheduleHamletVillage(CallbackData, prefix="shv"):
    """The village whose hamlets to offer."""

    village_id: str


class ScheduleHamlet(CallbackData, prefix="sh"):
    """The one hamlet the schedule is for."""

    hamlet_id: str


class ScheduleDepartment(CallbackData, prefix="sdp"):
    """The department the schedule is for."""

    department: str


class ScheduleSuggestedTitle(CallbackData, prefix="sts"):
    """Take the suggested title."""


class ScheduleStandardMessage(CallbackData, prefix="ssm"):
    """Take the standard message of the kind."""


class ScheduleToggleReminder(CallbackData, prefix="srm"):
    """Tick or untick an offered advance reminder (its index in OFFERED_REMINDERS)."""

    index: int


class ScheduleRemindersDone(CallbackData, prefix="srd"):
    """The ticked reminders are chosen: show the preview."""


class SaveSchedule(CallbackData, prefix="ssv"):
    """Save the previewed schedule."""


class ScheduleAbandon(CallbackData, prefix="sxx"):
    """Leave the schedule flow; nothing is saved."""


# -- the office's list of schedules (handlers.schedules) -----------------------------------------


class PauseSchedule(CallbackData, prefix="sp"):
    """⏸ Pause a schedule."""

    schedule_id: int


class ResumeSchedule(CallbackData, prefix="su"):
    """▶ Resume a schedule."""

    schedule_id: int


class DeleteSchedule(CallbackData, prefix="sdl"):
    """🗑 Ask before deleting a schedule."""

    schedule_id: int


class DeleteScheduleYes(CallbackData, prefix="sdy"):
    """Yes, delete it."""

    schedule_id: int


class DeleteScheduleNo(CallbackData, prefix="sdn"):
    """Keep it."""

    schedule_id: int


# -- the office issues a rectification order (handlers.orders) ------------------------------------


class OrderVillage(CallbackData, prefix="zv"):
    """The village the order is for."""

    village_id: str


class OrderHamlet(CallbackData, prefix="zh"):
    """The hamlet the order is for."""

    hamlet_id: str


class OrderWholeVillage(CallbackData, prefix="zw"):
    """The whole village: the order goes to the village lead."""


class OrderSkipPhoto(CallbackData, prefix="zps"):
    """No photo with the order."""


class OrderDeadline(CallbackData, prefix="zd"):
    """The deadline, in days from today."""

    days: int


class IssueOrder(CallbackData, prefix="zok"):
    """Issue the previewed order."""


class OrderAbandon(CallbackData, prefix="zxx"):
    """Leave the order flow; nothing is issued."""


# -- roles: invitations and revocations (handlers.roles) -----------------------------------------


class InviteRole(CallbackData, prefix="ivr"):
    """The role the invitation grants."""

    role: Role


class InviteVillage(CallbackData, prefix="ivv"):
    """The village of the invited village lead or grid member."""

    village_id: str


class InviteToggleHamlet(CallbackData, prefix="ivh"):
    """Tick or untick a hamlet the invited grid member looks after."""

    hamlet_id: str


class InviteHamletsDone(CallbackData, prefix="ivd"):
    """The ticked hamlets are the grid member's."""


class InviteDepartment(CallbackData, prefix="ivp"):
    """The department of the invited department member."""

    department: str


class StopInvite(CallbackData, prefix="ivx"):
    """Leave the invitation; no code is made."""


class AskRevoke(CallbackData, prefix="rvk"):
    """/team: ask before revoking this grant."""

    grant_id: int


class RevokeYes(CallbackData, prefix="rvy"):
    """Yes, revoke the grant."""

    grant_id: int


class RevokeNo(CallbackData, prefix="rvn"):
    """No, keep the role."""


# -- data rights (handlers.privacy) ---------------------------------------------------------------


class ForgetYes(CallbackData, prefix="fgy"):
    """/forgetme: yes, delete my data."""


class ForgetNo(CallbackData, prefix="fgn"):
    """/forgetme: keep it."""


# -- failed deliveries (handlers.deliveries) ------------------------------------------------------


class RetryDelivery(CallbackData, prefix="dlr"):
    """/deliveries: send a failed notification again."""

    failure_id: int
