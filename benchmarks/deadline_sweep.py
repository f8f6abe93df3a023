"""One deadline sweep with 100,000 open reports in the database.

Open reports (assigned, accepted, fixed) are spread over the last four days, each with its
next escalation step stored as the sweep leaves it. The sweep then runs minute after minute
on a moving clock, as the bot's one-a-minute job does: it finds what has come due through the
`next_step_at` index, logs the events and queues the reminders and escalations. Prints, per
scenario, the steps taken and the time of one sweep (median and worst of the minutes), and
the ratio to the 100 ms target; then a catch-up after an hour's outage, in batches.

Run: `make bench` (or `.venv/bin/python -m benchmarks.deadline_sweep [--reports N]`).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.core.clock import OffsetClock
from bot.core.config import Config, load_config
from bot.core.i18n import I18n
from bot.core.models import Report
from bot.delivery.notifier import Notifier
from bot.delivery.outbox import Outbox
from bot.people.directory import People
from bot.places.grid import Grid
from bot.reporting.deadlines import DeadlineSweep, next_step_at
from bot.reporting.lifecycle import State
from storage import Storage

ROOT = Path(__file__).parent.parent
TARGET_MS = 100
MINUTES = 15
START = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)  # 10:00 in Santang: no quiet hours
REPORTERS = 5_000


def write_config(folder: Path) -> Config:
    text = (ROOT / "config.toml").read_text(encoding="utf-8")
    text = text.replace('database = "data/cleanvillage.sqlite3"', f'database = "{folder}/b.db"')
    text = text.replace('geojson = "bot/sample/', f'geojson = "{ROOT}/bot/sample/')
    path = folder / "config.toml"
    path.write_text(text, encoding="utf-8")
    return load_config(path)


def open_reports(config: Config, grid: Grid, count: int, now: datetime) -> list[Report]:
    """`count` open reports assigned in the last four days, as the sweep would leave them."""
    rng = random.Random(7)
    hamlets = sorted(grid.hamlets.values(), key=lambda hamlet: hamlet.id)
    categories = list(config.categories.items())
    reports = []
    for index in range(1, count + 1):
        key, rules = rng.choice(categories)
        hamlet = rng.choice(hamlets)
        assigned = now - timedelta(seconds=rng.uniform(0, 4 * 24 * 3600))
        roll = rng.random()
        state = State.ACCEPTED if roll < 0.5 else State.ASSIGNED if roll < 0.85 else State.FIXED
        fixed = assigned + (now - assigned) * rng.random() if state == State.FIXED else None
        report = Report(
            id=index,
            reporter_id=1 + index % REPORTERS,
            category=key,
            state=state,
            latitude=None,
            longitude=None,
            location_source="picker",
            hamlet_id=hamlet.id,
            village_id=hamlet.village_id,
            description="路边垃圾",
            duplicate_of=None,
            created_at=assigned,
            assigned_at=assigned,
            ack_due_at=assigned + timedelta(hours=rules.ack_hours),
            fix_due_at=assigned + timedelta(hours=rules.fix_hours),
            accepted_by=None,
            fixed_at=fixed,
            fix_note=None,
            closed_at=None,
        )
        step = next_step_at(report, config.deadlines, now, keep_progress=False)
        reports.append(Report(**{**report.__dict__, "next_step_at": step}))
    return reports


async def fill(storage: Storage, reports: list[Report], now: datetime) -> None:
    def text(moment: datetime | None) -> str | None:
        return moment.isoformat() if moment else None

    async with storage.database.transaction() as connection:
        await connection.executemany(
            "INSERT INTO users (user_id, created_at, updated_at) VALUES (?, ?, ?)",
            [(user_id, now.isoformat(), now.isoformat()) for user_id in range(1, REPORTERS + 1)],
        )
        await connection.executemany(
            """INSERT INTO reports (id, reporter_id, category, state, location_source, hamlet_id,
                   village_id, description, created_at, assigned_at, ack_due_at, fix_due_at,
                   fixed_at, updated_at, next_step_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            [
                (
                    r.id,
                    r.reporter_id,
                    r.category,
                    r.state,
                    r.location_source,
                    r.hamlet_id,
                    r.village_id,
                    r.description,
                    text(r.created_at),
                    text(r.assigned_at),
                    text(r.ack_due_at),
                    text(r.fix_due_at),
                    text(r.fixed_at),
                    text(r.created_at),
                    text(r.next_step_at),
                )
                for r in reports
            ],
        )
    await storage.database.connection.execute("ANALYZE")


async def run(count: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        config = write_config(Path(folder))
        grid = Grid.load(config.grid.geojson)
        people = People(config, grid)
        clock = OffsetClock()
        clock.set(START)
        storage = await Storage.open(config.storage.database)
        try:
            started = time.perf_counter()
            await fill(storage, open_reports(config, grid, count, START), START)
            print(f"{count:,} open reports written in {time.perf_counter() - started:.1f} s")
            outbox = Outbox(storage.outbox, clock)
            notifier = Notifier(
                config=config,
                grid=grid,
                people=people,
                i18n=I18n(config.general.default_language),
                outbox=outbox,
            )
            sweep = DeadlineSweep(
                storage=storage,
                rules=config.deadlines,
                people=people,
                notifier=notifier,
                outbox=outbox,
                clock=clock,
            )

            async def timed() -> tuple[int, float]:
                begun = time.perf_counter()
                steps = await sweep.sweep()
                return steps, (time.perf_counter() - begun) * 1000

            idle = [(await timed())[1] for _ in range(5)]  # nothing new due since the last
            minutes = []
            for _ in range(MINUTES):
                clock.advance(timedelta(minutes=1))
                minutes.append(await timed())
            clock.advance(timedelta(hours=1))  # the bot was down for an hour
            catch_up_steps, catch_up_ms = await timed()
        finally:
            await storage.close()
    times = [ms for _, ms in minutes]
    steps = [taken for taken, _ in minutes]
    print(f"open reports in the database: {count:,}")
    print(
        f"sweep with nothing due: median {statistics.median(idle):.2f} ms, worst {max(idle):.2f} ms"
    )
    print(
        f"sweep of one minute's work ({min(steps)}–{max(steps)} steps, median "
        f"{statistics.median(steps):.0f}): median {statistics.median(times):.1f} ms, "
        f"worst {max(times):.1f} ms; worst ÷ {TARGET_MS} ms target = "
        f"{max(times) / TARGET_MS:.2f}"
    )
    print(
        f"catch-up after a 1-hour outage: {catch_up_steps:,} steps in {catch_up_ms:.0f} ms "
        f"({catch_up_ms / max(catch_up_steps, 1):.2f} ms per step)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=100_000)
    arguments = parser.parse_args()
    asyncio.run(run(arguments.reports))


if __name__ == "__main__":
    main()
