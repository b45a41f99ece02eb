"""The VoIPbin wire format, in one place.

A private cattrs :class:`~cattrs.Converter` (never the global one) maps the attrs models of
:mod:`cc_campaigns.voipbin.models` to and from VoIPbin's JSON. Key names are the attribute
names; what needs care is the values:

* ids are UUID text, and the nil UUID means "not assigned" (``None`` here);
* timestamps come as ``2022-04-28 02:16:39.712142`` or ``2022-04-28T02:16:39.712142Z`` (both
  UTC), and ``9999-01-01 00:00:00.000000`` in ``tm_update``/``tm_delete`` means "never";
* enums may grow: an unknown value is kept as text.

Reading is lenient, with the hooks every provider shares (:mod:`cc_campaigns._wire`): unknown
keys ignored, ``""`` -> ``None``, a number sent as text read as a number, an unreadable
timestamp -> ``None``. Writing produces exactly what the vendor sends,
sentinels included, so the simulator answers like the real service.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, TypeVar

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from .._wire import (
    describe,
    equals,
    is_blank,
    keep_unknown,
    lenient_converter,
    lenient_str,
    lower_text,
    structure,
)
from ..errors import CampaignsError, ValidationError
from .models import (
    NIL_UUID,
    Address,
    AddressType,
    Campaign,
    CampaignStatus,
    CampaignType,
    EndHandle,
    Outdial,
    OutdialTarget,
    Outplan,
    TargetStatus,
)

__all__ = [
    "NEVER",
    "action_to_wire",
    "address_from_wire",
    "address_to_wire",
    "answer_json",
    "campaign_from_wire",
    "format_timestamp",
    "id_to_wire",
    "iter_wire",
    "normalize_e164",
    "outdial_from_wire",
    "outplan_from_wire",
    "page_from_wire",
    "parse_timestamp",
    "target_from_wire",
    "target_to_wire",
    "to_address",
    "to_wire",
]

if TYPE_CHECKING:
    from .._transport.session import Response

T = TypeVar("T")

#: The vendor's "never" timestamp (``tm_delete`` of a resource that is not deleted).
NEVER = "9999-01-01 00:00:00.000000"

_TIMESTAMP = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d{1,9}))?"
    r"\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$"
)


def parse_timestamp(value: Any) -> datetime | None:
    """A timezone-aware UTC datetime from either VoIPbin spelling.

    ``2022-04-28 02:16:39.712142`` (no zone: UTC) and ``2022-04-28T02:16:39.712142Z`` give the
    same instant. The year-9999 sentinel, ``""`` and unreadable text give ``None``.
    """
    if isinstance(value, datetime):
        parsed = value if value.tzinfo else value.replace(tzinfo=timezone.utc)
        return None if parsed.year >= 9999 else parsed.astimezone(timezone.utc)
    if is_blank(value) or not isinstance(value, str):
        return None
    match = _TIMESTAMP.match(value.strip())
    if match is None:
        return None
    year, month, day, hour, minute, second = (int(g) for g in match.groups()[:6])
    if year >= 9999:
        return None
    micro = int((match.group(7) or "0")[:6].ljust(6, "0"))
    zone = _zone(match.group(8))
    try:
        parsed = datetime(year, month, day, hour, minute, second, micro, tzinfo=zone)
    except ValueError:
        return None
    return parsed.astimezone(timezone.utc)


def _zone(text: str | None) -> timezone:
    if not text or text in ("Z", "z"):
        return timezone.utc
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def format_timestamp(value: datetime | None, *, never: bool = False) -> str:
    """The vendor's spelling, ``2022-04-28 02:16:39.712142`` in UTC.

    ``None`` gives the year-9999 sentinel when ``never`` is set (``tm_update``/``tm_delete``),
    else ``""``.
    """
    if value is None:
        return NEVER if never else ""
    utc = (value if value.tzinfo else value.replace(tzinfo=timezone.utc)).astimezone(timezone.utc)
    return utc.strftime("%Y-%m-%d %H:%M:%S.%f")


def _parse_id(value: Any, _: Any = None) -> str | None:
    if is_blank(value):
        return None
    text = str(value).strip()
    return None if text == NIL_UUID else text


def id_to_wire(value: str | None) -> str:
    """An id as sent: ``None`` becomes the nil UUID ("not assigned")."""
    return value if value else NIL_UUID


def _choice(enum_cls: type[enum.Enum]) -> Callable[[Any, Any], Any]:
    """A value as its enum member (matched in lower case); one this SDK does not know yet is
    kept as the text sent (stripped), never a crash."""
    return keep_unknown(enum_cls, lower_text, unknown=lambda value, _: str(value).strip())


def _actions(value: Any, _: Any) -> tuple[Mapping[str, Any], ...]:
    if not isinstance(value, list):
        return ()
    return tuple(dict(item) for item in value if isinstance(item, Mapping))


def _is_id(name: str) -> bool:
    return name == "id" or name.endswith("_id")


def _timestamp_writer(name: str) -> Callable[[datetime | None], str]:
    never = name in ("tm_update", "tm_delete")

    def write(value: datetime | None) -> str:
        return format_timestamp(value, never=never)

    return write


def _make_converter() -> cattrs.Converter:
    conv = lenient_converter()
    structure_hooks: list[tuple[Any, Callable[[Any, Any], Any]]] = [
        (datetime | None, lambda v, _: parse_timestamp(v)),
        (CampaignType | str | None, _choice(CampaignType)),
        (CampaignStatus | str | None, _choice(CampaignStatus)),
        (EndHandle | str | None, _choice(EndHandle)),
        (TargetStatus | str | None, _choice(TargetStatus)),
        (AddressType | str, lambda v, _: _choice(AddressType)(v, _) or ""),
        (Address | None, lambda v, _: address_from_wire(v)),
        (tuple[Mapping[str, Any], ...], _actions),
    ]
    for type_, hook in structure_hooks:
        conv.register_structure_hook_func(equals(type_), hook)

    def structure_factory(cls: type[Any]) -> Callable[[Mapping[str, Any], Any], Any]:
        overrides = {
            a.name: override(struct_hook=_parse_id) for a in attrs.fields(cls) if _is_id(a.name)
        }
        return make_dict_structure_fn(cls, conv, **overrides)  # type: ignore[arg-type]

    conv.register_structure_hook_factory(attrs.has, structure_factory)

    # Writing: what the vendor sends, sentinels and all (Go strings and ints are never null).
    def text(value: Any) -> Any:
        return value.value if isinstance(value, enum.Enum) else (value or "")

    for type_ in (
        str | None,
        CampaignType | str | None,
        CampaignStatus | str | None,
        EndHandle | str | None,
        TargetStatus | str | None,
        AddressType | str,
    ):
        conv.register_unstructure_hook_func(equals(type_), text)
    conv.register_unstructure_hook_func(equals(int | None), lambda v: v or 0)
    conv.register_unstructure_hook_func(
        equals(Address | None), lambda a: None if a is None else address_to_wire(a)
    )
    conv.register_unstructure_hook_func(
        equals(tuple[Mapping[str, Any], ...]), lambda actions: [dict(a) for a in actions]
    )

    def unstructure_factory(cls: type[Any]) -> Callable[[Any], dict[str, Any]]:
        overrides: dict[str, Any] = {}
        for a in attrs.fields(cls):
            if _is_id(a.name) and cls is not Address:
                overrides[a.name] = override(unstruct_hook=id_to_wire)
            elif a.name.startswith("tm_"):
                overrides[a.name] = override(unstruct_hook=_timestamp_writer(a.name))
        return make_dict_unstructure_fn(cls, conv, **overrides)

    conv.register_unstructure_hook_factory(attrs.has, unstructure_factory)
    return conv


def _structure(data: Any, cls: type[T]) -> T:
    return structure(_converter, data, cls, required=("id",))


def campaign_from_wire(data: Any) -> Campaign:
    """A :class:`Campaign` from its JSON object."""
    return _structure(data, Campaign)


def outplan_from_wire(data: Any) -> Outplan:
    """An :class:`Outplan` from its JSON object."""
    return _structure(data, Outplan)


def outdial_from_wire(data: Any) -> Outdial:
    """An :class:`Outdial` from its JSON object."""
    return _structure(data, Outdial)


def target_from_wire(data: Any) -> OutdialTarget:
    """An :class:`OutdialTarget` from its JSON object."""
    return _structure(data, OutdialTarget)


def address_from_wire(data: Any) -> Address | None:
    """An :class:`Address`; ``None`` for ``null``, ``{}`` or an address without a target."""
    if not isinstance(data, Mapping) or is_blank(data.get("target")):
        return None
    raw_type = data.get("type")
    kind = _choice(AddressType)(raw_type, None)
    return Address(
        target=str(data["target"]),
        type=kind if kind is not None else "",
        target_name=lenient_str(data.get("target_name")),
        name=lenient_str(data.get("name")),
        detail=lenient_str(data.get("detail")),
    )


def address_to_wire(address: Address) -> dict[str, str]:
    """An address as sent: empty fields are left out, as the vendor's own encoder does."""
    kind = address.type.value if isinstance(address.type, AddressType) else address.type
    wire = {
        "type": kind,
        "target": address.target,
        "target_name": address.target_name,
        "name": address.name,
        "detail": address.detail,
    }
    return {key: value for key, value in wire.items() if value}


def action_to_wire(action: Mapping[str, Any]) -> dict[str, Any]:
    """One flow action as sent (``{"type": "talk", "option": {...}}``).

    Raises:
        ValidationError: not a mapping, or no ``type``.
    """
    if not isinstance(action, Mapping) or not action.get("type"):
        raise ValidationError(
            f"an action is a mapping with at least a 'type' (e.g. {{'type': 'talk', "
            f"'option': {{'text': 'Hello'}}}}), got {action!r:.100}"
        )
    return dict(action)


def answer_json(answer: Response, method: str, url: str) -> Any:
    """The JSON body of a successful answer.

    Raises:
        UnexpectedResponseError: the body is not JSON (a proxy's HTML page, say), or nested
            too deeply to read; the message quotes the answer with secrets masked.
    """
    return answer.json()


def page_from_wire(data: Any) -> tuple[list[Any], str | None]:
    """The items and the next page token of a list answer.

    ``{"result": [...], "next_page_token": "..."}``; a missing or empty token means this was the
    last page.

    Raises:
        CampaignsError: the answer is not a list answer. The message describes what came (its
            shape: types and sizes, never content, which may echo a secret).
    """
    if not isinstance(data, Mapping):
        raise CampaignsError(f"unexpected list answer: got {describe(data)}")
    result = data.get("result")
    if result is None:
        result = []
    if not isinstance(result, list):
        raise CampaignsError(
            f"unexpected list answer: 'result' is {describe(result)}, not a list; "
            f"got {describe(data)}"
        )
    token = data.get("next_page_token")
    return result, (str(token) if not is_blank(token) else None)


def to_wire(value: Campaign | Outplan | Outdial | OutdialTarget | Address) -> dict[str, Any]:
    """A model as VoIPbin's JSON: nil UUIDs for unassigned ids, the year-9999 sentinel for a
    ``tm_update``/``tm_delete`` that is ``None``, enum values as text."""
    if isinstance(value, Address):
        return address_to_wire(value)
    result: dict[str, Any] = _converter.unstructure(value)
    return result


def iter_wire(values: Iterable[Any]) -> list[dict[str, Any]]:
    """:func:`to_wire` of each value."""
    return [to_wire(v) for v in values]


_converter = _make_converter()


# -- input normalisation (requests) ------------------------------------------------------------

_E164 = re.compile(r"^\+[1-9]\d{1,14}$")
#: Formatting people put in phone numbers; removed before checking E.164.
_PHONE_PUNCTUATION = re.compile(r"[\s\-.()/]")


def normalize_e164(value: Any) -> str:
    """A phone number in E.164 (``+15551234567``).

    Spaces, hyphens, dots, slashes and parentheses are removed first, so ``"+1 (555) 123-4567"``
    is accepted; a leading ``00`` is *not* rewritten to ``+`` (that depends on the country).

    Raises:
        ValidationError: not ``+`` followed by 2 to 15 digits, the first not 0.
    """
    if not isinstance(value, str):
        raise ValidationError(f"a phone number must be text such as '+15551234567', got {value!r}")
    number = _PHONE_PUNCTUATION.sub("", value)
    if not _E164.match(number):
        raise ValidationError(
            f"not an E.164 phone number: {value!r} (expected '+' then the country code and "
            "number, up to 15 digits, e.g. '+15551234567')"
        )
    return number


def to_address(value: Any) -> Address:
    """An :class:`Address` from a phone number, an ``Address`` or a mapping with ``target``.

    ``tel`` targets are checked (and normalised) as E.164.

    Raises:
        ValidationError: no target, an unknown-looking value, or a ``tel`` target that is not
            E.164.
    """
    if isinstance(value, Address):
        address = value
    elif isinstance(value, str):
        address = Address(target=value)
    elif isinstance(value, Mapping):
        parsed = address_from_wire(
            {"type": AddressType.TEL.value, **{k: v for k, v in value.items() if v is not None}}
        )
        if parsed is None:
            raise ValidationError(f"an address needs a 'target', got {dict(value)!r:.100}")
        address = parsed
    else:
        raise ValidationError(
            f"a destination is a phone number, an Address or a mapping, got {value!r:.100}"
        )
    if not address.target:
        raise ValidationError("an address needs a target")
    if address.type in (AddressType.TEL, AddressType.TEL.value):
        number = normalize_e164(address.target)
        if number != address.target or address.type is not AddressType.TEL:
            address = attrs.evolve(address, target=number, type=AddressType.TEL)
    return address


def target_to_wire(
    destinations: Iterable[Address],
    *,
    name: str | None = None,
    detail: str | None = None,
    data: str | None = None,
) -> dict[str, Any]:
    """The body of ``POST /outdials/{id}/targets``: ``destination_0`` .. ``destination_4``."""
    body: dict[str, Any] = {"name": name or "", "detail": detail or "", "data": data or ""}
    for index, address in enumerate(destinations):
        body[f"destination_{index}"] = address_to_wire(address)
    return body
