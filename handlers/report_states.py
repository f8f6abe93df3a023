"""The report conversation's steps, its reply-keyboard buttons, and the villager's draft as the
steps read it (`handlers.drafts.ReportDraft`, kept in persisted user data)."""

from __future__ import annotations

import uuid

from telegram.ext import filters

from bot.core.i18n import N_
from handlers.context import BotContext
from handlers.drafts import ReportDraft

PHOTO, LOCATION, VILLAGE, HAMLET, CATEGORY, CONFIRM = range(6)

PICK_HAMLET_BUTTON = N_("🏘 Pick village and hamlet")
SHARE_LOCATION_BUTTON = N_("📍 Share my location")
PHOTO_LOCATION_BUTTON = N_("📷 Use the photo's location")

IMAGE = filters.PHOTO | filters.Document.IMAGE


def draft_of(context: BotContext) -> ReportDraft:
    """The villager's draft, or an empty one (none yet, or it no longer fits)."""
    return context.draft(ReportDraft) or ReportDraft()


def new_draft() -> ReportDraft:
    """An empty draft with its own id: the report made from it keeps the id, once only."""
    return ReportDraft(id=uuid.uuid4().hex)
