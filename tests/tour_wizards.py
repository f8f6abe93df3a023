"""The grand tour's wizard side paths (`tests/tour_journeys.py` walks them): the office's
/newschedule through every repeat kind with wrong dates, times, titles and messages, /notice
to every audience with a photo and too long a text, /order with every wrong answer, each left
with /cancel or saved."""

from __future__ import annotations

from collections.abc import Callable

from bot.delivery.audiences import AudienceKind
from bot.emulator import EmulatedUser
from bot.schedules.recurrence import LAST_DAY, Repeat
from bot.schedules.service import ScheduleKind
from handlers.buttons import (
    NoticeAddLanguage,
    NoticeAudience,
    NoticeDepartment,
    NoticeHamlet,
    NoticeHamletVillage,
    NoticePreview,
    NoticeSendLater,
    NoticeToggleVillage,
    NoticeVillagesDone,
    OrderDeadline,
    OrderSkipPhoto,
    OrderVillage,
    OrderWholeVillage,
    SaveSchedule,
    ScheduleAudience,
    ScheduleDay,
    ScheduleKindChosen,
    ScheduleMonth,
    ScheduleQuarterMonth,
    ScheduleRemindersDone,
    ScheduleRepeat,
    ScheduleStandardMessage,
    ScheduleSuggestedTitle,
    ScheduleTime,
    ScheduleWeekdaysDone,
)
from tests.buttons import button_data, has_button, press
from tests.conftest import Town
from tests.tour_steps import B, Json, mentions, rest

TYPED = ("季度检查", "村口垃圾", "照片通知", "Photo notice", "部门通知", "空村通知")
"""What this part's people type (shown back to them), not the bot's words."""


class Wizard:
    """One run of a wizard in a chat: its buttons are looked for only on what the bot sent
    since it began (a wizard left with a typed /cancel keeps its buttons)."""

    def __init__(self, user: EmulatedUser) -> None:
        self.user, self.start = user, len(user.messages)

    async def pick(self, kind: type[B], which: Callable[[B], bool] = lambda _: True) -> Json:
        """Press the first `kind` button `which` accepts, on the newest message of this run
        showing one (waiting for one if none does)."""

        def offers(message: Json) -> list[B]:
            options = [kind.parse(data) for data in button_data(message)]
            return [option for option in options if option is not None and which(option)]

        def ours(message: Json) -> bool:
            return any(message is sent for sent in self.user.messages[self.start :])

        showing = [m for m in self.user.messages[self.start :] if offers(m)]
        message = (
            showing[-1]
            if showing
            else await self.user.wait_for(lambda m: ours(m) and bool(offers(m)), 10)
        )
        press(self.user, message, offers(message)[0])
        return message


async def answered(user: EmulatedUser, send: Callable[[], object]) -> Json:
    """Send something (from a fresh cursor) and wait for the bot's answer."""
    user.clear()
    send()
    return await user.next_message(timeout=10)


async def typed(user: EmulatedUser, *texts: str) -> None:
    for text in texts:
        await answered(user, lambda text=text: user.send_text(text))


async def cancelled(user: EmulatedUser) -> None:
    await answered(user, lambda: user.send_text("/cancel"))


async def new_schedule(user: EmulatedUser, kind: ScheduleKind, repeat: Repeat) -> Wizard:
    wizard = Wizard(user)
    user.send_text("/newschedule")
    await wizard.pick(ScheduleKindChosen, lambda b: b.kind == kind)
    await wizard.pick(ScheduleRepeat, lambda b: b.repeat == repeat)
    return wizard


async def schedule_side_paths(town: Town) -> None:
    """Weekly with no day ticked, then typing where buttons are; quarterly on the last day
    with a wrong time, too long a title and message; monthly on the last day, saved; yearly,
    once with wrong dates, and daily; each but the monthly one left with /cancel."""
    admin = town.admin
    wizard = await new_schedule(admin, ScheduleKind.CLEANUP, Repeat.WEEKLY)
    await wizard.pick(ScheduleWeekdaysDone)  # no day ticked: an alert
    await typed(admin, "周六")
    await cancelled(admin)
    rest(town)

    wizard = await new_schedule(admin, ScheduleKind.INSPECTION, Repeat.QUARTERLY)
    await wizard.pick(ScheduleQuarterMonth, lambda b: b.month == 3)
    await wizard.pick(ScheduleDay, lambda b: b.day == LAST_DAY)
    await admin.wait_for(has_button(ScheduleTime))
    await typed(admin, "25:99")
    await answered(admin, admin.send_sticker)
    admin.send_text("09:30")
    await wizard.pick(ScheduleAudience, lambda b: b.kind == AudienceKind.GRID_MEMBERS)
    await admin.wait_for(has_button(ScheduleSuggestedTitle))
    await answered(admin, admin.send_sticker)
    await typed(admin, "检" * 70, "季度检查")
    await answered(admin, admin.send_sticker)
    await typed(admin, "查" * 3600)
    await cancelled(admin)
    rest(town)

    wizard = await new_schedule(admin, ScheduleKind.INSPECTION, Repeat.MONTHLY)
    await wizard.pick(ScheduleDay, lambda b: b.day == LAST_DAY)
    await wizard.pick(ScheduleTime, lambda b: b.at == "0800")
    await wizard.pick(ScheduleAudience, lambda b: b.kind == AudienceKind.GRID_MEMBERS)
    await wizard.pick(ScheduleSuggestedTitle)
    await wizard.pick(ScheduleStandardMessage)
    await wizard.pick(ScheduleRemindersDone)
    await wizard.pick(SaveSchedule)
    await admin.wait_for(mentions("/schedules"))
    rest(town)

    wizard = await new_schedule(admin, ScheduleKind.CUSTOM, Repeat.YEARLY)
    await wizard.pick(ScheduleMonth, lambda b: b.month == 6)
    await wizard.pick(ScheduleDay, lambda b: b.day == 1)
    await admin.wait_for(has_button(ScheduleTime))
    await cancelled(admin)
    await new_schedule(admin, ScheduleKind.CUSTOM, Repeat.ONCE)
    await answered(admin, admin.send_sticker)
    await typed(admin, "下个月", "2020-01-01", "2026-12-30")
    await cancelled(admin)
    rest(town)
    await new_schedule(admin, ScheduleKind.CUSTOM, Repeat.DAILY)
    await admin.wait_for(has_button(ScheduleTime))
    await cancelled(admin)
    await typed(admin, "/schedules")


async def new_notice(user: EmulatedUser, kind: AudienceKind) -> Wizard:
    wizard = Wizard(user)
    user.send_text("/notice")
    await wizard.pick(NoticeAudience, lambda b: b.kind == kind)
    return wizard


async def notice_side_paths(town: Town) -> None:
    """Villages with none ticked, a sticker, too long a text, a photo with a caption and a
    photo for its translation; a department; a hamlet nobody lives in; each left unsent."""
    admin = town.admin
    wizard = await new_notice(admin, AudienceKind.VILLAGES)
    await wizard.pick(NoticeVillagesDone)  # none ticked: an alert
    await wizard.pick(NoticeToggleVillage)
    await wizard.pick(NoticeVillagesDone)
    await answered(admin, admin.send_sticker)
    await typed(admin, "长" * 4050)
    admin.send_photo(caption="照片通知")
    await wizard.pick(NoticeAddLanguage, lambda b: b.language == "en")
    await answered(admin, admin.send_photo)
    admin.send_text("Photo notice")
    await wizard.pick(NoticePreview)
    await wizard.pick(NoticeSendLater)
    await answered(admin, admin.send_sticker)
    await cancelled(admin)
    rest(town)

    wizard = await new_notice(admin, AudienceKind.DEPARTMENT)
    await wizard.pick(NoticeDepartment)
    admin.send_text("部门通知")
    await wizard.pick(NoticePreview)
    await admin.wait_for(has_button(NoticeSendLater))
    await cancelled(admin)
    rest(town)

    empty = town.hamlet_id("岭头坡")
    wizard = await new_notice(admin, AudienceKind.HAMLET)
    village = town.bot.grid.hamlets[empty].village_id
    await wizard.pick(NoticeHamletVillage, lambda b: b.village_id == village)
    await wizard.pick(NoticeHamlet, lambda b: b.hamlet_id == empty)
    admin.send_text("空村通知")
    await wizard.pick(NoticePreview)
    await admin.wait_for(has_button(NoticeSendLater))
    await cancelled(admin)


async def order_side_paths(town: Town) -> None:
    """/order: a sticker, a point outside the town, the whole village, a photo for the text,
    too long a text, text for the photo, a wrong date, then /cancel at the confirmation."""
    admin = town.admin
    village = town.bot.grid.hamlets[town.hamlet_id("那笔坡")].village_id
    wizard = Wizard(admin)
    await answered(admin, lambda: admin.send_text("/order"))
    await answered(admin, admin.send_sticker)
    await answered(admin, lambda: admin.send_location(30.0, 100.0))
    await wizard.pick(OrderVillage, lambda b: b.village_id == village)
    await admin.wait_for(has_button(OrderWholeVillage))
    await answered(admin, admin.send_sticker)
    await wizard.pick(OrderWholeVillage)
    await answered(admin, admin.send_photo)
    await typed(admin, "垃" * 1100, "村口垃圾", "没有照片")
    await wizard.pick(OrderSkipPhoto)
    await admin.wait_for(has_button(OrderDeadline))
    await typed(admin, "下周")
    await answered(admin, admin.send_sticker)
    await wizard.pick(OrderDeadline, lambda b: b.days == 3)
    await admin.wait_for(mentions("📜"))
    await typed(admin, "好")
    await cancelled(admin)
