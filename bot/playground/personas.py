"""The people the playground lets you play, taken from the configuration.

Villagers come from `[[playground.villagers]]`; grid members, village leads and office admins
from their sections; each department is played as a member of its group chat. Departments
(and the office) without a group in the config get a made-up group id here, so that their
copies have somewhere to arrive.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.config import Config, ConfigError
from bot.places.grid import Grid

DEPARTMENT_GROUP_BASE = -100_700_000
DEPARTMENT_MEMBER_BASE = 700_000
OFFICE_GROUP_MEMBER = 799_999


@dataclass(frozen=True)
class Persona:
    """Someone whose chat with the bot a pane shows.

    `chat_id` is the chat the pane shows; `user_id` is who writes in it (the same for a
    private chat, a member of the group for a group).
    """

    key: str
    kind: str  # villager, grid_member, village_lead, office, office_group, department
    chat_id: int
    user_id: int
    name: str
    detail_zh: str
    detail_en: str
    language: str

    @property
    def is_group(self) -> bool:
        return self.chat_id < 0

    def to_json(self) -> dict[str, object]:
        return {
            "key": self.key,
            "kind": self.kind,
            "chat_id": self.chat_id,
            "name": self.name,
            "detail": {"zh": self.detail_zh, "en": self.detail_en},
            "group": self.is_group,
        }


def department_groups(config: Config) -> dict[str, int]:
    """Each department's group id: the configured one, else a made-up one for the playground."""
    return {
        key: DEPARTMENT_GROUP_BASE - index if department.chat_id is None else department.chat_id
        for index, (key, department) in enumerate(config.departments.items(), start=1)
    }


def build_personas(config: Config, grid: Grid) -> list[Persona]:
    """Everyone the page can show, villagers first; ConfigError for a villager's unknown hamlet."""
    language = config.general.default_language
    personas: list[Persona] = []
    for index, villager in enumerate(config.playground.villagers):
        hamlet = grid.hamlets.get(villager.hamlet)
        if hamlet is None:
            raise ConfigError(
                f"playground.villagers[{index}].hamlet: no hamlet {villager.hamlet!r} "
                f"in the grid file"
            )
        village = grid.villages[hamlet.village_id]
        personas.append(
            Persona(
                key=f"villager:{villager.user_id}",
                kind="villager",
                chat_id=villager.user_id,
                user_id=villager.user_id,
                name=villager.name,
                detail_zh=f"{village.name} · {hamlet.name}",
                detail_en=f"{village.name_en} · {hamlet.name_en}",
                language=villager.language,
            )
        )
    for member in config.grid_members:
        hamlets = [grid.hamlets[hamlet_id] for hamlet_id in member.hamlets]
        personas.append(
            Persona(
                key=f"grid_member:{member.user_id}",
                kind="grid_member",
                chat_id=member.user_id,
                user_id=member.user_id,
                name=member.name,
                detail_zh="、".join(hamlet.name for hamlet in hamlets),
                detail_en=", ".join(hamlet.name_en for hamlet in hamlets),
                language=language,
            )
        )
    for lead in config.village_leads:
        village = grid.villages[lead.village]
        personas.append(
            Persona(
                key=f"village_lead:{lead.user_id}",
                kind="village_lead",
                chat_id=lead.user_id,
                user_id=lead.user_id,
                name=lead.name,
                detail_zh=village.name,
                detail_en=village.name_en,
                language=language,
            )
        )
    office_zh, office_en = config.office.name.zh, config.office.name.en
    office_en = office_en[:1].upper() + office_en[1:]
    if config.office.chat_id is not None:
        personas.append(
            Persona(
                key="office_group",
                kind="office_group",
                chat_id=config.office.chat_id,
                user_id=OFFICE_GROUP_MEMBER,
                name=office_zh,
                detail_zh=office_zh,
                detail_en=office_en,
                language=language,
            )
        )
    for admin in config.office.admins:
        personas.append(
            Persona(
                key=f"office:{admin}",
                kind="office",
                chat_id=admin,
                user_id=admin,
                name=f"{office_zh} {admin}",
                detail_zh=office_zh,
                detail_en=office_en,
                language=language,
            )
        )
    groups = department_groups(config)
    for index, (key, department) in enumerate(config.departments.items(), start=1):
        personas.append(
            Persona(
                key=f"department:{key}",
                kind="department",
                chat_id=groups[key],
                user_id=DEPARTMENT_MEMBER_BASE + index,
                name=department.name.zh,
                detail_zh=department.name.zh,
                detail_en=department.name.en,
                language=language,
            )
        )
    return personas


def default_panes(config: Config, personas: list[Persona]) -> list[str]:
    """The first villager, the grid member of that villager's hamlet, and the office."""
    by_key = {persona.key: persona for persona in personas}
    chosen: list[str] = []
    villagers = config.playground.villagers
    if villagers:
        chosen.append(f"villager:{villagers[0].user_id}")
        member = next((m for m in config.grid_members if villagers[0].hamlet in m.hamlets), None)
        if member is not None:
            chosen.append(f"grid_member:{member.user_id}")
    office = "office_group" if "office_group" in by_key else f"office:{config.office.admins[0]}"
    chosen.append(office)
    for persona in personas:  # fewer than three so far: fill up with whoever comes first
        if len(chosen) >= 3:
            break
        if persona.key not in chosen:
            chosen.append(persona.key)
    return chosen
