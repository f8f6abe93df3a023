"""The bot's requests over aiohttp (`bot.http_transport`) against a small local server: what
Telegram receives, kept-alive connections, the pool's bound, and timeouts and failures as
PTB's own errors, with the token never in a message; and the CA store the clients check
Telegram's certificate against (`bot.clients.tls_context`)."""

from __future__ import annotations

import asyncio
import json
import socket
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from aiohttp import web
from telegram import InputFile
from telegram.error import NetworkError, TimedOut
from telegram.request import RequestData
from telegram.request._requestparameter import RequestParameter

from bot import clients
from bot.http_transport import AiohttpRequest

SECRET = "123456:SECRET-part-of-the-token_ABCDEFGHIJKLMNOPQ"
OK = json.dumps({"ok": True, "result": True}).encode()

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class Server:
    """A local HTTP server answering every path with `handler`; what came is kept."""

    def __init__(self) -> None:
        self.handler: Handler = self.ok
        self.seen: list[tuple[str, dict[str, object]]] = []
        self.peers: set[object] = set()
        self.open_now = 0
        self.open_at_most = 0
        self.url = ""

    async def ok(self, request: web.Request) -> web.Response:
        return web.Response(body=OK, content_type="application/json")

    async def dispatch(self, request: web.Request) -> web.StreamResponse:
        self.peers.add(request.transport.get_extra_info("peername") if request.transport else None)
        fields: dict[str, object] = {}
        for name, value in (await request.post()).items():
            fields[name] = (
                (value.filename, value.content_type, value.file.read())
                if isinstance(value, web.FileField)
                else value
            )
        self.seen.append((request.content_type, fields))
        self.open_now += 1
        self.open_at_most = max(self.open_at_most, self.open_now)
        try:
            return await self.handler(request)
        finally:
            self.open_now -= 1


@pytest.fixture
async def server() -> AsyncIterator[Server]:
    state = Server()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", state.dispatch)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    state.url = f"http://127.0.0.1:{port}/bot{SECRET}"
    try:
        yield state
    finally:
        await runner.cleanup()


@pytest.fixture
async def client() -> AsyncIterator[AiohttpRequest]:
    async with AiohttpRequest(connection_pool_size=2) as request:
        yield request


def parameters(**values: object) -> RequestData:
    return RequestData([RequestParameter.from_input(name, v) for name, v in values.items()])


async def test_parameters_arrive_form_encoded_as_telegram_reads_them(
    server: Server, client: AiohttpRequest
) -> None:
    keyboard = {"inline_keyboard": [[{"text": "好", "callback_data": "v2:rs"}]]}
    answer = await client.post(
        f"{server.url}/sendMessage",
        parameters(chat_id=42, text="垃圾 & = ? 100%", reply_markup=keyboard),
    )
    assert answer is True
    content_type, fields = server.seen[0]
    assert content_type == "application/x-www-form-urlencoded"
    assert fields["chat_id"] == "42"
    assert fields["text"] == "垃圾 & = ? 100%"
    assert json.loads(str(fields["reply_markup"])) == keyboard


async def test_an_upload_goes_as_multipart_with_its_name_type_and_bytes(
    server: Server, client: AiohttpRequest
) -> None:
    chart = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40
    document = InputFile(chart, filename="stats.png")
    await client.post(f"{server.url}/sendPhoto", parameters(chat_id=7, photo=document))
    content_type, fields = server.seen[0]
    assert content_type == "multipart/form-data"
    assert fields["chat_id"] == "7"
    assert fields["photo"] == ("stats.png", "image/png", chart)


async def test_one_connection_serves_request_after_request(
    server: Server, client: AiohttpRequest
) -> None:
    for _ in range(20):
        await client.post(f"{server.url}/getMe")
    assert len(server.seen) == 20
    assert len(server.peers) == 1


async def test_the_pool_never_opens_more_connections_than_its_size(
    server: Server, client: AiohttpRequest
) -> None:
    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(0.05)
        return await server.ok(request)

    server.handler = slow
    await asyncio.gather(
        *(client.post(f"{server.url}/sendMessage", pool_timeout=10) for _ in range(8))
    )
    assert len(server.seen) == 8
    assert server.open_at_most == 2
    assert len(server.peers) == 2


async def test_a_server_that_never_answers_is_a_timeout(
    server: Server, client: AiohttpRequest
) -> None:
    never = asyncio.Event()

    async def silent(request: web.Request) -> web.Response:
        await never.wait()
        return await server.ok(request)

    server.handler = silent
    with pytest.raises(TimedOut):
        async with asyncio.timeout(5):
            await client.post(f"{server.url}/getUpdates", read_timeout=0.2)
    never.set()


async def test_waiting_past_the_pool_timeout_for_a_connection_is_a_timeout(
    server: Server,
) -> None:
    release = asyncio.Event()

    async def held(request: web.Request) -> web.Response:
        await release.wait()
        return await server.ok(request)

    server.handler = held
    async with AiohttpRequest(connection_pool_size=1) as request:
        holding = asyncio.ensure_future(request.post(f"{server.url}/sendMessage", read_timeout=10))
        while not server.seen:
            await asyncio.sleep(0.01)
        with pytest.raises(TimedOut):
            await request.post(f"{server.url}/sendMessage", pool_timeout=0.1, connect_timeout=0.1)
        release.set()
        assert await holding is True


async def test_nothing_listening_is_a_network_error(server: Server) -> None:
    closed = socket_nobody_listens_on()
    async with AiohttpRequest() as request:
        with pytest.raises(NetworkError) as raised:
            await request.post(f"http://127.0.0.1:{closed}/bot{SECRET}/getMe")
    assert not isinstance(raised.value, TimedOut)
    assert "SECRET" not in str(raised.value)


async def test_an_error_naming_the_url_keeps_the_token_out(
    server: Server, client: AiohttpRequest
) -> None:
    async def loop(request: web.Request) -> web.Response:
        raise web.HTTPFound(request.path)

    server.handler = loop
    with pytest.raises(NetworkError) as raised:
        await client.post(f"{server.url}/getMe")
    assert "TooManyRedirects" in str(raised.value)
    assert "SECRET" not in str(raised.value)
    assert SECRET not in repr(raised.value.args)


def socket_nobody_listens_on() -> int:
    """A local port that was free a moment ago (bound, then closed)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def test_the_systems_ca_store_is_used_when_it_has_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bundle = tmp_path / "ca-certificates.crt"
    bundle.write_text("-----BEGIN CERTIFICATE-----\n")
    monkeypatch.setattr(ssl, "get_default_verify_paths", lambda: verify_paths(str(bundle), None))
    clients.tls_context.cache_clear()
    try:
        assert clients.tls_context() is True  # aiohttp's own checking context
    finally:
        clients.tls_context.cache_clear()


def test_certifis_bundle_is_used_where_the_system_has_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty = tmp_path / "certs"
    empty.mkdir()
    missing = str(tmp_path / "no-such-file.pem")
    monkeypatch.setattr(ssl, "get_default_verify_paths", lambda: verify_paths(missing, str(empty)))
    clients.tls_context.cache_clear()
    try:
        context = clients.tls_context()
    finally:
        clients.tls_context.cache_clear()
    assert isinstance(context, ssl.SSLContext)
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    assert context.cert_store_stats()["x509_ca"] > 100


def verify_paths(cafile: str | None, capath: str | None) -> ssl.DefaultVerifyPaths:
    return ssl.DefaultVerifyPaths(cafile, capath, "SSL_CERT_FILE", "", "SSL_CERT_DIR", "")


async def test_a_slow_steady_download_is_not_cut_off_by_the_sum_of_the_timeouts(
    server: Server,
) -> None:
    chunk = b"x" * 4096

    async def trickle(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()
        await response.prepare(request)
        for _ in range(8):  # 1.2 s in all, each piece well within the 0.4 s read timeout
            await asyncio.sleep(0.15)
            await response.write(chunk)
        await response.write_eof()
        return response

    server.handler = trickle
    timeouts = {"connect_timeout": 0.1, "write_timeout": 0.1, "pool_timeout": 0.1}
    async with AiohttpRequest(read_timeout=0.4, **timeouts) as request:
        photo = await request.retrieve(f"{server.url}/file/photo.jpg")
    assert photo == chunk * 8
