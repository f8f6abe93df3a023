"""The digest: after each month (and quarter, and year) the office gets the summary, the
ranking, the chart and the XLSX export; after each month every grid member and village lead
gets their own short figures. Sent through the persisted outbox, once per period.

Checked every minute (and after a clock jump, at the next check): a period's digest is due
from `digest_hour` on the day after it ends, and still sent within `digest_catch_up_days`
if the bot was down then; a period before the first report ever is skipped (a new
installation does not open with an empty digest). The period's row in `stats_digests` is
written in the same transaction as the outbox rows, so a restart or a second check never
sends it twice.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, time, timedelta
from pathlib import Path

from bot.core.clock import Clock
from bot.core.config import Config
from bot.delivery.notifier import Notifier
from bot.delivery.outbox import Notification, Outbox, Part, Priority, Worded
from bot.people.directory import People
from bot.stats.periods import Period, PeriodKind, containing
from bot.stats.present import StatsPresenter
from bot.stats.service import TOWN, PeriodFigures, StatsService
from storage import Storage

log = logging.getLogger(__name__)


class DigestService:
    def __init__(
        self,
        *,
        storage: Storage,
        config: Config,
        people: People,
        stats: StatsService,
        presenter: StatsPresenter,
        notifier: Notifier,
        outbox: Outbox,
        clock: Clock,
    ) -> None:
        self._storage = storage
        self._config = config
        self._people = people
        self._stats = stats
        self._presenter = presenter
        self._notifier = notifier
        self._outbox = outbox
        self._clock = clock
        self._folder = config.storage.media_dir / "digests"
        self._lock = asyncio.Lock()

    def due_moment(self, period: Period) -> datetime:
        """When the period's digest is due: `digest_hour` local on the day after it ends."""
        day = period.next().first_day
        return datetime.combine(day, time(self._config.stats.digest_hour), period.tz)

    async def send_due(self) -> list[Period]:
        """Queue every digest that is due and not yet sent; returns their periods."""
        async with self._lock:
            now = self._clock.now()
            catch_up = timedelta(days=self._config.stats.digest_catch_up_days)
            sent = []
            for kind in PeriodKind:
                period = containing(kind, now, self._config.general.tz).previous()
                due = self.due_moment(period)
                if not due <= now <= due + catch_up:
                    continue
                if await self._storage.stats.digest_done(kind, period.key):
                    continue
                if not await self._storage.stats.any_report_before(period.end):
                    continue  # a new installation: nothing to tell about that period
                if await self._send(period):
                    sent.append(period)
            if sent:
                self._outbox.poke()
            return sent

    async def _send(self, period: Period) -> bool:
        """Queue the period's digest, worded (charts and workbooks too) in every language, so
        each reader gets it in the one they read when it is sent."""
        figures = await self._stats.figures(period)
        files = {
            language: await self._files(figures, language) for language in self._notifier.languages
        }

        def for_office(language: str) -> tuple[Part, ...]:
            chart, workbook = files[language]
            return (
                Part("text", text=self._presenter.summary_text(figures, TOWN, language)),
                Part("text", text=self._presenter.ranking_text(figures, language)),
                Part("photo", files=(str(chart),), local=True),
                Part("document", files=(str(workbook),), local=True),
            )

        def for_person(chat_id: int) -> Worded:
            def own(language: str) -> tuple[Part, ...]:
                lines = []
                if self._people.is_grid_member(chat_id):
                    lines.append(self._presenter.member_text(figures, chat_id, language))
                for village_id in self._people.villages_led_by(chat_id):
                    lines.append(self._presenter.lead_text(figures, village_id, language))
                return (Part("text", text="\n\n".join(lines)),)

            return self._notifier.worded(own)

        people: set[int] = set()
        if period.kind == PeriodKind.MONTH:
            people = {*self._people.all_grid_members(), *self._people.all_village_leads()}
        office = self._notifier.worded(for_office)
        async with self._storage.transaction() as connection:
            if not await self._storage.stats.claim_digest(
                connection, period.kind, period.key, self._clock.now()
            ):
                return False
            await self._outbox.add_many(
                connection,
                [
                    *(
                        Notification(chat_id, office, priority=Priority.BULK)
                        for chat_id in self._people.office_recipients()
                    ),
                    *(
                        Notification(chat_id, for_person(chat_id), priority=Priority.BULK)
                        for chat_id in sorted(people)
                    ),
                ],
            )
        log.info("queued the %s digest for %s", period.kind, period.key)
        return True

    async def _files(self, figures: PeriodFigures, language: str) -> tuple[Path, Path]:
        """The chart and the workbook on disk, where the outbox uploads them from."""
        folder = self._folder / f"{figures.period.kind}-{figures.period.key}" / language
        folder.mkdir(parents=True, exist_ok=True)
        duplicates = await self._stats.duplicate_counts(figures)
        chart = await asyncio.to_thread(self._presenter.chart_png, figures, TOWN, language)
        workbook = await asyncio.to_thread(
            self._presenter.export_xlsx, figures, duplicates, language
        )
        chart_path = folder / f"stats-{figures.period.key}.png"
        workbook_path = folder / f"stats-{figures.period.key}.xlsx"
        chart_path.write_bytes(chart)
        workbook_path.write_bytes(workbook)
        return chart_path, workbook_path
