"""Argument checks shared by the resources: each returns the wire value or raises
:class:`~cc_campaigns.errors.ValidationError` before anything is sent."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

import orjson

from ...errors import ValidationError
from ..models import MAX_DESTINATIONS, NIL_UUID, Address, CampaignStatus, CampaignType, EndHandle
from ..wire import address_to_wire, to_address

#: The server's default and largest page.
MAX_PAGE_SIZE = 100


def uuid_text(value: Any, what: str) -> str:
    """``value`` as a canonical UUID text; the nil UUID is refused."""
    if isinstance(value, uuid.UUID):
        parsed = value
    elif isinstance(value, str):
        try:
            parsed = uuid.UUID(value.strip())
        except ValueError:
            raise ValidationError(f"{what} must be a UUID, got {value!r}") from None
    else:
        raise ValidationError(f"{what} must be a UUID, got {type(value).__name__} {value!r}")
    if parsed.int == 0:
        raise ValidationError(f"{what} must not be the nil UUID")
    return str(parsed)


def ref(value: Any, what: str) -> str:
    """A reference to another resource; ``None`` or the nil UUID mean "not assigned"."""
    if value is None or (isinstance(value, str) and value.strip() in ("", NIL_UUID)):
        return NIL_UUID
    if isinstance(value, uuid.UUID) and value.int == 0:
        return NIL_UUID
    return uuid_text(value, what)


def text(value: Any, what: str) -> str:
    if not isinstance(value, str):
        raise ValidationError(f"{what} must be text, got {type(value).__name__} {value!r:.50}")
    return value


def integer(value: Any, what: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(f"{what} must be an integer, got {value!r}")
    if value < minimum:
        raise ValidationError(f"{what} must be >= {minimum}, got {value}")
    return value


def choice(value: Any, enum_cls: type[CampaignType] | type[EndHandle], what: str) -> str:
    try:
        return str(enum_cls(str(getattr(value, "value", value)).strip().lower()).value)
    except ValueError:
        names = ", ".join(repr(e.value) for e in enum_cls)
        raise ValidationError(f"{what} must be one of {names}, got {value!r}") from None


def status(value: CampaignStatus | str) -> CampaignStatus:
    try:
        return CampaignStatus(str(getattr(value, "value", value)).strip().lower())
    except ValueError:
        names = ", ".join(repr(s.value) for s in CampaignStatus)
        raise ValidationError(f"status must be one of {names}, got {value!r}") from None


def data(value: str | Mapping[str, Any]) -> str:
    """Free text kept with a resource; a mapping is sent as JSON text."""
    if isinstance(value, Mapping):
        return orjson.dumps(value).decode()
    return text(value, "data")


def page_size(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_PAGE_SIZE:
        raise ValidationError(
            f"page_size must be an integer from 1 to {MAX_PAGE_SIZE}, got {value!r}"
        )
    return value


def dial_info(
    source: Address | str | None,
    dial_timeout: int | None,
    try_interval: int | None,
    max_try_counts: Sequence[int] | None,
) -> dict[str, Any]:
    """The dial settings that are given (not ``None``), checked, with their wire names."""
    body: dict[str, Any] = {}
    if source is not None:
        body["source"] = address_to_wire(to_address(source))
    if dial_timeout is not None:
        body["dial_timeout"] = integer(dial_timeout, "dial_timeout", 0)
    if try_interval is not None:
        body["try_interval"] = integer(try_interval, "try_interval", 0)
    if max_try_counts is not None:
        counts = list(max_try_counts)
        if len(counts) > MAX_DESTINATIONS:
            raise ValidationError(
                f"max_try_counts has one number per destination (at most {MAX_DESTINATIONS})"
            )
        counts += [0] * (MAX_DESTINATIONS - len(counts))
        for index, count in enumerate(counts):
            body[f"max_try_count_{index}"] = integer(count, f"max_try_counts[{index}]", 0)
    return body


def wire_text(value: Any, default: Any) -> str:
    """An enum value as read back (a value unknown to this SDK is sent back unchanged)."""
    value = value if value is not None else default
    return str(getattr(value, "value", value))
