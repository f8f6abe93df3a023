"""The pieces under crash safety, on their own: the inbox hands an update over once, and a
checkpoint stores one person's step and draft together, leaving others' for their own."""

from __future__ import annotations

import asyncio
import sqlite3
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


async def test_checkpoints_that_wait_together_commit_in_one_transaction(tmp_path: Path) -> None:
    storage = await Storage.open(tmp_path / "bot.sqlite3")
    inbox = storage.conversations
    try:
        await inbox.receive([(update_id, "{}") for update_id in range(1, 11)])
        before = storage.database.transactions
        await asyncio.gather(
            *(
                inbox.checkpoint([StateWrite("reporting", f"[{n}, {n}]", "2")], {n: {"d": n}}, n)
                for n in range(1, 11)
            )
        )
        assert storage.database.transactions - before == 1
        assert await inbox.unhandled() == []
        assert len(await inbox.all_states("reporting")) == 10
        assert (await inbox.all_user_data())[7] == {"d": 7}
    finally:
        await storage.close()


async def test_a_checkpoint_failing_in_a_batch_fails_alone(tmp_path: Path) -> None:
    """The batch is written again one by one: the others are stored, the faulty one raises."""
    storage = await Storage.open(tmp_path / "bot.sqlite3")
    inbox = storage.conversations
    try:
        await inbox.receive([(1, "{}"), (2, "{}"), (3, "{}")])
        faulty = StateWrite(None, "[2, 2]", "2")  # type: ignore[arg-type]  # name is NOT NULL
        results = await asyncio.gather(
            inbox.checkpoint([StateWrite("reporting", "[1, 1]", "2")], {1: {"d": 1}}, 1),
            inbox.checkpoint([faulty], {2: {"d": 2}}, 2),
            inbox.checkpoint([StateWrite("reporting", "[3, 3]", "2")], {3: {"d": 3}}, 3),
            return_exceptions=True,
        )
        assert results[0] is None and results[2] is None
        assert isinstance(results[1], sqlite3.IntegrityError)
        assert [update_id for update_id, _ in await inbox.unhandled()] == [2]
        assert await inbox.all_user_data() == {1: {"d": 1}, 3: {"d": 3}}
    finally:
        await storage.close()
