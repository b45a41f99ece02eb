"""The JSON of the Campaigns API v1: reading its answers leniently, writing requests exactly.

Reading (``*_from_wire``) follows the shared rules of :mod:`cc_campaigns._wire`: unknown keys
are ignored, a number sent as text is read, an enum value this SDK does not know is kept as
text, an unreadable timestamp is ``None``. Writing checks each record as the service would
(:func:`record_to_wire`), so that one bad item never costs a whole batch of 100.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta, timezone
from typing import Any, TypeVar

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn, override

from .._wire import (
    equals,
    is_blank,
    keep_unknown,
    lenient_converter,
    lenient_str,
    structure,
)
from ..errors import CampaignsError, ValidationError
from .models import (
    MAX_CRM_RECORD_ID,
    AddRecord,
    Campaign,
    CampaignState,
    DisplayStatus,
    Record,
    RecordCount,
    RecordPriority,
    RecordResult,
    RecordState,
    RecordType,
)

__all__ = [
    "BAD_ID",
    "BAD_ITEM",
    "BAD_PRIORITY",
    "BAD_RANK",
    "BAD_SCHEDULE",
    "BLANK_ID",
    "LONG_ID",
    "campaign_from_wire",
    "format_timestamp",
    "parse_timestamp",
    "record_to_wire",
    "records_from_wire",
]

T = TypeVar("T")

# Reasons are categories (a bulk report counts items by reason), never the offending value.
SPACED_ID = "crmRecordId starts or ends with a space"
BLANK_ID = "crmRecordId is blank"
LONG_ID = f"crmRecordId is longer than {MAX_CRM_RECORD_ID} characters"
BAD_ID = "crmRecordId is not text or a whole number"
BAD_SCHEDULE = "scheduleAt is not an ISO 8601 date-time with a UTC offset"
BAD_PRIORITY = "priority is not HIGH, MEDIUM or LOW"
BAD_RANK = "rank is not a finite number"
BAD_ITEM = "a record is not a CRM record id, an AddRecord or a mapping"

_TIMESTAMP = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d{1,9}))?"
    r"(Z|z|[+-]\d{2}:?\d{2})$"
)


def _zone(text: str) -> timezone:
    if text in ("Z", "z"):
        return timezone.utc
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    return timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:4])))


def parse_timestamp(value: Any) -> datetime | None:
    """An aware datetime from ISO 8601 text with an offset (``2026-04-22T10:00:00Z``), kept in
    the offset it was written in; ``None`` for anything else (blank, no offset, not a date)."""
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else None
    if not isinstance(value, str):
        return None
    match = _TIMESTAMP.match(value.strip())
    if match is None:
        return None
    year, month, day, hour, minute, second = (int(g) for g in match.groups()[:6])
    micro = int((match.group(7) or "0")[:6].ljust(6, "0"))
    try:
        zone = _zone(match.group(8))
        return datetime(year, month, day, hour, minute, second, micro, tzinfo=zone)
    except ValueError:
        return None


def format_timestamp(value: datetime) -> str:
    """ISO 8601 as the service writes it: ``2026-04-22T10:00:00Z`` in UTC (fractions kept)."""
    utc = value.astimezone(timezone.utc)
    text = utc.isoformat(timespec="microseconds" if utc.microsecond else "seconds")
    return text.replace("+00:00", "Z")


def _choice(enum_cls: Any) -> Callable[[Any, Any], Any]:
    """The member of an upper-case enum value; an unknown value is kept as the text sent."""

    def read(value: Any) -> str | None:
        return None if is_blank(value) else str(value).strip().upper()

    return keep_unknown(enum_cls, read, unknown=lambda value, _: str(value).strip())


def _lenient_float(value: Any, _: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return None
    else:
        return None
    return number if math.isfinite(number) else None


def _counts(conv: cattrs.Converter) -> Callable[[Any, Any], tuple[RecordCount, ...]]:
    def read(value: Any, _: Any) -> tuple[RecordCount, ...]:
        if not isinstance(value, list):
            return ()
        return tuple(
            conv.structure(item, RecordCount) for item in value if isinstance(item, Mapping)
        )

    return read


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _make_converter() -> cattrs.Converter:
    conv = lenient_converter()
    hooks: list[tuple[Any, Callable[[Any, Any], Any]]] = [
        (datetime | None, lambda v, _: parse_timestamp(v)),
        (float | None, _lenient_float),
        (CampaignState | str | None, _choice(CampaignState)),
        (DisplayStatus | str | None, _choice(DisplayStatus)),
        (RecordType | str | None, _choice(RecordType)),
        (RecordState | str | None, _choice(RecordState)),
        (RecordResult | str | None, _choice(RecordResult)),
        (RecordPriority | str | None, _choice(RecordPriority)),
        (tuple[RecordCount, ...], _counts(conv)),
    ]
    for type_, hook in hooks:
        conv.register_structure_hook_func(equals(type_), hook)

    def structure_factory(cls: type[Any]) -> Callable[[Mapping[str, Any], Any], Any]:
        renames = {a.name: override(rename=_camel(a.name)) for a in attrs.fields(cls)}
        return make_dict_structure_fn(cls, conv, **renames)  # type: ignore[arg-type]

    conv.register_structure_hook_factory(attrs.has, structure_factory)
    return conv


_converter = _make_converter()


def campaign_from_wire(data: Any) -> Campaign:
    """A :class:`Campaign` from the ``PATCH`` answer.

    Raises:
        CampaignsError: not a JSON object, or one without an ``id``.
    """
    return structure(_converter, data, Campaign, required=("id",))


def records_from_wire(data: Any) -> list[Record]:
    """The :class:`Record` list of an add-records answer (``{"records": [...]}``).

    Raises:
        CampaignsError: not an object holding a ``records`` list of objects with ``id``.
    """
    items = data.get("records") if isinstance(data, Mapping) else None
    if not isinstance(items, list):
        raise CampaignsError("unexpected answer: expected an object with a 'records' list")
    return [structure(_converter, item, Record, required=("id",)) for item in items]


# -- writing -------------------------------------------------------------------------------------


def crm_record_id(value: Any) -> str:
    """A CRM record id as sent: text of 1-32 characters (an int is written out).

    Raises:
        ValidationError: blank, too long, or neither text nor a whole number.
    """
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ValidationError(BAD_ID)
    text = str(value)
    if is_blank(text):
        raise ValidationError(BLANK_ID)
    if len(text) > MAX_CRM_RECORD_ID:
        raise ValidationError(f"{LONG_ID} ({len(text)})", reason=LONG_ID)
    if text != text.strip():
        # The service's messages are trimmed: "A " could not be told from "A" when a refusal
        # names it, so such an id is refused here rather than risk counting the wrong record.
        raise ValidationError(SPACED_ID)
    return text


def schedule_text(value: Any) -> str | None:
    """``scheduleAt`` as sent, or ``None`` when not given.

    Raises:
        ValidationError: a naive datetime, or text that is not ISO 8601 with an offset.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    parsed = parse_timestamp(value)
    if parsed is None:
        raise ValidationError(BAD_SCHEDULE)
    return format_timestamp(parsed)


def priority_text(value: Any) -> str | None:
    """``priority`` as sent (any case accepted), or ``None`` (the service's default, HIGH)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, RecordPriority):
        return value.value
    if isinstance(value, str):
        try:
            return RecordPriority(value.strip().upper()).value
        except ValueError:
            pass
    raise ValidationError(BAD_PRIORITY)


def rank_number(value: Any) -> float | int | None:
    """``rank`` as sent (a finite number; numeric text from a file is read), or ``None``."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValidationError(BAD_RANK)
    if isinstance(value, (int, float)):
        number: float | int = value
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            raise ValidationError(BAD_RANK) from None
    else:
        raise ValidationError(BAD_RANK)
    if not math.isfinite(number):
        raise ValidationError(BAD_RANK)
    return number


def record_to_wire(item: Any) -> dict[str, Any]:
    """One ``AddRecordRequest`` object from a CRM record id (text or int), an
    :class:`AddRecord` or a mapping (``crmRecordId``/``crm_record_id``, ``scheduleAt``/
    ``schedule_at``, ``priority``, ``rank``); absent fields are left out, never ``null``.

    Raises:
        ValidationError: the item is not valid; ``reason`` is the category.
    """
    if isinstance(item, AddRecord):
        fields: Mapping[str, Any] = {
            "id": item.crm_record_id,
            "schedule": item.schedule_at,
            "priority": item.priority,
            "rank": item.rank,
        }
    elif isinstance(item, Mapping):
        fields = {
            "id": _pick(item, "crmRecordId", "crm_record_id", "id"),
            "schedule": _pick(item, "scheduleAt", "schedule_at", "schedule"),
            "priority": item.get("priority"),
            "rank": item.get("rank"),
        }
    elif isinstance(item, (str, int)) and not isinstance(item, bool):
        fields = {"id": item}
    else:
        raise ValidationError(BAD_ITEM)
    wire: dict[str, Any] = {"crmRecordId": crm_record_id(fields["id"])}
    schedule = schedule_text(fields.get("schedule"))
    if schedule is not None:
        wire["scheduleAt"] = schedule
    priority = priority_text(fields.get("priority"))
    if priority is not None:
        wire["priority"] = priority
    rank = rank_number(fields.get("rank"))
    if rank is not None:
        wire["rank"] = rank
    return wire


def _pick(mapping: Mapping[str, Any], *keys: str) -> Any:
    for key in keys:
        if key in mapping:
            return mapping[key]
    return None


def text_or_none(value: Any) -> str | None:
    """A field of an error body as text (``None`` when blank or not text)."""
    return lenient_str(value) if isinstance(value, (str, int, float)) else None
