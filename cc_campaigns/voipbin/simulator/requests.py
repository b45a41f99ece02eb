"""Strict reading of the requests the simulated VoIPbin receives.

Unknown fields, missing required fields, wrong types, values outside the vendor's lists
(:mod:`.vendor`) and non-E.164 phone numbers are refused with ``400 INVALID_ARGUMENT``, so the
simulator catches SDK bugs a lenient real service might let through.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from . import vendor
from .errors import SimError
from .records import Address

__all__ = ["CAMPAIGN", "DIAL_INFO", "TARGET", "Reader", "path_id", "read"]

#: A field reader: (field name, JSON value) -> the stored value, or SimError.
Reader = Callable[[str, Any], Any]

_E164 = re.compile(r"^\+[1-9]\d{1,14}$")


def path_id(value: str, what: str) -> str:
    """A resource id from the path: a UUID, not the nil one."""
    try:
        parsed = uuid.UUID(value)
    except ValueError:
        raise SimError("INVALID_ARGUMENT", f"{what} id {value!r} is not a UUID") from None
    if parsed.int == 0:
        raise SimError("INVALID_ARGUMENT", f"{what} id must not be the nil UUID")
    return str(parsed)


def read(
    body: Any, spec: Mapping[str, Reader], *, required: tuple[str, ...] = ()
) -> dict[str, Any]:
    """The known fields of a JSON object, checked; unknown or missing fields are refused."""
    if not isinstance(body, Mapping):
        raise SimError("INVALID_ARGUMENT", "the request body must be a JSON object")
    unknown = sorted(set(body) - set(spec))
    if unknown:
        raise SimError(
            "INVALID_ARGUMENT", "unknown fields in the request", details={"unknown": unknown}
        )
    missing = [name for name in required if body.get(name) is None]
    if missing:
        raise SimError(
            "INVALID_ARGUMENT", "required fields are missing", details={"missing": missing}
        )
    return {name: spec[name](name, value) for name, value in body.items()}


def _invalid(name: str, expected: str, value: Any) -> SimError:
    return SimError(
        "INVALID_ARGUMENT",
        f"{name}: expected {expected}",
        details={"field": name, "value": repr(value)[:80]},
    )


def text(name: str, value: Any) -> str:
    if not isinstance(value, str):
        raise _invalid(name, "a string", value)
    return value


def nonnegative(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise _invalid(name, "a non-negative integer", value)
    return value


def ref(name: str, value: Any) -> str | None:
    """A reference to another resource; the nil UUID clears it (``None``)."""
    if not isinstance(value, str):
        raise _invalid(name, "a UUID string", value)
    try:
        parsed = uuid.UUID(value)
    except ValueError:
        raise _invalid(name, "a UUID string", value) from None
    return None if parsed.int == 0 else str(parsed)


def choice(values: Sequence[str]) -> Reader:
    """One of the vendor's values for a field, exactly."""

    def read_choice(name: str, value: Any) -> str:
        if not isinstance(value, str) or value not in values:
            raise _invalid(name, f"one of {', '.join(values)}", value)
        return value

    return read_choice


def actions(name: str, value: Any) -> tuple[Mapping[str, Any], ...]:
    if not isinstance(value, list):
        raise _invalid(name, "a list of actions", value)
    result = []
    for index, action in enumerate(value):
        if not isinstance(action, Mapping) or not isinstance(action.get("type"), str):
            raise _invalid(f"{name}[{index}]", "an object with a 'type'", action)
        # The service fills in the ids of an action given without them (struct page example).
        if "id" not in action:
            result.append({"id": vendor.NIL_UUID, "next_id": vendor.NIL_UUID, **action})
        else:
            result.append(dict(action))
    return tuple(result)


def _address(name: str, value: Any, *, optional: bool) -> Address | None:
    if value is None and optional:
        return None
    if not isinstance(value, Mapping):
        raise _invalid(name, "an address object {type, target, ...}", value)
    unknown = sorted(set(value) - set(vendor.ADDRESS_FIELDS))
    if unknown:
        raise SimError(
            "INVALID_ARGUMENT", f"{name}: unknown address fields", details={"unknown": unknown}
        )
    for key, field_value in value.items():
        if not isinstance(field_value, str):
            raise _invalid(f"{name}.{key}", "a string", field_value)
    kind = value.get("type", "")
    if kind not in vendor.ADDRESS_TYPES:
        raise _invalid(f"{name}.type", "an address type (tel, sip, agent ...)", value)
    target = value.get("target", "")
    if not target:
        raise _invalid(f"{name}.target", "a non-empty target", value)
    if kind == "tel" and not _E164.match(target):
        raise _invalid(f"{name}.target", "an E.164 phone number such as +15551234567", target)
    return Address(
        type=kind,
        target=target,
        target_name=value.get("target_name") or None,
        name=value.get("name") or None,
        detail=value.get("detail") or None,
    )


def optional_address(name: str, value: Any) -> Address | None:
    return _address(name, value, optional=True)


def required_address(name: str, value: Any) -> Address | None:
    return _address(name, value, optional=False)


#: The fields of ``POST /campaigns`` (voipbin-campaign-tutorial.rst, "Create a new campaign").
CAMPAIGN: Mapping[str, Reader] = {
    "name": text,
    "detail": text,
    "type": choice(vendor.CAMPAIGN_TYPES),
    "service_level": nonnegative,
    "end_handle": choice(vendor.END_HANDLES),
    "actions": actions,
    "outplan_id": ref,
    "outdial_id": ref,
    "queue_id": ref,
    "next_campaign_id": ref,
}
#: The fields of ``PUT /campaigns/{id}``.
CAMPAIGN_UPDATE: Mapping[str, Reader] = {
    key: CAMPAIGN[key] for key in ("name", "detail", "type", "service_level", "end_handle")
}
#: The fields of ``PUT /campaigns/{id}/resource_info``.
CAMPAIGN_RESOURCES: Mapping[str, Reader] = {
    key: ref for key in ("outplan_id", "outdial_id", "queue_id", "next_campaign_id")
}
#: The dialling fields of an outplan (``POST /outplans``, ``PUT /outplans/{id}/dial_info``).
DIAL_INFO: Mapping[str, Reader] = {
    "source": optional_address,
    "dial_timeout": nonnegative,
    "try_interval": nonnegative,
    **{f"max_try_count_{i}": nonnegative for i in range(5)},
}
#: The fields of ``POST /outdials/{id}/targets``.
TARGET: Mapping[str, Reader] = {
    "name": text,
    "detail": text,
    "data": text,
    "destination_0": required_address,
    **{f"destination_{i}": optional_address for i in range(1, 5)},
}
#: Names and details, the fields of the plain ``PUT`` of outplans and outdials.
NAMING: Mapping[str, Reader] = {"name": text, "detail": text}
