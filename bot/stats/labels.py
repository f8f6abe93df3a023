"""What every presentation of the office's numbers shares: the names of places, categories
and workers in the reader's language, the status groups, and how a rate or an hour is written.
No reporter identity is ever read here: facts carry none.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot.core.config import Config
from bot.core.i18n import N_, I18n
from bot.people.directory import People
from bot.places.grid import Grid, Village
from bot.reporting.lifecycle import State
from bot.stats.indicators import ReportFacts
from bot.stats.service import Scope

Translate = Callable[[str], str]

STATUS_GROUPS = (
    (N_("closed"), {State.CLOSED}),
    (N_("fixed, awaiting the reporter"), {State.FIXED}),
    (N_("in progress"), {State.SUBMITTED, State.ASSIGNED, State.ACCEPTED, State.REOPENED}),
    (N_("rejected"), {State.REJECTED}),
    (N_("duplicate (+1)"), {State.DUPLICATE}),
)


def percent(value: float | None) -> str:
    return f"{value * 100:.1f}%" if value is not None else "–"


def number(value: float | None) -> str:
    return f"{value:.1f}" if value is not None else "–"


def list_separator(language: str) -> str:
    """Between names in a list: "那笔坡、花围坡" in Chinese, "Nabi Po, Huawei Po" otherwise."""
    return "、" if language == "zh" else ", "


class Labels:
    """The names and words the texts, pictures and exports share (see `StatsPresenter`)."""

    def __init__(self, *, config: Config, grid: Grid, people: People, i18n: I18n) -> None:
        self._config = config
        self._grid = grid
        self._people = people
        self._i18n = i18n
        self._member_names = {member.user_id: member.name for member in config.grid_members}

    def _(self, language: str) -> Translate:
        return self._i18n.translator(language).gettext

    def place_label(self, scope: Scope, language: str) -> str:
        _ = self._(language)
        if scope.hamlet_id is not None:
            hamlet = self._grid.hamlets[scope.hamlet_id]
            village = self._grid.villages[hamlet.village_id]
            return f"{village.label(language)} · {hamlet.label(language)}"
        if scope.village_id is not None:
            return self._grid.villages[scope.village_id].label(language)
        return _("Santang Town")

    def hamlet_label(self, hamlet_id: str | None, language: str) -> str:
        hamlet = self._grid.hamlets.get(hamlet_id or "")
        return hamlet.label(language) if hamlet else "–"

    def village_label(self, village_id: str | None, language: str) -> str:
        village = self._grid.villages.get(village_id or "")
        return village.label(language) if village else "–"

    def category_label(self, key: str, language: str) -> str:
        category = self._config.categories.get(key)
        return category.label.get(language) if category else key

    def worker_label(self, worker_id: int | None, language: str) -> str:
        if worker_id is None:
            return "–"
        return self._member_names.get(worker_id) or self._(language)("Town office")

    def local(self, when: datetime | None) -> str:
        tz = self._config.general.tz
        return when.astimezone(tz).strftime("%Y-%m-%d %H:%M") if when else "–"

    def _villages(self) -> list[Village]:
        return sorted(self._grid.villages.values(), key=lambda village: village.id)

    def _status(self, report: ReportFacts, language: str) -> str:
        _ = self._(language)
        return next(_(label) for label, states in STATUS_GROUPS if report.state in states)
