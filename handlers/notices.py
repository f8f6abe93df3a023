"""The office sends a notice: /notice (audience → content → translations → preview → when →
confirm), and then watches it go out (`handlers.notice_progress`: the progress message, /notices).

Who may send, cancel or list notices, and the audit entries, are `NoticeService`'s; this module
asks the questions (typed buttons, `handlers.pickers`), keeps a `NoticeDraft` and renders."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Coroutine
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.core.callbacks import CallbackData
from bot.core.errors import Refused
from bot.delivery.audiences import Audience, AudienceKind
from bot.delivery.outbox import PartRefused, Unreachable
from bot.notices.service import MAX_CAPTION, MAX_TEXT, Content, ContentKind
from bot.reporting.media import NotAnImage, photo_without_metadata
from handlers import notice_progress
from handlers.buttons import (
    NoticeAbandon,
    NoticeAddLanguage,
    NoticeAudience,
    NoticeConfirm,
    NoticeDepartment,
    NoticeHamlet,
    NoticeHamletVillage,
    NoticePreview,
    NoticeSendLater,
    NoticeSendNow,
    NoticeToggleVillage,
    NoticeVillagesDone,
)
from handlers.context import BotContext, Translate
from handlers.delivery import sender_for
from handlers.drafts import NoticeDraft, StoredAudience
from handlers.files import keep_picture
from handlers.notice_progress import follow_notices
from handlers.pickers import (
    CANCEL,
    NOTICE_AUDIENCES,
    NOTICE_HAMLET_PLACES,
    NOTICE_VILLAGE_TOGGLES,
    audience_keyboard,
    button,
    department_keyboard,
    end_wizard,
    keyboard,
)
from handlers.refusals import NO_LONGER_ACTIVE, answer_refusal

log = logging.getLogger(__name__)

Step = Callable[[Update, BotContext], Coroutine[Any, Any, int]]
"""A step of the flow: handles one update and says which state comes next."""

AUDIENCE, VILLAGES, HAMLET, DEPARTMENT, CONTENT, TRANSLATIONS, TRANSLATION, WHEN, CONFIRM = range(9)

TIME_FORMAT = "%Y-%m-%d %H:%M"


# -- the guided flow ------------------------------------------------------------------------------


async def begin(update: Update, context: BotContext) -> int:
    """Step 1: who should receive it (the office only: asking others would be in vain)."""
    message = update.effective_message
    if message is None:
        return ConversationHandler.END
    try:
        context.services.notices.require_office(context.person.id, command="notice")
    except Refused as refusal:
        await answer_refusal(update, context, refusal)
        return ConversationHandler.END
    _ = context._
    context.keep(NoticeDraft())
    await message.reply_text(
        _("📢 New notice. Who should receive it? (/cancel to stop)"),
        reply_markup=audience_keyboard(_, NOTICE_AUDIENCES, NoticeAudience, NoticeAbandon()),
    )
    return AUDIENCE


async def audience_chosen(update: Update, context: BotContext) -> int:
    """The audience kind: villages and a hamlet ask which; a department which one."""
    query, draft = update.callback_query, context.draft(NoticeDraft)
    pressed = NoticeAudience.parse(query.data) if query is not None else None
    if query is None or pressed is None or draft is None:
        return await _lost(update, context)
    found, _ = context.services, context._
    if pressed.kind == AudienceKind.DEPARTMENT:
        return await _ask_department(update, context)
    await query.answer()
    if pressed.kind == AudienceKind.VILLAGES:
        draft.villages = []
        context.keep(draft)
        await query.edit_message_text(
            _("Tap the villages (tap again to remove), then Done."),
            reply_markup=_village_toggles(context, draft),
        )
        return VILLAGES
    if pressed.kind == AudienceKind.HAMLET:
        await query.edit_message_text(
            _("Which village is the hamlet in?"),
            reply_markup=NOTICE_HAMLET_PLACES.villages(found.grid, context.person.language, _),
        )
        return HAMLET
    return await _audience_set(update, context, draft, Audience(pressed.kind))


async def village_toggled(update: Update, context: BotContext) -> int:
    """Tick or untick a village; the keyboard shows the choice so far."""
    query, draft = update.callback_query, context.draft(NoticeDraft)
    pressed = NoticeToggleVillage.parse(query.data) if query is not None else None
    if query is None or pressed is None or draft is None:
        return await _lost(update, context)
    if pressed.village_id in context.services.grid.villages:
        if pressed.village_id in draft.villages:
            draft.villages.remove(pressed.village_id)
        else:
            draft.villages.append(pressed.village_id)
        context.keep(draft)
    await query.answer()
    with contextlib.suppress(BadRequest):
        await query.edit_message_reply_markup(_village_toggles(context, draft))
    return VILLAGES


async def villages_done(update: Update, context: BotContext) -> int:
    """Done: the ticked villages are the audience (at least one)."""
    query, draft = update.callback_query, context.draft(NoticeDraft)
    if query is None or draft is None:
        return await _lost(update, context)
    if not draft.villages:
        await query.answer(context._("Tap at least one village first."), show_alert=True)
        return VILLAGES
    await query.answer()
    audience = Audience(AudienceKind.VILLAGES, tuple(draft.villages))
    return await _audience_set(update, context, draft, audience)


async def hamlet_village_chosen(update: Update, context: BotContext) -> int:
    """The hamlet's village: its hamlets."""
    query = update.callback_query
    pressed = NoticeHamletVillage.parse(query.data) if query is not None else None
    if query is None or pressed is None:
        return await _lost(update, context)
    found, _ = context.services, context._
    hamlets = NOTICE_HAMLET_PLACES.hamlets(
        found.grid, pressed.village_id, context.person.language, _
    )
    await query.answer()
    if hamlets is None:
        return HAMLET
    await query.edit_message_text(_("Which hamlet?"), reply_markup=hamlets)
    return HAMLET


async def hamlet_chosen(update: Update, context: BotContext) -> int:
    """The one hamlet that receives the notice."""
    query, draft = update.callback_query, context.draft(NoticeDraft)
    pressed = NoticeHamlet.parse(query.data) if query is not None else None
    if query is None or pressed is None or draft is None:
        return await _lost(update, context)
    await query.answer()
    if pressed.hamlet_id not in context.services.grid.hamlets:
        return HAMLET
    audience = Audience(AudienceKind.HAMLET, (pressed.hamlet_id,))
    return await _audience_set(update, context, draft, audience)


async def department_chosen(update: Update, context: BotContext) -> int:
    """The department whose group chat receives the notice."""
    query, draft = update.callback_query, context.draft(NoticeDraft)
    pressed = NoticeDepartment.parse(query.data) if query is not None else None
    if query is None or pressed is None or draft is None:
        return await _lost(update, context)
    await query.answer()
    if pressed.department not in context.services.people.department_chats:
        return DEPARTMENT
    audience = Audience(AudienceKind.DEPARTMENT, (pressed.department,))
    return await _audience_set(update, context, draft, audience)


async def content_received(update: Update, context: BotContext) -> int:
    """Step 2: the notice itself — text, or a photo or PDF with a caption."""
    message, draft = update.effective_message, context.draft(NoticeDraft)
    if message is None or draft is None:
        return await _lost(update, context)
    found, _ = context.services, context._
    kind: ContentKind
    file_id: str | None
    if message.photo:
        kind, file_id, text, limit = (
            ContentKind.PHOTO,
            message.photo[-1].file_id,
            message.caption,
            MAX_CAPTION,
        )
    elif message.document and (message.document.mime_type or "").startswith("image/"):
        photo_id = await _picture_as_photo(context, message, _)
        if photo_id is None:
            await message.reply_text(
                _("Sorry, I could not read that picture. Please send it as a photo instead.")
            )
            return CONTENT
        kind, file_id, text, limit = ContentKind.PHOTO, photo_id, message.caption, MAX_CAPTION
    elif message.document and message.document.mime_type == "application/pdf":
        kind, file_id, text, limit = (
            ContentKind.DOCUMENT,
            message.document.file_id,
            message.caption,
            MAX_CAPTION,
        )
    elif message.text:
        kind, file_id, text, limit = ContentKind.TEXT, None, message.text, MAX_TEXT
    else:
        await message.reply_text(
            _("Please send the notice as text, or as a photo or a PDF file with a caption.")
        )
        return CONTENT
    text = (text or "").strip()
    if await _too_long(message, text, limit, _):
        return CONTENT
    draft.kind, draft.file_id = kind, file_id
    draft.texts = {found.i18n.default_language: text}
    context.keep(draft)
    return await _ask_translations(update, context, draft)


async def _picture_as_photo(context: BotContext, message: Message, _: Translate) -> str | None:
    """A picture sent as a file becomes the notice's photo: re-encoded without EXIF and shown
    to the author once, whose photo file id then goes to everyone (never the original file)."""
    ref = await keep_picture(context, message)
    if ref.local_path is None:
        return None
    try:
        jpeg = photo_without_metadata(Path(ref.local_path).read_bytes())
    except (NotAnImage, OSError):
        return None
    shown = await message.reply_photo(
        jpeg, caption=_("This picture will go out as a photo, without its location data.")
    )
    return shown.photo[-1].file_id


async def language_chosen(update: Update, context: BotContext) -> int:
    """➕ a language: ask for the notice's text in it."""
    query, draft = update.callback_query, context.draft(NoticeDraft)
    pressed = NoticeAddLanguage.parse(query.data) if query is not None else None
    if query is None or pressed is None or draft is None:
        return await _lost(update, context)
    await query.answer()
    if pressed.language not in context.services.i18n.languages:
        return TRANSLATIONS
    draft.translating = pressed.language
    context.keep(draft)
    await query.edit_message_text(
        context._("Send the {language} text of the notice.").format(
            language=_language_name(pressed.language, context)
        )
    )
    return TRANSLATION


async def translation_received(update: Update, context: BotContext) -> int:
    """The text in the language asked for; then the remaining languages again."""
    message, draft = update.effective_message, context.draft(NoticeDraft)
    if message is None or draft is None or draft.translating is None:
        return await _lost(update, context)
    limit = MAX_TEXT if draft.kind == ContentKind.TEXT else MAX_CAPTION
    text = (message.text or "").strip()
    if await _too_long(message, text, limit, context._):
        return TRANSLATION
    draft.texts[draft.translating] = text
    draft.translating = None
    context.keep(draft)
    return await _ask_translations(update, context, draft)


async def preview(update: Update, context: BotContext) -> int:
    """Step 3: the notice exactly as recipients will see it, in each language, and how many."""
    query, chat, draft = update.callback_query, update.effective_chat, context.draft(NoticeDraft)
    content = _content(draft) if draft is not None else None
    if query is None or chat is None or draft is None or draft.audience is None or not content:
        return await _lost(update, context)
    await query.answer()
    found, _ = context.services, context._
    audience = draft.audience.audience()
    languages = await found.notices.languages_of(audience)
    shown = sorted(set(content.texts) | set(languages))
    sender = sender_for(context.bot, found.downloads, found.storage, found.clock)
    await query.edit_message_text(_("Preview — this is what recipients will see:"))
    for language in shown:
        try:
            for part in found.notices.render(content, language):
                await sender.send(chat.id, part)
        except (Unreachable, PartRefused) as error:
            log.warning("could not show the preview: %s", error)
            await context.bot.send_message(chat.id, _("Sorry, I could not show that file."))
            return CONTENT
    total = sum(languages.values())
    by_language = " · ".join(f"{code} {count:,}" for code, count in sorted(languages.items()))
    text = _("To: {audience}\nRecipients: {count:,}").format(
        audience=found.notices.describe_audience(audience, context.person.language),
        count=total,
    )
    if by_language:
        text += f" ({by_language})"
    if not total:
        text += "\n" + _("Nobody can receive this notice yet. /cancel and choose another audience.")
    choices = [
        button(_("📤 Send now"), NoticeSendNow()),
        button(_("🕒 Send later"), NoticeSendLater()),
        _abandon_button(_),
    ]
    await context.bot.send_message(chat.id, text, reply_markup=keyboard(choices, 2))
    return WHEN


async def send_now(update: Update, context: BotContext) -> int:
    """📤 Send now: confirm first; the preview's buttons stop being live."""
    query, draft = update.callback_query, context.draft(NoticeDraft)
    if query is None or draft is None:
        return await _lost(update, context)
    draft.send_at = None
    context.keep(draft)
    await query.answer()
    with contextlib.suppress(BadRequest):
        await query.edit_message_reply_markup(None)
    return await _ask_confirmation(update, context, draft)


async def ask_time(update: Update, context: BotContext) -> int:
    """🕒 Send later: ask for the local date and time."""
    query = update.callback_query
    if query is None:
        return await _lost(update, context)
    await query.answer()
    example = context.services.clock.now().astimezone(_zone(context)).strftime(TIME_FORMAT)
    await query.edit_message_text(
        context._(
            "When should it go out? Send the date and time like {example} (local time)."
        ).format(example=example)
    )
    return WHEN


async def time_received(update: Update, context: BotContext) -> int:
    """The time to send it: read as local time, and not in the past."""
    message, draft = update.effective_message, context.draft(NoticeDraft)
    if message is None or draft is None:
        return await _lost(update, context)
    _ = context._
    try:
        when = datetime.strptime((message.text or "").strip(), TIME_FORMAT)
    except ValueError:
        await message.reply_text(
            _("Sorry, I could not read that time. Please write it like 2026-12-01 08:00.")
        )
        return WHEN
    when = when.replace(tzinfo=_zone(context))
    if when <= context.services.clock.now():
        await message.reply_text(_("That time has already passed. Please send a later one."))
        return WHEN
    draft.send_at = when
    context.keep(draft)
    return await _ask_confirmation(update, context, draft)


async def confirmed(update: Update, context: BotContext) -> int:
    """Step 5: store the notice (the service checks the right and audits it); the follow-up
    job sends it, now or at its time."""
    query, draft = update.callback_query, context.draft(NoticeDraft)
    content = _content(draft) if draft is not None else None
    if query is None or draft is None or draft.audience is None or content is None:
        return await _lost(update, context)
    found, _ = context.services, context._
    context.drop(NoticeDraft)
    try:
        notice = await found.notices.create(
            context.person.id, draft.audience.audience(), content, draft.send_at
        )
    except Refused as refusal:
        await answer_refusal(update, context, refusal)
        with contextlib.suppress(BadRequest):
            await query.edit_message_reply_markup(None)
        return ConversationHandler.END
    await query.answer()
    log.info("office admin %s created notice %d", context.person.id, notice.id)
    if draft.send_at is None:
        await query.edit_message_text(_("✅ Notice #{id} is on its way.").format(id=notice.id))
        await follow_notices(context)
    else:
        await query.edit_message_text(
            _(
                "🕒 Notice #{id} will go out at {when}. "
                "/notices shows it, and it can be cancelled there."
            ).format(
                id=notice.id, when=found.notices.local_time(notice.send_at, context.person.language)
            )
        )
    return ConversationHandler.END


async def abandon(update: Update, context: BotContext) -> int:
    """/cancel or ✖ Cancel: the draft is dropped and nothing is sent."""
    context.drop(NoticeDraft)
    return await end_wizard(update, context._("Stopped. No notice was sent."))


def hint(state: int) -> Step:
    """A message that does not fit the current step gets a reminder of what is expected."""

    async def remind(update: Update, context: BotContext) -> int:
        _ = context._
        texts = {
            CONTENT: _(
                "Please send the notice as text, or as a photo or a PDF file with a caption."
            ),
            TRANSLATION: _("Please send the translation as text."),
            WHEN: _("Please use the buttons above, or send a time like 2026-12-01 08:00."),
        }
        if update.effective_message is not None:
            await update.effective_message.reply_text(
                texts.get(state, _("Please use the buttons above, or /cancel."))
            )
        return state

    return remind


# -- helpers --------------------------------------------------------------------------------------


async def _lost(update: Update, context: BotContext) -> int:
    """A button or message the flow can no longer use (its draft is gone, or the data is not
    a button of this step): say so and end the flow."""
    context.drop(NoticeDraft)
    text = context._(NO_LONGER_ACTIVE)
    if update.callback_query is not None:
        await update.callback_query.answer(text, show_alert=True)
    elif update.effective_message is not None:
        await update.effective_message.reply_text(text)
    return ConversationHandler.END


async def _too_long(message: Message, text: str, limit: int, _: Translate) -> bool:
    """Tell the author when the text is over the limit (and return True)."""
    if len(text) <= limit:
        return False
    await message.reply_text(
        _(
            "That is {length:,} characters; a notice can have at most {limit:,} here. "
            "Please shorten it and send it again."
        ).format(length=len(text), limit=limit)
    )
    return True


def _abandon_button(_: Translate) -> InlineKeyboardButton:
    return button(_(CANCEL), NoticeAbandon())


def _village_toggles(context: BotContext, draft: NoticeDraft) -> InlineKeyboardMarkup:
    """The villages as toggles, then Done (n) and ✖ Cancel."""
    _ = context._
    done = button(_("Done ({count})").format(count=len(draft.villages)), NoticeVillagesDone())
    return NOTICE_VILLAGE_TOGGLES.villages(
        context.services.grid,
        context.person.language,
        _,
        chosen=draft.villages,
        extra=[done],
    )


async def _ask_department(update: Update, context: BotContext) -> int:
    """Which department (only those with a group chat); an alert if there is none."""
    query = update.callback_query
    if query is None:
        return await _lost(update, context)
    found, _, language = context.services, context._, context.person.language
    departments = [
        (key, found.config.departments[key].name.get(language))
        for key in found.people.department_chats
    ]
    choices = department_keyboard(_, departments, NoticeDepartment, NoticeAbandon())
    if choices is None:
        await query.answer(
            _("No department has a group chat in the configuration."), show_alert=True
        )
        return AUDIENCE
    await query.answer()
    await query.edit_message_text(_("Which department?"), reply_markup=choices)
    return DEPARTMENT


async def _audience_set(
    update: Update, context: BotContext, draft: NoticeDraft, audience: Audience
) -> int:
    """The audience is chosen: keep it, and ask for the notice."""
    found, _, language = context.services, context._, context.person.language
    draft.audience = StoredAudience.of(audience)
    context.keep(draft)
    if update.callback_query is not None:
        await update.callback_query.edit_message_text(
            _(
                "To: {audience}\n\nNow send the notice: text (up to {text:,} characters), or a "
                "photo or a PDF file with a caption (up to {caption:,})."
            ).format(
                audience=found.notices.describe_audience(audience, language),
                text=MAX_TEXT,
                caption=MAX_CAPTION,
            )
        )
    return CONTENT


def _language_name(code: str, context: BotContext) -> str:
    """A catalogue language named in the reader's language ("英语", "Chinese")."""
    name: str = Locale.parse(code).get_display_name(context.person.language) or code
    return name


async def _ask_translations(update: Update, context: BotContext, draft: NoticeDraft) -> int:
    """➕ each language not written yet, and 👀 Preview."""
    message = update.effective_message
    if message is None:
        return await _lost(update, context)
    found, _ = context.services, context._
    choices = [
        button(
            _("➕ {language} version").format(language=_language_name(code, context)),
            NoticeAddLanguage(code),
        )
        for code in found.i18n.languages
        if code not in draft.texts
    ]
    choices.append(button(_("👀 Preview"), NoticePreview()))
    await message.reply_text(
        _(
            "Recipients who read another language get the {language} text unless you add "
            "their version."
        ).format(language=_language_name(found.i18n.default_language, context)),
        reply_markup=keyboard(choices, 1),
    )
    return TRANSLATIONS


async def _ask_confirmation(update: Update, context: BotContext, draft: NoticeDraft) -> int:
    """How many people, and when: ✅ Confirm or ✖ Cancel."""
    chat = update.effective_chat
    if chat is None or draft.audience is None:
        return await _lost(update, context)
    found, _ = context.services, context._
    plural = found.i18n.translator(context.person.language).ngettext
    count = len(await found.notices.recipients(draft.audience.audience()))
    if draft.send_at is not None:
        when = draft.send_at.astimezone(_zone(context)).strftime(TIME_FORMAT)  # as typed
        text = plural(
            "Send this notice to {count:,} person at {when}?",
            "Send this notice to {count:,} people at {when}?",
            count,
        ).format(count=count, when=when)
    else:
        text = plural(
            "Send this notice to {count:,} person now?",
            "Send this notice to {count:,} people now?",
            count,
        ).format(count=count)
    choices = [button(_("✅ Confirm"), NoticeConfirm()), _abandon_button(_)]
    await chat.send_message(text, reply_markup=keyboard(choices, 2))
    return CONFIRM


def _content(draft: NoticeDraft) -> Content | None:
    """What the notice says, once its content has been received."""
    if draft.kind is None:
        return None
    return Content(draft.kind, dict(draft.texts), draft.file_id)


def _zone(context: BotContext) -> ZoneInfo:
    return context.services.config.general.tz


def _on(kind: type[CallbackData], callback: Step) -> BaseHandler[Update, BotContext, Any]:
    """A button step: `callback` for presses of `kind`."""
    return CallbackQueryHandler(callback, pattern=kind.pattern())


def build() -> list[BaseHandler[Update, BotContext, Any]]:
    """/notice (the guided flow), /notices and ✖ Cancel this notice."""
    private = filters.ChatType.PRIVATE
    not_command = ~filters.COMMAND
    composing: ConversationHandler[BotContext] = ConversationHandler(
        name="notice",
        persistent=True,
        entry_points=[CommandHandler("notice", begin, filters=private)],
        states={
            AUDIENCE: [_on(NoticeAudience, audience_chosen)],
            VILLAGES: [
                _on(NoticeToggleVillage, village_toggled),
                _on(NoticeVillagesDone, villages_done),
            ],
            HAMLET: [
                _on(NoticeHamletVillage, hamlet_village_chosen),
                _on(NoticeHamlet, hamlet_chosen),
            ],
            DEPARTMENT: [_on(NoticeDepartment, department_chosen)],
            CONTENT: [
                MessageHandler(
                    (filters.TEXT & not_command) | filters.PHOTO | filters.Document.ALL,
                    content_received,
                ),
                MessageHandler(not_command, hint(CONTENT)),
            ],
            TRANSLATIONS: [
                _on(NoticeAddLanguage, language_chosen),
                _on(NoticePreview, preview),
            ],
            TRANSLATION: [
                MessageHandler(filters.TEXT & not_command, translation_received),
                MessageHandler(not_command, hint(TRANSLATION)),
            ],
            WHEN: [
                _on(NoticeSendNow, send_now),
                _on(NoticeSendLater, ask_time),
                MessageHandler(filters.TEXT & not_command, time_received),
                MessageHandler(not_command, hint(WHEN)),
            ],
            CONFIRM: [_on(NoticeConfirm, confirmed)],
        },
        fallbacks=[CommandHandler("cancel", abandon), _on(NoticeAbandon, abandon)],
    )
    return [composing, *notice_progress.build()]
