"""A villager reports a problem: photo → place → category → (description) → submit, as one
conversation table; the steps are in `handlers.report_place` and `handlers.report_submit`,
Back, Cancel and the hints for unexpected input here.

Few taps for people on cheap phones: a photo alone starts a report, the place is one tap on
"Share my location" (or village then hamlet by name when GPS fails), and the description
is optional — typed or a voice note — on the confirmation step. Back and Cancel work at
every step. The draft lives in user data, stored with the conversation step after each update
(`handlers.persistence`), so a crash neither loses nor bends it; Submit happens once per draft.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from telegram import Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.core.callbacks import CallbackData
from bot.core.i18n import I18n
from bot.reporting.buttons import ConfirmFixed, StillThere
from handlers import voice
from handlers.buttons import (
    ReportBack,
    ReportCancel,
    ReportCategory,
    ReportHamlet,
    ReportVillage,
    SubmitReport,
)
from handlers.context import BotContext
from handlers.drafts import ReportDraft
from handlers.files import unusable
from handlers.fix_answer import confirm_fixed, still_there
from handlers.main_menu import (
    BACK_BUTTON,
    CANCEL_BUTTON,
    REPORT_BUTTON,
    button_regex,
    main_keyboard,
)
from handlers.pickers import drop_buttons
from handlers.report_place import (
    ask_category,
    ask_location,
    ask_photo,
    ask_village,
    begin,
    begin_with_photo,
    hamlet_chosen,
    pick_hamlet_button,
    receive_location,
    receive_photo,
    use_photo_location,
    village_chosen,
)
from handlers.report_states import (
    CATEGORY,
    CONFIRM,
    HAMLET,
    IMAGE,
    LOCATION,
    PHOTO,
    PHOTO_LOCATION_BUTTON,
    PICK_HAMLET_BUTTON,
    SHARE_LOCATION_BUTTON,
    VILLAGE,
    draft_of,
)
from handlers.report_steps import acknowledge, reply
from handlers.report_submit import category_chosen, receive_description, receive_voice, submit
from handlers.start import start

__all__ = [
    "CATEGORY",
    "LOCATION",
    "PHOTO_LOCATION_BUTTON",
    "PICK_HAMLET_BUTTON",
    "SHARE_LOCATION_BUTTON",
    "build",
]


Step = Callable[[Update, BotContext], Coroutine[Any, Any, int]]
"""A step of the conversation: handles one update, returns the next state."""


# -- back, cancel and anything unexpected ------------------------------------------------------


async def back_to_photo(update: Update, context: BotContext) -> int:
    """Back from the place: start the photos over."""
    draft = draft_of(context)
    draft.photos.clear()
    draft.exif_location = None
    context.keep(draft)
    return await ask_photo(update, context)


async def back(update: Update, context: BotContext) -> int:
    """The inline Back button: one step back from wherever the villager is."""
    query = update.callback_query
    assert query is not None
    await acknowledge(query)
    draft = draft_of(context)
    if draft.category is not None:
        draft.category = None
        context.keep(draft)
        return await ask_category(update, context)
    if draft.hamlet_id is not None or draft.location is not None:
        draft.hamlet_id, draft.location = None, None
        context.keep(draft)
        return await ask_location(update, context, draft, context._)
    return await ask_location(update, context, draft, context._)


async def back_from_hamlets(update: Update, context: BotContext) -> int:
    query = update.callback_query
    assert query is not None
    await acknowledge(query)
    return await ask_village(update, context)


async def back_from_villages(update: Update, context: BotContext) -> int:
    query = update.callback_query
    assert query is not None
    await acknowledge(query)
    draft = draft_of(context)
    return await ask_location(update, context, draft, context._)


async def cancel(update: Update, context: BotContext) -> int:
    context.drop(ReportDraft)
    _ = context._
    if update.callback_query:
        await acknowledge(update.callback_query)
        await drop_buttons(update)
    await reply(update, _("Cancelled. Nothing was sent."), main_keyboard(_))
    return ConversationHandler.END


async def restart(update: Update, context: BotContext) -> int:
    """/start in the middle of a report drops the draft and greets afresh."""
    context.drop(ReportDraft)
    await start(update, context)
    return ConversationHandler.END


def hint(state: int) -> Step:
    """A handler that answers unexpected input in `state` by repeating what is needed."""

    async def explain(update: Update, context: BotContext) -> int:
        _ = context._
        message = update.effective_message
        specific = unusable(message, _) if message and state in (PHOTO, LOCATION) else None
        text = (
            specific
            or {
                PHOTO: _("I need a photo here (a picture of the problem). Or tap ✖ Cancel."),
                LOCATION: _(
                    "I need the place: tap “📍 Share my location” or “🏘 Pick village and "
                    "hamlet”. You can also send more photos."
                ),
                VILLAGE: _("Please tap one of the village buttons above, or ⬅ Back."),
                HAMLET: _("Please tap one of the hamlet buttons above, or ⬅ Back."),
                CATEGORY: _("Please tap the kind of problem in the buttons above."),
                CONFIRM: _(
                    "I can take a short text or a voice note here, then tap ✅ Submit above."
                ),
            }[state]
        )
        await reply(update, text)
        return state

    return explain


# -- the journey as a table ----------------------------------------------------------------------


def picking(
    state: int, chosen: Step, kind: type[CallbackData], on_back: Step
) -> list[BaseHandler[Update, BotContext, object]]:
    """A step whose answer is a button of `kind` above: the choice, ⬅ Back, else a hint."""
    return [
        CallbackQueryHandler(chosen, pattern=kind.pattern()),
        CallbackQueryHandler(on_back, pattern=ReportBack.pattern()),
        MessageHandler(~filters.COMMAND, hint(state)),
    ]


def build(i18n: I18n) -> list[BaseHandler[Update, BotContext, object]]:
    def press(*labels: str) -> filters.MessageFilter:
        return filters.Regex(button_regex(i18n, *labels))

    private = filters.ChatType.PRIVATE
    cancel_press = press(CANCEL_BUTTON)
    on_button = CallbackQueryHandler
    reporting: ConversationHandler[BotContext] = ConversationHandler(
        name="reporting",
        persistent=True,
        entry_points=[
            CommandHandler("report", begin, filters=private),
            MessageHandler(private & press(REPORT_BUTTON), begin),
            MessageHandler(private & IMAGE, begin_with_photo),
        ],
        states={
            PHOTO: [
                MessageHandler(IMAGE, receive_photo),
                MessageHandler(cancel_press, cancel),
                MessageHandler(~filters.COMMAND, hint(PHOTO)),
            ],
            LOCATION: [
                MessageHandler(filters.LOCATION | filters.VENUE, receive_location),
                MessageHandler(IMAGE, receive_photo),
                MessageHandler(press(PHOTO_LOCATION_BUTTON), use_photo_location),
                MessageHandler(press(PICK_HAMLET_BUTTON), pick_hamlet_button),
                MessageHandler(press(BACK_BUTTON), back_to_photo),
                MessageHandler(cancel_press, cancel),
                MessageHandler(~filters.COMMAND, hint(LOCATION)),
            ],
            VILLAGE: picking(VILLAGE, village_chosen, ReportVillage, back_from_villages),
            HAMLET: picking(HAMLET, hamlet_chosen, ReportHamlet, back_from_hamlets),
            CATEGORY: picking(CATEGORY, category_chosen, ReportCategory, back),
            CONFIRM: [
                on_button(submit, pattern=SubmitReport.pattern()),
                on_button(back, pattern=ReportBack.pattern()),
                MessageHandler(cancel_press, cancel),
                MessageHandler(filters.TEXT & ~filters.COMMAND, receive_description),
                MessageHandler(filters.VOICE, receive_voice),
                MessageHandler(~filters.COMMAND, hint(CONFIRM)),
            ],
        },
        fallbacks=[
            CommandHandler("cancel", cancel),
            on_button(cancel, pattern=ReportCancel.pattern()),
            CommandHandler("start", restart),
            CommandHandler("report", begin, filters=private),
            MessageHandler(private & press(REPORT_BUTTON), begin),
        ],
    )
    return [
        reporting,
        *voice.build(),
        CallbackQueryHandler(confirm_fixed, pattern=ConfirmFixed.pattern()),
        CallbackQueryHandler(still_there, pattern=StillThere.pattern()),
    ]
