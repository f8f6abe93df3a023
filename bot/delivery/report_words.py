"""The words of report notifications, in the reader's language: a report's description,
its state, its place, how late it is, and the buttons of its cards. Reporters stay anonymous:
nothing here mentions who reported (the office alone reads the description as written)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from gettext import NullTranslations
from html import escape

from bot.core.config import Config
from bot.core.i18n import I18n
from bot.core.models import Event, Report
from bot.core.when import moment_text
from bot.delivery.parts import Button, Part, Worded, Wording
from bot.places.grid import Grid
from bot.reporting.buttons import AcceptTask, AssignReport, MarkFixed, NotMyArea, RejectReport
from bot.reporting.lifecycle import TASK_STATES, Action, State
from bot.reporting.redact import localise_placeholders, redact
from bot.reporting.voice import member_may_hear

OVERDUE_MARK = "<overdue/>"
"""Where the overdue words go in a queued text; a tag, which escaped input can never contain."""


class ReportWords:
    """Renders what a report's notifications say; the `Notifier` decides who gets which."""

    def __init__(self, *, config: Config, grid: Grid, i18n: I18n) -> None:
        self._config = config
        self._grid = grid
        self._i18n = i18n

    def translator(self, language: str) -> NullTranslations:
        return self._i18n.translator(language)

    @property
    def languages(self) -> list[str]:
        """Every language the bot speaks."""
        return self._i18n.languages

    def worded(self, wording: Wording) -> Worded:
        """A message in every language, to go in the one its reader reads when it is sent."""
        return Worded.each(self._i18n, wording)

    def task_buttons(self, report_id: int, language: str) -> tuple[tuple[Button, ...], ...]:
        _ = self.translator(language).gettext
        return (
            (
                Button(_("✅ Accept"), AcceptTask(report_id).pack()),
                Button(_("🙅 Not my area"), NotMyArea(report_id).pack()),
            ),
            (Button(_("🧹 Fixed"), MarkFixed(report_id).pack()),),
        )

    def queue_buttons(self, report_id: int, language: str) -> tuple[tuple[Button, ...], ...]:
        _ = self.translator(language).gettext
        return (
            (
                Button(_("📌 Assign"), AssignReport(report_id).pack()),
                Button(_("🚫 Reject"), RejectReport(report_id).pack()),
            ),
        )

    def describe(
        self, report: Report, language: str, *, deadlines: bool = True, for_office: bool = False
    ) -> str:
        """Category, place, description and deadlines: never the reporter. The office reads
        the description as written; everyone else its public form (see `public_text`)."""
        _ = self.translator(language).gettext
        if report.is_order:
            lines = [_("📜 Rectification order from the town office")]
        else:
            lines = [
                _("Category: {category}").format(
                    category=self.category_label(report.category, language)
                )
            ]
        lines.append(_("Place: {place}").format(place=self.place(report, language)))
        text = report.description if for_office else self.public_text(report, language)
        if text:
            lines.append(_("Description: {text}").format(text=escape(text)))
        if report.has_voice and not member_may_hear(report):
            lines.append(_("🎤 The reporter left a voice description that only the office hears."))
        if report.voice_relay:
            lines.append(
                _("🗣 The office passes it on: {words}").format(words=escape(report.voice_relay))
            )
        if report.duplicates:
            lines.append(
                _("👥 +{count} more villagers reported this").format(count=report.duplicates)
            )
        if (
            deadlines
            and report.fix_due_at
            and report.state in (State.ASSIGNED, State.ACCEPTED, State.REOPENED)
        ):
            if report.ack_due_at and report.state != State.ACCEPTED:
                lines.append(
                    _("Accept by: {when}").format(when=self.local_time(report.ack_due_at, language))
                )
            lines.append(
                _("Fix by: {when}").format(when=self.local_time(report.fix_due_at, language))
            )
        return "\n".join(lines)

    def public_text(self, report: Report, language: str) -> str | None:
        """The description as anyone but the office reads it: scrubbed at submission of phone
        and ID numbers and the reporter's name, the placeholders in the reader's words (a
        report stored before that scrubbing is scrubbed of numbers here)."""
        _ = self.translator(language).gettext
        if report.public_description is not None:
            return localise_placeholders(report.public_description, _)
        return redact(report.description, None, _) if report.description else None

    def status_label(self, state: State, language: str) -> str:
        _ = self.translator(language).gettext
        return {
            State.SUBMITTED: _("waiting for the office"),
            State.ASSIGNED: _("sent to the grid member"),
            State.ACCEPTED: _("being handled"),
            State.FIXED: _("fixed, waiting for your check"),
            State.CLOSED: _("closed"),
            State.REOPENED: _("reopened"),
            State.DUPLICATE: _("already known (+1)"),
            State.REJECTED: _("not taken up"),
        }[state]

    def category_label(self, key: str, language: str) -> str:
        category = self._config.categories.get(key)
        return escape(category.label.get(language)) if category else escape(key)

    def place(self, report: Report, language: str) -> str:
        return self.place_name(report.hamlet_id, report.village_id, language)

    def place_name(self, hamlet_id: str | None, village_id: str | None, language: str) -> str:
        _ = self.translator(language).gettext
        hamlet = self._grid.hamlets.get(hamlet_id or "")
        village = self._grid.villages.get(village_id or "")
        if hamlet is None and village is not None:
            return escape(
                _("{village} (the whole village)").format(village=village.label(language))
            )
        if hamlet is None:
            return _("not matched to a hamlet")
        village = self._grid.villages[hamlet.village_id]
        return escape(f"{hamlet.label(language)} · {village.label(language)}")

    def local_time(self, moment: datetime, language: str) -> str:
        """A moment as this reader reads it, in when.py's one form (issue #14)."""
        return moment_text(moment, language, self._config.general.tz)

    def render_at_send(self, part: Part, now: datetime) -> Part:
        """The outbox's render hook: "overdue 12 h" as of `now`, the moment the part is sent,
        so a message held through quiet hours is not an hour or nine behind what it says."""
        due, language = part.render
        label = self.overdue_label(datetime.fromisoformat(due), now, language)
        return replace(part, text=(part.text or "").replace(OVERDUE_MARK, label), render=())

    def overdue_label(self, due: datetime, now: datetime, language: str) -> str:
        """ "⏰ overdue 5 h", or less than an hour."""
        _ = self.translator(language).gettext
        hours = int((now - due).total_seconds() // 3600)
        if hours < 1:
            return "⏰ " + _("overdue less than 1 h")
        return "⏰ " + _("overdue {hours} h").format(hours=hours)

    def deadline_status(
        self, report: Report, events: list[Event], now: datetime, language: str
    ) -> list[str]:
        """Lines for a task card: how overdue it is, and the ladder's latest step."""
        _ = self.translator(language).gettext
        lines = []
        if report.state in TASK_STATES and report.fix_due_at and report.fix_due_at < now:
            lines.append(self.overdue_label(report.fix_due_at, now, language))
        elif (
            report.state in (State.ASSIGNED, State.REOPENED)
            and report.ack_due_at
            and report.ack_due_at < now
        ):
            lines.append(
                self.overdue_label(report.ack_due_at, now, language) + " " + _("(not accepted)")
            )
        ladder = [e for e in events if e.action in (Action.REMIND, Action.ESCALATE)]
        if ladder and report.state in TASK_STATES:
            last = ladder[-1]
            told = {
                "member": _("🔔 reminded {when}"),
                "lead": _("📣 the village lead was told {when}"),
                "office": _("📣 the office was told {when}"),
            }
            rung = (last.note or "").partition(":")[2]
            lines.append(
                told.get(rung, told["member"]).format(when=self.local_time(last.at, language))
            )
        return lines

    def names_of(self, user_ids: list[int]) -> list[str]:
        """The names the configuration gives these grid members and village leads."""
        names = {member.user_id: member.name for member in self._config.grid_members}
        names |= {lead.user_id: lead.name for lead in self._config.village_leads}
        return [names[user_id] for user_id in user_ids if user_id in names]
