"""The period's figures as people read them — texts (`texts`), the chart and the map
(`pictures`), and the XLSX / CSV export (`export`) — always in the reader's language, through
one object the handlers and the digest hold."""

from __future__ import annotations

from bot.stats.export import StatsExport
from bot.stats.pictures import StatsPictures
from bot.stats.texts import StatsTexts


class StatsPresenter(StatsTexts, StatsPictures, StatsExport):
    """Every presentation of the figures (each part shares `Labels`: names and words)."""
