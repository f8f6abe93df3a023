"""The grand tour's people and their refusals (`tests/tour_journeys.py` walks them): every role
invited and joined, a code used twice, one expired, too many wrong codes, /area for a village
lead and a department, a role holder's /forgetme, /team left unchanged, a forged button, and a
villager blocked and unblocked as they and the office see it."""

from __future__ import annotations

import re
from datetime import timedelta

from bot.emulator import EmulatedUser
from bot.people.directory import Role
from bot.reporting.buttons import AcceptTask, MarkFixed
from handlers.buttons import (
    AskRevoke,
    InviteDepartment,
    InviteHamletsDone,
    InviteRole,
    InviteVillage,
    ReportCategory,
    RevokeNo,
    SkipFixNote,
    StopInvite,
    SubmitReport,
)
from tests.buttons import has_button
from tests.conftest import Town
from tests.tour_office import CODE
from tests.tour_steps import mentions, rest, tap, text_of, town_language
from tests.tour_wizards import Wizard, answered, typed

LEAD, DEPARTMENT, ADMIN, LATE, GUESSER, BLOCKED, FIRST_MYDATA = range(700101, 700108)
TYPED = (
    "好了",
    "已清理干净",
    "刚来的人",
    "新村长",
    "新队员",
    "新办事员",
    "晚来的人",
    "乱猜的人",
    "莫大伯",
    "乱拍照片",
)
"""What this part's people type or are called (shown back to them and to others)."""
NUMBER = re.compile(r"R-\d{6}")


async def invited(town: Town, role: Role, *, department: bool = False) -> str:
    """/invite for `role` (the 那笔坡 village for a lead, the first department); the code."""
    admin = town.admin
    wizard = Wizard(admin)
    admin.send_text("/invite")
    await wizard.pick(InviteRole, lambda b: b.role == role)
    if role in (Role.VILLAGE_LEAD, Role.GRID_MEMBER):
        village = town.bot.grid.hamlets[town.hamlet_id("那笔坡")].village_id
        await wizard.pick(InviteVillage, lambda b: b.village_id == village)
    if department:
        await wizard.pick(InviteDepartment)
    shown = await admin.wait_for(lambda m: bool(CODE.search(text_of(m))), 10)
    return CODE.search(text_of(shown)).group(1)


def person(town: Town, chat_id: int, name: str) -> EmulatedUser:
    return town.emulator.user(chat_id, name, language_code=town_language(town))


async def roles_and_codes(town: Town) -> None:
    admin = town.admin
    wizard = Wizard(admin)
    admin.send_text("/invite")
    await wizard.pick(InviteRole, lambda b: b.role == Role.GRID_MEMBER)
    await wizard.pick(InviteVillage)
    await wizard.pick(InviteHamletsDone)  # no hamlet ticked: an alert
    await wizard.pick(StopInvite)
    rest(town)

    lead, member, office = (
        person(town, LEAD, "新村长"),
        person(town, DEPARTMENT, "新队员"),
        person(town, ADMIN, "新办事员"),
    )
    for newcomer in (lead, member, office):  # known first: what a role brings at once (an
        await typed(newcomer, "/start")  # escalation) speaks their language; see LATE below
    lead_code = await invited(town, Role.VILLAGE_LEAD)
    await typed(lead, "/join " + lead_code, "/area")
    await typed(member, "/join " + lead_code)  # used already
    department_code = await invited(town, Role.DEPARTMENT_MEMBER, department=True)
    await typed(member, "/join " + department_code, "/area")
    rest(town)
    admin_code = await invited(town, Role.OFFICE_ADMIN)
    await typed(office, "/join " + admin_code, "/forgetme")
    await typed(admin, "/team")
    wizard = Wizard(admin)
    admin.send_text("/team")
    await wizard.pick(AskRevoke)
    await wizard.pick(RevokeNo)
    rest(town)

    guesser = person(town, GUESSER, "乱猜的人")
    await typed(guesser, *(f"/join ABCDE-FGH{n}K" for n in range(2, 9)))
    late_code = await invited(town, Role.DEPARTMENT_MEMBER, department=True)
    town.clock.advance(timedelta(hours=73))
    await town.bot.time_moved()
    await typed(person(town, LATE, "晚来的人"), "/join " + late_code)


async def forged_button(town: Town) -> None:
    """A villager's client sends an office button's data on one of the villager's messages."""
    villager = town.villager
    message = villager.messages[-1]
    villager.press_raw(message, InviteRole(Role.OFFICE_ADMIN).pack())
    await answered(villager, lambda: villager.send_text("/help"))


async def blocked_and_unblocked(town: Town) -> None:
    """A villager reports, is blocked, reads why in /mydata and when reporting again; the
    office looks them up and sees the block in /audit; then unblocks them."""
    villager, admin = person(town, BLOCKED, "莫大伯"), town.admin
    await typed(villager, "/start")
    villager.send_photo()
    await villager.next_message()
    villager.send_location(*town.inside("那笔坡"))
    report = Wizard(villager)
    await report.pick(ReportCategory, lambda b: b.category == "household")
    await report.pick(SubmitReport)  # the question, become the summary
    done = await villager.wait_for(lambda m: bool(NUMBER.search(text_of(m))), 10)
    number = NUMBER.search(text_of(done)).group(0)
    rest(town)
    await typed(admin, f"/block {number} 乱拍照片", f"/who {number}")
    await typed(villager, "/mydata")
    await answered(villager, villager.send_photo)
    rest(town)
    await typed(admin, f"/unblock {number}", "/audit")
    rest(town)
    await fixed_with_a_note(town, number)


async def before_anything(town: Town) -> None:
    """The office's lists while nothing has happened yet, and someone's /mydata as their very
    first message."""
    await typed(town.admin, "/notices", "/orders", "/audit", "/queue", "/overdue", "/deliveries")
    await typed(person(town, FIRST_MYDATA, "刚来的人"), "/mydata")


async def numbers_by_period(town: Town) -> None:
    """The office's numbers for every period word; a grid member's and a lead's own numbers."""
    await typed(
        town.admin, "/stats last-quarter", "/stats year", "/stats last-year", "/stats quarter"
    )
    rest(town)
    await typed(town.member, "/stats")
    await typed(person(town, LEAD, "新村长"), "/stats")


async def fixed_with_a_note(town: Town, number: str) -> None:
    """The grid member fixes the report: text where the photo is wanted, /cancel, then a photo
    and a note for the reporter."""
    member, report_id = town.member, int(number[2:])
    await tap(member, AcceptTask(report_id))
    await tap(member, MarkFixed(report_id))
    await member.wait_for(mentions(number), 10)
    await typed(member, "好了", "/cancel")
    await tap(member, MarkFixed(report_id))
    await member.wait_for(mentions(number), 10)
    member.send_photo()
    await member.wait_for(has_button(SkipFixNote()), 10)
    await typed(member, "已清理干净")
