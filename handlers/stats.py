"""The office's numbers in the chat: /stats, /ranking, /map and /export (office admins only),
and the job that sends the digest after each month, quarter and year."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from telegram import Message, Update
from telegram.constants import ChatAction, ParseMode
from telegram.ext import BaseHandler, CommandHandler

from bot.core.errors import Reason, Refused
from bot.stats.periods import PeriodKind
from bot.stats.service import Request
from handlers.common import Services
from handlers.context import BotContext
from handlers.refusals import answer_refusal

Answer = Callable[[Message, Services, Request, str], Awaitable[None]]
Handle = Callable[[Update, BotContext], Coroutine[Any, Any, None]]


def office_command(command: str, answer: Answer, *, with_place: bool) -> Handle:
    """Wrap `answer` with the one office check and the period (and place) parsing, so that
    anyone else, or a word that is neither, gets a polite line instead."""

    async def handle(update: Update, context: BotContext) -> None:
        found = context.services
        message = update.effective_message
        if message is None:
            return
        language = context.person.language
        _ = context._
        if not context.person.is_office:
            await answer_refusal(update, context, Refused(Reason.OFFICE_ONLY, command=command))
            return
        words = list(context.args or [])
        request = found.stats.parse(words, PeriodKind.MONTH)
        if request is None or (request.scope.village_id and not with_place):
            await message.reply_text(usage(_, with_place))
            return
        if request.period.start > found.clock.now():
            await message.reply_text(
                _("{period} has not begun yet.").format(period=request.period.label(language))
            )
            return
        await answer(message, found, request, language)

    return handle


def usage(_: Callable[[str], str], with_place: bool) -> str:
    text = _(
        "Periods: month, quarter, year (this one so far), last-month, last-quarter, "
        "last-year, or a date such as 2026-11, 2026-Q4 or 2026. Without one: this month."
    )
    if with_place:
        text += "\n" + _(
            "After the period you may name a village or a hamlet, e.g. /stats last-month 那笔村."
        )
    return text


async def stats(message: Message, found: Services, request: Request, language: str) -> None:
    """A short summary and the chart: reports per week, on-time closure per place, categories."""
    await message.reply_chat_action(ChatAction.UPLOAD_PHOTO)
    figures = await found.stats.figures(request.period)
    await message.reply_text(
        found.stats_presenter.summary_text(figures, request.scope, language),
        parse_mode=ParseMode.HTML,
    )
    chart = await asyncio.to_thread(
        found.stats_presenter.chart_png, figures, request.scope, language
    )
    await message.reply_photo(chart)


async def ranking(message: Message, found: Services, request: Request, language: str) -> None:
    """Top-N and Bottom-N hamlets with their scores and the figures behind them."""
    figures = await found.stats.figures(request.period)
    await message.reply_text(
        found.stats_presenter.ranking_text(figures, language), parse_mode=ParseMode.HTML
    )


async def town_map(message: Message, found: Services, request: Request, language: str) -> None:
    """The town's hamlets shaded by open reports, with the open reports as points."""
    await message.reply_chat_action(ChatAction.UPLOAD_PHOTO)
    figures = await found.stats.figures(request.period)
    picture = await asyncio.to_thread(found.stats_presenter.map_png, figures, language)
    await message.reply_photo(picture)


async def export(message: Message, found: Services, request: Request, language: str) -> None:
    """The period's reports and indicators as XLSX, plus the two main sheets as CSV."""
    await message.reply_chat_action(ChatAction.UPLOAD_DOCUMENT)
    presenter = found.stats_presenter
    figures = await found.stats.figures(request.period)
    duplicates = await found.stats.duplicate_counts(figures)
    workbook = await asyncio.to_thread(presenter.export_xlsx, figures, duplicates, language)
    reports_csv, hamlets_csv = presenter.export_csv(figures, duplicates, language)
    key = request.period.key
    _ = found.i18n.translator(language).gettext
    await message.reply_document(
        workbook,
        filename=f"stats-{key}.xlsx",
        caption=_("📎 {period}: reports and indicators").format(
            period=request.period.label(language)
        ),
    )
    await message.reply_document(reports_csv, filename=f"reports-{key}.csv")
    await message.reply_document(hamlets_csv, filename=f"hamlets-{key}.csv")


async def send_digests(context: BotContext) -> None:
    """Every minute: queue the digest of a period that has ended, once."""
    await context.services.digests.send_due()


def build() -> list[BaseHandler[Update, BotContext, Any]]:
    """/stats, /ranking, /map and /export, for office admins."""
    return [
        CommandHandler("stats", office_command("stats", stats, with_place=True)),
        CommandHandler("ranking", office_command("ranking", ranking, with_place=False)),
        CommandHandler("map", office_command("map", town_map, with_place=False)),
        CommandHandler("export", office_command("export", export, with_place=False)),
    ]
