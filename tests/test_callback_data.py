"""Typed button payloads (`bot.core.callbacks.CallbackData`, v2): every declared button survives a
round trip, the registry refuses a taken prefix, nothing packs over 64 bytes, and no input,
however malformed, makes parsing raise."""

from __future__ import annotations

import dataclasses
import importlib
import re
import types
import typing
from enum import Enum, StrEnum
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import handlers.buttons
from bot.core.callbacks import MAX_BYTES, CallbackData, StaleButton, read

DECLARED = sorted(
    (cls for cls in CallbackData.registry.values() if cls.__module__ != __name__),
    key=lambda cls: cls.prefix,
)


class Colour(StrEnum):
    RED = "red"
    DARK_BLUE = "dark_blue"


class Sample(CallbackData, prefix="tq"):
    """A button with one field of each kind the codec supports."""

    report_id: int
    colour: Colour
    note: str | None
    urgent: bool


class Bare(CallbackData, prefix="tqb"):
    """A button without fields."""


def strategy_for(annotation: Any) -> st.SearchStrategy[Any]:
    """Values a field of this annotation may carry (texts short enough to fit)."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        (inner,) = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
        return st.none() | strategy_for(inner)
    if annotation is bool:
        return st.booleans()
    if annotation is int:
        return st.integers(min_value=-(2**63), max_value=2**63 - 1)
    if annotation is str:
        alphabet = st.characters(blacklist_characters=":", blacklist_categories=("Cs",))
        return st.text(alphabet, min_size=1, max_size=8)
    assert isinstance(annotation, type) and issubclass(annotation, Enum)
    return st.sampled_from(list(annotation))


def instances() -> st.SearchStrategy[CallbackData]:
    def build(cls: type[CallbackData]) -> st.SearchStrategy[CallbackData]:
        hints = typing.get_type_hints(cls)
        names = [field.name for field in dataclasses.fields(typing.cast(Any, cls))]
        values = st.fixed_dictionaries({name: strategy_for(hints[name]) for name in names})
        return values.map(lambda kwargs: cls(**kwargs))

    return st.sampled_from([*DECLARED, Sample, Bare]).flatmap(build)


@given(instances())
def test_every_declared_button_survives_a_round_trip(button: CallbackData) -> None:
    data = button.pack()
    assert len(data.encode()) <= MAX_BYTES
    assert data.startswith(f"v2:{button.prefix}")
    assert CallbackData.parse(data) == button
    assert type(button).parse(data) == button
    assert re.match(type(button).pattern(), data)
    assert read(data) == button


@given(instances(), instances())
def test_a_class_takes_only_its_own_payloads(first: CallbackData, second: CallbackData) -> None:
    if type(first) is type(second):
        return
    assert type(first).parse(second.pack()) is None
    assert not re.match(type(first).pattern(), second.pack())


def test_fields_are_written_compactly() -> None:
    assert Sample(17, Colour.DARK_BLUE, None, True).pack() == "v2:tq:17:dark_blue::1"
    assert Sample(-3, Colour.RED, "村", False).pack() == "v2:tq:-3:red:村:0"
    assert Bare().pack() == "v2:tqb"
    assert handlers.buttons.SwitchNotices(on=False).pack() == "v2:nsw:0"


def test_the_registry_refuses_a_prefix_already_taken() -> None:
    with pytest.raises(TypeError, match="taken by Sample"):

        class Again(CallbackData, prefix="tq"):
            other: int

    assert CallbackData.registry["tq"] is Sample


@pytest.mark.parametrize("prefix", ["", "v2:", "A", "1a", "toolong", "a b"])
def test_a_prefix_must_be_short_lowercase_and_separator_free(prefix: str) -> None:
    with pytest.raises(TypeError, match="prefix"):
        type("Bad", (CallbackData,), {"__annotations__": {}}, prefix=prefix)
    assert prefix not in CallbackData.registry


def test_a_class_that_could_exceed_64_bytes_is_refused_when_declared() -> None:
    with pytest.raises(TypeError, match="bytes"):

        class Wide(CallbackData, prefix="tqw"):
            first: int
            second: int
            third: int

    assert "tqw" not in CallbackData.registry
    assert Sample.longest_payload() is None  # a text field: checked when packed


def test_unsupported_field_types_are_refused_when_declared() -> None:
    with pytest.raises(TypeError, match="cannot travel"):

        class Floaty(CallbackData, prefix="tqf"):
            ratio: float

    with pytest.raises(TypeError, match="unions"):

        class Either(CallbackData, prefix="tqe"):
            value: int | str

    assert "tqf" not in CallbackData.registry and "tqe" not in CallbackData.registry


def test_packing_refuses_what_would_not_fit_or_not_parse_back() -> None:
    with pytest.raises(ValueError, match="64 bytes"):
        Sample(1, Colour.RED, "长" * 20, True).pack()
    with pytest.raises(ValueError, match="free of"):
        Sample(1, Colour.RED, "a:b", True).pack()
    with pytest.raises(ValueError, match="non-empty"):
        Sample(1, Colour.RED, "", True).pack()
    with pytest.raises(ValueError, match="integer"):
        Sample(True, Colour.RED, None, True).pack()
    with pytest.raises(ValueError, match="Colour"):
        Sample(1, typing.cast(Colour, "red"), None, True).pack()


@pytest.mark.parametrize(
    "data",
    [
        None,
        "",
        "v2",
        "v2:",
        "v2:tq",
        "v2:tq:1:red::",
        "v2:tq:1:red::2",
        "v2:tq:x:red::1",
        "v2:tq:1:green::1",
        "v2:tq:1:red::1:extra",
        "v2:tq:99999999999999999999:red::1",
        "v2:tqb:",
        "v2:nope:1",
        "v3:tq:1:red::1",
        "V2:tq:1:red::1",
        "v2:tq: 1:red::1",
    ],
)
def test_malformed_payloads_parse_to_none(data: str | None) -> None:
    assert CallbackData.parse(data) is None
    assert Sample.parse(data) is None


def test_old_v1_buttons_read_as_stale_and_foreign_data_as_none() -> None:
    assert read("v1:acc:17") == StaleButton("v1:acc:17")
    assert CallbackData.parse("v1:acc:17") is None
    assert read("v1:") is None
    assert read("something else") is None
    assert read(None) is None
    assert read("v1:acc:" + "9" * 80) is None  # oversized: not a button we ever made


@given(st.text())
def test_no_text_makes_parsing_raise(data: str) -> None:
    CallbackData.parse(data)
    Sample.parse(data)
    read(data)


@given(instances(), st.text(max_size=4), st.integers(min_value=0, max_value=64))
def test_no_damaged_payload_makes_parsing_raise(button: CallbackData, noise: str, cut: int) -> None:
    data = button.pack()
    for damaged in (data[:cut], data + noise, data[:cut] + noise + data[cut:]):
        parsed = CallbackData.parse(damaged)
        assert parsed is None or isinstance(parsed, CallbackData)


def test_reloading_a_module_of_buttons_is_not_a_duplicate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "reloaded_buttons.py").write_text(
        "from bot.core.callbacks import CallbackData\n\n\n"
        "class Reloaded(CallbackData, prefix='tqr'):\n    report_id: int\n",
        encoding="utf-8",
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    module = importlib.import_module("reloaded_buttons")
    reloaded = importlib.reload(module)
    assert CallbackData.registry["tqr"] is reloaded.Reloaded
    assert CallbackData.parse("v2:tqr:3") == reloaded.Reloaded(3)
