"""Webhooks in the emulator: setWebhook, deleteWebhook, getWebhookInfo, and delivery.

While a webhook is set, each queued update is POSTed as JSON to its URL, oldest first, with
`X-Telegram-Bot-Api-Secret-Token` when a secret was given, and repeated (with a growing pause)
until the bot answers 2xx — as Telegram does (Bot API: "setWebhook", "getWebhookInfo").
getUpdates then answers 409. Unlike Telegram, a plain http URL on 127.0.0.1 and any port are
accepted, so tests need no TLS; real Telegram wants HTTPS on port 443, 80, 88 or 8443.
Updates go one at a time (max_connections is kept and reported, not used for parallelism).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import time
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import aiohttp

from bot.emulator.base import Json
from bot.emulator.checks import ApiError

if TYPE_CHECKING:
    from bot.emulator.server import BotApiEmulator

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
SECRET_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete "
    "the webhook first"
)
BAD_SECRET = "Bad Request: bad webhook: secret token contains unallowed characters"
FIRST_RETRY_SECONDS = 0.05
LONGEST_RETRY_SECONDS = 2.0
POST_TIMEOUT_SECONDS = 10.0
IDLE_SECONDS = 1.0


class Webhook:
    """The webhook of one emulated bot, and the task that delivers updates to it."""

    def __init__(self, emulator: BotApiEmulator) -> None:
        self._emulator = emulator
        self.url = ""
        self.secret_token: str | None = None
        self.max_connections = 40
        self.allowed_updates: list[str] | None = None
        self.deliveries: list[tuple[int, int]] = []
        """(update_id, HTTP status or 0 for no answer) of every POST, in order."""
        self._last_error: tuple[int, str] | None = None
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    @property
    def active(self) -> bool:
        return bool(self.url)

    async def set(self, params: Json) -> bool:
        """setWebhook: an empty url removes the webhook, as Telegram allows."""
        url = str(params.get("url") or "")
        if not url:
            return await self.delete(params)
        parts = urlsplit(url)
        if parts.scheme not in ("https", "http") or not parts.hostname:
            raise ApiError(400, "Bad Request: bad webhook: invalid URL")
        if parts.scheme == "http" and parts.hostname not in ("127.0.0.1", "localhost"):
            raise ApiError(400, "Bad Request: bad webhook: An HTTPS URL must be provided")
        secret = params.get("secret_token")
        if secret is not None and not SECRET_TOKEN.match(str(secret)):
            raise ApiError(
                400, "Bad Request: bad webhook: secret token contains unallowed characters"
            )
        connections = int(params.get("max_connections") or 40)
        if not 1 <= connections <= 100:
            raise ApiError(400, "Bad Request: bad webhook: max_connections must be 1-100")
        allowed = params.get("allowed_updates")
        if isinstance(allowed, str):
            allowed = json.loads(allowed)
        if params.get("drop_pending_updates"):
            self._emulator._updates.clear()
        self.url, self.secret_token = url, None if secret is None else str(secret)
        self.max_connections, self.allowed_updates = connections, allowed or None
        self._last_error = None
        self._stopping = False
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._deliver(), name="emulator-webhook")
        self._emulator._update_posted.fire()
        return True

    async def delete(self, params: Json) -> bool:
        """deleteWebhook: back to getUpdates; `drop_pending_updates` forgets the queue."""
        if params.get("drop_pending_updates"):
            self._emulator._updates.clear()
        self.url, self.secret_token = "", None
        await self.stop()
        return True

    def info(self) -> Json:
        """getWebhookInfo, as the Bot API's WebhookInfo."""
        result: Json = {
            "url": self.url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._emulator._updates),
        }
        if self.url:
            result["max_connections"] = self.max_connections
            result["ip_address"] = "127.0.0.1"
            if self.allowed_updates:
                result["allowed_updates"] = self.allowed_updates
        if self._last_error is not None:
            result["last_error_date"], result["last_error_message"] = self._last_error
        return result

    def refuse_get_updates(self) -> None:
        if self.active:
            raise ApiError(409, CONFLICT)

    async def stop(self) -> None:
        """End delivery. The flag as well as the cancel: Python 3.11's wait_for can swallow a
        cancel that arrives as the wait ends."""
        self._stopping = True
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _deliver(self) -> None:
        """POST the oldest update until it is taken, then the next; wait for news."""
        emulator = self._emulator
        pause = FIRST_RETRY_SECONDS
        timeout = aiohttp.ClientTimeout(total=POST_TIMEOUT_SECONDS)
        # A connection per update: a kept-alive one would hold up the bot's webhook server on stop.
        connector = aiohttp.TCPConnector(force_close=True)
        async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
            while self.url and not self._stopping:
                if not emulator._updates:
                    await emulator._update_posted.wait(IDLE_SECONDS)
                    continue
                update = emulator._updates[0]
                if self.allowed_updates and not set(update) & set(self.allowed_updates):
                    emulator._updates.pop(0)  # a kind the bot did not ask for
                    continue
                if self._posted(await self._post(session, update)):
                    if emulator._updates and emulator._updates[0] is update:
                        emulator._updates.pop(0)
                    pause = FIRST_RETRY_SECONDS
                    continue
                await asyncio.sleep(pause)
                pause = min(pause * 2, LONGEST_RETRY_SECONDS)

    async def _post(self, session: aiohttp.ClientSession, update: Json) -> int:
        headers = {"Content-Type": "application/json"}
        if self.secret_token is not None:
            headers[SECRET_HEADER] = self.secret_token
        try:
            async with session.post(self.url, data=json.dumps(update), headers=headers) as answer:
                status = answer.status
        except (aiohttp.ClientError, TimeoutError) as error:
            status, self._last_error = 0, (int(time.time()), f"Connection failed: {error}")
        else:
            if not 200 <= status < 300:
                self._last_error = (int(time.time()), f"Wrong response from the webhook: {status}")
        self.deliveries.append((update["update_id"], status))
        return status

    @staticmethod
    def _posted(status: int) -> bool:
        return 200 <= status < 300
