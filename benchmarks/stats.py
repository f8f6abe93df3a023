"""The office's numbers on ten years of a town: 100,000 reports and their event logs.

Prints, for the year before "now" and for the last complete month (the monthly digest):
the time of the queries and indicators computed afresh and, for complete periods, answered
again from the kept figures, then of the chart, the map and the XLSX export, each the median
of a few runs, against the 500 ms target for the queries. The chart and the map are drawn in
the drawing process (`bot.stats.drawing`), as in the bot: their times include handing the
work over and the PNG back.

Run: `make bench` (or `.venv/bin/python -m benchmarks.stats [--reports N]`).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.core.config import Config, load_config
from bot.core.i18n import I18n
from bot.people.directory import People
from bot.places.grid import Grid
from bot.reporting.lifecycle import Action, State
from bot.stats.periods import Period, PeriodKind, containing
from bot.stats.present import StatsPresenter
from bot.stats.service import TOWN, StatsService
from storage import Storage

ROOT = Path(__file__).parent.parent
NOW = datetime(2026, 11, 29, 3, 0, tzinfo=UTC)
YEARS = 10
TARGET_MS = 500

_REPORT = """INSERT INTO reports (id, reporter_id, category, state, latitude, longitude,
    location_source, hamlet_id, village_id, duplicate_of, created_at, updated_at)
    VALUES (?, ?, ?, ?, ?, ?, 'gps', ?, ?, ?, ?, ?)"""
_EVENT = """INSERT INTO report_events (report_id, at, actor_id, from_state, to_state, action,
    due_at) VALUES (?, ?, ?, ?, ?, ?, ?)"""


def history(
    rng: random.Random, report_id: int, created: datetime, fix_hours: float, member: int
) -> tuple[str, list[tuple]]:
    """One report's life drawn at random: mostly the main story, with every side path."""
    events: list[tuple] = []
    clock = [created]

    def step(
        hours: float,
        from_state: str | None,
        to_state: str,
        action: str,
        actor: int | None = None,
        deadline_hours: float | None = None,
    ) -> None:
        at = clock[0] = clock[0] + timedelta(hours=hours)
        if at >= NOW:
            raise TimeoutError
        due = at + timedelta(hours=deadline_hours) if deadline_hours else None
        row = (report_id, at.isoformat(), actor, from_state, to_state, action)
        events.append((*row, due.isoformat() if due else None))

    reporter = 800_000 + report_id % 5000
    try:
        step(0, None, State.SUBMITTED, Action.SUBMIT, reporter)
        roll = rng.random()
        if roll < 0.03:
            step(rng.uniform(1, 30), State.SUBMITTED, State.REJECTED, Action.REJECT, 900001)
            return State.REJECTED, events
        if roll < 0.08:
            step(
                rng.uniform(2, 40),
                State.SUBMITTED,
                State.ASSIGNED,
                Action.ASSIGN,
                900001,
                fix_hours,
            )
        else:
            step(0, State.SUBMITTED, State.ASSIGNED, Action.ROUTE, None, fix_hours)
        state = State.ASSIGNED
        for attempt in range(3):
            step(rng.expovariate(1 / 6), state, State.ACCEPTED, Action.ACCEPT, member)
            if rng.random() < 0.05:
                step(fix_hours, State.ACCEPTED, State.ACCEPTED, Action.ESCALATE)
            fix_after = rng.expovariate(1 / (fix_hours * 0.6))
            step(fix_after, State.ACCEPTED, State.FIXED, Action.FIX, member)
            if rng.random() < 0.1 and attempt < 2:
                step(
                    rng.uniform(1, 48),
                    State.FIXED,
                    State.REOPENED,
                    Action.REOPEN,
                    reporter,
                    fix_hours,
                )
                state = State.REOPENED
                continue
            step(rng.uniform(1, 60), State.FIXED, State.CLOSED, Action.CONFIRM, reporter)
            return State.CLOSED, events
    except TimeoutError:
        return events[-1][4], events
    return state, events


async def fill(storage: Storage, config: Config, grid: Grid, people: People, count: int) -> None:
    """Write `count` reports spread over ten years before NOW, in bulk (one transaction)."""
    rng = random.Random(6)
    hamlets = sorted(grid.hamlets.values(), key=lambda hamlet: hamlet.id)
    weights = [hamlet.households for hamlet in hamlets]
    categories = sorted(config.categories)
    first = NOW - timedelta(days=365 * YEARS)
    step = (NOW - first) / count
    reports, events = [], []
    recent: list[tuple[int, str, float, float, datetime]] = []
    for report_id in range(1, count + 1):
        created = first + step * (report_id - 1) + timedelta(seconds=rng.uniform(0, 60))
        hamlet = rng.choices(hamlets, weights)[0]
        latitude, longitude = grid.representative_point(hamlet.id)
        latitude += rng.uniform(-0.004, 0.004)
        longitude += rng.uniform(-0.004, 0.004)
        category = rng.choice(categories)
        members = people.grid_members_of(hamlet.id)
        duplicate_of = None
        if recent and rng.random() < 0.05:
            original = rng.choice(recent[-20:])
            duplicate_of, category, latitude, longitude = original[:4]
        if duplicate_of is not None:
            state = State.DUPLICATE
            log = [
                (
                    report_id,
                    created.isoformat(),
                    800_001,
                    None,
                    State.SUBMITTED,
                    Action.SUBMIT,
                    None,
                ),
                (
                    report_id,
                    created.isoformat(),
                    None,
                    State.SUBMITTED,
                    State.DUPLICATE,
                    Action.MARK_DUPLICATE,
                    None,
                ),
            ]
        else:
            fix_hours = config.categories[category].fix_hours
            state, log = history(rng, report_id, created, fix_hours, members[0])
            recent.append((report_id, category, latitude, longitude, created))
        reports.append(
            (
                report_id,
                800_000 + report_id % 5000,
                category,
                state,
                latitude,
                longitude,
                hamlet.id,
                hamlet.village_id,
                duplicate_of,
                created.isoformat(),
                created.isoformat(),
            )
        )
        events.extend(log)
    async with storage.database.transaction() as connection:
        await connection.executemany(
            "INSERT OR IGNORE INTO users (user_id, created_at, updated_at) VALUES (?, ?, ?)",
            [(800_000 + number, NOW.isoformat(), NOW.isoformat()) for number in range(5000)],
        )
        await connection.executemany(_REPORT, reports)
        await connection.executemany(_EVENT, events)


async def timed(runs: int, work: Callable[[], Awaitable[object]]) -> float:
    """Median milliseconds of `runs` calls (after one warm-up call)."""
    await work()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        await work()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


class PinnedClock:
    def now(self) -> datetime:
        return NOW


async def main(count: int, runs: int) -> None:
    config = load_config(ROOT / "config.toml")
    grid = Grid.load(config.grid.geojson)
    people = People(config, grid)
    i18n = I18n(config.general.default_language)
    with tempfile.TemporaryDirectory() as folder:
        storage = await Storage.open(Path(folder) / "bench.sqlite3")
        try:
            started = time.perf_counter()
            await fill(storage, config, grid, people, count)
            events = await storage.database.fetch_one("SELECT COUNT(*) FROM report_events")
            print(
                f"filled {count:,} reports, {events[0]:,} events over {YEARS} years "
                f"in {time.perf_counter() - started:.1f} s"
            )

            def fresh() -> StatsService:
                """A service that has kept nothing yet."""
                return StatsService(
                    storage=storage,
                    config=config,
                    grid=grid,
                    people=people,
                    i18n=i18n,
                    clock=PinnedClock(),
                )

            stats = fresh()
            presenter = StatsPresenter(config=config, grid=grid, people=people, i18n=i18n)
            tz = config.general.tz
            this_year = containing(PeriodKind.YEAR, NOW, tz)
            last_month = containing(PeriodKind.MONTH, NOW, tz).previous()
            rows = []
            for label, period in [
                (f"/stats for a year ({this_year.previous().key}, complete)", this_year.previous()),
                (f"/stats for a year ({this_year.key}, so far)", this_year),
                (f"/stats for an old year ({this_year.key[:2]}17)", _year(2017, tz)),
            ]:
                figures = await stats.figures(period)
                milliseconds = await timed(runs, lambda period=period: fresh().figures(period))
                rows.append((label, milliseconds, figures.town.received))
                if figures.complete:
                    kept = await timed(runs, lambda period=period: stats.figures(period))
                    rows.append(("  the same again (kept)", kept, figures.town.received))

            async def digest_queries() -> None:
                service = fresh()
                figures = await service.figures(last_month)
                await service.duplicate_counts(figures)

            milliseconds = await timed(runs, digest_queries)
            month_figures = await stats.figures(last_month)
            rows.append(
                (
                    f"monthly digest queries ({last_month.key})",
                    milliseconds,
                    month_figures.town.received,
                )
            )
            print(f"\n{'queries and indicators':<48} {'median ms':>10} {'÷ 500 ms':>9} reports")
            for label, milliseconds, received in rows:
                print(
                    f"{label:<48} {milliseconds:>10.0f} {milliseconds / TARGET_MS:>9.2f} "
                    f"{received:>7,}"
                )
            # Drawn afresh each run: figures not marked complete keep no pictures.
            kept_year = await stats.figures(this_year.previous())
            year = replace(kept_year, complete=False, pictures={})
            month_figures = replace(month_figures, complete=False, pictures={})
            duplicates = await stats.duplicate_counts(month_figures)
            print(f"\n{'rendering (not part of the 500 ms)':<48} {'median ms':>10}")
            for label, work in [
                ("chart PNG, a year", lambda: presenter.chart_png(year, TOWN, "zh")),
                (
                    "  the same again (kept with the figures)",
                    lambda: presenter.chart_png(kept_year, TOWN, "zh"),
                ),
                ("chart PNG, a month", lambda: presenter.chart_png(month_figures, TOWN, "zh")),
                ("town map PNG, a month", lambda: presenter.map_png(month_figures, "zh")),
                (
                    "XLSX export, a month",
                    lambda: presenter.export_xlsx(month_figures, duplicates, "zh"),
                ),
            ]:
                milliseconds = await timed(runs, lambda work=work: asyncio.to_thread(work))
                print(f"{label:<48} {milliseconds:>10.0f}")
            town = year.town
            print(
                f"\n{this_year.previous().key}: closure {town.closure_rate:.1%}, on time "
                f"{town.on_time_rate:.1%}, rework {town.rework_rate:.1%}, recurrence "
                f"{town.recurrence_rate:.1%}, fix p50/p90 {town.fix_p50:.0f}/{town.fix_p90:.0f} h"
            )
        finally:
            await storage.close()


def _year(year: int, tz: ZoneInfo) -> Period:
    return Period(PeriodKind.YEAR, date(year, 1, 1), tz)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.reports, arguments.runs))
