"""The bot's HTTP clients to Telegram: the Application's (replies, the outbox, getUpdates) and a
second one for downloads, all sharing one TLS context (loading a CA bundle once, not per
client, was a tenth of the start-up)."""

from __future__ import annotations

import functools
import os
import ssl
from typing import Any

import httpx
from telegram import Bot
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, Defaults

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


def download_client(config: Config) -> Bot:
    """A client of its own for getFile and file downloads: its own pool and long read timeout,
    so sixteen villagers' photos on a slow link cannot take the connections replies need."""
    return Bot(
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


def build_application(
    config: Config, persistence: SQLitePersistence
) -> Application[Any, Any, Any, Any, Any, Any]:
    """The python-telegram-bot Application: our context types, persistence and per-person
    update order; no Updater, as `handlers.inbox` takes the updates (polling or webhook)."""
    return (
        ApplicationBuilder()
        .token(config.token)
        .context_types(CONTEXT_TYPES)
        .base_url(config.telegram.base_url)
        .base_file_url(config.telegram.base_file_url)
        .defaults(Defaults(tzinfo=config.general.tz))
        .persistence(persistence)
        .concurrent_updates(PerPersonUpdateProcessor(CONCURRENT_UPDATES, persistence.checkpoint))
        .updater(None)
        .request(request(connection_pool_size=REPLY_CONNECTIONS))
        .get_updates_request(request(connection_pool_size=1))
        .rate_limiter(
            # Groups: Telegram's 20 a minute. The bot-wide rate is the outbox's own pace:
            # this limiter's overall bucket stalled when many sends waited on it at once.
            AIORateLimiter(
                overall_max_rate=0,
                group_max_rate=config.delivery.group_messages_per_minute,
                group_time_period=60,
                max_retries=0,
            )
        )
        .build()
    )
