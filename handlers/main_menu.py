"""The main menu: the villager's reply keyboard (📷 Report dumping, 📋 My reports, ❓ Help),
shown in private chats, and how a press of one of its labels is recognised in any language."""

from __future__ import annotations

import re
from collections.abc import Callable

from telegram import KeyboardButton, ReplyKeyboardMarkup, Update
from telegram.constants import ChatType

from bot.core.i18n import N_, I18n

Translate = Callable[[str], str]

REPORT_BUTTON = N_("📷 Report dumping")
MY_REPORTS_BUTTON = N_("📋 My reports")
HELP_BUTTON = N_("❓ Help")
CANCEL_BUTTON = N_("✖ Cancel")
BACK_BUTTON = N_("⬅ Back")


def button_regex(i18n: I18n, *messages: str) -> re.Pattern[str]:
    """Matches a reply-keyboard press of any of `messages`, in any language."""
    labels = set().union(*(i18n.all_translations(message) for message in messages))
    return re.compile("^(" + "|".join(re.escape(label) for label in sorted(labels)) + ")$")


def main_keyboard(_: Translate) -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        [[KeyboardButton(_(REPORT_BUTTON))], [_(MY_REPORTS_BUTTON), _(HELP_BUTTON)]],
        resize_keyboard=True,
        is_persistent=True,
    )


def is_private(update: Update) -> bool:
    return update.effective_chat is not None and update.effective_chat.type == ChatType.PRIVATE
