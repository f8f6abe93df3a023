"""The office sends a notice: /notice (audience → content → translations → preview → when →
confirm), watches one progress message while it goes out, and lists past notices (/notices)."""

from __future__ import annotations

import contextlib
import logging
from datetime import datetime
from pathlib import Path

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest, TelegramError
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.core import callbacks
from bot.delivery.audiences import Audience, AudienceKind
from bot.delivery.outbox import PartRefused, Unreachable
from bot.notices.service import (
    MAX_CAPTION,
    MAX_TEXT,
    Content,
    ContentKind,
    Notice,
    NoticeNotFound,
    NoticeState,
    Progress,
)
from bot.reporting.media import NotAnImage, photo_without_metadata
from handlers import news
from handlers.common import (
    Translate,
    end_flow,
    grid_markup,
    keep_picture,
    language_of,
    security,
    services,
    translator,
    village_buttons,
)
from handlers.delivery import sender_for

log = logging.getLogger(__name__)

AUDIENCE, VILLAGES, HAMLET, DEPARTMENT, CONTENT, TRANSLATIONS, TRANSLATION, WHEN, CONFIRM = range(9)

PICK_AUDIENCE = "na"
TOGGLE_VILLAGE, VILLAGES_DONE = "nv", "nvd"
HAMLET_VILLAGE, PICK_HAMLET = "nhv", "nh"
PICK_DEPARTMENT = "ndp"
ADD_LANGUAGE, NO_MORE_LANGUAGES = "ntl", "ntd"
SEND_NOW, SEND_LATER, CONFIRMED, ABANDON = "nsn", "nsl", "nok", "nxx"
CANCEL_NOTICE = "ncx"

DRAFT = "notice_draft"
TIME_FORMAT = "%Y-%m-%d %H:%M"


# -- the guided flow ------------------------------------------------------------------------------


async def begin(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """Step 1: who should receive it."""
    found = services(context)
    user = update.effective_user
    _ = await translator(update, context)
    if user is None or not found.people.is_office(user.id):
        await update.effective_message.reply_text(_("Sorry, /notice is for the town office."))
        return ConversationHandler.END
    context.user_data[DRAFT] = {"texts": {}}
    labels = [
        (AudienceKind.EVERYONE, _("👥 Everyone registered")),
        (AudienceKind.VILLAGES, _("🏘 One or more villages")),
        (AudienceKind.HAMLET, _("🏠 One hamlet")),
        (AudienceKind.GRID_MEMBERS, _("🧹 All grid members")),
        (AudienceKind.VILLAGE_LEADS, _("🧑‍🌾 Village leads")),
        (AudienceKind.DEPARTMENT, _("🏢 A department")),
    ]
    buttons = [
        InlineKeyboardButton(label, callback_data=callbacks.encode(PICK_AUDIENCE, kind))
        for kind, label in labels
    ]
    await update.effective_message.reply_text(
        _("📢 New notice. Who should receive it? (/cancel to stop)"),
        reply_markup=grid_markup([*buttons, _abandon_button(_)], 2),
    )
    return AUDIENCE


async def audience_chosen(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    query = update.callback_query
    data = callbacks.decode(query.data)
    await query.answer()
    try:
        kind = AudienceKind(data.str_arg() if data else "")
    except ValueError:
        return AUDIENCE
    _ = await translator(update, context)
    if kind == AudienceKind.VILLAGES:
        context.user_data[DRAFT]["villages"] = []
        await query.edit_message_text(
            _("Tap the villages (tap again to remove), then Done."),
            reply_markup=await _village_toggles(update, context),
        )
        return VILLAGES
    if kind == AudienceKind.HAMLET:
        await query.edit_message_text(
            _("Which village is the hamlet in?"),
            reply_markup=await _village_buttons(update, context, HAMLET_VILLAGE),
        )
        return HAMLET
    if kind == AudienceKind.DEPARTMENT:
        return await _ask_department(update, context)
    return await _audience_set(update, context, Audience(kind))


async def village_toggled(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    query = update.callback_query
    data = callbacks.decode(query.data)
    village_id = data.str_arg() if data else None
    chosen: list[str] = context.user_data[DRAFT]["villages"]
    if village_id in services(context).grid.villages:
        if village_id in chosen:
            chosen.remove(village_id)
        else:
            chosen.append(village_id)
    await query.answer()
    with contextlib.suppress(BadRequest):
        await query.edit_message_reply_markup(await _village_toggles(update, context))
    return VILLAGES


async def villages_done(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    chosen = context.user_data[DRAFT]["villages"]
    _ = await translator(update, context)
    if not chosen:
        await update.callback_query.answer(_("Tap at least one village first."), show_alert=True)
        return VILLAGES
    await update.callback_query.answer()
    return await _audience_set(update, context, Audience(AudienceKind.VILLAGES, tuple(chosen)))


async def hamlet_village_chosen(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    query = update.callback_query
    data = callbacks.decode(query.data)
    found = services(context)
    language = await language_of(update, context)
    _ = found.i18n.translator(language).gettext
    buttons = [
        InlineKeyboardButton(
            hamlet.label(language), callback_data=callbacks.encode(PICK_HAMLET, hamlet.id)
        )
        for hamlet in found.grid.hamlets_of(data.str_arg() if data else "")
    ]
    await query.answer()
    if not buttons:
        return HAMLET
    await query.edit_message_text(
        _("Which hamlet?"), reply_markup=grid_markup([*buttons, _abandon_button(_)], 2)
    )
    return HAMLET


async def hamlet_chosen(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    query = update.callback_query
    data = callbacks.decode(query.data)
    hamlet_id = data.str_arg() if data else None
    await query.answer()
    if hamlet_id not in services(context).grid.hamlets:
        return HAMLET
    return await _audience_set(update, context, Audience(AudienceKind.HAMLET, (hamlet_id,)))


async def department_chosen(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    query = update.callback_query
    data = callbacks.decode(query.data)
    key = data.str_arg() if data else None
    await query.answer()
    if key not in services(context).people.department_chats:
        return DEPARTMENT
    return await _audience_set(update, context, Audience(AudienceKind.DEPARTMENT, (key,)))


async def content_received(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """Step 2: the notice itself — text, or a photo or PDF with a caption."""
    message = update.effective_message
    found = services(context)
    _ = await translator(update, context)
    draft = context.user_data[DRAFT]
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
    if len(text) > limit:
        await message.reply_text(
            _(
                "That is {length:,} characters; a notice can have at most {limit:,} here. "
                "Please shorten it and send it again."
            ).format(length=len(text), limit=limit)
        )
        return CONTENT
    draft.update(kind=kind, file_id=file_id, texts={found.i18n.default_language: text})
    return await _ask_translations(update, context)


async def _picture_as_photo(
    context: ContextTypes.DEFAULT_TYPE, message: Message, _: Translate
) -> str | None:
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


async def language_chosen(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    query = update.callback_query
    data = callbacks.decode(query.data)
    found = services(context)
    code = data.str_arg() if data else None
    await query.answer()
    if code not in found.i18n.languages:
        return TRANSLATIONS
    context.user_data[DRAFT]["translating"] = code
    _ = await translator(update, context)
    language_name = found.i18n.translator(code).gettext("English")
    await query.edit_message_text(
        _("Send the {language} text of the notice.").format(language=language_name)
    )
    return TRANSLATION


async def translation_received(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    message = update.effective_message
    draft = context.user_data[DRAFT]
    _ = await translator(update, context)
    limit = MAX_TEXT if draft["kind"] == ContentKind.TEXT else MAX_CAPTION
    text = message.text.strip()
    if len(text) > limit:
        await message.reply_text(
            _(
                "That is {length:,} characters; a notice can have at most {limit:,} here. "
                "Please shorten it and send it again."
            ).format(length=len(text), limit=limit)
        )
        return TRANSLATION
    draft["texts"][draft.pop("translating")] = text
    return await _ask_translations(update, context)


async def preview(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """Step 3: the notice exactly as recipients will see it, in each language, and how many."""
    found = services(context)
    query = update.callback_query
    await query.answer()
    _ = await translator(update, context)
    draft = context.user_data[DRAFT]
    content, audience = _content(draft), _audience(draft)
    chat_id = update.effective_chat.id
    languages = await found.notices.languages_of(audience)
    shown = sorted(set(content.texts) | set(languages))
    sender = sender_for(context.bot, found.downloads, found.storage, found.clock)
    await query.edit_message_text(_("Preview — this is what recipients will see:"))
    for language in shown:
        try:
            for part in found.notices.render(content, language):
                await sender.send(chat_id, part)
        except (Unreachable, PartRefused) as error:
            log.warning("could not show the preview: %s", error)
            await context.bot.send_message(chat_id, _("Sorry, I could not show that file."))
            return CONTENT
    total = sum(languages.values())
    by_language = " · ".join(f"{code} {count:,}" for code, count in sorted(languages.items()))
    text = _("To: {audience}\nRecipients: {count:,}").format(
        audience=found.notices.describe_audience(audience, await language_of(update, context)),
        count=total,
    )
    if by_language:
        text += f" ({by_language})"
    if not total:
        text += "\n" + _("Nobody can receive this notice yet. /cancel and choose another audience.")
    buttons = [
        InlineKeyboardButton(_("📤 Send now"), callback_data=callbacks.encode(SEND_NOW)),
        InlineKeyboardButton(_("🕒 Send later"), callback_data=callbacks.encode(SEND_LATER)),
        _abandon_button(_),
    ]
    await context.bot.send_message(chat_id, text, reply_markup=grid_markup(buttons, 2))
    return WHEN


async def send_now(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    context.user_data[DRAFT]["send_at"] = None
    await update.callback_query.answer()
    return await _ask_confirmation(update, context)


async def ask_time(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    _ = await translator(update, context)
    await update.callback_query.answer()
    example = services(context).clock.now().astimezone(_zone(context)).strftime(TIME_FORMAT)
    await update.callback_query.edit_message_text(
        _("When should it go out? Send the date and time like {example} (local time).").format(
            example=example
        )
    )
    return WHEN


async def time_received(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    message = update.effective_message
    _ = await translator(update, context)
    try:
        when = datetime.strptime(message.text.strip(), TIME_FORMAT).replace(tzinfo=_zone(context))
    except ValueError:
        await message.reply_text(
            _("Sorry, I could not read that time. Please write it like 2026-12-01 08:00.")
        )
        return WHEN
    if when <= services(context).clock.now():
        await message.reply_text(_("That time has already passed. Please send a later one."))
        return WHEN
    context.user_data[DRAFT]["send_at"] = when.isoformat()
    return await _ask_confirmation(update, context)


async def confirmed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """Step 5: store the notice; the follow-up job sends it (now or at its time)."""
    found = services(context)
    query = update.callback_query
    user = update.effective_user
    _ = await translator(update, context)
    draft = context.user_data.pop(DRAFT, None)
    await query.answer()
    if draft is None or not found.people.is_office(user.id):
        security.warning("refused a notice confirmation from user %s", user.id)
        await query.edit_message_text(_("Sorry, this is not yours to do."))
        return ConversationHandler.END
    send_at = datetime.fromisoformat(draft["send_at"]) if draft.get("send_at") else None
    notice = await found.notices.create(user.id, _audience(draft), _content(draft), send_at)
    log.info("office admin %s created notice %d", user.id, notice.id)
    await found.audit.record(
        user.id,
        "notice",
        f"#{notice.id}",
        found.notices.describe_audience(notice.audience, found.i18n.default_language),
    )
    if send_at is None:
        await query.edit_message_text(_("✅ Notice #{id} is on its way.").format(id=notice.id))
        await follow_notices(context)
    else:
        await query.edit_message_text(
            _(
                "🕒 Notice #{id} will go out at {when}. "
                "/notices shows it, and it can be cancelled there."
            ).format(id=notice.id, when=found.notices.local_time(notice.send_at))
        )
    return ConversationHandler.END


async def abandon(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    _ = await translator(update, context)
    return await end_flow(update, context, DRAFT, _("Stopped. No notice was sent."))


def hint(state: int):
    """A message that does not fit the current step gets a reminder of what is expected."""

    async def remind(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
        _ = await translator(update, context)
        texts = {
            CONTENT: _(
                "Please send the notice as text, or as a photo or a PDF file with a caption."
            ),
            TRANSLATION: _("Please send the translation as text."),
            WHEN: _("Please use the buttons above, or send a time like 2026-12-01 08:00."),
        }
        await update.effective_message.reply_text(
            texts.get(state, _("Please use the buttons above, or /cancel."))
        )
        return state

    return remind


# -- following and cancelling ---------------------------------------------------------------------


async def follow_notices(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Every few seconds: start notices that are due, update progress, close finished ones."""
    found = services(context)
    await found.notices.start_due()
    for notice in await found.notices.sending():
        if notice.progress_message_id is None:
            await _post_progress(context, notice)
            continue
        progress = await found.notices.progress(notice.id)
        if progress.finished:
            progress = await found.notices.finish(notice.id)
        await _show_progress(context, progress)


async def list_notices(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/notices: the office sees past notices with their counts; villagers switch theirs."""
    found = services(context)
    user = update.effective_user
    if user is None or not found.people.is_office(user.id) or context.args:
        await news.notice_settings(update, context)
        return
    language = await language_of(update, context)
    _ = found.i18n.translator(language).gettext
    recent = await found.notices.recent()
    if not recent:
        await update.effective_message.reply_text(_("No notices yet. /notice writes one."))
        return
    for progress in reversed(recent):
        await update.effective_message.reply_text(
            found.notices.summary(progress, language),
            reply_markup=_cancel_markup(progress.notice, _),
        )


async def cancel_notice(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    found = services(context)
    query = update.callback_query
    user = update.effective_user
    data = callbacks.decode(query.data)
    notice_id = data.int_arg() if data else None
    language = await language_of(update, context)
    _ = found.i18n.translator(language).gettext
    if not found.people.is_office(user.id) or notice_id is None:
        security.warning("refused button %r from user %s", query.data, user.id)
        await query.answer(_("Sorry, this is not yours to do."), show_alert=True)
        return
    try:
        progress = await found.notices.cancel(notice_id)
    except NoticeNotFound:
        await query.answer(_("This button is no longer active."))
        return
    log.info("office admin %s cancelled notice %d", user.id, notice_id)
    await found.audit.record(user.id, "notice_cancel", f"#{notice_id}")
    await query.answer(_("Cancelled."))
    with contextlib.suppress(BadRequest):
        await query.edit_message_text(found.notices.summary(progress, language))
    if progress.notice.progress_message_id is not None:
        await _show_progress(context, progress)


# -- helpers --------------------------------------------------------------------------------------


async def _post_progress(context: ContextTypes.DEFAULT_TYPE, notice: Notice) -> None:
    found = services(context)
    language = found.i18n.pick(await found.storage.users.language(notice.author_id))
    _ = found.i18n.translator(language).gettext
    progress = await found.notices.progress(notice.id)
    try:
        message: Message = await context.bot.send_message(
            notice.author_id,
            found.notices.progress_text(progress, language),
            reply_markup=_cancel_markup(notice, _),
        )
    except TelegramError as error:
        log.warning("could not post the progress of notice %d: %s", notice.id, error)
        return
    await found.notices.set_progress_message(notice.id, message.chat_id, message.message_id)


async def _show_progress(context: ContextTypes.DEFAULT_TYPE, progress: Progress) -> None:
    """Edit the progress message: live counts while sending, the totals once closed."""
    found = services(context)
    notice = progress.notice
    if notice.progress_message_id is None or notice.progress_chat_id is None:
        return
    language = found.i18n.pick(await found.storage.users.language(notice.author_id))
    _ = found.i18n.translator(language).gettext
    if notice.state == NoticeState.SENDING:
        text = found.notices.progress_text(progress, language)
    else:
        text = found.notices.summary(progress, language)
    try:
        await context.bot.edit_message_text(
            text,
            chat_id=notice.progress_chat_id,
            message_id=notice.progress_message_id,
            reply_markup=_cancel_markup(notice, _),
        )
    except BadRequest as error:
        if "not modified" not in error.message:
            log.warning("could not update the progress of notice %d: %s", notice.id, error)
    except TelegramError as error:
        log.warning("could not update the progress of notice %d: %s", notice.id, error)


def _cancel_markup(notice: Notice, _: Translate) -> InlineKeyboardMarkup | None:
    if notice.state not in (NoticeState.SCHEDULED, NoticeState.SENDING):
        return None
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    _("✖ Cancel this notice"),
                    callback_data=callbacks.encode(CANCEL_NOTICE, notice.id),
                )
            ]
        ]
    )


def _abandon_button(_: Translate) -> InlineKeyboardButton:
    return InlineKeyboardButton(_("✖ Cancel"), callback_data=callbacks.encode(ABANDON))


async def _village_buttons(
    update: Update, context: ContextTypes.DEFAULT_TYPE, action: str
) -> InlineKeyboardMarkup:
    found = services(context)
    language = await language_of(update, context)
    _ = found.i18n.translator(language).gettext
    return grid_markup([*village_buttons(found, language, action), _abandon_button(_)], 3)


async def _village_toggles(
    update: Update, context: ContextTypes.DEFAULT_TYPE
) -> InlineKeyboardMarkup:
    found = services(context)
    language = await language_of(update, context)
    _ = found.i18n.translator(language).gettext
    chosen = context.user_data[DRAFT]["villages"]
    buttons = [
        InlineKeyboardButton(
            ("✅ " if village.id in chosen else "") + village.label(language),
            callback_data=callbacks.encode(TOGGLE_VILLAGE, village.id),
        )
        for village in sorted(found.grid.villages.values(), key=lambda village: village.id)
    ]
    done = InlineKeyboardButton(
        _("Done ({count})").format(count=len(chosen)), callback_data=callbacks.encode(VILLAGES_DONE)
    )
    return grid_markup([*buttons, done, _abandon_button(_)], 3)


async def _ask_department(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    found = services(context)
    language = await language_of(update, context)
    _ = found.i18n.translator(language).gettext
    buttons = [
        InlineKeyboardButton(
            found.config.departments[key].name.get(language),
            callback_data=callbacks.encode(PICK_DEPARTMENT, key),
        )
        for key in found.people.department_chats
    ]
    if not buttons:
        await update.callback_query.answer(
            _("No department has a group chat in the configuration."), show_alert=True
        )
        return AUDIENCE
    await update.callback_query.edit_message_text(
        _("Which department?"), reply_markup=grid_markup([*buttons, _abandon_button(_)], 1)
    )
    return DEPARTMENT


async def _audience_set(
    update: Update, context: ContextTypes.DEFAULT_TYPE, audience: Audience
) -> int:
    found = services(context)
    context.user_data[DRAFT]["audience"] = {"kind": audience.kind, "ids": list(audience.ids)}
    language = await language_of(update, context)
    _ = found.i18n.translator(language).gettext
    await update.callback_query.edit_message_text(
        _(
            "To: {audience}\n\nNow send the notice: text (up to {text:,} characters), or a photo "
            "or a PDF file with a caption (up to {caption:,})."
        ).format(
            audience=found.notices.describe_audience(audience, language),
            text=MAX_TEXT,
            caption=MAX_CAPTION,
        )
    )
    return CONTENT


async def _ask_translations(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    found = services(context)
    _ = await translator(update, context)
    written = context.user_data[DRAFT]["texts"]
    buttons = [
        InlineKeyboardButton(
            _("➕ {language} version").format(
                language=found.i18n.translator(code).gettext("English")
            ),
            callback_data=callbacks.encode(ADD_LANGUAGE, code),
        )
        for code in found.i18n.languages
        if code not in written
    ]
    buttons.append(
        InlineKeyboardButton(_("👀 Preview"), callback_data=callbacks.encode(NO_MORE_LANGUAGES))
    )
    await update.effective_message.reply_text(
        _(
            "Recipients who read another language get the {language} text unless you add "
            "their version."
        ).format(language=found.i18n.translator(found.i18n.default_language).gettext("English")),
        reply_markup=grid_markup(buttons, 1),
    )
    return TRANSLATIONS


async def _ask_confirmation(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    found = services(context)
    _ = await translator(update, context)
    draft = context.user_data[DRAFT]
    count = len(await found.notices.recipients(_audience(draft)))
    if draft.get("send_at"):
        when = found.notices.local_time(datetime.fromisoformat(draft["send_at"]))
        text = _("Send this notice to {count:,} people at {when}?").format(count=count, when=when)
    else:
        text = _("Send this notice to {count:,} people now?").format(count=count)
    buttons = [
        InlineKeyboardButton(_("✅ Confirm"), callback_data=callbacks.encode(CONFIRMED)),
        _abandon_button(_),
    ]
    await update.effective_chat.send_message(text, reply_markup=grid_markup(buttons, 2))
    return CONFIRM


def _audience(draft: dict) -> Audience:
    return Audience(AudienceKind(draft["audience"]["kind"]), tuple(draft["audience"]["ids"]))


def _content(draft: dict) -> Content:
    return Content(ContentKind(draft["kind"]), dict(draft["texts"]), draft.get("file_id"))


def _zone(context: ContextTypes.DEFAULT_TYPE):
    return services(context).config.general.tz


def build() -> list:
    private = filters.ChatType.PRIVATE
    on_button = CallbackQueryHandler
    not_command = ~filters.COMMAND
    abandon_button = on_button(abandon, pattern=callbacks.pattern(ABANDON))
    composing = ConversationHandler(
        name="notice",
        persistent=True,
        entry_points=[CommandHandler("notice", begin, filters=private)],
        states={
            AUDIENCE: [on_button(audience_chosen, pattern=callbacks.pattern(PICK_AUDIENCE))],
            VILLAGES: [
                on_button(village_toggled, pattern=callbacks.pattern(TOGGLE_VILLAGE)),
                on_button(villages_done, pattern=callbacks.pattern(VILLAGES_DONE)),
            ],
            HAMLET: [
                on_button(hamlet_village_chosen, pattern=callbacks.pattern(HAMLET_VILLAGE)),
                on_button(hamlet_chosen, pattern=callbacks.pattern(PICK_HAMLET)),
            ],
            DEPARTMENT: [on_button(department_chosen, pattern=callbacks.pattern(PICK_DEPARTMENT))],
            CONTENT: [
                MessageHandler(
                    (filters.TEXT & not_command) | filters.PHOTO | filters.Document.ALL,
                    content_received,
                ),
                MessageHandler(not_command, hint(CONTENT)),
            ],
            TRANSLATIONS: [
                on_button(language_chosen, pattern=callbacks.pattern(ADD_LANGUAGE)),
                on_button(preview, pattern=callbacks.pattern(NO_MORE_LANGUAGES)),
            ],
            TRANSLATION: [
                MessageHandler(filters.TEXT & not_command, translation_received),
                MessageHandler(not_command, hint(TRANSLATION)),
            ],
            WHEN: [
                on_button(send_now, pattern=callbacks.pattern(SEND_NOW)),
                on_button(ask_time, pattern=callbacks.pattern(SEND_LATER)),
                MessageHandler(filters.TEXT & not_command, time_received),
                MessageHandler(not_command, hint(WHEN)),
            ],
            CONFIRM: [on_button(confirmed, pattern=callbacks.pattern(CONFIRMED))],
        },
        fallbacks=[CommandHandler("cancel", abandon), abandon_button],
    )
    return [
        composing,
        CommandHandler("notices", list_notices),
        CallbackQueryHandler(cancel_notice, pattern=callbacks.pattern(CANCEL_NOTICE)),
    ]
