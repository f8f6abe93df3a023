"""A button class becomes a dataclass on first use, not when it is declared (start-up, #15), and
is the same frozen dataclass whichever use comes first."""

from __future__ import annotations

import dataclasses
from typing import Any, cast

import pytest

from bot.core.callbacks import CallbackData


def test_a_declared_button_is_made_a_dataclass_by_its_first_instance() -> None:
    class Lazy(CallbackData, prefix="tzl"):
        report_id: int
        village_id: str

    assert "__dataclass_fields__" not in Lazy.__dict__
    assert Lazy.pattern() == r"^v2:tzl(?::[^:]*){2}$"
    assert "__dataclass_fields__" not in Lazy.__dict__
    assert Lazy(3, "v01") == Lazy.parse("v2:tzl:3:v01")
    assert Lazy(3, "v01").pack() == "v2:tzl:3:v01"
    with pytest.raises(dataclasses.FrozenInstanceError):
        cast(Any, Lazy(3, "v01")).report_id = 4


def test_dataclasses_fields_before_any_instance() -> None:
    class Asked(CallbackData, prefix="tza"):
        grant_id: int

    assert [field.name for field in dataclasses.fields(cast(Any, Asked))] == ["grant_id"]
    assert Asked(7).pack() == "v2:tza:7"
