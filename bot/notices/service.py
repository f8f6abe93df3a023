"""Office notices: who receives them, what each person sees, and how far the sending got.

A notice is stored once; sending it queues one small outbox row per recipient (the notice
id and the recipient's language then), and the outbox worker renders the message from here,
once per language, in the one each recipient reads when it is sent. So a town-wide notice
costs 25,000 short rows, survives restarts, and is never sent twice to a person except for
the few messages in flight at a crash.
"""

from __future__ import annotations

import html
import json
import time
from collections import Counter
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from bot.core.audit import AuditLog
from bot.core.clock import Clock
from bot.core.config import Config
from bot.core.errors import Reason, Refused
from bot.core.i18n import I18n
from bot.core.when import moment_text
from bot.delivery.audiences import Audience, Audiences
from bot.delivery.outbox import Notification, Outbox, Part, Priority, Worded
from bot.people.directory import People
from storage import Storage
from storage.notices import Counts, NoticeRow

MAX_TEXT = 4000
MAX_CAPTION = 960
"""Telegram allows 1,024 caption characters after parsing; the heading with its blank line
takes the rest (at most 60 in English, with the longest `[office] name`)."""
RECENT = 10


class ContentKind(StrEnum):
    TEXT = "text"
    PHOTO = "photo"
    DOCUMENT = "document"


class NoticeState(StrEnum):
    SCHEDULED = "scheduled"
    SENDING = "sending"
    DONE = "done"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class Content:
    """What a notice says: text by language (the default language is required), and an
    optional photo or document (a Telegram file id) that the text becomes the caption of."""

    kind: ContentKind
    texts: dict[str, str]
    file_id: str | None = None

    def text_in(self, language: str, default_language: str) -> str:
        return self.texts.get(language) or self.texts.get(default_language, "")


@dataclass(frozen=True)
class Notice:
    id: int
    author_id: int
    audience: Audience
    content: Content
    state: NoticeState
    send_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    recipients: int
    progress_chat_id: int | None
    progress_message_id: int | None


@dataclass(frozen=True)
class Progress:
    notice: Notice
    counts: Counts

    @property
    def finished(self) -> bool:
        return self.notice.state == NoticeState.SENDING and self.counts.waiting == 0


class NoticeNotFound(Refused):
    """The notice is not there: `Refused(NOTICE_GONE)` (the class stays while
    `handlers.refusals.LEGACY` still names it)."""

    def __init__(self, notice_id: int) -> None:
        super().__init__(Reason.NOTICE_GONE, subject=f"notice {notice_id}")


def audience_detail(audience: Audience) -> str:
    """An audit entry's detail for a notice: its audience as kind and ids ("villages v01,v02"),
    which `bot.core.audit_text` words in the reader's language."""
    return f"{audience.kind} {','.join(audience.ids)}".strip()


class NoticeService:
    """Creates, starts, renders, follows and cancels notices. Time comes from the clock.

    Only the office writes, cancels and lists notices: `create`, `cancel` and `recent` take the
    actor and raise `Refused(OFFICE_ONLY)` before anything changes; the audit entry is written
    in the transaction that makes the change."""

    def __init__(
        self,
        *,
        storage: Storage,
        config: Config,
        i18n: I18n,
        outbox: Outbox,
        clock: Clock,
        audiences: Audiences,
        people: People,
    ) -> None:
        self._storage = storage
        self._people = people
        self._audit = AuditLog(storage, clock)
        self._audiences = audiences
        self._config = config
        self._i18n = i18n
        self._outbox = outbox
        self._clock = clock
        self._parts: dict[tuple[int, str], tuple[Part, ...]] = {}
        self._rates: dict[int, tuple[float, int, float]] = {}

    # -- audiences ----------------------------------------------------------------------------

    async def recipients(self, audience: Audience) -> list[tuple[int, str]]:
        """(chat, language) of everyone the audience reaches today."""
        return await self._audiences.recipients(audience)

    async def languages_of(self, audience: Audience) -> Counter[str]:
        """How many recipients read each language (for the preview)."""
        return Counter(language for _, language in await self.recipients(audience))

    def describe_audience(self, audience: Audience, language: str) -> str:
        return self._audiences.describe(audience, language)

    # -- the life of a notice -------------------------------------------------------------------

    def require_office(self, actor_id: int, command: str | None = None) -> None:
        """`Refused(OFFICE_ONLY)` unless the actor is an office admin (`command` names the
        command for its words; a button's refusal has none)."""
        if not self._people.is_office(actor_id):
            raise Refused(Reason.OFFICE_ONLY, command=command, subject=f"notices by {actor_id}")

    async def create(
        self, actor_id: int, audience: Audience, content: Content, send_at: datetime | None
    ) -> Notice:
        """Store the office admin's notice to go out at `send_at` (now if None), audited with
        it; `start_due` sends it."""
        self.require_office(actor_id)
        async with self._storage.database.transaction() as connection:
            notice_id = await self._storage.notices.add(
                author_id=actor_id,
                audience=audience.to_json(),
                kind=content.kind,
                file_id=content.file_id,
                texts=json.dumps(content.texts, ensure_ascii=False),
                send_at=send_at or self._clock.now(),
                now=self._clock.now(),
                connection=connection,
            )
            await self._audit.record(
                actor_id,
                "notice",
                f"#{notice_id}",
                audience_detail(audience),
                connection=connection,
            )
        return await self.get(notice_id)

    async def get(self, notice_id: int) -> Notice:
        """The notice (`NoticeNotFound`, NOTICE_GONE, if there is none)."""
        row = await self._storage.notices.get(notice_id)
        if row is None:
            raise NoticeNotFound(notice_id)
        return _notice(row)

    async def start_due(self) -> list[Notice]:
        """Queue every notice whose time has come for its recipients; returns those started."""
        started = []
        for row in await self._storage.notices.due(self._clock.now()):
            notice = _notice(row)
            recipients = await self.recipients(notice.audience)
            async with self._storage.database.transaction() as connection:
                queued = await self._storage.notices.start(
                    connection,
                    notice.id,
                    recipients,
                    priority=Priority.BULK,
                    now=self._clock.now(),
                )
            if queued is not None:
                started.append(await self.get(notice.id))
        if started:
            self._outbox.poke()
        return started

    async def sending(self) -> list[Notice]:
        return [_notice(row) for row in await self._storage.notices.in_state("sending")]

    async def progress(self, notice_id: int) -> Progress:
        return Progress(await self.get(notice_id), await self._storage.notices.counts(notice_id))

    async def set_progress_message(self, notice_id: int, chat_id: int, message_id: int) -> None:
        await self._storage.notices.set_progress_message(notice_id, chat_id, message_id)

    async def finish(self, notice_id: int) -> Progress:
        """Close a notice with nothing left to send. Its author reads the totals once: in the
        progress message (the caller edits it into the summary), or as a new message when no
        progress message could be posted."""
        return await self._close(notice_id, NoticeState.DONE)

    async def cancel(self, actor_id: int, notice_id: int) -> Progress:
        """The office admin stops a scheduled or sending notice: messages not yet sent are
        dropped, and the cancellation is audited with it (a closed notice stays as it is)."""
        self.require_office(actor_id)
        return await self._close(notice_id, NoticeState.CANCELLED, actor_id)

    async def _close(
        self, notice_id: int, state: NoticeState, actor_id: int | None = None
    ) -> Progress:
        notice = await self.get(notice_id)
        if notice.state not in (NoticeState.SCHEDULED, NoticeState.SENDING):
            return await self.progress(notice_id)
        async with self._storage.database.transaction() as connection:
            closed = await self._storage.notices.finish(
                connection, notice_id, state, self._clock.now()
            )
            if closed and state == NoticeState.CANCELLED and actor_id is not None:
                await self._audit.record(
                    actor_id, "notice_cancel", f"#{notice_id}", connection=connection
                )
            if closed and state == NoticeState.DONE and notice.progress_message_id is None:
                counts = await self._storage.notices.counts(notice_id)
                progress = Progress(replace(notice, state=state), counts)
                summary = Worded.each(
                    self._i18n,
                    lambda language: (Part("text", text=self.summary(progress, language)),),
                )
                await self._outbox.add(connection, Notification(notice.author_id, summary))
        self._outbox.poke()
        self._rates.pop(notice_id, None)
        return await self.progress(notice_id)

    async def recent(self, actor_id: int) -> list[Progress]:
        """The office's latest notices with their counts (`Refused(OFFICE_ONLY)` for others)."""
        self.require_office(actor_id, "notices")
        return [
            Progress(_notice(row), await self._storage.notices.counts(row.id))
            for row in await self._storage.notices.recent(RECENT)
        ]

    async def received_by(self, chat_id: int, limit: int = 5) -> list[Notice]:
        return [_notice(row) for row in await self._storage.notices.received_by(chat_id, limit)]

    async def welcome_back(self, user_id: int) -> None:
        """Someone talked to the bot: if they had blocked it, notices reach them again."""
        await self._storage.users.welcome_back(user_id)

    # -- what people see ------------------------------------------------------------------------

    async def parts_for(self, notice_id: int, language: str) -> tuple[Part, ...]:
        """The message for one recipient (the outbox worker asks; cached per language)."""
        key = (notice_id, language)
        if key not in self._parts:
            self._parts[key] = self.render((await self.get(notice_id)).content, language)
        return self._parts[key]

    def render(self, content: Content, language: str) -> tuple[Part, ...]:
        _ = self._i18n.translator(language).gettext
        body = html.escape(content.text_in(language, self._i18n.default_language))
        text = _("📢 <b>Notice from the town office</b>") + ("\n\n" + body if body else "")
        if content.kind == ContentKind.TEXT:
            return (Part("text", text=text),)
        return (Part(content.kind.value, text=text, files=(content.file_id or "",)),)

    def progress_text(self, progress: Progress, language: str) -> str:
        """ "Sending… 12,400 / 25,000 · 3 blocked · about 7 min left"."""
        _ = self._i18n.translator(language).gettext
        counts, notice = progress.counts, progress.notice
        handled = notice.recipients - counts.waiting
        parts = [
            _("📤 Sending notice #{id}… {handled:,} / {total:,}").format(
                id=notice.id, handled=handled, total=notice.recipients
            )
        ]
        if counts.blocked:
            parts.append(_("{count:,} blocked").format(count=counts.blocked))
        minutes = self._minutes_left(notice.id, handled, counts.waiting)
        if minutes is not None:
            parts.append(_("about {minutes:,} min left").format(minutes=minutes))
        return " · ".join(parts)

    def summary(self, progress: Progress, language: str) -> str:
        _ = self._i18n.translator(language).gettext
        counts, notice = progress.counts, progress.notice
        heading = {
            NoticeState.SCHEDULED: _("🕒 Notice #{id}, to go out {when}"),
            NoticeState.SENDING: _("📤 Notice #{id}, sending"),
            NoticeState.DONE: _("✅ Notice #{id} sent"),
            NoticeState.CANCELLED: _("✖ Notice #{id} cancelled"),
        }[notice.state].format(id=notice.id, when=self.local_time(notice.send_at, language))
        lines = [
            heading,
            _("To: {audience}").format(audience=self.describe_audience(notice.audience, language)),
        ]
        if notice.state != NoticeState.SCHEDULED:
            lines.append(
                _(
                    "Delivered {delivered:,} of {total:,} · blocked the bot {blocked:,} · "
                    "chat gone {gone:,} · failed after retries {failed:,}"
                ).format(
                    delivered=counts.delivered,
                    total=notice.recipients,
                    blocked=counts.blocked,
                    gone=counts.gone,
                    failed=counts.failed,
                )
            )
        if counts.cancelled:
            lines.append(_("Not sent (cancelled): {count:,}").format(count=counts.cancelled))
        if counts.waiting and notice.state == NoticeState.SENDING:
            lines.append(_("Still to send: {count:,}").format(count=counts.waiting))
        return "\n".join(lines)

    def local_time(self, moment: datetime, language: str) -> str:
        """A notice's moment in the reader's language, the one form every notice date takes."""
        return moment_text(moment, language, self._config.general.tz)

    def _minutes_left(self, notice_id: int, handled: int, waiting: int) -> int | None:
        """Minutes to go at the recent sending rate (smoothed between progress updates)."""
        now = time.monotonic()
        previous = self._rates.get(notice_id)
        rate = previous[2] if previous else 0.0
        if previous and now > previous[0] and handled >= previous[1]:
            recent = (handled - previous[1]) / (now - previous[0])
            rate = recent if rate == 0 else 0.7 * rate + 0.3 * recent
        self._rates[notice_id] = (now, handled, rate)
        if not waiting or rate <= 0:
            return None
        return max(1, round(waiting / rate / 60))


def _notice(row: NoticeRow) -> Notice:
    return Notice(
        id=row.id,
        author_id=row.author_id,
        audience=Audience.from_json(row.audience),
        content=Content(ContentKind(row.kind), json.loads(row.texts), row.file_id),
        state=NoticeState(row.state),
        send_at=row.send_at,
        started_at=row.started_at,
        finished_at=row.finished_at,
        recipients=row.recipients,
        progress_chat_id=row.progress_chat_id,
        progress_message_id=row.progress_message_id,
    )
