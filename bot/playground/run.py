"""`make run` with no token: start the playground, say where it is, run until Ctrl-C/SIGTERM."""

from __future__ import annotations

import asyncio
import os
import sys
import threading
import webbrowser
from pathlib import Path

from bot.core.config import Config
from bot.playground.sandbox import Playground
from bot.playground.web import PlaygroundServer

BANNER = """\
No Telegram bot token is set, so this is the PLAYGROUND: the bot runs against a Telegram
emulator built into this program, with the sample town's people to play in your browser.
No Telegram account, token or internet is needed.

    Open {url} in your browser.

It listens on 127.0.0.1 only. Its own database and media folder, apart from a real deployment's,
are in {data_dir} and start clean at every start (the page's Reset button starts over too).

To run on real Telegram instead: open Telegram, talk to @BotFather, send /newbot and follow the
questions; it answers with a token like 123456789:AA... Then either
  export BOT_TOKEN='123456789:AA...'      (recommended: keeps it out of files)
or put it in {config} under [telegram] token = "...", and run `make run` again.

Press Ctrl-C to stop.
"""

PORT_TAKEN = (
    "{config}: playground.port: cannot listen on 127.0.0.1:{port} ({reason}); another "
    "playground may be running: stop it, or set another port (0 picks a free one)"
)


class PortTaken(Exception):
    """The configured port is in use; the message names the config key to change."""


async def play(config: Config, config_path: Path, stop: asyncio.Event) -> None:
    """Serve the playground until `stop` is set, then shut down the page, bot and emulator."""
    playground = Playground(config)
    server = PlaygroundServer(playground, config.playground.port)
    try:
        await server.start()
    except OSError as error:
        raise PortTaken(
            PORT_TAKEN.format(
                config=config_path, port=config.playground.port, reason=error.strerror or error
            )
        ) from error
    try:
        await playground.start()
        print(
            BANNER.format(url=server.url, data_dir=config.playground.data_dir, config=config_path),
            flush=True,
        )
        if config.playground.open_browser:
            open_in_browser(server.url)
        await stop.wait()
    finally:
        await server.stop()
        await playground.stop()
    print("Playground stopped.", flush=True)


def open_in_browser(url: str) -> None:
    """Open the page when a person runs this from a terminal on a desktop; never in CI or a
    headless shell, where Python would fall back to a text browser that takes the terminal."""
    desktop = sys.platform in ("darwin", "win32") or any(
        os.environ.get(name) for name in ("DISPLAY", "WAYLAND_DISPLAY")
    )
    if desktop and sys.stdout.isatty():
        threading.Thread(target=webbrowser.open, args=(url,), daemon=True).start()
