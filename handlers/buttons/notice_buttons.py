"""The buttons of the office's notice wizard (handlers.notices and its steps)."""

from __future__ import annotations

from bot.core.callbacks import CallbackData
from bot.delivery.audiences import AudienceKind

# -- the office sends a notice (handlers.notices) -------------------------------------------------


class NoticeAudience(CallbackData, prefix="na"):
    """Who receives the notice."""

    kind: AudienceKind


class NoticeToggleVillage(CallbackData, prefix="nv"):
    """Tick or untick a village of the audience."""

    village_id: str


class NoticeVillagesDone(CallbackData, prefix="nvd"):
    """The ticked villages are the audience."""


class NoticeHamletVillage(CallbackData, prefix="nhv"):
    """The village whose hamlets to offer."""

    village_id: str


class NoticeHamlet(CallbackData, prefix="nh"):
    """The one hamlet that receives the notice."""

    hamlet_id: str


class NoticeDepartment(CallbackData, prefix="ndp"):
    """The department (a `[departments]` key) that receives the notice."""

    department: str


class NoticeAddLanguage(CallbackData, prefix="ntl"):
    """Add a translation in this language."""

    language: str


class NoticePreview(CallbackData, prefix="ntd"):
    """No more translations: show the preview."""


class NoticeSendNow(CallbackData, prefix="nsn"):
    """Send the notice as soon as it is confirmed."""


class NoticeSendLater(CallbackData, prefix="nsl"):
    """Ask when to send the notice."""


class NoticeConfirm(CallbackData, prefix="nok"):
    """Confirm the previewed notice."""


class NoticeAbandon(CallbackData, prefix="nxx"):
    """Leave the notice flow; nothing is sent."""


class CancelNotice(CallbackData, prefix="ncx"):
    """Cancel a scheduled or sending notice from its progress message."""

    notice_id: int
