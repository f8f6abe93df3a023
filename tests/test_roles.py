"""Roles by invitation, the office's view of them, and the server-side checks behind every
command and button — driven through the real bot and the emulator."""

from __future__ import annotations

import json
import logging
import re
from datetime import timedelta

import pytest

from bot.core.callbacks import CallbackData
from bot.core.config import load_config
from bot.emulator import EmulatedUser
from bot.people.directory import Grant, People, Role
from bot.people.roles import hash_code, new_code, normalise_code
from bot.places.grid import Grid
from bot.reporting.buttons import AcceptTask, AssignReport, MarkFixed, RejectReport
from bot.reporting.lifecycle import State
from handlers.buttons import (
    AskRevoke,
    ChooseLanguage,
    InviteDepartment,
    InviteHamletsDone,
    InviteRole,
    InviteToggleHamlet,
    InviteVillage,
    RevokeYes,
)
from tests.buttons import has_button, press
from tests.conftest import OFFICE_CHAT, ROOT, Town
from tests.test_report_story import has_buttons, report_at

CODE = re.compile(r"/join ([A-Z0-9]{5}-[A-Z0-9]{5})")


def services(town: Town):
    return town.bot.application.bot_data["services"]


def text_of(message: dict) -> str:
    return message.get("text") or message.get("caption") or ""


def containing(*parts: str):
    return lambda message: all(part in text_of(message) for part in parts)


async def invite(town: Town, admin: EmulatedUser, role: str, *picks: CallbackData) -> str:
    """/invite, the role, then each pick (village, hamlets, Done…); returns the code shown."""
    admin.send_text("/invite")
    message = await admin.wait_for(has_button(InviteRole))
    press(admin, message, InviteRole(Role(role)))
    for pick in picks:
        message = await admin.wait_for(has_button(pick))
        press(admin, message, pick)
    shown = await admin.wait_for(lambda m: bool(CODE.search(text_of(m))))
    return CODE.search(text_of(shown)).group(1)


async def join(user: EmulatedUser, code: str) -> dict:
    user.send_text(f"/join {code}")
    return await user.next_message()


def chat_menu(town: Town, chat_id: int) -> list[str]:
    """The commands set for one chat (scope chat, no language: the person's chosen one)."""
    scope = json.dumps({"chat_id": chat_id, "type": "chat"}, sort_keys=True)
    return [command["command"] for command in town.emulator.commands.get((scope, ""), [])]


def nabi_village(town: Town) -> str:
    return town.bot.grid.hamlets[town.hamlet_id("那笔坡")].village_id


# -- unit: codes and the merged view --------------------------------------------------------------


def test_codes_are_random_readable_and_hashed() -> None:
    codes = {new_code() for _ in range(200)}
    assert len(codes) == 200
    code = codes.pop()
    assert re.fullmatch(r"[A-HJ-NP-Z2-9]{5}-[A-HJ-NP-Z2-9]{5}", code)
    typed = f" {code.lower().replace('-', ' ')}\u200b "
    assert normalise_code(typed) == code.replace("-", "")
    assert hash_code(typed) == hash_code(code) and code not in hash_code(code)


def test_people_merges_config_and_invited_roles_without_repeats() -> None:
    config = load_config(ROOT / "config.toml")
    people = People(config, Grid.load(config.grid.geojson))
    assert people.grid_members_of("h01") == [100001]
    people.load(
        [
            Grant(100001, Role.GRID_MEMBER, "h01", id=1),  # already theirs in config.toml
            Grant(700001, Role.GRID_MEMBER, "h01", id=2),
            Grant(700002, Role.DEPARTMENT_MEMBER, "clean_fields", id=3),
            Grant(700003, Role.OFFICE_ADMIN, "", id=4),
            Grant(700004, Role.GRID_MEMBER, "no-such-hamlet", id=5),
        ]
    )
    assert people.grid_members_of("h01") == [100001, 700001]
    assert people.members_of_department("clean_fields") == [700002]
    assert people.is_office(700003) and not people.is_config_admin(700003)
    assert not people.holds_role(700004)  # a place that is gone is skipped, not fatal
    people.remove(2)
    assert people.grid_members_of("h01") == [100001]
    assert not people.is_grid_member(700001)


# -- end to end -----------------------------------------------------------------------------------


async def test_a_grid_member_is_invited_joins_works_and_is_revoked(town: Town) -> None:
    admin, villager = town.admin, town.villager
    newcomer = town.emulator.user(700001, "新网格员", language_code="zh", username="new_member")
    nabi, other = town.hamlet_id("那笔坡"), town.bot.grid.hamlets_of(nabi_village(town))[1].id
    code = await invite(
        town,
        admin,
        "grid_member",
        InviteVillage(nabi_village(town)),
        InviteToggleHamlet(nabi),
        InviteToggleHamlet(other),
        InviteHamletsDone(),
    )
    stored = await services(town).storage.database.fetch_all("SELECT code_hash FROM invitations")
    assert [row["code_hash"] for row in stored] == [hash_code(code)]  # only the hash is kept

    welcome = await join(newcomer, code.lower().replace("-", " "))
    assert "网格员" in welcome["text"] and "那笔坡" in welcome["text"]
    assert town.bot.people.grid_members_of(nabi) == [town.member.user_id, newcomer.user_id]
    assert "tasks" in chat_menu(town, newcomer.user_id)
    await admin.wait_for(containing("新网格员", str(newcomer.user_id)))  # the inviter is told

    # Reports of the hamlet now reach the new member too, and they can act on them.
    await report_at(town, villager, town.inside("那笔坡"))
    card = await newcomer.wait_for(has_buttons(AcceptTask(1).pack()))
    first = newcomer.press(card, AcceptTask(1).pack())
    assert not (await newcomer.answer_to(first))["show_alert"]

    # /team lists them with a Revoke button per hamlet; revoking needs a second tap.
    admin.send_text("/team")
    listing = await admin.wait_for(containing("新网格员"))
    assert "韦建国" in listing["text"]  # config.toml's people are listed too
    buttons = await admin.wait_for(has_button(AskRevoke))
    revoke = [data for data in _data(buttons) if AskRevoke.parse(data) is not None]
    assert len(revoke) == 2
    for data in revoke:
        admin.press(buttons, data)
        question = await admin.wait_for(has_button(RevokeYes))
        admin.press(question, next(d for d in _data(question) if RevokeYes.parse(d) is not None))
        await admin.wait_for(lambda m: "已取消" in text_of(m))
        await newcomer.wait_for(containing("美丽办已取消您的身份"))
    assert not town.bot.people.is_grid_member(newcomer.user_id)
    assert town.bot.people.grid_members_of(nabi) == [town.member.user_id]
    assert "tasks" not in chat_menu(town, newcomer.user_id)  # the chat menu went back

    # A button from before the revoke is refused on the server, and logged.
    fix = newcomer.press_raw(card, MarkFixed(1).pack())
    assert (await newcomer.answer_to(fix))["show_alert"]
    newcomer.send_text("/tasks")
    assert "/tasks" in (await newcomer.next_message())["text"]
    report = await services(town).reports.get(1)
    assert report.state == State.ACCEPTED
    actions = [entry.action for entry in await services(town).audit.recent()]
    assert actions[:4] == ["revoke", "revoke", "join", "invite"]


async def test_wrong_expired_and_reused_codes_and_the_lockout(town: Town) -> None:
    admin = town.admin
    first = town.emulator.user(700010, "阿明", language_code="zh")
    second = town.emulator.user(700011, "Ann", language_code="en")
    code = await invite(town, admin, "village_lead", InviteVillage(nabi_village(town)))
    assert "村负责人" in (await join(first, code))["text"]
    assert "already been used" in (await join(second, code))["text"]
    for left in (3, 2):
        assert f"{left} tries left" in (await join(second, "NOT-A-CODE"))["text"]
    assert "1 tries left" in (await join(second, "\u202e<b>x</b>"))["text"]
    locked = await join(second, "ANOTHER-GUESS")  # the fifth wrong code within the hour
    assert "Too many wrong codes" in locked["text"]
    fresh = await invite(town, admin, "village_lead", InviteVillage(nabi_village(town)))
    assert "Too many wrong codes" in (await join(second, fresh))["text"]  # even a good one
    town.clock.advance(timedelta(minutes=61))
    assert "village lead" in (await join(second, fresh))["text"]

    expiring = await invite(town, admin, "department_member", InviteDepartment("clean_fields"))
    town.clock.advance(timedelta(hours=72, seconds=1))
    late = town.emulator.user(700012, "迟到", language_code="zh")
    assert "已过期" in (await join(late, expiring))["text"]
    late.send_text("/join")
    assert "/join" in (await late.next_message())["text"]  # usage, not a failure


async def test_village_leads_and_departments_see_their_area(town: Town) -> None:
    admin, villager = town.admin, town.villager
    lead = town.emulator.user(700020, "村长", language_code="zh")
    fields = town.emulator.user(700021, "农服中心", language_code="zh")
    await join(lead, await invite(town, admin, "village_lead", InviteVillage(nabi_village(town))))
    await join(
        fields, await invite(town, admin, "department_member", InviteDepartment("clean_fields"))
    )
    assert "area" in chat_menu(town, lead.user_id)
    await report_at(town, villager, town.inside("那笔坡"), category="fields")
    # Clean Fields has no group in the test config: its invited members get the copy.
    copy = await fields.wait_for(containing("R-000001"))
    assert "R-000001" in text_of(copy) and not _data(copy)
    for person in (lead, fields):
        person.send_text("/area")
        overview = await person.wait_for(containing("R-000001"))
        assert not _data(overview) and "王阿婆" not in overview["text"]
    villager.send_text("/area")
    assert "/area" in (await villager.next_message())["text"]


async def test_only_config_admins_make_admins_and_invited_admins_can_work(town: Town) -> None:
    admin = town.admin
    deputy = town.emulator.user(700030, "副主任", language_code="zh")
    await join(deputy, await invite(town, admin, "office_admin"))
    assert town.bot.people.is_office(deputy.user_id)
    assert {"queue", "invite", "team", "audit"} <= set(chat_menu(town, deputy.user_id))
    deputy.send_text("/invite")
    roles = await deputy.wait_for(has_button(InviteRole))
    assert InviteRole(Role.OFFICE_ADMIN).pack() not in _data(roles)
    forged = deputy.press_raw(roles, InviteRole(Role.OFFICE_ADMIN).pack())
    assert (await deputy.answer_to(forged))["show_alert"]
    code = await invite(town, deputy, "village_lead", InviteVillage(nabi_village(town)))
    assert code
    deputy.send_text("/audit")
    log = await deputy.wait_for(containing("副主任"))
    assert "邀请" in log["text"]


async def test_non_office_people_are_refused_and_logged(
    town: Town, caplog: pytest.LogCaptureFixture
) -> None:
    villager, member = town.villager, town.member
    caplog.set_level(logging.WARNING, logger="bot.security")
    for command in ("/invite", "/team", "/audit", "/block 555002 spam", "/unblock 1", "/who R-1"):
        villager.send_text(command)
        assert "美丽办" in (await villager.next_message())["text"], command
    member.send_text("/queue")
    assert (await member.next_message())["text"]
    villager.send_text("/help")
    own = await villager.next_message()  # any message of the bot: the data is what is forged
    for data in (
        InviteRole(Role.GRID_MEMBER).pack(),
        InviteHamletsDone().pack(),
        RevokeYes(1).pack(),
        AskRevoke(1).pack(),
        AssignReport(1).pack(),
        RejectReport(1).pack(),
    ):
        pressed = villager.press_raw(own, data)
        assert (await villager.answer_to(pressed))["text"], data
    refused = [r for r in caplog.records if r.name == "bot.security"]
    assert len(refused) >= 12


def _data(message: dict) -> list[str]:
    markup = message.get("reply_markup") or {}
    return [b.get("callback_data", "") for row in markup.get("inline_keyboard", []) for b in row]


async def test_command_menus_per_role_and_language(town: Town) -> None:
    emulator = town.emulator

    def menu(scope: dict, language: str = "") -> dict[str, str]:
        key = (json.dumps(scope, sort_keys=True), language)
        return {c["command"]: c["description"] for c in emulator.commands.get(key, [])}

    villagers_zh = menu({"type": "all_private_chats"}, "zh")
    villagers_en = menu({"type": "all_private_chats"}, "en")
    assert {"report", "mydata", "forgetme"} <= set(villagers_zh) and "tasks" not in villagers_zh
    assert villagers_en["mydata"] == "What the bot keeps about me" != villagers_zh["mydata"]
    assert {"queue", "audit"} <= set(menu({"type": "chat", "chat_id": OFFICE_CHAT}))
    # A config.toml grid member has their menu from start-up, in their language.
    member_menu = menu({"type": "chat", "chat_id": town.member.user_id})
    assert "tasks" in member_menu and "report" in member_menu and "queue" not in member_menu
    town.member.send_text("/lang")
    choice = await town.member.wait_for(has_button(ChooseLanguage))
    press(town.member, choice, ChooseLanguage("en"))
    await town.member.wait_for(containing("Menu updated"))
    assert menu({"type": "chat", "chat_id": town.member.user_id})["tasks"] == (
        "My open tasks in my hamlets"
    )
    # Villagers keep the menu for everyone: no per-chat call for each of them.
    town.villager.send_text("/help")
    await town.villager.next_message()
    assert chat_menu(town, town.villager.user_id) == []


async def test_the_office_group_is_served_and_its_members_act_as_themselves(town: Town) -> None:
    admin, office = town.admin, town.office
    await report_at(town, town.villager, town.bot.grid.point_outside(1000))
    await office.wait_for(has_buttons(AssignReport(1).pack()))
    office.send_text(admin, "/queue")
    queued = await office.wait_for(has_buttons(RejectReport(1).pack()))
    bystander = town.emulator.user(700300, "办事员", language_code="zh")
    refused = bystander.press_raw(
        queued, RejectReport(1).pack()
    )  # a group member who is not an admin
    assert (await bystander.answer_to(refused))["show_alert"]
    office.send_text(bystander, "大家好")  # ordinary talk in the group is left alone
    admin.press(queued, RejectReport(1).pack())
    await office.wait_for(containing("R-000001", "/cancel"))
    office.send_text(admin, "不在镇范围内")
    await office.wait_for(containing("R-000001", "🚫"))
    assert not [m for m in office.messages if "没看懂" in text_of(m)]
    assert (await services(town).reports.get(1)).state == State.REJECTED
