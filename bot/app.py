"""The bot's lifecycle: load what needs no network, then start the database, the services
(`bot.wiring`), the Application (`bot.clients`, `bot.routing`), the inbox, the outbox worker and
the jobs; stop them in reverse."""

from __future__ import annotations

import functools
import logging
import os
import warnings
from datetime import time
from typing import Any

from telegram import Bot
from telegram.ext import Application, ContextTypes, ExtBot
from telegram.warnings import PTBUserWarning

from bot.clients import build_application, download_client, telegram_client
from bot.core.clock import Clock, SystemClock
from bot.core.config import Config
from bot.core.i18n import I18n
from bot.delivery.failures import TELL_EVERY_SECONDS
from bot.delivery.outbox import DeliveryWorker, Outbox
from bot.notices.service import NoticeService
from bot.people.directory import People
from bot.places.grid import Grid
from bot.reporting.deadlines import DeadlineSweep
from bot.routing import register_handlers
from bot.schedules.recurrence import TimetableTrigger
from bot.schedules.service import Schedule, ScheduleService, ScheduleState, seeded_schedules
from bot.stats.digest import DigestService
from bot.wiring import Town, wire
from handlers import deliveries, errors, notices, privacy, stats
from handlers.delivery import TelegramSender
from handlers.errors import ErrorReporter
from handlers.inbox import InboxPoller, InboxWebhook
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
            checked_in=config.storage.database.parent,
        )
        self.people = People(config, self.grid)
        self.seeds = seeded_schedules(config, self.grid)
        self.i18n = I18n(config.general.default_language, office=config.office.name.model_dump())
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

    @functools.cached_property
    def telegram(self) -> ExtBot[int]:
        """The Application's client, made before the Application so that `python -m bot`
        checks the token with its getMe (the Application then asks no more)."""
        return telegram_client(self.config)

    async def start(self) -> None:
        """Open the database, start polling, resume any undelivered notifications and catch
        up on reminders and deadlines that came due while the bot was not running."""
        config = self.config
        storage = self.storage = await Storage.open(
            config.storage.database, pepper=config.privacy.pepper.get_secret_value()
        )
        downloads = self.downloads = download_client(config)
        await downloads.initialize()  # no network: its connections open when first used
        town = Town(
            config=config, grid=self.grid, people=self.people, i18n=self.i18n, clock=self.clock
        )
        wiring = await wire(town, storage, self.seeds, downloads)
        services = wiring.services
        self.outbox, self.deadlines = wiring.outbox, wiring.deadlines
        self.notices, self.schedules, self.digests = (
            services.notices,
            services.schedules,
            services.digests,
        )
        persistence = SQLitePersistence(storage.conversations)
        application = self.application = build_application(self.telegram, persistence)
        application.bot_data["services"] = services
        bot = application.bot
        application.bot_data[errors.REPORTER] = ErrorReporter(
            config.telegram.maintainer_chat_id,
            self.clock,
            lambda chat_id, text: bot.send_message(chat_id, text),
        )
        persistence.serve(application)
        register_handlers(application, self.i18n)
        await application.initialize()
        await application.start()
        self.inbox = self._receiver(application, storage)
        await self.inbox.start()
        self.worker = DeliveryWorker(
            storage.outbox,
            wiring.outbox,
            TelegramSender(bot, PhotoCopies(downloads, storage.deliveries, self.clock)),
            self.clock,
            pace=services.pace,
            concurrency=config.delivery.concurrency,
            notices=services.notices,
            failures=storage.deliveries,
        )
        await self.worker.start()
        await self._start_jobs(application)
        await services.menus.set_defaults(bot, self.people.office_chat_id)
        await services.menus.set_for_everyone(bot)

    async def _start_jobs(self, application: Application[Any, Any, Any, Any, Any, Any]) -> None:
        """The repeating jobs: notice progress, failed deliveries, the deadline sweep (taken
        once now), each schedule's firings, the digests and the daily media purge."""
        assert application.job_queue is not None and self.schedules is not None
        jobs, config = application.job_queue, self.config
        jobs.run_repeating(
            notices.follow_notices,
            interval=config.notices.progress_every_seconds,
            first=1,
            name="follow-notices",
        )
        jobs.run_repeating(
            deliveries.tell_office,
            interval=TELL_EVERY_SECONDS,
            first=TELL_EVERY_SECONDS,
            name="tell-office-of-failed-deliveries",
        )
        await self.sweep_now()
        jobs.run_repeating(
            self._tick, interval=config.deadlines.sweep_every_seconds, name="deadline-sweep"
        )
        for schedule in await self.schedules.active():
            self._register_schedule(schedule)
        self.schedules.changed.append(self._register_schedule)
        jobs.run_repeating(
            stats.send_digests,
            interval=config.stats.check_every_seconds,
            first=1,
            name="stats-digests",
        )
        jobs.run_daily(
            privacy.purge_media,
            time(hour=config.privacy.purge_hour, tzinfo=config.general.tz),
            name="media-retention",
        )

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
        if "telegram" in self.__dict__:  # the client, if made: a start that failed half-way
            await self.telegram.shutdown()  # leaves it open (a second shutdown does nothing)
        if self.downloads is not None:
            await self.downloads.shutdown()
            self.downloads = None
        if self.storage:
            await self.storage.close()
