"""The pickers every flow shares: place (village → hamlet), audience, department, date and
time, and the one way a wizard ends. Built on the typed buttons (`handlers.buttons`).

Each picker reproduces the keyboards the flows build today, button for button and with the
same msgids, so the catalogues need no change and the stories' assertions hold:

| picker                         | replaces                                                     |
|--------------------------------|--------------------------------------------------------------|
| `PlacePicker.villages/hamlets` | reporting.ask_village/village_chosen (+ `_inline`),          |
|                                | office.choose_village/choose_hamlet, orders.begin/           |
|                                | village_chosen, news._villages/village_chosen, invitations.  |
|                                | _villages/_show_hamlets, notices._village_buttons/_village_  |
|                                | toggles/                                                     |
|                                | hamlet_village_chosen, new_schedule.audience_chosen/          |
|                                | hamlet_village_chosen, common.village_buttons                 |
| `audience_keyboard`            | notices.begin, new_schedule's audience step (`_ask_audience`)|
| `department_keyboard`          | notices._ask_department, new_schedule.audience_chosen        |
| `time_keyboard`, `day_keyboard`, `month_keyboard`, `quarter_month_keyboard`,              |
| `weekday_toggles`, `deadline_keyboard` | new_schedule._ask_time/_ask_day/repeat_chosen/       |
|                                | _weekday_toggles, orders._ask_deadline                       |
| `end_wizard`                   | common.end_flow, reporting.cancel                            |

And the keyboards the services describe: `inline_markup` (their plain `Button`s) and
`drop_buttons` (a pressed message's keyboard removed).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from functools import partial

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.error import BadRequest
from telegram.ext import ConversationHandler

from bot.core.callbacks import CallbackData
from bot.core.i18n import N_
from bot.delivery.audiences import AudienceKind
from bot.delivery.outbox import Button as OutboxButton
from bot.places.grid import Grid, Hamlet
from bot.schedules.recurrence import LAST_DAY, MAX_DAY
from bot.schedules.service import WEEKDAY_LABELS
from handlers import buttons

Translate = Callable[[str], str]
ReplyMarkup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove
Choice = Callable[[str], CallbackData]
"""An id (village, hamlet, department, time) → the payload of its button."""

BACK = N_("⬅ Back")
CANCEL = N_("✖ Cancel")
TICK = "✅ "

NOTICE_AUDIENCES = (
    (AudienceKind.EVERYONE, N_("👥 Everyone registered")),
    (AudienceKind.VILLAGES, N_("🏘 One or more villages")),
    (AudienceKind.HAMLET, N_("🏠 One hamlet")),
    (AudienceKind.GRID_MEMBERS, N_("🧹 All grid members")),
    (AudienceKind.VILLAGE_LEADS, N_("🧑‍🌾 Village leads")),
    (AudienceKind.DEPARTMENT, N_("🏢 A department")),
)
"""Who a notice can go to, in the order offered (handlers.notices.begin)."""

SCHEDULE_AUDIENCES = (
    (AudienceKind.EVERYONE, N_("👥 Everyone registered")),
    (AudienceKind.VILLAGES, N_("🏘 A village")),
    (AudienceKind.HAMLET, N_("🏠 One hamlet")),
    (AudienceKind.GRID_MEMBERS, N_("🧹 All grid members")),
    (AudienceKind.VILLAGE_LEADS, N_("🧑‍🌾 Village leads")),
    (AudienceKind.VILLAGE_STAFF, N_("🔍 Grid members and lead of a village")),
    (AudienceKind.DEPARTMENT, N_("🏢 A department")),
)
"""Who a schedule's messages can go to (handlers.new_schedule's audience step)."""

COMMON_TIMES = ("07:00", "08:00", "09:00", "10:00", "14:00", "16:00", "18:00", "20:00")
QUARTER_MONTHS = (
    (1, N_("1st month (Jan, Apr, Jul, Oct)")),
    (2, N_("2nd month (Feb, May, Aug, Nov)")),
    (3, N_("3rd month (Mar, Jun, Sep, Dec)")),
)


# -- building blocks -----------------------------------------------------------------------------


def button(label: str, data: CallbackData) -> InlineKeyboardButton:
    """One inline button carrying a typed payload."""
    return InlineKeyboardButton(label, callback_data=data.pack())


def ticked(label: str, on: bool) -> str:
    """A toggle's label: ✅ in front when it is chosen."""
    return TICK + label if on else label


def keyboard(
    buttons: Sequence[InlineKeyboardButton],
    per_row: int,
    *,
    footer: Sequence[InlineKeyboardButton] = (),
) -> InlineKeyboardMarkup:
    """Buttons `per_row` to a row, then `footer` (if any) as a row of its own."""
    rows = [list(buttons[index : index + per_row]) for index in range(0, len(buttons), per_row)]
    if footer:
        rows.append(list(footer))
    return InlineKeyboardMarkup(rows)


# -- village → hamlet ----------------------------------------------------------------------------


@dataclass(frozen=True)
class PlacePicker:
    """Village, then hamlet, for one flow: the payloads its buttons carry and its layout.

    `extra` buttons (Skip, Done, the whole village) go after the places; then ⬅ Back (if the
    step has one) and ✖ Cancel, either in the flow of buttons or, with `own_row`, on a row
    of their own below it (as the report flow does).
    """

    village: Choice
    hamlet: Choice
    cancel: CallbackData | None = None
    back: CallbackData | None = None
    back_from_villages: bool = False
    back_from_hamlets: bool = False
    own_row: bool = False
    villages_per_row: int = 3
    hamlets_per_row: int = 2
    sort_hamlets: bool = True
    """False keeps the grid file's order (the notice flow's hamlet step does today)."""
    only: Callable[[Hamlet], bool] | None = field(default=None)
    """Offer only these hamlets (the office's Assign: hamlets with a grid member)."""

    def villages(
        self,
        grid: Grid,
        language: str,
        _: Translate,
        *,
        chosen: Collection[str] | None = None,
        extra: Sequence[InlineKeyboardButton] = (),
    ) -> InlineKeyboardMarkup:
        """Every village in id order; with `chosen`, as toggles (✅ on the chosen ones)."""
        places = [
            button(
                ticked(village.label(language), village.id in chosen)
                if chosen is not None
                else village.label(language),
                self.village(village.id),
            )
            for village in sorted(grid.villages.values(), key=lambda village: village.id)
        ]
        return self._layout(places, self.villages_per_row, _, extra, self.back_from_villages)

    def hamlets(
        self,
        grid: Grid,
        village_id: str,
        language: str,
        _: Translate,
        *,
        chosen: Collection[str] | None = None,
        extra: Sequence[InlineKeyboardButton] = (),
    ) -> InlineKeyboardMarkup | None:
        """The hamlets of a village (None if it has none to offer, or is unknown)."""
        hamlets = [
            hamlet
            for hamlet in grid.hamlets_of(village_id)
            if self.only is None or self.only(hamlet)
        ]
        if not hamlets:
            return None
        if self.sort_hamlets:
            hamlets.sort(key=lambda hamlet: hamlet.id)
        places = [
            button(
                ticked(hamlet.label(language), hamlet.id in chosen)
                if chosen is not None
                else hamlet.label(language),
                self.hamlet(hamlet.id),
            )
            for hamlet in hamlets
        ]
        return self._layout(places, self.hamlets_per_row, _, extra, self.back_from_hamlets)

    def _layout(
        self,
        places: list[InlineKeyboardButton],
        per_row: int,
        _: Translate,
        extra: Sequence[InlineKeyboardButton],
        with_back: bool,
    ) -> InlineKeyboardMarkup:
        closing = []
        if with_back and self.back is not None:
            closing.append(button(_(BACK), self.back))
        if self.cancel is not None:
            closing.append(button(_(CANCEL), self.cancel))
        if self.own_row:
            return keyboard([*places, *extra], per_row, footer=closing)
        return keyboard([*places, *extra, *closing], per_row)


# -- the place pickers of each flow, as the flows lay them out today ------------------------------

REPORT_PLACES = PlacePicker(
    village=buttons.ReportVillage,
    hamlet=buttons.ReportHamlet,
    back=buttons.ReportBack(),
    cancel=buttons.ReportCancel(),
    back_from_villages=True,
    back_from_hamlets=True,
    own_row=True,
)
"""handlers.reporting: ask_village, village_chosen."""

HOME_PLACES = PlacePicker(
    village=buttons.HomeVillage,
    hamlet=buttons.HomeHamlet,
    back=buttons.HomeBack(),
    back_from_hamlets=True,
)
"""handlers.news: _villages (with Skip as `extra`), village_chosen."""

ORDER_PLACES = PlacePicker(buttons.OrderVillage, buttons.OrderHamlet, buttons.OrderAbandon())
"""handlers.orders: begin, village_chosen (with "the whole village" as `extra`)."""
NOTICE_VILLAGE_TOGGLES = PlacePicker(
    buttons.NoticeToggleVillage, buttons.NoticeHamlet, buttons.NoticeAbandon()
)
"""handlers.notices: _village_toggles (`chosen`, Done as `extra`)."""
NOTICE_HAMLET_PLACES = PlacePicker(
    buttons.NoticeHamletVillage, buttons.NoticeHamlet, buttons.NoticeAbandon(), sort_hamlets=False
)
"""handlers.notices: _village_buttons(HAMLET_VILLAGE), hamlet_village_chosen."""
SCHEDULE_HAMLET_PLACES = PlacePicker(
    buttons.ScheduleHamletVillage, buttons.ScheduleHamlet, buttons.ScheduleAbandon()
)
"""handlers.new_schedule: audience_chosen (a hamlet), hamlet_village_chosen."""
INVITE_PLACES = PlacePicker(buttons.InviteVillage, buttons.InviteToggleHamlet, buttons.StopInvite())
"""handlers.invitations: _villages, _show_hamlets (`chosen`, Done ➡ as `extra`)."""


def schedule_village_places(kind: AudienceKind) -> PlacePicker:
    """handlers.new_schedule: audience_chosen for a village's people or its staff."""
    return PlacePicker(
        village=partial(buttons.ScheduleVillage, kind),
        hamlet=buttons.ScheduleHamlet,
        cancel=buttons.ScheduleAbandon(),
    )


def assign_places(report_id: int, has_grid_member: Callable[[Hamlet], bool]) -> PlacePicker:
    """handlers.office: choose_village, choose_hamlet (only hamlets with a grid member)."""
    return PlacePicker(
        village=partial(buttons.AssignVillage, report_id),
        hamlet=partial(buttons.AssignHamlet, report_id),
        only=has_grid_member,
    )


# -- audience and department -----------------------------------------------------------------


def audience_keyboard(
    _: Translate,
    choices: Iterable[tuple[AudienceKind, str]],
    pick: Callable[[AudienceKind], CallbackData],
    cancel: CallbackData,
) -> InlineKeyboardMarkup:
    """Who receives it (NOTICE_AUDIENCES or SCHEDULE_AUDIENCES), two to a row, then ✖ Cancel."""
    buttons = [button(_(label), pick(kind)) for kind, label in choices]
    return keyboard([*buttons, button(_(CANCEL), cancel)], 2)


def department_keyboard(
    _: Translate,
    departments: Iterable[tuple[str, str]],
    pick: Choice,
    cancel: CallbackData,
) -> InlineKeyboardMarkup | None:
    """One department (key, name in the person's language) per row, then ✖ Cancel; None if
    no department has a group chat."""
    buttons = [button(name, pick(key)) for key, name in departments]
    if not buttons:
        return None
    return keyboard([*buttons, button(_(CANCEL), cancel)], 1)


# -- date and time ---------------------------------------------------------------------------


def time_keyboard(
    _: Translate, pick: Choice, cancel: CallbackData, times: Sequence[str] = COMMON_TIMES
) -> InlineKeyboardMarkup:
    """Common times of day (HH:MM, local), four to a row; the payload carries HHMM."""
    buttons = [button(at, pick(at.replace(":", ""))) for at in times]
    return keyboard([*buttons, button(_(CANCEL), cancel)], 4)


def day_keyboard(
    _: Translate, pick: Callable[[int], CallbackData], cancel: CallbackData
) -> InlineKeyboardMarkup:
    """Days 1–28 of the month and "Last day", a week to a row."""
    buttons = [button(str(day), pick(day)) for day in range(1, MAX_DAY + 1)]
    buttons.append(button(_("Last day"), pick(LAST_DAY)))
    return keyboard([*buttons, button(_(CANCEL), cancel)], 7)


def month_keyboard(
    _: Translate, pick: Callable[[int], CallbackData], cancel: CallbackData
) -> InlineKeyboardMarkup:
    """Months 1–12, four to a row."""
    buttons = [button(str(month), pick(month)) for month in range(1, 13)]
    return keyboard([*buttons, button(_(CANCEL), cancel)], 4)


def quarter_month_keyboard(
    _: Translate, pick: Callable[[int], CallbackData], cancel: CallbackData
) -> InlineKeyboardMarkup:
    """Which month of each quarter, one per row."""
    buttons = [button(_(label), pick(month)) for month, label in QUARTER_MONTHS]
    return keyboard([*buttons, button(_(CANCEL), cancel)], 1)


def weekday_toggles(
    _: Translate,
    chosen: Collection[int],
    toggle: Callable[[int], CallbackData],
    done: CallbackData,
    cancel: CallbackData,
) -> InlineKeyboardMarkup:
    """Monday to Sunday as toggles, Done (with the count) and ✖ Cancel, four to a row."""
    buttons = [
        button(ticked(_(label), index in chosen), toggle(index))
        for index, label in enumerate(WEEKDAY_LABELS)
    ]
    finish = button(_("Done ({count})").format(count=len(chosen)), done)
    return keyboard([*buttons, finish, button(_(CANCEL), cancel)], 4)


def deadline_keyboard(
    _: Translate, days: Sequence[int], pick: Callable[[int], CallbackData], cancel: CallbackData
) -> InlineKeyboardMarkup:
    """Deadlines in days from today, four to a row."""
    buttons = [button(_("{days} days").format(days=count), pick(count)) for count in days]
    return keyboard([*buttons, button(_(CANCEL), cancel)], 4)


def inline_markup(rows: Sequence[Sequence[OutboxButton]]) -> InlineKeyboardMarkup:
    """Telegram buttons from the services' plain `Button`s."""
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(each.label, callback_data=each.data) for each in row]
            for row in rows
        ]
    )


async def drop_buttons(update: Update) -> None:
    """Remove the pressed message's buttons; harmless if that is no longer possible."""
    query = update.callback_query
    if query is None:
        return
    with contextlib.suppress(BadRequest):
        await query.edit_message_reply_markup(None)


# -- the end of a wizard -----------------------------------------------------------------------


async def end_wizard(update: Update, text: str, *, reply_markup: ReplyMarkup | None = None) -> int:
    """Leave a guided flow after /cancel or a Cancel button (the caller drops its draft first,
    `context.drop(Kind)`): a pressed message turns into `text`; a command gets `text` as a
    reply (with `reply_markup`, e.g. the main keyboard). Ends the conversation."""
    query = update.callback_query
    if query is not None:
        await query.answer()
        if reply_markup is None:
            with contextlib.suppress(BadRequest):
                await query.edit_message_text(text)
            return ConversationHandler.END
        with contextlib.suppress(BadRequest):
            await query.edit_message_reply_markup(None)
    if update.effective_chat is not None:
        await update.effective_chat.send_message(text, reply_markup=reply_markup)
    return ConversationHandler.END
