"""Lenient reading of a provider's JSON: the cattrs hooks every provider's ``wire`` module shares.

Reading is lenient because services are inconsistent: a number sent as text, ``""`` for "not
set", ``"Y"``/``"N"`` booleans, an enum value added after this SDK was written. One rule for
each, the same for every provider:

* :func:`lenient_int`: an int, an integral float (``3.0``) or ASCII digits with an optional
  sign (``" 42 "``); anything else (``1.5``, ``inf``, ``"abc"``, ``True``, a list) is ``None``.
  It never raises.
* :func:`lenient_str`: ``None`` for a blank value, else ``str(value)``.
* :func:`lenient_bool`: ``Y/YES/TRUE/1`` and ``N/NO/FALSE/0`` in any case, or a real bool;
  anything else is ``None``.
* :func:`keep_unknown`: an enum member when the value is one, else the value as read (never a
  crash on a value the SDK does not know yet).
* :func:`structure`: one way to read an attrs model, with one error type
  (:class:`~cc_campaigns.errors.CampaignsError`) and one message shape on every side; the
  message describes the shape of what came back, never its content (an answer may echo a
  secret).

:func:`lenient_converter` builds a private converter with these hooks registered for the plain
types; a provider adds its own (ids, timestamps, renames).
"""

from __future__ import annotations

import enum
import math
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import cattrs

from .errors import CampaignsError

__all__ = [
    "describe",
    "equals",
    "is_blank",
    "keep_unknown",
    "lenient_bool",
    "lenient_converter",
    "lenient_int",
    "lenient_str",
    "lower_text",
    "structure",
]

T = TypeVar("T")
E = TypeVar("E", bound=enum.Enum)

#: Beyond this many digits ``int()`` refuses text (Python's int-string conversion limit).
_MAX_DIGITS = 4000
_TRUE = frozenset({"Y", "YES", "TRUE", "1"})
_FALSE = frozenset({"N", "NO", "FALSE", "0"})


def is_blank(value: Any) -> bool:
    """``None``, or text that is empty or only white space."""
    return value is None or (isinstance(value, str) and not value.strip())


def lenient_int(value: Any) -> int | None:
    """An int read leniently (see the module docstring); ``None`` when it is not one."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        text = value.strip()
        digits = text[1:] if text[:1] in ("+", "-") else text
        # ASCII only: str.isdigit() alone accepts other scripts' digits and superscripts.
        if digits.isascii() and digits.isdigit() and len(digits) <= _MAX_DIGITS:
            return int(text)
        return None
    if isinstance(value, float):
        return int(value) if math.isfinite(value) and value.is_integer() else None
    return None


def lenient_str(value: Any) -> str | None:
    """``None`` for a blank value, else ``str(value)``."""
    return None if is_blank(value) else str(value)


def lenient_bool(value: Any) -> bool | None:
    """A bool read leniently: ``Y``/``N`` and friends, a real bool; else ``None``."""
    if isinstance(value, bool):
        return value
    if is_blank(value) or not isinstance(value, (str, int)):
        return None
    text = str(value).strip().upper()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    return None


def lower_text(value: Any) -> str | None:
    """Text stripped and in lower case (``None`` when blank): how a text enum is looked up."""
    return None if is_blank(value) else str(value).strip().lower()


def keep_unknown(
    enum_cls: type[E],
    read: Callable[[Any], Any],
    *,
    unknown: Callable[[Any, Any], Any] | None = None,
) -> Callable[[Any, Any], Any]:
    """A structure hook for ``enum_cls | <raw type> | None``: ``read`` the value (``None``
    gives ``None``), then the member of that value, or, for a value this SDK does not know,
    ``unknown(value, read_value)`` (default: the value as ``read`` returned it)."""

    def hook(value: Any, _: Any) -> Any:
        key = read(value)
        if key is None:
            return None
        try:
            return enum_cls(key)
        except ValueError:
            return key if unknown is None else unknown(value, key)

    return hook


def equals(expected: Any) -> Callable[[Any], bool]:
    """A cattrs predicate that matches one type exactly (``int | None``, ``tuple[X, ...]``)."""

    def predicate(candidate: Any) -> bool:
        return bool(candidate == expected)

    return predicate


def lenient_converter() -> cattrs.Converter:
    """A new private converter that ignores unknown keys and reads ``int``, ``str``, ``bool``
    and their ``| None`` forms leniently (a plain ``int`` or ``str`` field reads a missing
    value as ``0`` or ``""``, a plain ``bool`` as ``False``)."""
    conv = cattrs.Converter(forbid_extra_keys=False)
    # Plain classes (int, str, bool) have built-in hooks (``int(v)``, ``bool("N")`` is True)
    # that win over predicate hooks, so they are registered by class.
    conv.register_structure_hook(int, lambda v, _: lenient_int(v) or 0)
    conv.register_structure_hook(str, lambda v, _: lenient_str(v) or "")
    conv.register_structure_hook(bool, lambda v, _: bool(lenient_bool(v)))
    hooks: list[tuple[Any, Callable[[Any, Any], Any]]] = [
        (int | None, lambda v, _: lenient_int(v)),
        (str | None, lambda v, _: lenient_str(v)),
        (bool | None, lambda v, _: lenient_bool(v)),
    ]
    for type_, hook in hooks:
        conv.register_structure_hook_func(equals(type_), hook)
    return conv


def describe(value: Any) -> str:
    """The shape of a JSON value, for an error message: its type and size, never its content
    (keys included: an answer may echo a secret anywhere). A caller holding the response
    quotes it with secrets masked instead (``Response.unexpected``)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return f"text of {_count(len(value), 'character')}"
    if isinstance(value, Mapping):
        return f"an object of {_count(len(value), 'key')}" if value else "an empty object"
    if isinstance(value, (list, tuple)):
        return f"a list of {_count(len(value), 'item')}"
    return type(value).__name__


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def structure(
    converter: cattrs.Converter,
    data: Any,
    cls: type[T],
    *,
    required: tuple[str, ...] = (),
) -> T:
    """``data`` (a JSON object) read as ``cls``.

    Raises:
        CampaignsError: ``data`` is not an object, lacks a ``required`` key (or has it blank),
            or cannot be read as ``cls`` (a missing required field); the message says which
            class and what came back (its shape, never its values).
    """
    if not isinstance(data, Mapping):
        raise CampaignsError(
            f"unexpected answer: expected a JSON object for a {cls.__name__}, got {describe(data)}"
        )
    for key in required:
        if is_blank(data.get(key)):
            raise CampaignsError(
                f"unexpected answer: a {cls.__name__} without {key!r}, got {describe(data)}"
            )
    try:
        return converter.structure(data, cls)
    except (cattrs.BaseValidationError, TypeError, ValueError) as err:
        raise CampaignsError(
            f"unexpected answer: cannot read a {cls.__name__} from {describe(data)}"
        ) from err
