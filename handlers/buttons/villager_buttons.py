"""The buttons a villager presses: language, a report's place, category and Submit, where they
live and notices on or off, and /forgetme's confirmation."""

from __future__ import annotations

from bot.core.callbacks import CallbackData

# -- everyone: language ---------------------------------------------------------------------------


class ChooseLanguage(CallbackData, prefix="lang"):
    """/lang: switch the person's language to a catalogue code."""

    language: str


# -- a villager reports (handlers.reporting) -----------------------------------------------------


class ReportVillage(CallbackData, prefix="rv"):
    """The village of the problem, picked by name."""

    village_id: str


class ReportHamlet(CallbackData, prefix="rh"):
    """The hamlet of the problem, picked by name."""

    hamlet_id: str


class ReportCategory(CallbackData, prefix="rc"):
    """What kind of problem (a `[categories]` key of the configuration)."""

    category: str


class SubmitReport(CallbackData, prefix="rs"):
    """Send the confirmed report."""


class ReportBack(CallbackData, prefix="rb"):
    """One step back in the report."""


class ReportCancel(CallbackData, prefix="rx"):
    """Drop the report being written."""


# -- where a villager lives, notices on or off (handlers.news) ------------------------------------


class HomeVillage(CallbackData, prefix="hv"):
    """The village the person lives in."""

    village_id: str


class HomeHamlet(CallbackData, prefix="hh"):
    """The hamlet the person lives in."""

    hamlet_id: str


class SkipHome(CallbackData, prefix="hsk"):
    """Do not say where one lives (asked again only with /home)."""


class HomeBack(CallbackData, prefix="hbk"):
    """From the hamlets back to the villages."""


class SwitchNotices(CallbackData, prefix="nsw"):
    """Turn office notices on (True) or off (False)."""

    on: bool


# -- data rights (handlers.privacy) ---------------------------------------------------------------


class ForgetYes(CallbackData, prefix="fgy"):
    """/forgetme: yes, delete my data."""


class ForgetNo(CallbackData, prefix="fgn"):
    """/forgetme: keep it."""
