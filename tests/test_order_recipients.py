"""/order names who will receive it, also a grid member who joined by invitation (config.toml
gives them no name), and refuses only a place where nobody can: in a town whose 蔗园坡 has no
grid member in the config and whose 三塘村 has no village lead."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.emulator import BotApiEmulator
from bot.people.directory import Role
from handlers.buttons import OrderHamlet, OrderVillage
from tests import conftest
from tests.buttons import press, words
from tests.conftest import Town
from tests.test_report_story import zh
from tests.tour_steps import choose

NEWCOMER = 700401
WORKED = "蔗园坡"


def without_anyone_for_the_hamlet(text: str) -> str:
    """The sample config without 蔗园坡's grid member and 三塘村's village lead."""
    text, members = re.subn(r"\[\[grid_members\]\]\n[^\[]*hamlets = \[\"h09\"\][^\n]*\n", "", text)
    text, leads = re.subn(r"\[\[village_leads\]\]\n[^\[]*village = \"v02\"[^\n]*\n", "", text)
    assert members == leads == 1
    return text


@pytest.fixture
async def empty_hamlet(
    tmp_path: Path, emulator: BotApiEmulator, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Town]:
    """The sample town started on that config (`tests.conftest` writes the config)."""
    sample = conftest.config_text_for
    monkeypatch.setattr(
        conftest, "config_text_for", lambda path: without_anyone_for_the_hamlet(sample(path))
    )
    monkeypatch.delenv("BOT_TOKEN", raising=False)
    town = await conftest.start_town(tmp_path, emulator)
    yield town
    await town.bot.stop()


async def test_an_order_names_an_invited_grid_member_and_refuses_only_nobody(
    empty_hamlet: Town,
) -> None:
    town, admin = empty_hamlet, empty_hamlet.admin
    hamlet = town.hamlet_id(WORKED)
    village = town.bot.grid.hamlets[hamlet].village_id
    admin.send_text("/order")
    await choose(admin, OrderVillage, lambda b: b.village_id == village)
    picker = await choose(admin, OrderHamlet, lambda b: b.hamlet_id == hamlet)
    nobody = zh("Nobody there can receive an order: no grid member and no village lead.")
    await admin.wait_for(lambda m: nobody in words(m))

    services = town.bot.application.bot_data["services"]
    invitation = await services.roles.invite(admin.user_id, Role.GRID_MEMBER, (hamlet,))
    newcomer = town.emulator.user(NEWCOMER, "新网格员", language_code="zh")
    newcomer.send_text(f"/join {invitation.code}")
    await newcomer.next_message()

    admin.clear()
    press(admin, picker, OrderHamlet(hamlet))  # the same place again, now that someone is there
    place = services.notifier.place_name(hamlet, village, "zh")
    answer = await admin.wait_for(lambda m: place in words(m) or "/cancel" in words(m))
    to = zh("To: {place} ({names}).\n\nWhat must be put right? Write it as text.")
    assert words(answer) == to.format(place=place, names="新网格员")
