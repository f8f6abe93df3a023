"""Roles by invitation: an office admin makes a one-time code, the person sends `/join CODE`.

Codes are random (10 characters from an alphabet without look-alikes, ~49 bits), stored only
as SHA-256 hashes, expire after `[roles] invitation_valid_hours` and work once. Wrong codes are
counted: too many within an hour lock `/join` for a while. Every change is written to the
database, the audit log and the in-memory `People` in one step, and the people concerned are
told through the outbox.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from html import escape

from bot.core.audit import AuditLog
from bot.core.clock import Clock
from bot.core.config import Config
from bot.core.errors import Reason, Refused
from bot.core.i18n import N_, I18n
from bot.delivery.notifier import Notifier
from bot.delivery.outbox import Outbox
from bot.people.directory import Grant, People, Role
from bot.people.limits import locked_until
from bot.places.grid import Grid
from storage import Storage

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10

ROLE_LABELS = {
    Role.GRID_MEMBER: N_("grid member"),
    Role.VILLAGE_LEAD: N_("village lead"),
    Role.DEPARTMENT_MEMBER: N_("department member"),
    Role.OFFICE_ADMIN: N_("office admin"),
}


INVITABLE_ROLES = (Role.GRID_MEMBER, Role.VILLAGE_LEAD, Role.DEPARTMENT_MEMBER, Role.OFFICE_ADMIN)
"""Every role an invitation can grant, in the order /invite offers them."""


class JoinStatus(StrEnum):
    JOINED = "joined"
    WRONG = "wrong"
    EXPIRED = "expired"
    USED = "used"
    LOCKED = "locked"


@dataclass(frozen=True)
class JoinResult:
    status: JoinStatus
    role: Role | None = None
    scopes: tuple[str, ...] = ()
    locked_until: datetime | None = None
    tries_left: int = 0


@dataclass(frozen=True)
class Invitation:
    id: int
    code: str
    role: Role
    scopes: tuple[str, ...]
    expires_at: datetime


class RoleNotFound(Exception):
    """No such active role (revoked already, or a forged id)."""


def new_code() -> str:
    """A fresh code, shown in two groups of five for reading aloud: `K7PQ2-XMV9D`."""
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return f"{code[:5]}-{code[5:]}"


def normalise_code(text: str) -> str:
    """What was typed, reduced to the code's letters: case, dashes, spaces and invisible
    characters do not matter."""
    return "".join(char for char in text.upper() if char.isascii() and char.isalnum())


def hash_code(code: str) -> str:
    return hashlib.sha256(normalise_code(code).encode()).hexdigest()


class RoleService:
    def __init__(
        self,
        *,
        storage: Storage,
        config: Config,
        grid: Grid,
        people: People,
        i18n: I18n,
        audit: AuditLog,
        notifier: Notifier,
        outbox: Outbox,
        clock: Clock,
    ) -> None:
        self._storage = storage
        self._config = config
        self._grid = grid
        self._people = people
        self._i18n = i18n
        self._audit = audit
        self._notifier = notifier
        self._outbox = outbox
        self._clock = clock

    async def load(self) -> None:
        """Bring the invited roles into `People` (at start-up)."""
        self._people.load(await self._storage.roles.active_grants())

    # -- the office ---------------------------------------------------------------------------

    async def invite(self, actor_id: int, role: Role, scopes: tuple[str, ...]) -> Invitation:
        """A one-time code for `role` over `scopes` (hamlets, one village, one department, or
        nothing for an office admin)."""
        self.require_may_invite(actor_id, role)
        if role == Role.OFFICE_ADMIN:
            scopes = ("",)
        if not scopes or (role != Role.GRID_MEMBER and len(scopes) != 1):
            raise ValueError(f"wrong number of places for {role}: {scopes!r}")
        if not all(self._people.valid_scope(role, scope) for scope in scopes):
            raise ValueError(f"unknown scope in {scopes!r} for {role}")
        code = new_code()
        now = self._clock.now()
        expires_at = now + timedelta(hours=self._config.roles.invitation_valid_hours)
        async with self._storage.database.transaction() as connection:
            invitation_id = await self._storage.roles.add_invitation(
                connection,
                code_hash=hash_code(code),
                role=role,
                scopes=scopes,
                created_by=actor_id,
                now=now,
                expires_at=expires_at,
            )
            await self._audit.record(
                actor_id,
                "invite",
                f"#{invitation_id}",
                self.summary(role, scopes),
                connection=connection,
            )
        return Invitation(invitation_id, code, role, scopes, expires_at)

    def invitable_roles(self, actor_id: int) -> list[Role]:
        """The roles the actor may invite, in the order /invite offers them; refuses anyone
        outside the office."""
        if not self._people.is_office(actor_id):
            raise Refused(Reason.OFFICE_ONLY, command="invite", subject="/invite")
        return [
            role
            for role in INVITABLE_ROLES
            if role != Role.OFFICE_ADMIN or self._people.is_config_admin(actor_id)
        ]

    def require_may_invite(self, actor_id: int, role: Role) -> None:
        """Office admins invite; only config.toml's admins may make more admins."""
        if not self._people.is_office(actor_id):
            raise Refused(Reason.OFFICE_ONLY, subject=f"invite {role}")
        if role == Role.OFFICE_ADMIN and not self._people.is_config_admin(actor_id):
            raise Refused(Reason.CONFIG_ADMIN_ONLY, subject=f"invite {role}")

    def team(self, actor_id: int) -> list[Grant]:
        """Every role held, for /team; refuses anyone outside the office."""
        if not self._people.is_office(actor_id):
            raise Refused(Reason.OFFICE_ONLY, command="team", subject="/team")
        return self._people.all_grants()

    def may_revoke(self, actor_id: int, grant: Grant) -> bool:
        """Whether the actor may end this role: an office admin may, and an office admin's
        role only an admin named in config.toml (what /team shows and `revoke` enforces)."""
        return self._people.is_office(actor_id) and (
            grant.role != Role.OFFICE_ADMIN or self._people.is_config_admin(actor_id)
        )

    async def revoke(self, actor_id: int, grant_id: int) -> Grant:
        """End an invited role; the person is told and their menu shrinks."""
        grant = self._people.stored_grant(grant_id)
        if grant is None:
            raise RoleNotFound(grant_id)
        if not self._people.is_office(actor_id):
            raise Refused(Reason.OFFICE_ONLY, subject=f"revoke role {grant_id}")
        if not self.may_revoke(actor_id, grant):
            raise Refused(Reason.CONFIG_ADMIN_ONLY, subject=f"revoke role {grant_id}")
        now = self._clock.now()
        async with self._storage.database.transaction() as connection:
            if not await self._storage.roles.revoke(connection, grant_id, actor_id, now):
                raise RoleNotFound(grant_id)
            await self._audit.record(
                actor_id,
                "revoke",
                str(grant.user_id),
                self.summary(grant.role, (grant.scope,)),
                connection=connection,
            )
            await self._notifier.tell(
                connection,
                grant.user_id,
                lambda language, _: _("ℹ️ The town office ended your role: {role}.").format(
                    role=self.describe(grant.role, (grant.scope,), language)
                ),
            )
        self._people.remove(grant_id)  # committed: the in-memory view follows
        self._outbox.poke()
        return grant

    # -- the invited person -------------------------------------------------------------------

    async def join(self, user_id: int, name: str, code: str) -> JoinResult:
        """Bind the roles of a valid, unused, unexpired code; count every failure. `name` is
        how the inviter is told who joined."""
        now = self._clock.now()
        locked = await self.locked_until(user_id)
        if locked is not None:
            return JoinResult(JoinStatus.LOCKED, locked_until=locked)
        invitation = await self._storage.roles.invitation_by_hash(hash_code(code))
        if invitation is None or not normalise_code(code):
            return await self._failed(user_id, JoinStatus.WRONG)
        if invitation.used_at is not None:
            return await self._failed(user_id, JoinStatus.USED)
        if invitation.expires_at <= now:
            return await self._failed(user_id, JoinStatus.EXPIRED)
        role, scopes = invitation.role, invitation.scopes
        granted: list[Grant | None] = []
        async with self._storage.database.transaction() as connection:
            first = await self._storage.roles.use_invitation(
                connection, invitation.id, user_id, now
            )
            if first:
                granted = [
                    await self._storage.roles.add_grant(
                        connection,
                        user_id=user_id,
                        role=role,
                        scope=scope,
                        granted_by=invitation.created_by,
                        invitation=invitation.id,
                        now=now,
                    )
                    for scope in scopes
                ]
                await self._audit.record(
                    user_id,
                    "join",
                    f"#{invitation.id}",
                    self.summary(role, scopes),
                    connection=connection,
                )
                await self._notifier.tell(
                    connection,
                    invitation.created_by,
                    lambda language, _: _(
                        "🎟 Your invitation was used: {name} ({user}) is now {role}."
                    ).format(
                        name=escape(name), user=user_id, role=self.describe(role, scopes, language)
                    ),
                )
        if not first:
            return await self._failed(user_id, JoinStatus.USED)
        for grant in granted:  # committed: the in-memory view follows
            if grant is not None:
                self._people.add(grant)
        self._outbox.poke()
        return JoinResult(JoinStatus.JOINED, role=role, scopes=scopes)

    async def locked_until(self, user_id: int) -> datetime | None:
        """When /join works again for this person, if it is locked now."""
        rules = self._config.roles
        window = timedelta(hours=1)
        lock = timedelta(minutes=rules.join_lockout_minutes)
        now = self._clock.now()
        failures = await self._storage.roles.join_failures_since(user_id, now - window - lock)
        until = locked_until(failures, most=rules.join_failures_per_hour, within=window, lock=lock)
        return until if until is not None and until > now else None

    # -- describing roles -----------------------------------------------------------------------

    def describe(self, role: Role, scopes: tuple[str, ...], language: str) -> str:
        """A role in words, e.g. "grid member · 那笔坡 (那笔村), 岭头坡 (那笔村)"; escaped."""
        label = self._i18n.translator(language).gettext(ROLE_LABELS[role])
        places = [self.scope_label(role, scope, language) for scope in scopes if scope]
        return escape(f"{label} · {', '.join(places)}" if places else label)

    def scope_label(self, role: Role, scope: str, language: str) -> str:
        match role:
            case Role.GRID_MEMBER:
                hamlet = self._grid.hamlets.get(scope)
                if hamlet is None:
                    return scope
                village = self._grid.villages[hamlet.village_id]
                return f"{hamlet.label(language)} ({village.label(language)})"
            case Role.VILLAGE_LEAD:
                led = self._grid.villages.get(scope)
                return led.label(language) if led else scope
            case Role.DEPARTMENT_MEMBER:
                department = self._config.departments.get(scope)
                return department.name.get(language) if department else scope
            case Role.OFFICE_ADMIN:
                return ""

    async def names_of(self, user_ids: list[int]) -> dict[int, str]:
        """Display names for role holders: config.toml's names, else what they told Telegram."""
        names = {person.user_id: person.name for person in self._config.grid_members}
        names |= {lead.user_id: lead.name for lead in self._config.village_leads}
        for user_id in set(user_ids) - set(names):
            profile = await self._storage.privacy.profile(user_id)
            if profile is not None and (profile.first_name or profile.username):
                handle = f" @{profile.username}" if profile.username else ""
                names[user_id] = f"{profile.first_name}{handle}".strip()
        return names

    def summary(self, role: Role, scopes: tuple[str, ...]) -> str:
        """The audit log's plain form: `grid_member h01,h02`."""
        return f"{role} {','.join(scope for scope in scopes if scope)}".strip()

    # -- internals ------------------------------------------------------------------------------

    async def _failed(self, user_id: int, status: JoinStatus) -> JoinResult:
        rules = self._config.roles
        now = self._clock.now()
        await self._storage.roles.add_join_failure(
            user_id,
            now,
            keep_after=now - timedelta(hours=1, minutes=rules.join_lockout_minutes),
        )
        locked = await self.locked_until(user_id)
        if locked is not None:
            return JoinResult(JoinStatus.LOCKED, locked_until=locked)
        recent = await self._storage.roles.join_failures_since(user_id, now - timedelta(hours=1))
        return JoinResult(status, tries_left=max(0, rules.join_failures_per_hour - len(recent)))
