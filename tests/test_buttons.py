"""The declared buttons (`handlers.buttons`) cover every v1 callback code the handlers use,
each under the same code, and `docs/callback-map.md` lists exactly them."""

from __future__ import annotations

import dataclasses
import importlib
import re
import typing
from pathlib import Path
from typing import Any

import handlers.buttons
from bot.core.callbacks import MAX_BYTES, CallbackData
from bot.schedules.recurrence import LAST_DAY

ROOT = Path(__file__).resolve().parent.parent
ROW = re.compile(
    r"^\| `v1:(?P<code>[a-z0-9]+)[^`]*` \| `(?P<constant>[\w.]+)` \| `(?P<cls>[\w.]+)\("
)
NEW_ROW = re.compile(
    r"^\| new in v2 \| `(?P<module>[\w.]+)` \| `(?P<cls>[\w.]+)\(.*\| `v2:(?P<code>[a-z0-9]+)"
)


def mapped() -> list[tuple[str, str, str]]:
    """(code, module.CONSTANT, module.Class) for each row of the map."""
    text = (ROOT / "docs" / "callback-map.md").read_text(encoding="utf-8")
    return [
        (match["code"], match["constant"], match["cls"])
        for line in text.splitlines()
        if (match := ROW.match(line))
    ]


BUTTON_MODULES = (
    *(
        f"handlers.buttons.{journey}_buttons"
        for journey in ("villager", "work", "notice", "schedule", "role")
    ),
    "bot.reporting.buttons",
)
"""The modules the buttons are declared in, one per journey."""

MAP_MODULES = {"bot.reporting.buttons": "report_buttons"}
"""How the map names a module whose last part is ambiguous."""


def new_in_v2() -> set[str]:
    """The codes of buttons that have no v1 code (the map's "new in v2" rows)."""
    text = (ROOT / "docs" / "callback-map.md").read_text(encoding="utf-8")
    return {match["code"] for line in text.splitlines() if (match := NEW_ROW.match(line))}


def test_the_map_names_each_v1_constant_and_its_class() -> None:
    """Each row's class is declared under its code; its old constant, while a module not yet
    migrated still has it, is that code too (a migrated module's constant is gone)."""
    rows = mapped()
    assert len(rows) == 79
    for code, constant, name in rows:
        module_name, _, attribute = constant.rpartition(".")
        if not module_name.startswith("bot."):
            module_name = f"handlers.{module_name}"
        module = importlib.import_module(module_name)
        if hasattr(module, attribute):  # a migrated module no longer defines its v1 code
            assert getattr(module, attribute) == code, constant
        declared = CallbackData.registry[code]
        short = MAP_MODULES.get(declared.__module__, declared.__module__.rpartition(".")[2])
        assert f"{short}.{declared.__name__}" == name


def test_every_declared_button_is_in_the_map() -> None:
    declared = {
        prefix for prefix, cls in CallbackData.registry.items() if cls.__module__ in BUTTON_MODULES
    }
    assert declared == {code for code, _, _ in mapped()} | new_in_v2()


def realistic(annotation: Any, name: str) -> Any:
    """The longest value a field carries in practice (ids of the sample town and beyond)."""
    if annotation is int:
        return LAST_DAY if name == "day" else 2**53
    if annotation is bool:
        return True
    if annotation is str:
        return {"at": "2359", "language": "zh"}.get(name, "村" * 4 + "x" * 8)
    return max(annotation, key=lambda member: len(member.value))


def test_every_button_fits_64_bytes_with_long_realistic_values() -> None:
    for cls in CallbackData.registry.values():
        if cls.__module__ not in BUTTON_MODULES:
            continue
        hints = typing.get_type_hints(cls)
        values = {
            field.name: realistic(hints[field.name], field.name)
            for field in dataclasses.fields(typing.cast(Any, cls))
        }
        data = cls(**values).pack()
        assert len(data.encode()) <= MAX_BYTES, data
        assert CallbackData.parse(data) == cls(**values)


def test_buttons_keep_their_v1_code_as_v2_prefix() -> None:
    assert handlers.buttons.AcceptTask(17).pack() == "v2:acc:17"
    assert handlers.buttons.AssignVillage(17, "v03").pack() == "v2:oav:17:v03"
    assert handlers.buttons.ScheduleDay(LAST_DAY).pack() == "v2:sd:-1"
    assert handlers.buttons.ReportCancel().pack() == "v2:rx"
