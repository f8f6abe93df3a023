"""The office's numbers in the chat: /stats, /ranking, /map and /export (office admins only:
`StatsService` checks the right on every call), and the job that sends the digest after each
month, quarter and year."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from telegram import Message, Update
from telegram.constants import ChatAction, ParseMode
from telegram.error import BadRequest
from telegram.ext import BaseHandler, CommandHandler

from bot.core.errors import Refused
from bot.stats.pictures import chart_key
from bot.stats.service import PeriodFigures, Request, Sums
from handlers.context import BotContext
from handlers.refusals import answer_refusal
from handlers.services import Services


@dataclass(frozen=True)
class Asked:
    """Who asked, with which command, for what (the service checks the right on each call)."""

    actor_id: int
    command: str
    request: Request

    async def figures(
        self, found: Services, summed: Callable[[Sums], None] | None = None
    ) -> PeriodFigures:
        return await found.stats.answer(self.actor_id, self.command, self.request, summed=summed)


Answer = Callable[[Message, Services, Asked, str], Awaitable[None]]
Handle = Callable[[Update, BotContext], Coroutine[Any, Any, None]]


def office_command(command: str, answer: Answer, *, with_place: bool) -> Handle:
    """Wrap `answer` with the period (and place) parsing, so that anyone but the office, or a
    word that is neither, gets a polite line instead."""

    async def handle(update: Update, context: BotContext) -> None:
        message = update.effective_message
        if message is None:
            return
        found, person, _ = context.services, context.person, context._
        try:
            request = found.stats.request(
                person.id, command, list(context.args or []), with_place=with_place
            )
        except Refused as refusal:
            await answer_refusal(update, context, refusal)
            return
        if request is None:
            await message.reply_text(usage(_, with_place))
        elif request.period.start > found.clock.now():
            period = request.period.label(person.language)
            await message.reply_text(_("{period} has not begun yet.").format(period=period))
        else:
            await answer(message, found, Asked(person.id, command, request), person.language)

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


async def stats(message: Message, found: Services, asked: Asked, language: str) -> None:
    """A short summary and the chart: reports per week, on-time closure per place, categories.
    Figures computed afresh have their chart drawn while the recurrences, the ranking and the
    summary are still being made; a complete period's chart, once sent, goes again by the id
    Telegram gave it (no upload)."""
    presenter = found.stats_presenter
    scope = asked.request.scope
    if not found.stats.keeps(asked.request.period):
        presenter.prepare_chart(asked.request.period, scope, language)
    await message.reply_chat_action(ChatAction.UPLOAD_PHOTO)
    drawing: list[asyncio.Future[bytes]] = []

    def draw(sums: Sums) -> None:
        drawing.append(
            asyncio.ensure_future(asyncio.to_thread(presenter.chart_drawing(sums, scope, language)))
        )

    try:
        figures = await asked.figures(found, summed=draw)
        await message.reply_text(
            presenter.summary_text(figures, scope, language), parse_mode=ParseMode.HTML
        )
    except BaseException:
        for task in drawing:
            task.cancel()
        raise
    key = chart_key(scope, language)
    file_id = figures.sent.get(key)
    if file_id is not None:
        try:
            await message.reply_photo(file_id)
            return
        except BadRequest:  # Telegram no longer knows the id: upload the picture again
            figures.sent.pop(key, None)
    if drawing:
        chart = presenter.keep_chart(figures, scope, language, await drawing[0])
    else:
        chart = await asyncio.to_thread(presenter.chart_png, figures, scope, language)
    sent = await message.reply_photo(chart)
    if figures.complete and sent.photo:
        figures.sent[key] = sent.photo[-1].file_id


async def ranking(message: Message, found: Services, asked: Asked, language: str) -> None:
    """Top-N and Bottom-N hamlets with their scores and the figures behind them."""
    figures = await asked.figures(found)
    await message.reply_text(
        found.stats_presenter.ranking_text(figures, language), parse_mode=ParseMode.HTML
    )


async def town_map(message: Message, found: Services, asked: Asked, language: str) -> None:
    """The town's hamlets shaded by open reports, with the open reports as points."""
    if not found.stats.keeps(asked.request.period):
        found.stats_presenter.warm_up()
    await message.reply_chat_action(ChatAction.UPLOAD_PHOTO)
    figures = await asked.figures(found)
    picture = await asyncio.to_thread(found.stats_presenter.map_png, figures, language)
    await message.reply_photo(picture)


async def export(message: Message, found: Services, asked: Asked, language: str) -> None:
    """The period's reports and indicators as XLSX, plus the two main sheets as CSV."""
    await message.reply_chat_action(ChatAction.UPLOAD_DOCUMENT)
    presenter = found.stats_presenter
    figures = await asked.figures(found)
    duplicates = await found.stats.export_counts(asked.actor_id, figures)
    request = asked.request
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
