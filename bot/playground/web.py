"""The playground's web page and its small JSON API, on 127.0.0.1 only.

The page (static/) reads the people, the town map and each chat's transcript, then follows
changes as server-sent events; what a person does in a pane is a POST. Requests must come
from the page itself: another Host (DNS rebinding) or a foreign Origin (a web site posting
to localhost) is refused.
"""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

from aiohttp import web
from aiohttp.typedefs import Handler

from bot.emulator.files import MAX_UPLOAD_BYTES
from bot.playground.sandbox import SAMPLE_PHOTOS, Playground, PlaygroundError

log = logging.getLogger(__name__)

HOST = "127.0.0.1"
STATIC = Path(__file__).parent / "static"
KEEP_ALIVE_SECONDS = 15
SHUTDOWN_SECONDS = 1.0
LARGEST_JUMP = timedelta(days=31)


class PlaygroundServer:
    """Serves the page and turns its requests into `Playground` calls."""

    def __init__(self, playground: Playground, port: int) -> None:
        self.playground = playground
        self.port = port
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}/"

    async def start(self) -> None:
        """Listen on 127.0.0.1:port (0 picks a free port); OSError if the port is taken."""
        app = web.Application(
            middlewares=[self._same_site_only], client_max_size=MAX_UPLOAD_BYTES + 1024 * 1024
        )
        app.router.add_get("/", self._index)
        app.router.add_get("/favicon.ico", self._favicon)
        app.router.add_static("/static/", STATIC)
        app.router.add_static("/samples/", SAMPLE_PHOTOS)
        app.router.add_get("/api/state", self._state)
        app.router.add_get("/api/events", self._events)
        app.router.add_get("/api/chats/{chat_id}", self._chat)
        app.router.add_get("/api/files/{file_id}", self._file)
        app.router.add_get("/api/held", self._held)
        app.router.add_get("/api/personas/{key}/commands", self._commands)
        app.router.add_post("/api/personas/{key}/text", self._text)
        app.router.add_post("/api/personas/{key}/photo", self._photo)
        app.router.add_post("/api/personas/{key}/voice", self._voice)
        app.router.add_post("/api/personas/{key}/location", self._location)
        app.router.add_post("/api/personas/{key}/press", self._press)
        app.router.add_post("/api/clock", self._fast_forward)
        app.router.add_post("/api/reset", self._reset)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=SHUTDOWN_SECONDS)
        await self._runner.setup()
        try:
            await web.TCPSite(self._runner, HOST, self.port).start()
        except OSError:
            await self._runner.cleanup()
            self._runner = None
            raise
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        """End the pages' event streams, then close the server."""
        self.playground.events.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # -- guard -----------------------------------------------------------------------------

    @web.middleware
    async def _same_site_only(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        hosts = {f"{HOST}:{self.port}", f"localhost:{self.port}"}
        if request.host not in hosts:
            return _error(403, "this playground answers only on " + self.url)
        origin = request.headers.get("Origin")
        if (
            request.method != "GET"
            and origin is not None
            and origin.removeprefix("http://") not in hosts
        ):
            return _error(403, "requests from other sites are refused")
        try:
            return await handler(request)
        except PlaygroundError as error:
            return _error(400, str(error))

    # -- reading -----------------------------------------------------------------------------

    async def _index(self, request: web.Request) -> web.StreamResponse:
        return web.FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})

    async def _favicon(self, request: web.Request) -> web.StreamResponse:
        """The page links its icon, but browsers still ask for /favicon.ico: the same picture."""
        return web.FileResponse(STATIC / "favicon.svg", headers={"Content-Type": "image/svg+xml"})

    async def _state(self, request: web.Request) -> web.Response:
        playground = self.playground
        return web.json_response(
            {
                "personas": [persona.to_json() for persona in playground.personas],
                "panes": playground.default_panes,
                "map": playground.map,
                "photos": playground.sample_photos(),
                "clock": playground.clock_state(),
                "database": str(playground.database),
            }
        )

    async def _chat(self, request: web.Request) -> web.Response:
        chat_id = _int(request.match_info["chat_id"])
        return web.json_response({"messages": self.playground.transcript(chat_id)})

    async def _commands(self, request: web.Request) -> web.Response:
        return web.json_response({"commands": self.playground.commands(request.match_info["key"])})

    async def _file(self, request: web.Request) -> web.Response:
        """A picture or voice note to show inline; anything else (or `?download`) as a download
        under its name. `nosniff` keeps a browser from guessing a type the server never gave."""
        data, content_type, name = self.playground.file(
            request.match_info["file_id"], download="download" in request.query
        )
        headers = {
            "Content-Type": content_type,
            "X-Content-Type-Options": "nosniff",
            "Accept-Ranges": "bytes",
        }
        if name is not None:
            headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
        wanted = _byte_range(request.headers.get("Range"), len(data))
        if wanted is None:
            return web.Response(body=data, headers=headers)
        start, end = wanted
        headers["Content-Range"] = f"bytes {start}-{end}/{len(data)}"
        return web.Response(status=206, body=data[start : end + 1], headers=headers)

    async def _held(self, request: web.Request) -> web.Response:
        return web.json_response({"held": await self.playground.held()})

    async def _events(self, request: web.Request) -> web.StreamResponse:
        """Server-sent events: one JSON object per change, comments to keep the line open."""
        response = web.StreamResponse(
            headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}
        )
        await response.prepare(request)
        with self.playground.events.subscribe() as queue:
            try:
                await response.write(b": connected\n\n")
                while True:
                    try:
                        event = await asyncio.wait_for(queue.get(), KEEP_ALIVE_SECONDS)
                    except TimeoutError:
                        await response.write(b": still here\n\n")
                        continue
                    if event is None:
                        break
                    payload = json.dumps(event, ensure_ascii=False)
                    await response.write(f"data: {payload}\n\n".encode())
            except ConnectionResetError:
                pass  # the page went away
        return response

    # -- doing -------------------------------------------------------------------------------

    async def _text(self, request: web.Request) -> web.Response:
        body = await _json(request)
        text = body.get("text")
        if not isinstance(text, str):
            raise PlaygroundError("text is missing")
        return _sent(await self.playground.send_text(request.match_info["key"], text))

    async def _photo(self, request: web.Request) -> web.Response:
        """A bundled sample ({"sample": name}) or an upload (multipart field "file")."""
        key = request.match_info["key"]
        if request.content_type == "multipart/form-data":
            form = await request.post()
            upload = form.get("file")
            if not isinstance(upload, web.FileField):
                raise PlaygroundError("choose a photo to upload")
            message = await self.playground.send_photo(
                key,
                upload.file.read(),
                as_file=form.get("as_file") == "true",
                name=upload.filename or "photo.jpg",
            )
            return _sent(message)
        body = await _json(request)
        message = await self.playground.send_sample_photo(
            key, str(body.get("sample")), as_file=bool(body.get("as_file"))
        )
        return _sent(message)

    async def _voice(self, request: web.Request) -> web.Response:
        return _sent(await self.playground.send_voice(request.match_info["key"]))

    async def _location(self, request: web.Request) -> web.Response:
        """A clicked point ({"latitude", "longitude"}) or a failing GPS ({"gps_fails": true})."""
        key = request.match_info["key"]
        body = await _json(request)
        if body.get("gps_fails"):
            return _sent(await self.playground.send_failed_gps(key))
        try:
            latitude, longitude = float(body["latitude"]), float(body["longitude"])
        except (KeyError, TypeError, ValueError):
            raise PlaygroundError("latitude and longitude are needed") from None
        return _sent(await self.playground.send_location(key, latitude, longitude))

    async def _press(self, request: web.Request) -> web.Response:
        body = await _json(request)
        message_id, data = body.get("message_id"), body.get("data")
        if not isinstance(message_id, int) or not isinstance(data, str):
            raise PlaygroundError("message_id and data are needed")
        await self.playground.press(request.match_info["key"], message_id, data)
        return web.json_response({"ok": True})

    async def _fast_forward(self, request: web.Request) -> web.Response:
        body = await _json(request)
        try:
            jump = timedelta(hours=float(body.get("hours", 0)))
        except (TypeError, ValueError):
            raise PlaygroundError("hours must be a number") from None
        if not timedelta() < jump <= LARGEST_JUMP:
            raise PlaygroundError("fast-forward by more than nothing and at most 31 days")
        await self.playground.fast_forward(jump)
        return web.json_response(self.playground.clock_state())

    async def _reset(self, request: web.Request) -> web.Response:
        await self.playground.reset()
        return web.json_response(self.playground.clock_state())


async def _json(request: web.Request) -> dict[str, Any]:
    """The request's JSON object; JSON only, so a plain cross-site form cannot post here."""
    if request.content_type != "application/json":
        raise PlaygroundError("send JSON")
    try:
        body = await request.json()
    except ValueError:
        raise PlaygroundError("the request is not valid JSON") from None
    if not isinstance(body, dict):
        raise PlaygroundError("the request must be a JSON object")
    return body


def _byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """The first (start, end) of a `Range: bytes=...` header, inclusive; None for the whole.

    A browser reads an Ogg voice note's length from its last page: without ranges it cannot,
    and its player says 0:00.
    """
    if not header or not header.startswith("bytes=") or size == 0:
        return None
    first, _, last = header.removeprefix("bytes=").split(",")[0].strip().partition("-")
    try:
        if first:
            start, end = int(first), int(last) if last else size - 1
        else:
            start, end = max(0, size - int(last)), size - 1
    except ValueError:
        return None
    if start > end or start >= size:
        return None
    return start, min(end, size - 1)


def _int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise PlaygroundError(f"{text!r} is not a chat id") from None


def _sent(message: dict[str, Any]) -> web.Response:
    return web.json_response({"message_id": message["message_id"]})


def _error(status: int, text: str) -> web.Response:
    return web.json_response({"error": text}, status=status)
