"""The typed context every handler receives: services, the person and their translator,
resolved once per update, and their drafts as typed models.

Registered with `Application.builder().context_types(CONTEXT_TYPES)` (PTB's contexttypesbot.py
pattern). PTB builds one context per update and hands the same object to every handler group,
so `resolve_person`, run as a guard in an early group, looks the person up once and every
journey after it reads `context.person` and `context._` instead of querying the language again
(146 sites today). An error handler gets a fresh context: it calls `resolve_person` itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from telegram import Update, User
from telegram.constants import ChatType
from telegram.ext import Application, CallbackContext, ContextTypes, ExtBot

from bot.people.directory import Role
from handlers.drafts import Draft
from handlers.services import Services

Translate = Callable[[str], str]
D = TypeVar("D", bound=Draft)


@dataclass(frozen=True)
class Person:
    """Who sent the update, as far as handlers need: id, language and the roles they hold."""

    id: int
    language: str
    roles: frozenset[Role]
    departments: tuple[str, ...] = ()

    @property
    def is_office(self) -> bool:
        return Role.OFFICE_ADMIN in self.roles

    @property
    def is_grid_member(self) -> bool:
        return Role.GRID_MEMBER in self.roles

    @property
    def is_village_lead(self) -> bool:
        return Role.VILLAGE_LEAD in self.roles


class PersonNotResolved(RuntimeError):
    """A handler read `context.person` for an update the guard did not resolve (no sender, or
    the guard was not registered): a wiring mistake, not a user's."""


class BotContext(CallbackContext[ExtBot[Any], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """`CallbackContext` plus `services`, `person`, `_` and typed drafts."""

    def __init__(
        self,
        application: Application[Any, Any, Any, Any, Any, Any],
        chat_id: int | None = None,
        user_id: int | None = None,
    ) -> None:
        super().__init__(application, chat_id=chat_id, user_id=user_id)
        self._person: Person | None = None
        self._translate: Translate | None = None

    @property
    def services(self) -> Services:
        """Everything handlers need, built once in `bot.app` and kept in `bot_data`."""
        found: Services = self.application.bot_data["services"]
        return found

    @property
    def person(self) -> Person:
        """The sender of this update; raises `PersonNotResolved` if the guard did not run."""
        if self._person is None:
            raise PersonNotResolved("resolve_person did not run for this update")
        return self._person

    @property
    def person_or_none(self) -> Person | None:
        """The sender, or None for updates without one (channel posts, polls)."""
        return self._person

    @property
    def _(self) -> Translate:
        """The translator in the person's language (the default language without a person)."""
        if self._translate is None:
            language = (
                self._person.language if self._person else self.services.i18n.default_language
            )
            self._translate = self.services.i18n.translator(language).gettext
        return self._translate

    def set_person(self, person: Person) -> None:
        """Remember who sent the update (done by `resolve_person`)."""
        self._person = person
        self._translate = None

    def switch_language(self, language: str) -> None:
        """After /lang: the rest of this update answers in the new language."""
        self.set_person(replace(self.person, language=language))

    def draft(self, kind: type[D]) -> D | None:
        """The person's draft of this kind, or None (none yet, or it no longer fits)."""
        return kind.load(self.user_data)

    def keep(self, draft: Draft) -> None:
        """Store the draft in persisted user data (it survives a restart)."""
        if self.user_data is None:
            raise PersonNotResolved("this update has no user to keep a draft for")
        draft.store(self.user_data)

    def drop(self, kind: type[Draft]) -> None:
        """Forget the person's draft of this kind (finished or abandoned)."""
        kind.drop(self.user_data)


CONTEXT_TYPES: ContextTypes[BotContext, dict[Any, Any], dict[Any, Any], dict[Any, Any]] = (
    ContextTypes(context=BotContext)
)


async def person_of(user: User, services: Services, *, first_contact: bool = False) -> Person:
    """The person behind a Telegram user: their one language and the roles they hold now.

    The language is the one stored for them: chosen with /lang, or, with `first_contact`
    (their private chat), their Telegram language mapped to our catalogues, stored as soon as
    they are known (/start, a report, /join: `handlers.start` stores it on /start), so replies,
    menus and notifications (which read only the stored language) speak the same one. A role
    holder's first message (/area, /tasks) keeps it without a users row, which would make them
    one of "everyone registered" for notices."""
    known, stored = await services.storage.users.known_language(user.id)
    language = services.i18n.pick(stored, user.language_code)
    people = services.people
    roles = {
        role
        for role, holds in (
            (Role.OFFICE_ADMIN, people.is_office(user.id)),
            (Role.GRID_MEMBER, people.is_grid_member(user.id)),
            (Role.VILLAGE_LEAD, people.is_village_lead(user.id)),
            (Role.DEPARTMENT_MEMBER, bool(people.departments_of(user.id))),
        )
        if holds
    }
    if stored is None and first_contact:
        users, now = services.storage.users, services.clock.now()
        if known:
            await users.remember_language(user.id, language, now)
        elif roles:  # the office's notifications reach them before any /start
            await users.remember_role_language(user.id, language, now)
    return Person(
        id=user.id,
        language=language,
        roles=frozenset(roles),
        departments=tuple(people.departments_of(user.id)),
    )


async def resolve_person(update: object, context: BotContext) -> None:
    """Guard step: look the sender up once for the whole update (idempotent; no sender, no
    person)."""
    if context.person_or_none is not None or not isinstance(update, Update):
        return
    user, chat = update.effective_user, update.effective_chat
    if user is not None:
        private = chat is not None and chat.type == ChatType.PRIVATE
        context.set_person(await person_of(user, context.services, first_contact=private))
