"""`python -m bot` on a real token, as an operator runs it (a subprocess against the emulator):
a malformed token, a token Telegram rejects, Telegram out of reach, and a clean run."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from pathlib import Path

import pytest

from bot.core.config import token_problem
from bot.emulator import BotApiEmulator
from tests.conftest import ROOT, TOKEN, config_text_for

GOOD_TOKEN = "7012345678:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw1"
OTHER_TOKEN = "7012345678:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw2"
SAFETY_SECONDS = 60  # a generous limit so a hang fails the test instead of the suite


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def write_config(tmp_path: Path, token: str, base_url: str) -> Path:
    text = (
        config_text_for(tmp_path)
        .replace(f'token = "{TOKEN}"', f'token = "{token}"')
        .replace("{base_url}", base_url)
        .replace("{base_file_url}", base_url.replace("/bot", "/file/bot"))
    )
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


async def launch(config: Path) -> asyncio.subprocess.Process:
    environment = {name: value for name, value in os.environ.items() if name != "BOT_TOKEN"}
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "--config",
        str(config),
        cwd=ROOT,
        env=environment,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        start_new_session=True,
    )


async def read_until(process: asyncio.subprocess.Process, marker: str, count: int = 1) -> str:
    """The output up to the `count`-th line containing `marker`."""
    assert process.stdout is not None
    seen, output = 0, ""
    async with asyncio.timeout(SAFETY_SECONDS):
        while seen < count:
            line = (await process.stdout.readline()).decode()
            if not line:
                raise AssertionError(f"exited before {marker!r}:\n{output}")
            output += line
            seen += marker in line
    return output


async def finish(process: asyncio.subprocess.Process) -> tuple[int, str]:
    assert process.stdout is not None
    async with asyncio.timeout(SAFETY_SECONDS):
        rest = (await process.stdout.read()).decode()
        return await process.wait(), rest


def test_the_shape_of_a_token() -> None:
    assert token_problem(GOOD_TOKEN) is None
    for wrong in ("", "abc", "123456:short", "12345:" + "a" * 34 + "!", f" {GOOD_TOKEN}"):
        assert token_problem(wrong) is not None


def test_a_blank_token_counts_as_none(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.core.config import load_config

    monkeypatch.setenv("BOT_TOKEN", "  \t ")
    config = load_config(write_config(tmp_path, " ", "http://127.0.0.1:9/bot"))
    assert config.token == ""  # so `python -m bot` runs the playground


async def test_a_malformed_token_is_refused_before_anything_starts(tmp_path: Path) -> None:
    token = "12345:not-a-token"
    process = await launch(write_config(tmp_path, token, "http://127.0.0.1:9/bot"))
    code, output = await finish(process)
    assert code == 2 and "does not look like" in output
    assert token not in output and "Traceback" not in output
    assert not (tmp_path / "bot.sqlite3").exists()


async def test_a_token_telegram_rejects_exits_with_code_2(tmp_path: Path) -> None:
    emulator = BotApiEmulator(token=OTHER_TOKEN)
    await emulator.start()
    try:
        process = await launch(write_config(tmp_path, GOOD_TOKEN, emulator.base_url))
        code, output = await finish(process)
    finally:
        await emulator.stop()
    assert code == 2
    assert "Telegram rejected the bot token; check BOT_TOKEN" in output
    assert GOOD_TOKEN not in output and GOOD_TOKEN.split(":")[1] not in output
    assert "Traceback" not in output and "Unclosed" not in output


async def test_telegram_out_of_reach_is_retried_until_ctrl_c(tmp_path: Path) -> None:
    base_url = f"http://127.0.0.1:{free_port()}/bot"
    process = await launch(write_config(tmp_path, GOOD_TOKEN, base_url))
    output = await read_until(process, "Cannot reach Telegram", count=2)
    assert "trying again in 1 s" in output and "trying again in 2 s" in output
    os.killpg(process.pid, signal.SIGINT)
    code, rest = await finish(process)
    assert code == 0
    assert GOOD_TOKEN not in output + rest and "Traceback" not in output + rest
    assert "Unclosed" not in output + rest  # the checked client was shut down


async def test_a_good_token_runs_the_bot_until_ctrl_c(tmp_path: Path) -> None:
    emulator = BotApiEmulator(token=GOOD_TOKEN)
    await emulator.start()
    try:
        process = await launch(write_config(tmp_path, GOOD_TOKEN, emulator.base_url))
        output = await read_until(process, "bot is running")
        # The token check was the Application's own getMe, the only one: the Application does
        # not ask again and the download client never asks (a round trip each on a real link).
        assert [method for method, _ in emulator.requests].count("getMe") == 1
        villager = emulator.user(555001, "王阿婆")
        villager.send_text("/start")
        assert await villager.next_message(timeout=SAFETY_SECONDS)
        os.killpg(process.pid, signal.SIGINT)
        code, rest = await finish(process)
    finally:
        await emulator.stop()
    assert code == 0
    assert GOOD_TOKEN not in output + rest and "Traceback" not in output + rest
