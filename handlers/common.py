"""Where names that moved out of this module (issue 12) are still found, for the modules that
import them from here: the services in `handlers.services`, the main menu in
`handlers.main_menu`, files in `handlers.files`, keyboards in `handlers.pickers`.
New code imports from those modules."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import ContextTypes

from handlers.files import keep_file, keep_picture, unusable
from handlers.main_menu import (
    BACK_BUTTON,
    CANCEL_BUTTON,
    HELP_BUTTON,
    MY_REPORTS_BUTTON,
    REPORT_BUTTON,
    button_regex,
    is_private,
    main_keyboard,
)
from handlers.pickers import drop_buttons, inline_markup
from handlers.services import Services, Translate, language_of, services, translator

__all__ = [
    "BACK_BUTTON",
    "CANCEL_BUTTON",
    "HELP_BUTTON",
    "MY_REPORTS_BUTTON",
    "REPORT_BUTTON",
    "Services",
    "Translate",
    "button_regex",
    "drop_buttons",
    "inline_markup",
    "is_private",
    "keep_file",
    "keep_picture",
    "language_of",
    "main_keyboard",
    "security",
    "services",
    "start",
    "translator",
    "unusable",
]

security = logging.getLogger("bot.security")
"""Refused commands and buttons (forged, replayed, revoked roles), floods and lockouts."""


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/start lives in `handlers.start`; this stays for the journeys that call it from here."""
    from handlers.start import start as greet  # imported late: handlers.start imports context

    await greet(update, context)  # type: ignore[arg-type]  # a BotContext at run time
