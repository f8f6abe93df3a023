"""The audit log as the office reads it (`/audit`): every recorded action in words, in the
reader's language, with the actor's name as the office knows them and places by name."""

from __future__ import annotations

import gettext
from html import escape

from bot.core.config import Config
from bot.core.i18n import N_
from bot.core.when import moment_text
from bot.delivery.failures import why_text
from bot.people.directory import Role
from bot.people.roles import ROLE_LABELS
from bot.places.grid import Grid
from storage.audit import AuditRow

ACTION_LABELS = {
    "assign": N_("assigned"),
    "reject": N_("rejected"),
    "invite": N_("invited"),
    "join": N_("joined"),
    "revoke": N_("revoked a role of"),
    "block": N_("blocked reporting of"),
    "unblock": N_("unblocked reporting of"),
    "reveal_reporter": N_("looked up the reporter of"),
    "notice": N_("sent a notice"),
    "notice_cancel": N_("cancelled a notice"),
    "schedule_create": N_("created a schedule"),
    "schedule_paused": N_("paused a schedule"),
    "schedule_active": N_("resumed a schedule"),
    "schedule_deleted": N_("deleted a schedule"),
    "retry_delivery": N_("retried a failed delivery of"),
    "relay_voice": N_("passed on in words the voice description of"),
}
"""Words for every action the bot records (tests/test_audit.py checks each `record` call
has one); schedule changes record `schedule_<its new state>`."""

SCHEDULE_KINDS = {
    "cleanup": N_("🧹 Cleanup day"),
    "inspection": N_("🔍 Inspection"),
    "custom": N_("📢 Notice"),
}
ROLE_DETAILS = ("invite", "join", "revoke")
NOTICE_AUDIENCES = {
    "everyone": N_("👥 Everyone registered"),
    "villages": N_("🏘 One or more villages"),
    "hamlet": N_("🏠 One hamlet"),
    "grid_members": N_("🧹 All grid members"),
    "village_leads": N_("🧑‍🌾 Village leads"),
    "department": N_("🏢 A department"),
}
"""A notice's audience kind as the office chose it (the msgids of the /notice buttons)."""


class AuditWording:
    """One audit entry as a line an office admin reads in their language: when, who (by the
    name the office knows: config.toml's, else "office admin #n", else their role holder's
    name), what, and to what — hamlets and roles by name, not by id."""

    def __init__(
        self,
        config: Config,
        grid: Grid,
        translator: gettext.NullTranslations,
        language: str,
        names: dict[int, str],
    ) -> None:
        self._config = config
        self._grid = grid
        self._ = translator.gettext
        self._language = language
        self._names = names
        self._known = {member.user_id: member.name for member in config.grid_members} | {
            lead.user_id: lead.name for lead in config.village_leads
        }

    @staticmethod
    def people_in(entries: list[AuditRow]) -> list[int]:
        """Whose names the lines need: the actors, and the people whose role was revoked."""
        actors = [entry.actor_id for entry in entries]
        revoked = [int(e.subject) for e in entries if e.action == "revoke" and e.subject.isdigit()]
        return actors + revoked

    def line(self, entry: AuditRow) -> str:
        """ "12月2日 周三 10:00 · 韦网格 · 指派了 R-000001 — 那笔坡" (HTML-escaped)."""
        _ = self._
        action = _(ACTION_LABELS[entry.action]) if entry.action in ACTION_LABELS else entry.action
        detail = self.detail(entry)
        return " · ".join(
            (
                moment_text(entry.at, self._language, self._config.general.tz),
                escape(self.actor(entry.actor_id)),
                escape(f"{action} {self.subject(entry)}".strip())
                + (f" — {escape(detail)}" if detail else ""),
            )
        )

    def actor(self, actor_id: int) -> str:
        if actor_id in self._known:
            return self._known[actor_id]
        if actor_id in self._config.office.admins:
            number = self._config.office.admins.index(actor_id) + 1
            return self._("office admin #{number}").format(number=number)
        return self._names.get(actor_id) or self._("person #{id}").format(id=actor_id)

    def subject(self, entry: AuditRow) -> str:
        if entry.action == "revoke" and entry.subject.isdigit():
            return self.actor(int(entry.subject))
        return entry.subject

    def detail(self, entry: AuditRow) -> str:
        if entry.action == "assign":
            return self._place(entry.detail)
        if entry.action == "schedule_create" and entry.detail in SCHEDULE_KINDS:
            return self._(SCHEDULE_KINDS[entry.detail])
        if entry.action == "notice" and entry.detail.partition(" ")[0] in NOTICE_AUDIENCES:
            kind, _, ids = entry.detail.partition(" ")
            places = ", ".join(self._place(scope) for scope in ids.split(",") if scope)
            label = self._(NOTICE_AUDIENCES[kind])
            return f"{label}: {places}" if places else label
        if entry.action == "retry_delivery" and entry.detail:
            return why_text(entry.detail, self._)
        if entry.action in ROLE_DETAILS and entry.detail:
            role, _, scopes = entry.detail.partition(" ")
            label = self._(ROLE_LABELS[Role(role)]) if role in set(Role) else role
            places = ", ".join(self._place(scope) for scope in scopes.split(",") if scope)
            return f"{label}: {places}" if places else label
        return entry.detail

    def _place(self, scope: str) -> str:
        """A hamlet's, village's or department's name for its id (the id if unknown)."""
        if scope in self._grid.hamlets:
            return self._grid.hamlets[scope].name
        if scope in self._grid.villages:
            return self._grid.villages[scope].name
        if scope in self._config.departments:
            return self._config.departments[scope].name.get(self._language)
        return scope
