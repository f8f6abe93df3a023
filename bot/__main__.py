"""`python -m bot [--config PATH]`: run the bot until Ctrl-C or SIGTERM, by long polling or,
with `[telegram] webhook_url`, by webhook (docs/deployment.md).

With no token (neither BOT_TOKEN nor [telegram] token; blank counts as none) it runs the
playground instead: the bot against the built-in Telegram emulator, in a browser on 127.0.0.1.
A token is checked before anything starts: its shape, then whether Telegram accepts it (exit
code 2 if not); an unreachable Telegram is retried with backoff until Ctrl-C.
"""

from __future__ import annotations

import gc
import os

# Start-up allocates a few hundred thousand long-lived objects (modules, the grid, the
# catalogues): collecting while they are made only walks them again and again, so collection
# waits until the bot runs (`_started`). OpenBLAS (numpy, through shapely) would otherwise start a
# thread per core at import, each spinning for work; the bot's arrays are small.
gc.disable()
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from bot.core.memory import limit_malloc_arenas

limit_malloc_arenas()  # before any thread allocates

import argparse
import asyncio
import logging
import signal
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

from telegram.error import InvalidToken

from bot.app import CleanVillageBot
from bot.core.config import Config, ConfigError, load_config, token_problem
from bot.places.grid import GridError
from handlers.startup import REJECTED, Answer, check_telegram

EXIT_CONFIG = 2

ON_TELEGRAM = """\
A bot token is set, so the bot runs on real Telegram ({base_url}).
To try it without Telegram, run it with BOT_TOKEN unset and no token in {config}:
`make run` then starts the playground in your browser instead.
"""


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    parser.add_argument("--config", type=Path, default=Path("config.toml"), help="config file")
    arguments = parser.parse_args()
    logging.basicConfig(
        format="%(asctime)s %(levelname)s %(name)s: %(message)s", level=logging.INFO
    )
    # PTB's default client (httpx) logs every URL, the token in it, at INFO; ours
    # (bot.http_transport) does not, but nothing that falls back to it may leak the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)  # a line per job run otherwise
    try:
        config = load_config(arguments.config)
        if not config.token:
            return _play(config, arguments.config)
        bot = CleanVillageBot(config)  # reads the grid: no network, no database yet
        problem = token_problem(config.token)
        if problem is not None:
            raise ConfigError(problem)
    except (ConfigError, GridError) as error:
        message = str(error)
        if not message.startswith(str(arguments.config)) and isinstance(error, ConfigError):
            message = f"{arguments.config}: {message}"
        print(f"Configuration error: {message}", file=sys.stderr)
        return EXIT_CONFIG
    print(
        ON_TELEGRAM.format(base_url=config.telegram.base_url, config=arguments.config),
        flush=True,
    )
    return asyncio.run(_until_stopped(lambda stop: _run(bot, stop))) or 0


def _play(config: Config, path: Path) -> int:
    """The playground; its web server and emulator (aiohttp, ~10 MiB) are imported only here."""
    _started()
    from bot.playground.run import PortTaken, play

    try:
        asyncio.run(_until_stopped(lambda stop: play(config, path, stop)))
    except PortTaken as error:
        print(f"Configuration error: {error}", file=sys.stderr)
        return EXIT_CONFIG
    return 0


async def _until_stopped(run: Callable[[asyncio.Event], Awaitable[int | None]]) -> int | None:
    """Run `run(stop)` with `stop` set by Ctrl-C (SIGINT) or SIGTERM."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    return await run(stop)


async def _run(bot: CleanVillageBot, stop: asyncio.Event) -> int:
    """Check the token with Telegram, then run until stopped; returns the exit code."""
    config = bot.config
    answer = await check_telegram(
        bot.telegram, config.telegram.base_url, stop, say=lambda line: print(line, flush=True)
    )
    if answer is Answer.REJECTED:
        print(REJECTED, file=sys.stderr, flush=True)
        return EXIT_CONFIG
    if answer is Answer.STOPPED:
        return 0
    try:
        await bot.start()
    except InvalidToken:  # revoked between the check and the start
        print(REJECTED, file=sys.stderr, flush=True)
        await bot.stop()
        return EXIT_CONFIG
    except BaseException:
        await bot.stop()  # what had started is closed before the error is shown
        raise
    _started()
    logging.getLogger(__name__).info("bot is running; press Ctrl-C to stop")
    try:
        await stop.wait()
    finally:
        await bot.stop()
    return 0


def _started() -> None:
    """Start-up is over: collect its garbage once, keep what it loaded out of later collections
    (frozen), and turn collection back on."""
    gc.collect()
    gc.freeze()
    gc.enable()


if __name__ == "__main__":
    status = main()
    # The interpreter's last garbage collections would walk every object the bot loaded
    # (matplotlib, shapely, the grid): most of the time Ctrl-C took, seconds on a busy machine.
    # Everything is closed by now, so the operating system may reclaim them instead.
    gc.freeze()
    sys.exit(status)
