"""Unexpected errors reach a maintainer: one report per error within the rate, the rest
counted and summarised, nothing personal in any of it, always within 4096 characters."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from telegram import Update
from telegram.error import NetworkError

from bot.core.clock import OffsetClock
from handlers.errors import ErrorReport, ErrorReporter, describe
from tests.conftest import TOKEN, Town

VILLAGER_ID = 7345678901
NAME, USERNAME, TEXT = "王阿婆", "wang_apo", "垃圾堆在河边"
MAINTAINER = -100555


def pressed_button() -> Update:
    """A button press by a villager, full of what must not leave the machine."""
    person = {"id": VILLAGER_ID, "is_bot": False, "first_name": NAME, "username": USERNAME}
    return Update.de_json(
        {
            "update_id": 4242,
            "callback_query": {
                "id": "q1",
                "from": person,
                "chat_instance": "ci",
                "data": f"v1:rc:{TEXT}",
                "message": {
                    "message_id": 3,
                    "date": 0,
                    "chat": {"id": VILLAGER_ID, "type": "private", "first_name": NAME},
                    "from": {"id": 1, "is_bot": True, "first_name": "bot"},
                    "text": TEXT,
                },
            },
        },
        None,
    )


def failing_handler(text: str) -> None:
    """Stands for a handler whose code embeds the input in its error, as some of ours do."""
    try:
        int(text)
    except ValueError as error:
        raise KeyError(f"{NAME} {USERNAME} {VILLAGER_ID}") from error


def raised() -> BaseException:
    try:
        failing_handler(TEXT)
    except KeyError as error:
        return error
    raise AssertionError("it did not fail")


class Chat:
    """The maintainer chat: what was sent to it."""

    def __init__(self, *, fail: bool = False) -> None:
        self.sent: list[tuple[int, str]] = []
        self.fail = fail

    async def send(self, chat_id: int, text: str) -> object:
        if self.fail:
            raise NetworkError("down")
        self.sent.append((chat_id, text))
        return None


def test_a_report_names_update_kind_handler_and_type_and_nothing_personal() -> None:
    report = describe(pressed_button(), raised())
    assert (report.update_id, report.kind) == (4242, "callback_query")
    assert report.handler == "tests.test_error_reports:failing_handler"
    assert report.exception == "KeyError"
    text = report.text()
    assert "ValueError" in text and "KeyError" in text and "int(text)" in text
    for secret in (NAME, USERNAME, str(VILLAGER_ID), TEXT, TOKEN):
        assert secret not in text


def test_a_job_error_has_no_update() -> None:
    report = describe(None, raised())
    assert (report.update_id, report.kind) == (None, "no update")
    assert "update — (no update)" in report.text()


def test_a_long_traceback_is_trimmed_from_the_top_to_fit_a_message() -> None:
    report = ErrorReport(4242, "message", "handlers.x:y", "RecursionError", "frame\n" * 2000)
    text = report.text()
    assert len(text) <= 4096
    assert text.startswith("⚠️ RecursionError in handlers.x:y\nupdate 4242 (message)")
    assert "… (trimmed)" in text and text.endswith("frame\n")
    assert len(report.text(limit=300)) <= 300


async def test_at_most_n_reports_per_window_and_the_rest_summarised(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock, chat = OffsetClock(), Chat()
    reporter = ErrorReporter(
        MAINTAINER, clock, chat.send, max_reports=2, window=timedelta(minutes=10)
    )
    with caplog.at_level(logging.ERROR, logger="handlers.errors"):
        outcomes = [await reporter.report(pressed_button(), raised()) for _ in range(5)]
    assert outcomes == [True, True, False, False, False]
    assert len(chat.sent) == 2 and reporter.held_back == 3
    assert caplog.text.count("unexpected error") == 5  # every one is logged
    assert NAME not in caplog.text and USERNAME not in caplog.text
    clock.advance(timedelta(minutes=10))
    assert await reporter.report(pressed_button(), raised())
    chat_id, text = chat.sent[-1]
    assert chat_id == MAINTAINER
    assert text.startswith("(3 more error(s) since ") and len(text) <= 4096
    assert reporter.held_back == 0


async def test_without_a_maintainer_chat_it_only_logs(caplog: pytest.LogCaptureFixture) -> None:
    chat = Chat()
    reporter = ErrorReporter(None, OffsetClock(), chat.send)
    with caplog.at_level(logging.ERROR, logger="handlers.errors"):
        assert not await reporter.report(pressed_button(), raised())
    assert chat.sent == [] and "KeyError" in caplog.text


async def test_a_failing_maintainer_chat_is_logged_never_raised(
    caplog: pytest.LogCaptureFixture,
) -> None:
    reporter = ErrorReporter(MAINTAINER, OffsetClock(), Chat(fail=True).send)
    with caplog.at_level(logging.WARNING, logger="handlers.errors"):
        assert not await reporter.report(pressed_button(), raised())
    assert "could not report an error" in caplog.text


def test_a_cause_loop_does_not_hang() -> None:
    first, second = ValueError("a"), KeyError("b")
    first.__context__, second.__context__ = second, first
    assert describe(None, first).exception == "ValueError"


async def test_an_unexpected_error_reaches_the_maintainer_chat_and_the_person_an_apology(
    town: Town, monkeypatch: pytest.MonkeyPatch
) -> None:
    """End to end: a handler fails on a villager's /mydata; the configured maintainer group
    gets a report naming the handler and the exception's type only, the villager an apology."""
    text = town.config_path.read_text(encoding="utf-8")
    town.config_path.write_text(
        text.replace("[telegram]\n", f"[telegram]\nmaintainer_chat_id = {MAINTAINER}\n", 1),
        encoding="utf-8",
    )
    await town.restart()
    maintainers = town.emulator.group(MAINTAINER, "维护")
    villager = town.villager

    async def broken(user_id: int) -> None:
        raise RuntimeError(f"{NAME} {USERNAME} {user_id} {TEXT}")

    monkeypatch.setattr(town.bot.application.bot_data["services"].privacy, "personal_data", broken)
    villager.send_text("/mydata")
    apology = await villager.wait_for(lambda m: "出了点问题" in m["text"])
    assert "Traceback" not in apology["text"]
    report = await maintainers.next_message()
    assert "RuntimeError" in report["text"] and "handlers/privacy.py" in report["text"]
    for personal in (NAME, USERNAME, str(villager.user_id), TEXT):
        assert personal not in report["text"], personal
