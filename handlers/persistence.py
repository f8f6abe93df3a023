"""python-telegram-bot persistence in our SQLite database: conversation positions and the
per-user drafts, so that a restart in the middle of a report picks up where it stopped."""

from __future__ import annotations

import json

from telegram.ext import BasePersistence, PersistenceInput

from storage.conversations import ConversationRepository

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

    async def get_conversations(self, name: str) -> ConversationDict:
        stored = await self._repository.all_states(name)
        return {tuple(json.loads(key)): json.loads(state) for key, state in stored.items()}

    async def update_conversation(
        self, name: str, key: ConversationKey, new_state: object | None
    ) -> None:
        await self._repository.set_state(
            name, json.dumps(list(key)), None if new_state is None else json.dumps(new_state)
        )

    async def get_user_data(self) -> dict[int, dict]:
        return await self._repository.all_user_data()

    async def update_user_data(self, user_id: int, data: dict) -> None:
        await self._repository.set_user_data(user_id, data)

    async def drop_user_data(self, user_id: int) -> None:
        await self._repository.set_user_data(user_id, {})

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
        """Every update is already written through."""
