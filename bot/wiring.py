"""The services, built once over the opened database and handed to the handlers as
`handlers.services.Services`; the only place that knows which service needs which other."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TypedDict

from telegram import Bot

from bot.core.audit import AuditLog
from bot.core.clock import Clock
from bot.core.config import Config
from bot.core.i18n import I18n
from bot.delivery.audiences import Audiences
from bot.delivery.failures import DeliveryFailures
from bot.delivery.notifier import Notifier
from bot.delivery.outbox import Outbox
from bot.delivery.pace import Pace
from bot.delivery.quiet_hours import QuietHours
from bot.notices.service import NoticeService
from bot.people.directory import People
from bot.people.limits import FloodGuard
from bot.people.privacy import PrivacyService
from bot.people.roles import RoleService
from bot.places.grid import Grid
from bot.reporting.deadlines import DeadlineSweep
from bot.reporting.media import MediaStore
from bot.reporting.moderation import ModerationService
from bot.reporting.service import ReportService
from bot.routing import PRIVATE_COMMANDS
from bot.schedules.service import NewSchedule, ScheduleService
from bot.stats.digest import DigestService
from bot.stats.present import StatsPresenter
from bot.stats.service import StatsService
from handlers.menus import CommandMenus
from handlers.services import Services
from storage import Storage


@dataclass(frozen=True)
class Town:
    """What every service is about: the configuration, the map, the people, the words, the time."""

    config: Config
    grid: Grid
    people: People
    i18n: I18n
    clock: Clock


class _Speaking(TypedDict):
    """What every service that speaks to people (through the outbox) is built with."""

    storage: Storage
    people: People
    outbox: Outbox
    clock: Clock


@dataclass(frozen=True)
class Wiring:
    """The built services, and the two pieces the bot's lifecycle drives besides them."""

    services: Services
    outbox: Outbox
    deadlines: DeadlineSweep


async def wire(
    town: Town, storage: Storage, seeds: list[tuple[str, NewSchedule]], downloads: Bot
) -> Wiring:
    """Every service over `storage`; roles, menus and the configured schedules are loaded."""
    config, grid, people, i18n, clock = town.config, town.grid, town.people, town.i18n, town.clock
    quiet = config.quiet_hours
    outbox = Outbox(storage.outbox, clock, QuietHours(quiet.start, quiet.end, config.general.tz))
    audit = AuditLog(storage, clock)
    audiences = Audiences(config=config, grid=grid, people=people, i18n=i18n, users=storage.users)
    notifier = Notifier(config=config, grid=grid, people=people, i18n=i18n, outbox=outbox)
    speaking = _Speaking(storage=storage, people=people, outbox=outbox, clock=clock)
    reports = ReportService(**speaking, config=config, grid=grid, notifier=notifier, audit=audit)
    roles = RoleService(
        **speaking, config=config, grid=grid, i18n=i18n, audit=audit, notifier=notifier
    )
    await roles.load()
    menus = CommandMenus(
        villager_commands=PRIVATE_COMMANDS, people=people, i18n=i18n, storage=storage
    )
    await menus.load()
    notices = NoticeService(**speaking, config=config, i18n=i18n, audiences=audiences)
    schedules = ScheduleService(**speaking, config=config, audiences=audiences, i18n=i18n)
    await schedules.seed(seeds)
    stats = StatsService(
        storage=storage, config=config, grid=grid, people=people, i18n=i18n, clock=clock
    )
    presenter = StatsPresenter(config=config, grid=grid, people=people, i18n=i18n)
    limits = config.limits
    pace = Pace(config.delivery.messages_per_second)
    services = Services(
        config=config,
        storage=storage,
        grid=grid,
        people=people,
        i18n=i18n,
        reports=reports,
        notifier=notifier,
        notices=notices,
        schedules=schedules,
        media=MediaStore(config.storage.media_dir),
        clock=clock,
        stats=stats,
        stats_presenter=presenter,
        digests=DigestService(
            **speaking, config=config, stats=stats, presenter=presenter, notifier=notifier
        ),
        audit=audit,
        roles=roles,
        moderation=ModerationService(**speaking, notifier=notifier, audit=audit),
        privacy=PrivacyService(storage=storage, config=config, people=people, clock=clock),
        flood=FloodGuard(
            clock,
            max_updates=limits.flood_updates,
            window=timedelta(seconds=limits.flood_window_seconds),
            mute=timedelta(seconds=limits.flood_mute_seconds),
        ),
        menus=menus,
        pace=pace,
        downloads=downloads,
        deliveries=DeliveryFailures(
            **speaking,
            grid=grid,
            i18n=i18n,
            audit=audit,
            department_names={
                key: department.name.model_dump() for key, department in config.departments.items()
            },
            timezone=config.general.tz,
        ),
    )
    deadlines = DeadlineSweep(**speaking, rules=config.deadlines, notifier=notifier)
    return Wiring(services=services, outbox=outbox, deadlines=deadlines)
