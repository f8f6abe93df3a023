"""/area: village leads and department members look over the open reports of their area
(read only)."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import BaseHandler, CommandHandler

from bot.core.errors import Refused
from handlers.context import BotContext
from handlers.refusals import answer_refusal
from handlers.team import chunks


async def area(update: Update, context: BotContext) -> None:
    """Village leads and department members: the open reports they oversee (read only)."""
    message = update.effective_message
    if message is None:
        return
    found = context.services
    language = context.person.language
    _ = context._
    try:
        reports = await found.reports.area_of(context.person.id)
    except Refused as refusal:
        await answer_refusal(update, context, refusal)
        return
    if not reports:
        await message.reply_text(_("🎉 No open reports in your area."))
        return
    lines = [
        found.i18n.translator(language)
        .ngettext(
            "{count} open report, nearest deadline first:",
            "{count} open reports, nearest deadline first:",
            len(reports),
        )
        .format(count=len(reports))
    ]
    for report in reports:
        lines.append(
            f"\n<b>{report.number}</b> · {found.notifier.status_label(report.state, language)}\n"
            + found.notifier.describe(report, language)
        )
    for chunk in chunks(lines):
        await message.reply_text(chunk, parse_mode=ParseMode.HTML)


def build() -> list[BaseHandler[Update, BotContext, Any]]:
    """/area."""
    return [CommandHandler("area", area)]
