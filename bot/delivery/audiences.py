"""Who an office message is for — everyone registered, villages, a hamlet, all grid members,
all village leads, the grid members and leads of some villages (an inspection's), a
department — and which chats that means today. Notices and schedules
both ask here, so "a village" means the same people in both."""

from __future__ import annotations

import json
from collections.abc import Container
from dataclasses import dataclass
from enum import StrEnum

from bot.core.config import Config
from bot.core.i18n import I18n
from bot.people.directory import People
from bot.places.grid import Grid
from storage.users import UserRepository


class AudienceKind(StrEnum):
    EVERYONE = "everyone"
    VILLAGES = "villages"
    HAMLET = "hamlet"
    GRID_MEMBERS = "grid_members"
    VILLAGE_LEADS = "village_leads"
    VILLAGE_STAFF = "village_staff"
    DEPARTMENT = "department"


@dataclass(frozen=True)
class Audience:
    """Who a message is for: a kind, and the villages / hamlet / department it names."""

    kind: AudienceKind
    ids: tuple[str, ...] = ()

    def to_json(self) -> str:
        return json.dumps({"kind": self.kind, "ids": list(self.ids)})

    @classmethod
    def from_json(cls, text: str) -> Audience:
        data = json.loads(text)
        return cls(AudienceKind(data["kind"]), tuple(data.get("ids", ())))


class Audiences:
    """Resolves audiences to chats, from the people in the configuration and the users table."""

    def __init__(
        self, *, config: Config, grid: Grid, people: People, i18n: I18n, users: UserRepository
    ) -> None:
        self._config = config
        self._grid = grid
        self._people = people
        self._i18n = i18n
        self._users = users

    async def recipients(self, audience: Audience) -> list[tuple[int, str]]:
        """(chat, language) of everyone the audience reaches today.

        Villagers' audiences respect their choice to turn notices off; role audiences are
        work instructions and reach every holder of the role. Chats that blocked the bot
        are left out until the person talks to it again.
        """
        users = self._users
        match audience.kind:
            case AudienceKind.EVERYONE:
                found = await users.subscribers(None)
            case AudienceKind.VILLAGES:
                hamlets = [
                    hamlet.id
                    for village_id in audience.ids
                    for hamlet in self._grid.hamlets_of(village_id)
                ]
                found = await users.subscribers(hamlets)
            case AudienceKind.HAMLET:
                found = await users.subscribers(list(audience.ids))
            case AudienceKind.GRID_MEMBERS:
                found = await users.reachable(self._people.all_grid_members())
            case AudienceKind.VILLAGE_LEADS:
                found = await users.reachable(self._people.all_village_leads())
            case AudienceKind.VILLAGE_STAFF:
                staff = [
                    user_id
                    for village_id in audience.ids
                    for hamlet in self._grid.hamlets_of(village_id)
                    for user_id in self._people.grid_members_of(hamlet.id)
                ]
                staff += [
                    lead for village in audience.ids for lead in self._people.leads_of(village)
                ]
                found = await users.reachable(staff)
            case AudienceKind.DEPARTMENT:
                chats = [
                    self._people.department_chats[key]
                    for key in audience.ids
                    if key in self._people.department_chats
                ]
                found = [(chat_id, None) for chat_id in chats]
        return [(chat_id, self._i18n.pick(language)) for chat_id, language in found]

    def check(self, audience: Audience) -> None:
        check_audience(audience, self._grid, self._config)

    def describe(self, audience: Audience, language: str) -> str:
        _ = self._i18n.translator(language).gettext
        match audience.kind:
            case AudienceKind.EVERYONE:
                return _("everyone registered")
            case AudienceKind.VILLAGES:
                return _("villages: {names}").format(names=self._village_names(audience, language))
            case AudienceKind.VILLAGE_STAFF:
                return _("grid members and village leads of: {names}").format(
                    names=self._village_names(audience, language)
                )
            case AudienceKind.HAMLET:
                hamlet = self._grid.hamlets.get(audience.ids[0]) if audience.ids else None
                if hamlet is None:
                    return _("a hamlet that no longer exists")
                village = self._grid.villages[hamlet.village_id]
                return _("hamlet: {hamlet}, {village}").format(
                    hamlet=hamlet.label(language), village=village.label(language)
                )
            case AudienceKind.GRID_MEMBERS:
                return _("all grid members")
            case AudienceKind.VILLAGE_LEADS:
                return _("all village leads")
            case AudienceKind.DEPARTMENT:
                departments = self._config.departments
                names = [
                    departments[key].name.get(language)
                    for key in audience.ids
                    if key in departments
                ]
                return _("department: {names}").format(names=", ".join(names))

    def _village_names(self, audience: Audience, language: str) -> str:
        return ", ".join(
            self._grid.villages[village_id].label(language)
            for village_id in audience.ids
            if village_id in self._grid.villages
        )


def check_audience(audience: Audience, grid: Grid, config: Config) -> None:
    """ValueError if the audience names a village, hamlet or department that is not known."""
    known_by_kind: dict[AudienceKind, Container[str]] = {
        AudienceKind.VILLAGES: grid.villages,
        AudienceKind.VILLAGE_STAFF: grid.villages,
        AudienceKind.HAMLET: grid.hamlets,
        AudienceKind.DEPARTMENT: config.departments,
    }
    known = known_by_kind.get(audience.kind)
    if known is None:
        return
    if not audience.ids:
        raise ValueError(f"{audience.kind} needs ids")
    unknown = [key for key in audience.ids if key not in known]
    if unknown:
        raise ValueError(f"no {audience.kind} {unknown[0]!r}")
