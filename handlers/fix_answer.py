"""After the fix the reporter checks: "Fixed 👍" closes the report, "Still there 👎" sends it
back to the same grid member with a fresh deadline (the office hears)."""

from __future__ import annotations

from telegram import Update

from bot.reporting.buttons import ConfirmFixed, StillThere
from handlers.context import BotContext
from handlers.main_menu import main_keyboard
from handlers.pickers import drop_buttons
from handlers.report_steps import acknowledge, attempt, reply


async def confirm_fixed(update: Update, context: BotContext) -> None:
    """ "Fixed 👍": the report closes."""
    await _answer_fix(update, context, reopen=False)


async def still_there(update: Update, context: BotContext) -> None:
    """ "Still there 👎": back to the same grid member with a fresh deadline; the office hears."""
    await _answer_fix(update, context, reopen=True)


async def _answer_fix(update: Update, context: BotContext, *, reopen: bool) -> None:
    query = update.callback_query
    user = update.effective_user
    assert query is not None and user is not None
    pressed = StillThere.parse(query.data) if reopen else ConfirmFixed.parse(query.data)
    if pressed is None:
        await acknowledge(query)
        return
    found = context.services
    action = found.reports.reopen if reopen else found.reports.confirm
    report = await attempt(update, context, action(pressed.report_id, user.id))
    if report is None:
        return
    _ = context._
    await acknowledge(query)
    await drop_buttons(update)
    if reopen:
        text = _(
            "🔁 Thank you for telling us. {number} went back to the grid member, and the "
            "town office was told."
        ).format(number=report.number)
    else:
        text = _("🎉 Thank you! {number} is closed. A cleaner village thanks to you.").format(
            number=report.number
        )
    await reply(update, text, main_keyboard(_))
