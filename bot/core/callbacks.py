"""Button payloads: a short versioned prefix, an action code and ids only (≤ 64 bytes).

Buttons outlive the messages that carry them, so handlers decode defensively and re-check
everything against the database; a payload is never trusted.

Buttons are declared classes: `class AcceptTask(CallbackData, prefix="acc"): report_id: int`
packs to `"v2:acc:17"`; `CallbackData.parse` gives back the right instance, or None for anything
malformed. `read` also recognises a button of the previous generation (`v1:code:…`, still in old
messages) as `StaleButton`, so it gets a polite "no longer active" instead of silence.
"""

from __future__ import annotations

import inspect
import re
import types
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Any, ClassVar, Self, Union, get_args, get_origin, get_type_hints

from typing_extensions import dataclass_transform

MAX_BYTES = 64
STALE_VERSION = "v1"
"""The previous generation's prefix: such a button is answered "no longer active", never run."""

VERSION = "v2"
SEPARATOR = ":"
PREFIX_SHAPE = re.compile(r"[a-z][a-z0-9]{0,5}")
"""Prefixes stay short so ids have room within 64 bytes."""
MAX_INT_CHARS = 20
"""A 64-bit signed integer written out, sign included."""

Encoder = Callable[[Any], str]
Decoder = Callable[[str], Any]


@dataclass(frozen=True)
class StaleButton:
    """A button of the previous generation (`v1:`): answered "no longer active", never run."""

    data: str


@dataclass(frozen=True)
class _Field:
    """How one declared field is written and read back, and its longest written form."""

    name: str
    encode: Encoder
    decode: Decoder
    max_chars: int | None


def _encode_text(value: str) -> str:
    if not isinstance(value, str) or not value or SEPARATOR in value:
        raise ValueError(f"a text field must be non-empty and free of {SEPARATOR!r}: {value!r}")
    return value


def _decode_text(raw: str) -> str:
    if not raw:
        raise ValueError("empty text field")
    return raw


def _encode_int(value: int) -> str:
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(f"not an integer: {value!r}")
    return str(value)


def _decode_int(raw: str) -> int:
    if not re.fullmatch(r"-?[0-9]{1,19}", raw):
        raise ValueError(f"not an integer: {raw!r}")
    return int(raw)


def _encode_bool(value: bool) -> str:
    if not isinstance(value, bool):
        raise ValueError(f"not a bool: {value!r}")
    return "1" if value else "0"


def _decode_bool(raw: str) -> bool:
    if raw not in ("0", "1"):
        raise ValueError(f"not a bool: {raw!r}")
    return raw == "1"


def _enum_field(name: str, kind: type[Enum]) -> _Field:
    """Enums travel as their value; every value must be a separator-free string."""
    values = {str(member.value): member for member in kind}
    if any(not value or SEPARATOR in value for value in values):
        raise TypeError(f"{kind.__name__} has a value that cannot travel in a button")

    def encode(value: Any) -> str:
        if not isinstance(value, kind):
            raise ValueError(f"not a {kind.__name__}: {value!r}")
        return str(value.value)

    return _Field(name, encode, values.__getitem__, max(len(value) for value in values))


def _field_for(name: str, annotation: Any) -> _Field:
    """The codec for one annotation: int, str, bool, a str-valued Enum, or one of them | None."""
    if get_origin(annotation) in (Union, types.UnionType):
        inner = [arg for arg in get_args(annotation) if arg is not type(None)]
        if len(inner) != 1 or len(get_args(annotation)) != 2:
            raise TypeError(f"{name}: only `X | None` unions are supported")
        required = _field_for(name, inner[0])
        return _Field(
            name,
            lambda value: "" if value is None else required.encode(value),
            lambda raw: None if raw == "" else required.decode(raw),
            required.max_chars,
        )
    if annotation is bool:
        return _Field(name, _encode_bool, _decode_bool, 1)
    if annotation is int:
        return _Field(name, _encode_int, _decode_int, MAX_INT_CHARS)
    if annotation is str:
        return _Field(name, _encode_text, _decode_text, None)
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return _enum_field(name, annotation)
    raise TypeError(f"{name}: {annotation!r} cannot travel in a button")


class _Declared(type):
    """Builds a button class's dataclass when something asks for it by its dataclass names
    (`dataclasses.fields`, `replace`) before any instance was made."""

    if not TYPE_CHECKING:  # to mypy it would say every attribute of every button class exists

        def __getattr__(cls, name: str) -> Any:
            building = name.startswith("__dataclass_") and issubclass(cls, CallbackData)
            if building and cls._declare():
                return getattr(cls, name)
            raise AttributeError(name)


@dataclass_transform(frozen_default=True)
class CallbackData(metaclass=_Declared):
    """Base of every v2 button: subclass with a prefix and typed fields, as a dataclass.

    Class creation checks the prefix's shape, refuses a prefix already taken by another class
    (the same class declared again by a module reload takes its place), and refuses a
    class whose longest possible payload (when every field has a bounded length) exceeds
    64 bytes; `pack` checks the actual payload too. The dataclass itself (its `__init__`,
    `__eq__`, …) is made when the first instance is, not at import: the bot declares some
    eighty buttons and a press uses a few.
    """

    prefix: ClassVar[str]
    _fields: ClassVar[tuple[_Field, ...]]
    registry: ClassVar[dict[str, type[CallbackData]]] = {}

    def __init_subclass__(cls, *, prefix: str, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not PREFIX_SHAPE.fullmatch(prefix):
            raise TypeError(f"{cls.__name__}: prefix {prefix!r} is not 1–6 of a-z0-9")
        taken = CallbackData.registry.get(prefix)
        reloaded = taken is not None and _name(taken) == _name(cls)
        if taken is not None and not reloaded:
            raise TypeError(f"{cls.__name__}: prefix {prefix!r} is taken by {taken.__name__}")
        hints = get_type_hints(cls)
        cls.prefix = prefix
        cls._fields = tuple(
            _field_for(name, hints[name])
            for name in inspect.get_annotations(cls)
            if get_origin(hints[name]) is not ClassVar
        )
        longest = cls.longest_payload()
        if longest is not None and longest > MAX_BYTES:
            raise TypeError(f"{cls.__name__}: payload can reach {longest} bytes > {MAX_BYTES}")
        CallbackData.registry[prefix] = cls

    def __new__(cls, *args: Any, **kwargs: Any) -> Self:
        cls._declare()  # the generated __init__ then takes the arguments
        return super().__new__(cls)

    @classmethod
    def _declare(cls) -> bool:
        """Make the class a frozen dataclass, once; False for the base class itself."""
        if cls is CallbackData or "__dataclass_fields__" in cls.__dict__:
            return cls is not CallbackData
        dataclass(frozen=True)(cls)
        return True

    @classmethod
    def longest_payload(cls) -> int | None:
        """The longest payload in bytes, or None when a free-text field makes it unbounded."""
        lengths = [field.max_chars for field in cls._fields]
        if any(length is None for length in lengths):
            return None
        head = len(VERSION) + len(SEPARATOR) + len(cls.prefix)
        return head + sum(len(SEPARATOR) + (length or 0) for length in lengths)

    def pack(self) -> str:
        """`v2:prefix:field:…`; ValueError if a value cannot travel or it exceeds 64 bytes."""
        parts = [VERSION, self.prefix]
        parts += [field.encode(getattr(self, field.name)) for field in self._fields]
        data = SEPARATOR.join(parts)
        if len(data.encode("utf-8")) > MAX_BYTES:
            raise ValueError(f"callback data over {MAX_BYTES} bytes: {data!r}")
        return data

    @classmethod
    def parse(cls, data: str | None) -> Self | None:
        """The button `data` stands for, if it is a well-formed v2 payload of this class (or,
        on `CallbackData` itself, of any declared class); None otherwise, never an exception."""
        if not isinstance(data, str) or len(data.encode("utf-8", "replace")) > MAX_BYTES:
            return None
        version, prefix, *raw = data.split(SEPARATOR) if SEPARATOR in data else ("", "")
        declared = CallbackData.registry.get(prefix) if version == VERSION else None
        if declared is None or not issubclass(declared, cls) or len(raw) != len(declared._fields):
            return None
        try:
            values = [field.decode(text) for field, text in zip(declared._fields, raw, strict=True)]
        except (KeyError, ValueError):
            return None
        return declared(*values)

    @classmethod
    def pattern(cls) -> str:
        """A regex for `CallbackQueryHandler(pattern=…)` that takes exactly this class."""
        tail = rf"(?:{SEPARATOR}[^{SEPARATOR}]*)" + (
            f"{{{len(cls._fields)}}}" if cls._fields else "{0}"
        )
        return rf"^{VERSION}{SEPARATOR}{re.escape(cls.prefix)}{tail}$"


def _name(cls: type) -> str:
    """A class's full name: the same class again after a module reload is not a duplicate."""
    return f"{cls.__module__}.{cls.__qualname__}"


def read(data: str | None) -> CallbackData | StaleButton | None:
    """Any button data: a declared v2 payload, an old v1 button, or None for what is not ours."""
    parsed = CallbackData.parse(data)
    if parsed is not None:
        return parsed
    return StaleButton(data) if data is not None and _is_stale(data) else None


def _is_stale(data: str) -> bool:
    """`v1:code[:arg…]` within 64 bytes: a button we made before the typed ones."""
    version, _, rest = data.partition(SEPARATOR)
    action = rest.partition(SEPARATOR)[0]
    return version == STALE_VERSION and bool(action) and len(data.encode()) <= MAX_BYTES
