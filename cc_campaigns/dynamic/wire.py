"""The 8x8 wire format, in one place.

A private cattrs :class:`~cattrs.Converter` (never the global one) maps the attrs models in
:mod:`cc_campaigns.dynamic.models` to and from the vendor's JSON: kebab-case keys, ``"Y"``/``"N"``
booleans, ``""`` for "not set", integers that are sometimes strings. Reading is lenient (the
vendor is inconsistent) with the hooks every provider shares (:mod:`cc_campaigns._wire`):
unknown keys are ignored, a malformed timestamp is kept as text, an unknown code is kept as a
plain int.

Encoding customer items is on the bulk engine's hot path, so :func:`customer_to_wire` builds the
dict by hand instead of going through the converter.
"""

from __future__ import annotations

import enum
import json
import re
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from typing import Any, TypeVar

import attrs
import cattrs
import orjson
from cattrs.gen import make_dict_structure_fn, override

from .._wire import (
    describe,
    equals,
    is_blank,
    keep_unknown,
    lenient_converter,
    lenient_int,
    lenient_str,
    structure,
)
from ..errors import CampaignsError, ValidationError
from .models import (
    Campaign,
    CampaignRecord,
    CampaignStatus,
    CustomerItem,
    Disposition,
    ItemResult,
    Phone,
    RecordStatus,
    RecordStatusCode,
)

__all__ = [
    "campaign_from_wire",
    "customer_to_wire",
    "dump_json",
    "format_datetime",
    "item_result_from_wire",
    "parse_datetime",
    "parse_phone_list",
    "records_from_wire",
    "to_customer_item",
]

T = TypeVar("T")

# Field names whose wire name is not just the kebab-case of the attribute name.
_RENAMES: dict[type, dict[str, str]] = {
    Campaign: {
        "name": "campaign-name",
        "dynamic": "dynamic-campaign",
        "record_count": "no-of-records",
    },
    CampaignRecord: {"disposition": "disposition-code", "phones": "__phones__"},
    ItemResult: {"schedule": "schedule-date-time"},
}


def _kebab(name: str) -> str:
    return name.replace("_", "-")


def parse_datetime(value: Any) -> datetime | str | None:
    """An aware datetime from ISO 8601 text; ``""`` -> None; anything unparseable or naive is
    returned as the original text (the vendor echoes malformed input back)."""
    if is_blank(value):
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.isoformat()
    text = str(value).strip()
    try:
        parsed = datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text)
    except ValueError:
        return str(value)
    if parsed.tzinfo is None:
        return str(value)
    return parsed


def format_datetime(value: datetime) -> str:
    """ISO 8601 in UTC with milliseconds and ``Z``, as the vendor's examples:
    ``2022-08-29T09:00:00.000Z``."""
    utc = value.astimezone(timezone.utc)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def _code(enum_cls: type[enum.IntEnum]) -> Callable[[Any, Any], Any]:
    """A documented code as its enum member; an undocumented one kept as a plain int."""
    return keep_unknown(enum_cls, lenient_int)


def _id(value: Any, _: Any) -> int | str | None:
    """``customer-id`` / ``record-id``: int when it looks like one, else the text, else None."""
    if value is None:
        return None
    number = lenient_int(value)
    return number if number is not None else str(value)


def _make_converter() -> cattrs.Converter:
    conv = lenient_converter()
    hooks: list[tuple[Any, Callable[[Any, Any], Any]]] = [
        (datetime | str | None, lambda v, _: parse_datetime(v)),
        (int | str | None, _id),
        (CampaignStatus | int | None, _code(CampaignStatus)),
        (RecordStatus | int | None, _code(RecordStatus)),
        (RecordStatusCode | int | None, _code(RecordStatusCode)),
        (Disposition | int | None, _code(Disposition)),
        (tuple[Phone, ...], lambda v, _: ()),
    ]
    for type_, hook in hooks:
        conv.register_structure_hook_func(equals(type_), hook)

    def factory(cls: type[Any]) -> Callable[[Mapping[str, Any], Any], Any]:
        renames = _RENAMES.get(cls, {})
        overrides = {
            a.name: override(rename=renames.get(a.name, _kebab(a.name))) for a in attrs.fields(cls)
        }
        return make_dict_structure_fn(cls, conv, **overrides)  # type: ignore[arg-type]

    conv.register_structure_hook_factory(attrs.has, factory)
    return conv


_converter = _make_converter()


def _structure(data: Any, cls: type[T]) -> T:
    # Only a missing required key fails (every value hook is lenient): one of our errors, not
    # a cattrs ExceptionGroup.
    return structure(_converter, data, cls)


def campaign_from_wire(data: Mapping[str, Any]) -> Campaign:
    """A :class:`Campaign` from the ``campaign`` object of the status response."""
    return _structure(data, Campaign)


def parse_phone_list(text: str | None) -> tuple[Phone, ...]:
    """Parse ``phone-list``: ``*Phone Number|5551234567`` or several ``label|number`` pairs.

    A ``*`` before a label marks the primary number. Pairs may be separated by commas,
    semicolons, new lines or simply follow each other (``A|1|B|2``). Text that does not fit is
    skipped here; the raw text stays on the record.
    """
    if not text:
        return ()
    tokens = [t.strip() for t in re.split(r"[|,;\n]", text)]
    phones: list[Phone] = []
    index = 0
    while index + 1 < len(tokens):
        label, number = tokens[index], tokens[index + 1]
        if label and number:
            primary = label.startswith("*")
            phones.append(Phone(label=label.lstrip("*").strip(), number=number, primary=primary))
        index += 2
    return tuple(phones)


def records_from_wire(data: Any) -> list[CampaignRecord]:
    """Records from ``{"records": {"record": [...]}}`` (a single record may come unwrapped)."""
    if not isinstance(data, Mapping):
        return []
    container = data.get("records")
    if isinstance(container, Mapping):
        rows: Any = container.get("record", [])
    else:
        rows = container if container is not None else []
    if isinstance(rows, Mapping):
        rows = [rows]
    records = []
    for row in rows:
        if not isinstance(row, Mapping):
            continue
        record = _structure(row, CampaignRecord)
        raw = lenient_str(row.get("phone-list"))
        records.append(attrs.evolve(record, phone_list=raw, phones=parse_phone_list(raw)))
    return records


def item_result_from_wire(data: Any) -> ItemResult:
    """One element of a 207 answer. A non-object element becomes a 0-status result whose
    message describes what came (its shape, never its values)."""
    try:
        return _structure(data, ItemResult)
    except CampaignsError:
        return ItemResult(
            customer_id=None, http_status=0, message=f"unreadable item: {describe(data)}"
        )


#: The OpenAPI's ``maximum`` for ``customer-id``.
MAX_CUSTOMER_ID = 10**22
#: Keys of a mapping item, in order of preference.
ID_KEYS = ("customer_id", "customer-id", "id")
SCHEDULE_KEYS = ("schedule", "schedule-date-time", "schedule_date_time")

# Reasons of invalid items: categories (a bulk report counts per reason), never the value.
BAD_ID = "customer id is not a non-negative integer"
MISSING_ID = "customer id is missing"
ID_TOO_LARGE = "customer id is larger than the API maximum (1e22)"
BAD_SCHEDULE = "schedule is not ISO 8601 with a timezone"


def split_item(value: Any) -> tuple[Any, Any]:
    """(id, schedule) of an input item (:class:`CustomerItem`, mapping, or a bare id), as given."""
    if isinstance(value, CustomerItem):
        return value.customer_id, value.schedule
    if isinstance(value, Mapping):
        return _first(value, ID_KEYS), _first(value, SCHEDULE_KEYS)
    return value, None


def to_customer_item(value: Any) -> CustomerItem:
    """Normalise one input item (int, digit string, :class:`CustomerItem` or mapping).

    Raises:
        ValidationError: the id is not a non-negative integer up to 1e22, or the schedule is
            not a timezone-aware datetime or ISO 8601 text with an offset.
    """
    customer_id, schedule = split_item(value)
    return CustomerItem(
        customer_id=parse_customer_id(customer_id), schedule=parse_schedule(schedule)
    )


def _first(mapping: Mapping[str, Any], keys: tuple[str, ...]) -> Any:
    for key in keys:
        if key in mapping:
            return mapping[key]
    return None


def parse_customer_id(value: Any) -> int:
    """A customer id as an int (0 to 1e22). Raises :class:`ValidationError` saying what was
    wrong, with the category in ``reason``."""
    if isinstance(value, bool):
        raise ValidationError(f"customer id must be an integer, got {value!r}", reason=BAD_ID)
    if isinstance(value, int):
        if value < 0:
            raise ValidationError(
                f"customer id must not be negative, got {_shown(value)}", reason=BAD_ID
            )
        number = value
    elif isinstance(value, str):
        text = value.strip()
        if not text:
            raise ValidationError("customer id is missing", reason=MISSING_ID)
        if not (text.isascii() and text.isdigit()):
            raise ValidationError(f"customer id must be digits only, got {value!r}", reason=BAD_ID)
        try:
            number = int(text)
        except ValueError:  # beyond int()'s 4,300-digit limit
            raise ValidationError(
                f"customer id is too long ({len(text)} digits)", reason=ID_TOO_LARGE
            ) from None
    elif value is None:
        raise ValidationError("customer id is missing", reason=MISSING_ID)
    else:
        raise ValidationError(
            f"customer id must be an integer, got {type(value).__name__} {value!r}", reason=BAD_ID
        )
    if number > MAX_CUSTOMER_ID:
        raise ValidationError(
            f"customer id {_shown(number)} is larger than the API maximum (1e22)",
            reason=ID_TOO_LARGE,
        )
    return number


def _shown(number: int) -> str:
    """An int for a message: in full when short, else its size (``str()`` of an int of over
    4,300 digits raises ``ValueError``, and a message of thousands of digits helps nobody)."""
    if abs(number) < 10**40:
        return str(number)
    return f"<a number of about {int(abs(number).bit_length() * 0.30103)} digits>"


def parse_schedule(value: Any) -> datetime | None:
    """A schedule as an aware datetime (None when blank). Raises :class:`ValidationError`."""
    if is_blank(value):
        return None
    parsed = parse_datetime(value)
    if isinstance(parsed, datetime):
        return parsed
    raise ValidationError(
        f"schedule must be a timezone-aware ISO 8601 time (e.g. 2025-01-31T09:00:00Z), "
        f"got {value!r}",
        reason=BAD_SCHEDULE,
    )


def dump_json(value: Any) -> bytes:
    """``value`` as compact JSON bytes.

    orjson refuses integers beyond 64 bits, but 8x8 allows customer ids up to 1e22 (the
    OpenAPI's maximum); such a body is encoded by the standard library instead.
    """
    try:
        return orjson.dumps(value)
    except orjson.JSONEncodeError:
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


def customer_to_wire(
    customer_id: int, schedule: datetime | None, *, as_string: bool
) -> dict[str, Any]:
    """The JSON object of one customer in an add request."""
    item: dict[str, Any] = {"customer-id": str(customer_id) if as_string else customer_id}
    if schedule is not None:
        item["schedule-date-time"] = format_datetime(schedule)
    return item
