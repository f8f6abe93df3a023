"""`make run` with no token, as a person runs it: the playground starts, says where it is,
serves the page, and stops cleanly on Ctrl-C (SIGINT) or SIGTERM."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import socket
import sys
from pathlib import Path

import aiohttp
import pytest

from tests.playground_setup import ROOT, playground_config

START_SECONDS = 60  # a first start compiles the catalogues and imports everything
STOP_SECONDS = 20
ADDRESS = re.compile(r"Open (http://127\.0\.0\.1:\d+/) in your browser")


def environment_without_token() -> dict[str, str]:
    return {name: value for name, value in os.environ.items() if name != "BOT_TOKEN"}


async def start(command: list[str], log: Path) -> tuple[asyncio.subprocess.Process, str, str]:
    """Start `command` in its own process group; return it, the page's address and the
    console text up to the address."""
    with log.open("wb") as errors:
        process = await asyncio.create_subprocess_exec(
            *command,
            cwd=ROOT,
            env=environment_without_token(),
            stdout=asyncio.subprocess.PIPE,
            stderr=errors,
            start_new_session=True,
        )
    assert process.stdout is not None
    console = ""
    try:
        async with asyncio.timeout(START_SECONDS):
            while not (found := ADDRESS.search(console)):
                line = await process.stdout.readline()
                if not line:
                    raise AssertionError(f"exited early: {console}\n{log.read_text()}")
                console += line.decode()
    except BaseException:
        with contextlib.suppress(ProcessLookupError):  # it may have exited: keep its error
            os.killpg(process.pid, signal.SIGKILL)
        await process.wait()
        raise
    return process, found.group(1), console


async def finish(process: asyncio.subprocess.Process) -> str:
    """The rest of the console output, once the process has ended."""
    assert process.stdout is not None
    async with asyncio.timeout(STOP_SECONDS):
        rest = await process.stdout.read()
        await process.wait()
    return rest.decode()


async def serves_the_page(address: str) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.get(address) as response:
            assert response.status == 200
            assert "清洁乡村助手" in await response.text()
        async with http.get(address + "api/state") as response:
            assert len((await response.json())["personas"]) > 60


async def is_closed(address: str) -> bool:
    async with aiohttp.ClientSession() as http:
        try:
            async with http.get(address):
                return False
        except aiohttp.ClientConnectionError:
            return True


@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM])
async def test_python_m_bot_without_a_token_runs_the_playground_until_stopped(
    tmp_path: Path, stop_signal: signal.Signals
) -> None:
    config = playground_config(tmp_path)
    command = [sys.executable, "-m", "bot", "--config", str(config)]
    process, address, console = await start(command, tmp_path / "stderr.log")
    assert "PLAYGROUND" in console
    await serves_the_page(address)
    assert (tmp_path / "playground/playground.sqlite3").exists()
    assert not (tmp_path / "real.sqlite3").exists()  # a real deployment's data is not touched

    process.send_signal(stop_signal)
    rest = await finish(process)
    assert process.returncode == 0, (tmp_path / "stderr.log").read_text()
    assert "@BotFather" in rest and "BOT_TOKEN" in rest  # how to move to real Telegram
    assert rest.rstrip().endswith("Playground stopped.")
    assert "Traceback" not in (tmp_path / "stderr.log").read_text()
    assert await is_closed(address)


async def test_make_run_without_a_token_opens_the_playground_and_ctrl_c_stops_it(
    tmp_path: Path,
) -> None:
    config = playground_config(tmp_path)
    command = ["make", "--no-print-directory", "run", f"CONFIG={config}"]
    process, address, _ = await start(command, tmp_path / "stderr.log")
    await serves_the_page(address)

    os.killpg(process.pid, signal.SIGINT)  # Ctrl-C in the terminal: make and the bot get it
    rest = await finish(process)
    assert "Playground stopped." in rest
    assert "Traceback" not in (tmp_path / "stderr.log").read_text()
    assert await is_closed(address)


async def test_a_taken_port_is_a_configuration_error_naming_the_key(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        config = playground_config(tmp_path)
        config.write_text(config.read_text().replace("port = 0", f"port = {port}"))
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "--config",
            str(config),
            cwd=ROOT,
            env=environment_without_token(),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        async with asyncio.timeout(START_SECONDS):
            _, errors = await process.communicate()
    assert process.returncode == 2
    message = errors.decode()
    assert f"{config}: playground.port: cannot listen on 127.0.0.1:{port}" in message
    assert "Traceback" not in message


# The probe runs `python -m bot` and, at the very end, says how many objects were frozen.
FREEZE_PROBE = """\
import atexit, gc, runpy, sys
atexit.register(lambda: print("frozen objects:", gc.get_freeze_count(), flush=True))
sys.argv = ["bot", "--config", sys.argv[1]]
runpy.run_module("bot", run_name="__main__", alter_sys=True)
"""


async def test_ctrl_c_leaves_the_loaded_objects_to_the_operating_system(tmp_path: Path) -> None:
    """Stopping is prompt: once everything is closed the heap is frozen, so the interpreter's
    final garbage collections (most of what Ctrl-C used to take) do not walk it."""
    config = playground_config(tmp_path)
    command = [sys.executable, "-c", FREEZE_PROBE, str(config)]
    process, address, _ = await start(command, tmp_path / "stderr.log")
    await serves_the_page(address)

    process.send_signal(signal.SIGINT)
    rest = await finish(process)
    assert process.returncode == 0, (tmp_path / "stderr.log").read_text()
    frozen = re.search(r"frozen objects: (\d+)", rest)
    assert frozen is not None, rest
    assert int(frozen.group(1)) > 20_000  # the bot's modules, the grid, the catalogues…
    assert rest.index("Playground stopped.") < frozen.start()
