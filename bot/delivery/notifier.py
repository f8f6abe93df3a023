"""What each person is told when a report moves, rendered in their language.

Everything here is added to the outbox inside the transaction that changed the report, so
a notification exists exactly when the change does. Each is worded in every language
(`Worded`) and goes in the one its reader reads when it is sent. Reporters stay anonymous:
nothing rendered for grid members, leads or departments mentions who reported.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape

from bot.core.config import Config
from bot.core.i18n import I18n
from bot.core.models import FORGOTTEN_REPORTER, Report, ReportMedia
from bot.delivery.cards import card_parts, photo_parts
from bot.delivery.outbox import Button, Notification, Outbox, Part
from bot.delivery.parts import Wording
from bot.delivery.report_words import OVERDUE_MARK, ReportWords
from bot.delivery.routing import assignees_of, responsible_for
from bot.people.directory import People
from bot.places.grid import Grid
from bot.reporting.buttons import ConfirmFixed, StillThere
from bot.reporting.lifecycle import State
from bot.reporting.voice import RelayVoice, member_may_hear
from storage.reports import followers_of
from storage.transaction import Transaction

Words = Callable[[Callable[[str], str]], str]
"""A message in the reader's words: given their translator, the text."""

__all__ = ["Notifier", "assignees_of", "responsible_for"]
"""`assignees_of` and `responsible_for` live in `routing`; named here too, where callers
have always found them."""


class Notifier(ReportWords):
    """Who is told what when a report moves (the words are `ReportWords`')."""

    def __init__(
        self,
        *,
        config: Config,
        grid: Grid,
        people: People,
        i18n: I18n,
        outbox: Outbox,
    ) -> None:
        super().__init__(config=config, grid=grid, i18n=i18n)
        self._people = people
        self._outbox = outbox
        outbox.render_with(self.render_at_send)

    # -- what the grid member, the office and departments receive ------------------------

    async def new_task(
        self, connection: Transaction, report: Report, media: ReportMedia, *, reason: str
    ) -> None:
        """The task card for everyone who works the report; `reason`: new/reopened/assigned/
        order."""

        def card(language: str) -> tuple[Part, ...]:
            _ = self.translator(language).gettext
            headline = {
                "new": _("📋 New report {number} in your area"),
                "reopened": _("🔁 {number} was reopened: the reporter says it is still there"),
                "assigned": _("📋 The office assigned {number} to you"),
                "order": _("📜 Rectification order {number} from the town office"),
            }[reason].format(number=report.number)
            text = "\n".join([f"<b>{headline}</b>", self.describe(report, language)])
            buttons = self.task_buttons(report.id, language)
            return card_parts(report, media, text, buttons, pin=True)

        await self._add_each(connection, assignees_of(report, self._people), card, report)

    async def office_copy(
        self, connection: Transaction, report: Report, media: ReportMedia, *, headline: str
    ) -> None:
        """A copy for the office; unrouted reports carry Assign / Reject buttons."""

        def card(language: str) -> tuple[Part, ...]:
            _ = self.translator(language).gettext
            title = {
                "new": _("🆕 New report {number}"),
                "queue": _("📥 {number} needs the office: nobody could be routed"),
                "reopened": _("🔁 {number} was reopened by the reporter"),
                "order": _("📜 Rectification order {number} issued"),
            }[headline].format(number=report.number)
            text = "\n".join([f"<b>{title}</b>", self.describe(report, language, for_office=True)])
            buttons = (
                self.queue_buttons(report.id, language) if report.state == State.SUBMITTED else ()
            )
            if media.voice and not member_may_hear(report):
                relay = Button(_("🗣 Pass the voice on in words"), RelayVoice(report.id).pack())
                buttons = (*buttons, (relay,))
            return card_parts(report, media, text, buttons, voice=media.voice is not None)

        await self._add_each(connection, self._people.office_recipients(), card, report)

    async def returned_to_office(
        self, connection: Transaction, report: Report, media: ReportMedia, reason: str
    ) -> None:
        """Handed back with 🙅: the office sees where the villager said it was, the photo and
        the grid member's reason, with Assign / Reject."""

        def card(language: str) -> tuple[Part, ...]:
            _ = self.translator(language).gettext
            text = "\n".join(
                [
                    "<b>"
                    + _("↩️ {number}: the grid member says it is not their area").format(
                        number=report.number
                    )
                    + "</b>",
                    _("Reason: {reason}").format(reason=escape(reason)),
                    self.describe(report, language, for_office=True),
                ]
            )
            return card_parts(report, media, text, self.queue_buttons(report.id, language))

        await self._add_each(connection, self._people.office_recipients(), card, report)

    async def closed_for_office(self, connection: Transaction, report: Report) -> None:
        """The reporter confirmed the fix: the office, which saw the report come in, sees it
        closed too; so do the grid member who fixed it and the "+1" reporters."""

        def closed(language: str) -> tuple[Part, ...]:
            _ = self.translator(language).gettext
            title = _("✅ {number} is closed: the reporter confirmed the fix").format(
                number=report.number
            )
            description = self.describe(report, language, deadlines=False, for_office=True)
            return (Part("text", text="\n".join([f"<b>{title}</b>", description])),)

        await self._add_each(connection, self._people.office_recipients(), closed, report)
        await self._tell_worker(
            connection,
            report,
            lambda _: (
                _("👍 {number} is closed: the office confirmed your fix. Thank you!")
                if report.is_order
                else _("👍 {number} is closed: the reporter confirmed your fix. Thank you!")
            ).format(number=report.number),
        )
        await self._tell_followers(
            connection,
            report,
            lambda _: _("✅ {number} is closed: the reporter confirmed the fix").format(
                number=report.number
            ),
        )

    async def department_copy(
        self, connection: Transaction, report: Report, media: ReportMedia
    ) -> None:
        """A copy for the category's department: its group, or else each invited member."""
        category = self._config.categories.get(report.category)
        department = category.department if category else None
        if department is None:
            return
        chat_id = self._people.department_chats.get(department)
        recipients = (
            [chat_id] if chat_id is not None else self._people.members_of_department(department)
        )

        def card(language: str) -> tuple[Part, ...]:
            _ = self.translator(language).gettext
            title = _("For your department: report {number}").format(number=report.number)
            text = "\n".join([f"<b>{title}</b>", self.describe(report, language)])
            return card_parts(report, media, text, (), pin=True)

        await self._add_each(connection, recipients, card, report)

    # -- what the reporter is told ----------------------------------------------------------

    async def tell_reporter(
        self,
        connection: Transaction,
        report: Report,
        message: Words,
        *,
        hold_at_night: bool = False,
    ) -> None:
        """A status line for the reporter, and for the "+1" reporters who follow the report;
        `message` picks the text with each one's translator."""
        await self._tell_followers(connection, report, message, hold_at_night)
        if report.reporter_id == FORGOTTEN_REPORTER:
            return
        await self._say(connection, [report.reporter_id], message, report, hold_at_night)

    async def _tell_followers(
        self, connection: Transaction, report: Report, message: Words, held: bool = False
    ) -> None:
        """The reporter's words for each "+1" reporter, under a line that says which of their
        reports it is about (`held`: through quiet hours)."""
        for follower in await followers_of(connection, report.id):

            def about(_: Callable[[str], str], number: str = follower.number) -> str:
                header = _("Your report {number} is about the same place as {original}:")
                return "\n".join([header.format(number=number, original=report.number), message(_)])

            await self._say(connection, [follower.reporter_id], about, follower, held)

    async def _tell_worker(
        self,
        connection: Transaction,
        report: Report,
        message: Words,
    ) -> None:
        """A line for whoever worked the report (the one who accepted it, else everyone it
        was assigned to), in their language."""
        workers = [report.accepted_by] if report.accepted_by else assignees_of(report, self._people)
        await self._say(connection, workers, message, report)

    async def tell(
        self,
        connection: Transaction,
        chat_id: int,
        render: Callable[[str, Callable[[str], str]], str],
    ) -> None:
        """One line for one person; `render(language, _)` writes it in a language (each)."""
        await self._add_each(
            connection,
            [chat_id],
            lambda language: (
                Part("text", text=render(language, self.translator(language).gettext)),
            ),
        )

    async def ask_reporter_to_confirm(
        self, connection: Transaction, report: Report, media: ReportMedia
    ) -> None:
        """The after-photo with "Fixed 👍" / "Still there 👎"; the "+1" reporters hear of the
        fix (only the reporter answers)."""
        await self._tell_followers(
            connection,
            report,
            lambda _: _("🧹 {number} has been marked fixed.").format(number=report.number),
        )
        if report.reporter_id == FORGOTTEN_REPORTER:
            return
        photo = tuple(photo_parts("photo", media.after_photos[-1:]))

        def question(language: str) -> tuple[Part, ...]:
            _ = self.translator(language).gettext
            lines = [
                "<b>"
                + _("🧹 {number} has been marked fixed. Is it really clean now?").format(
                    number=report.number
                )
                + "</b>"
            ]
            if report.fix_note:
                lines.append(
                    _("Note from the grid member: {note}").format(note=escape(report.fix_note))
                )
            buttons = (
                (
                    Button(_("Fixed 👍"), ConfirmFixed(report.id).pack()),
                    Button(_("Still there 👎"), StillThere(report.id).pack()),
                ),
            )
            return (*photo, Part("text", text="\n".join(lines), buttons=buttons))

        await self._add_each(connection, [report.reporter_id], question, report)

    async def voice_relayed(self, connection: Transaction, report: Report) -> None:
        """The office's words for a voice description only it hears, to whoever works the
        report."""

        def relayed(language: str) -> tuple[Part, ...]:
            _ = self.translator(language).gettext
            title = _("🗣 The office passes on the voice description of {number}").format(
                number=report.number
            )
            return (
                Part("text", text="\n".join([f"<b>{title}</b>", escape(report.voice_relay or "")])),
            )

        await self._add_each(connection, assignees_of(report, self._people), relayed, report)

    # -- deadlines: reminders, escalations, auto-close --------------------------------------

    async def deadline_reminder(
        self,
        connection: Transaction,
        report: Report,
        deadline: str,
        chats: list[int],
    ) -> None:
        """Before a deadline: the task card again, with the time left (held at night)."""
        due = report.ack_due_at if deadline == "ack" else report.fix_due_at
        assert due is not None

        def reminder(language: str) -> tuple[Part, ...]:
            _ = self.translator(language).gettext
            if deadline == "ack":
                title = _("⏰ Reminder: please accept {number} by {when}")
            else:
                title = _("⏰ Reminder: {number} should be fixed by {when}")
            title = title.format(number=report.number, when=self.local_time(due, language))
            text = "\n".join([f"<b>{title}</b>", self.describe(report, language)])
            return (Part("text", text=text, buttons=self.task_buttons(report.id, language)),)

        await self._add_each(connection, chats, reminder, report, hold_at_night=True)

    async def overdue(
        self,
        connection: Transaction,
        report: Report,
        deadline: str,
        leads: list[int] | None,
    ) -> None:
        """Past a deadline: to the village `leads` (held at night), or else to the office
        (never held); how late is worded when it is sent (`render_at_send`)."""
        due = report.ack_due_at if deadline == "ack" else report.fix_due_at
        assert due is not None
        chats = leads if leads else self._people.office_recipients()
        names = self.names_of(assignees_of(report, self._people))

        def overdue(language: str) -> tuple[Part, ...]:
            _ = self.translator(language).gettext
            if deadline == "ack":
                title = _("⚠️ {number} was not accepted by {when}")
            else:
                title = _("⚠️ {number} was not fixed by {when}")
            title = title.format(number=report.number, when=self.local_time(due, language))
            lines = [f"<b>{title}</b>", OVERDUE_MARK]
            if names:
                lines.append(_("Responsible: {names}").format(names=escape(", ".join(names))))
            lines.append(self.describe(report, language, for_office=not leads))
            return (Part("text", text="\n".join(lines), render=(due.isoformat(), language)),)

        await self._add_each(connection, chats, overdue, report, hold_at_night=bool(leads))

    async def auto_closed(self, connection: Transaction, report: Report, days: float) -> None:
        """Closed without the reporter's answer: the office is told, the grid member who fixed
        it, the villager and the "+1" reporters."""

        def for_office(language: str) -> tuple[Part, ...]:
            _ = self.translator(language).gettext
            title = _("✅ {number} closed without reporter feedback ({days:g} days after the fix)")
            text = "\n".join(
                [
                    "<b>" + title.format(number=report.number, days=days) + "</b>",
                    self.describe(report, language, deadlines=False, for_office=True),
                ]
            )
            return (Part("text", text=text),)

        await self._add_each(connection, self._people.office_recipients(), for_office, report)
        await self._tell_worker(
            connection,
            report,
            lambda _: _(
                "✅ {number} is closed: the reporter did not answer within {days:g} days of "
                "your fix."
            ).format(number=report.number, days=days),
        )
        if report.is_order:
            return

        def closed(_: Callable[[str], str]) -> str:
            return _(
                "✅ Report {number} is closed: it was marked fixed {days:g} days ago and we did "
                "not hear back. If the problem is back, please report it again."
            ).format(number=report.number, days=days)

        await self.tell_reporter(connection, report, closed, hold_at_night=True)

    async def _say(
        self,
        connection: Transaction,
        chats: list[int],
        message: Words,
        report: Report,
        hold_at_night: bool = False,
    ) -> None:
        """One text message about `report` to each of `chats`."""
        await self._add_each(
            connection,
            chats,
            lambda language: (Part("text", text=message(self.translator(language).gettext)),),
            report,
            hold_at_night=hold_at_night,
        )

    async def _add_each(
        self,
        connection: Transaction,
        chats: list[int],
        wording: Wording,
        report: Report | None = None,
        *,
        hold_at_night: bool = False,
    ) -> None:
        """The same message to each of `chats`, worded once per language; `report` is named in
        the notification's meta, so a failed delivery can say which."""
        if not chats:
            return
        worded = self.worded(wording)
        meta = {"report": report.number} if report is not None else {}
        await self._outbox.add_many(
            connection,
            [
                Notification(chat_id, worded, hold_at_night=hold_at_night, meta=meta)
                for chat_id in chats
            ],
        )
