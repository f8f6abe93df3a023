"""The playground in a real browser: headless Debian Chromium driven by Playwright.

A villager reports with a sample photo and a click on the town map, the grid member's pane
receives it, accepts and fixes it with a photo, the villager confirms, and the office pane
shows it closed — every step a click on the page, the bot real, Telegram emulated.
`make test` installs Chromium when it is missing (the `browser` target).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.async_api import Locator, Page, async_playwright, expect

from bot.config import load_config
from bot.i18n import I18n
from bot.lifecycle import State
from bot.playground import Playground, PlaygroundServer
from handlers.reporting import SHARE_LOCATION_BUTTON
from tests.playground_setup import playground_config

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
OUTPUT = Path(__file__).parent / "output"
STEP_TIMEOUT_MS = 15_000
ZH = I18n("zh").translator("zh").gettext

VILLAGER, MEMBER, OFFICE = "villager:555001", "grid_member:100001", "office:900001"
SECOND_VILLAGER = "villager:555002"  # lives in 花围坡 (h07)


@pytest.fixture
async def site(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[tuple[Playground, PlaygroundServer]]:
    monkeypatch.delenv("BOT_TOKEN", raising=False)
    playground = Playground(load_config(playground_config(tmp_path)))
    server = PlaygroundServer(playground, 0)
    await server.start()
    await playground.start()
    try:
        yield playground, server
    finally:
        await server.stop()
        await playground.stop()


@pytest.fixture
async def page(site: tuple[Playground, PlaygroundServer]) -> AsyncIterator[Page]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs it (apt-get install chromium)")
    async with async_playwright() as driver:
        browser = await driver.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = await browser.new_page(viewport={"width": 1280, "height": 860}, locale="zh-CN")
            page.set_default_timeout(STEP_TIMEOUT_MS)
            expect.set_options(timeout=STEP_TIMEOUT_MS)
            errors: list[object] = []
            page.on("pageerror", lambda error: errors.append(error))
            refused: list[str] = []  # a missing script, picture or API route
            page.on(
                "response",
                lambda answer: (
                    refused.append(f"{answer.status} {answer.url}")
                    if answer.status >= 400
                    else None
                ),
            )
            await page.goto(site[1].url)
            await page.locator("body[data-ready=yes]").wait_for()
            yield page
            assert not errors, f"the page's script failed: {errors}"
            assert not refused, f"the page asked for what the server does not have: {refused}"
        finally:
            await browser.close()


def pane(page: Page, persona: str) -> Locator:
    return page.locator(f'.pane[data-persona="{persona}"]')


def button(chat: Locator, data: str) -> Locator:
    """An inline button by its callback data (the newest, if the bot sent it more than once)."""
    return chat.locator(f'.inline-keyboard [data-data="{data}"]').last


async def send_sample_photo(page: Page, chat: Locator, sample: str) -> None:
    await chat.locator(".attach").click()
    await page.locator(f'#samples [data-sample="{sample}"]').click()


async def click_on_map(page: Page, hamlet_id: str) -> None:
    """Click the town map where the hamlet's name is written (a point inside the hamlet)."""
    box = await page.locator(f'#town-map text[data-hamlet="{hamlet_id}"]').bounding_box()
    assert box is not None
    await page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)


async def test_report_fix_and_confirm_across_three_panes(
    site: tuple[Playground, PlaygroundServer], page: Page
) -> None:
    playground, _ = site
    villager, member, office = pane(page, VILLAGER), pane(page, MEMBER), pane(page, OFFICE)
    await expect(page.locator(".pane")).to_have_count(3)

    # The villager starts the chat, sends a sample photo and clicks 那笔坡 on the map.
    await villager.locator(".start").click()
    await expect(villager.locator(".message.theirs")).not_to_have_count(0)  # the welcome
    await send_sample_photo(page, villager, "garbage_by_road")
    await villager.locator(".keyboard button", has_text=ZH(SHARE_LOCATION_BUTTON)).click()
    await expect(page.locator("#map-dialog")).to_be_visible()
    await click_on_map(page, "h01")
    await expect(villager.locator(".message.mine .pin")).to_have_count(1)
    await button(villager, "v1:rc:household").click()
    await button(villager, "v1:rs").click()
    await expect(villager.locator(".message.theirs", has_text="R-000001")).not_to_have_count(0)

    # The grid member's pane lights up with the photo, the pin and the task card.
    card = member.locator(".message.theirs", has_text="R-000001")
    await expect(card).to_have_count(1)
    await expect(member.locator(".message.theirs img.photo")).to_have_count(1)
    await expect(member.locator(".message.theirs .pin")).to_have_count(1)
    await expect(office.locator(".message.theirs", has_text="R-000001")).to_have_count(1)
    await button(member, "v1:acc:1").click()
    await expect(villager.locator(".message.theirs", has_text="R-000001")).to_have_count(2)
    await button(member, "v1:fix:1").click()
    ask_photo = ZH(
        "📷 Please send one photo of the place now that it is clean ({number}). /cancel to stop."
    ).format(number="R-000001")
    await expect(member.locator(".message.theirs", has_text=ask_photo)).to_have_count(1)
    await send_sample_photo(page, member, "cleaned_up")
    await button(member, "v1:fsk").click()

    # The villager sees the after-photo and confirms; the office sees the report closed.
    await expect(villager.locator(".message.theirs img.photo")).to_have_count(1)
    await expect(button(villager, "v1:ok:1")).to_be_visible()
    OUTPUT.mkdir(exist_ok=True)
    await expect(page.locator(".toast:visible")).to_have_count(0)  # a clean picture
    await page.screenshot(path=OUTPUT / "playground-mid-story.png")
    await button(villager, "v1:ok:1").click()
    closed = ZH("✅ {number} is closed: the reporter confirmed the fix").format(number="R-000001")
    await expect(office.locator(".message.theirs", has_text=closed)).to_have_count(1)
    await page.screenshot(path=OUTPUT / "playground.png")

    services = playground.bot.application.bot_data["services"]
    report = await services.reports.get(1)
    assert report is not None and report.state == State.CLOSED
    assert report.hamlet_id == "h01"


async def test_gps_fails_an_added_villager_picks_the_hamlet_and_time_moves(
    site: tuple[Playground, PlaygroundServer], page: Page
) -> None:
    playground, _ = site
    await page.locator("#add-persona").select_option(SECOND_VILLAGER)
    villager = pane(page, SECOND_VILLAGER)
    await expect(page.locator(".pane")).to_have_count(4)

    await villager.locator(".menu").click()
    await villager.locator(".command-list button", has_text="/report").click()
    await send_sample_photo(page, villager, "river_bank")
    await villager.locator(".keyboard button", has_text=ZH(SHARE_LOCATION_BUTTON)).click()
    await page.locator("#gps-fails").click()
    village = playground.grid.hamlets["h07"].village_id
    await button(villager, f"v1:rv:{village}").click()
    await button(villager, "v1:rh:h07").click()
    await button(villager, "v1:rc:water").click()
    await button(villager, "v1:rs").click()
    await expect(villager.locator(".message.theirs", has_text="R-000001")).not_to_have_count(0)
    report = await playground.bot.application.bot_data["services"].reports.get(1)
    assert report is not None and report.hamlet_id == "h07" and report.latitude is None

    await page.locator("#forward-day").click()
    await expect(page.locator("#clock-offset")).to_contain_text("1 天")
    assert playground.clock.offset == timedelta(days=1)
