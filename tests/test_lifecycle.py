"""The transition table: the story's path, the side paths and what is refused."""

from __future__ import annotations

import pytest

from bot.reporting.lifecycle import (
    OPEN_STATES,
    TRANSITIONS,
    Action,
    State,
    TransitionNotAllowed,
    next_state,
)


def test_the_main_story() -> None:
    state = next_state(None, Action.SUBMIT)
    for action, expected in [
        (Action.ROUTE, State.ASSIGNED),
        (Action.ACCEPT, State.ACCEPTED),
        (Action.FIX, State.FIXED),
        (Action.CONFIRM, State.CLOSED),
    ]:
        state = next_state(state, action)
        assert state == expected


def test_reopen_goes_back_to_the_grid_member() -> None:
    assert next_state(State.FIXED, Action.REOPEN) == State.REOPENED
    assert next_state(State.REOPENED, Action.ACCEPT) == State.ACCEPTED
    assert next_state(State.REOPENED, Action.FIX) == State.FIXED


def test_not_my_area_returns_to_the_office_queue() -> None:
    for state in (State.ASSIGNED, State.ACCEPTED, State.REOPENED):
        assert next_state(state, Action.NOT_MY_AREA) == State.SUBMITTED
    assert next_state(State.SUBMITTED, Action.ASSIGN) == State.ASSIGNED
    assert next_state(State.SUBMITTED, Action.REJECT) == State.REJECTED


@pytest.mark.parametrize(
    ("state", "action"),
    [
        (State.ACCEPTED, Action.ACCEPT),  # a button pressed twice
        (State.CLOSED, Action.FIX),  # an old button on a closed report
        (State.CLOSED, Action.REOPEN),
        (State.ASSIGNED, Action.CONFIRM),  # confirming before anything was fixed
        (State.REJECTED, Action.ASSIGN),
        (State.DUPLICATE, Action.ACCEPT),
        (None, Action.ACCEPT),
    ],
)
def test_refused_transitions(state: State | None, action: Action) -> None:
    with pytest.raises(TransitionNotAllowed):
        next_state(state, action)


def test_closed_states_have_no_way_out() -> None:
    for state in set(State) - OPEN_STATES:
        assert not [key for key in TRANSITIONS if key[0] == state]
