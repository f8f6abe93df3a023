"""The office against abuse: /block and /unblock a person's reporting (by user id or by one of
their report numbers, so the reporter need not be revealed — also after they used /forgetme),
/who shows a report's reporter to an office admin (audited), and /audit lists the recent office
actions."""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from typing import Any

from telegram import Message, Update
from telegram.constants import ParseMode
from telegram.ext import BaseHandler, CommandHandler

from bot.core.audit_text import AuditWording
from bot.core.errors import Reason, Refused
from bot.core.models import format_number, parse_number
from bot.core.text import clean_text
from bot.reporting.moderation import Reporter
from handlers.context import BotContext
from handlers.refusals import answer_refusal

Translate = Callable[[str], str]

AUDIT_DEFAULT, AUDIT_MOST = 20, 100
MAX_REASON = 300


async def _office_command(
    update: Update, context: BotContext, command: str
) -> tuple[Message, list[str]] | None:
    """Where to answer and the words after the command, if an office admin sent it; anyone
    else is told so (and logged). The moderation service checks again in each step."""
    message = update.effective_message
    if message is None:
        return None
    try:
        context.services.moderation.require_office(context.person.id, command)
    except Refused as refusal:
        await answer_refusal(update, context, refusal)
        return None
    return message, context.args or []


async def audit(update: Update, context: BotContext) -> None:
    """/audit [how many]: the newest office actions first."""
    found = context.services
    if (typed := await _office_command(update, context, "audit")) is None:
        return
    message, arguments = typed
    _ = context._
    count = AUDIT_DEFAULT
    if arguments:
        wanted = arguments[0]
        if (
            len(arguments) > 1
            or not wanted.isascii()
            or not wanted.isdigit()
            or not 1 <= int(wanted) <= AUDIT_MOST
        ):
            await message.reply_text(
                _("Please write /audit, or /audit with a number from 1 to {most}.").format(
                    most=AUDIT_MOST
                )
            )
            return
        count = int(wanted)
    entries = await found.audit.recent(count)
    if not entries:
        await message.reply_text(_("The audit log is empty."))
        return
    names = await found.roles.names_of(AuditWording.people_in(entries))
    language = context.person.language
    wording = AuditWording(
        found.config, found.grid, found.i18n.translator(language), language, names
    )
    lines = ["<b>" + _("🧾 Recent office actions (newest first)") + "</b>"]
    lines += [wording.line(entry) for entry in entries]
    text = "\n".join(lines)
    while text:
        cut = text.rfind("\n", 0, 3500) if len(text) > 3500 else len(text)
        await message.reply_text(text[:cut], parse_mode=ParseMode.HTML)
        text = text[cut:].lstrip("\n")


async def block(update: Update, context: BotContext) -> None:
    """/block <user id or report number> <reason>."""
    found = context.services
    if (typed := await _office_command(update, context, "block")) is None:
        return
    message, arguments = typed
    _ = context._
    reason = clean_text(" ".join(arguments[1:]), MAX_REASON)
    target = await _target(update, context, arguments[0] if arguments else "", _)
    if target is None:
        return
    reporter, who = target
    if not reason:
        await message.reply_text(
            _("Please add a reason the person will read, e.g. /block R-000123 many fake photos.")
        )
        return
    try:
        await found.moderation.block(context.person.id, reporter, reason)
    except Refused as refusal:
        await _refuse(update, context, refusal, who)
        return
    done = (
        _("⛔ Blocked: {who} can no longer send reports, and was told why: {reason}")
        if reporter.user_id is not None
        else _(
            "⛔ Blocked: {who} can no longer send reports. They deleted their data, so they "
            "could not be told now; if they try to report again they read why: {reason}"
        )
    )
    await message.reply_text(done.format(who=who, reason=escape(reason)), parse_mode=ParseMode.HTML)


async def unblock(update: Update, context: BotContext) -> None:
    """/unblock <user id or report number>."""
    found = context.services
    if (typed := await _office_command(update, context, "unblock")) is None:
        return
    message, arguments = typed
    _ = context._
    target = await _target(update, context, arguments[0] if len(arguments) == 1 else "", _)
    if target is None:
        return
    reporter, who = target
    try:
        await found.moderation.unblock(context.person.id, reporter)
    except Refused as refusal:
        await _refuse(update, context, refusal, who)
        return
    await message.reply_text(_("✅ Unblocked: {who} can send reports again.").format(who=who))


async def who(update: Update, context: BotContext) -> None:
    """/who <report number>: the reporter, for handling abuse — office admins only, audited."""
    found = context.services
    if (typed := await _office_command(update, context, "who")) is None:
        return
    message, arguments = typed
    _ = context._
    report_id = parse_number(arguments[0]) if len(arguments) == 1 else None
    if report_id is None:
        await message.reply_text(_("Please write /who and a report number, e.g. /who R-000123."))
        return
    try:
        report, profile = await found.moderation.reporter_of(context.person.id, report_id)
    except Refused as refusal:
        if refusal.reason is not Reason.REPORT_GONE:
            await answer_refusal(update, context, refusal)
            return
        await message.reply_text(
            _("There is no report {text}.").format(text=format_number(report_id))
        )
        return
    if profile is None:
        lines = [
            _(
                "The reporter of {number} deleted their data with /forgetme: who they are is "
                "no longer known. Report limits and blocks still apply to them, and "
                "/block {number} still works."
            ).format(number=report.number)
        ]
        try:
            _report, reporter = await found.moderation.reporter_of_report(report_id)
        except Refused:  # forgotten before reporters were keyed: no block can name them
            reporter = None
        blocked = await found.moderation.block_of(reporter) if reporter else None
        if blocked is not None:
            lines.append(
                _("Blocked from reporting: {reason}").format(reason=escape(blocked.reason))
            )
        await message.reply_text("\n".join(lines), parse_mode=ParseMode.HTML)
        return
    blocked = await found.moderation.block_of(found.moderation.person(report.reporter_id))
    reports = await found.reports.reports_of(report.reporter_id)
    handle = f"@{profile.username}" if profile.username else ""
    name = " ".join(part for part in (profile.first_name, handle) if part) or "?"
    lines = [
        _("👤 Reporter of {number}: {name} ({user})").format(
            number=report.number, name=escape(name), user=report.reporter_id
        ),
        _("Reports by this person: {count}").format(count=len(reports)),
    ]
    if blocked is not None:
        lines.append(_("Blocked from reporting: {reason}").format(reason=escape(blocked.reason)))
    lines.append(_("Only office admins see this; the look-up is in the audit log."))
    await message.reply_text("\n".join(lines), parse_mode=ParseMode.HTML)


async def _refuse(update: Update, context: BotContext, refusal: Refused, who: str) -> None:
    """Answer a refusal of the moderation service, naming the person as the office did."""
    named = Refused(refusal.reason, detail=who, subject=refusal.subject)
    await answer_refusal(update, context, named)


async def _target(
    update: Update, context: BotContext, text: str, _: Translate
) -> tuple[Reporter, str] | None:
    """(the person, how to name them) from a user id or a report number, else a usage reply.
    A report's reporter is found also after /forgetme (by the key kept on the report)."""
    found = context.services
    message = update.effective_message
    if message is None:
        return None
    text = clean_text(text)
    if text[:1] in ("R", "r"):
        report_id = parse_number(text) or 0
        try:
            report, reporter = await found.moderation.reporter_of_report(report_id)
        except Refused as refusal:
            if refusal.reason is Reason.REPORT_GONE:
                await message.reply_text(_("There is no report {text}.").format(text=text[:20]))
            else:
                await answer_refusal(update, context, refusal)
            return None
        return reporter, _("the reporter of {number}").format(number=report.number)
    if text.isascii() and text.isdigit() and 0 < int(text) < 2**52:
        return found.moderation.person(int(text)), _("user {user}").format(user=int(text))
    await message.reply_text(
        _(
            "Please name the person by a report number or a user id, e.g. "
            "/block R-000123 reason, /unblock R-000123."
        )
    )
    return None


def build() -> list[BaseHandler[Update, BotContext, Any]]:
    """/audit, /block, /unblock and /who."""
    return [
        CommandHandler("audit", audit),
        CommandHandler("block", block),
        CommandHandler("unblock", unblock),
        CommandHandler("who", who),
    ]
