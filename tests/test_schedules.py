"""Schedules fire by themselves, exactly once, on a controllable clock: recurrences, advance
reminders, quiet hours, firings missed while the bot was down (inside and outside the grace
window), a second job racing the first, pausing, and schedules seeded from the config."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.core.clock import OffsetClock
from bot.core.config import AudienceConfig, Config, ConfigError, ReminderConfig, load_config
from bot.core.errors import Reason, Refused
from bot.core.i18n import I18n
from bot.delivery.audiences import Audience, AudienceKind, Audiences
from bot.delivery.outbox import DeliveryWorker, Notification, Outbox, Part, Priority
from bot.delivery.quiet_hours import QuietHours
from bot.people.directory import People
from bot.places.grid import Grid
from bot.schedules.recurrence import LAST_DAY, Advance, Firing, Recurrence, Repeat
from bot.schedules.service import (
    NewSchedule,
    ScheduleKind,
    ScheduleService,
    ScheduleState,
    seeded_schedules,
)
from storage import Storage
from tests.conftest import TOWN_START, config_text_for

SANTANG = ZoneInfo("Asia/Shanghai")
OFFICE_ADMIN = 900001
NABI_VILLAGE, SANTANG_VILLAGE = "v01", "v02"


@dataclass
class Office:
    """The schedule service on its own database and a movable clock (no Telegram)."""

    config: Config
    storage: Storage
    clock: OffsetClock
    grid: Grid
    schedules: ScheduleService

    def service(self) -> ScheduleService:
        """Another service on the same database: a second job, or the bot after a restart."""
        return build_service(self.config, self.storage, self.clock, self.grid)

    def at(self, day: int, hour: int, minute: int = 0, second: int = 5) -> None:
        """Move the clock to that moment of December 2026, Santang time."""
        self.clock.set(datetime(2026, 12, day, hour, minute, second, tzinfo=SANTANG))

    async def residents(self, village_id: str, first_id: int, count: int) -> list[int]:
        hamlets = [hamlet.id for hamlet in self.grid.hamlets_of(village_id)]
        ids = list(range(first_id, first_id + count))
        await self.storage.users.import_residents(
            [(user_id, hamlets[i % len(hamlets)], "zh") for i, user_id in enumerate(ids)],
            self.clock.now(),
        )
        return ids

    async def queued(self) -> list[tuple[int, str, str | None]]:
        """(chat, text, held until) of every notification in the outbox, oldest first."""
        rows = await self.storage.database.fetch_all(
            "SELECT chat_id, payload, not_before FROM outbox ORDER BY id"
        )
        return [
            (row["chat_id"], json.loads(row["payload"])["parts"][0]["text"], row["not_before"])
            for row in rows
        ]


def build_service(
    config: Config, storage: Storage, clock: OffsetClock, grid: Grid
) -> ScheduleService:
    people = People(config, grid)
    i18n = I18n(config.general.default_language)
    quiet = config.quiet_hours
    return ScheduleService(
        storage=storage,
        config=config,
        audiences=Audiences(
            config=config, grid=grid, people=people, i18n=i18n, users=storage.users
        ),
        people=people,
        i18n=i18n,
        outbox=Outbox(storage.outbox, clock, QuietHours(quiet.start, quiet.end, config.general.tz)),
        clock=clock,
    )


@pytest.fixture
async def office(tmp_path: Path) -> AsyncIterator[Office]:
    path = tmp_path / "config.toml"
    path.write_text(config_text_for(tmp_path), encoding="utf-8")
    config = load_config(path)
    grid = Grid.load(config.grid.geojson)
    clock = OffsetClock()
    clock.set(TOWN_START)
    storage = await Storage.open(config.storage.database)
    try:
        yield Office(config, storage, clock, grid, build_service(config, storage, clock, grid))
    finally:
        await storage.close()


def cleanup_day(
    village_id: str = NABI_VILLAGE, *reminders: Advance, at: time = time(8, 0)
) -> NewSchedule:
    return NewSchedule(
        kind=ScheduleKind.CLEANUP,
        title={"zh": "清洁日"},
        recurrence=Recurrence(Repeat.WEEKLY, at, weekdays=(5,)),
        reminders=reminders,
        audience=Audience(AudienceKind.VILLAGES, (village_id,)),
        message={"zh": "今天是清洁日，请清扫门前三包区域。"},
    )


async def test_a_weekly_cleanup_day_reaches_its_village_once(office: Office) -> None:
    nabi = await office.residents(NABI_VILLAGE, 700000, 3)
    await office.residents(SANTANG_VILLAGE, 710000, 2)
    schedule = await office.schedules.create(
        OFFICE_ADMIN, cleanup_day(NABI_VILLAGE, Advance(days_before=1, at=time(18, 0)))
    )
    assert await office.schedules.fire_due() == 0  # Wednesday: nothing yet

    office.at(4, 18, 0)  # Friday 18:00: the day-before reminder
    assert await office.schedules.fire_due() == 1
    office.at(5, 8, 0)  # Saturday 08:00: the cleanup day itself
    assert await office.schedules.fire_due() == 1
    assert await office.schedules.fire_due() == 0  # asked again: nothing twice

    queued = await office.queued()
    assert sorted(chat for chat, _, _ in queued) == sorted(nabi * 2)
    reminders, events = queued[:3], queued[3:]
    assert all("⏰" in text and "明天 08:00" in text for _, text, _ in reminders)
    assert all("门前三包" in text and "⏰" not in text for _, text, _ in events)
    firings = await office.storage.schedules.firings(schedule.id)
    assert [(step, outcome, count) for _, step, outcome, count in firings] == [
        ("d1@18:00", "sent", 3),
        ("event", "sent", 3),
    ]

    office.at(11, 18, 0)  # and the next week alike
    assert await office.schedules.fire_due() == 1
    office.at(12, 8, 0)
    assert await office.schedules.fire_due() == 1


async def test_monthly_inspection_with_a_reminder_an_hour_before(office: Office) -> None:
    inspection = NewSchedule(
        kind=ScheduleKind.INSPECTION,
        title={"zh": "月度考核"},
        recurrence=Recurrence(Repeat.MONTHLY, time(9, 0), day=25),
        reminders=(Advance(minutes_before=60),),
        audience=Audience(AudienceKind.GRID_MEMBERS),
        message={"zh": "请检查负责的每个坡。"},
    )
    await office.schedules.create(OFFICE_ADMIN, inspection)
    office.at(25, 7, 59)
    assert await office.schedules.fire_due() == 0
    office.at(25, 8, 0)
    assert await office.schedules.fire_due() == 1
    office.at(25, 9, 0)
    assert await office.schedules.fire_due() == 1
    members = {member.user_id for member in office.config.grid_members}
    queued = await office.queued()
    assert len(queued) == 2 * len(members)
    assert {chat for chat, _, _ in queued} == members
    office.clock.set(datetime(2027, 1, 25, 8, 0, 5, tzinfo=SANTANG))
    assert await office.schedules.fire_due() == 1  # January's reminder


async def test_an_advance_reminder_says_when_and_never_today_for_a_future_day(
    office: Office,
) -> None:
    """Friday 18:00 before Saturday's 08:00 cleanup: "tomorrow 08:00" in each person's language,
    without the day's own "today is cleanup day" message; an hour before: "in 1 hour"; one
    fired at 23:00 and held by quiet hours until 07:00 on the day is worded for 07:00."""
    schedule = replace(
        cleanup_day(NABI_VILLAGE, Advance(days_before=1, at=time(18, 0))),
        message={"zh": "今天是清洁日。", "en": "Today is cleanup day."},
    )
    event = datetime(2026, 12, 5, 8, 0, tzinfo=SANTANG)
    day_before, hour_before, at_night = (
        Firing(at=datetime(2026, 12, day, hour, 0, tzinfo=SANTANG), occurrence=event, step="r")
        for day, hour in ((4, 18), (5, 7), (4, 23))
    )
    render = office.schedules.render
    zh, en = (render(schedule, day_before, language)[0].text or "" for language in ("zh", "en"))
    assert "明天 08:00" in zh and "今天" not in zh
    assert "tomorrow 08:00" in en and "today" not in en.lower()
    assert "in 1 hour" in (render(schedule, hour_before, "en")[0].text or "")
    assert "1 小时后" in (render(schedule, at_night, "zh")[0].text or "")


def test_a_reminder_sent_late_says_how_long_is_left_then(office: Office) -> None:
    """The hour-before reminder of 08:00 queued at 07:16 (the bot was down, or the clock
    jumped): "in 44 minutes", not the hour it would have said at 07:00."""
    schedule = cleanup_day(NABI_VILLAGE, Advance(minutes_before=60))
    event = datetime(2026, 12, 5, 8, 0, tzinfo=SANTANG)
    hour_before = Firing(at=event - timedelta(hours=1), occurrence=event, step="r")
    late = datetime(2026, 12, 5, 7, 16, tzinfo=SANTANG)
    text = office.schedules.render(schedule, hour_before, "en", late)[0].text or ""
    assert "in 44 minutes" in text and "in 1 hour" not in text


async def test_quiet_hours_hold_a_reminder_until_morning(office: Office) -> None:
    """06:30 is inside quiet hours (22:00–07:00): villagers get it at 07:00; an urgent message
    to the same person meanwhile is not stuck behind it."""
    villager = (await office.residents(NABI_VILLAGE, 700000, 1))[0]
    early = cleanup_day(NABI_VILLAGE, at=time(6, 30))
    await office.schedules.create(OFFICE_ADMIN, early)
    office.at(5, 6, 30)
    assert await office.schedules.fire_due() == 1
    [(chat, _, held)] = await office.queued()
    assert chat == villager
    assert datetime.fromisoformat(held) == datetime(2026, 12, 5, 7, 0, tzinfo=SANTANG)

    sent: list[tuple[int, str | None]] = []

    class Recorder:
        async def send(self, chat_id: int, part: Part) -> None:
            sent.append((chat_id, part.text))

    outbox = Outbox(office.storage.outbox, office.clock)
    worker = DeliveryWorker(office.storage.outbox, outbox, Recorder(), office.clock)
    assert not await worker.deliver_next()  # held
    async with office.storage.database.transaction() as connection:
        await outbox.add(connection, Notification(villager, (Part("text", text="任务 R-1"),)))
    assert await worker.deliver_next()
    assert sent == [(villager, "任务 R-1")]  # the urgent one went first

    office.at(5, 7, 0, 0)
    assert await worker.deliver_next()
    assert "门前三包" in (sent[-1][1] or "")


async def test_a_firing_missed_inside_the_grace_window_is_sent_once(office: Office) -> None:
    nabi = await office.residents(NABI_VILLAGE, 700000, 2)
    await office.schedules.create(OFFICE_ADMIN, cleanup_day())
    office.at(5, 13, 59)  # the bot was down from Wednesday until 5 h 59 after the firing
    assert await office.schedules.fire_due() == 1
    assert await office.service().fire_due() == 0
    assert sorted(chat for chat, _, _ in await office.queued()) == nabi


async def test_a_firing_missed_outside_the_grace_window_is_reported_not_sent(
    office: Office,
) -> None:
    await office.residents(NABI_VILLAGE, 700000, 2)
    schedule = await office.schedules.create(
        OFFICE_ADMIN, cleanup_day(NABI_VILLAGE, Advance(days_before=1, at=time(18, 0)))
    )
    office.at(5, 14, 1)  # more than 6 hours late
    assert await office.schedules.fire_due() == 0
    firings = await office.storage.schedules.firings(schedule.id)
    assert [(step, outcome) for _, step, outcome, _ in firings] == [
        ("d1@18:00", "skipped"),  # its event has come: no use reminding of it
        ("event", "missed"),
    ]
    [(chat, text, held)] = await office.queued()
    assert chat == office.config.office.chat_id and held is None  # the office group
    assert "6 小时" in text and "清洁日" in text and "12月5日 周六 08:00" in text
    assert await office.schedules.fire_due() == 0
    assert len(await office.queued()) == 1  # reported once


async def test_a_reminder_whose_event_has_come_is_skipped(office: Office) -> None:
    await office.residents(NABI_VILLAGE, 700000, 1)
    schedule = await office.schedules.create(
        OFFICE_ADMIN, cleanup_day(NABI_VILLAGE, Advance(minutes_before=60))
    )
    office.at(5, 8, 30)  # down from 06:55 to 08:30: "in an hour" would come after the event
    assert await office.schedules.fire_due() == 1
    firings = await office.storage.schedules.firings(schedule.id)
    assert [(step, outcome) for _, step, outcome, _ in firings] == [
        ("m60", "skipped"),
        ("event", "sent"),
    ]


async def test_racing_jobs_and_a_clock_hiccup_never_send_twice(office: Office) -> None:
    nabi = await office.residents(NABI_VILLAGE, 700000, 4)
    await office.schedules.create(OFFICE_ADMIN, cleanup_day())
    office.at(5, 8, 0)
    first, second = office.schedules, office.service()
    sent = await asyncio.gather(first.fire_due(), second.fire_due(), first.fire_due())
    assert sum(sent) == 1
    office.clock.advance(timedelta(hours=-1))  # the clock steps back…
    assert await second.fire_due() == 0
    office.clock.advance(timedelta(hours=2))  # …and forward again
    assert await first.fire_due() == 0
    assert sorted(chat for chat, _, _ in await office.queued()) == nabi


async def test_a_paused_schedule_skips_its_days_quietly(office: Office) -> None:
    await office.residents(NABI_VILLAGE, 700000, 1)
    schedule = await office.schedules.create(OFFICE_ADMIN, cleanup_day())
    paused = await office.schedules.pause(OFFICE_ADMIN, schedule.id)
    assert paused.state == ScheduleState.PAUSED
    office.at(5, 9, 0)
    assert await office.schedules.fire_due() == 0
    office.at(6, 12, 0)
    resumed = await office.schedules.resume(OFFICE_ADMIN, schedule.id)
    assert resumed.state == ScheduleState.ACTIVE
    assert await office.schedules.fire_due() == 0
    assert await office.queued() == []  # neither sent nor reported as missed
    office.at(12, 8, 0)
    assert await office.schedules.fire_due() == 1


async def test_a_single_date_fires_once_and_finishes(office: Office) -> None:
    await office.residents(NABI_VILLAGE, 700000, 1)
    once = NewSchedule(
        kind=ScheduleKind.CUSTOM,
        title={"zh": "全镇大会战"},
        recurrence=Recurrence(Repeat.ONCE, time(9, 0), on=datetime(2026, 12, 8).date()),
        reminders=(),
        audience=Audience(AudienceKind.EVERYONE),
        message={"zh": "明天全镇大扫除。"},
    )
    schedule = await office.schedules.create(OFFICE_ADMIN, once)
    office.at(8, 9, 1)
    assert await office.schedules.fire_due() == 1
    assert (await office.schedules.get(schedule.id)).state == ScheduleState.FINISHED
    office.at(20, 9, 0)
    assert await office.schedules.fire_due() == 0
    with pytest.raises(Refused) as refused:
        await office.schedules.create(OFFICE_ADMIN, once)
    assert refused.value.reason is Reason.SCHEDULE_IN_PAST


async def test_seeded_schedules_follow_the_config_but_stay_deleted(office: Office) -> None:
    seeds = [("nabi", cleanup_day())]
    await office.schedules.seed(seeds)
    await office.schedules.seed(seeds)
    [seeded] = await office.schedules.listed()
    assert seeded.seed_key == "nabi"
    renamed = cleanup_day()
    renamed = NewSchedule(**{**renamed.__dict__, "title": {"zh": "那笔村清洁日"}})
    await office.schedules.seed([("nabi", renamed)])
    assert (await office.schedules.get(seeded.id)).title == {"zh": "那笔村清洁日"}
    await office.schedules.delete(OFFICE_ADMIN, seeded.id)
    await office.schedules.seed([("nabi", renamed)])
    assert await office.schedules.listed() == []


async def test_bulk_reminders_leave_room_for_report_traffic(office: Office) -> None:
    await office.residents(NABI_VILLAGE, 700000, 1)
    await office.schedules.create(OFFICE_ADMIN, cleanup_day())
    office.at(5, 8, 0)
    await office.schedules.fire_due()
    row = await office.storage.database.fetch_one("SELECT priority FROM outbox")
    assert row["priority"] == Priority.BULK


def test_a_mistake_in_a_seeded_schedule_names_its_key(office: Office) -> None:
    assert [key for key, _ in seeded_schedules(office.config, office.grid)] == [
        "nabi-cleanup-day",
        "monthly-assessment",
        "quarterly-assessment",
    ]
    seed = office.config.schedules.seed[0]
    for broken, problem in [
        ({"weekdays": []}, "weekday"),
        ({"audience": AudienceConfig(kind="villages", ids=["v99"])}, "v99"),
        ({"reminders": [ReminderConfig(days_before=0, at=time(9, 0))]}, "before the event"),
    ]:
        schedules = office.config.schedules.model_copy(
            update={"seed": [seed.model_copy(update=broken)]}
        )
        config = office.config.model_copy(update={"schedules": schedules})
        with pytest.raises(
            ConfigError, match=rf"schedules\.seed\[0\] \(nabi-cleanup-day\).*{problem}"
        ):
            seeded_schedules(config, office.grid)


async def test_an_inspection_reaches_the_grid_members_and_lead_of_the_inspected_village(
    office: Office,
) -> None:
    await office.residents(NABI_VILLAGE, 700000, 2)  # villagers: not for an inspection
    inspection = NewSchedule(
        kind=ScheduleKind.INSPECTION,
        title={"zh": "那笔村季度考核"},
        recurrence=Recurrence(Repeat.QUARTERLY, time(9, 0), day=LAST_DAY, month=3),
        reminders=(),
        audience=Audience(AudienceKind.VILLAGE_STAFF, (NABI_VILLAGE,)),
        message={"zh": "请组织自查。"},
    )
    await office.schedules.create(OFFICE_ADMIN, inspection)
    office.at(31, 9, 0)
    assert await office.schedules.fire_due() == 1
    staff = {100001, 100002, 200001}  # 那笔村's two grid members and its lead
    assert {chat for chat, _, _ in await office.queued()} == staff


async def audit_rows(office: Office) -> list[tuple[int | None, str, str]]:
    return [
        (row.actor_id, row.action, row.subject) for row in await office.storage.audit.recent(50)
    ]


async def test_only_the_office_changes_schedules_and_a_refusal_changes_nothing(
    office: Office,
) -> None:
    villager = 700123
    with pytest.raises(Refused) as refused:
        await office.schedules.create(villager, cleanup_day())
    assert (refused.value.reason, refused.value.command) == (Reason.OFFICE_ONLY, "schedules")
    assert await office.schedules.listed() == []
    schedule = await office.schedules.create(OFFICE_ADMIN, cleanup_day())
    for change in (office.schedules.pause, office.schedules.resume, office.schedules.delete):
        with pytest.raises(Refused) as refused:
            await change(villager, schedule.id)
        assert refused.value.reason is Reason.OFFICE_ONLY
    assert (await office.schedules.get(schedule.id)).state == ScheduleState.ACTIVE
    assert await audit_rows(office) == [(OFFICE_ADMIN, "schedule_create", f"#{schedule.id}")]


async def test_each_change_is_audited_once_and_a_gone_schedule_is_refused(office: Office) -> None:
    schedule = await office.schedules.create(OFFICE_ADMIN, cleanup_day())
    await office.schedules.pause(OFFICE_ADMIN, schedule.id)
    await office.schedules.pause(OFFICE_ADMIN, schedule.id)  # a second press changes nothing
    await office.schedules.resume(OFFICE_ADMIN, schedule.id)
    await office.schedules.delete(OFFICE_ADMIN, schedule.id)
    subject = f"#{schedule.id}"
    assert sorted(await audit_rows(office)) == sorted(
        (OFFICE_ADMIN, action, subject)
        for action in ("schedule_create", "schedule_paused", "schedule_active", "schedule_deleted")
    )
    for change in (office.schedules.pause, office.schedules.resume, office.schedules.delete):
        with pytest.raises(Refused) as refused:
            await change(OFFICE_ADMIN, schedule.id)
        assert refused.value.reason is Reason.SCHEDULE_GONE


async def test_a_change_and_its_audit_entry_commit_together(
    office: Office, monkeypatch: pytest.MonkeyPatch
) -> None:
    schedule = await office.schedules.create(OFFICE_ADMIN, cleanup_day())

    async def audit_fails(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(office.storage.audit, "add", audit_fails)
    with pytest.raises(RuntimeError):
        await office.schedules.create(OFFICE_ADMIN, cleanup_day())
    with pytest.raises(RuntimeError):
        await office.schedules.pause(OFFICE_ADMIN, schedule.id)
    assert [s.id for s in await office.schedules.listed()] == [schedule.id]
    assert (await office.schedules.get(schedule.id)).state == ScheduleState.ACTIVE
