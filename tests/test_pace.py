"""The pace on a fake clock: the emulator's own window never refuses what it lets through, a
429 costs a small step, and the rate climbs back gently."""

from __future__ import annotations

import asyncio
import heapq
import math
import random

import pytest

from bot.delivery.pace import Pace
from bot.emulator.limits import Window
from tests.conftest import Town
from tests.test_notices import compose, final_summary, living_in, send_now


class FakeSeconds:
    """A monotonic clock that moves only when told."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def pace_at(per_second: float) -> tuple[Pace, FakeSeconds]:
    clock = FakeSeconds()
    return Pace(per_second, clock), clock


def run(pace: Pace, clock: FakeSeconds, latencies: list[float]) -> list[tuple[float, float]]:
    """Send once per latency as soon as the pace allows; (start, answer) of each send."""
    answers: list[float] = []
    sends = []
    for latency in latencies:
        while (delay := pace.wait()) != 0:
            soonest_answer = answers[0] if answers else math.inf
            clock.now = soonest_answer if delay is None else min(clock.now + delay, soonest_answer)
            while answers and answers[0] <= clock.now:
                heapq.heappop(answers)
                pace.end()
        pace.start()
        heapq.heappush(answers, clock.now + latency)
        sends.append((clock.now, clock.now + latency))
    return sends


def refused_by_emulator(admissions: list[float], limit: int) -> int:
    """How many of these moments the emulator's one-second window would answer with 429."""
    window, refused = Window(limit, 1.0), 0
    for moment in sorted(admissions):
        if window.wait(moment) > 0:
            refused += 1
        else:
            window.record(moment)
    return refused


def test_sends_are_evenly_spaced_at_the_rate() -> None:
    pace, clock = pace_at(10)
    assert pace.wait() == 0
    pace.start()
    assert pace.wait() == pytest.approx(0.1)
    clock.now = 0.1
    assert pace.wait() == 0


def test_a_full_window_waits_for_a_send_to_be_answered_then_a_second_more() -> None:
    pace, clock = pace_at(2)
    for moment in (0.0, 0.5):
        clock.now = moment
        pace.start()
    clock.now = 0.6
    assert pace.wait() is None  # both still in flight: nobody knows when the server took them
    clock.now = 0.7
    pace.end()
    assert pace.wait() == pytest.approx(1.0)  # the answer at 0.7 counts until 1.7


@pytest.mark.parametrize("taken", ["at the start", "at the answer", "early ones late"])
def test_the_emulator_never_refuses_whenever_the_server_took_each_send(taken: str) -> None:
    pace, clock = pace_at(30)
    jitter = random.Random(15)
    latencies = [jitter.choice((0.005, 0.02, 0.3, 0.9)) for _ in range(600)]
    sends = run(pace, clock, latencies)
    admissions = {
        "at the start": [start for start, _ in sends],
        "at the answer": [answer for _, answer in sends],
        "early ones late": [
            answer if index % 2 else start for index, (start, answer) in enumerate(sends)
        ],
    }[taken]
    assert refused_by_emulator(admissions, 30) == 0


def test_quick_answers_keep_the_rate_close_to_the_budget() -> None:
    pace, clock = pace_at(30)
    sends = run(pace, clock, [0.01] * 301)
    assert 300 / sends[-1][0] > 0.95 * 30


@pytest.mark.parametrize(
    ("second_send_at", "next_in"),
    [(0.11, 0.09), (5.0, 0.1)],
    ids=["a slightly late wake-up is made up by the next send", "a stall saves up no burst"],
)
def test_a_late_send_and_the_schedule(second_send_at: float, next_in: float) -> None:
    pace, clock = pace_at(10)
    pace.start()
    clock.now = second_send_at
    pace.start()
    assert pace.wait() == pytest.approx(next_in)


def test_a_429_of_one_second_slows_by_a_small_step() -> None:
    pace, _ = pace_at(100)
    pace.slow_down(1)
    assert pace.current == pytest.approx(95)
    assert pace.budget == 95


def test_a_longer_429_slows_more_but_at_most_by_a_fifth() -> None:
    pace, _ = pace_at(100)
    pace.slow_down(2)
    assert pace.current == pytest.approx(90)
    pace.slow_down(3600)  # an hour's ban
    assert pace.current == pytest.approx(72)


def test_the_rate_never_falls_below_a_tenth() -> None:
    pace, _ = pace_at(100)
    for _ in range(50):
        pace.slow_down(10)
    assert pace.current == pytest.approx(10)


def test_the_rate_climbs_back_gently_after_a_calm_spell() -> None:
    pace, clock = pace_at(100)
    pace.slow_down(1)
    clock.now = Pace.RECOVERY_SECONDS
    assert pace.current == pytest.approx(95)
    clock.now = Pace.RECOVERY_SECONDS + 2
    assert pace.current == pytest.approx(97)
    clock.now = Pace.RECOVERY_SECONDS + 60
    assert pace.current == pytest.approx(100)


async def test_a_send_counts_from_entering_the_pace_until_a_window_after_leaving() -> None:
    pace, clock = pace_at(1)
    async with pace:
        assert pace.wait() is None
    clock.now = 0.5
    assert pace.wait() == pytest.approx(0.5)


async def test_the_progress_message_takes_its_turns_in_the_outbox_pace(
    town: Town, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert town.bot.application is not None and town.bot.worker is not None
    pace = town.bot.application.bot_data["services"].pace
    assert town.bot.worker.pace is pace
    senders: list[str] = []
    start = pace.start

    def counted() -> None:
        senders.append(asyncio.current_task().get_name())  # type: ignore[union-attr]
        start()

    monkeypatch.setattr(pace, "start", counted)
    for index in range(3):
        await living_in(town, 615001 + index, "那笔坡")
    await send_now(town, await compose(town, "everyone", "周六大扫除"))
    await final_summary(town)
    deliveries = [name for name in senders if name.startswith("outbox-")]
    assert len(deliveries) >= 3
    assert len(senders) - len(deliveries) >= 2, "the progress message: posted, then edited"
