"""python-telegram-bot's requests over aiohttp instead of httpx.

PTB's default `HTTPXRequest` goes through httpx, httpcore and anyio. In a burst of 200
villagers that stack took about 40 % of the bot's CPU: on every request httpcore's pool asks
each of its connections whether it has expired, through anyio's typed attributes (a dict built
per call and a `getpeername` system call), and anyio looks up the current task for every lock,
timeout and event. aiohttp (already a dependency, for the webhook server) parses HTTP in C and
has none of that. Errors and timeouts map onto PTB's own, as `HTTPXRequest` maps httpx's.
"""

from __future__ import annotations

import re
import ssl
from typing import Any

import aiohttp
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

CONNECT_SECONDS = 5.0
READ_SECONDS = 5.0
WRITE_SECONDS = 5.0
POOL_SECONDS = 1.0
MEDIA_WRITE_SECONDS = 20.0
"""PTB's defaults (`HTTPXRequest`'s), an upload given longer to be written."""
FORM_ENCODED = {"Content-Type": "application/x-www-form-urlencoded"}
TOKEN_IN_URL = re.compile(r"bot[^/\s'\"]+")
"""The `bot<token>` part of a Bot API or file URL, kept out of error messages and logs."""


class AiohttpRequest(BaseRequest):
    """A pool of `connection_pool_size` connections; timeouts in seconds (`None` for none) as
    PTB names them, each overridable per call as PTB passes them; `tls` as aiohttp takes it
    (`True`: its own certificate-checking context)."""

    def __init__(
        self,
        connection_pool_size: int = 1,
        connect_timeout: float | None = CONNECT_SECONDS,
        read_timeout: float | None = READ_SECONDS,
        write_timeout: float | None = WRITE_SECONDS,
        pool_timeout: float | None = POOL_SECONDS,
        media_write_timeout: float | None = MEDIA_WRITE_SECONDS,
        tls: ssl.SSLContext | bool = True,
    ) -> None:
        self._pool_size = connection_pool_size
        self._connect = connect_timeout
        self._read = read_timeout
        self._write = write_timeout
        self._pool = pool_timeout
        self._media_write = media_write_timeout
        self._tls = tls
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._read

    async def initialize(self) -> None:
        if self._session is None:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size, ssl=self._tls),
                headers={"User-Agent": self.USER_AGENT},
            )

    async def shutdown(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        files = request_data.multipart_data if request_data is not None else {}
        write_default = self._media_write if files else self._write
        timeout = client_timeout(
            connect=self._connect if connect_timeout is self.DEFAULT_NONE else connect_timeout,
            read=self._read if read_timeout is self.DEFAULT_NONE else read_timeout,
            write=write_default if write_timeout is self.DEFAULT_NONE else write_timeout,
            pool=self._pool if pool_timeout is self.DEFAULT_NONE else pool_timeout,
            uploading=bool(files),
        )
        body: bytes | aiohttp.FormData | None = None
        headers = None
        if files:
            body = aiohttp.FormData(request_data.json_parameters if request_data else {})
            for name, (filename, content, mime_type) in files.items():
                body.add_field(name, content, filename=filename, content_type=mime_type)
        elif request_data is not None:
            body, headers = request_data.url_encoded_parameters().encode(), FORM_ENCODED
        try:
            async with self._session.request(
                method, url, data=body, headers=headers, timeout=timeout
            ) as response:
                return response.status, await response.read()
        except TimeoutError as error:
            raise TimedOut from error
        except aiohttp.ClientError as error:
            message = TOKEN_IN_URL.sub("bot…", str(error))
            raise NetworkError(f"aiohttp.{type(error).__name__}: {message}") from error


def client_timeout(
    connect: float | None,
    read: float | None,
    write: float | None,
    pool: float | None,
    *,
    uploading: bool,
) -> aiohttp.ClientTimeout:
    """PTB's four timeouts in aiohttp's terms. aiohttp's `connect` is the wait for a pooled
    connection plus making one, and `sock_read` bounds each read, as httpx's read timeout did
    (a large photo downloading slowly but steadily is not cut off). aiohttp has no write
    timeout, so only an upload is bounded as a whole, by the four together: a stuck one ends."""
    phases = (connect, read, write, pool)
    whole = None if not uploading or None in phases else sum(phase or 0.0 for phase in phases)
    return aiohttp.ClientTimeout(
        total=whole,
        connect=None if connect is None or pool is None else connect + pool,
        sock_connect=connect,
        sock_read=read,
    )
