"""What the office sees of deliveries that went wrong, and its Retry.

A part Telegram refused (our bug) or a notification given up after its retries is kept by the
outbox worker. Office admins list them with `/deliveries`: who (a role and place, never a
reporter's identity), which report, why. The office chat gets one short batched line at most
every `TELL_EVERY_SECONDS`, so a storm of failures cannot flood it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from html import escape
from typing import Any
from zoneinfo import ZoneInfo

from bot.core.audit import AuditLog
from bot.core.clock import Clock
from bot.core.errors import Reason, Refused
from bot.core.i18n import N_, I18n
from bot.core.when import moment_text
from bot.delivery.outbox import Notification, Outbox, Part, Priority, Worded
from bot.delivery.parts import version_in
from bot.people.directory import People, Role
from bot.places.grid import Grid
from storage import Storage
from storage.deliveries import FailureRow

LISTED = 20
TOLD_AT_ONCE = 5
TELL_EVERY_SECONDS = 60
PART_NAMES = {
    "text": N_("message"),
    "photo": N_("photo"),
    "album": N_("photos"),
    "location": N_("map pin"),
    "voice": N_("voice note"),
    "document": N_("file"),
}
"""A refused part as the office reads it (Telegram's own error text stays in the log)."""
CAUSES = (
    ("blocked", N_("they blocked the bot")),
    ("deactivated", N_("their Telegram account is deleted")),
    ("chat not found", N_("the chat no longer exists")),
    ("kicked", N_("the bot was removed from the group")),
)
OWN_LINES = "deliveries"
"""The meta kind of the office-chat line itself: its own failure is never announced again."""


class DeliveryFailures:
    def __init__(
        self,
        *,
        storage: Storage,
        people: People,
        grid: Grid,
        i18n: I18n,
        outbox: Outbox,
        audit: AuditLog,
        clock: Clock,
        department_names: dict[str, dict[str, str]],
        timezone: ZoneInfo,
    ) -> None:
        self._storage = storage
        self._people = people
        self._grid = grid
        self._i18n = i18n
        self._outbox = outbox
        self._audit = audit
        self._clock = clock
        self._department_names = department_names
        self._timezone = timezone

    def _require_office(self, actor_id: int) -> None:
        """Only office admins may see and retry failed deliveries."""
        if not self._people.is_office(actor_id):
            raise Refused(Reason.OFFICE_ONLY, command="deliveries", subject="/deliveries")

    async def open(self, actor_id: int) -> list[FailureRow]:
        """The failures nobody has retried yet, newest first; office admins only."""
        self._require_office(actor_id)
        return await self._storage.deliveries.open_failures(LISTED)

    async def retry(self, actor_id: int, failure_id: int) -> FailureRow | None:
        """Queue the failed delivery again (audited); None if it is unknown or retried."""
        self._require_office(actor_id)
        failure = await self._storage.deliveries.get(failure_id)
        if failure is None:
            return None
        open_ids = {row.id for row in await self._storage.deliveries.open_failures(10_000)}
        if failure.id not in open_ids:
            return None
        async with self._storage.database.transaction() as connection:
            await self._storage.deliveries.retry(
                connection, failure, self._clock.now(), resend_payload=_resend(failure)
            )
            await self._audit.record(
                actor_id,
                "retry_delivery",
                self.report_of(failure) or f"#{failure.outbox_id}",
                audit_detail(failure),
                connection=connection,
            )
        self._outbox.poke()
        return failure

    async def tell_office(self) -> int:
        """One line to the office about failures not yet told (a few named, the rest
        counted); returns how many were told. Run every `TELL_EVERY_SECONDS`."""
        untold = await self._storage.deliveries.untold(1000)
        if not untold:
            return 0
        now = self._clock.now()
        own = [row for row in untold if _meta(row).get("kind") == OWN_LINES]
        news = [row for row in untold if row not in own]
        if news:
            summary = Worded.each(
                self._i18n, lambda language: (Part("text", text=self._summary(news, language)),)
            )
            async with self._storage.database.transaction() as connection:
                await self._outbox.add_many(
                    connection,
                    [
                        Notification(
                            chat_id=chat_id,
                            parts=summary,
                            priority=Priority.INTERACTIVE,
                            meta={"kind": OWN_LINES},
                        )
                        for chat_id in self._people.office_recipients()
                    ],
                )
            self._outbox.poke()
        await self._storage.deliveries.mark_told([row.id for row in untold], now)
        return len(news)

    # -- rendering ---------------------------------------------------------------------------

    def describe(self, failure: FailureRow, language: str) -> str:
        """Who, which report, why and when, in HTML."""
        _ = self._i18n.translator(language).gettext
        report = self.report_of(failure)
        what = (
            _("Report {number}").format(number=report)
            if report
            else _("Notice #{id}").format(id=_meta(failure)["notice"])
            if "notice" in _meta(failure)
            else _("A message")
        )
        why = why_text(audit_detail(failure), _)
        lines = [
            f"<b>{escape(what)}</b> → {escape(self.who(failure.chat_id, language))}",
            escape(why),
            moment_text(failure.at, language, self._timezone),
        ]
        return "\n".join(lines)

    def who(self, chat_id: int, language: str) -> str:
        """The recipient as the office knows them: a group, or a role and its place; anyone
        without a role is "a villager" (a reporter is never named)."""
        _ = self._i18n.translator(language).gettext
        if chat_id == self._people.office_chat_id:
            return _("the office group")
        for key, department_chat in self._people.department_chats.items():
            if department_chat == chat_id:
                return self._department(key, language)
        roles = []
        for grant in self._people.grants_of(chat_id):
            if grant.role == Role.GRID_MEMBER and grant.scope in self._grid.hamlets:
                place = self._grid.hamlets[grant.scope].label(language)
                roles.append(_("grid member of {place}").format(place=place))
            elif grant.role == Role.VILLAGE_LEAD and grant.scope in self._grid.villages:
                place = self._grid.villages[grant.scope].label(language)
                roles.append(_("village lead of {place}").format(place=place))
            elif grant.role == Role.DEPARTMENT_MEMBER:
                roles.append(self._department(grant.scope, language))
            elif grant.role == Role.OFFICE_ADMIN:
                roles.append(_("an office admin"))
        return ", ".join(dict.fromkeys(roles)) or _("a villager")

    def report_of(self, failure: FailureRow) -> str | None:
        return _meta(failure).get("report")

    def _summary(self, failures: list[FailureRow], language: str) -> str:
        translator = self._i18n.translator(language)
        _ = translator.gettext
        lines = [
            "<b>"
            + translator.ngettext(
                "⚠️ {count} message could not be delivered. /deliveries to see and retry.",
                "⚠️ {count} messages could not be delivered. /deliveries to see and retry.",
                len(failures),
            ).format(count=len(failures))
            + "</b>"
        ]
        for failure in failures[:TOLD_AT_ONCE]:
            lines.append("• " + self.describe(failure, language).split("\n", 2)[0])
        if len(failures) > TOLD_AT_ONCE:
            lines.append(_("…and {count} more").format(count=len(failures) - TOLD_AT_ONCE))
        return "\n".join(lines)

    def _department(self, key: str, language: str) -> str:
        names = self._department_names.get(key, {})
        return names.get(language) or names.get(self._i18n.default_language) or key


def _meta(failure: FailureRow) -> dict[str, Any]:
    """The notification's meta, or for a notice row its notice id."""
    payload = json.loads(failure.payload)
    if "notice" in payload:
        return {"notice": payload["notice"]}
    return payload.get("meta") or {}


def _resend(failure: FailureRow) -> str | None:
    """For a refused part of a notification that otherwise went: a payload with only that
    part, in each language whose version has that part where the one sent had it (versions
    may differ: a caption that fits in one language is a card of its own in another). None:
    the whole row is to be resumed (it was given up, or nothing of it went)."""
    if failure.gave_up or failure.outbox_state == "dropped" or failure.part_index is None:
        return None
    payload = json.loads(failure.payload)
    index = failure.part_index
    sent = version_in(payload, failure.language) if "parts" in payload else []
    if index >= len(sent):
        return None

    def alone(version: list[dict[str, Any]]) -> list[dict[str, Any]]:
        same = len(version) > index and version[index].get("kind") == sent[index].get("kind")
        part = dict(version[index] if same else sent[index])
        if part.get("kind") == "photo":  # its caption went alone when the photo was refused
            for key in ("text", "buttons", "render"):
                part.pop(key, None)
        return [part]

    body = {"parts": alone(payload["parts"]), "meta": payload.get("meta", {})}
    if "in" in payload:
        body["in"] = {language: alone(version) for language, version in payload["in"].items()}
    return json.dumps(body, ensure_ascii=False)


GAVE_UP, REFUSED = "gave_up", "refused"


def audit_detail(failure: FailureRow) -> str:
    """Why a delivery failed, as the audit log keeps it: "gave_up <cause>" or "refused <part
    kind>", never Telegram's own text (`why_text` words it)."""
    if failure.gave_up:
        lowered = failure.error.lower()
        marker = next((marker for marker, _words in CAUSES if marker in lowered), "")
        return f"{GAVE_UP} {marker}".strip()
    return f"{REFUSED} {failure.part_kind or 'text'}"


def why_text(detail: str, _: Callable[[str], str]) -> str:
    """An `audit_detail` in the reader's words (an older entry's Telegram text by its cause)."""
    kind, _space, rest = detail.partition(" ")
    if kind == REFUSED:
        part = PART_NAMES.get(rest, N_("message"))
        return _("Telegram refused the {part}.").format(part=_(part))
    return _("given up: {error}").format(error=_(_cause(rest if kind == GAVE_UP else detail)))


def _cause(error: str) -> str:
    """Why Telegram would not deliver, in words the office can act on."""
    lowered = error.lower()
    for marker, cause in CAUSES:
        if marker in lowered:
            return cause
    return N_("Telegram kept refusing it")
