"""Unexpected errors reach a maintainer: a short, rate-limited report to a configured chat,
without personal data, and the same text in the log.

A report names the update by its id and kind ("callback_query"), the handler by the innermost
frame of our own code ("handlers.reporting:submit"), the exception by its type only, and the
traceback as file, line, function and source line: never a name, username, message text or a
person's or chat's id, and never the exception's message (ours embed ids and input at times).
Wired in `bot.app`: `ErrorReporter(config.telegram.maintainer_chat_id, clock, send)` kept in
`bot_data`, called from the error handler (`on_error`, below) before it apologises;
`[telegram] maintainer_chat_id` is an optional config key (unset: log only).
"""

from __future__ import annotations

import logging
import traceback
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from telegram import Update
from telegram.constants import ChatType, MessageLimit
from telegram.error import Forbidden, TelegramError

from bot.core.clock import Clock
from handlers.context import BotContext, resolve_person

log = logging.getLogger(__name__)

Send = Callable[[int, str], Awaitable[object]]
"""Posts a plain text to a chat (e.g. `bot.send_message`)."""

ROOT = Path(__file__).resolve().parent.parent
TRIMMED = "… (trimmed)\n"
MAX_CHAIN = 5
"""Causes followed at most (`raise … from …`, errors while handling errors)."""


@dataclass(frozen=True)
class ErrorReport:
    """What a maintainer learns about one failure; nothing in it identifies a person."""

    update_id: int | None
    kind: str
    handler: str | None
    exception: str
    traceback: str

    def text(self, limit: int = MessageLimit.MAX_TEXT_LENGTH) -> str:
        """The report as plain text within `limit` characters: the head always, then as much
        of the traceback's end (where the failure is) as fits."""
        head = (
            f"⚠️ {self.exception} in {self.handler or 'an unknown handler'}\n"
            f"update {self.update_id if self.update_id is not None else '—'} ({self.kind})\n\n"
        )
        room = limit - len(head)
        body = self.traceback
        if len(body) > room:
            body = TRIMMED + body[len(body) - (room - len(TRIMMED)) :]
        return (head + body)[:limit]


def describe(update: object, error: BaseException) -> ErrorReport:
    """The report for `error`, raised while handling `update` (an Update, or None for a job)."""
    if isinstance(update, Update):
        kind = next((str(name) for name in Update.ALL_TYPES if getattr(update, name, None)), "?")
        update_id: int | None = update.update_id
    else:
        kind = "no update" if update is None else type(update).__name__
        update_id = None
    return ErrorReport(
        update_id=update_id,
        kind=kind,
        handler=_innermost_own_frame(error),
        exception=_type_name(error),
        traceback=_frames_only(error),
    )


def _type_name(error: BaseException) -> str:
    kind = type(error)
    return (
        kind.__qualname__
        if kind.__module__ == "builtins"
        else f"{kind.__module__}.{kind.__qualname__}"
    )


def _chain(error: BaseException) -> list[BaseException]:
    """The error and what caused it, outermost last (as Python prints them)."""
    chain: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in chain and len(chain) < MAX_CHAIN:
        chain.append(current)
        current = current.__cause__ or (
            None if current.__suppress_context__ else current.__context__
        )
    return list(reversed(chain))


def _frames_only(error: BaseException) -> str:
    """Each exception of the chain as its frames and type, without its message."""
    parts = []
    for link in _chain(error):
        frames = traceback.extract_tb(link.__traceback__)
        for frame in frames:
            frame.filename = _relative(frame.filename)
        parts.append("".join(frames.format()) + _type_name(link) + "\n")
    return "\nwhile handling that, or caused by it:\n".join(parts)


def _innermost_own_frame(error: BaseException) -> str | None:
    """`package.module:function` of the deepest frame in our own code (not a library's)."""
    for frame in reversed(traceback.extract_tb(error.__traceback__)):
        own = _own(frame.filename)
        if own is not None:
            return f"{own.removesuffix('.py').replace('/', '.')}:{frame.name}"
    return None


def _own(filename: str) -> str | None:
    """The path relative to the project for our own code; None for libraries."""
    path = Path(filename).resolve()
    if "site-packages" in path.parts or not path.is_relative_to(ROOT):
        return None
    return path.relative_to(ROOT).as_posix()


def _relative(filename: str) -> str:
    """Our paths relative to the project; libraries' by their last three parts (no home
    directories or user names in a report)."""
    return _own(filename) or "/".join(Path(filename).parts[-3:])


class ErrorReporter:
    """Logs every unexpected error and sends at most `max_reports` per `window` to the
    maintainer chat; the rest are counted and summarised in the next report sent."""

    def __init__(
        self,
        chat_id: int | None,
        clock: Clock,
        send: Send,
        *,
        max_reports: int = 5,
        window: timedelta = timedelta(minutes=10),
    ) -> None:
        self._chat_id = chat_id
        self._clock = clock
        self._send = send
        self._max_reports = max_reports
        self._window = window
        self._sent: deque[datetime] = deque()
        self._held_back = 0
        self._held_back_since: datetime | None = None

    @property
    def held_back(self) -> int:
        """Errors logged but not sent since the last report."""
        return self._held_back

    async def report(self, update: object, error: BaseException) -> bool:
        """Log the error and, within the rate, send it; True if it was sent."""
        report = describe(update, error)
        log.error("unexpected error:\n%s", report.text(limit=1_000_000))
        if self._chat_id is None:
            return False
        now = self._clock.now()
        while self._sent and now - self._sent[0] >= self._window:
            self._sent.popleft()
        if len(self._sent) >= self._max_reports:
            self._held_back += 1
            self._held_back_since = self._held_back_since or now
            return False
        summary = self._summary()
        text = summary + report.text(limit=MessageLimit.MAX_TEXT_LENGTH - len(summary))
        try:
            await self._send(self._chat_id, text)
        except (TelegramError, OSError) as failure:
            log.warning("could not report an error to the maintainer chat: %s", failure)
            return False
        self._sent.append(now)
        self._held_back, self._held_back_since = 0, None
        return True

    def _summary(self) -> str:
        if not self._held_back or self._held_back_since is None:
            return ""
        since = self._held_back_since.isoformat(timespec="minutes")
        return f"({self._held_back} more error(s) since {since} were logged, not sent)\n"


REPORTER = "error_reporter"
"""The `bot_data` key of the application's `ErrorReporter` (set in `bot.app`)."""


async def on_error(update: object, context: BotContext) -> None:
    """The application's error handler: tell the maintainer (rate-limited, nothing personal),
    then apologise to the person, never with a traceback.

    A person who blocked the bot in the middle of something is not an error: they are noted
    as unreachable until they write again.
    """
    found = context.services
    if isinstance(context.error, Forbidden) and isinstance(update, Update):
        user = update.effective_user
        log.info("user %s blocked the bot while it answered them", user and user.id)
        if user is not None:
            await found.storage.users.mark_unreachable(user.id, found.clock.now())
        return
    reporter: ErrorReporter = context.application.bot_data[REPORTER]
    error = context.error or RuntimeError("the error handler ran without an error")
    await reporter.report(update, error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    try:
        await resolve_person(update, context)
        text = context._("Sorry, something went wrong on our side. Please try again in a moment.")
        if update.callback_query is not None:
            await update.callback_query.answer(text)
        elif (
            update.effective_message is not None and update.effective_chat.type == ChatType.PRIVATE
        ):
            await update.effective_message.reply_text(text)
    except Exception:
        log.exception("could not tell the user about the error")
