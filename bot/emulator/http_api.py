"""The emulator's HTTP side: the aiohttp server on 127.0.0.1, its two routes (Bot API methods and
file downloads), and how a call's parameters are read, as Telegram reads them."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from bot.emulator.base import Json, Signal
from bot.emulator.checks import ApiError
from bot.emulator.faults import FaultInjection, error_response
from bot.emulator.files import MAX_UPLOAD_BYTES, FileStore, Upload
from bot.emulator.http_guard import http_guard
from bot.emulator.webhook import Webhook

log = logging.getLogger(__name__)

REQUEST_OVERHEAD = 1024 * 1024
"""Room for the other fields of an upload, so a file just over 50 MB meets Telegram's JSON 413."""
CLIENT_CLOSED_REQUEST = 499  # nobody reads it: the status only names why nothing was done
SHUTDOWN_SECONDS = 0.5  # how long `stop` lets in-flight requests (a delayed call) finish
# Parameters that are free text: never JSON-decoded, so a text "123" stays a string.
TEXT_PARAMS = frozenset(
    {"text", "caption", "title", "address", "question", "callback_query_id", "file_id", "url"}
    | {"phone_number", "first_name", "last_name", "description", "short_description", "name"}
)


class HttpApi(FaultInjection):
    """Serves `_api_<method>` of the emulator over HTTP, failing first as it was told to (a part
    of `BotApiEmulator`)."""

    token: str
    host: str
    port: int
    files: FileStore
    requests: list[tuple[str, Json]]
    webhook: Webhook
    _update_posted: Signal

    def __init__(self) -> None:
        super().__init__()
        self._closing = False
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        """Listen on host:port (port 0 picks a free one, then `port` holds it)."""
        app = web.Application(
            client_max_size=MAX_UPLOAD_BYTES + REQUEST_OVERHEAD,
            middlewares=[http_guard(lambda: self.port)],
        )
        app.router.add_post("/bot{token}/{method}", self._handle_method)
        app.router.add_get("/bot{token}/{method}", self._handle_method)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        self._closing = False
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=SHUTDOWN_SECONDS)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.host, self.port).start()
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        """Answer pending long polls at once, then close the server and its connections."""
        self._closing = True
        self._update_posted.fire()
        await self.webhook.stop()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def base_url(self) -> str:
        """For ApplicationBuilder().base_url / Bot(base_url=): PTB appends the token."""
        return f"http://{self.host}:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://{self.host}:{self.port}/file/bot"

    async def _handle_method(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return error_response(401, "Unauthorized")
        method = request.match_info["method"]
        try:
            params = await _read_params(request)
        except ConnectionResetError:  # the bot went away mid-request (a crash soak kills it)
            log.info("%s: the caller left before its request was read", method)
            return web.Response(status=CLIENT_CLOSED_REQUEST)
        self.requests.append((method, params))
        name = method.lower()
        injected = await self._injected(name, params, request)
        if injected is not None:
            return injected
        handler: Callable[[Json], Awaitable[Any]] | None = getattr(self, f"_api_{name}", None)
        if handler is None:
            return error_response(404, "Not Found: method not found")
        try:
            result = await handler(params)
        except ApiError as error:
            log.info("refused %s with %d: %s", method, error.code, error.description)
            return error_response(error.code, error.description, error.retry_after)
        return web.json_response({"ok": True, "result": result})

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return error_response(401, "Unauthorized")
        stored = self.files.at_path(request.match_info["path"])
        if stored is None:
            return error_response(404, "Not Found")
        return web.Response(body=stored.data, content_type="application/octet-stream")


async def _read_params(request: web.Request) -> Json:
    """Query, form or multipart fields: values JSON-decoded unless free text, uploads kept."""
    form = await request.post()
    params: Json = {}
    for key, value in [*request.query.items(), *form.items()]:
        if isinstance(value, web.FileField):
            params[key] = Upload(value.file.read(), value.filename, value.content_type)
            continue
        text = value.decode() if isinstance(value, bytes) else value
        if key in TEXT_PARAMS:
            params[key] = text
        else:
            try:
                params[key] = json.loads(text)
            except ValueError:
                params[key] = text
    return params
