"""Strict reading of the two request bodies, as the vendor's validation would refuse them.

The simulator stands for the vendor, so it refuses what the vendor documents as invalid and,
where no page says, whatever a strictly typed service would not bind (choices marked
"not documented" in the notes, made here on purpose so that a sloppy client fails a test):

- a body that is not JSON, or not an object: 400 ``Bad Request`` (no ``errors``);
- a member the schema does not have (``buildOnStart`` counts only with ``action: START``, the
  OAS ``oneOf`` on ``action``): 400 with a FieldError ``UnknownField``;
- a member of the wrong JSON type (a string ``"true"`` for a boolean, a bool for ``rank``):
  ``TypeMismatch``; an enum value not in the enum: ``InvalidValue``;
- ``null`` for an optional member is the same as leaving it out; for a required one it is
  ``NotNull`` / ``NotBlank``.

Field paths follow Bean Validation (``records[3].crmRecordId``), so a client can tell which
item failed (the TS example shows the bare ``crmRecordId``).
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

import attrs

from . import vendor
from .problems import Problem, field_error, parse_time, validation_failed

__all__ = ["AddItem", "Modify", "parse_add", "parse_modify"]


@attrs.frozen
class Modify:
    """A valid ModifyCampaignRequest / StartCampaignRequest."""

    action: str
    #: ``None``: keep the current flag.
    enabled: bool | None = None
    #: ``None``: the campaign's configured setting.
    build_on_start: bool | None = None


@attrs.frozen
class AddItem:
    """A valid AddRecordRequest."""

    crm_record_id: str
    schedule_at: datetime | None = None
    priority: str = "HIGH"
    #: ``None``: auto-assigned.
    rank: float | None = None


def _object(document: Any) -> dict[str, Any]:
    if type(document) is not dict:
        raise Problem(400, "Bad Request", "Failed to read request: a JSON object is expected")
    return document


def _unknown(obj: dict[str, Any], allowed: frozenset[str], prefix: str) -> list[dict[str, str]]:
    return [
        field_error(f"{prefix}{name}", "UnknownField", "is not a known property")
        for name in obj
        if name not in allowed
    ]


def _enum(
    value: Any, values: tuple[str, ...], field: str, errors: list[dict[str, str]]
) -> str | None:
    if type(value) is not str:
        errors.append(field_error(field, "TypeMismatch", "must be a string"))
    elif value not in values:
        errors.append(field_error(field, "InvalidValue", f"must be one of {', '.join(values)}"))
    else:
        return value
    return None


def _flag(value: Any, field: str, errors: list[dict[str, str]]) -> bool | None:
    if value is None or type(value) is bool:
        return value
    errors.append(field_error(field, "TypeMismatch", "must be a boolean"))
    return None


def parse_modify(document: Any) -> Modify:
    """The PATCH body, or :class:`Problem` 400."""
    obj = _object(document)
    errors: list[dict[str, str]] = []
    action = obj.get("action")
    if action is None:
        errors.append(field_error("action", "NotNull", "must not be null"))
    else:
        action = _enum(action, vendor.ACTIONS, "action", errors)
    allowed = vendor.MODIFY_FIELDS | ({"buildOnStart"} if action == "START" else set())
    errors.extend(_unknown(obj, allowed, ""))
    enabled = _flag(obj.get("enabled"), "enabled", errors)
    build = _flag(obj.get("buildOnStart"), "buildOnStart", errors) if action == "START" else None
    if errors or action is None:
        raise validation_failed(errors)
    return Modify(action, enabled, build)


def _item(raw: Any, index: int, errors: list[dict[str, str]]) -> AddItem | None:
    prefix = f"records[{index}]."
    if type(raw) is not dict:
        errors.append(field_error(f"records[{index}]", "TypeMismatch", "must be an object"))
        return None
    before = len(errors)
    errors.extend(_unknown(raw, vendor.ADD_FIELDS, prefix))
    crm = raw.get("crmRecordId")
    if crm is not None and type(crm) is not str:
        errors.append(field_error(prefix + "crmRecordId", "TypeMismatch", "must be a string"))
    elif crm is None or not crm.strip():
        errors.append(field_error(prefix + "crmRecordId", "NotBlank", "must not be blank"))
    elif len(crm) > vendor.MAX_CRM_ID:
        errors.append(
            field_error(
                prefix + "crmRecordId", "Size", f"size must be between 1 and {vendor.MAX_CRM_ID}"
            )
        )
    schedule = raw.get("scheduleAt")
    moment = None
    if schedule is not None:
        moment = parse_time(schedule)
        if moment is None:
            errors.append(
                field_error(
                    prefix + "scheduleAt",
                    "InvalidFormat",
                    "must be an ISO 8601 date-time with an offset",
                )
            )
    priority = raw.get("priority")
    if priority is not None:
        priority = _enum(priority, vendor.PRIORITIES, prefix + "priority", errors)
    rank = raw.get("rank")
    if rank is not None and (
        type(rank) not in (int, float) or not math.isfinite(rank)  # bool is not int here
    ):
        errors.append(field_error(prefix + "rank", "TypeMismatch", "must be a number"))
    if len(errors) != before or type(crm) is not str:
        return None
    return AddItem(crm, moment, priority or "HIGH", float(rank) if rank is not None else None)


def parse_add(document: Any) -> list[AddItem]:
    """The add-records body, or :class:`Problem` 400 (atomic: one bad item refuses all)."""
    obj = _object(document)
    errors = _unknown(obj, frozenset({"records"}), "")
    records = obj.get("records")
    if records is None:
        errors.append(field_error("records", "NotNull", "must not be null"))
        raise validation_failed(errors)
    if type(records) is not list:
        errors.append(field_error("records", "TypeMismatch", "must be an array"))
        raise validation_failed(errors)
    if not 1 <= len(records) <= vendor.MAX_RECORDS:
        errors.append(
            field_error("records", "Size", f"size must be between 1 and {vendor.MAX_RECORDS}")
        )
        raise validation_failed(errors)
    items: list[AddItem] = []
    seen: set[str] = set()
    for index, raw in enumerate(records):
        item = _item(raw, index, errors)
        if item is None:
            continue
        if item.crm_record_id in seen:
            errors.append(
                field_error(
                    f"records[{index}].crmRecordId",
                    "Duplicate",
                    f"duplicate crmRecordId in the request: {item.crm_record_id}",
                )
            )
        seen.add(item.crm_record_id)
        items.append(item)
    if errors:
        raise validation_failed(errors)
    return items
