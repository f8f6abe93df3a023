"""A local Telegram Bot API server for end-to-end tests and the token-free playground."""

from bot.emulator.limits import TELEGRAM_LIKE, FloodLimits
from bot.emulator.server import BotApiEmulator
from bot.emulator.users import EmulatedChannel, EmulatedChat, EmulatedGroup, EmulatedUser

__all__ = [
    "TELEGRAM_LIKE",
    "BotApiEmulator",
    "EmulatedChannel",
    "EmulatedChat",
    "EmulatedGroup",
    "EmulatedUser",
    "FloodLimits",
]
