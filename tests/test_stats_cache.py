"""A complete period's figures and pictures are kept and given again; a running period never
is; a later step of an old report, or forgetting someone who did the work, drops them."""

from __future__ import annotations

import pytest

from bot.reporting.lifecycle import Action, State
from bot.stats import charts
from bot.stats.service import TOWN, Scope, Sums
from tests import test_stats as worked
from tests.test_stats import MEMBER, Desk

desk = worked.desk  # the worked example's desk: sample config, empty database, Dec 5 2026


async def test_a_complete_period_is_answered_again_from_what_was_kept(
    desk: Desk, monkeypatch
) -> None:
    await worked.november_log(desk)
    november = await desk.month(11)
    first = await desk.stats.figures(november)
    assert first.complete
    drawn: list[charts.PeriodChart] = []
    draw = charts.period_chart
    monkeypatch.setattr(charts, "period_chart", lambda chart: drawn.append(chart) or draw(chart))
    picture = desk.presenter.chart_png(first, TOWN, "zh")
    again = await desk.stats.figures(november)
    assert again is first
    assert desk.presenter.chart_png(again, TOWN, "zh") == picture
    assert len(drawn) == 1
    desk.presenter.chart_png(again, TOWN, "en")
    assert len(drawn) == 2  # another language is another picture


async def test_a_running_period_is_never_kept(desk: Desk) -> None:
    december = await desk.month(12)
    first = await desk.stats.figures(december)
    assert not first.complete
    await desk.routed(desk.local(12, 2), "h01")
    second = await desk.stats.figures(december)
    assert second is not first
    assert second.town.received == first.town.received + 1


async def test_a_new_report_after_the_period_keeps_it(desk: Desk) -> None:
    await worked.november_log(desk)
    november = await desk.month(11)
    first = await desk.stats.figures(november)
    await desk.routed(desk.local(12, 2), "h05")
    assert await desk.stats.figures(november) is first


async def test_moving_an_old_report_to_another_hamlet_later_is_seen(desk: Desk) -> None:
    report_id = await desk.routed(desk.local(11, 3), "h01")
    november = await desk.month(11)
    before = await desk.stats.figures(november)
    assert before.hamlets["h01"].received == 1
    moved = desk.local(12, 2)
    await desk.step(report_id, moved, State.ASSIGNED, State.ASSIGNED, Action.ASSIGN)
    async with desk.storage.database.transaction() as connection:
        village = desk.grid.hamlets["h02"].village_id
        await desk.storage.reports.update(
            connection, report_id, moved, hamlet_id="h02", village_id=village
        )
    after = await desk.stats.figures(november)
    assert after is not before
    assert (after.hamlets["h01"].received, after.hamlets["h02"].received) == (0, 1)


async def test_forgetting_someone_who_did_the_work_drops_what_was_kept(desk: Desk) -> None:
    async with desk.storage.database.transaction() as connection:
        await desk.storage.users.ensure(connection, MEMBER, desk.local(10, 1))  # their /start
    await worked.november_log(desk)
    november = await desk.month(11)
    before = await desk.stats.figures(november)
    assert MEMBER in {facts.worker_id for facts in before.facts}
    async with desk.storage.database.transaction() as connection:
        await desk.storage.privacy.forget(connection, MEMBER, desk.clock.now())
    after = await desk.stats.figures(november)
    assert after is not before
    assert MEMBER not in {facts.worker_id for facts in after.facts}


async def test_one_complete_period_is_kept_and_the_next_one_takes_its_place(desk: Desk) -> None:
    await worked.november_log(desk)
    november, october = await desk.month(11), await desk.month(10)
    first = await desk.stats.figures(november)
    assert await desk.stats.figures(november) is first
    await desk.stats.figures(october)
    again = await desk.stats.figures(november)
    assert again is not first  # computed afresh: october had taken its place
    assert (again.town, again.hamlets, again.ranking) == (first.town, first.hamlets, first.ranking)
    december = await desk.month(12)
    await desk.stats.figures(december)  # a running period is never kept: november stays
    assert await desk.stats.figures(november) is again


async def test_the_chart_drawn_from_the_sums_shows_what_the_finished_figures_show(
    desk: Desk,
) -> None:
    """/stats draws the chart from the sums, before the recurrences and the ranking are found:
    it must be the chart of the finished figures (the worked example has a recurrence)."""
    await worked.november_log(desk)
    village = Scope(village_id=desk.grid.hamlets["h01"].village_id)
    early: list[charts.PeriodChart] = []

    def summed(sums: Sums) -> None:
        early.extend(desk.presenter.chart_of(sums, scope, "en") for scope in (TOWN, village))

    figures = await desk.stats.figures(await desk.month(11), summed=summed)
    assert figures.town.recurrences == 1
    assert early == [desk.presenter.chart_of(figures, scope, "en") for scope in (TOWN, village)]
    assert await desk.stats.figures(await desk.month(11), summed=summed) is figures
    assert len(early) == 2  # kept figures are not summed again


async def test_a_chart_on_a_frame_drawn_ahead_is_the_chart_drawn_from_nothing(desk: Desk) -> None:
    """/stats has the drawing process draw the chart's frame while the figures are computed;
    filled in, it must be the same picture, pixel for pixel, and it is used once."""
    await worked.november_log(desk)
    november = await desk.month(11)
    figures = await desk.stats.figures(november)
    village = Scope(village_id=desk.grid.hamlets["h01"].village_id)
    for scope, language in ((TOWN, "zh"), (village, "en")):
        chart = desk.presenter.chart_of(figures, scope, language)
        assert chart.frame == desk.presenter.chart_frame(november, scope, language)
        from_nothing = charts._period_png(chart)
        charts._prepare(chart.frame)
        assert charts._period_png(chart) == from_nothing
        assert charts._prepared == {}
        charts._prepare(desk.presenter.chart_frame(november, TOWN, "en"))
        assert charts._period_png(chart) == from_nothing  # another frame is not used
        charts._prepared.clear()


@pytest.mark.parametrize(
    ("weeks", "places", "categories"), [(53, 14, 8), (5, 1, 1), (5, 0, 0), (9, 3, 0)]
)
def test_the_figures_drawn_over_the_kept_frame_are_the_chart_drawn_whole(
    weeks: int, places: int, categories: int
) -> None:
    """Only what the figures change is drawn over the prepared frame's kept pixels: a year's
    chart, a place without closures ("–"), and panels with nothing in them are each the same
    PNG as the chart drawn whole."""
    frame = charts.ChartFrame(
        title="三塘镇 2025 年",
        weeks_title="每周上报",
        week_labels=tuple(f"第{week}周" for week in range(1, weeks + 1)),
        status_labels=("已办结", "处理中", "待受理", "已退回"),
        on_time_title="按时办结率",
        place_labels=tuple(f"第{place}村" for place in range(places)),
        categories_title="类别",
        no_data="暂无数据",
    )
    chart = charts.PeriodChart(
        frame,
        counts_by_status=[[(week * status) % 7 for week in range(weeks)] for status in range(4)],
        on_time_percent=[None if place == 1 else 40 + place * 4.5 for place in range(places)],
        category_labels=[f"类别{number}" for number in range(categories)],
        category_counts=[900 - 90 * number for number in range(categories)],
    )
    drawn_whole = charts._period_png(chart)
    charts._prepare(frame)
    assert charts._prepared[frame].background is not None
    assert charts._period_png(chart) == drawn_whole
    assert charts._prepared == {}
