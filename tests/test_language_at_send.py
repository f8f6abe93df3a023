"""A person has one language, the one they read when a message reaches them (issue 14, item 13):
what waited in the outbox (for their first hello, through quiet hours, across a restart) is
worded in the language they read when it is sent, buttons and captions too; a row resumed
half-way ends in the language it began in; rows stored before this still go."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bot.core.clock import OffsetClock
from bot.core.i18n import I18n
from bot.delivery.failures import _resend
from bot.delivery.outbox import (
    Button,
    DeliveryWorker,
    Notification,
    Outbox,
    Part,
    TransientFailure,
    Unreachable,
    Worded,
)
from bot.delivery.parts import encode
from bot.emulator import EmulatedUser
from handlers.buttons import ChooseLanguage
from storage import Storage
from storage.deliveries import FailureRow
from tests.buttons import has_button, press, words
from tests.conftest import Town
from tests.test_catalogues import CJK
from tests.test_deadline_story import NABI_LEAD, at, mentions
from tests.test_report_story import report_at

I18N = I18n("zh")
EN = I18N.translator("en").gettext
ZH = I18N.translator("zh").gettext
LEAD_NAME = "黄秀兰"
NAMES = ("黄秀兰", "韦建国", "那笔坡", "那笔村", "R-000001")


def in_english(message: dict) -> bool:
    """English throughout, once the names of people and places are left out."""
    text = words(message)
    for name in NAMES:
        text = text.replace(name, " ")
    return not CJK.search(text)


async def escalation_held_for_the_night(town: Town) -> None:
    """Report 1 is not accepted in 12 h: at 22:00 its escalation to the village lead is queued
    and held until 07:00."""
    await report_at(town, town.villager, town.inside("那笔坡"))
    await at(town, 2, 22)
    held = await town.bot.storage.database.fetch_one(
        "SELECT not_before FROM outbox WHERE chat_id = ? AND state = 'pending'", (NABI_LEAD,)
    )
    assert held is not None and held["not_before"] is not None


async def choose(user: EmulatedUser, language: str) -> None:
    """/lang and the button of `language`."""
    user.send_text("/lang")
    press(user, await user.wait_for(has_button(ChooseLanguage)), ChooseLanguage(language))
    await user.wait_for(lambda m: "English" in words(m) or "中文" in words(m))


async def test_what_was_queued_before_the_first_hello_speaks_the_language_of_the_hello(
    town: Town,
) -> None:
    lead = town.emulator.user(NABI_LEAD, LEAD_NAME, language_code="en")
    await escalation_held_for_the_night(town)  # queued while the bot knew no language of his
    await at(town, 2, 23)
    lead.send_text("/start")
    await lead.wait_for(in_english)
    await at(town, 3, 7)
    told = await lead.wait_for(mentions("⚠️", "R-000001"))
    assert in_english(told), told["text"]
    assert EN("overdue {hours} h").format(hours=9) in told["text"]  # worded at 07:00


async def test_what_quiet_hours_held_speaks_the_language_chosen_meanwhile(town: Town) -> None:
    lead = town.emulator.user(NABI_LEAD, LEAD_NAME, language_code="zh")
    lead.send_text("/start")
    await lead.wait_for(lambda m: bool(CJK.search(words(m))))
    await escalation_held_for_the_night(town)
    await at(town, 2, 23)
    await choose(lead, "en")
    await at(town, 3, 7)
    told = await lead.wait_for(mentions("⚠️", "R-000001"))
    assert in_english(told), told["text"]


async def test_a_restart_while_it_waits_keeps_the_language_of_sending(town: Town) -> None:
    lead = town.emulator.user(NABI_LEAD, LEAD_NAME, language_code="en")
    await escalation_held_for_the_night(town)
    await town.restart(down_until=datetime.fromisoformat("2026-12-03T01:00:00+08:00"))
    lead.send_text("/start")
    await lead.wait_for(in_english)
    await town.restart()
    await at(town, 3, 7)
    told = await lead.wait_for(mentions("⚠️", "R-000001"))
    assert in_english(told), told["text"]


# -- the outbox alone ------------------------------------------------------------------------


class Recorder:
    """Records what is sent; the sends listed in `failing` (by call number) raise `error`."""

    def __init__(
        self,
        failing: frozenset[int] = frozenset(),
        error: Exception | None = None,
    ) -> None:
        self.sent: list[Part] = []
        self._failing = failing
        self._error = error or TransientFailure("502 Bad Gateway")
        self._calls = 0

    async def send(self, chat_id: int, part: Part) -> None:
        self._calls += 1
        if self._calls in self._failing:
            raise self._error
        self.sent.append(part)


@pytest.fixture
async def storage(tmp_path: Path) -> AsyncIterator[Storage]:
    opened = await Storage.open(tmp_path / "outbox.sqlite3")
    yield opened
    await opened.close()


def card(language: str) -> tuple[Part, ...]:
    _ = I18N.translator(language).gettext
    buttons = ((Button(_("✅ Accept"), "v2:acc:1"),),)
    return (
        Part("photo", text=_("Fix by: {when}"), files=("photo-1",), buttons=buttons),
        Part("text", text=_("🧹 Fixed")),
    )


async def queue(storage: Storage, outbox: Outbox, chat_id: int) -> None:
    async with storage.database.transaction() as connection:
        await outbox.add(connection, Notification(chat_id, Worded.each(I18N, card)))


async def drain(worker: DeliveryWorker) -> None:
    while await worker.deliver_next():
        pass


async def test_a_card_takes_the_caption_and_buttons_of_the_language_read_when_it_goes(
    storage: Storage,
) -> None:
    clock, sender = OffsetClock(), Recorder()
    outbox = Outbox(storage.outbox, clock)
    await queue(storage, outbox, 7)  # no language known yet: worded in every one
    await storage.users.set_language(7, "en", clock.now())
    await drain(DeliveryWorker(storage.outbox, outbox, sender, clock))
    assert [part.text for part in sender.sent] == [EN("Fix by: {when}"), EN("🧹 Fixed")]
    assert sender.sent[0].buttons[0][0].label == EN("✅ Accept")


@pytest.mark.parametrize(
    ("failing", "expected"),
    [
        # nothing went (Telegram answered 502): the retry speaks the language chosen meanwhile
        (1, [EN("Fix by: {when}"), EN("🧹 Fixed")]),
        # the photo went, the second part failed: the row ends in the language it began in
        (2, [ZH("Fix by: {when}"), ZH("🧹 Fixed")]),
    ],
)
async def test_a_retry_after_a_telegram_error_speaks_the_language_of_its_first_part(
    storage: Storage, failing: int, expected: list[str]
) -> None:
    clock, sender = OffsetClock(), Recorder(failing=frozenset({failing}))
    outbox = Outbox(storage.outbox, clock)
    worker = DeliveryWorker(storage.outbox, outbox, sender, clock)
    await queue(storage, outbox, 7)
    await drain(worker)
    await storage.users.set_language(7, "en", clock.now())
    clock.advance(timedelta(minutes=1))
    await drain(worker)
    assert [part.text for part in sender.sent] == expected


async def test_what_the_office_retries_with_deliveries_speaks_the_language_read_then(
    storage: Storage,
) -> None:
    clock = OffsetClock()
    sender = Recorder(failing=frozenset({1}), error=Unreachable("Bad Request: chat not found"))
    outbox = Outbox(storage.outbox, clock)
    worker = DeliveryWorker(storage.outbox, outbox, sender, clock, failures=storage.deliveries)
    await queue(storage, outbox, 7)
    await drain(worker)  # given up, and kept for /deliveries
    await storage.users.set_language(7, "en", clock.now())
    [failure] = await storage.deliveries.open_failures(10)
    async with storage.database.transaction() as connection:
        await storage.deliveries.retry(connection, failure, clock.now(), resend_payload=None)
    await drain(worker)
    assert [part.text for part in sender.sent] == [EN("Fix by: {when}"), EN("🧹 Fixed")]


async def test_a_row_stored_before_languages_still_goes(storage: Storage) -> None:
    clock, sender = OffsetClock(), Recorder()
    outbox = Outbox(storage.outbox, clock)
    payload = json.dumps({"parts": [{"kind": "text", "text": "旧的一行"}], "meta": {}})
    async with storage.database.transaction() as connection:
        await connection.execute(
            """INSERT INTO outbox (chat_id, priority, payload, next_attempt_at, created_at)
               VALUES (7, 0, ?, ?, ?)""",
            (payload, clock.now().isoformat(), clock.now().isoformat()),
        )
    await storage.users.set_language(7, "en", clock.now())
    await drain(DeliveryWorker(storage.outbox, outbox, sender, clock))
    assert [part.text for part in sender.sent] == ["旧的一行"]


class Notices:
    """A notice source that says which language it was asked for."""

    async def parts_for(self, notice_id: int, language: str) -> tuple[Part, ...]:
        return (Part("text", text=f"notice {notice_id} in {language}"),)


async def test_a_notice_goes_in_the_language_its_reader_reads_when_it_is_sent(
    storage: Storage,
) -> None:
    clock, sender = OffsetClock(), Recorder()
    outbox = Outbox(storage.outbox, clock)
    async with storage.database.transaction() as connection:
        await connection.execute(
            """INSERT INTO outbox (chat_id, priority, payload, next_attempt_at, created_at)
               VALUES (7, 10, json_object('notice', 3, 'language', 'zh'), ?, ?)""",
            (clock.now().isoformat(), clock.now().isoformat()),
        )
    await storage.users.set_language(7, "en", clock.now())
    worker = DeliveryWorker(storage.outbox, outbox, sender, clock, notices=Notices())
    await drain(worker)
    assert [part.text for part in sender.sent] == ["notice 3 in en"]


def test_a_refused_part_is_resent_in_every_language_that_has_it_there() -> None:
    """English's card did not fit the photo's caption: its part 1 is the card, Chinese's the pin."""
    english = (Part("photo", files=("p",)), Part("text", text="card"), Part("location"))
    chinese = (Part("photo", files=("p",), text="卡片"), Part("location"))
    payload = encode(Worded(chinese, {"en": english}), {"report": "R-000001"})
    refused = FailureRow(
        id=1,
        outbox_id=1,
        chat_id=7,
        part_index=1,
        part_kind="text",
        error="Bad Request: can't parse entities",
        gave_up=False,
        at=datetime.now(),
        payload=payload,
        outbox_state="sent",
        language="en",
    )
    resent = json.loads(_resend(refused) or "{}")
    assert resent["in"]["en"][0]["text"] == "card"
    assert resent["parts"][0]["text"] == "card"  # Chinese has no card there: the one sent
    assert resent["meta"] == {"report": "R-000001"}
