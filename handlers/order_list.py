"""/orders: the office's open rectification orders, nearest deadline first, with where each
stands (whether the office may see them is `ReportService`'s)."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ParseMode

from handlers.context import BotContext
from handlers.report_steps import attempt


async def list_orders(update: Update, context: BotContext) -> None:
    """/orders: open rectification orders, nearest deadline first, with where each stands."""
    found = context.services
    message = update.effective_message
    assert message is not None
    language = context.person.language
    _ = context._
    orders = await attempt(update, context, found.reports.open_orders(context.person.id))
    if orders is None:
        return
    if not orders:
        await message.reply_text(_("No open rectification orders. /order issues one."))
        return
    now = found.clock.now()
    lines = [_("📜 Open rectification orders ({count}):").format(count=len(orders))]
    for order in orders:
        assert order.fix_due_at is not None
        line = "• <b>{number}</b> {place} — {status} · {due}".format(
            number=order.number,
            place=found.notifier.place(order, language),
            status=found.notifier.status_label(order.state, language),
            due=_("fix by {when}").format(
                when=found.notifier.local_time(order.fix_due_at, language)
            ),
        )
        if order.fix_due_at < now:
            line += " · " + found.notifier.overdue_label(order.fix_due_at, now, language)
        lines.append(line)
    await message.reply_text("\n".join(lines), parse_mode=ParseMode.HTML)
