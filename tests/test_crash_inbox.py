"""The pieces under crash safety, on their own: the inbox hands an update over once, and a
checkpoint stores one person's step and draft together, leaving others' for their own."""

from __future__ import annotations

from pathlib import Path

import pytest

from storage import Storage
from storage.conversations import StateWrite


async def test_an_update_taken_twice_is_handed_over_once(tmp_path: Path) -> None:
    storage = await Storage.open(tmp_path / "bot.sqlite3")
    inbox = storage.conversations
    try:
        assert await inbox.receive([(7, "{}"), (8, "{}")]) == [7, 8]
        # Telegram delivers both again (they were taken, not confirmed): neither is new.
        assert await inbox.receive([(7, "{}"), (8, "{}"), (9, "{}")]) == [9]
        await inbox.checkpoint([StateWrite("reporting", "[1, 1]", "4")], {1: {"d": 1}}, 7)
        assert [update_id for update_id, _ in await inbox.unhandled()] == [8, 9]
        assert await inbox.all_states("reporting") == {"[1, 1]": "4"}
        assert await inbox.all_user_data() == {1: {"d": 1}}
        await inbox.checkpoint([StateWrite("reporting", "[1, 1]", None)], {1: {}}, 8)
        assert await inbox.all_states("reporting") == {}
        assert await inbox.all_user_data() == {}
    finally:
        await storage.close()


async def test_a_failed_checkpoint_stores_nothing_of_it(tmp_path: Path) -> None:
    """One transaction: a step whose draft cannot be stored is not stored either."""
    storage = await Storage.open(tmp_path / "bot.sqlite3")
    inbox = storage.conversations
    try:
        await inbox.receive([(1, "{}")])
        unstorable = {"draft": {1, 2}}  # a set is no JSON: the write fails half-way
        with pytest.raises(TypeError):
            await inbox.checkpoint([StateWrite("reporting", "[5, 5]", "4")], {5: unstorable}, 1)
        assert await inbox.all_states("reporting") == {}
        assert [update_id for update_id, _ in await inbox.unhandled()] == [1]
    finally:
        await storage.close()
