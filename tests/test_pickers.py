"""The shared pickers build today's keyboards: place (village → hamlet) with ⬅ Back and
✖ Cancel laid out per flow, toggles, audience, department, date and time; their labels are
msgids the catalogues already translate; and a wizard ends the same way everywhere."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from unittest.mock import AsyncMock

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.ext import ConversationHandler

from bot.core.callbacks import CallbackData
from bot.core.i18n import I18n
from bot.delivery.audiences import AudienceKind
from bot.places.grid import Grid
from bot.schedules.recurrence import LAST_DAY
from handlers import buttons, pickers

ROOT = Path(__file__).resolve().parent.parent
GRID = Grid.load(ROOT / "bot" / "sample" / "santang_grid.geojson")
I18N = I18n("zh")
EN = I18N.translator("en").gettext
ZH = I18N.translator("zh").gettext

REPORT_PLACES = pickers.REPORT_PLACES


def labels(markup: InlineKeyboardMarkup | None) -> list[list[str]]:
    assert markup is not None
    return [[button.text for button in row] for row in markup.inline_keyboard]


def payloads(markup: InlineKeyboardMarkup | None) -> list[CallbackData | None]:
    assert markup is not None
    return [
        CallbackData.parse(str(button.callback_data))
        for row in markup.inline_keyboard
        for button in row
    ]


def test_the_report_flow_lists_villages_three_to_a_row_then_back_and_cancel() -> None:
    markup = REPORT_PLACES.villages(GRID, "en", EN)
    rows = labels(markup)
    assert rows[0] == ["Nabi Village", "Santang Village", "Sitang Community"]
    assert [len(row) for row in rows] == [3] * 6 + [2]
    assert rows[-1] == ["⬅ Back", "✖ Cancel"]
    data = payloads(markup)
    assert data[0] == buttons.ReportVillage("v01")
    assert data[-2:] == [buttons.ReportBack(), buttons.ReportCancel()]


def test_hamlets_come_two_to_a_row_in_id_order() -> None:
    markup = REPORT_PLACES.hamlets(GRID, "v01", "en", EN)
    data = payloads(markup)
    assert data[:6] == [buttons.ReportHamlet(f"h0{n}") for n in range(1, 7)]
    assert [len(row) for row in labels(markup)] == [2, 2, 2, 2]
    assert REPORT_PLACES.hamlets(GRID, "nowhere", "en", EN) is None


def test_flows_without_own_row_keep_cancel_in_the_flow_of_buttons() -> None:
    orders = pickers.ORDER_PLACES
    whole = pickers.button(
        EN("🏘 The whole village (to the village lead)"), buttons.OrderWholeVillage()
    )
    villages = labels(orders.villages(GRID, "en", EN))
    assert [len(row) for row in villages] == [3] * 6 + [1]
    assert villages[-1] == ["✖ Cancel"]
    hamlets = orders.hamlets(GRID, "v02", "en", EN, extra=[whole])
    assert [len(row) for row in labels(hamlets)] == [2, 2, 1]
    assert payloads(hamlets)[-2:] == [buttons.OrderWholeVillage(), buttons.OrderAbandon()]


def test_the_home_picker_has_skip_on_villages_and_back_only_on_hamlets() -> None:
    home = pickers.HOME_PLACES
    skip = pickers.button(EN("Skip"), buttons.SkipHome())
    villages = home.villages(GRID, "en", EN, extra=[skip])
    assert payloads(villages)[-1] == buttons.SkipHome()
    assert buttons.HomeBack() not in payloads(villages)
    hamlets = home.hamlets(GRID, "v02", "en", EN)
    assert labels(hamlets)[-1] == ["Zheyuan Po", "⬅ Back"]
    assert payloads(hamlets)[-1] == buttons.HomeBack()


def test_toggles_tick_the_chosen_places() -> None:
    notice = pickers.NOTICE_VILLAGE_TOGGLES
    done = pickers.button(EN("Done ({count})").format(count=2), buttons.NoticeVillagesDone())
    markup = notice.villages(GRID, "en", EN, chosen={"v01", "v03"}, extra=[done])
    rows = labels(markup)
    assert rows[0] == ["✅ Nabi Village", "Santang Village", "✅ Sitang Community"]
    assert rows[-1] == ["Done (2)", "✖ Cancel"]


def test_the_assign_picker_offers_only_hamlets_that_pass_the_filter() -> None:
    assign = pickers.assign_places(17, lambda hamlet: hamlet.id in {"h02", "h05"})
    markup = assign.hamlets(GRID, "v01", "en", EN)
    assert payloads(markup) == [buttons.AssignHamlet(17, "h02"), buttons.AssignHamlet(17, "h05")]
    assert assign.hamlets(GRID, "v02", "en", EN) is None
    assert payloads(assign.villages(GRID, "en", EN))[0] == buttons.AssignVillage(17, "v01")


def test_the_other_flows_pickers() -> None:
    invite = pickers.INVITE_PLACES
    done = pickers.button(EN("Done ➡"), buttons.InviteHamletsDone())
    toggles = invite.hamlets(GRID, "v02", "en", EN, chosen={"h08"}, extra=[done])
    assert payloads(toggles)[-2:] == [buttons.InviteHamletsDone(), buttons.StopInvite()]
    assert sum(label.startswith("✅ ") for row in labels(toggles) for label in row) == 1
    staff = pickers.schedule_village_places(AudienceKind.VILLAGE_STAFF)
    assert payloads(staff.villages(GRID, "en", EN))[0] == buttons.ScheduleVillage(
        AudienceKind.VILLAGE_STAFF, "v01"
    )
    hamlet_first = pickers.SCHEDULE_HAMLET_PLACES.villages(GRID, "en", EN)
    assert payloads(hamlet_first)[0] == buttons.ScheduleHamletVillage("v01")
    assert payloads(hamlet_first)[-1] == buttons.ScheduleAbandon()
    in_file_order = pickers.NOTICE_HAMLET_PLACES.hamlets(GRID, "v01", "en", EN)
    assert payloads(in_file_order)[:-1] == [
        buttons.NoticeHamlet(hamlet.id) for hamlet in GRID.hamlets_of("v01")
    ]


def test_the_audience_pickers_differ_only_where_the_flows_do() -> None:
    notice = pickers.audience_keyboard(
        EN, pickers.NOTICE_AUDIENCES, buttons.NoticeAudience, buttons.NoticeAbandon()
    )
    schedule = pickers.audience_keyboard(
        EN, pickers.SCHEDULE_AUDIENCES, buttons.ScheduleAudience, buttons.ScheduleAbandon()
    )
    assert labels(notice)[0] == ["👥 Everyone registered", "🏘 One or more villages"]
    assert labels(schedule)[0] == ["👥 Everyone registered", "🏘 A village"]
    assert buttons.ScheduleAudience(AudienceKind.VILLAGE_STAFF) in payloads(schedule)
    assert buttons.NoticeAudience(AudienceKind.VILLAGE_STAFF) not in payloads(notice)
    assert labels(notice)[-1] == ["✖ Cancel"]


def test_the_department_picker_is_one_per_row_and_none_without_departments() -> None:
    markup = pickers.department_keyboard(
        EN, [("clean_homes", "Clean homes")], buttons.NoticeDepartment, buttons.NoticeAbandon()
    )
    assert labels(markup) == [["Clean homes"], ["✖ Cancel"]]
    assert payloads(markup)[0] == buttons.NoticeDepartment("clean_homes")
    assert (
        pickers.department_keyboard(EN, [], buttons.NoticeDepartment, buttons.NoticeAbandon())
        is None
    )


def test_date_and_time_pickers() -> None:
    cancel = buttons.ScheduleAbandon()
    times = pickers.time_keyboard(EN, buttons.ScheduleTime, cancel)
    assert labels(times)[0] == ["07:00", "08:00", "09:00", "10:00"]
    assert payloads(times)[1] == buttons.ScheduleTime("0800")
    days = pickers.day_keyboard(EN, buttons.ScheduleDay, cancel)
    assert [len(row) for row in labels(days)] == [7, 7, 7, 7, 2]
    assert payloads(days)[-2] == buttons.ScheduleDay(LAST_DAY)
    assert labels(days)[-1] == ["Last day", "✖ Cancel"]
    months = pickers.month_keyboard(EN, buttons.ScheduleMonth, cancel)
    assert payloads(months)[:12] == [buttons.ScheduleMonth(month) for month in range(1, 13)]
    quarters = pickers.quarter_month_keyboard(EN, buttons.ScheduleQuarterMonth, cancel)
    assert labels(quarters)[0] == ["1st month (Jan, Apr, Jul, Oct)"]
    weekdays = pickers.weekday_toggles(
        EN, {0, 4}, buttons.ScheduleToggleWeekday, buttons.ScheduleWeekdaysDone(), cancel
    )
    assert labels(weekdays) == [
        ["✅ Mon", "Tue", "Wed", "Thu"],
        ["✅ Fri", "Sat", "Sun", "Done (2)"],
        ["✖ Cancel"],
    ]
    deadlines = pickers.deadline_keyboard(
        EN, (3, 7, 15, 30), buttons.OrderDeadline, buttons.OrderAbandon()
    )
    assert labels(deadlines) == [["3 days", "7 days", "15 days", "30 days"], ["✖ Cancel"]]


def test_every_picker_label_is_translated_in_both_catalogues() -> None:
    msgids = [
        pickers.BACK,
        pickers.CANCEL,
        "Last day",
        "Done ({count})",
        "{days} days",
        *(label for _, label in pickers.NOTICE_AUDIENCES),
        *(label for _, label in pickers.SCHEDULE_AUDIENCES),
        *(label for _, label in pickers.QUARTER_MONTHS),
    ]
    for msgid in msgids:
        assert ZH(msgid) != msgid, msgid
        assert EN(msgid), msgid
    assert labels(REPORT_PLACES.villages(GRID, "zh", ZH))[-1] == [ZH("⬅ Back"), ZH("✖ Cancel")]


def fake_update(*, pressed: bool) -> SimpleNamespace:
    query = SimpleNamespace(
        answer=AsyncMock(), edit_message_text=AsyncMock(), edit_message_reply_markup=AsyncMock()
    )
    return SimpleNamespace(
        callback_query=query if pressed else None,
        effective_chat=SimpleNamespace(send_message=AsyncMock()),
    )


@pytest.mark.parametrize("pressed", [True, False])
async def test_a_wizard_ends_by_saying_so(pressed: bool) -> None:
    update = fake_update(pressed=pressed)
    state = await pickers.end_wizard(update, "Stopped. No order was issued.")  # type: ignore[arg-type]
    assert state == ConversationHandler.END
    if pressed:
        update.callback_query.answer.assert_awaited_once()
        update.callback_query.edit_message_text.assert_awaited_once_with(
            "Stopped. No order was issued."
        )
        update.effective_chat.send_message.assert_not_awaited()
    else:
        update.effective_chat.send_message.assert_awaited_once_with(
            "Stopped. No order was issued.", reply_markup=None
        )


async def test_a_wizard_with_a_keyboard_to_restore_drops_the_buttons_and_sends_anew() -> None:
    update = fake_update(pressed=True)
    keyboard = InlineKeyboardMarkup([])
    await pickers.end_wizard(update, "Cancelled. Nothing was sent.", reply_markup=keyboard)  # type: ignore[arg-type]
    update.callback_query.edit_message_reply_markup.assert_awaited_once_with(None)
    update.effective_chat.send_message.assert_awaited_once_with(
        "Cancelled. Nothing was sent.", reply_markup=keyboard
    )


def as_v2(markup: InlineKeyboardMarkup) -> list[list[tuple[str, str]]]:
    """A keyboard built with v1 strings, read as (label, v2 payload) with the same codes."""
    return [
        [(button.text, str(button.callback_data).replace("v1:", "v2:", 1)) for button in row]
        for row in markup.inline_keyboard
    ]


def as_rows(markup: InlineKeyboardMarkup | None) -> list[list[tuple[str, str]]]:
    assert markup is not None
    return [
        [(button.text, str(button.callback_data)) for button in row]
        for row in markup.inline_keyboard
    ]


@pytest.mark.parametrize("language", ["zh", "en"])
def test_the_place_picker_builds_the_keyboard_common_builds_today(language: str) -> None:
    """What `handlers.common.village_buttons` + `grid_markup` (news, notices) built, written
    out (each village by id with its v1 code, three to a row), against the picker."""
    _ = I18N.translator(language).gettext
    skip = pickers.button(_("Skip"), buttons.SkipHome())
    cells = [
        InlineKeyboardButton(village.label(language), callback_data=f"v1:hv:{village.id}")
        for village in sorted(GRID.villages.values(), key=lambda village: village.id)
    ]
    cells.append(InlineKeyboardButton(_("Skip"), callback_data="v1:hsk"))
    today = InlineKeyboardMarkup([cells[index : index + 3] for index in range(0, len(cells), 3)])
    assert as_rows(pickers.HOME_PLACES.villages(GRID, language, _, extra=[skip])) == as_v2(today)
