"""What each person is told when a report moves, rendered in their language.

Everything here is added to the outbox inside the transaction that changed the report, so
a notification exists exactly when the change does. Reporters stay anonymous: nothing
rendered for grid members, leads or departments mentions who reported.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from gettext import NullTranslations
from html import escape

import aiosqlite

from bot import callbacks
from bot.config import Config
from bot.grid import Grid
from bot.i18n import I18n
from bot.lifecycle import State
from bot.models import FORGOTTEN_REPORTER, Report, ReportMedia
from bot.outbox import Button, Notification, Outbox, Part
from bot.people import People
from storage.users import UserRepository

ACCEPT = "acc"
NOT_MY_AREA = "nma"
FIXED = "fix"
CONFIRM = "ok"
REOPEN = "bad"
ASSIGN = "asg"
REJECT = "rej"


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

    async def language_of(self, chat_id: int) -> str:
        """A person's chosen language; group chats get the default."""
        if chat_id < 0:
            return self._i18n.default_language
        return self._i18n.pick(await self._users.language(chat_id))

    def translator(self, language: str) -> NullTranslations:
        return self._i18n.translator(language)

    # -- what the grid member, the office and departments receive ------------------------

    async def new_task(
        self, connection: aiosqlite.Connection, report: Report, media: ReportMedia, *, reason: str
    ) -> None:
        """The task card for every grid member of the hamlet; `reason`: new/reopened/assigned."""
        for chat_id in self._people.grid_members_of(report.hamlet_id):
            language = await self.language_of(chat_id)
            _ = self.translator(language).gettext
            headline = {
                "new": _("📋 New report {number} in your area"),
                "reopened": _("🔁 {number} was reopened: the reporter says it is still there"),
                "assigned": _("📋 The office assigned {number} to you"),
            }[reason].format(number=report.number)
            text = "\n".join([f"<b>{headline}</b>", self.describe(report, language)])
            buttons = self.task_buttons(report.id, language)
            await self._add(
                connection,
                chat_id,
                (*self._evidence(report, media), Part("text", text=text, buttons=buttons)),
            )

    def task_buttons(self, report_id: int, language: str) -> tuple[tuple[Button, ...], ...]:
        _ = self.translator(language).gettext
        return (
            (
                Button(_("✅ Accept"), callbacks.encode(ACCEPT, report_id)),
                Button(_("🙅 Not my area"), callbacks.encode(NOT_MY_AREA, report_id)),
            ),
            (Button(_("🧹 Fixed"), callbacks.encode(FIXED, report_id)),),
        )

    async def office_copy(
        self, connection: aiosqlite.Connection, report: Report, media: ReportMedia, *, headline: str
    ) -> None:
        """A copy for the office; unrouted reports carry Assign / Reject buttons."""
        for chat_id in self._people.office_recipients():
            language = await self.language_of(chat_id)
            _ = self.translator(language).gettext
            title = {
                "new": _("🆕 New report {number}"),
                "queue": _("📥 {number} needs the office: nobody could be routed"),
                "reopened": _("🔁 {number} was reopened by the reporter"),
            }[headline].format(number=report.number)
            text = "\n".join([f"<b>{title}</b>", self.describe(report, language)])
            buttons = (
                self.queue_buttons(report.id, language) if report.state == State.SUBMITTED else ()
            )
            await self._add(
                connection,
                chat_id,
                (*self._evidence(report, media), Part("text", text=text, buttons=buttons)),
            )

    def queue_buttons(self, report_id: int, language: str) -> tuple[tuple[Button, ...], ...]:
        _ = self.translator(language).gettext
        return (
            (
                Button(_("📌 Assign"), callbacks.encode(ASSIGN, report_id)),
                Button(_("🚫 Reject"), callbacks.encode(REJECT, report_id)),
            ),
        )

    async def returned_to_office(
        self, connection: aiosqlite.Connection, report: Report, reason: str
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
                    self.describe(report, language),
                ]
            )
            await self._add(
                connection,
                chat_id,
                (Part("text", text=text, buttons=self.queue_buttons(report.id, language)),),
            )

    async def closed_for_office(self, connection: aiosqlite.Connection, report: Report) -> None:
        """The reporter confirmed the fix: the office, which saw the report come in, sees it
        closed too."""
        for chat_id in self._people.office_recipients():
            language = await self.language_of(chat_id)
            _ = self.translator(language).gettext
            title = _("✅ {number} is closed: the reporter confirmed the fix").format(
                number=report.number
            )
            text = "\n".join([f"<b>{title}</b>", self.describe(report, language, deadlines=False)])
            await self._add(connection, chat_id, (Part("text", text=text),))

    async def department_copy(
        self, connection: aiosqlite.Connection, report: Report, media: ReportMedia
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
                connection, recipient, (*self._evidence(report, media), Part("text", text=text))
            )

    # -- what the reporter is told ----------------------------------------------------------

    async def tell_reporter(
        self,
        connection: aiosqlite.Connection,
        report: Report,
        message: Callable[[Callable[[str], str]], str],
    ) -> None:
        """A status line for the reporter; `message` picks the text with their translator."""
        if report.reporter_id == FORGOTTEN_REPORTER:
            return
        language = await self.language_of(report.reporter_id)
        text = message(self.translator(language).gettext)
        await self._add(connection, report.reporter_id, (Part("text", text=text),))

    async def tell(
        self,
        connection: aiosqlite.Connection,
        chat_id: int,
        render: Callable[[str, Callable[[str], str]], str],
    ) -> None:
        """One line for one person; `render(language, _)` writes it in their language."""
        language = await self.language_of(chat_id)
        text = render(language, self.translator(language).gettext)
        await self._add(connection, chat_id, (Part("text", text=text),))

    async def ask_reporter_to_confirm(
        self, connection: aiosqlite.Connection, report: Report, media: ReportMedia
    ) -> None:
        """The after-photo with "Fixed 👍" / "Still there 👎"."""
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
                Button(_("Fixed 👍"), callbacks.encode(CONFIRM, report.id)),
                Button(_("Still there 👎"), callbacks.encode(REOPEN, report.id)),
            ),
        )
        after = media.after_photos[-1:]
        parts = tuple(Part("photo", files=(ref.file_id,)) for ref in after)
        await self._add(
            connection,
            report.reporter_id,
            (*parts, Part("text", text="\n".join(lines), buttons=buttons)),
        )

    # -- shared rendering ---------------------------------------------------------------

    def describe(self, report: Report, language: str, *, deadlines: bool = True) -> str:
        """Category, place, description and deadlines: never the reporter."""
        _ = self.translator(language).gettext
        lines = [
            _("Category: {category}").format(
                category=self.category_label(report.category, language)
            )
        ]
        lines.append(_("Place: {place}").format(place=self.place(report, language)))
        if report.description:
            lines.append(_("Description: {text}").format(text=escape(report.description)))
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
        _ = self.translator(language).gettext
        hamlet = self._grid.hamlets.get(report.hamlet_id or "")
        if hamlet is None:
            return _("not matched to a hamlet")
        village = self._grid.villages[hamlet.village_id]
        return escape(f"{hamlet.label(language)} · {village.label(language)}")

    def local_time(self, moment: datetime) -> str:
        return moment.astimezone(self._config.general.tz).strftime("%m-%d %H:%M")

    def _evidence(self, report: Report, media: ReportMedia) -> tuple[Part, ...]:
        """Photos (as an album when several), the map pin and the voice note, by file id."""
        parts: list[Part] = []
        photo_ids = tuple(ref.file_id for ref in media.photos)
        if len(photo_ids) == 1:
            parts.append(Part("photo", files=photo_ids))
        elif photo_ids:
            parts.append(Part("album", files=photo_ids))
        if report.latitude is not None and report.longitude is not None:
            parts.append(Part("location", latitude=report.latitude, longitude=report.longitude))
        if media.voice:
            parts.append(Part("voice", files=(media.voice.file_id,)))
        return tuple(parts)

    async def _add(
        self, connection: aiosqlite.Connection, chat_id: int, parts: tuple[Part, ...]
    ) -> None:
        await self._outbox.add(connection, Notification(chat_id=chat_id, parts=parts))
