"""The indicators (definitions in the README), as pure functions of the event log.

Each report's events up to the period's "as at" moment are replayed once into `ReportFacts`
(what happened to it in the period, and where it stood at the end); facts are then summed
per town, village, hamlet, grid member and category into `Figures`. Nothing is counted
incrementally, so any past period can be recomputed and gives the same answer.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import NamedTuple, TypeVar

from bot.reporting.lifecycle import TASK_STATES, Action, State

TERMINAL_STATES = frozenset({State.CLOSED, State.REJECTED, State.DUPLICATE})
CLOCK_STARTS = frozenset({Action.ROUTE, Action.ASSIGN, Action.REOPEN})
"""Steps that hand the work to a grid member and start a fresh fix deadline."""

HOUR = 3600.0
# The replay compares every event with these: plain strings, as a member of `State` or
# `Action` is looked up on its class at each use (some 100 ns, a year's 50,000 events ×
# several tests each).
_CLOCK_STARTS = frozenset(action.value for action in CLOCK_STARTS)
_TERMINAL = frozenset(state.value for state in TERMINAL_STATES)
_TASK_STATES = frozenset(state.value for state in TASK_STATES)
_DEFER, _NOT_MY_AREA, _ESCALATE = (
    Action.DEFER.value,
    Action.NOT_MY_AREA.value,
    Action.ESCALATE.value,
)
_SUBMITTED, _ACCEPTED, _FIXED = State.SUBMITTED.value, State.ACCEPTED.value, State.FIXED.value
_REOPENED, _CLOSED, _REJECTED = State.REOPENED.value, State.CLOSED.value, State.REJECTED.value
METRES_PER_DEGREE = 111_195.0
"""Along a meridian, and along a parallel at the equator (mean Earth radius)."""

K = TypeVar("K")
"""The key figures are grouped by (`by_key`)."""


class LoggedEvent(NamedTuple):
    """One row of `report_events` as the indicators read it: times in POSIX seconds, the
    action named (old rows are named from their states), and no person except who accepted
    or fixed. A plain tuple, because a year of a town is some 50,000 of them."""

    report_id: int
    id: int
    at: float
    from_state: str | None
    to_state: str
    action: str | None
    due_at: float | None = None
    worker_id: int | None = None


class ReportHistory(NamedTuple):
    """A report as the replay reads it: its place and category, and its events in order (a
    plain tuple: a year of a town is read as 10,000 of them)."""

    id: int
    category: str
    hamlet_id: str | None
    village_id: str | None
    latitude: float | None
    longitude: float | None
    events: list[LoggedEvent]


@dataclass(slots=True)
class ReportFacts:
    """What one report contributes to a period, replayed from its events before "as at".
    Times are POSIX seconds (see `moment`)."""

    id: int
    category: str
    hamlet_id: str | None
    village_id: str | None
    latitude: float | None
    longitude: float | None
    received_at: float
    received: bool = False
    duplicate: bool = False
    rejected: bool = False
    due: bool = False
    closed: bool = False
    closed_on_time: bool = False
    fixes: int = 0
    reopens: int = 0
    escalations: int = 0
    overdue: bool = False
    recurrence: bool = False
    accept_hours: tuple[float, ...] = ()
    fix_hours: tuple[float, ...] = ()
    """Hours from each clock start to acceptance and to fix in the period (tuples: most are
    empty or one long, and a year of a town keeps 10,000 reports' facts)."""
    state: str = State.SUBMITTED
    deadline: float | None = None
    """The fix deadline in force at the end (None while nobody has to fix it)."""
    worker_id: int | None = None
    """The last grid member (or office admin) who accepted or fixed it."""
    assigned_at: float | None = None
    accepted_at: float | None = None
    fixed_at: float | None = None
    finished_at: float | None = None
    """Closed, rejected or marked a duplicate (whichever ended it)."""

    @property
    def is_open(self) -> bool:
        return self.state not in _TERMINAL

    @property
    def new_report(self) -> bool:
        """Received in the period and not a "+1" on a report already open."""
        return self.received and not self.duplicate


def moment(seconds: float | None) -> datetime | None:
    return datetime.fromtimestamp(seconds, UTC) if seconds is not None else None


def replay(
    history: ReportHistory, start: float, as_at: float, fallback_fix_hours: float
) -> ReportFacts:
    """The report's facts for the period [start, as_at) (POSIX seconds), from its events in
    order; events at or after `as_at` are ignored. `fallback_fix_hours` dates the deadline of
    old clock starts that did not record the one they set.

    The deadline in force is set by the latest route/assign/reopen (or a deferral) and
    cleared when the report is handed back to the office; a fix is on time when it is made
    by the deadline then in force; a closed report was closed on time when its last fix was.
    """
    events = history.events
    facts = ReportFacts(
        history.id,
        history.category,
        history.hamlet_id,
        history.village_id,
        history.latitude,
        history.longitude,
        events[0][2] if events else as_at,
    )
    deadline = clock = None
    was_case = finished_before = last_fix_on_time = False
    state: str = _SUBMITTED
    for _, _, at, old, new, action, due, worker in events:
        if at >= as_at:
            break
        in_period = at >= start
        if action in _CLOCK_STARTS:
            clock = facts.assigned_at = at
            deadline = due if due is not None else at + fallback_fix_hours * HOUR
            was_case = True
        elif action == _DEFER:
            deadline = due if due is not None else deadline
        elif action == _NOT_MY_AREA:
            deadline = clock = None
        elif action == _ESCALATE and in_period:
            facts.escalations += 1
        if worker is not None:
            facts.worker_id = worker
        state = new
        if old == new:
            continue
        if new == _ACCEPTED:
            facts.accepted_at = at
            if in_period and clock is not None:
                facts.accept_hours += ((at - clock) / HOUR,)
        elif new == _FIXED:
            facts.fixed_at = at
            last_fix_on_time = deadline is not None and at <= deadline
            if in_period:
                facts.fixes += 1
                if clock is not None:
                    facts.fix_hours += ((at - clock) / HOUR,)
        elif new == _REOPENED:
            facts.reopens += in_period and old == _FIXED
        elif new in _TERMINAL:
            facts.finished_at = at
            if not in_period:
                finished_before = True
            elif new == _CLOSED:
                facts.closed = True
                facts.closed_on_time = last_fix_on_time
            elif new == _REJECTED:
                facts.rejected = True
            else:
                facts.duplicate = True
        elif old is None and in_period:
            facts.received = True
    facts.state = state
    facts.deadline = deadline
    late = deadline is not None and deadline < as_at
    facts.due = (
        was_case and not finished_before and (facts.closed or (state not in _TERMINAL and late))
    )
    facts.overdue = late and state in _TASK_STATES
    return facts


class ClosedSpot(NamedTuple):
    latitude: float
    longitude: float
    closed_at: float
    """POSIX seconds."""


def mark_recurrences(
    facts: list[ReportFacts], spots: list[ClosedSpot], *, radius_m: float, window_days: float
) -> None:
    """Flag new reports made within `radius_m` of a spot closed in the `window_days` before
    them, on a local flat projection (over a town exact to far below GPS noise). A GEOS tree
    of the spots gives each report the few spots near it, all reports in one query; the exact
    distance and the time window are then checked on those pairs, with numpy."""
    import numpy  # loaded with the first figures, not at start-up
    import shapely

    placed = [report for report in facts if report.new_report and report.latitude is not None]
    if not placed or not spots:
        return
    metres_per_degree_lon = METRES_PER_DEGREE * math.cos(math.radians(placed[0].latitude or 0))
    spot_y, spot_x, closed_at = (
        numpy.array(column, dtype=float) for column in zip(*spots, strict=True)
    )
    spot_y *= METRES_PER_DEGREE
    spot_x *= metres_per_degree_lon
    y = numpy.array([report.latitude or 0.0 for report in placed]) * METRES_PER_DEGREE
    x = numpy.array([report.longitude or 0.0 for report in placed]) * metres_per_degree_lon
    received = numpy.array([report.received_at for report in placed])
    tree = shapely.STRtree(shapely.points(spot_x, spot_y))
    # A hair wider than the radius: which pairs are near is decided below, by the same sum
    # of squares as always, not by GEOS's rounding of a square root.
    report, spot = tree.query(
        shapely.points(x, y), predicate="dwithin", distance=radius_m * (1 + 1e-9)
    )
    closed = closed_at[spot]
    near = (
        ((y[report] - spot_y[spot]) ** 2 + (x[report] - spot_x[spot]) ** 2 <= radius_m * radius_m)
        & (closed >= received[report] - window_days * 86_400)
        & (closed < received[report])
    )
    recurring = set(report[near].tolist())
    for index, facts_of_report in enumerate(placed):
        facts_of_report.recurrence = index in recurring


class _Ratio:
    """A rate of `Figures`, read as an attribute: `scale` × one count ÷ another (None for ÷ 0)."""

    def __init__(self, part: str, whole: str, *, scale: int = 1) -> None:
        self._part, self._whole, self._scale = part, whole, scale

    def __get__(self, figures: Figures, owner: type[Figures] | None = None) -> float | None:
        return _ratio(getattr(figures, self._part) * self._scale, getattr(figures, self._whole))


class _Percentile:
    """A nearest-rank percentile of one of the hours lists of `Figures`, read as an attribute."""

    def __init__(self, hours: str, percent: float) -> None:
        self._hours, self._percent = hours, percent

    def __get__(self, figures: Figures, owner: type[Figures] | None = None) -> float | None:
        return percentile(getattr(figures, self._hours), self._percent)


@dataclass
class Figures:
    """The indicators of one group (a hamlet, a village, a grid member, a category, the town)."""

    households: int = 0
    received: int = 0
    duplicates: int = 0
    rejected: int = 0
    new_reports: int = 0
    due: int = 0
    closed: int = 0
    closed_on_time: int = 0
    fixes: int = 0
    reopens: int = 0
    overdue: int = 0
    open_at_end: int = 0
    escalations: int = 0
    recurrences: int = 0
    accept_hours: list[float] = field(default_factory=list)
    fix_hours: list[float] = field(default_factory=list)

    def add(self, facts: ReportFacts) -> None:
        self.received += facts.received
        self.duplicates += facts.received and facts.duplicate
        self.rejected += facts.rejected
        self.new_reports += facts.new_report
        self.due += facts.due
        self.closed += facts.closed
        self.closed_on_time += facts.closed_on_time
        self.fixes += facts.fixes
        self.reopens += facts.reopens
        self.overdue += facts.overdue
        self.open_at_end += facts.is_open
        self.escalations += facts.escalations
        self.recurrences += facts.recurrence
        self.accept_hours.extend(facts.accept_hours)
        self.fix_hours.extend(facts.fix_hours)

    closure_rate = _Ratio("closed", "due")
    """结案率: closed ÷ due in the period."""
    on_time_rate = _Ratio("closed_on_time", "due")
    """按期结案率: closed with the fix made by its deadline ÷ due in the period."""
    rework_rate = _Ratio("reopens", "fixes")
    """返工率: reopenings by the reporter ÷ fixes, both in the period."""
    recurrence_rate = _Ratio("recurrences", "new_reports")
    per_100_households = _Ratio("new_reports", "households", scale=100)
    accept_p50 = _Percentile("accept_hours", 50)
    accept_p90 = _Percentile("accept_hours", 90)
    fix_p50 = _Percentile("fix_hours", 50)
    fix_p90 = _Percentile("fix_hours", 90)


_COUNTS = (
    "received",
    "duplicates",
    "rejected",
    "new_reports",
    "due",
    "closed",
    "closed_on_time",
    "fixes",
    "reopens",
    "overdue",
    "open_at_end",
    "escalations",
    "recurrences",
)


def percentile(values: list[float], percent: float) -> float | None:
    """Nearest-rank percentile: the smallest value with at least `percent`% at or below it."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(percent / 100 * len(ordered)))
    return ordered[rank - 1]


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def by_key(facts: Iterable[ReportFacts], key: Callable[[ReportFacts], K]) -> dict[K, Figures]:
    """Figures per value of `key` (each report in exactly one group)."""
    groups: dict[K, Figures] = defaultdict(Figures)
    for report in facts:
        groups[key(report)].add(report)
    return groups


def combined(parts: Iterable[Figures], households: int = 0) -> Figures:
    """The figures of a union of disjoint groups (hamlets → a village, a member, the town)."""
    figures = Figures(households=households)
    for part in parts:
        for name in _COUNTS:
            setattr(figures, name, getattr(figures, name) + getattr(part, name))
        figures.accept_hours.extend(part.accept_hours)
        figures.fix_hours.extend(part.fix_hours)
    return figures
