"""Command menus per role and language (setMyCommands).

Everyone gets the villager menu in their Telegram language (scope: all private chats, one list
per catalogue). A role holder's private chat, and that of anyone who chose a language other than
the default, gets its own menu (scope: that chat) — the villager commands plus their roles' — in
the language they chose. It is set at start-up for all of them, when a role is granted or revoked,
when they change language, and on their next message if it is out of date; what was set is
remembered in the database so restarts do not repeat it. The office group
gets the office commands. To give a role another command, add it to `ROLE_COMMANDS`.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Sequence

from telegram import Bot, BotCommand, BotCommandScopeAllPrivateChats, BotCommandScopeChat
from telegram.error import TelegramError

from bot.core.i18n import N_, I18n
from bot.people.directory import People, Role
from storage import Storage

log = logging.getLogger(__name__)

Commands = Sequence[tuple[str, str]]

ROLE_COMMANDS: dict[Role, Commands] = {
    Role.GRID_MEMBER: (("tasks", N_("My open tasks in my hamlets")),),
    Role.VILLAGE_LEAD: (
        ("area", N_("Open reports in my village")),
        ("tasks", N_("Rectification orders for my village")),
    ),
    Role.DEPARTMENT_MEMBER: (("area", N_("Open reports for my department")),),
    Role.OFFICE_ADMIN: (
        ("queue", N_("Reports waiting for the office")),
        ("notice", N_("Send a notice")),
        ("notices", N_("Notices sent and their progress")),
        ("invite", N_("Invite a grid member, lead, department member or admin")),
        ("team", N_("Who holds which role; revoke a role")),
        ("audit", N_("Recent office actions")),
        ("who", N_("Who made a report (for abuse)")),
        ("block", N_("Stop a person from reporting")),
        ("unblock", N_("Let a person report again")),
        ("schedules", N_("Cleanup days, inspections and other reminders")),
        ("order", N_("Issue a rectification order")),
        ("orders", N_("Open rectification orders")),
        ("overdue", N_("Work past its deadlines")),
        ("stats", N_("Figures and chart for a period")),
        ("ranking", N_("Top-10 and Bottom-10 hamlets")),
        ("map", N_("Map of open reports")),
        ("export", N_("XLSX and CSV of a period")),
        ("deliveries", N_("Messages Telegram refused or that could not be delivered")),
    ),
}


class CommandMenus:
    def __init__(
        self, *, villager_commands: Commands, people: People, i18n: I18n, storage: Storage
    ) -> None:
        self._villager = villager_commands
        self._people = people
        self._i18n = i18n
        self._storage = storage
        self._signatures: dict[int, str] = {}

    async def load(self) -> None:
        self._signatures = await self._storage.roles.menu_signatures()

    def commands_for(self, user_id: int) -> list[tuple[str, str]]:
        """The villager menu plus the person's roles' commands (a role's wording wins)."""
        menu = dict(self._villager)
        roles = {grant.role for grant in self._people.grants_of(user_id)}
        for role in Role:
            if role in roles:
                menu.update(ROLE_COMMANDS[role])
        return list(menu.items())

    async def set_defaults(self, bot: Bot, office_chat_id: int | None) -> None:
        """At start-up: the villager menu per language, and the office menu in its group."""
        for language in self._i18n.languages:
            await self._set(
                bot, self._villager, language, BotCommandScopeAllPrivateChats(), language
            )
        if office_chat_id is not None:
            language = self._i18n.default_language
            await self._set(
                bot, ROLE_COMMANDS[Role.OFFICE_ADMIN], language, BotCommandScopeChat(office_chat_id)
            )

    async def set_for_everyone(self, bot: Bot) -> int:
        """At start-up: every role holder's menu and every own-language menu, in the person's
        language (so an office admin sees the office commands before writing once); returns
        how many were set."""
        chosen = await self._storage.users.chosen_languages()
        people = {grant.user_id for grant in self._people.all_grants()}
        people |= {
            user_id
            for user_id, language in chosen.items()
            if language != self._i18n.default_language
        }
        changed = 0
        for user_id in sorted(people):
            language = self._i18n.pick(chosen.get(user_id))
            changed += await self.refresh(bot, user_id, language)
        return changed

    def concerns(self, user_id: int) -> bool:
        """Whether the person has (or had) a menu of their own to keep current; people
        without a role keep the menu for everyone, and cost nothing here."""
        return self._people.holds_role(user_id) or user_id in self._signatures

    async def refresh(self, bot: Bot, user_id: int, language: str) -> bool:
        """Bring the person's menu up to date now (after a join, a revoke, /lang); True if a
        menu was set or reset. Without a role and in the default language, the menu for
        everyone serves them."""
        if not self._people.holds_role(user_id) and language == self._i18n.default_language:
            if user_id in self._signatures:
                try:
                    await bot.delete_my_commands(scope=BotCommandScopeChat(user_id))
                except TelegramError as error:
                    log.warning("could not reset the menu of %s: %s", user_id, error)
                    return False
                await self._remember(user_id, None)
                return True
            return False
        commands = self.commands_for(user_id)
        signature = self._signature(commands, language)
        if self._signatures.get(user_id) == signature:
            return False
        if await self._set(bot, commands, language, BotCommandScopeChat(user_id)):
            await self._remember(user_id, signature)
            return True
        return False

    def forget(self, user_id: int) -> None:
        """The person was erased (/forgetme): their stored menu row went with them."""
        self._signatures.pop(user_id, None)

    async def _set(
        self,
        bot: Bot,
        commands: Commands,
        language: str,
        scope: BotCommandScopeAllPrivateChats | BotCommandScopeChat,
        language_code: str | None = None,
    ) -> bool:
        _ = self._i18n.translator(language).gettext
        try:
            await bot.set_my_commands(
                [BotCommand(name, _(description)) for name, description in commands],
                scope=scope,
                language_code=language_code,
            )
        except TelegramError as error:
            log.warning("could not set a command menu (%s, %s): %s", scope.type, language, error)
            return False
        return True

    async def _remember(self, user_id: int, signature: str | None) -> None:
        await self._storage.roles.set_menu_signature(user_id, signature)
        if signature is None:
            self._signatures.pop(user_id, None)
        else:
            self._signatures[user_id] = signature

    def _signature(self, commands: Commands, language: str) -> str:
        _ = self._i18n.translator(language).gettext
        texts = [[name, _(description)] for name, description in commands]
        return hashlib.sha256(json.dumps([language, texts]).encode()).hexdigest()[:16]
