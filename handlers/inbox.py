"""Long polling through an inbox, so every update taken from Telegram is handled exactly once.

getUpdates with an offset confirms every earlier update: Telegram forgets them. PTB's Updater
asks for the next batch (confirming the last) while the last is still being handled, so a crash
then lost those updates. Here each batch is committed to the inbox table before the next
getUpdates confirms it; an update is marked handled in the same transaction as what it changed
(`handlers.persistence`). After a restart the unhandled ones are handled first, and an update
Telegram delivers again (it was taken but not confirmed) is recognised by its id and skipped.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import Application

from storage.conversations import ConversationRepository

log = logging.getLogger(__name__)

RETRY_SECONDS = (1, 2, 5, 10, 30)
"""Pauses after failed polls, the last one repeated while Telegram stays unreachable."""


class InboxPoller:
    """Takes updates from Telegram, keeps them in the inbox, then hands them to the application."""

    def __init__(
        self, application: Application, inbox: ConversationRepository, *, timeout: int
    ) -> None:
        self._application = application
        self._inbox = inbox
        self._timeout = timeout
        self._task: asyncio.Task | None = None
        self._offset: int | None = None

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def start(self) -> None:
        """Hand over what a crash left unhandled, then poll for new updates."""
        bot = self._application.bot
        for _update_id, payload in await self._inbox.unhandled():
            await self._application.update_queue.put(Update.de_json(json.loads(payload), bot))
        await bot.delete_webhook()
        self._task = asyncio.create_task(self._poll(), name="inbox-poller")

    async def stop(self) -> None:
        """Stop polling; what was taken is in the inbox already, so nothing is left behind."""
        if self._task is None:
            return
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None

    async def _poll(self) -> None:
        failures = 0
        while True:
            try:
                updates = await self._application.bot.get_updates(
                    offset=self._offset, timeout=self._timeout, allowed_updates=Update.ALL_TYPES
                )
            except TelegramError as error:
                # The type only: an InvalidToken's message holds the token.
                pause = RETRY_SECONDS[min(failures, len(RETRY_SECONDS) - 1)]
                log.warning("getUpdates failed (%s); again in %s s", type(error).__name__, pause)
                failures += 1
                await asyncio.sleep(pause)
                continue
            failures = 0
            await self._take(updates)

    async def _take(self, updates: tuple[Update, ...]) -> None:
        """Commit the batch to the inbox, queue the new ones, and confirm it on the next poll."""
        if not updates:
            return
        fresh = set(
            await self._inbox.receive(
                [
                    (update.update_id, json.dumps(update.to_dict(), ensure_ascii=False))
                    for update in updates
                ]
            )
        )
        for update in updates:
            if update.update_id in fresh:
                await self._application.update_queue.put(update)
        self._offset = updates[-1].update_id + 1
