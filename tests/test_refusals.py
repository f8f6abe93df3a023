"""One refusal error, its words in one place: every reason has words, they are the msgids the
handlers use today (so both catalogues translate them), and a refusal is answered politely."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any
from unittest.mock import AsyncMock

import pytest
from telegram.ext import Application

from bot.core.errors import Reason, Refused
from bot.core.i18n import I18n
from bot.reporting.lifecycle import State
from handlers import refusals
from handlers.context import CONTEXT_TYPES, BotContext, Person
from handlers.refusals import Wording, answer_refusal, words
from tests.conftest import TOKEN

I18N = I18n("zh")
WORDING = Wording(
    status_label=lambda state: f"<{state}>",
    local_time=lambda moment: moment.strftime("%m-%d %H:%M"),
    reports_per_hour=10,
    reports_per_day=30,
)
DETAILS: dict[Reason, dict[str, Any]] = {
    Reason.ALREADY_DONE: {"state": State.ACCEPTED},
    Reason.REPORT_LIMIT: {"until": datetime(2026, 12, 2, 9, 30, tzinfo=UTC)},
    Reason.REPORTING_BLOCKED: {"detail": "spam"},
    Reason.ALREADY_BLOCKED: {"detail": "#12"},
    Reason.NOT_BLOCKED: {"detail": "#12"},
}


@pytest.mark.parametrize("reason", list(Reason))
@pytest.mark.parametrize("language", ["zh", "en"])
def test_every_reason_has_words_in_every_language(reason: Reason, language: str) -> None:
    translator = I18N.translator(language).gettext
    text = words(Refused(reason, **DETAILS.get(reason, {})), translator, WORDING)
    assert text and "{" not in text
    if language == "zh":
        assert text != words(Refused(reason, **DETAILS.get(reason, {})), str, WORDING)


def test_the_words_are_todays() -> None:
    en = I18N.translator("en").gettext
    assert words(Refused(Reason.NOT_YOURS), en, WORDING) == "Sorry, this is not yours to do."
    assert (
        words(Refused(Reason.ALREADY_DONE, state=State.ACCEPTED), en, WORDING)
        == "Nothing changed: this report is already <accepted>."
    )
    assert (
        words(Refused(Reason.OFFICE_ONLY, command="queue"), en, WORDING)
        == "Sorry, /queue is for the town cleaning office."
    )
    assert words(Refused(Reason.OFFICE_ONLY, command="audit"), en, WORDING) == (
        "Sorry, /audit is for the town cleaning office."
    )
    assert words(Refused(Reason.OFFICE_ONLY), en, WORDING) == "Sorry, this is not yours to do."
    assert words(Refused(Reason.SCHEDULE_IN_PAST), en, WORDING) == (
        "This schedule cannot work as it is: that date and time has already passed. "
        "Please start again with /newschedule."
    )
    assert "after 12-02 09:30" in words(Refused(**_limit()), en, WORDING)
    assert words(Refused(Reason.ALREADY_BLOCKED, detail="#12"), en, WORDING) == (
        "#12 is already blocked."
    )


def _limit() -> dict[str, Any]:
    return {"reason": Reason.REPORT_LIMIT, **DETAILS[Reason.REPORT_LIMIT]}


def test_every_msgid_of_the_table_is_in_both_catalogues() -> None:
    msgids = [
        *refusals.PLAIN.values(),
        *refusals.OFFICE_COMMANDS.values(),
        *refusals.SCHEDULE_PROBLEMS.values(),
        refusals.SCHEDULE_CANNOT_WORK,
    ]
    zh = I18N.translator("zh").gettext
    for msgid in msgids:
        assert zh(msgid) != msgid, msgid


def test_a_refusal_knows_whether_it_belongs_in_the_security_log() -> None:
    assert Refused(Reason.NOT_YOURS, subject="report 17").is_security
    assert str(Refused(Reason.NOT_YOURS, subject="report 17")) == "not_yours (report 17)"
    assert not Refused(Reason.REPORT_GONE).is_security


def context_for(language: str) -> BotContext:
    services = SimpleNamespace(
        i18n=I18N,
        config=SimpleNamespace(limits=SimpleNamespace(reports_per_hour=10, reports_per_day=30)),
        notifier=SimpleNamespace(status_label=lambda state, language: f"<{state}>", local_time=str),
    )
    application = Application.builder().token(TOKEN).context_types(CONTEXT_TYPES).build()
    application.bot_data["services"] = services
    context = BotContext(application)
    context.set_person(Person(5, language, frozenset()))
    return context


async def test_a_pressed_button_gets_an_alert_and_the_security_log_a_line(
    caplog: pytest.LogCaptureFixture,
) -> None:
    query = SimpleNamespace(answer=AsyncMock())
    update = SimpleNamespace(callback_query=query, effective_message=None)
    with caplog.at_level("WARNING", logger="bot.security"):
        await answer_refusal(update, context_for("en"), Refused(Reason.NOT_YOURS))  # type: ignore[arg-type]
    query.answer.assert_awaited_once_with("Sorry, this is not yours to do.", show_alert=True)
    assert "refused a button from user 5: not_yours" in caplog.text


async def test_a_message_gets_a_reply_and_no_security_line(
    caplog: pytest.LogCaptureFixture,
) -> None:
    message = SimpleNamespace(reply_text=AsyncMock())
    update = SimpleNamespace(callback_query=None, effective_message=message)
    with caplog.at_level("WARNING", logger="bot.security"):
        await answer_refusal(update, context_for("en"), Refused(Reason.REPORT_GONE))  # type: ignore[arg-type]
    message.reply_text.assert_awaited_once_with("This report no longer exists.")
    assert "refused" not in caplog.text
