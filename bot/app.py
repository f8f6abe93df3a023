"""The composition root: the only place that knows every piece and wires them together."""

from __future__ import annotations

import logging
import os
import warnings
from datetime import time, timedelta
from typing import Any

from telegram import Bot, Update
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.request import HTTPXRequest
from telegram.warnings import PTBUserWarning

from bot.core.audit import AuditLog
from bot.core.clock import Clock, SystemClock
from bot.core.config import Config
from bot.core.i18n import N_, I18n
from bot.delivery.audiences import Audiences
from bot.delivery.failures import TELL_EVERY_SECONDS, DeliveryFailures
from bot.delivery.notifier import Notifier
from bot.delivery.outbox import DeliveryWorker, Outbox
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
from bot.schedules.recurrence import TimetableTrigger
from bot.schedules.service import Schedule, ScheduleService, ScheduleState, seeded_schedules
from bot.stats.digest import DigestService
from bot.stats.present import StatsPresenter
from bot.stats.service import StatsService
from handlers import (
    area,
    common,
    deliveries,
    errors,
    guard,
    invitations,
    moderation,
    new_schedule,
    news,
    notices,
    office,
    orders,
    privacy,
    reporting,
    schedules,
    start,
    stats,
    tasks,
    team,
)
from handlers.buttons import ChooseLanguage
from handlers.context import CONTEXT_TYPES, resolve_person
from handlers.delivery import TelegramSender
from handlers.errors import ErrorReporter
from handlers.inbox import InboxPoller, InboxWebhook
from handlers.menus import CommandMenus
from handlers.ordering import PerPersonUpdateProcessor
from handlers.persistence import SQLitePersistence
from handlers.photos import PhotoCopies
from storage import Storage

log = logging.getLogger(__name__)

# Durations (RetryAfter.retry_after, Voice.duration, ...) as timedelta, as PTB will do from its
# next major version: opting in now is what PTB documents, and ends its deprecation warnings.
# Our code accepts both (see handlers.delivery), so a deployment that sets it to 0 works too.
os.environ.setdefault("PTB_TIMEDELTA", "true")

# Our conversations take buttons as entry points on purpose, keyed per chat and user: every
# button re-checks the report in the database, so per-message tracking is not needed.
warnings.filterwarnings("ignore", message="If 'per_message=False'", category=PTBUserWarning)

# Updates of different people handled at once (one person's always in order).
CONCURRENT_UPDATES = 64
# Connections for replies and the outbox; downloads have their own (`download_client`).
REPLY_CONNECTIONS = 16
DOWNLOAD_CONNECTIONS = 8
DOWNLOAD_READ_SECONDS = 120

PRIVATE_COMMANDS = (
    ("report", N_("Report dumping or a dirty corner")),
    ("myreports", N_("My reports and their status")),
    ("news", N_("Recent notices from the office")),
    ("home", N_("Set the village and hamlet you live in")),
    ("notices", N_("Turn office notices on or off")),
    ("lang", N_("Change language")),
    ("mydata", N_("What the bot keeps about me")),
    ("forgetme", N_("Delete what the bot keeps about me")),
    ("help", N_("How to use this bot")),
    ("cancel", N_("Stop what you are doing")),
)


def download_client(config: Config) -> Bot:
    """A client of its own for getFile and file downloads: its own pool and long read timeout,
    so sixteen villagers' photos on a slow link cannot take the connections replies need."""
    return Bot(
        config.token,
        base_url=config.telegram.base_url,
        base_file_url=config.telegram.base_file_url,
        request=HTTPXRequest(
            connection_pool_size=DOWNLOAD_CONNECTIONS,
            connect_timeout=10,
            read_timeout=DOWNLOAD_READ_SECONDS,
            write_timeout=10,
            pool_timeout=DOWNLOAD_READ_SECONDS,
        ),
    )


class CleanVillageBot:
    """Owns the storage, the services, the python-telegram-bot Application and the outbox worker."""

    def __init__(
        self, config: Config, *, clock: Clock | None = None, poll_timeout: float = 10
    ) -> None:
        self.config = config
        self.clock = clock or SystemClock()
        self.grid = Grid.load(
            config.grid.geojson,
            snap_distance_m=config.grid.snap_distance_m,
            far_outside_m=config.grid.far_outside_m,
        )
        self.people = People(config, self.grid)
        self.seeds = seeded_schedules(config, self.grid)
        self.i18n = I18n(config.general.default_language)
        self.poll_timeout = poll_timeout
        self.storage: Storage | None = None
        self.application: Application[Any, Any, Any, Any, Any, Any] | None = None
        self.worker: DeliveryWorker | None = None
        self.notices: NoticeService | None = None
        self.digests: DigestService | None = None
        self.outbox: Outbox | None = None
        self.schedules: ScheduleService | None = None
        self.deadlines: DeadlineSweep | None = None
        self.inbox: InboxPoller | InboxWebhook | None = None
        self.downloads: Bot | None = None

    async def start(self) -> None:
        """Open the database, start polling, resume any undelivered notifications and catch
        up on reminders and deadlines that came due while the bot was not running."""
        storage = self.storage = await Storage.open(
            self.config.storage.database, pepper=self.config.privacy.pepper.get_secret_value()
        )
        quiet = self.config.quiet_hours
        outbox = self.outbox = Outbox(
            storage.outbox, self.clock, QuietHours(quiet.start, quiet.end, self.config.general.tz)
        )
        audiences = Audiences(
            config=self.config,
            grid=self.grid,
            people=self.people,
            i18n=self.i18n,
            users=storage.users,
        )
        audit = AuditLog(storage, self.clock)
        notifier = Notifier(
            config=self.config,
            grid=self.grid,
            people=self.people,
            i18n=self.i18n,
            users=storage.users,
            outbox=outbox,
        )
        reports = ReportService(
            storage=storage,
            config=self.config,
            grid=self.grid,
            people=self.people,
            notifier=notifier,
            outbox=outbox,
            audit=audit,
            clock=self.clock,
        )
        role_service = RoleService(
            storage=storage,
            config=self.config,
            grid=self.grid,
            people=self.people,
            i18n=self.i18n,
            audit=audit,
            notifier=notifier,
            outbox=outbox,
            clock=self.clock,
        )
        await role_service.load()
        menus = CommandMenus(
            villager_commands=PRIVATE_COMMANDS, people=self.people, i18n=self.i18n, storage=storage
        )
        await menus.load()
        limits = self.config.limits
        notice_service = self.notices = NoticeService(
            storage=storage,
            config=self.config,
            i18n=self.i18n,
            outbox=outbox,
            clock=self.clock,
            audiences=audiences,
            people=self.people,
        )
        schedule_service = self.schedules = ScheduleService(
            storage=storage,
            config=self.config,
            audiences=audiences,
            people=self.people,
            i18n=self.i18n,
            outbox=outbox,
            clock=self.clock,
        )
        await schedule_service.seed(self.seeds)
        self.deadlines = DeadlineSweep(
            storage=storage,
            rules=self.config.deadlines,
            people=self.people,
            notifier=notifier,
            outbox=outbox,
            clock=self.clock,
        )
        stats_service = StatsService(
            storage=storage,
            config=self.config,
            grid=self.grid,
            people=self.people,
            i18n=self.i18n,
            clock=self.clock,
        )
        presenter = StatsPresenter(
            config=self.config, grid=self.grid, people=self.people, i18n=self.i18n
        )
        digests = self.digests = DigestService(
            storage=storage,
            config=self.config,
            people=self.people,
            stats=stats_service,
            presenter=presenter,
            notifier=notifier,
            outbox=outbox,
            clock=self.clock,
        )
        persistence = SQLitePersistence(storage.conversations)
        downloads = self.downloads = download_client(self.config)
        await downloads.initialize()
        application = self.application = (
            ApplicationBuilder()
            .token(self.config.token)
            .context_types(CONTEXT_TYPES)
            .base_url(self.config.telegram.base_url)
            .base_file_url(self.config.telegram.base_file_url)
            .defaults(Defaults(tzinfo=self.config.general.tz))
            .persistence(persistence)
            .concurrent_updates(
                PerPersonUpdateProcessor(CONCURRENT_UPDATES, persistence.checkpoint)
            )
            .updater(None)  # handlers.inbox takes the updates instead (polling or webhook)
            .connection_pool_size(REPLY_CONNECTIONS)
            .rate_limiter(
                # Groups: Telegram's 20 a minute. The bot-wide rate is the outbox's own pace:
                # this limiter's overall bucket stalled when many sends waited on it at once.
                AIORateLimiter(
                    overall_max_rate=0,
                    group_max_rate=self.config.delivery.group_messages_per_minute,
                    group_time_period=60,
                    max_retries=0,
                )
            )
            .build()
        )
        pace = Pace(self.config.delivery.messages_per_second)
        application.bot_data["services"] = common.Services(
            config=self.config,
            storage=storage,
            grid=self.grid,
            people=self.people,
            i18n=self.i18n,
            reports=reports,
            notifier=notifier,
            notices=notice_service,
            schedules=schedule_service,
            media=MediaStore(self.config.storage.media_dir),
            clock=self.clock,
            stats=stats_service,
            stats_presenter=presenter,
            digests=digests,
            audit=audit,
            roles=role_service,
            moderation=ModerationService(
                storage=storage,
                people=self.people,
                notifier=notifier,
                audit=audit,
                outbox=outbox,
                clock=self.clock,
            ),
            privacy=PrivacyService(
                storage=storage, config=self.config, people=self.people, clock=self.clock
            ),
            flood=FloodGuard(
                self.clock,
                max_updates=limits.flood_updates,
                window=timedelta(seconds=limits.flood_window_seconds),
                mute=timedelta(seconds=limits.flood_mute_seconds),
            ),
            menus=menus,
            pace=pace,
            downloads=downloads,
            deliveries=DeliveryFailures(
                storage=storage,
                people=self.people,
                grid=self.grid,
                i18n=self.i18n,
                outbox=outbox,
                audit=audit,
                clock=self.clock,
                department_names={
                    key: department.name.model_dump()
                    for key, department in self.config.departments.items()
                },
                timezone=self.config.general.tz,
            ),
        )
        bot = application.bot
        application.bot_data[errors.REPORTER] = ErrorReporter(
            self.config.telegram.maintainer_chat_id,
            self.clock,
            lambda chat_id, text: bot.send_message(chat_id, text),
        )
        persistence.serve(application)
        self._register_handlers(application)
        await application.initialize()
        await application.start()
        self.inbox = self._receiver(application, storage)
        await self.inbox.start()
        self.worker = DeliveryWorker(
            storage.outbox,
            outbox,
            TelegramSender(
                application.bot, PhotoCopies(self.downloads, storage.deliveries, self.clock)
            ),
            self.clock,
            pace=pace,
            concurrency=self.config.delivery.concurrency,
            notices=notice_service,
            failures=storage.deliveries,
        )
        await self.worker.start()
        assert application.job_queue is not None
        application.job_queue.run_repeating(
            notices.follow_notices,
            interval=self.config.notices.progress_every_seconds,
            first=1,
            name="follow-notices",
        )
        application.job_queue.run_repeating(
            deliveries.tell_office,
            interval=TELL_EVERY_SECONDS,
            first=TELL_EVERY_SECONDS,
            name="tell-office-of-failed-deliveries",
        )
        await self.sweep_now()
        application.job_queue.run_repeating(
            self._tick, interval=self.config.deadlines.sweep_every_seconds, name="deadline-sweep"
        )
        for schedule in await schedule_service.active():
            self._register_schedule(schedule)
        schedule_service.changed.append(self._register_schedule)
        application.job_queue.run_repeating(
            stats.send_digests,
            interval=self.config.stats.check_every_seconds,
            first=1,
            name="stats-digests",
        )
        application.job_queue.run_daily(
            privacy.purge_media,
            time(hour=self.config.privacy.purge_hour, tzinfo=self.config.general.tz),
            name="media-retention",
        )
        await menus.set_defaults(application.bot, self.people.office_chat_id)
        await menus.set_for_everyone(application.bot)

    def _receiver(
        self, application: Application[Any, Any, Any, Any, Any, Any], storage: Storage
    ) -> InboxPoller | InboxWebhook:
        """Long polling, or with `[telegram] webhook_url` our webhook server; both keep every
        update in the inbox before Telegram may forget it."""
        telegram = self.config.telegram
        if not telegram.webhook_url:
            return InboxPoller(application, storage.conversations, timeout=int(self.poll_timeout))
        return InboxWebhook(
            application,
            storage.conversations,
            url=telegram.webhook_url,
            secret=self.config.webhook_secret,
            listen=telegram.webhook_listen,
            port=telegram.webhook_port,
            path=telegram.webhook_path,
            max_connections=telegram.webhook_max_connections,
        )

    async def sweep_now(self) -> int:
        """Take every deadline step and send every schedule firing that is due by the bot's
        clock, now (the minute tick does the same); returns how many were taken or sent."""
        assert self.deadlines is not None and self.schedules is not None
        steps = await self.deadlines.sweep()
        return steps + await self.schedules.fire_due()

    async def time_moved(self) -> None:
        """The clock jumped ahead (the playground's fast-forward): do time-driven work now
        instead of at its next tick — deliver what has come due, take the deadline steps and
        send the reminders and digests that are due, and re-time the schedules' jobs."""
        if self.outbox is not None:
            self.outbox.poke()
        if self.schedules is not None:
            await self.sweep_now()
            for schedule in await self.schedules.active():
                self._register_schedule(schedule)
        if self.digests is not None:
            await self.digests.send_due()

    async def _tick(self, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self.sweep_now()

    async def _fire_schedules(self, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert self.schedules is not None
        await self.schedules.fire_due()

    def _register_schedule(self, schedule: Schedule) -> None:
        """One APScheduler job per active schedule, woken at each of its firings (the event
        and its advance reminders) in the configured timezone; re-made on every change."""
        assert self.application is not None and self.application.job_queue is not None
        assert self.schedules is not None
        job_queue = self.application.job_queue
        name = f"schedule-{schedule.id}"
        for job in job_queue.get_jobs_by_name(name):
            job.schedule_removal()
        if schedule.state != ScheduleState.ACTIVE:
            return
        trigger = TimetableTrigger(self.schedules.timetable(schedule), self.clock)
        job_queue.run_custom(
            self._fire_schedules,
            job_kwargs={"trigger": trigger, "misfire_grace_time": None, "coalesce": True},
            name=name,
        )

    async def stop(self) -> None:
        """Stop in reverse order; conversations and drafts are flushed to the database."""
        if self.worker:
            await self.worker.stop()
        application = self.application
        if application is not None:
            if self.inbox is not None:
                await self.inbox.stop()
            if application.running:
                await application.stop()
            await application.shutdown()
        if self.downloads is not None:
            await self.downloads.shutdown()
            self.downloads = None
        if self.storage:
            await self.storage.close()

    def _register_handlers(self, application: Application[Any, Any, Any, Any, Any, Any]) -> None:
        # Group 0, first match wins: the grid member's and the office's short conversations come
        # before reporting, so that a photo sent while fixing is the after-photo, not a new report.
        journeys = [
            *tasks.build(),
            *office.build(),
            *notices.build(),
            *new_schedule.build(),
            *schedules.build(),
            *orders.build(),
            *reporting.build(self.i18n),
            *news.build(),
            *stats.build(),
            *invitations.build(),
            *team.build(),
            *area.build(),
            *moderation.build(),
            *privacy.build(),
            *deliveries.build(),
        ]
        for handler in journeys:
            application.add_handler(handler)
        press = common.button_regex
        application.add_handlers(
            [
                CommandHandler("help", start.show_help),
                MessageHandler(
                    filters.Regex(press(self.i18n, common.HELP_BUTTON)), start.show_help
                ),
                CommandHandler("lang", start.choose_language),
                CallbackQueryHandler(start.set_language, pattern=ChooseLanguage.pattern()),
                CommandHandler("myreports", start.my_reports),
                MessageHandler(
                    filters.Regex(press(self.i18n, common.MY_REPORTS_BUTTON)), start.my_reports
                ),
                CallbackQueryHandler(start.stale_button),
                MessageHandler(filters.UpdateType.MESSAGE, start.stray_input),
            ]
        )
        # Group -4, before anything else: one person's flood is dropped here (handlers.guard).
        application.add_handler(TypeHandler(Update, guard.flood_gate), group=-4)
        # Group -3: who is writing, their roles and language, looked up once for the groups after.
        application.add_handler(TypeHandler(Update, resolve_person), group=-3)
        # Group -2: a person who writes to us can be reached again.
        application.add_handler(TypeHandler(Update, news.talked_again), group=-2)
        # Group -1: which chats and updates are served at all; role holders' menus kept current.
        application.add_handler(TypeHandler(Update, guard.admit), group=-1)
        # Conversation steps and drafts are stored after each update by the update processor
        # (handlers.ordering, handlers.persistence), together, in one transaction.
        application.add_error_handler(errors.on_error)
