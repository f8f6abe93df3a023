"""The buttons on report messages the notifier renders (task, office queue, reporter's check).

They live in `bot/` because `bot.delivery.notifier` builds them and must not import `handlers`; the
handlers that answer them import them from here (or through `handlers.buttons`).
"""

from __future__ import annotations

from bot.core.callbacks import CallbackData


class AcceptTask(CallbackData, prefix="acc"):
    """A grid member takes the report (was `v1:acc:<report>`)."""

    report_id: int


class NotMyArea(CallbackData, prefix="nma"):
    """A grid member says the report is not theirs; a reason follows (was `v1:nma:<report>`)."""

    report_id: int


class MarkFixed(CallbackData, prefix="fix"):
    """A grid member reports the fix; an after-photo follows (was `v1:fix:<report>`)."""

    report_id: int


class ConfirmFixed(CallbackData, prefix="ok"):
    """The reporter confirms the fix (was `v1:ok:<report>`)."""

    report_id: int


class StillThere(CallbackData, prefix="bad"):
    """The reporter says it is not fixed: the report reopens (was `v1:bad:<report>`)."""

    report_id: int


class AssignReport(CallbackData, prefix="asg"):
    """The office starts routing an unrouted report by hand (was `v1:asg:<report>`)."""

    report_id: int


class RejectReport(CallbackData, prefix="rej"):
    """The office rejects a report; a reason follows (was `v1:rej:<report>`)."""

    report_id: int


class AssignBack(CallbackData, prefix="oab"):
    """The office's Assign picker, from the hamlets back to the villages (new in v2)."""

    report_id: int


class AssignCancel(CallbackData, prefix="oax"):
    """The office's Assign picker closes: the card gets its Assign / Reject back (new in v2)."""

    report_id: int
