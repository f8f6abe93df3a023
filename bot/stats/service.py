"""The office's numbers for a period: replay the log, sum per group, rank the hamlets.

The figures are computed from `report_events` (never from running counters), as at the end
of the period, so a past month always gives the numbers that were published for it.

A complete period's figures (and the pictures drawn from them) are kept for the next question:
they depend only on events before its end, which are never rewritten, and on the place and
category of the reports created before its end. Both can still change in two ways, and either
drops the kept figures: a later step of such a report (moved to another hamlet, say — every
change of a report is a logged step), and a /forgetme of someone who did the work (their id
leaves the events; it must leave the figures too). A period still running is never kept.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import TypeVar
from zoneinfo import ZoneInfo

from bot.core.clock import Clock
from bot.core.config import Config
from bot.core.errors import Reason, Refused
from bot.core.i18n import I18n
from bot.people.directory import People
from bot.places.grid import Grid
from bot.stats.indicators import (
    ClosedSpot,
    Figures,
    ReportFacts,
    ReportHistory,
    combined,
    mark_recurrences,
    replay,
)
from bot.stats.periods import Period, PeriodKind, parse_period
from bot.stats.ranking import Ranking, rank_hamlets
from storage import Storage


@dataclass(frozen=True)
class Scope:
    """The whole town, one village, or one hamlet."""

    village_id: str | None = None
    hamlet_id: str | None = None

    def holds(self, facts: ReportFacts) -> bool:
        if self.hamlet_id is not None:
            return facts.hamlet_id == self.hamlet_id
        if self.village_id is not None:
            return facts.village_id == self.village_id
        return True


TOWN = Scope()
T = TypeVar("T")
"""What a complete period keeps with its figures (a picture, a text)."""


@dataclass(frozen=True)
class Request:
    """What the office asked for: `/stats 上月 那笔村` → last month, village 那笔村."""

    period: Period
    scope: Scope


@dataclass
class PeriodFigures:
    period: Period
    as_at: datetime
    facts: list[ReportFacts]
    town: Figures
    villages: dict[str, Figures]
    hamlets: dict[str, Figures]
    members: dict[int, Figures]
    categories: dict[str, Figures]
    ranking: Ranking
    complete: bool = False
    """The period had ended when these were computed: they are kept, with `pictures`."""
    pictures: dict[tuple[str, ...], bytes] = field(default_factory=dict)
    """Pictures drawn from these figures, by what they show (only for complete periods)."""
    texts: dict[tuple[str, ...], str] = field(default_factory=dict)
    """Texts written from these figures, by what they say (only for complete periods)."""
    sent: dict[tuple[str, ...], str] = field(default_factory=dict)
    """The chat platform's id of each picture once sent, to send it again without uploading
    it again (only for complete periods, by the same keys as `pictures`)."""

    def kept(
        self, store: dict[tuple[str, ...], T], key: tuple[str, ...], make: Callable[[], T]
    ) -> T:
        """`make()`, kept in `store` (`pictures` or `texts`) when the period is complete:
        dropped with these figures, never outliving them."""
        if not self.complete:
            return make()
        value = store.get(key)
        if value is None:
            value = store[key] = make()
        return value

    def figures_for(self, scope: Scope) -> Figures:
        if scope.hamlet_id is not None:
            return self.hamlets[scope.hamlet_id]
        if scope.village_id is not None:
            return self.villages[scope.village_id]
        return self.town

    def facts_in(self, scope: Scope) -> list[ReportFacts]:
        return [facts for facts in self.facts if scope.holds(facts)]


@dataclass(frozen=True)
class Sums:
    """A period's facts and the sums of its hamlets and villages before the recurrences are
    counted in (theirs read 0 here): what the period chart shows, ready before the rest."""

    period: Period
    facts: list[ReportFacts]
    hamlets: dict[str, Figures]
    villages: dict[str, Figures]

    def facts_in(self, scope: Scope) -> list[ReportFacts]:
        return [facts for facts in self.facts if scope.holds(facts)]


@dataclass
class _Kept:
    """A complete period's figures, with what would tell that they are no longer right."""

    figures: PeriodFigures
    last_event_id: int
    workers: set[int]
    known_workers: int


class StatsService:
    KEPT_PERIODS = 1
    """Complete periods kept at once: the office looks at one period at a time (summary, then
    ranking, map, export), and a year of 10,000 reports keeps some 9 MiB of facts (a second
    one kept took the bot's peak after /stats for three years and a report past 120 MiB)."""

    def __init__(
        self,
        *,
        storage: Storage,
        config: Config,
        grid: Grid,
        people: People,
        i18n: I18n,
        clock: Clock,
    ) -> None:
        self._repository = storage.stats
        self._config = config
        self._grid = grid
        self._people = people
        self._i18n = i18n
        self._clock = clock
        self.rules = config.stats
        self._kept: OrderedDict[tuple[str, str], _Kept] = OrderedDict()

    @property
    def tz(self) -> ZoneInfo:
        return self._config.general.tz

    # -- what the office asks (each checks the right itself) -------------------------------------

    def require_office(self, actor_id: int, command: str) -> None:
        """`Refused(OFFICE_ONLY)` unless the actor is an office admin (`command` for the words)."""
        if not self._people.is_office(actor_id):
            raise Refused(Reason.OFFICE_ONLY, command=command, subject=f"/{command} by {actor_id}")

    def request(
        self, actor_id: int, command: str, words: list[str], *, with_place: bool
    ) -> Request | None:
        """An office admin's `/command [period] [place]`; None if the words name no period
        (or a place where `with_place` is False)."""
        self.require_office(actor_id, command)
        request = self.parse(words, PeriodKind.MONTH)
        if request is None or (request.scope.village_id and not with_place):
            return None
        return request

    async def answer(
        self,
        actor_id: int,
        command: str,
        request: Request,
        *,
        summed: Callable[[Sums], None] | None = None,
    ) -> PeriodFigures:
        """The figures an office admin asked for (see `figures`)."""
        self.require_office(actor_id, command)
        return await self.figures(request.period, summed=summed)

    async def export_counts(self, actor_id: int, figures: PeriodFigures) -> dict[int, int]:
        """The "+1" counts of an office admin's export (see `duplicate_counts`)."""
        self.require_office(actor_id, "export")
        return await self.duplicate_counts(figures)

    # -- the figures themselves (also for the digests, which no person asks for) ---------------

    def parse(self, words: list[str], default: PeriodKind = PeriodKind.MONTH) -> Request | None:
        """`[period] [village or hamlet name]`, both optional (the current `default` period,
        the whole town); None if a word is neither."""
        now = self._clock.now()
        period = parse_period("", now, self.tz, self._i18n, default)
        place_words = list(words)
        if words:
            first = parse_period(words[0], now, self.tz, self._i18n, default)
            if first is not None:
                period, place_words = first, words[1:]
        if not place_words:
            return Request(period, TOWN) if period else None
        scope = self.find_place(" ".join(place_words))
        return Request(period, scope) if period and scope else None

    def find_place(self, text: str) -> Scope | None:
        """A village or hamlet by id or by name in any language (case-insensitive)."""
        wanted = text.strip().lower()
        for village in self._grid.villages.values():
            if wanted in {village.id.lower(), village.name.lower(), village.name_en.lower()}:
                return Scope(village_id=village.id)
        for hamlet in self._grid.hamlets.values():
            if wanted in {hamlet.id.lower(), hamlet.name.lower(), hamlet.name_en.lower()}:
                return Scope(village_id=hamlet.village_id, hamlet_id=hamlet.id)
        return None

    def keeps(self, period: Period) -> bool:
        """Whether the period's figures are kept (a hint: `figures` still checks them)."""
        return (period.kind.value, period.key) in self._kept

    async def figures(
        self, period: Period, *, summed: Callable[[Sums], None] | None = None
    ) -> PeriodFigures:
        """Every indicator of the period, per group, as at its end (or now); a complete
        period's from the last time they were computed while nothing has changed them.
        Computed afresh, they are first handed to `summed` as `Sums` (all that the chart
        needs), so the chart can be drawn while the recurrences and the ranking are found."""
        now = self._clock.now()
        key = (period.kind.value, period.key)
        kept = self._kept.get(key)
        if kept is not None and await self._still_right(kept, period):
            self._kept.move_to_end(key)
            return kept.figures
        self._kept.pop(key, None)
        if period.ended(now):
            # This one will be kept: what it replaces goes now, not after it is computed.
            while len(self._kept) >= self.KEPT_PERIODS:
                self._kept.popitem(last=False)
        last_event_id = await self._repository.last_event_id()
        as_at = period.as_at(now)
        window = timedelta(days=self.rules.recurrence_window_days)
        facts = await self._replayed(period, as_at)
        sums = await asyncio.to_thread(self._sums, facts)
        if summed is not None:
            hamlets, villages = self._groups(sums[0])
            summed(Sums(period, facts, hamlets, villages))
        # Spots closed in the period are the period's own closed reports (every report with a
        # step in it was replayed); only the window before it is read.
        spots = await self._repository.closed_spots(period.start - window, period.start)
        spots += [
            ClosedSpot(report.latitude, report.longitude, report.finished_at)
            for report in facts
            if report.closed
            and report.finished_at is not None
            and report.latitude is not None
            and report.longitude is not None
        ]
        figures = await asyncio.to_thread(self._compute, period, as_at, facts, sums, spots)
        if period.ended(now):
            figures.complete = True
            workers = {facts.worker_id for facts in figures.facts if facts.worker_id is not None}
            known = await self._repository.known_people(workers)
            self._kept[key] = _Kept(figures, last_event_id, workers, known)
            while len(self._kept) > self.KEPT_PERIODS:  # another one computed meanwhile
                self._kept.popitem(last=False)
        return figures

    async def _still_right(self, kept: _Kept, period: Period) -> bool:
        """No step since on a report the period could show, and nobody who worked on one
        has been forgotten."""
        if await self._repository.changed_since(kept.last_event_id, period.end):
            return False
        return await self._repository.known_people(kept.workers) == kept.known_workers

    async def duplicate_counts(self, figures: PeriodFigures) -> dict[int, int]:
        """ "+1"s on each report received in the period (for the export)."""
        return await self._repository.duplicate_counts(figures.period.start, figures.as_at)

    async def _replayed(self, period: Period, as_at: datetime) -> list[ReportFacts]:
        """Every relevant report's facts, each chunk of reports replayed as soon as it is read,
        in the reading thread (so at most one chunk's events are held at once)."""
        return await self._repository.replayed(
            period.start, as_at, partial(self._replay, period, as_at)
        )

    def _replay(
        self, period: Period, as_at: datetime, histories: list[ReportHistory]
    ) -> list[ReportFacts]:
        """Each report's facts for the period (a chunk of reports at a time)."""
        start, end = period.start.timestamp(), as_at.timestamp()
        categories = self._config.categories
        longest = max(category.fix_hours for category in categories.values())
        return [
            replay(
                history,
                start,
                end,
                categories[history.category].fix_hours
                if history.category in categories
                else longest,
            )
            for history in histories
        ]

    def _sums(
        self, facts: list[ReportFacts]
    ) -> tuple[dict[str | None, Figures], dict[str, Figures]]:
        """The facts summed per hamlet and per category, in one pass (recurrences not yet
        marked: `_compute` counts them in)."""
        places: dict[str | None, Figures] = defaultdict(Figures)
        categories: dict[str, Figures] = defaultdict(Figures)
        for report in facts:
            places[report.hamlet_id].add(report)
            categories[report.category].add(report)
        return places, categories

    def _groups(
        self, places: dict[str | None, Figures]
    ) -> tuple[dict[str, Figures], dict[str, Figures]]:
        """Every hamlet's figures (with its households) and every village's, from the sums."""
        hamlets = {
            key: combined([places.get(key, Figures())], hamlet.households)
            for key, hamlet in self._grid.hamlets.items()
        }
        villages = {
            key: combined(
                [hamlets[hamlet.id] for hamlet in self._grid.hamlets_of(key)],
                sum(hamlet.households for hamlet in self._grid.hamlets_of(key)),
            )
            for key in self._grid.villages
        }
        return hamlets, villages

    def _compute(
        self,
        period: Period,
        as_at: datetime,
        facts: list[ReportFacts],
        sums: tuple[dict[str | None, Figures], dict[str, Figures]],
        spots: list[ClosedSpot],
    ) -> PeriodFigures:
        """The recurrences marked and counted into the sums, then every group and the ranking."""
        places, by_category = sums
        mark_recurrences(
            facts,
            spots,
            radius_m=self.rules.recurrence_radius_m,
            window_days=self.rules.recurrence_window_days,
        )
        for report in facts:
            if report.recurrence:
                places[report.hamlet_id].recurrences += 1
                by_category[report.category].recurrences += 1
        hamlets, villages = self._groups(places)
        members = {
            member: combined(
                [hamlets[key] for key in self._people.hamlets_of_member(member)],
                sum(hamlets[key].households for key in self._people.hamlets_of_member(member)),
            )
            for member in self._people.all_grid_members()
        }
        town = combined(
            places.values(), sum(hamlet.households for hamlet in self._grid.hamlets.values())
        )
        ranking = rank_hamlets(
            hamlets,
            self.rules.weights,
            min_cases=self.rules.min_cases_to_rank,
            top_n=self.rules.top,
        )
        return PeriodFigures(
            period=period,
            as_at=as_at,
            facts=facts,
            town=town,
            villages=villages,
            hamlets=hamlets,
            members=members,
            categories=dict(by_category),
            ranking=ranking,
        )
