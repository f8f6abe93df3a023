"""The playground in a real browser: headless Debian Chromium driven by Playwright.

A villager reports with a sample photo and a click on the town map, the grid member's pane
receives it, accepts and fixes it with a photo, the villager confirms, and the office pane
shows it closed — every step a click on the page, the bot real, Telegram emulated.
`make test` installs Chromium when it is missing (the `browser` target).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from datetime import time as dtime
from pathlib import Path

import pytest
from playwright.async_api import Locator, Page, async_playwright, expect

from bot.core.i18n import I18n
from bot.delivery.outbox import Notification, Part
from bot.playground import Playground, PlaygroundServer
from bot.reporting.buttons import AcceptTask, ConfirmFixed, MarkFixed
from bot.reporting.lifecycle import State
from handlers.buttons import SkipFixNote
from handlers.reporting import SHARE_LOCATION_BUTTON

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

DESKTOP = {"width": 1280, "height": 860}
PHONE = {"width": 390, "height": 844}
BROWSER_ZONE = "America/New_York"  # not the bot's: the page must show the bot's time anyway
VILLAGER, MEMBER, OFFICE = "villager:555001", "grid_member:100001", "office:900001"
SECOND_VILLAGER = "villager:555002"  # lives in 花围坡 (h07)


@pytest.fixture
def viewport() -> dict[str, int]:
    """The window's size; the phone tests override it."""
    return DESKTOP


@pytest.fixture
async def page(
    site: tuple[Playground, PlaygroundServer], viewport: dict[str, int]
) -> AsyncIterator[Page]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs it (apt-get install chromium)")
    async with async_playwright() as driver:
        browser = await driver.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = await browser.new_page(
                viewport=viewport,
                locale="zh-CN",
                timezone_id=BROWSER_ZONE,
                accept_downloads=True,
                has_touch=viewport == PHONE,
            )
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
    await button(villager, "v2:rc:household").click()
    await button(villager, "v2:rs").click()
    await expect(villager.locator(".message.theirs", has_text="R-000001")).not_to_have_count(0)

    # The grid member's pane lights up with the photo, the pin and the task card.
    card = member.locator(".message.theirs", has_text="R-000001")
    await expect(card).to_have_count(1)
    await expect(member.locator(".message.theirs img.photo")).to_have_count(1)
    await expect(member.locator(".message.theirs .pin")).to_have_count(1)
    await expect(office.locator(".message.theirs", has_text="R-000001")).to_have_count(1)
    await button(member, AcceptTask(1).pack()).click()
    await expect(villager.locator(".message.theirs", has_text="R-000001")).to_have_count(2)
    await button(member, MarkFixed(1).pack()).click()
    ask_photo = ZH(
        "📷 Please send one photo of the place now that it is clean ({number}). /cancel to stop."
    ).format(number="R-000001")
    await expect(member.locator(".message.theirs", has_text=ask_photo)).to_have_count(1)
    await send_sample_photo(page, member, "cleaned_up")
    await button(member, SkipFixNote().pack()).click()

    # The villager sees the after-photo and confirms; the office sees the report closed.
    await expect(villager.locator(".message.theirs img.photo")).to_have_count(1)
    await expect(button(villager, ConfirmFixed(1).pack())).to_be_visible()
    OUTPUT.mkdir(exist_ok=True)
    await expect(page.locator(".toast:visible")).to_have_count(0)  # a clean picture
    await page.screenshot(path=OUTPUT / "playground-mid-story.png")
    await button(villager, ConfirmFixed(1).pack()).click()
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
    await button(villager, f"v2:rv:{village}").click()
    await button(villager, "v2:rh:h07").click()
    await button(villager, "v2:rc:water").click()
    await button(villager, "v2:rs").click()
    await expect(villager.locator(".message.theirs", has_text="R-000001")).not_to_have_count(0)
    report = await playground.bot.application.bot_data["services"].reports.get(1)
    assert report is not None and report.hamlet_id == "h07" and report.latitude is None

    await page.locator("#forward-day").click()
    await expect(page.locator("#clock-offset")).to_contain_text("1 天")
    assert playground.clock.offset == timedelta(days=1)


# -- what the page shows: times, downloads, voice, the phone layout ---------------------------


def bot_clock_text(playground: Playground, ms: int) -> str:
    """A moment as the page must write it: the bot's time zone, "MM-DD HH:MM"."""
    moment = datetime.fromtimestamp(ms / 1000, UTC).astimezone(playground.config.general.tz)
    return moment.strftime("%m-%d %H:%M")


async def shown_times(chat: Locator) -> list[tuple[int, str]]:
    """(bot time in ms, text) of every message time in a pane."""
    times = chat.locator(".message time.meta")
    return [
        (int(await time.get_attribute("data-ms") or 0), await time.inner_text())
        for time in await times.all()
    ]


async def drag_to_middle(page: Page, target: Locator) -> None:
    """Drag the town map so that `target` comes to its middle."""
    frame, box = await page.locator("#town-map").bounding_box(), await target.bounding_box()
    assert frame is not None and box is not None
    middle_x, middle_y = frame["x"] + frame["width"] / 2, frame["y"] + frame["height"] / 2
    start_x, start_y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    start_x = min(max(start_x, frame["x"] + 5), frame["x"] + frame["width"] - 5)
    start_y = min(max(start_y, frame["y"] + 5), frame["y"] + frame["height"] - 5)
    await page.mouse.move(start_x, start_y)
    await page.mouse.down()
    await page.mouse.move(middle_x, middle_y, steps=8)
    await page.mouse.up()
    moved = await target.bounding_box()
    assert moved is not None
    assert frame["x"] < moved["x"] + moved["width"] / 2 < frame["x"] + frame["width"]
    assert frame["y"] < moved["y"] + moved["height"] / 2 < frame["y"] + frame["height"]


async def test_times_are_the_bots_in_one_format_and_move_on_fast_forward(
    site: tuple[Playground, PlaygroundServer], page: Page
) -> None:
    playground, _ = site
    villager = pane(page, VILLAGER)
    await villager.locator(".start").click()
    await expect(villager.locator(".message.theirs")).not_to_have_count(0)
    answers = await villager.locator(".message.theirs").count()
    await page.locator("#forward-day").click()
    await expect(page.locator("#clock-offset")).to_contain_text("1 天")
    await villager.locator("input.text").fill("/help")
    await villager.locator(".send").click()
    await expect(villager.locator(".message.mine")).to_have_count(2)
    await expect(villager.locator(".message.theirs")).not_to_have_count(answers)

    times = await shown_times(villager)
    assert all(text == bot_clock_text(playground, ms) for ms, text in times), times
    assert times[-1][0] - times[0][0] >= 24 * 3_600_000  # the later ones a day on
    now_ms = int(playground.clock.now().timestamp() * 1000)
    assert abs(times[-1][0] - now_ms) < 60_000
    header = page.locator("#clock-now")
    header_ms = int(await header.get_attribute("data-ms") or 0)
    assert await header.inner_text() == bot_clock_text(playground, header_ms)
    assert abs(header_ms - now_ms) < 60_000


async def test_an_export_downloads_and_a_voice_note_keeps_its_length(
    site: tuple[Playground, PlaygroundServer], page: Page
) -> None:
    office, villager = pane(page, OFFICE), pane(page, VILLAGER)
    await office.locator("input.text").fill("/export")
    await office.locator(".send").click()
    links = office.locator("a.download")
    await expect(links).to_have_count(3)
    async with page.expect_download() as waiting:
        await links.first.click()
    download = await waiting.value
    assert download.suggested_filename.startswith("stats-")
    assert download.suggested_filename.endswith(".xlsx")
    saved = await download.path()
    assert saved is not None and Path(saved).read_bytes()[:2] == b"PK"  # an XLSX is a zip

    await villager.locator(".start").click()
    await expect(villager.locator(".message.theirs")).not_to_have_count(0)
    await villager.locator(".voice").click()
    voice = villager.locator(".message.mine", has=page.locator("audio"))
    await expect(voice.locator(".voice-length")).to_have_text("🎤 0:04")
    seconds = await voice.locator("audio").evaluate(
        """audio => new Promise((done, failed) => {
             const report = () => done(audio.duration);
             if (audio.readyState >= 1) report();
             audio.addEventListener("loadedmetadata", report);
             audio.addEventListener("error", () => failed(new Error("audio failed to load")));
             audio.load();
           })"""
    )
    assert 3.5 <= seconds <= 4.5
    OUTPUT.mkdir(exist_ok=True)
    await page.screenshot(path=OUTPUT / "playground-export-voice.png")


@pytest.mark.parametrize("viewport", [PHONE], ids=["phone"])
async def test_a_phone_shows_a_compact_header_tabs_held_messages_and_a_zoomable_map(
    site: tuple[Playground, PlaygroundServer], page: Page
) -> None:
    playground, _ = site
    header = await page.locator("header.bar").bounding_box()
    assert header is not None and header["height"] <= 0.1 * PHONE["height"]
    tabs = page.locator("#tabs .tab")
    await expect(tabs).to_have_count(3)
    await expect(page.locator('#tabs .tab[aria-selected="true"]')).to_have_count(1)
    await expect(tabs.first).to_have_attribute("aria-selected", "true")
    await tabs.nth(1).click()
    await expect(tabs.nth(1)).to_have_attribute("aria-selected", "true")
    await expect(tabs.first).to_have_attribute("aria-selected", "false")
    await tabs.first.click()
    await expect(tabs.first).to_have_attribute("aria-selected", "true")

    villager = pane(page, VILLAGER)
    await villager.locator(".start").click()
    await expect(villager.locator(".message.theirs")).not_to_have_count(0)
    await send_sample_photo(page, villager, "garbage_by_road")
    await villager.locator(".keyboard button", has_text=ZH(SHARE_LOCATION_BUTTON)).click()
    await expect(page.locator("#map-dialog")).to_be_visible()
    hamlet = page.locator('#town-map path.hamlet[data-hamlet="h01"]')
    label = page.locator('#town-map text.hamlet-label[data-hamlet="h01"]')
    before = await hamlet.bounding_box()
    label_box = await label.bounding_box()
    assert before is not None and label_box is not None
    assert label_box["height"] >= 12  # readable on a phone
    OUTPUT.mkdir(exist_ok=True)
    await page.screenshot(path=OUTPUT / "playground-phone-map.png")
    await page.locator("#zoom-in").click()
    after = await hamlet.bounding_box()
    assert after is not None and after["width"] > before["width"] * 1.4
    assert (await label.bounding_box() or {"height": 0})["height"] >= 12
    await drag_to_middle(page, label)  # pan: the zoomed-in map may have h01 off its edge
    await click_on_map(page, "h01")
    await expect(villager.locator(".message.mine .pin")).to_have_count(1)
    await page.screenshot(path=OUTPUT / "playground-phone.png")

    # Into quiet hours with a reminder queued: the pane says what is held and until when.
    bot = playground.bot
    assert bot is not None and bot.storage is not None and bot.outbox is not None
    zone = playground.config.general.tz
    now = playground.clock.now().astimezone(zone)
    evening = datetime.combine(now.date(), dtime(23, 0), tzinfo=zone)
    if evening <= now + timedelta(minutes=1):
        evening += timedelta(days=1)
    await playground.fast_forward(evening - playground.clock.now())
    async with bot.storage.database.transaction() as connection:
        reminder = Notification(555001, (Part("text", text="⏰ reminder"),), hold_at_night=True)
        await bot.outbox.add(connection, reminder)
    await page.locator("#forward-hour").click()
    morning = (evening + timedelta(days=1)).replace(hour=7)
    until = morning.strftime("%m-%d %H:%M")
    await expect(villager.locator(".held")).to_contain_text(until)
    await expect(page.locator("#held-summary")).to_contain_text(until)
    await page.screenshot(path=OUTPUT / "playground-phone-held.png")


async def test_the_page_makes_links_only_of_http_and_tg_addresses(
    site: tuple[Playground, PlaygroundServer], page: Page
) -> None:
    playground, _ = site
    assert playground.bot is not None and playground.bot.application is not None
    text = (
        '<a href="javascript:document.title=1">one</a> <a href="https://example.org/">two</a> '
        '<a href="tg://resolve?domain=x">three</a> <a href="data:text/html,x">four</a>'
    )
    await playground.bot.application.bot.send_message(555001, text, parse_mode="HTML")
    bubble = pane(page, VILLAGER).locator(".message.theirs", has_text="four")
    await expect(bubble).to_have_count(1)
    hrefs = await bubble.locator("a").evaluate_all("links => links.map(a => a.href)")
    assert hrefs == ["https://example.org/", "tg://resolve?domain=x"]
