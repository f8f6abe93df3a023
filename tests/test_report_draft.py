"""The report flow's draft is the typed `ReportDraft`, the chat's bookkeeping on it too (#12)."""

from __future__ import annotations

import json
from typing import Any

from bot.core.models import MediaRef
from handlers.drafts import ReportDraft


def test_the_flow_bookkeeping_round_trips_through_json() -> None:
    draft = ReportDraft(id="d1", album="g1", told_full="g1", summary_message_id=42)
    draft.add_photo(MediaRef("f1", "u1", "/media/u1.jpg"))
    user_data: dict[str, Any] = {}
    draft.store(user_data)
    stored = json.loads(json.dumps(user_data))  # as the crash-safe persistence keeps it
    assert ReportDraft.load(stored) == draft


def test_unset_bookkeeping_is_not_stored() -> None:
    user_data: dict[str, Any] = {}
    ReportDraft(id="d1").store(user_data)
    assert not set(ReportDraft.SCREEN) & set(user_data["draft"])
    ReportDraft.drop(user_data)
    assert "draft" not in user_data
