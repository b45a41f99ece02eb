"""What a provider reads from its error bodies beyond the message, kept on the error it raises.

An :data:`ErrorDetails` hook (``Session(error_details=...)``) reads the raw error body and
returns attributes to set on the :class:`~cc_campaigns.errors.ApiError`: a support reference,
a timestamp, field errors, a decoded body. The hook reads the raw bytes, as the
:data:`~.response.ErrorDecoder` does (masking the JSON text before parsing it would miss a
secret written with escapes), and the session masks what it returns: every text in it, however
deep (mappings, lists, tuples, attrs classes), has its secrets replaced and is then shortened,
so no hook can put a secret on an error. Pure: no I/O.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

import attrs

from ..errors import ApiError

__all__ = ["ErrorDetails", "attach_details", "masked"]

logger = logging.getLogger("cc_campaigns")

#: Reads an error body (the raw bytes, at most 64 KiB) into attributes of the error raised for
#: it: ``{name: value}``. Values are texts, numbers, booleans, ``None``, or mappings, lists,
#: tuples and attrs classes of them; names are new public attributes (``problem``), never one
#: the error already has (``message``, ``status`` ...).
ErrorDetails = Callable[[bytes], Mapping[str, Any]]

_PLAIN = (int, float, bool, type(None))


def masked(value: Any, mask: Callable[[str], str]) -> Any:
    """``value`` with ``mask`` applied to every text in it, however deep: mappings (keys too),
    lists, tuples and attrs classes are rebuilt, numbers, booleans and ``None`` kept.

    Raises:
        TypeError: a value of any other type (its texts could not be masked).
    """
    if isinstance(value, str):
        return mask(value)
    if isinstance(value, _PLAIN):
        return value
    if isinstance(value, Mapping):
        return {masked(k, mask): masked(v, mask) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(masked(item, mask) for item in value)
    if attrs.has(type(value)):
        fields = attrs.fields(type(value))
        if not all(f.init for f in fields):
            raise TypeError(f"{type(value).__name__} has fields that cannot be rebuilt")
        return attrs.evolve(
            value, **{f.alias: masked(getattr(value, f.name), mask) for f in fields}
        )
    raise TypeError(f"cannot mask a {type(value).__name__}: not text, a number, a container")


def attach_details(
    error: ApiError, body: bytes, hook: ErrorDetails, mask: Callable[[str], str]
) -> None:
    """Set what ``hook`` reads from ``body`` on ``error``, masked: all of it or, when the hook
    fails (raises, returns something else than names to values, a name the error already has,
    a value that cannot be masked), none of it. A failing hook never replaces the error: it
    is logged (a warning, masked) and the error is raised without details."""
    try:
        found = hook(body)
        if not isinstance(found, Mapping):
            raise TypeError(f"returned a {type(found).__name__}, not a mapping")
        details = {}
        for name, value in found.items():
            if not (isinstance(name, str) and name.isidentifier() and not name.startswith("_")):
                raise ValueError(f"{name!r} is not a public attribute name")
            if hasattr(error, name):
                raise ValueError(f"{name!r} would replace an attribute of the error")
            details[name] = masked(value, mask)
    except Exception as err:  # a provider's bug must not hide the service's answer
        logger.warning(
            "error details not attached to %s: %s: %s",
            type(error).__name__,
            type(err).__name__,
            mask(str(err)),
        )
        return
    for name, value in details.items():
        setattr(error, name, value)
