"""The composition root: the only place that knows every piece and wires them together."""

from __future__ import annotations

import logging
import warnings

from telegram import BotCommand, BotCommandScopeAllPrivateChats, BotCommandScopeChat, Update
from telegram.error import TelegramError
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
from telegram.warnings import PTBUserWarning

from bot import callbacks
from bot.audiences import Audiences
from bot.clock import Clock, SystemClock
from bot.config import Config
from bot.deadlines import DeadlineSweep
from bot.grid import Grid
from bot.i18n import N_, I18n
from bot.media import MediaStore
from bot.notices import NoticeService
from bot.notifier import Notifier
from bot.outbox import DeliveryWorker, Outbox
from bot.people import People
from bot.quiet_hours import QuietHours
from bot.recurrence import TimetableTrigger
from bot.reports import ReportService
from bot.schedules import Schedule, ScheduleService, ScheduleState, seeded_schedules
from bot.stats.digest import DigestService
from bot.stats.present import StatsPresenter
from bot.stats.service import StatsService
from handlers import (
    common,
    new_schedule,
    news,
    notices,
    office,
    orders,
    reporting,
    schedules,
    stats,
    tasks,
)
from handlers.delivery import TelegramSender
from handlers.ordering import PerPersonUpdateProcessor
from handlers.persistence import SQLitePersistence
from storage import Storage

log = logging.getLogger(__name__)

# Our conversations take buttons as entry points on purpose, keyed per chat and user: every
# button re-checks the report in the database, so per-message tracking is not needed.
warnings.filterwarnings("ignore", message="If 'per_message=False'", category=PTBUserWarning)

# Updates of different people handled at once (one person's always in order).
CONCURRENT_UPDATES = 64

PRIVATE_COMMANDS = (
    ("report", N_("Report dumping or a dirty corner")),
    ("myreports", N_("My reports and their status")),
    ("news", N_("Recent notices from the office")),
    ("home", N_("Set the village and hamlet you live in")),
    ("notices", N_("Turn office notices on or off")),
    ("tasks", N_("Grid members: my open tasks")),
    ("lang", N_("Change language")),
    ("help", N_("How to use this bot")),
    ("cancel", N_("Stop what you are doing")),
)

# Office admins see these too, in their own private chat's menu.
OFFICE_COMMANDS = (
    ("queue", N_("Office: reports waiting to be routed")),
    ("stats", N_("Office: figures and chart for a period")),
    ("ranking", N_("Office: Top-10 and Bottom-10 hamlets")),
    ("map", N_("Office: map of open reports")),
    ("export", N_("Office: XLSX and CSV of a period")),
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
        self.application: Application | None = None
        self.worker: DeliveryWorker | None = None
        self.notices: NoticeService | None = None
        self.outbox: Outbox | None = None
        self.schedules: ScheduleService | None = None
        self.deadlines: DeadlineSweep | None = None

    async def start(self) -> None:
        """Open the database, start polling, resume any undelivered notifications and catch
        up on reminders and deadlines that came due while the bot was not running."""
        storage = self.storage = await Storage.open(self.config.storage.database)
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
            clock=self.clock,
        )
        notice_service = self.notices = NoticeService(
            storage=storage,
            config=self.config,
            i18n=self.i18n,
            outbox=outbox,
            clock=self.clock,
            audiences=audiences,
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
        digests = DigestService(
            storage=storage,
            config=self.config,
            people=self.people,
            stats=stats_service,
            presenter=presenter,
            notifier=notifier,
            outbox=outbox,
            clock=self.clock,
        )
        application = self.application = (
            ApplicationBuilder()
            .token(self.config.token)
            .base_url(self.config.telegram.base_url)
            .base_file_url(self.config.telegram.base_file_url)
            .defaults(Defaults(tzinfo=self.config.general.tz))
            .persistence(SQLitePersistence(storage.conversations))
            .concurrent_updates(PerPersonUpdateProcessor(CONCURRENT_UPDATES))
            .connection_pool_size(16)
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
        )
        self._register_handlers(application)
        await application.initialize()
        await application.start()
        assert application.updater is not None
        await application.updater.start_polling(
            poll_interval=0, timeout=int(self.poll_timeout), allowed_updates=Update.ALL_TYPES
        )
        self.worker = DeliveryWorker(
            storage.outbox,
            outbox,
            TelegramSender(application.bot),
            self.clock,
            messages_per_second=self.config.delivery.messages_per_second,
            concurrency=self.config.delivery.concurrency,
            notices=notice_service,
        )
        await self.worker.start()
        assert application.job_queue is not None
        application.job_queue.run_repeating(
            notices.follow_notices,
            interval=self.config.notices.progress_every_seconds,
            first=1,
            name="follow-notices",
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
        await self._set_command_menus(application)

    async def sweep_now(self) -> int:
        """Take every deadline step and send every schedule firing that is due by the bot's
        clock, now (the minute tick does the same); returns how many were taken or sent."""
        assert self.deadlines is not None and self.schedules is not None
        steps = await self.deadlines.sweep()
        return steps + await self.schedules.fire_due()

    async def time_moved(self) -> None:
        """The clock jumped ahead (the playground's fast-forward): do time-driven work now
        instead of at its next tick — deliver what has come due, take the deadline steps and
        send the reminders that are due, and re-time the schedules' jobs."""
        if self.outbox is not None:
            self.outbox.poke()
        if self.schedules is not None:
            await self.sweep_now()
            for schedule in await self.schedules.active():
                self._register_schedule(schedule)

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
            if application.updater and application.updater.running:
                await application.updater.stop()
            if application.running:
                await application.stop()
            await application.shutdown()
        if self.storage:
            await self.storage.close()

    def _register_handlers(self, application: Application) -> None:
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
        ]
        for handler in journeys:
            application.add_handler(handler)
        press = common.button_regex
        application.add_handlers(
            [
                CommandHandler("help", common.show_help),
                MessageHandler(
                    filters.Regex(press(self.i18n, common.HELP_BUTTON)), common.show_help
                ),
                CommandHandler("lang", common.choose_language),
                CallbackQueryHandler(
                    common.set_language, pattern=callbacks.pattern(common.LANGUAGE)
                ),
                CommandHandler("myreports", common.my_reports),
                MessageHandler(
                    filters.Regex(press(self.i18n, common.MY_REPORTS_BUTTON)), common.my_reports
                ),
                CallbackQueryHandler(common.stale_button),
                MessageHandler(filters.UpdateType.MESSAGE, common.stray_input),
            ]
        )
        # Group -2, before anything else: a person who writes to us can be reached again.
        application.add_handler(TypeHandler(Update, news.talked_again), group=-2)
        # Group 1: write conversation state and drafts through after every update, so that even
        # a crash (not only a clean stop) resumes the conversation where it was.
        application.add_handler(TypeHandler(Update, _persist_now), group=1)
        application.add_error_handler(common.on_error)

    async def _set_command_menus(self, application: Application) -> None:
        for language in self.i18n.languages:
            _ = self.i18n.translator(language).gettext
            commands = [BotCommand(name, _(description)) for name, description in PRIVATE_COMMANDS]
            try:
                await application.bot.set_my_commands(
                    commands, scope=BotCommandScopeAllPrivateChats(), language_code=language
                )
            except TelegramError as error:
                log.warning("could not set the %s command menu: %s", language, error)
            office = commands + [BotCommand(name, _(text)) for name, text in OFFICE_COMMANDS]
            for admin in sorted(self.people.office_admins):
                try:
                    await application.bot.set_my_commands(
                        office, scope=BotCommandScopeChat(admin), language_code=language
                    )
                except TelegramError as error:
                    log.warning("could not set office admin %s's menu: %s", admin, error)


async def _persist_now(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await context.application.update_persistence()
