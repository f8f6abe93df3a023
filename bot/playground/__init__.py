"""The token-free playground: the real bot on the built-in emulator, played in a browser."""

from bot.playground.sandbox import Playground, PlaygroundError
from bot.playground.web import PlaygroundServer

__all__ = ["Playground", "PlaygroundError", "PlaygroundServer"]
