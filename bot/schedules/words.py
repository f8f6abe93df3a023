"""What people read about schedules, in their language: the message a firing sends (the event,
or an advance reminder saying when it is), and the descriptions the office's list and preview
show (kind, title, recurrence, audience, reminders)."""

from __future__ import annotations

import html
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.core.i18n import I18n
from bot.core.when import ahead, clock_text, day_text, moment_text
from bot.delivery.audiences import Audiences
from bot.delivery.outbox import Part
from bot.delivery.quiet_hours import QuietHours
from bot.schedules.model import WEEKDAY_LABELS, NewSchedule, ScheduleKind
from bot.schedules.recurrence import LAST_DAY, Advance, Firing, Recurrence, Repeat


class ScheduleWords:
    """Renders schedules and their firings in the reader's language and the town's time zone."""

    def __init__(
        self, *, i18n: I18n, tz: ZoneInfo, quiet: QuietHours, audiences: Audiences
    ) -> None:
        self._i18n = i18n
        self._tz = tz
        self._quiet = quiet
        self._audiences = audiences

    def render(
        self, schedule: NewSchedule, firing: Firing, language: str, now: datetime | None = None
    ) -> tuple[Part, ...]:
        """The message for one recipient: the event itself with its message, or an advance
        reminder saying when it is ("tomorrow 08:00"), as read when it arrives: queued `now`
        (later than its moment when the bot was down or the clock jumped), after quiet hours
        if it is held. The event's own message is for the day itself ("today is…"), so a
        reminder does not repeat it."""
        _ = self._i18n.translator(language).gettext
        heading = f"{self.kind_label(schedule.kind, language)}: {self.title(schedule, language)}"
        if not firing.is_event:
            # read to the minute, as a clock is: a reminder sent within its minute is on time
            minute = now.replace(second=0, microsecond=0) if now is not None else firing.at
            sent = max(firing.at, minute)
            seen = self._quiet.release(sent) or sent
            when = ahead(
                firing.occurrence, seen, language, self._tz, self._i18n.translator(language)
            )
            lines = [
                "<b>" + html.escape(_("⏰ Reminder — {heading}").format(heading=heading)) + "</b>",
                _("Coming up: {when}").format(when=when),
            ]
            return (Part("text", text="\n".join(lines)),)
        message = schedule.message.get(language) or schedule.message.get(
            self._i18n.default_language, ""
        )
        lines = [f"<b>{html.escape(heading)}</b>"]
        return (Part("text", text="\n".join(lines) + "\n\n" + html.escape(message)),)

    def title(self, schedule: NewSchedule, language: str) -> str:
        return schedule.title.get(language) or schedule.title.get(self._i18n.default_language, "")

    def kind_label(self, kind: ScheduleKind, language: str) -> str:
        _ = self._i18n.translator(language).gettext
        return {
            ScheduleKind.CLEANUP: _("🧹 Cleanup day"),
            ScheduleKind.INSPECTION: _("🔍 Inspection"),
            ScheduleKind.CUSTOM: _("📢 Notice"),
        }[kind]

    def describe(self, schedule: NewSchedule, language: str) -> str:
        """Kind, title, when, to whom and reminders — for the list and the preview."""
        _ = self._i18n.translator(language).gettext
        lines = [
            "<b>"
            + html.escape(
                f"{self.kind_label(schedule.kind, language)}: {self.title(schedule, language)}"
            )
            + "</b>",
            _("When: {when}").format(when=self.recurrence_text(schedule.recurrence, language)),
            _("To: {audience}").format(
                audience=html.escape(self._audiences.describe(schedule.audience, language))
            ),
        ]
        if schedule.reminders:
            lines.append(
                _("Reminders: {reminders}").format(
                    reminders=", ".join(self.reminder_text(r, language) for r in schedule.reminders)
                )
            )
        return "\n".join(lines)

    def recurrence_text(self, recurrence: Recurrence, language: str) -> str:
        _ = self._i18n.translator(language).gettext
        at = clock_text(recurrence.at)
        day = _("the last day") if recurrence.day == LAST_DAY else str(recurrence.day)
        match recurrence.repeat:
            case Repeat.DAILY:
                return _("every day at {time}").format(time=at)
            case Repeat.WEEKLY:
                days = ", ".join(_(WEEKDAY_LABELS[index]) for index in sorted(recurrence.weekdays))
                return _("every week on {days} at {time}").format(days=days, time=at)
            case Repeat.MONTHLY:
                return _("every month on day {day} at {time}").format(day=day, time=at)
            case Repeat.QUARTERLY:
                assert recurrence.month is not None
                months = "/".join(str(recurrence.month + 3 * k) for k in range(4))
                return _("every quarter (months {months}) on day {day} at {time}").format(
                    months=months, day=day, time=at
                )
            case Repeat.YEARLY:
                return _("every year, month {month}, on day {day} at {time}").format(
                    month=recurrence.month, day=day, time=at
                )
            case Repeat.ONCE:
                assert recurrence.on is not None
                return _("once, on {date} at {time}").format(
                    date=day_text(recurrence.on, language), time=at
                )

    def reminder_text(self, advance: Advance, language: str) -> str:
        _ = self._i18n.translator(language).gettext
        if advance.at is not None:
            at = clock_text(advance.at)
            if advance.days_before == 0:
                return _("on the day at {time}").format(time=at)
            if advance.days_before == 1:
                return _("the day before at {time}").format(time=at)
            return _("{days} days before at {time}").format(days=advance.days_before, time=at)
        if advance.minutes_before % 60 == 0:
            return _("{hours} h before").format(hours=advance.minutes_before // 60)
        return _("{minutes} min before").format(minutes=advance.minutes_before)

    def local_time(self, moment: datetime, language: str) -> str:
        """ "Sat 5 Dec 08:00" / "12月5日 周六 08:00" in the town's timezone."""
        return moment_text(moment, language, self._tz)
