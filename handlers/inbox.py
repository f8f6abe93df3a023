"""Updates through an inbox, by long polling or by webhook, so each is handled exactly once.

getUpdates with an offset confirms every earlier update: Telegram forgets them. PTB's Updater
asks for the next batch (confirming the last) while the last is still being handled, so a crash
then lost those updates. Here each batch is committed to the inbox table before the next
getUpdates confirms it; an update is marked handled in the same transaction as what it changed
(`handlers.persistence`). After a restart the unhandled ones are handled first, and an update
Telegram delivers again (it was taken but not confirmed) is recognised by its id and skipped.

By webhook the same holds: an update is committed to the inbox before the bot answers 200, so
Telegram repeats whatever a crash caught before the answer, and nothing answered is lost.
(PTB's own webhook server answers 200 as soon as the update is queued in memory.)
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
from typing import TYPE_CHECKING

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import Application

from storage.conversations import ConversationRepository

if TYPE_CHECKING:
    from aiohttp import web

log = logging.getLogger(__name__)

RETRY_SECONDS = (1, 2, 5, 10, 30)
"""Pauses after failed polls, the last one repeated while Telegram stays unreachable."""


SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class Inbox:
    """Keeps taken updates in the inbox table and hands the new ones to the application."""

    def __init__(self, application: Application, inbox: ConversationRepository) -> None:
        self._application = application
        self._inbox = inbox

    async def hand_over_unhandled(self) -> None:
        """Queue what a crash left unhandled, oldest first."""
        bot = self._application.bot
        for _update_id, payload in await self._inbox.unhandled():
            await self._application.update_queue.put(Update.de_json(json.loads(payload), bot))

    async def take(self, updates: tuple[Update, ...]) -> None:
        """Commit the batch to the inbox, then queue the updates not seen before."""
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


class InboxPoller:
    """Takes updates from Telegram by long polling, through the inbox."""

    def __init__(
        self, application: Application, inbox: ConversationRepository, *, timeout: int
    ) -> None:
        self._application = application
        self._inbox = Inbox(application, inbox)
        self._timeout = timeout
        self._task: asyncio.Task | None = None
        self._offset: int | None = None

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def start(self) -> None:
        """Hand over what a crash left unhandled, then poll for new updates."""
        await self._inbox.hand_over_unhandled()
        await self._application.bot.delete_webhook()
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
        """Keep the batch, and confirm it with the next poll."""
        await self._inbox.take(updates)
        if updates:
            self._offset = updates[-1].update_id + 1


class InboxWebhook:
    """Takes updates that Telegram POSTs to our webhook, through the inbox: the secret token is
    compared in constant time (403 otherwise), and 200 is answered only once the update is kept."""

    def __init__(
        self,
        application: Application,
        inbox: ConversationRepository,
        *,
        url: str,
        secret: str,
        listen: str,
        port: int,
        path: str,
        max_connections: int,
    ) -> None:
        self._application = application
        self._inbox = Inbox(application, inbox)
        self._url, self._secret = url, secret
        self._listen, self._port, self._path = listen, port, "/" + path.lstrip("/")
        self._max_connections = max_connections
        self._runner: web.AppRunner | None = None

    @property
    def running(self) -> bool:
        return self._runner is not None

    async def start(self) -> None:
        """Hand over what a crash left unhandled, listen, then tell Telegram where we are."""
        from aiohttp import web  # only webhook mode needs the server side of aiohttp

        await self._inbox.hand_over_unhandled()
        app = web.Application()
        app.router.add_post(self._path, self._receive)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, self._listen, self._port).start()
        await self._application.bot.set_webhook(
            self._url,
            secret_token=self._secret,
            allowed_updates=Update.ALL_TYPES,
            max_connections=self._max_connections,
        )
        log.info("receiving updates by webhook on %s:%s%s", self._listen, self._port, self._path)

    async def stop(self) -> None:
        """Stop listening; the webhook stays set, so Telegram keeps what comes meanwhile."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _receive(self, request: web.Request) -> web.Response:
        from aiohttp import web

        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self._secret.encode()):
            log.warning("webhook request with a wrong secret token refused")
            return web.Response(status=403)
        try:
            update = Update.de_json(await request.json(), self._application.bot)
        except (ValueError, TypeError, KeyError):
            return web.Response(status=400)
        await self._inbox.take((update,))
        return web.Response()
