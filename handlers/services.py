"""The services container handlers use (built once in `bot.app`, kept in `bot_data`), and the
person's language for the modules that do not take a `BotContext` yet."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from telegram import Bot, Update
from telegram.ext import ContextTypes

from bot.core.audit import AuditLog
from bot.core.clock import Clock
from bot.core.config import Config
from bot.core.i18n import I18n
from bot.delivery.failures import DeliveryFailures
from bot.delivery.notifier import Notifier
from bot.delivery.pace import Pace
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

Translate = Callable[[str], str]


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
    pace: Pace
    """The outbox's send budget; the notice progress message takes its turns in it too."""
    downloads: Bot
    """A second client for file downloads, with its own connection pool and timeouts, so slow
    photo downloads never hold up replies (see `bot.clients.download_client`)."""


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
