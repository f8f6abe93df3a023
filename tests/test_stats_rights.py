"""Only the office may ask for the numbers: `StatsService` checks the right on every call
that answers a person, whatever the handler did."""

from __future__ import annotations

import pytest

from bot.core.errors import Reason, Refused
from tests import test_stats as worked
from tests.test_stats import MEMBER, OFFICE, Desk

desk = worked.desk


async def test_the_office_gets_its_request_figures_and_counts(desk: Desk) -> None:
    request = desk.stats.request(OFFICE, "stats", ["上月", "那笔村"], with_place=True)
    assert request is not None and request.scope.village_id is not None
    assert desk.stats.request(OFFICE, "ranking", ["上月", "那笔村"], with_place=False) is None
    assert desk.stats.request(OFFICE, "stats", ["yesterday"], with_place=True) is None
    figures = await desk.stats.answer(OFFICE, "stats", request)
    assert figures.period == request.period
    assert await desk.stats.export_counts(OFFICE, figures) == {}


async def test_anyone_else_is_refused_on_every_call(desk: Desk) -> None:
    request = desk.stats.request(OFFICE, "map", [], with_place=False)
    assert request is not None
    figures = await desk.stats.answer(OFFICE, "map", request)
    with pytest.raises(Refused) as asked:
        desk.stats.request(MEMBER, "stats", [], with_place=True)
    assert asked.value.reason is Reason.OFFICE_ONLY and asked.value.command == "stats"
    with pytest.raises(Refused) as answered:
        await desk.stats.answer(MEMBER, "map", request)
    assert answered.value.reason is Reason.OFFICE_ONLY and answered.value.command == "map"
    with pytest.raises(Refused) as counted:
        await desk.stats.export_counts(MEMBER, figures)
    assert counted.value.reason is Reason.OFFICE_ONLY and counted.value.command == "export"
