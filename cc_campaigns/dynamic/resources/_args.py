"""Argument checks shared by the resources (and the client's bulk entry points): each returns
the wire value or raises :class:`~cc_campaigns.errors.ValidationError` before anything is sent."""

from __future__ import annotations

from typing import Any

from ...errors import ValidationError
from ..models import StatusChange
from ..wire import parse_customer_id


def campaign_id(value: Any) -> int:
    """A campaign id: a non-negative integer (or its digits)."""
    try:
        return parse_customer_id(value)
    except ValidationError:
        raise ValidationError(
            f"campaign id must be a non-negative integer, got {value!r}"
        ) from None


def status_change(value: StatusChange | str) -> StatusChange:
    """A :class:`StatusChange`, or its name in any case (``"paused"``)."""
    if isinstance(value, StatusChange):
        return value
    try:
        return StatusChange(str(value).strip().upper())
    except ValueError:
        names = ", ".join(s.value for s in StatusChange)
        raise ValidationError(f"unknown status {value!r}: use one of {names}") from None
