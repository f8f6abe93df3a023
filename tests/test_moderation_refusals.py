"""The moderation service refuses with `Refused(Reason.…)` only (#12), and /block and
/unblock name the person as the office did."""

from __future__ import annotations

import pytest

from bot.core.errors import Reason, Refused
from tests.conftest import Town


async def test_each_refusal_of_the_moderation_service_is_a_reason(town: Town) -> None:
    moderation = town.bot.application.bot_data["services"].moderation
    admin, villager = town.admin.user_id, town.villager.user_id
    cases = [
        (moderation.block(admin, moderation.person(admin), "x"), Reason.CANNOT_BLOCK),
        (moderation.unblock(admin, moderation.person(villager)), Reason.NOT_BLOCKED),
        (moderation.reporter_of(admin, 999), Reason.REPORT_GONE),
        (moderation.reporter_of_report(999), Reason.REPORT_GONE),
        (moderation.block(villager, moderation.person(admin), "x"), Reason.OFFICE_ONLY),
    ]
    for step, reason in cases:
        with pytest.raises(Refused) as refused:
            await step
        assert refused.value.reason is reason
    await moderation.block(admin, moderation.person(villager), "spam")
    with pytest.raises(Refused) as again:
        await moderation.block(admin, moderation.person(villager), "spam")
    assert again.value.reason is Reason.ALREADY_BLOCKED


async def test_unblocking_someone_not_blocked_names_them(town: Town) -> None:
    town.admin.send_text(f"/unblock {town.villager.user_id}")
    answer = await town.admin.next_message()
    assert str(town.villager.user_id) in answer["text"]
