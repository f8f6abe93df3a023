"""Who may hear a report's voice description, and the office passing it on in words.

A voice identifies its speaker, and the grid member is the reporter's neighbour: unless the
reporter chose "the grid member too", only the office hears the voice. The grid member's card
then says a voice description exists; an office admin can relay it as a short text, which the
grid member receives as the office's words (and every later card shows).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Final, Literal

from bot.core.audit import AuditLog
from bot.core.callbacks import CallbackData
from bot.core.clock import Clock
from bot.core.errors import Reason, Refused
from bot.core.models import Report
from bot.people.directory import People
from storage import Storage

if TYPE_CHECKING:  # the notifier renders this module's button
    from bot.delivery.notifier import Notifier

VoiceAudience = Literal["office", "member"]
OFFICE_ONLY: Final = "office"
MEMBER_TOO: Final = "member"
AUDIENCES = (OFFICE_ONLY, MEMBER_TOO)
MAX_RELAY_CHARS = 500


class RelayVoice(CallbackData, prefix="vrel"):
    """An office admin passes a report's voice description on to the grid member in words."""

    report_id: int


def member_may_hear(report: Report) -> bool:
    """Whether the reporter let the grid member (and departments, leads) hear their voice."""
    return report.voice_audience == MEMBER_TOO


class VoiceRelay:
    """Relays the office's words for a voice only the office may hear (audited, via outbox)."""

    def __init__(
        self, *, storage: Storage, people: People, notifier: Notifier, audit: AuditLog, clock: Clock
    ) -> None:
        self._storage = storage
        self._people = people
        self._notifier = notifier
        self._audit = audit
        self._clock = clock

    async def may_relay(self, report_id: int, actor_id: int) -> Report:
        """The report, if `actor_id` may relay its voice; otherwise Refused."""
        if not self._people.is_office(actor_id):
            raise Refused(Reason.OFFICE_ONLY, subject=f"report {report_id}")
        report = await self._storage.reports.get(report_id)
        if report is None or not report.has_voice:
            raise Refused(Reason.REPORT_GONE, subject=f"report {report_id}")
        return report

    async def relay(self, report_id: int, actor_id: int, words: str) -> Report:
        """Keep the words on the report and send them to its grid members, in one transaction."""
        report = await self.may_relay(report_id, actor_id)
        words = words[:MAX_RELAY_CHARS]
        async with self._storage.database.transaction() as connection:
            await self._storage.reports.update(
                connection, report_id, self._clock.now(), voice_relay=words
            )
            await self._audit.record(actor_id, "relay_voice", report.number, connection=connection)
            relayed = replace(report, voice_relay=words)
            await self._notifier.voice_relayed(connection, relayed)
        return relayed
