"""What the journeys share while they move onto `handlers.context`: services, the user's language,
the main menu and its buttons, the words for unusable input, keyboards and the wizard ending.
The everyone-journeys (/start, /help, /lang, My reports, stray input) are in `handlers.start`,
the error handler in `handlers.errors`."""

from __future__ import annotations

import contextlib
import logging
import mimetypes
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    Update,
)
from telegram.constants import ChatType
from telegram.error import BadRequest, TelegramError
from telegram.ext import ContextTypes, ConversationHandler

from bot.core import callbacks
from bot.core.audit import AuditLog
from bot.core.clock import Clock
from bot.core.config import Config
from bot.core.i18n import N_, I18n
from bot.core.models import MediaRef
from bot.delivery.failures import DeliveryFailures
from bot.delivery.notifier import Notifier
from bot.delivery.outbox import Button
from bot.notices.service import NoticeService
from bot.people.directory import People
from bot.people.limits import FloodGuard
from bot.people.privacy import PrivacyService
from bot.people.roles import RoleService
from bot.places.grid import Grid
from bot.reporting.media import MediaStore
from bot.reporting.moderation import ModerationService
from bot.reporting.service import ReportService
from bot.schedules.service import ScheduleService
from bot.stats.digest import DigestService
from bot.stats.present import StatsPresenter
from bot.stats.service import StatsService
from storage import Storage

if TYPE_CHECKING:
    from handlers.menus import CommandMenus

log = logging.getLogger(__name__)
security = logging.getLogger("bot.security")
"""Refused commands and buttons (forged, replayed, revoked roles), floods and lockouts."""

Translate = Callable[[str], str]

REPORT_BUTTON = N_("📷 Report dumping")
MY_REPORTS_BUTTON = N_("📋 My reports")
HELP_BUTTON = N_("❓ Help")
CANCEL_BUTTON = N_("✖ Cancel")
BACK_BUTTON = N_("⬅ Back")


@dataclass(frozen=True)
class Services:
    """Everything handlers need, built once in `bot.app` and kept in `bot_data`."""

    config: Config
    storage: Storage
    grid: Grid
    people: People
    i18n: I18n
    reports: ReportService
    notifier: Notifier
    notices: NoticeService
    schedules: ScheduleService
    media: MediaStore
    clock: Clock
    stats: StatsService
    stats_presenter: StatsPresenter
    digests: DigestService
    audit: AuditLog
    roles: RoleService
    moderation: ModerationService
    privacy: PrivacyService
    flood: FloodGuard
    menus: CommandMenus
    deliveries: DeliveryFailures
    downloads: Bot
    """A second client for file downloads, with its own connection pool and timeouts, so slow
    photo downloads never hold up replies (see `bot.app.download_client`)."""


def services(context: ContextTypes.DEFAULT_TYPE) -> Services:
    return context.application.bot_data["services"]


async def language_of(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    """The user's remembered language, else their Telegram language, else the default."""
    found = services(context)
    user = update.effective_user
    if user is None:
        return found.i18n.default_language
    stored = await found.storage.users.language(user.id)
    return found.i18n.pick(stored, user.language_code)


async def translator(update: Update, context: ContextTypes.DEFAULT_TYPE) -> Translate:
    return services(context).i18n.translator(await language_of(update, context)).gettext


def button_regex(i18n: I18n, *messages: str) -> re.Pattern[str]:
    """Matches a reply-keyboard press of any of `messages`, in any language."""
    labels = set().union(*(i18n.all_translations(message) for message in messages))
    return re.compile("^(" + "|".join(re.escape(label) for label in sorted(labels)) + ")$")


def main_keyboard(_: Translate) -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        [[KeyboardButton(_(REPORT_BUTTON))], [_(MY_REPORTS_BUTTON), _(HELP_BUTTON)]],
        resize_keyboard=True,
        is_persistent=True,
    )


def is_private(update: Update) -> bool:
    return update.effective_chat is not None and update.effective_chat.type == ChatType.PRIVATE


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/start lives in `handlers.start`; this stays for the journeys that still call it from
    here (news, reporting) until they move onto `handlers.context`."""
    from handlers.start import start as greet  # imported late: handlers.start imports this

    await greet(update, context)  # type: ignore[arg-type]  # a BotContext at run time


def unusable(message: Message, _: Translate) -> str | None:
    """A specific, polite answer for content the bot cannot use as evidence; None otherwise."""
    if message.video or message.video_note or message.animation:
        return _("I cannot use videos or GIFs. Please send a photo of the problem instead.")
    if message.document and not (message.document.mime_type or "").startswith("image/"):
        return _("That file is not a picture. Please send a photo of the problem instead.")
    if message.sticker or message.dice or message.poll:
        return _("Thank you! To report a problem, please send a photo of it.")
    if message.contact:
        return _(
            "Please do not share phone numbers here; I do not need them. "
            "To report a problem, send a photo of it."
        )
    return None


async def keep_file(
    context: ContextTypes.DEFAULT_TYPE,
    file_id: str,
    file_unique_id: str,
    suffix: str,
    *,
    kind: str = "photo",
) -> MediaRef:
    """Download a user's file into the media folder; the file id is kept even if that fails.
    `kind` "document": a picture sent as a file (see `MediaRef`)."""
    path = services(context).media.path_for(file_unique_id, suffix)
    try:
        if not path.exists():
            telegram_file = await services(context).downloads.get_file(file_id)
            await telegram_file.download_to_drive(path)
    except (TelegramError, OSError) as error:
        log.warning("could not keep a copy of %s: %s", file_unique_id, error)
        return MediaRef(file_id, file_unique_id, None, kind)
    return MediaRef(file_id, file_unique_id, str(path), kind)


async def keep_picture(context: ContextTypes.DEFAULT_TYPE, message: Message) -> MediaRef:
    """Keep the largest size of a photo, or a picture sent as a file (EXIF and all)."""
    if message.photo:
        size = message.photo[-1]
        return await keep_file(context, size.file_id, size.file_unique_id, "jpg")
    document = message.document
    assert document is not None
    suffix = (mimetypes.guess_extension(document.mime_type or "") or ".jpg").lstrip(".")
    return await keep_file(
        context, document.file_id, document.file_unique_id, suffix, kind="document"
    )


def report_id_of(update: Update) -> int | None:
    """The report id carried by a pressed button, if the payload is ours and well formed."""
    query = update.callback_query
    data = callbacks.decode(query.data if query else None)
    return data.int_arg() if data else None


def inline_markup(rows: Sequence[Sequence[Button]]) -> InlineKeyboardMarkup:
    """Telegram buttons from the services' plain `Button`s."""
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(button.label, callback_data=button.data) for button in row]
            for row in rows
        ]
    )


def village_buttons(found: Services, language: str, action: str) -> list[InlineKeyboardButton]:
    """One button per village, in id order, each carrying `action` and the village id."""
    return [
        InlineKeyboardButton(
            village.label(language), callback_data=callbacks.encode(action, village.id)
        )
        for village in sorted(found.grid.villages.values(), key=lambda village: village.id)
    ]


def grid_markup(buttons: list[InlineKeyboardButton], per_row: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [buttons[index : index + per_row] for index in range(0, len(buttons), per_row)]
    )


async def end_flow(
    update: Update, context: ContextTypes.DEFAULT_TYPE, draft_key: str, text: str
) -> int:
    """Leave a guided flow: drop its draft and say so, after /cancel or a Cancel button."""
    if context.user_data is not None:
        context.user_data.pop(draft_key, None)
    if update.callback_query is not None:
        await update.callback_query.answer()
        await update.callback_query.edit_message_text(text)
    elif update.effective_message is not None:
        await update.effective_message.reply_text(text)
    return ConversationHandler.END


async def drop_buttons(update: Update) -> None:
    """Remove the pressed message's buttons; harmless if that is no longer possible."""
    query = update.callback_query
    if query is None:
        return
    with contextlib.suppress(BadRequest):
        await query.edit_message_reply_markup(None)
