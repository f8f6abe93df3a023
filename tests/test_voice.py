"""A voice identifies its speaker: unless the reporter allows it, only the office hears a report's
voice note; the grid member is told one exists and gets the office's words for it."""

from __future__ import annotations

from bot.emulator.base import Json
from bot.emulator.users import EmulatedUser
from bot.reporting.voice import RelayVoice
from handlers.voice import ChooseVoiceAudience
from tests.buttons import words
from tests.conftest import OFFICE_CHAT, Town
from tests.test_report_story import SAMPLE, has_buttons
from tests.test_roles import containing


async def report_with_voice(town: Town, villager: EmulatedUser, *, member_too: bool) -> None:
    """Photo → place → category → a voice note (and, if asked, "the grid member too") → submit."""
    villager.send_photo()
    await villager.wait_for(lambda m: bool(m.get("reply_markup", {}).get("keyboard")))
    villager.send_location(*town.inside("那笔坡"))
    categories = await villager.wait_for(has_buttons("v2:rc:"))
    villager.press(categories, "v2:rc:household")
    await villager.wait_for(has_buttons("v2:rs"))
    villager.send_voice((SAMPLE / "voice.ogg").read_bytes())
    question = await villager.wait_for(has_buttons(ChooseVoiceAudience(member_too=True).pack()))
    assert "✓" in str(question["reply_markup"]["inline_keyboard"][0][0]["text"])  # office only
    summary = await villager.wait_for(lambda m: has_buttons("v2:rs")(m) and "🎤" in m["text"])
    if member_too:
        villager.press(question, ChooseVoiceAudience(member_too=True).pack())
        await villager.wait_for(
            lambda m: (
                m["message_id"] == question["message_id"]
                and "✓" in m["reply_markup"]["inline_keyboard"][0][1]["text"]
            )
        )
    villager.press(summary, "v2:rs")
    await villager.wait_for(containing("R-000001"))


def voices_to(town: Town, chat_id: int) -> list[Json]:
    return [m for m in town.emulator.sent if m["chat"]["id"] == chat_id and "voice" in m]


async def test_only_the_office_hears_the_voice_and_relays_it_in_words(town: Town) -> None:
    villager, member, admin = town.villager, town.member, town.admin
    await report_with_voice(town, villager, member_too=False)
    card = await member.wait_for(has_buttons("v2:acc:1"))
    assert "🎤" in words(card)  # told that a voice description exists
    office_card = await town.office.wait_for(has_buttons(RelayVoice(report_id=1).pack()))
    # The card is one message since issue #15; the voice follows it.
    await town.office.wait_for(lambda m: "voice" in m)
    assert voices_to(town, OFFICE_CHAT), "the office hears the voice"
    report = await town.bot.application.bot_data["services"].reports.get(1)
    assert report.voice_audience == "office"

    admin.press(office_card, RelayVoice(report_id=1).pack())
    await town.office.wait_for(containing("R-000001", "/cancel"))
    town.office.send_text(admin, "垃圾堆在桥东头，已经三天了")
    await town.office.wait_for(containing("R-000001", "🗣"))
    relayed = await member.wait_for(containing("R-000001", "垃圾堆在桥东头"))
    assert "voice" not in relayed
    member.send_text("/tasks")
    listed = await member.wait_for(containing("R-000001", "垃圾堆在桥东头"))
    assert "voice" not in listed
    assert not voices_to(town, member.user_id)
    audit = await town.bot.application.bot_data["services"].audit.recent()
    assert any(row.action == "relay_voice" and row.subject == "R-000001" for row in audit)


async def test_a_grid_member_cannot_relay_and_the_reporter_may_share_the_voice(
    town: Town,
) -> None:
    villager, member = town.villager, town.member
    await report_with_voice(town, villager, member_too=True)
    # The card is one message since issue #15 (photo, caption, buttons); the voice follows it.
    card = await member.wait_for(has_buttons("v2:acc:1"))
    assert "photo" in card and "🎤" not in words(card)
    voice = await member.wait_for(lambda m: "voice" in m)
    assert voice["voice"]["file_id"]
    report = await town.bot.application.bot_data["services"].reports.get(1)
    assert report.voice_audience == "member"
    # A forged relay button from a non-office person is refused, nothing is sent.
    before = len(town.emulator.sent)
    answer = await member.answer_to(member.press_raw(card, RelayVoice(report_id=1).pack()))
    assert answer.get("show_alert") and answer.get("text")
    assert not [m for m in town.emulator.sent[before:] if "/cancel" in words(m)]
