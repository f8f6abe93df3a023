"""The buttons of the work on a report: the office routes it, a grid member skips the fix note,
the office issues a rectification order and retries a failed delivery."""

from __future__ import annotations

from bot.core.callbacks import CallbackData

# -- the office routes a report (handlers.office) -------------------------------------------------


class AssignVillage(CallbackData, prefix="oav"):
    """Assign, step 1: the village the report goes to."""

    report_id: int
    village_id: str


class AssignHamlet(CallbackData, prefix="oah"):
    """Assign, step 2: the hamlet (one with a grid member) the report goes to."""

    report_id: int
    hamlet_id: str


# -- a grid member works a report (handlers.tasks) -----------------------------------------------


class SkipFixNote(CallbackData, prefix="fsk"):
    """After the after-photo: no note."""


# -- the office issues a rectification order (handlers.orders) ------------------------------------


class OrderVillage(CallbackData, prefix="zv"):
    """The village the order is for."""

    village_id: str


class OrderHamlet(CallbackData, prefix="zh"):
    """The hamlet the order is for."""

    hamlet_id: str


class OrderWholeVillage(CallbackData, prefix="zw"):
    """The whole village: the order goes to the village lead."""


class OrderSkipPhoto(CallbackData, prefix="zps"):
    """No photo with the order."""


class OrderDeadline(CallbackData, prefix="zd"):
    """The deadline, in days from today."""

    days: int


class IssueOrder(CallbackData, prefix="zok"):
    """Issue the previewed order."""


class OrderAbandon(CallbackData, prefix="zxx"):
    """Leave the order flow; nothing is issued."""


# -- failed deliveries (handlers.deliveries) ------------------------------------------------------


class RetryDelivery(CallbackData, prefix="dlr"):
    """/deliveries: send a failed notification again."""

    failure_id: int
