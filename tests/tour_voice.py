"""The grand tour's voice note for the office only, and a failed delivery retried
(`tests/tour_journeys.py` walks them): a villager edits a message, sends too many photos and
leaves a voice note only the office may hear; the office retries a failed delivery from
/deliveries, twice."""

from __future__ import annotations

import re

from handlers.buttons import ReportCategory, RetryDelivery, SubmitReport
from handlers.voice import ChooseVoiceAudience
from tests.buttons import button_data, has_button, press
from tests.conftest import Town
from tests.tour_people import person
from tests.tour_steps import rest, text_of
from tests.tour_wizards import Wizard, answered, typed

FOURTH_VILLAGER = 700201
TYPED = ("陆阿姨", "桥头那堆", "桥头那一堆")
"""What this part's people type or are called."""
NUMBER = re.compile(r"R-\d{6}")


async def voice_for_the_office(town: Town) -> None:
    villager, admin = person(town, FOURTH_VILLAGER, "陆阿姨"), town.admin
    await typed(villager, "/start")
    sent = villager.send_text("桥头那堆")
    await villager.next_message()
    villager.edit_text(sent, "桥头那一堆")
    await villager.next_message()
    rest(town)
    report = Wizard(villager)
    villager.send_album(7)
    await villager.wait_for(lambda m: bool((m.get("reply_markup") or {}).get("keyboard")), 10)
    villager.send_location(*town.inside("茶山坡"))  # far from the open reports
    await report.pick(ReportCategory, lambda b: b.category == "household")
    await villager.wait_for(has_button(SubmitReport()), 10)
    villager.send_voice()
    await report.pick(ChooseVoiceAudience, lambda b: not b.member_too)
    await report.pick(SubmitReport)
    await villager.wait_for(lambda m: bool(NUMBER.search(text_of(m))), 10)
    rest(town)

    admin.clear()
    admin.send_text("/deliveries")
    listed = await admin.wait_for(has_button(RetryDelivery), 10)
    retry = next(b for b in map(RetryDelivery.parse, button_data(listed)) if b is not None)
    press(admin, listed, retry)
    press(admin, listed, retry)
    await answered(admin, lambda: admin.send_text("/deliveries"))
