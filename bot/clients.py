"""The bot's HTTP clients to Telegram: the Application's (replies, the outbox, getUpdates) and a
second one for downloads, all sharing one TLS context (loading a CA bundle once, not per
client, was a tenth of the start-up). The Application's client is made before the
Application, so that the token check at start-up is its getMe: one round trip fewer, and the
connection it opened serves the first calls."""

from __future__ import annotations

import functools
import os
import ssl
from typing import Any

import httpx
from telegram import Bot
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, Defaults, ExtBot

from bot.core.config import Config
from bot.http_transport import AiohttpRequest
from handlers.context import CONTEXT_TYPES
from handlers.ordering import PerPersonUpdateProcessor
from handlers.persistence import SQLitePersistence

# Updates of different people handled at once (one person's always in order).
CONCURRENT_UPDATES = 64
# Connections for replies and the outbox; downloads have their own (`download_client`).
REPLY_CONNECTIONS = 16
DOWNLOAD_CONNECTIONS = 8
DOWNLOAD_READ_SECONDS = 120


@functools.cache
def tls_context() -> ssl.SSLContext | bool:
    """How every client checks Telegram's certificate: `True` is aiohttp's own checking context
    on the system's CA store, which aiohttp builds when imported (a second one cost 28 ms of the
    start-up and 0.9 MiB); where the system has no CA store, one on certifi's bundle, as PTB's
    httpx makes it."""
    paths = ssl.get_default_verify_paths()
    if (paths.cafile and os.path.isfile(paths.cafile)) or (
        paths.capath and os.path.isdir(paths.capath) and os.listdir(paths.capath)
    ):
        return True
    return httpx.create_ssl_context()


def request(**options: Any) -> AiohttpRequest:
    """A request over aiohttp with `options` (PTB's names) and the shared TLS context."""
    return AiohttpRequest(**options, tls=tls_context())


class DownloadClient(Bot):
    """A client for getFile and file downloads only. Made ready, it opens its connection pool
    and asks no getMe (where every other client does): the Application's client has checked
    the token, and on a real link a getMe on a new connection is three round trips before the
    bot can poll. It never polls, so its getUpdates client stays closed."""

    async def initialize(self) -> None:
        await self.request.initialize()

    async def shutdown(self) -> None:
        await self.request.shutdown()


def download_client(config: Config) -> DownloadClient:
    """A client of its own for getFile and file downloads: its own pool and long read timeout,
    so sixteen villagers' photos on a slow link cannot take the connections replies need."""
    return DownloadClient(
        config.token,
        base_url=config.telegram.base_url,
        base_file_url=config.telegram.base_file_url,
        request=request(
            connection_pool_size=DOWNLOAD_CONNECTIONS,
            connect_timeout=10,
            read_timeout=DOWNLOAD_READ_SECONDS,
            write_timeout=10,
            pool_timeout=DOWNLOAD_READ_SECONDS,
        ),
        get_updates_request=request(connection_pool_size=1),
    )


def telegram_client(config: Config) -> ExtBot[int]:
    """The Application's client: our time zone as the default, groups' own rate limit; no
    network until it is initialized (by the token check, or by the Application)."""
    return ExtBot(
        config.token,
        base_url=config.telegram.base_url,
        base_file_url=config.telegram.base_file_url,
        defaults=Defaults(tzinfo=config.general.tz),
        request=request(connection_pool_size=REPLY_CONNECTIONS),
        get_updates_request=request(connection_pool_size=1),
        rate_limiter=AIORateLimiter(
            # Groups: Telegram's 20 a minute. The bot-wide rate is the outbox's own pace:
            # this limiter's overall bucket stalled when many sends waited on it at once.
            overall_max_rate=0,
            group_max_rate=config.delivery.group_messages_per_minute,
            group_time_period=60,
            max_retries=0,
        ),
    )


def build_application(
    client: ExtBot[int], persistence: SQLitePersistence
) -> Application[Any, Any, Any, Any, Any, Any]:
    """The python-telegram-bot Application on `client`: our context types, persistence and
    per-person update order; no Updater, as `handlers.inbox` takes the updates (polling or
    webhook). A client the token check initialized is not asked getMe again."""
    return (
        ApplicationBuilder()
        .bot(client)
        .context_types(CONTEXT_TYPES)
        .persistence(persistence)
        .concurrent_updates(PerPersonUpdateProcessor(CONCURRENT_UPDATES, persistence.checkpoint))
        .updater(None)
        .build()
    )
