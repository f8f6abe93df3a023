"""Each step on a report hands back the report as it now stands without reading it again
inside the lock (`ReportSteps._move` builds it from what it read and wrote); here every step's
answer is compared with the report read back from the database after it."""

from __future__ import annotations

import uuid
from datetime import timedelta

from bot.core.models import Draft, Location, MediaRef, Report
from bot.reporting.lifecycle import State
from bot.reporting.office import OrderDraft
from bot.reporting.service import Reporter
from tests.conftest import OFFICE_ADMIN, Town
from tests.test_roles import services

VILLAGER = 610001
HAMLET = "那笔坡"


async def stored(town: Town, report: Report) -> Report:
    found = await services(town).reports.get(report.id)
    assert found is not None
    return found


async def submitted(town: Town, shift: float = 0.0) -> Report:
    latitude, longitude = town.inside(HAMLET)
    draft = Draft(
        id=uuid.uuid4().hex,
        photos=[MediaRef(f"photo-{shift}", f"unique-{shift}")],
        location=Location(latitude + shift, longitude, "gps"),
        hamlet_id=town.hamlet_id(HAMLET),
        category="other",
    )
    outcome = await services(town).reports.submit(Reporter(VILLAGER, "村民"), draft)
    assert outcome.report == await stored(town, outcome.report)
    return outcome.report


async def test_routing_accepting_fixing_and_confirming_answer_what_is_stored(town: Town) -> None:
    reports = services(town).reports
    report = await submitted(town)
    assert report.state == State.ASSIGNED and report.next_step_at is not None
    member = services(town).people.grid_members_of(report.hamlet_id)[0]
    for step in (
        lambda: reports.accept(report.id, member),
        lambda: reports.fix(report.id, member, MediaRef("after", "after-unique"), "清理完了"),
        lambda: reports.reopen(report.id, VILLAGER),
        lambda: reports.fix(report.id, member, MediaRef("after2", "after2-unique"), None),
        lambda: reports.confirm(report.id, VILLAGER),
    ):
        answered = await step()
        assert answered == await stored(town, answered)
    assert answered.state == State.CLOSED


async def test_handing_back_assigning_and_rejecting_answer_what_is_stored(town: Town) -> None:
    reports = services(town).reports
    report = await submitted(town, shift=0.001)
    member = services(town).people.grid_members_of(report.hamlet_id)[0]
    for step in (
        lambda: reports.not_my_area(report.id, member, "不是我们村的"),
        lambda: reports.assign(report.id, OFFICE_ADMIN, town.hamlet_id(HAMLET)),
        lambda: reports.not_my_area(report.id, member, "还是不是"),
        lambda: reports.reject(report.id, OFFICE_ADMIN, "重复"),
    ):
        answered = await step()
        assert answered == await stored(town, answered)
    assert answered.state == State.REJECTED


async def test_a_duplicate_and_an_order_answer_what_is_stored(town: Town) -> None:
    reports = services(town).reports
    first = await submitted(town, shift=0.002)
    again = await submitted(town, shift=0.002)
    assert again.duplicate_of == first.id
    hamlet = town.bot.grid.hamlets[town.hamlet_id(HAMLET)]
    order = OrderDraft(
        text="垃圾堆三天内清走",
        fix_by=services(town).clock.now() + timedelta(days=3),
        village_id=hamlet.village_id,
        hamlet_id=hamlet.id,
    )
    issued = await reports.issue_order(OFFICE_ADMIN, order)
    assert issued == await stored(town, issued)
