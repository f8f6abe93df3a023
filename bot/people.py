"""Who holds which responsibility: office admins, grid members, village leads, departments."""

from __future__ import annotations

from collections import defaultdict

from bot.config import Config, ConfigError
from bot.grid import Grid


class People:
    """Role lookups built from the configuration and checked against the grid."""

    def __init__(self, config: Config, grid: Grid) -> None:
        self.office_admins = frozenset(config.office.admins)
        self.office_chat_id = config.office.chat_id
        self._members_by_hamlet: dict[str, list[int]] = defaultdict(list)
        self._hamlets_by_member: dict[int, list[str]] = defaultdict(list)
        self._leads_by_village: dict[str, list[int]] = defaultdict(list)
        self.department_chats = {
            key: department.chat_id
            for key, department in config.departments.items()
            if department.chat_id is not None
        }
        for index, member in enumerate(config.grid_members):
            for position, hamlet_id in enumerate(member.hamlets):
                if hamlet_id not in grid.hamlets:
                    raise ConfigError(
                        f"grid_members[{index}].hamlets[{position}]: no hamlet {hamlet_id!r} "
                        f"in the grid file"
                    )
                self._members_by_hamlet[hamlet_id].append(member.user_id)
                self._hamlets_by_member[member.user_id].append(hamlet_id)
        for index, lead in enumerate(config.village_leads):
            if lead.village not in grid.villages:
                raise ConfigError(
                    f"village_leads[{index}].village: no village {lead.village!r} in the grid file"
                )
            self._leads_by_village[lead.village].append(lead.user_id)

    def is_office(self, user_id: int) -> bool:
        return user_id in self.office_admins

    def grid_members_of(self, hamlet_id: str | None) -> list[int]:
        return list(self._members_by_hamlet.get(hamlet_id or "", []))

    def hamlets_of_member(self, user_id: int) -> list[str]:
        return list(self._hamlets_by_member.get(user_id, []))

    def is_grid_member(self, user_id: int) -> bool:
        return user_id in self._hamlets_by_member

    def all_grid_members(self) -> list[int]:
        return sorted(self._hamlets_by_member)

    def all_village_leads(self) -> list[int]:
        return sorted({lead for leads in self._leads_by_village.values() for lead in leads})

    def villages_led_by(self, user_id: int) -> list[str]:
        return sorted(
            village for village, leads in self._leads_by_village.items() if user_id in leads
        )

    def leads_of(self, village_id: str | None) -> list[int]:
        return list(self._leads_by_village.get(village_id or "", []))

    def office_recipients(self) -> list[int]:
        """The office group if configured, else each office admin in private."""
        if self.office_chat_id is not None:
            return [self.office_chat_id]
        return sorted(self.office_admins)
