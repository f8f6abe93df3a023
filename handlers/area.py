"""/area: village leads and department members look over the open reports of their area
(read only)."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import BaseHandler, CommandHandler

from handlers.common import (
    language_of,
    security,
    services,
)
from handlers.context import BotContext
from handlers.team import chunks


async def area(update: Update, context: BotContext) -> None:
    """Village leads and department members: the open reports they oversee (read only)."""
    found = services(context)
    user = update.effective_user
    message = update.effective_message
    if user is None or message is None:
        return
    language = await language_of(update, context)
    _ = found.i18n.translator(language).gettext
    if not (found.people.is_village_lead(user.id) or found.people.departments_of(user.id)):
        security.warning("refused /area from user %s", user.id)
        await message.reply_text(_("Sorry, /area is for village leads and departments."))
        return
    reports = await found.reports.area_of(user.id)
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


# -- shared ------------------------------------------------------------------------------------


def build() -> list[BaseHandler[Update, BotContext, Any]]:
    """/area."""
    return [CommandHandler("area", area)]
