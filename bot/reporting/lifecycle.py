"""A report's life as data: its states, what each counts as, and the allowed transitions.

`submitted → assigned → accepted → fixed → closed`, plus `reopened`, `duplicate` and
`rejected`. Code asks these tables instead of comparing state strings here and there.
The deadline sweep's steps (remind, escalate, auto-close) are actions too, so each is one
event in the report's log; a rectification order starts its life `assigned` (issue).
"""

from __future__ import annotations

from enum import StrEnum


class State(StrEnum):
    SUBMITTED = "submitted"
    ASSIGNED = "assigned"
    ACCEPTED = "accepted"
    FIXED = "fixed"
    CLOSED = "closed"
    REOPENED = "reopened"
    DUPLICATE = "duplicate"
    REJECTED = "rejected"


class Action(StrEnum):
    """Something a person (or the system) does to a report."""

    SUBMIT = "submit"
    ROUTE = "route"
    ACCEPT = "accept"
    NOT_MY_AREA = "not_my_area"
    FIX = "fix"
    CONFIRM = "confirm"
    REOPEN = "reopen"
    ASSIGN = "assign"
    REJECT = "reject"
    MARK_DUPLICATE = "mark_duplicate"
    ISSUE = "issue"
    REMIND = "remind"
    ESCALATE = "escalate"
    AUTO_CLOSE = "auto_close"
    DEFER = "defer"  # the fix deadline is moved; the event's due_at is the new one


OPEN_STATES = frozenset(
    {State.SUBMITTED, State.ASSIGNED, State.ACCEPTED, State.FIXED, State.REOPENED}
)
"""Someone still has to act: the office, the grid member or the reporter."""

TASK_STATES = frozenset({State.ASSIGNED, State.ACCEPTED, State.REOPENED})
"""The grid member has work to do: these show in `/tasks`."""

TRANSITIONS: dict[tuple[State | None, Action], State] = {
    (None, Action.SUBMIT): State.SUBMITTED,
    (State.SUBMITTED, Action.ROUTE): State.ASSIGNED,
    (State.SUBMITTED, Action.ASSIGN): State.ASSIGNED,
    (State.SUBMITTED, Action.REJECT): State.REJECTED,
    (State.SUBMITTED, Action.MARK_DUPLICATE): State.DUPLICATE,
    (State.ASSIGNED, Action.ACCEPT): State.ACCEPTED,
    (State.ASSIGNED, Action.NOT_MY_AREA): State.SUBMITTED,
    (State.ASSIGNED, Action.FIX): State.FIXED,
    (State.ASSIGNED, Action.ASSIGN): State.ASSIGNED,
    (State.ASSIGNED, Action.REJECT): State.REJECTED,
    (State.ACCEPTED, Action.NOT_MY_AREA): State.SUBMITTED,
    (State.ACCEPTED, Action.FIX): State.FIXED,
    (State.FIXED, Action.CONFIRM): State.CLOSED,
    (State.FIXED, Action.REOPEN): State.REOPENED,
    (State.REOPENED, Action.ACCEPT): State.ACCEPTED,
    (State.REOPENED, Action.NOT_MY_AREA): State.SUBMITTED,
    (State.REOPENED, Action.FIX): State.FIXED,
    (None, Action.ISSUE): State.ASSIGNED,
    (State.FIXED, Action.AUTO_CLOSE): State.CLOSED,
    **{(state, Action.REMIND): state for state in TASK_STATES},
    **{(state, Action.ESCALATE): state for state in TASK_STATES},
}


class TransitionNotAllowed(Exception):
    """The action does not apply to the report's current state (e.g. a stale button)."""

    def __init__(self, state: State | None, action: Action) -> None:
        super().__init__(f"{action} is not allowed from {state}")
        self.state = state
        self.action = action


def next_state(state: State | None, action: Action) -> State:
    """The state `action` leads to from `state`, or `TransitionNotAllowed`."""
    try:
        return TRANSITIONS[(state, action)]
    except KeyError:
        raise TransitionNotAllowed(state, action) from None
