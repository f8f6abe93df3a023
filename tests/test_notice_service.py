"""NoticeService's rules on their own (no Telegram): only the office writes, cancels and lists
notices, a refusal changes nothing, and each change commits with its audit entry, whose
detail (kind and ids) the office reads in its own language."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.core.audit_text import AuditWording
from bot.core.clock import OffsetClock
from bot.core.config import Config, load_config
from bot.core.errors import Reason, Refused
from bot.core.i18n import I18n
from bot.delivery.audiences import Audience, AudienceKind, Audiences
from bot.delivery.outbox import Outbox
from bot.notices.service import Content, ContentKind, NoticeService, NoticeState
from bot.people.directory import People
from bot.places.grid import Grid
from storage import Storage
from storage.audit import AuditRow
from tests.conftest import TOWN_START, config_text_for

OFFICE_ADMIN = 900001
VILLAGER = 700123
TEXT = Content(ContentKind.TEXT, {"zh": "周六大扫除。"})


@dataclass
class Office:
    config: Config
    grid: Grid
    storage: Storage
    notices: NoticeService

    async def audited(self) -> list[tuple[int | None, str, str, str]]:
        rows = await self.storage.audit.recent(50)
        return [(row.actor_id, row.action, row.subject, row.detail) for row in rows]


@pytest.fixture
async def office(tmp_path: Path) -> AsyncIterator[Office]:
    path = tmp_path / "config.toml"
    path.write_text(config_text_for(tmp_path), encoding="utf-8")
    config = load_config(path)
    grid = Grid.load(config.grid.geojson)
    clock = OffsetClock()
    clock.set(TOWN_START)
    storage = await Storage.open(config.storage.database)
    i18n = I18n(config.general.default_language)
    people = People(config, grid)
    notices = NoticeService(
        storage=storage,
        config=config,
        i18n=i18n,
        outbox=Outbox(storage.outbox, clock),
        clock=clock,
        audiences=Audiences(
            config=config, grid=grid, people=people, i18n=i18n, users=storage.users
        ),
        people=people,
    )
    try:
        yield Office(config, grid, storage, notices)
    finally:
        await storage.close()


async def test_only_the_office_writes_cancels_and_lists_notices(office: Office) -> None:
    with pytest.raises(Refused) as refused:
        await office.notices.create(VILLAGER, Audience(AudienceKind.EVERYONE), TEXT, None)
    assert refused.value.reason is Reason.OFFICE_ONLY
    notice = await office.notices.create(OFFICE_ADMIN, Audience(AudienceKind.EVERYONE), TEXT, None)
    with pytest.raises(Refused) as refused:
        await office.notices.cancel(VILLAGER, notice.id)
    assert refused.value.reason is Reason.OFFICE_ONLY
    with pytest.raises(Refused) as refused:
        await office.notices.recent(VILLAGER)
    assert (refused.value.reason, refused.value.command) == (Reason.OFFICE_ONLY, "notices")
    assert (await office.notices.get(notice.id)).state == NoticeState.SCHEDULED
    assert [p.notice.id for p in await office.notices.recent(OFFICE_ADMIN)] == [notice.id]
    assert await office.audited() == [(OFFICE_ADMIN, "notice", f"#{notice.id}", "everyone")]


async def test_a_cancellation_is_audited_once_and_a_missing_notice_is_refused(
    office: Office,
) -> None:
    village = sorted(office.grid.villages)[0]
    audience = Audience(AudienceKind.VILLAGES, (village,))
    notice = await office.notices.create(OFFICE_ADMIN, audience, TEXT, None)
    await office.notices.cancel(OFFICE_ADMIN, notice.id)
    await office.notices.cancel(OFFICE_ADMIN, notice.id)  # closed already: nothing more
    assert sorted(await office.audited()) == [
        (OFFICE_ADMIN, "notice", f"#{notice.id}", f"villages {village}"),
        (OFFICE_ADMIN, "notice_cancel", f"#{notice.id}", ""),
    ]
    with pytest.raises(Refused) as refused:
        await office.notices.cancel(OFFICE_ADMIN, notice.id + 1)
    assert refused.value.reason is Reason.NOTICE_GONE


async def test_a_notice_and_its_audit_entry_commit_together(
    office: Office, monkeypatch: pytest.MonkeyPatch
) -> None:
    kept = await office.notices.create(OFFICE_ADMIN, Audience(AudienceKind.EVERYONE), TEXT, None)

    async def audit_fails(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(office.storage.audit, "add", audit_fails)
    with pytest.raises(RuntimeError):
        await office.notices.create(OFFICE_ADMIN, Audience(AudienceKind.EVERYONE), TEXT, None)
    with pytest.raises(RuntimeError):
        await office.notices.cancel(OFFICE_ADMIN, kept.id)
    assert [p.notice.id for p in await office.notices.recent(OFFICE_ADMIN)] == [kept.id]
    assert (await office.notices.get(kept.id)).state == NoticeState.SCHEDULED


@pytest.mark.parametrize(("language", "words"), [("zh", "一个或多个村"), ("en", "villages")])
def test_a_notices_audience_reads_in_the_readers_language(
    office: Office, language: str, words: str
) -> None:
    village = office.grid.villages[sorted(office.grid.villages)[0]]
    at = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)
    row = AuditRow(1, at, OFFICE_ADMIN, "notice", "#1", f"villages {village.id}")
    translator = I18n(office.config.general.default_language).translator(language)
    line = AuditWording(office.config, office.grid, translator, language, {}).line(row)
    assert words in line and village.name in line and "villages v" not in line
