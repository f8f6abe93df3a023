"""Which handler answers which update: the Application's handler groups, in the order PTB runs
them, and the villagers' command menu."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.core.i18n import N_, I18n
from handlers import (
    area,
    deliveries,
    errors,
    guard,
    invitations,
    main_menu,
    moderation,
    new_schedule,
    news,
    notices,
    office,
    orders,
    privacy,
    reporting,
    schedules,
    start,
    stats,
    tasks,
    team,
)
from handlers.buttons import ChooseLanguage
from handlers.context import resolve_person

PRIVATE_COMMANDS = (
    ("report", N_("Report dumping or a dirty corner")),
    ("myreports", N_("My reports and their status")),
    ("news", N_("Recent notices from the office")),
    ("home", N_("Set the village and hamlet you live in")),
    ("notices", N_("Turn office notices on or off")),
    ("lang", N_("Change language")),
    ("mydata", N_("What the bot keeps about me")),
    ("forgetme", N_("Delete what the bot keeps about me")),
    ("help", N_("How to use this bot")),
    ("cancel", N_("Stop what you are doing")),
)


def register_handlers(application: Application[Any, Any, Any, Any, Any, Any], i18n: I18n) -> None:
    """Every handler, group by group; the error handler last."""
    # Group -4, before anything else: one person's flood is dropped here (handlers.guard).
    application.add_handler(TypeHandler(Update, guard.flood_gate), group=-4)
    # Group -3: who is writing, their roles and language, looked up once for the groups after.
    application.add_handler(TypeHandler(Update, resolve_person), group=-3)
    # Group -2: a person who writes to us can be reached again.
    application.add_handler(TypeHandler(Update, news.talked_again), group=-2)
    # Group -1: which chats and updates are served at all; role holders' menus kept current.
    application.add_handler(TypeHandler(Update, guard.admit), group=-1)
    # Group 0, first match wins: the grid member's and the office's short conversations come
    # before reporting, so that a photo sent while fixing is the after-photo, not a new report.
    journeys = [
        *tasks.build(),
        *office.build(),
        *notices.build(),
        *new_schedule.build(),
        *schedules.build(),
        *orders.build(),
        *reporting.build(i18n),
        *news.build(),
        *stats.build(),
        *invitations.build(),
        *team.build(),
        *area.build(),
        *moderation.build(),
        *privacy.build(),
        *deliveries.build(),
    ]
    application.add_handlers(journeys)
    # Still group 0, after every journey: the commands and buttons any one may use at any
    # point, then the catch-alls for a stale button and for input nothing above expected.
    press = main_menu.button_regex
    application.add_handlers(
        [
            CommandHandler("help", start.show_help),
            MessageHandler(filters.Regex(press(i18n, main_menu.HELP_BUTTON)), start.show_help),
            CommandHandler("lang", start.choose_language),
            CallbackQueryHandler(start.set_language, pattern=ChooseLanguage.pattern()),
            CommandHandler("myreports", start.my_reports),
            MessageHandler(
                filters.Regex(press(i18n, main_menu.MY_REPORTS_BUTTON)), start.my_reports
            ),
            CallbackQueryHandler(start.stale_button),
            MessageHandler(filters.UpdateType.MESSAGE, start.stray_input),
        ]
    )
    # Conversation steps and drafts are stored after each update by the update processor
    # (handlers.ordering, handlers.persistence), together, in one transaction.
    application.add_error_handler(errors.on_error)
