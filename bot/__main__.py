"""`python -m bot [--config PATH]`: run the bot with long polling until Ctrl-C or SIGTERM."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from pathlib import Path

from bot.app import CleanVillageBot
from bot.config import ConfigError, load_config
from bot.grid import GridError

EXIT_CONFIG = 2

NO_TOKEN = """\
No Telegram bot token is set.

To get one: open Telegram, talk to @BotFather, send /newbot and follow the questions;
it answers with a token like 123456789:AA... Then either
  export BOT_TOKEN='123456789:AA...'      (recommended: keeps it out of files)
or put it in {config} under [telegram] token = "...", and run `make run` again.
"""


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    parser.add_argument("--config", type=Path, default=Path("config.toml"), help="config file")
    arguments = parser.parse_args()
    logging.basicConfig(
        format="%(asctime)s %(levelname)s %(name)s: %(message)s", level=logging.INFO
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)
    try:
        config = load_config(arguments.config)
        if not config.token:
            print(NO_TOKEN.format(config=arguments.config), file=sys.stderr)
            return EXIT_CONFIG
        bot = CleanVillageBot(config)
    except (ConfigError, GridError) as error:
        message = str(error)
        if not message.startswith(str(arguments.config)) and isinstance(error, ConfigError):
            message = f"{arguments.config}: {message}"
        print(f"Configuration error: {message}", file=sys.stderr)
        return EXIT_CONFIG
    asyncio.run(_run(bot))
    return 0


async def _run(bot: CleanVillageBot) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    await bot.start()
    logging.getLogger(__name__).info("bot is running; press Ctrl-C to stop")
    try:
        await stop.wait()
    finally:
        await bot.stop()


if __name__ == "__main__":
    sys.exit(main())
