"""The buttons of invitations (handlers.invitations) and revocations (handlers.team)."""

from __future__ import annotations

from bot.core.callbacks import CallbackData
from bot.people.directory import Role

# -- roles: invitations and revocations (handlers.invitations, handlers.team) -----------------


class InviteRole(CallbackData, prefix="ivr"):
    """The role the invitation grants."""

    role: Role


class InviteVillage(CallbackData, prefix="ivv"):
    """The village of the invited village lead or grid member."""

    village_id: str


class InviteToggleHamlet(CallbackData, prefix="ivh"):
    """Tick or untick a hamlet the invited grid member looks after."""

    hamlet_id: str


class InviteHamletsDone(CallbackData, prefix="ivd"):
    """The ticked hamlets are the grid member's."""


class InviteDepartment(CallbackData, prefix="ivp"):
    """The department of the invited department member."""

    department: str


class StopInvite(CallbackData, prefix="ivx"):
    """Leave the invitation; no code is made."""


class AskRevoke(CallbackData, prefix="rvk"):
    """/team: ask before revoking this grant."""

    grant_id: int


class RevokeYes(CallbackData, prefix="rvy"):
    """Yes, revoke the grant."""

    grant_id: int


class RevokeNo(CallbackData, prefix="rvn"):
    """No, keep the role."""
