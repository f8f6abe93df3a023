"""Pictures drawn in a child process, so that matplotlib (some 34 MiB once imported), its font
and its canvas never live in the bot: the child is started for the first picture, draws the
next ones while it is warm, and exits after `IDLE_SECONDS` without one, giving its memory back.

The child comes from a fork server (`multiprocessing`'s "forkserver"), a small process that
holds nothing of the bot (a plain fork of the bot would share, then copy, its memory). Drawing
there also leaves the bot's own core to the chat while a picture is drawn.
"""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TypeVar

IDLE_SECONDS = 120.0
"""How long the drawing process waits for another picture (an office asking /stats, then
/map and /export) before it exits."""

A = TypeVar("A")


class Drawer:
    """One drawing process at a time, started when needed and stopped when idle (thread-safe:
    pictures are asked for from worker threads)."""

    def __init__(self, idle_seconds: float = IDLE_SECONDS) -> None:
        self._idle_seconds = idle_seconds
        self._lock = threading.Lock()
        self._pool: ProcessPoolExecutor | None = None
        self._busy = 0
        self._timer: threading.Timer | None = None

    def draw(self, function: Callable[[A], bytes], argument: A) -> bytes:
        """`function(argument)` in the drawing process (both must pickle: a module-level
        function, plain data); a process that died is replaced once."""
        try:
            return self._run(function, argument)
        except BrokenProcessPool:
            return self._run(function, argument)

    def ahead(self, function: Callable[[A], object], argument: A) -> None:
        """Have the drawing process (started now if none runs) run `function(argument)`
        without waiting for it: what a picture about to be asked for needs first (imports,
        fonts, its frame), done while the bot is still working out what to draw."""
        pool = self._acquire()
        try:
            pool.submit(function, argument).add_done_callback(lambda _done: self._release())
        except BrokenProcessPool:  # the process died: the picture itself starts a new one
            self._release()
            self._discard(pool)

    def _run(self, function: Callable[[A], bytes], argument: A) -> bytes:
        pool = self._acquire()
        try:
            return pool.submit(function, argument).result()
        except BrokenProcessPool:
            self._discard(pool)
            raise
        finally:
            self._release()

    def stop(self) -> None:
        """End the drawing process now (it is started again by the next picture)."""
        with self._lock:
            if self._busy:
                return
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True)

    def _acquire(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            if self._pool is None:
                context = multiprocessing.get_context("forkserver")
                self._pool = ProcessPoolExecutor(max_workers=1, mp_context=context)
            self._busy += 1
            return self._pool

    def _release(self) -> None:
        with self._lock:
            self._busy -= 1
            if self._busy == 0 and self._pool is not None:
                self._timer = threading.Timer(self._idle_seconds, self.stop)
                self._timer.daemon = True
                self._timer.start()

    def _discard(self, pool: ProcessPoolExecutor) -> None:
        with self._lock:
            if self._pool is pool:
                self._pool = None
        pool.shutdown(wait=False)


DRAWER = Drawer()
"""The bot's one drawing process."""
