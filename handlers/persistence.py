"""python-telegram-bot persistence in our SQLite database, written once per update and per person.

A report's draft (user data) and the conversation step that depends on it must never be stored
apart: a step saved without its draft let a report be submitted without its place, and a draft
cleared in memory but not on disk came back after a crash with another report's photos.
python-telegram-bot marks a person's user data for saving only after all handler groups ran and
saves whatever any update touched whenever anyone asks, so its own write-through split them.

Here PTB's calls only collect conversation positions in memory. `checkpoint` runs when one
update has been handled completely (see `handlers.ordering`): in one transaction it stores that
person's collected positions, their whole user data as it is now and the inbox mark that the
update is handled (`handlers.inbox`). A crash before that commit leaves the previous, consistent
pair and the update unhandled, so it is handled again after the restart from that same pair; a
crash after it has nothing left to redo. Replies are sent inside the handlers, so a reply seen
just before a crash is sent once more after the restart, never contradicted by what is stored.
"""

from __future__ import annotations

import json
import logging
from copy import deepcopy

from telegram.ext import Application, BasePersistence, PersistenceInput

from storage.conversations import ConversationRepository, StateWrite

log = logging.getLogger(__name__)

ConversationKey = tuple[int | str, ...]
ConversationDict = dict[ConversationKey, object]


class SQLitePersistence(BasePersistence[dict, dict, dict]):
    """Stores user data and conversations only; the rest lives in our own tables."""

    def __init__(self, repository: ConversationRepository, update_interval: float = 60) -> None:
        super().__init__(
            store_data=PersistenceInput(
                bot_data=False, chat_data=False, user_data=True, callback_data=False
            ),
            update_interval=update_interval,
        )
        self._repository = repository
        self._application: Application | None = None
        self._positions: dict[tuple[str, ConversationKey], object | None] = {}

    def serve(self, application: Application) -> None:
        """The application whose user data a checkpoint reads (it is built after us)."""
        self._application = application

    async def checkpoint(self, person: int | None, update_id: int | None) -> None:
        """Store `person`'s conversation positions and user data and mark `update_id` handled,
        in one transaction: called once every handler has run for that update."""
        application = self._application
        assert application is not None, "serve() the application first"
        await application.update_persistence()  # hands us every position changed since
        writes = [
            StateWrite(name, json.dumps(list(key)), _stored(state))
            for (name, key), state in self._positions.items()
            if person is not None and key and key[-1] == person
        ]
        user_data = {}
        if person is not None:
            user_data[person] = deepcopy(dict(application.user_data.get(person) or {}))
        await self._repository.checkpoint(writes, user_data, update_id)
        for write in writes:
            self._positions.pop((write.name, tuple(json.loads(write.key))), None)

    async def get_conversations(self, name: str) -> ConversationDict:
        stored = await self._repository.all_states(name)
        return {tuple(json.loads(key)): json.loads(state) for key, state in stored.items()}

    async def update_conversation(
        self, name: str, key: ConversationKey, new_state: object | None
    ) -> None:
        """Held until the person's checkpoint writes it together with their draft."""
        self._positions[(name, key)] = new_state

    async def get_user_data(self) -> dict[int, dict]:
        return await self._repository.all_user_data()

    async def update_user_data(self, user_id: int, data: dict) -> None:
        """Nothing to do: each checkpoint stores the person's whole user data."""

    async def drop_user_data(self, user_id: int) -> None:
        """Nothing to do: the checkpoint finds the user data gone and deletes the row."""

    async def refresh_user_data(self, user_id: int, user_data: dict) -> None:
        """Nothing to refresh: the database is only written through this class."""

    async def get_chat_data(self) -> dict[int, dict]:
        return {}

    async def update_chat_data(self, chat_id: int, data: dict) -> None:
        """Chat data is not stored."""

    async def drop_chat_data(self, chat_id: int) -> None:
        """Chat data is not stored."""

    async def refresh_chat_data(self, chat_id: int, chat_data: dict) -> None:
        """Chat data is not stored."""

    async def get_bot_data(self) -> dict:
        return {}

    async def update_bot_data(self, data: dict) -> None:
        """Bot data is not stored: services are rebuilt at start-up."""

    async def refresh_bot_data(self, bot_data: dict) -> None:
        """Bot data is not stored."""

    async def get_callback_data(self) -> None:
        return None

    async def update_callback_data(self, data: object) -> None:
        """Arbitrary callback data is not used: buttons carry ids only."""

    async def flush(self) -> None:
        """On a clean stop (every update handled): store every held position and all user
        data in one transaction."""
        application = self._application
        writes = [
            StateWrite(name, json.dumps(list(key)), _stored(state))
            for (name, key), state in self._positions.items()
        ]
        user_data = {}
        if application is not None:
            user_data = {
                user_id: deepcopy(dict(data)) for user_id, data in application.user_data.items()
            }
        await self._repository.checkpoint(writes, user_data)
        self._positions.clear()


def _stored(state: object | None) -> str | None:
    return None if state is None else json.dumps(state)
