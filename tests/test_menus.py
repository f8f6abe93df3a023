"""Command menus are right from start-up: an office admin sees the office commands before
writing once, and a villager who chose English keeps an English menu (also after a restart)."""

from __future__ import annotations

import json

from handlers.buttons import ChooseLanguage
from tests.buttons import has_button, press
from tests.conftest import OFFICE_ADMIN, Town


def chat_menu(town: Town, chat_id: int) -> dict[str, str]:
    key = (json.dumps({"chat_id": chat_id, "type": "chat"}, sort_keys=True), "")
    return {c["command"]: c["description"] for c in town.emulator.commands.get(key, [])}


async def test_role_holders_have_their_menu_from_start_up(town: Town) -> None:
    admin_menu = chat_menu(town, OFFICE_ADMIN)
    assert {"queue", "notice", "deliveries", "report"} <= set(admin_menu)
    assert admin_menu["queue"] == "等待美丽办处理的报告"
    assert "tasks" in chat_menu(town, town.member.user_id)


async def test_a_villager_who_chose_english_keeps_an_english_menu(town: Town) -> None:
    villager = town.villager
    assert chat_menu(town, villager.user_id) == {}
    villager.send_text("/lang")
    press(villager, await villager.wait_for(has_button(ChooseLanguage)), ChooseLanguage("en"))
    await villager.wait_for(lambda m: "English" in (m.get("text") or ""))
    menu = chat_menu(town, villager.user_id)
    assert menu["report"] == "Report dumping or a dirty corner" and "queue" not in menu

    town.emulator.commands.clear()  # as if Telegram had lost them: a restart sets them again
    await town.bot.storage.roles.set_menu_signature(villager.user_id, None)
    await town.restart()
    assert chat_menu(town, villager.user_id)["report"] == "Report dumping or a dirty corner"

    villager.send_text("/lang")
    press(villager, await villager.wait_for(has_button(ChooseLanguage)), ChooseLanguage("zh"))
    await villager.wait_for(lambda m: "中文" in (m.get("text") or ""))
    assert chat_menu(town, villager.user_id) == {}  # back to the menu for everyone
