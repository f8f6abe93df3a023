"""Top-N / Bottom-N hamlets (十佳坡、十差坡) from the period's figures and configured weights."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.config import RankingWeights
from bot.stats.indicators import Figures


@dataclass(frozen=True)
class Ranked:
    hamlet_id: str
    rank: int
    score: float
    figures: Figures


@dataclass(frozen=True)
class Ranking:
    ranked: list[Ranked]
    """Every hamlet with enough cases, best first."""
    unjudged: list[str]
    """Hamlets with too few cases due in the period to judge, by id."""
    top_n: int

    @property
    def top(self) -> list[Ranked]:
        return self.ranked[: self.top_n]

    @property
    def bottom(self) -> list[Ranked]:
        """The worst N not already in the top, worst first."""
        rest = self.ranked[len(self.top) :]
        return rest[::-1][: self.top_n]

    def of(self, hamlet_id: str) -> Ranked | None:
        return next((entry for entry in self.ranked if entry.hamlet_id == hamlet_id), None)


def rank_hamlets(
    hamlets: dict[str, Figures], weights: RankingWeights, *, min_cases: int, top_n: int
) -> Ranking:
    """Score = 100 × weighted mean of on-time closure rate, 1 − rework rate, 1 − recurrence
    rate and a volume part: 1 for the fewest reports per 100 households among the ranked
    hamlets, 0 for the most, linear between. Ties go to the better on-time rate, then the id."""
    judged = {key: figures for key, figures in hamlets.items() if figures.due >= min_cases}
    volumes = [figures.per_100_households or 0.0 for figures in judged.values()]
    low, high = (min(volumes), max(volumes)) if volumes else (0.0, 0.0)
    parts_weight = weights.on_time + weights.rework + weights.recurrence + weights.volume
    scored = []
    for key, figures in judged.items():
        volume = figures.per_100_households or 0.0
        parts = (
            weights.on_time * (figures.on_time_rate or 0.0)
            + weights.rework * (1 - min(1.0, figures.rework_rate or 0.0))
            + weights.recurrence * (1 - (figures.recurrence_rate or 0.0))
            + weights.volume * (1.0 if high == low else (high - volume) / (high - low))
        )
        scored.append((round(100 * parts / parts_weight, 1), figures.on_time_rate or 0.0, key))
    scored.sort(key=lambda item: (-item[0], -item[1], item[2]))
    ranked = [
        Ranked(key, position, score, judged[key])
        for position, (score, _, key) in enumerate(scored, start=1)
    ]
    unjudged = sorted(key for key in hamlets if key not in judged)
    return Ranking(ranked, unjudged, top_n)
