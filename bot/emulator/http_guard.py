"""The emulator's HTTP doors closed to other web sites: only 127.0.0.1/localhost on its own
port, no cross-site browser requests, and downloads that a browser never runs (URL buttons are
limited to the schemes Telegram accepts by `checks.check_markup`).

A page in the same browser as the playground must not be able to post to the emulator (inject
updates or store a file) nor have a stored file run as HTML on a local origin.
"""

from __future__ import annotations

from collections.abc import Callable

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

LOCAL_NAMES = ("127.0.0.1", "localhost")
CROSS_SITE = frozenset({"cross-site", "same-site"})
"""Sec-Fetch-Site values a browser sends for a request another page started."""
FILE_PREFIX = "/file/"


def http_guard(port: Callable[[], int]) -> Middleware:
    """An aiohttp middleware refusing foreign Host and Origin and cross-site browser requests,
    and marking every answer `nosniff` (file downloads also as attachments). `port` gives the
    listening port, known only once the server has started."""

    @web.middleware
    async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
        allowed = {f"{name}:{port()}" for name in LOCAL_NAMES}
        origin = request.headers.get("Origin")
        if request.host not in allowed:
            return _refused("Forbidden: this server answers only on 127.0.0.1")
        if origin is not None and origin.removeprefix("http://") not in allowed:
            return _refused("Forbidden: requests from other sites are refused")
        if request.headers.get("Sec-Fetch-Site", "").lower() in CROSS_SITE:
            return _refused("Forbidden: requests from other sites are refused")
        response = await handler(request)
        response.headers["X-Content-Type-Options"] = "nosniff"
        if request.path.startswith(FILE_PREFIX) and response.status == 200:
            response.headers["Content-Type"] = "application/octet-stream"
            response.headers["Content-Disposition"] = "attachment"
        return response

    return guard


def _refused(description: str) -> web.Response:
    return web.json_response(
        {"ok": False, "error_code": 403, "description": description},
        status=403,
        headers={"X-Content-Type-Options": "nosniff"},
    )
