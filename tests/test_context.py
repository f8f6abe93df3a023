"""The typed context: PTB builds it per update, the guard step resolves the person once and
every later handler reads it; drafts are typed models that persist as today's dicts."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import asdict
from datetime import UTC, date, datetime
from types import SimpleNamespace
from typing import Any

import pytest
from telegram import Update
from telegram.ext import Application, MessageHandler, TypeHandler, filters

from bot.core.clock import SystemClock
from bot.core.i18n import I18n
from bot.core.models import Draft, Location, MediaRef
from bot.delivery.audiences import Audience, AudienceKind
from bot.emulator import BotApiEmulator
from bot.notices.service import ContentKind
from bot.people.directory import Role
from bot.schedules.recurrence import Repeat
from bot.schedules.service import ScheduleKind
from handlers.context import CONTEXT_TYPES, BotContext, Person, PersonNotResolved, resolve_person
from handlers.drafts import (
    DRAFTS,
    FixDraft,
    InviteDraft,
    NoticeDraft,
    OrderDraft,
    ReportDraft,
    ScheduleDraft,
    StoredAudience,
    StoredFile,
)
from tests.conftest import TOKEN

OFFICE, MEMBER, STRANGER = 1001, 1002, 1003


class Users:
    """The storage calls the guard makes: the lookup (counted) and, on first contact, the
    language it stores. Everyone here has a row (a person without one gets no write)."""

    def __init__(self) -> None:
        self.lookups = 0
        self.stored: dict[int, str] = {OFFICE: "en"}

    async def known_language(self, user_id: int) -> tuple[bool, str | None]:
        self.lookups += 1
        return True, self.stored.get(user_id)

    async def remember_language(self, user_id: int, language: str, now: datetime) -> None:
        self.stored.setdefault(user_id, language)


class People:
    def is_office(self, user_id: int) -> bool:
        return user_id == OFFICE

    def is_grid_member(self, user_id: int) -> bool:
        return user_id == MEMBER

    def is_village_lead(self, user_id: int) -> bool:
        return False

    def departments_of(self, user_id: int) -> list[str]:
        return ["clean_homes"] if user_id == OFFICE else []


def application(
    emulator: BotApiEmulator | None = None,
) -> tuple[Application[Any, Any, Any, Any, Any, Any], Users]:
    """An Application with the typed context, on the emulator if given (to process updates)."""
    builder = Application.builder().token(TOKEN).context_types(CONTEXT_TYPES)
    if emulator is not None:
        builder = builder.base_url(emulator.base_url).base_file_url(emulator.base_file_url)
    app = builder.build()
    users = Users()
    app.bot_data["services"] = SimpleNamespace(
        storage=SimpleNamespace(users=users), people=People(), i18n=I18n("zh"), clock=SystemClock()
    )
    return app, users


@pytest.fixture
async def running(
    emulator: BotApiEmulator,
) -> AsyncIterator[tuple[Application[Any, Any, Any, Any, Any, Any], Users]]:
    """An initialised Application on the emulator, so it can process updates."""
    app, users = application(emulator)
    await app.initialize()
    try:
        yield app, users
    finally:
        await app.shutdown()


def message_from(app: Application[Any, Any, Any, Any, Any, Any], user_id: int, lang: str) -> Update:
    data = {
        "update_id": 7,
        "message": {
            "message_id": 1,
            "date": 0,
            "chat": {"id": user_id, "type": "private"},
            "from": {"id": user_id, "is_bot": False, "first_name": "x", "language_code": lang},
            "text": "hello",
        },
    }
    return Update.de_json(data, app.bot)


async def test_the_guard_resolves_the_person_once_for_every_handler_of_the_update(
    running: tuple[Application[Any, Any, Any, Any, Any, Any], Users],
) -> None:
    app, users = running
    seen: list[tuple[Person, str]] = []

    async def journey(update: Update, context: BotContext) -> None:
        assert isinstance(context, BotContext)
        seen.append((context.person, context._("✖ Cancel")))

    app.add_handler(TypeHandler(Update, resolve_person), group=-2)
    app.add_handler(MessageHandler(filters.TEXT, journey), group=0)
    app.add_handler(MessageHandler(filters.TEXT, journey), group=1)
    await app.process_update(message_from(app, OFFICE, "zh"))
    assert users.lookups == 1
    person = Person(
        OFFICE, "en", frozenset({Role.OFFICE_ADMIN, Role.DEPARTMENT_MEMBER}), ("clean_homes",)
    )
    assert seen == [(person, "✖ Cancel"), (person, "✖ Cancel")]
    assert person.is_office and not person.is_grid_member and not person.is_village_lead


async def test_first_contact_stores_the_telegram_language_else_the_default_and_it_stays(
    running: tuple[Application[Any, Any, Any, Any, Any, Any], Users],
) -> None:
    app, users = running
    people: list[Person] = []

    async def journey(update: Update, context: BotContext) -> None:
        people.append(context.person)

    app.add_handler(TypeHandler(Update, resolve_person), group=-2)
    app.add_handler(MessageHandler(filters.TEXT, journey))
    await app.process_update(message_from(app, MEMBER, "en"))
    await app.process_update(message_from(app, STRANGER, "fr"))
    await app.process_update(message_from(app, MEMBER, "zh"))  # Telegram's changed since
    assert [(person.language, person.roles) for person in people] == [
        ("en", frozenset({Role.GRID_MEMBER})),
        ("zh", frozenset()),
        ("en", frozenset({Role.GRID_MEMBER})),
    ]
    assert users.stored == {OFFICE: "en", MEMBER: "en", STRANGER: "zh"}


async def test_switching_language_changes_the_translator_for_the_rest_of_the_update() -> None:
    app, _ = application()
    context = BotContext(app, chat_id=STRANGER, user_id=STRANGER)
    with pytest.raises(PersonNotResolved):
        _ = context.person
    assert context._("✖ Cancel") == I18n("zh").translator("zh").gettext("✖ Cancel")
    await resolve_person(message_from(app, STRANGER, "zh"), context)
    context.switch_language("en")
    assert context.person.language == "en" and context._("✖ Cancel") == "✖ Cancel"


async def test_drafts_are_kept_loaded_and_dropped_through_the_context() -> None:
    app, _ = application()
    context = BotContext(app, chat_id=MEMBER, user_id=MEMBER)
    assert context.draft(OrderDraft) is None
    order = OrderDraft(
        village_id="v01", text="clear the ditch", fix_by=datetime(2026, 12, 9, tzinfo=UTC)
    )
    context.keep(order)
    assert context.user_data is not None
    assert context.user_data["order_draft"]["fix_by"] == "2026-12-09T00:00:00Z"
    assert context.draft(OrderDraft) == order
    context.drop(OrderDraft)
    assert context.draft(OrderDraft) is None and "order_draft" not in context.user_data


def test_a_report_draft_reads_what_the_report_flow_stores_today() -> None:
    today = Draft(
        photos=[MediaRef("f1", "u1", "/media/u1.jpg")],
        location=Location(24.1, 108.2, "gps"),
        hamlet_id="h01",
        category="litter",
        voice=MediaRef("f2", "u2"),
    )
    user_data: dict[str, Any] = {"draft": asdict(today)}
    loaded = ReportDraft.load(user_data)
    assert loaded is not None and loaded.domain() == today
    ReportDraft.of(today).store(user_data)
    assert user_data["draft"] == asdict(today)


def test_other_drafts_read_the_dicts_their_flows_store_today() -> None:
    notice = NoticeDraft.load(
        {
            "notice_draft": {
                "texts": {"zh": "停水通知"},
                "villages": ["v01"],
                "audience": {"kind": "villages", "ids": ["v01"]},
                "kind": "text",
                "file_id": None,
                "send_at": "2026-12-02T00:30:00+00:00",
            }
        }
    )
    assert notice is not None
    assert notice.audience == StoredAudience.of(Audience(AudienceKind.VILLAGES, ("v01",)))
    assert notice.audience.audience() == Audience(AudienceKind.VILLAGES, ("v01",))
    assert notice.kind is ContentKind.TEXT and notice.send_at == datetime(
        2026, 12, 2, 0, 30, tzinfo=UTC
    )
    schedule = ScheduleDraft.load(
        {
            "schedule_draft": {
                "weekdays": [0, 4],
                "reminders": [1],
                "kind": "cleanup",
                "repeat": "once",
                "on": "2026-12-24",
                "at": "08:00",
            }
        }
    )
    assert schedule is not None
    assert (schedule.kind, schedule.repeat, schedule.on) == (
        ScheduleKind.CLEANUP,
        Repeat.ONCE,
        date(2026, 12, 24),
    )
    order = OrderDraft.load(
        {
            "order_draft": {
                "village_id": "v01",
                "hamlet_id": None,
                "latitude": 24.0,
                "longitude": 108.0,
            }
        }
    )
    assert order is not None and order.pin() == Location(24.0, 108.0, "gps")
    assert OrderDraft(village_id="v01").pin() is None
    invite = InviteDraft.load(
        {"invite": {"role": "grid_member", "hamlets": ["h01"], "village": "v01"}}
    )
    assert invite == InviteDraft(role=Role.GRID_MEMBER, village="v01", hamlets=["h01"])


@pytest.mark.parametrize(
    "stored",
    [None, "a string", {"kind": "not a kind"}, {"weekdays": "monday"}, {"on": "someday"}],
)
def test_a_stored_draft_that_no_longer_fits_reads_as_none(stored: object) -> None:
    assert ScheduleDraft.load({"schedule_draft": stored}) is None
    assert FixDraft.load({"fix_draft": {"after_photo": None}}) is None  # report_id is required
    assert ScheduleDraft.load(None) is None


def test_every_draft_has_its_own_key_and_survives_a_round_trip() -> None:
    assert len({kind.KEY for kind in DRAFTS}) == len(DRAFTS)
    fix = FixDraft(report_id=17, after_photo=StoredFile.of(MediaRef("f", "u", None)))
    user_data: dict[str, Any] = {}
    fix.store(user_data)
    assert FixDraft.load(user_data) == fix and fix.after_photo is not None
    assert fix.after_photo.ref() == MediaRef("f", "u", None)
