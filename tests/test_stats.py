"""The indicators on hand-built event logs with answers worked out by hand (README: "The
office's numbers"), the ranking, periods, and what the pictures and exports hold."""

from __future__ import annotations

import csv
import io
import sqlite3
import warnings
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from fontTools.ttLib import TTFont
from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from openpyxl import load_workbook
from PIL import Image, ImageChops

from bot.core.config import Config, RankingWeights, load_config
from bot.core.i18n import I18n
from bot.core.models import Draft, Location
from bot.people.directory import People
from bot.places.grid import Grid
from bot.reporting.lifecycle import Action, State
from bot.stats import canvas, charts, town_map
from bot.stats.indicators import Figures, percentile
from bot.stats.periods import Period, PeriodKind, containing, parse_period
from bot.stats.present import StatsPresenter
from bot.stats.ranking import rank_hamlets
from bot.stats.service import TOWN, Scope, StatsService
from storage import Storage

ROOT = Path(__file__).parent.parent
REPORTER = 555_001
REPORTER_NAME = "王阿婆"
MEMBER = 100_001
OFFICE = 900_001


class FixedClock:
    def __init__(self, now: datetime) -> None:
        self.moment = now

    def now(self) -> datetime:
        return self.moment


@dataclass
class Desk:
    storage: Storage
    config: Config
    grid: Grid
    clock: FixedClock
    stats: StatsService
    presenter: StatsPresenter

    @property
    def tz(self) -> ZoneInfo:
        return self.config.general.tz

    def local(self, month: int, day: int, hour: int = 9, minute: int = 0) -> datetime:
        return datetime(2026, month, day, hour, minute, tzinfo=self.tz).astimezone(UTC)

    def point(self, hamlet_id: str, east_m: float = 0.0) -> tuple[float, float]:
        latitude, longitude = self.grid.representative_point(hamlet_id)
        return latitude, longitude + east_m / 101_000

    async def report(
        self, at: datetime, hamlet_id: str, *, east_m: float = 0.0, category: str = "household"
    ) -> int:
        """A villager's report as submitted (one `submit` event)."""
        latitude, longitude = self.point(hamlet_id, east_m)
        draft = Draft(
            location=Location(latitude, longitude, "gps"), hamlet_id=hamlet_id, category=category
        )
        async with self.storage.database.transaction() as connection:
            await self.storage.users.ensure(connection, REPORTER, at)
            report_id = await self.storage.reports.insert(
                connection,
                reporter_id=REPORTER,
                draft=draft,
                village_id=self.grid.hamlets[hamlet_id].village_id,
                now=at,
            )
            await self.storage.reports.add_event(
                connection,
                report_id=report_id,
                at=at,
                actor_id=REPORTER,
                from_state=None,
                to_state=State.SUBMITTED,
                action=Action.SUBMIT,
            )
        return report_id

    async def step(
        self,
        report_id: int,
        at: datetime,
        old: State,
        new: State,
        action: Action,
        *,
        due: datetime | None = None,
        actor: int | None = None,
    ) -> None:
        async with self.storage.database.transaction() as connection:
            await self.storage.reports.add_event(
                connection,
                report_id=report_id,
                at=at,
                actor_id=actor,
                from_state=old,
                to_state=new,
                action=action,
                due_at=due,
            )
            await self.storage.reports.update(connection, report_id, at, state=new)

    async def routed(self, at: datetime, hamlet_id: str, **place: float) -> int:
        """Submitted and routed at `at`, with the household category's 72-hour deadline."""
        report_id = await self.report(at, hamlet_id, **place)
        await self.step(
            report_id, at, State.SUBMITTED, State.ASSIGNED, Action.ROUTE, due=at + hours(72)
        )
        return report_id

    async def month(self, month: int) -> Period:
        return Period(PeriodKind.MONTH, datetime(2026, month, 1).date(), self.tz)


def hours(count: float) -> timedelta:
    return timedelta(hours=count)


@pytest.fixture
async def desk(tmp_path: Path) -> AsyncIterator[Desk]:
    config = load_config(ROOT / "config.toml")
    config = config.model_copy(
        update={"storage": config.storage.model_copy(update={"media_dir": tmp_path / "media"})}
    )
    grid = Grid.load(config.grid.geojson)
    people = People(config, grid)
    storage = await Storage.open(tmp_path / "stats.sqlite3")
    clock = FixedClock(datetime(2026, 12, 5, tzinfo=UTC))
    i18n = I18n("zh")
    stats = StatsService(
        storage=storage, config=config, grid=grid, people=people, i18n=i18n, clock=clock
    )
    presenter = StatsPresenter(config=config, grid=grid, people=people, i18n=i18n)
    try:
        yield Desk(storage, config, grid, clock, stats, presenter)
    finally:
        await storage.close()


async def november_log(desk: Desk) -> dict[str, int]:
    """Reports A–K of the README's worked example, in hamlets h01…h09 (far apart)."""
    d, ids = desk, {}
    # A: the main story, on time. Accepted after 1 h, fixed after 24 h, confirmed.
    a = ids["A"] = await d.routed(d.local(11, 3), "h01")
    await d.step(a, d.local(11, 3, 10), State.ASSIGNED, State.ACCEPTED, Action.ACCEPT, actor=MEMBER)
    await d.step(a, d.local(11, 4), State.ACCEPTED, State.FIXED, Action.FIX, actor=MEMBER)
    await d.step(a, d.local(11, 4, 12), State.FIXED, State.CLOSED, Action.CONFIRM, actor=REPORTER)
    # B: reopened twice, each time with a fresh 72-hour deadline; the last fix is late.
    b = ids["B"] = await d.routed(d.local(11, 5), "h02")
    await d.step(b, d.local(11, 5, 10), State.ASSIGNED, State.ACCEPTED, Action.ACCEPT, actor=MEMBER)
    await d.step(b, d.local(11, 6), State.ACCEPTED, State.FIXED, Action.FIX, actor=MEMBER)
    reopened = d.local(11, 6, 12)
    await d.step(b, reopened, State.FIXED, State.REOPENED, Action.REOPEN, due=reopened + hours(72))
    await d.step(b, d.local(11, 7), State.REOPENED, State.FIXED, Action.FIX, actor=MEMBER)
    reopened = d.local(11, 7, 12)
    await d.step(b, reopened, State.FIXED, State.REOPENED, Action.REOPEN, due=reopened + hours(72))
    await d.step(b, d.local(11, 11), State.REOPENED, State.FIXED, Action.FIX, actor=MEMBER)
    await d.step(b, d.local(11, 11, 10), State.FIXED, State.CLOSED, Action.CONFIRM)
    # C: deferred to Nov 20, fixed Nov 15 — late for the first deadline, on time for the new.
    c = ids["C"] = await d.routed(d.local(11, 10), "h03")
    await d.step(c, d.local(11, 10, 10), State.ASSIGNED, State.ACCEPTED, Action.ACCEPT)
    await d.step(
        c, d.local(11, 12), State.ACCEPTED, State.ACCEPTED, Action.DEFER, due=d.local(11, 20)
    )
    await d.step(c, d.local(11, 15), State.ACCEPTED, State.FIXED, Action.FIX, actor=MEMBER)
    await d.step(c, d.local(11, 15, 12), State.FIXED, State.CLOSED, Action.CONFIRM)
    # D: a "+1" on A while A was open.
    dup = ids["D"] = await d.report(d.local(11, 3, 11), "h01")
    await d.step(dup, d.local(11, 3, 11), State.SUBMITTED, State.DUPLICATE, Action.MARK_DUPLICATE)
    async with d.storage.database.transaction() as connection:
        await d.storage.reports.update(connection, dup, d.local(11, 3, 11), duplicate_of=a)
    # E: received Oct 30, accepted Oct 31, fixed and closed Nov 1 — spans two months.
    e = ids["E"] = await d.routed(d.local(10, 30), "h04")
    await d.step(e, d.local(10, 31), State.ASSIGNED, State.ACCEPTED, Action.ACCEPT, actor=MEMBER)
    await d.step(e, d.local(11, 1, 10), State.ACCEPTED, State.FIXED, Action.FIX, actor=MEMBER)
    await d.step(e, d.local(11, 1, 12), State.FIXED, State.CLOSED, Action.CONFIRM)
    # F: accepted, never fixed: overdue from Nov 23, escalated on Nov 24.
    f = ids["F"] = await d.routed(d.local(11, 20), "h05")
    await d.step(f, d.local(11, 20, 10), State.ASSIGNED, State.ACCEPTED, Action.ACCEPT)
    await d.step(f, d.local(11, 24), State.ACCEPTED, State.ACCEPTED, Action.ESCALATE)
    # G: rejected by the office.  H: handed back to the office: no deadline in force.
    g = ids["G"] = await d.report(d.local(11, 21), "h06")
    await d.step(g, d.local(11, 21, 10), State.SUBMITTED, State.REJECTED, Action.REJECT)
    h = ids["H"] = await d.routed(d.local(11, 22), "h07")
    await d.step(h, d.local(11, 22, 10), State.ASSIGNED, State.SUBMITTED, Action.NOT_MY_AREA)
    # J: 20 m from A's spot, closed 21 days before: a recurrence. K: 300 m away: not one.
    ids["J"] = await d.report(d.local(11, 25), "h01", east_m=20)
    ids["K"] = await d.report(d.local(11, 25), "h08", east_m=300)
    return ids


async def test_november_figures_match_the_worked_example(desk: Desk) -> None:
    await november_log(desk)
    figures = await desk.stats.figures(await desk.month(11))
    town = figures.town
    assert (town.received, town.duplicates, town.rejected, town.new_reports) == (9, 1, 1, 8)
    assert (town.due, town.closed, town.closed_on_time) == (5, 4, 3)
    assert town.closure_rate == pytest.approx(4 / 5)
    assert town.on_time_rate == pytest.approx(3 / 5)
    assert (town.fixes, town.reopens) == (6, 2)
    assert town.rework_rate == pytest.approx(2 / 6)
    assert (town.overdue, town.escalations) == (1, 1)
    assert sorted(town.accept_hours) == pytest.approx([1, 1, 1, 1])
    assert sorted(town.fix_hours) == pytest.approx([21, 24, 24, 49, 93, 120])
    assert (town.fix_p50, town.fix_p90) == (pytest.approx(24), pytest.approx(120))
    assert (town.recurrences, town.recurrence_rate) == (1, pytest.approx(1 / 8))
    households = sum(hamlet.households for hamlet in desk.grid.hamlets.values())
    assert town.per_100_households == pytest.approx(8 * 100 / households)


async def test_each_edge_case_counts_where_it_should(desk: Desk) -> None:
    ids = await november_log(desk)
    figures = await desk.stats.figures(await desk.month(11))
    facts = {report.id: report for report in figures.facts}
    reopened_twice = facts[ids["B"]]
    assert (reopened_twice.reopens, reopened_twice.fixes) == (2, 3)
    assert reopened_twice.closed and not reopened_twice.closed_on_time
    deferred = facts[ids["C"]]
    assert deferred.closed_on_time and deferred.deadline == desk.local(11, 20).timestamp()
    duplicate = facts[ids["D"]]
    assert duplicate.received and duplicate.duplicate and not duplicate.due
    handed_back = facts[ids["H"]]
    assert not handed_back.due and not handed_back.overdue and handed_back.deadline is None
    assert facts[ids["J"]].recurrence and not facts[ids["K"]].recurrence
    assert figures.hamlets["h01"].recurrences == 1
    # The report spanning October and November: received in October, closed in November.
    spanning = facts[ids["E"]]
    assert not spanning.received and spanning.due and spanning.closed_on_time
    october = await desk.stats.figures(await desk.month(10))
    (in_october,) = october.facts
    assert in_october.received and not in_october.due and not in_october.overdue
    assert october.town.accept_hours == pytest.approx([24])
    assert (october.town.fixes, october.town.closed) == (0, 0)


async def test_a_past_period_gives_the_same_figures_after_later_events(desk: Desk) -> None:
    ids = await november_log(desk)
    before = (await desk.stats.figures(await desk.month(11))).town
    late = desk.local(12, 2)
    await desk.step(ids["F"], late, State.ACCEPTED, State.FIXED, Action.FIX, actor=MEMBER)
    await desk.step(ids["F"], late + hours(1), State.FIXED, State.CLOSED, Action.CONFIRM)
    after = (await desk.stats.figures(await desk.month(11))).town
    assert after == before
    december = (await desk.stats.figures(await desk.month(12))).town
    assert (december.received, december.due, december.closed, december.fixes) == (0, 1, 1, 1)
    assert december.closed_on_time == 0


async def test_rows_logged_before_actions_were_recorded_still_count(desk: Desk) -> None:
    """Old rows (no action, no due_at): the action comes from the states, the deadline from
    the category's hours."""
    report_id = await desk.report(desk.local(11, 3), "h01")
    async with desk.storage.database.transaction() as connection:
        for at, old, new in [
            (desk.local(11, 3), State.SUBMITTED, State.ASSIGNED),
            (desk.local(11, 7), State.ASSIGNED, State.FIXED),
            (desk.local(11, 7, 12), State.FIXED, State.CLOSED),
        ]:
            await desk.storage.reports.add_event(
                connection, report_id=report_id, at=at, actor_id=None, from_state=old, to_state=new
            )
    town = (await desk.stats.figures(await desk.month(11))).town
    assert (town.due, town.closed, town.closed_on_time) == (1, 1, 0)  # 96 h > 72 h
    assert town.fix_hours == pytest.approx([96])


async def test_the_migration_names_the_action_of_every_old_event(tmp_path: Path) -> None:
    """0006 fills `action` for rows written before it, and the log stays append-only."""
    path = tmp_path / "old.sqlite3"
    connection = sqlite3.connect(path)
    for name in ("0001_initial.sql", "0004_notices.sql"):
        text = (ROOT / "storage/migrations" / name).read_text(encoding="utf-8")
        connection.executescript(text)
    connection.execute("PRAGMA user_version = 4")
    connection.execute("INSERT INTO users (user_id, created_at, updated_at) VALUES (1, 'x', 'x')")
    connection.execute(
        "INSERT INTO reports (id, reporter_id, category, state, location_source, created_at, "
        "updated_at) VALUES (1, 1, 'household', 'closed', 'gps', 'x', 'x')"
    )
    steps = [
        (None, None, "submitted"),
        (None, "submitted", "assigned"),
        (OFFICE, "assigned", "assigned"),
        (MEMBER, "assigned", "submitted"),
        (OFFICE, "submitted", "assigned"),
        (MEMBER, "assigned", "accepted"),
        (MEMBER, "accepted", "fixed"),
        (REPORTER, "fixed", "reopened"),
        (MEMBER, "reopened", "fixed"),
        (REPORTER, "fixed", "closed"),
    ]
    connection.executemany(
        "INSERT INTO report_events (report_id, at, actor_id, from_state, to_state) "
        "VALUES (1, 'x', ?, ?, ?)",
        steps,
    )
    connection.commit()
    connection.close()
    storage = await Storage.open(path)
    try:
        rows = await storage.database.fetch_all("SELECT action FROM report_events ORDER BY id")
        assert [row[0] for row in rows] == [
            "submit", "route", "assign", "not_my_area", "assign",
            "accept", "fix", "reopen", "fix", "confirm",
        ]  # fmt: skip
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            await storage.database.connection.execute("UPDATE report_events SET note = 'x'")
    finally:
        await storage.close()


def test_percentile_is_nearest_rank() -> None:
    assert percentile([], 50) is None
    assert percentile([5.0], 90) == 5.0
    assert percentile([4.0, 1.0, 3.0, 2.0], 50) == 2.0
    assert percentile([float(value) for value in range(1, 11)], 90) == 9.0


def test_ranking_scores_ranks_and_sets_apart_hamlets_with_too_few_cases() -> None:
    def hamlet(due: int, on_time: int, fixes: int, reopens: int, new: int, households: int):
        return Figures(
            households=households,
            due=due,
            closed_on_time=on_time,
            fixes=fixes,
            reopens=reopens,
            new_reports=new,
            received=new,
        )

    hamlets = {
        "best": hamlet(4, 4, 4, 0, 4, 400),  # 1 per 100 households
        "middle": hamlet(4, 3, 4, 1, 8, 400),  # 2 per 100
        "worst": hamlet(4, 1, 4, 2, 12, 400),  # 3 per 100
        "quiet": hamlet(1, 1, 1, 0, 1, 400),
    }
    weights = RankingWeights(on_time=0.4, rework=0.2, recurrence=0.2, volume=0.2)
    ranking = rank_hamlets(hamlets, weights, min_cases=3, top_n=1)
    assert [entry.hamlet_id for entry in ranking.ranked] == ["best", "middle", "worst"]
    assert [entry.score for entry in ranking.ranked] == [100.0, 75.0, 40.0]
    assert [entry.hamlet_id for entry in ranking.top] == ["best"]
    assert [entry.hamlet_id for entry in ranking.bottom] == ["worst"]
    assert ranking.unjudged == ["quiet"]
    only_on_time = RankingWeights(on_time=1, rework=0, recurrence=0, volume=0)
    scores = rank_hamlets(hamlets, only_on_time, min_cases=3, top_n=10).ranked
    assert [entry.score for entry in scores] == [100.0, 75.0, 25.0]


def test_periods_parse_in_both_languages(desk: Desk) -> None:
    i18n = I18n("zh")
    now = datetime(2026, 11, 29, 3, tzinfo=UTC)
    tz = desk.tz
    assert parse_period("", now, tz, i18n).key == "2026-11"
    assert parse_period("上月", now, tz, i18n).key == "2026-10"
    assert parse_period("last-month", now, tz, i18n).key == "2026-10"
    assert parse_period("本季度", now, tz, i18n).key == "2026-Q4"
    assert parse_period("last-year", now, tz, i18n).key == "2025"
    assert parse_period("2026-Q2", now, tz, i18n).key == "2026-Q2"
    assert parse_period("2026-02", now, tz, i18n).next().key == "2026-03"
    for nonsense in ("2026-13", "banana", "1999", "2026-Q5"):
        assert parse_period(nonsense, now, tz, i18n) is None
    # The month starts at local midnight: 16:00 UTC the day before, in Asia/Shanghai.
    november = containing(PeriodKind.MONTH, now, tz)
    assert november.start == datetime(2026, 10, 31, 16, tzinfo=UTC)
    assert november.end == datetime(2026, 11, 30, 16, tzinfo=UTC)
    assert containing(PeriodKind.YEAR, now, tz).previous().label("zh") == "2025年"


def test_requests_name_a_period_and_a_place(desk: Desk) -> None:
    request = desk.stats.parse(["上月", "那笔村"])
    assert request is not None and request.period.key == "2026-11"
    assert request.scope.village_id == "v01"
    hamlet = desk.stats.parse(["Nabi", "Po"])
    assert hamlet is not None and hamlet.scope.hamlet_id == "h01"
    assert desk.stats.parse(["yesterday"]) is None
    assert desk.stats.parse(["month", "Atlantis"]) is None


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    with Image.open(io.BytesIO(data)) as image:
        image.verify()
    with Image.open(io.BytesIO(data)) as image:
        return image.size


@pytest.mark.parametrize("language", ["zh", "en"])
async def test_chart_and_map_are_real_pngs_with_every_glyph(desk: Desk, language: str) -> None:
    await november_log(desk)
    figures = await desk.stats.figures(await desk.month(11))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a missing glyph is a UserWarning
        chart = desk.presenter.chart_png(figures, TOWN, language)
        village = desk.presenter.chart_png(figures, Scope(village_id="v01"), language)
        town_map = desk.presenter.map_png(figures, language)
    assert png_size(chart) == (1000, 900) and 30_000 < len(chart) < 1_500_000
    assert png_size(village) == (1000, 900)
    assert png_size(town_map)[0] == 1000 and 30_000 < len(town_map) < 1_500_000
    with Image.open(io.BytesIO(town_map)) as image:
        picture = image.convert("RGB")
    white = Image.new("RGB", picture.size, "white")
    left, _top, right, bottom = ImageChops.difference(picture, white).getbbox() or (0, 0, 0, 0)
    width, height = picture.size
    assert left < 0.03 * width and right > 0.97 * width and bottom > 0.97 * height, "tight"


def test_count_axes_have_whole_number_ticks_and_the_map_whole_number_classes() -> None:
    """Three reports a week at most: ticks 0, 1, 2, 3 — never half a report; the bar panels
    write each value beside its bar, so they have no value axis to tick."""
    chart = charts.PeriodChart(
        frame=charts.ChartFrame(
            title="t",
            weeks_title="w",
            week_labels=("11-02", "11-09"),
            status_labels=("closed",),
            on_time_title="o",
            place_labels=("v",),
            categories_title="c",
            no_data="-",
        ),
        counts_by_status=[[3, 1]],
        on_time_percent=[50.0],
        category_labels=["a", "b"],
        category_counts=[1, 2],
    )
    figure = charts.period_figure(chart)
    weeks, on_time, categories = figure.axes
    ticks = weeks.get_yticks()
    assert len(ticks) >= 2 and all(float(tick).is_integer() for tick in ticks)
    assert not on_time.xaxis.get_visible() and not categories.xaxis.get_visible()
    assert [text.get_text() for text in categories.texts] == ["1", "2"]
    assert town_map.count_classes(0) == [(0, 0)]
    assert town_map.count_classes(3) == [(0, 0), (1, 1), (2, 2), (3, 3)]
    classes = town_map.count_classes(12)
    assert classes[0] == (0, 0) and classes[-1][1] == 12
    assert all(b[0] == a[1] + 1 for a, b in pairwise(classes))


def test_the_shipped_font_draws_chinese_not_boxes(desk: Desk) -> None:
    """Every character of the grid's names and of the Chinese chart labels is in the font,
    and two different characters come out as two different pictures (a missing glyph would
    be the same empty box)."""
    cmap = TTFont(canvas.FONT_FILE).getBestCmap()
    zh = I18n("zh").translator("zh").gettext
    texts = [h.name for h in desk.grid.hamlets.values()] + [
        v.name for v in desk.grid.villages.values()
    ]
    texts += [zh("Reports received per week, by status now"), zh("Open reports")]
    texts += [category.label.zh for category in desk.config.categories.values()]
    missing = {char for text in texts for char in text if ord(char) not in cmap}
    assert not missing
    family = canvas.font_family()

    def draw(text: str, font: str) -> bytes:
        figure = Figure(figsize=(1, 1), dpi=50)
        canvas = FigureCanvasAgg(figure)
        figure.text(0.1, 0.3, text, fontfamily=font, fontsize=30)
        canvas.draw()
        return bytes(canvas.buffer_rgba())

    assert draw("花", family) != draw("围", family)
    fallback = font_manager.FontProperties(family="DejaVu Sans").get_name()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert draw("花", fallback) == draw("围", fallback)  # the boxes we avoid


async def test_export_holds_the_reports_and_indicators_and_no_reporter(desk: Desk) -> None:
    ids = await november_log(desk)
    async with desk.storage.database.transaction() as connection:
        await connection.execute(
            "UPDATE users SET first_name = ?, username = ? WHERE user_id = ?",
            (REPORTER_NAME, "wang_apo", REPORTER),
        )
    figures = await desk.stats.figures(await desk.month(11))
    duplicates = await desk.stats.duplicate_counts(figures)
    workbook = load_workbook(io.BytesIO(desk.presenter.export_xlsx(figures, duplicates, "zh")))
    assert workbook.sheetnames == ["举报明细", "各坡指标", "各村指标", "网格员指标", "类别指标"]
    reports = list(workbook["举报明细"].iter_rows(values_only=True))
    assert reports[0][0] == "编号" and len(reports) == 1 + 9
    by_number = {row[0]: row for row in reports[1:]}
    first = by_number[f"R-{ids['A']:06d}"]
    assert first[1] == "2026-11-03 09:00" and first[9] == "韦建国"
    assert first[12] == "是" and first[13] == 1  # fixed on time; one "+1"
    assert by_number[f"R-{ids['B']:06d}"][14] == 2  # reopened twice
    hamlets = list(workbook["各坡指标"].iter_rows(values_only=True))
    assert len(hamlets) == 1 + len(desk.grid.hamlets)
    villages = list(workbook["各村指标"].iter_rows(values_only=True))
    assert len(villages) == 1 + len(desk.grid.villages) + 1
    town = villages[-1]
    assert town[0] == "三塘镇" and town[2] == 9 and town[9] == pytest.approx(0.6)
    members = {row[0]: row for row in workbook["网格员指标"].iter_rows(values_only=True)}
    assert len(members) == 1 + len(desk.config.grid_members)
    assert members["韦建国"][1] == "那笔坡、岭头坡、塘头坡"
    assert members["韦建国"][3] == 5  # received in h01-h03: A, D, J, B, C
    categories = list(workbook["类别指标"].iter_rows(values_only=True))
    assert categories[1][0] == "生活垃圾乱倒" and categories[1][1] == 9
    assert "户数" not in categories[0] and "每百户举报数" not in categories[0]
    reports_csv, hamlets_csv = desk.presenter.export_csv(figures, duplicates, "en")
    rows = list(csv.reader(io.StringIO(reports_csv.decode("utf-8-sig"))))
    assert rows[0][0] == "Number" and len(rows) == 10
    everything = (
        " ".join(
            str(cell)
            for sheet in workbook
            for row in sheet.iter_rows(values_only=True)
            for cell in row
        )
        + reports_csv.decode("utf-8-sig")
        + hamlets_csv.decode("utf-8-sig")
    )
    for identity in (REPORTER_NAME, "wang_apo", str(REPORTER)):
        assert identity not in everything
    texts = desk.presenter.summary_text(figures, TOWN, "zh") + desk.presenter.ranking_text(
        figures, "zh"
    )
    assert REPORTER_NAME not in texts and str(REPORTER) not in texts
