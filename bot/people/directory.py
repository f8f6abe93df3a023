"""Who holds which responsibility: office admins, grid members, village leads, departments.

Roles come from two places: `config.toml` (permanent, checked at start-up) and invitations
stored in the database (see `bot.people.roles`). `People` is the in-memory view of both: loaded at
start-up with `load`, changed by `RoleService` through `add` / `remove` in the same step that
commits the change, so every lookup below stays synchronous and always matches the database.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.core.config import Config, ConfigError
from bot.places.grid import Grid

log = logging.getLogger(__name__)


class Role(StrEnum):
    GRID_MEMBER = "grid_member"
    VILLAGE_LEAD = "village_lead"
    DEPARTMENT_MEMBER = "department_member"
    OFFICE_ADMIN = "office_admin"


@dataclass(frozen=True)
class Grant:
    """One role of one person. `scope` is a hamlet id (grid member), a village id (village
    lead), a department key (department member) or "" (office admin). `id` is None for roles
    from config.toml, which cannot be revoked in the chat."""

    user_id: int
    role: Role
    scope: str
    id: int | None = None
    granted_at: datetime | None = None

    @property
    def from_config(self) -> bool:
        return self.id is None


class People:
    """Role lookups over config.toml's roles and the invited ones."""

    def __init__(self, config: Config, grid: Grid) -> None:
        self._grid = grid
        self._departments = frozenset(config.departments)
        self.config_admins = frozenset(config.office.admins)
        self.office_chat_id = config.office.chat_id
        self.department_chats = {
            key: department.chat_id
            for key, department in config.departments.items()
            if department.chat_id is not None
        }
        self._config_grants = [
            Grant(user_id, Role.OFFICE_ADMIN, "") for user_id in config.office.admins
        ]
        for index, member in enumerate(config.grid_members):
            for position, hamlet_id in enumerate(member.hamlets):
                if hamlet_id not in grid.hamlets:
                    raise ConfigError(
                        f"grid_members[{index}].hamlets[{position}]: no hamlet {hamlet_id!r} "
                        f"in the grid file"
                    )
                self._config_grants.append(Grant(member.user_id, Role.GRID_MEMBER, hamlet_id))
        for index, lead in enumerate(config.village_leads):
            if lead.village not in grid.villages:
                raise ConfigError(
                    f"village_leads[{index}].village: no village {lead.village!r} in the grid file"
                )
            self._config_grants.append(Grant(lead.user_id, Role.VILLAGE_LEAD, lead.village))
        self._stored: dict[int, Grant] = {}
        self._rebuild()

    # -- keeping the view in step with the database ------------------------------------------

    def load(self, grants: list[Grant]) -> None:
        """Replace the invited roles (at start-up); roles whose place no longer exists are
        skipped with a warning rather than stopping the bot."""
        self._stored = {
            grant.id: grant for grant in grants if grant.id is not None and self._valid(grant)
        }
        self._rebuild()

    def add(self, grant: Grant) -> None:
        if grant.id is None:
            raise ValueError("only stored grants can be added")
        self._stored[grant.id] = grant
        self._rebuild()

    def remove(self, grant_id: int) -> None:
        self._stored.pop(grant_id, None)
        self._rebuild()

    def valid_scope(self, role: Role, scope: str) -> bool:
        """Whether `scope` names a place or department that exists for `role`."""
        match role:
            case Role.GRID_MEMBER:
                return scope in self._grid.hamlets
            case Role.VILLAGE_LEAD:
                return scope in self._grid.villages
            case Role.DEPARTMENT_MEMBER:
                return scope in self._departments
            case Role.OFFICE_ADMIN:
                return scope == ""

    # -- lookups --------------------------------------------------------------------------------

    def is_office(self, user_id: int) -> bool:
        return user_id in self.office_admins

    def is_config_admin(self, user_id: int) -> bool:
        """Office admins listed in config.toml: only they may invite or revoke office admins."""
        return user_id in self.config_admins

    def grid_members_of(self, hamlet_id: str | None) -> list[int]:
        return list(self._members_by_hamlet.get(hamlet_id or "", []))

    def hamlets_of_member(self, user_id: int) -> list[str]:
        return list(self._hamlets_by_member.get(user_id, []))

    def is_grid_member(self, user_id: int) -> bool:
        return user_id in self._hamlets_by_member

    def all_grid_members(self) -> list[int]:
        return sorted(self._hamlets_by_member)

    def all_village_leads(self) -> list[int]:
        return sorted(self._villages_by_lead)

    def villages_led_by(self, user_id: int) -> list[str]:
        return sorted(
            village for village, leads in self._leads_by_village.items() if user_id in leads
        )

    def leads_of(self, village_id: str | None) -> list[int]:
        return list(self._leads_by_village.get(village_id or "", []))

    def villages_of_lead(self, user_id: int) -> list[str]:
        return list(self._villages_by_lead.get(user_id, []))

    def is_village_lead(self, user_id: int) -> bool:
        return user_id in self._villages_by_lead

    def members_of_department(self, department: str | None) -> list[int]:
        return list(self._members_by_department.get(department or "", []))

    def departments_of(self, user_id: int) -> list[str]:
        return list(self._departments_by_member.get(user_id, []))

    def office_recipients(self) -> list[int]:
        """The office group if configured, else each office admin in private."""
        if self.office_chat_id is not None:
            return [self.office_chat_id]
        return sorted(self.office_admins)

    def grants_of(self, user_id: int) -> list[Grant]:
        return [grant for grant in self.all_grants() if grant.user_id == user_id]

    def holds_role(self, user_id: int) -> bool:
        return any(grant.user_id == user_id for grant in self.all_grants())

    def all_grants(self) -> list[Grant]:
        """Every role: config.toml's first, then the invited ones in the order granted."""
        return [
            *self._config_grants,
            *sorted(self._stored.values(), key=lambda grant: grant.id or 0),
        ]

    def stored_grant(self, grant_id: int) -> Grant | None:
        return self._stored.get(grant_id)

    # -- internals ------------------------------------------------------------------------------

    def _valid(self, grant: Grant) -> bool:
        if self.valid_scope(grant.role, grant.scope):
            return True
        log.warning(
            "ignoring role %s of user %s: %r is unknown", grant.role, grant.user_id, grant.scope
        )
        return False

    def _rebuild(self) -> None:
        members_by_hamlet: dict[str, dict[int, None]] = defaultdict(dict)
        hamlets_by_member: dict[int, dict[str, None]] = defaultdict(dict)
        leads_by_village: dict[str, dict[int, None]] = defaultdict(dict)
        villages_by_lead: dict[int, dict[str, None]] = defaultdict(dict)
        members_by_department: dict[str, dict[int, None]] = defaultdict(dict)
        departments_by_member: dict[int, dict[str, None]] = defaultdict(dict)
        admins: set[int] = set()
        # Dicts keep the first-seen order and drop repeats (a config role invited again).
        for grant in self.all_grants():
            match grant.role:
                case Role.GRID_MEMBER:
                    members_by_hamlet[grant.scope][grant.user_id] = None
                    hamlets_by_member[grant.user_id][grant.scope] = None
                case Role.VILLAGE_LEAD:
                    leads_by_village[grant.scope][grant.user_id] = None
                    villages_by_lead[grant.user_id][grant.scope] = None
                case Role.DEPARTMENT_MEMBER:
                    members_by_department[grant.scope][grant.user_id] = None
                    departments_by_member[grant.user_id][grant.scope] = None
                case Role.OFFICE_ADMIN:
                    admins.add(grant.user_id)
        self._members_by_hamlet = {key: list(value) for key, value in members_by_hamlet.items()}
        self._hamlets_by_member = {key: list(value) for key, value in hamlets_by_member.items()}
        self._leads_by_village = {key: list(value) for key, value in leads_by_village.items()}
        self._villages_by_lead = {key: list(value) for key, value in villages_by_lead.items()}
        self._members_by_department = {
            key: list(value) for key, value in members_by_department.items()
        }
        self._departments_by_member = {
            key: list(value) for key, value in departments_by_member.items()
        }
        self.office_admins = frozenset(admins)
