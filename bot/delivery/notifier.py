"""What each person is told when a report moves, rendered in their language.

Everything here is added to the outbox inside the transaction that changed the report, so
a notification exists exactly when the change does. Reporters stay anonymous: nothing
rendered for grid members, leads or departments mentions who reported.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from gettext import NullTranslations
from html import escape, unescape

from bot.core.config import Config
from bot.core.i18n import I18n
from bot.core.models import FORGOTTEN_REPORTER, Event, MediaRef, Report, ReportMedia
from bot.delivery.outbox import Button, Notification, Outbox, Part
from bot.people.directory import People
from bot.places.grid import Grid
from bot.reporting.buttons import (
    AcceptTask,
    AssignReport,
    ConfirmFixed,
    MarkFixed,
    NotMyArea,
    RejectReport,
    StillThere,
)
from bot.reporting.lifecycle import TASK_STATES, Action, State
from bot.reporting.redact import localise_placeholders, redact
from bot.reporting.voice import RelayVoice, member_may_hear
from storage.reports import followers_of
from storage.transaction import Transaction
from storage.users import UserRepository

MAX_CAPTION = 1024
OVERDUE_MARK = "<overdue/>"
"""Where the overdue words go in a queued text; a tag, which escaped input can never contain."""
_TAG = re.compile(r"<[^>]*>")


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


class Notifier:
    def __init__(
        self,
        *,
        config: Config,
        grid: Grid,
        people: People,
        i18n: I18n,
        users: UserRepository,
        outbox: Outbox,
    ) -> None:
        self._config = config
        self._grid = grid
        self._people = people
        self._i18n = i18n
        self._users = users
        self._outbox = outbox
        outbox.render_with(self.render_at_send)

    async def language_of(self, chat_id: int) -> str:
        """A person's chosen language; group chats get the default."""
        if chat_id < 0:
            return self._i18n.default_language
        return self._i18n.pick(await self._users.language(chat_id))

    def translator(self, language: str) -> NullTranslations:
        return self._i18n.translator(language)

    # -- what the grid member, the office and departments receive ------------------------

    async def new_task(
        self, connection: Transaction, report: Report, media: ReportMedia, *, reason: str
    ) -> None:
        """The task card for everyone who works the report; `reason`: new/reopened/assigned/
        order."""
        for chat_id in assignees_of(report, self._people):
            language = await self.language_of(chat_id)
            _ = self.translator(language).gettext
            headline = {
                "new": _("📋 New report {number} in your area"),
                "reopened": _("🔁 {number} was reopened: the reporter says it is still there"),
                "assigned": _("📋 The office assigned {number} to you"),
                "order": _("📜 Rectification order {number} from the town office"),
            }[reason].format(number=report.number)
            text = "\n".join([f"<b>{headline}</b>", self.describe(report, language)])
            buttons = self.task_buttons(report.id, language)
            await self._add(
                connection, chat_id, _card(report, media, text, buttons, pin=True), report=report
            )

    def task_buttons(self, report_id: int, language: str) -> tuple[tuple[Button, ...], ...]:
        _ = self.translator(language).gettext
        return (
            (
                Button(_("✅ Accept"), AcceptTask(report_id).pack()),
                Button(_("🙅 Not my area"), NotMyArea(report_id).pack()),
            ),
            (Button(_("🧹 Fixed"), MarkFixed(report_id).pack()),),
        )

    async def office_copy(
        self, connection: Transaction, report: Report, media: ReportMedia, *, headline: str
    ) -> None:
        """A copy for the office; unrouted reports carry Assign / Reject buttons."""
        for chat_id in self._people.office_recipients():
            language = await self.language_of(chat_id)
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
            await self._add(
                connection,
                chat_id,
                _card(report, media, text, buttons, voice=media.voice is not None),
                report=report,
            )

    def queue_buttons(self, report_id: int, language: str) -> tuple[tuple[Button, ...], ...]:
        _ = self.translator(language).gettext
        return (
            (
                Button(_("📌 Assign"), AssignReport(report_id).pack()),
                Button(_("🚫 Reject"), RejectReport(report_id).pack()),
            ),
        )

    async def returned_to_office(
        self, connection: Transaction, report: Report, reason: str
    ) -> None:
        for chat_id in self._people.office_recipients():
            language = await self.language_of(chat_id)
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
            await self._add(
                connection,
                chat_id,
                (Part("text", text=text, buttons=self.queue_buttons(report.id, language)),),
                report=report,
            )

    async def closed_for_office(self, connection: Transaction, report: Report) -> None:
        """The reporter confirmed the fix: the office, which saw the report come in, sees it
        closed too; so do the grid member who fixed it and the "+1" reporters."""
        for chat_id in self._people.office_recipients():
            language = await self.language_of(chat_id)
            _ = self.translator(language).gettext
            title = _("✅ {number} is closed: the reporter confirmed the fix").format(
                number=report.number
            )
            description = self.describe(report, language, deadlines=False, for_office=True)
            text = "\n".join([f"<b>{title}</b>", description])
            await self._add(connection, chat_id, (Part("text", text=text),), report=report)
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
        for recipient in recipients:
            language = await self.language_of(recipient)
            _ = self.translator(language).gettext
            title = _("For your department: report {number}").format(number=report.number)
            text = "\n".join([f"<b>{title}</b>", self.describe(report, language)])
            await self._add(
                connection, recipient, _card(report, media, text, (), pin=True), report=report
            )

    # -- what the reporter is told ----------------------------------------------------------

    async def tell_reporter(
        self,
        connection: Transaction,
        report: Report,
        message: Callable[[Callable[[str], str]], str],
    ) -> None:
        """A status line for the reporter, and for the "+1" reporters who follow the report;
        `message` picks the text with each one's translator."""
        await self._tell_followers(connection, report, message)
        if report.reporter_id == FORGOTTEN_REPORTER:
            return
        language = await self.language_of(report.reporter_id)
        text = message(self.translator(language).gettext)
        await self._add(connection, report.reporter_id, (Part("text", text=text),), report=report)

    async def _tell_followers(
        self,
        connection: Transaction,
        report: Report,
        message: Callable[[Callable[[str], str]], str],
        *,
        hold_at_night: bool = False,
    ) -> None:
        """The reporter's words for each "+1" reporter, under a line that says which of their
        reports it is about."""
        for follower in await followers_of(connection, report.id):
            language = await self.language_of(follower.reporter_id)
            _ = self.translator(language).gettext
            header = _("Your report {number} is about the same place as {original}:").format(
                number=follower.number, original=report.number
            )
            text = "\n".join([header, message(_)])
            await self._add(
                connection,
                follower.reporter_id,
                (Part("text", text=text),),
                hold_at_night=hold_at_night,
                report=follower,
            )

    async def _tell_worker(
        self,
        connection: Transaction,
        report: Report,
        message: Callable[[Callable[[str], str]], str],
    ) -> None:
        """A line for whoever worked the report (the one who accepted it, else everyone it
        was assigned to), in their language."""
        workers = [report.accepted_by] if report.accepted_by else assignees_of(report, self._people)
        for chat_id in workers:
            language = await self.language_of(chat_id)
            text = message(self.translator(language).gettext)
            await self._add(connection, chat_id, (Part("text", text=text),), report=report)

    async def tell(
        self,
        connection: Transaction,
        chat_id: int,
        render: Callable[[str, Callable[[str], str]], str],
    ) -> None:
        """One line for one person; `render(language, _)` writes it in their language."""
        language = await self.language_of(chat_id)
        text = render(language, self.translator(language).gettext)
        await self._add(connection, chat_id, (Part("text", text=text),))

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
        language = await self.language_of(report.reporter_id)
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
        parts = tuple(_photos("photo", media.after_photos[-1:]))
        await self._add(
            connection,
            report.reporter_id,
            (*parts, Part("text", text="\n".join(lines), buttons=buttons)),
            report=report,
        )

    # -- shared rendering ---------------------------------------------------------------

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
                lines.append(_("Accept by: {when}").format(when=self.local_time(report.ack_due_at)))
            lines.append(_("Fix by: {when}").format(when=self.local_time(report.fix_due_at)))
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

    def local_time(self, moment: datetime) -> str:
        return moment.astimezone(self._config.general.tz).strftime("%m-%d %H:%M")

    async def voice_relayed(self, connection: Transaction, report: Report) -> None:
        """The office's words for a voice description only it hears, to whoever works the
        report."""
        for chat_id in assignees_of(report, self._people):
            language = await self.language_of(chat_id)
            _ = self.translator(language).gettext
            title = _("🗣 The office passes on the voice description of {number}").format(
                number=report.number
            )
            text = "\n".join([f"<b>{title}</b>", escape(report.voice_relay or "")])
            await self._add(connection, chat_id, (Part("text", text=text),), report=report)

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
        for chat_id in chats:
            language = await self.language_of(chat_id)
            _ = self.translator(language).gettext
            if deadline == "ack":
                title = _("⏰ Reminder: please accept {number} by {when}")
            else:
                title = _("⏰ Reminder: {number} should be fixed by {when}")
            title = title.format(number=report.number, when=self.local_time(due))
            text = "\n".join([f"<b>{title}</b>", self.describe(report, language)])
            await self._add(
                connection,
                chat_id,
                (Part("text", text=text, buttons=self.task_buttons(report.id, language)),),
                hold_at_night=True,
                report=report,
            )

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
        for chat_id in chats:
            language = await self.language_of(chat_id)
            _ = self.translator(language).gettext
            if deadline == "ack":
                title = _("⚠️ {number} was not accepted by {when}")
            else:
                title = _("⚠️ {number} was not fixed by {when}")
            title = title.format(number=report.number, when=self.local_time(due))
            lines = [f"<b>{title}</b>", OVERDUE_MARK]
            names = self.names_of(assignees_of(report, self._people))
            if names:
                lines.append(_("Responsible: {names}").format(names=escape(", ".join(names))))
            lines.append(self.describe(report, language, for_office=not leads))
            overdue = Part("text", text="\n".join(lines), render=(due.isoformat(), language))
            await self._add(
                connection,
                chat_id,
                (overdue,),
                hold_at_night=bool(leads),
                report=report,
            )

    async def auto_closed(self, connection: Transaction, report: Report, days: float) -> None:
        """Closed without the reporter's answer: the office is told, the grid member who fixed
        it, the villager and the "+1" reporters."""
        for chat_id in self._people.office_recipients():
            language = await self.language_of(chat_id)
            _ = self.translator(language).gettext
            title = _("✅ {number} closed without reporter feedback ({days:g} days after the fix)")
            text = "\n".join(
                [
                    "<b>" + title.format(number=report.number, days=days) + "</b>",
                    self.describe(report, language, deadlines=False, for_office=True),
                ]
            )
            await self._add(connection, chat_id, (Part("text", text=text),), report=report)
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

        await self._tell_followers(connection, report, closed, hold_at_night=True)
        if report.reporter_id == FORGOTTEN_REPORTER:
            return
        language = await self.language_of(report.reporter_id)
        text = closed(self.translator(language).gettext)
        await self._add(
            connection,
            report.reporter_id,
            (Part("text", text=text),),
            hold_at_night=True,
            report=report,
        )

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
            lines.append(told.get(rung, told["member"]).format(when=self.local_time(last.at)))
        return lines

    def names_of(self, user_ids: list[int]) -> list[str]:
        """The names the configuration gives these grid members and village leads."""
        names = {member.user_id: member.name for member in self._config.grid_members}
        names |= {lead.user_id: lead.name for lead in self._config.village_leads}
        return [names[user_id] for user_id in user_ids if user_id in names]

    async def _add(
        self,
        connection: Transaction,
        chat_id: int,
        parts: tuple[Part, ...],
        *,
        hold_at_night: bool = False,
        report: Report | None = None,
    ) -> None:
        """`report` is named in the notification's meta, so a failed delivery can say which."""
        meta = {"report": report.number} if report is not None else {}
        await self._outbox.add(
            connection,
            Notification(chat_id=chat_id, parts=parts, hold_at_night=hold_at_night, meta=meta),
        )


def _photos(kind: str, refs: list[MediaRef]) -> list[Part]:
    """One photo or album part for `refs` (none if empty), pictures sent as files marked."""
    if not refs:
        return []
    return [
        Part(
            kind,
            files=tuple(ref.file_id for ref in refs),
            image_files=tuple(
                (ref.file_id, ref.local_path) for ref in refs if ref.kind == "document"
            ),
        )
    ]


def _card(
    report: Report,
    media: ReportMedia,
    text: str,
    buttons: tuple[tuple[Button, ...], ...],
    *,
    pin: bool = False,
    voice: bool = False,
) -> tuple[Part, ...]:
    """A report card as few messages as it takes: one photo with the card as its caption and
    the buttons; an album and then the card (an album has no buttons), or the photo and then
    the card when the caption would pass Telegram's limit; the card alone without a photo.

    The map pin follows, only for those who must go to the place (`pin`: the grid member, a
    department), so the card that asks for action comes first; the office reads the place in
    the card and has no use for a pin. The voice note goes to the office (`voice`), or to
    whoever works the report if the reporter let the grid member hear it.
    """
    photos = _photos("photo" if len(media.photos) == 1 else "album", media.photos)
    if len(media.photos) == 1 and caption_fits(text):
        parts = [replace(photos[0], text=text, buttons=buttons)]
    else:
        parts = [*photos, Part("text", text=text, buttons=buttons)]
    if pin and report.latitude is not None and report.longitude is not None:
        parts.append(Part("location", latitude=report.latitude, longitude=report.longitude))
    if media.voice and (voice or member_may_hear(report)):
        parts.append(Part("voice", files=(media.voice.file_id,)))
    return tuple(parts)


def caption_fits(html_text: str) -> bool:
    """Whether the text, once Telegram has parsed its HTML, is within the caption limit (counted
    in UTF-16 code units, as Telegram counts, so an emoji counts twice: never too long)."""
    plain = unescape(_TAG.sub("", html_text)).strip()
    return len(plain.encode("utf-16-le")) // 2 <= MAX_CAPTION
