"""What the simulated VoIPbin stores, and how it answers it: records and their JSON.

The records are the simulator's own (not the SDK's models): plain frozen attrs classes whose
attribute names are the vendor's field names, with ``None`` for "not assigned" and "never".
:func:`encode` writes one as the vendor does (:mod:`.vendor`): the nil UUID for an unassigned
id, the year-9999 sentinel for a ``tm_update``/``tm_delete`` that never happened, ``""`` for an
empty text, ``0`` for an unset number.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any, Generic, TypeVar

import attrs

from . import vendor

__all__ = ["Address", "Campaign", "Outdial", "Outplan", "Store", "Target", "encode"]


@attrs.frozen
class Address:
    """An endpoint: ``type`` (``tel``, ``sip`` ...) and ``target``, optionally named."""

    type: str
    target: str
    target_name: str | None = None
    name: str | None = None
    detail: str | None = None


@attrs.frozen
class Campaign:
    id: str
    type: str = "call"
    name: str | None = None
    detail: str | None = None
    status: str = "stop"
    service_level: int = 100
    end_handle: str = "stop"
    actions: tuple[Mapping[str, Any], ...] = ()
    outplan_id: str | None = None
    outdial_id: str | None = None
    queue_id: str | None = None
    next_campaign_id: str | None = None
    tm_create: datetime | None = None
    tm_update: datetime | None = None
    tm_delete: datetime | None = None

    @property
    def running(self) -> bool:
        """``run`` or ``stopping``: it still uses its outdial and outplan."""
        return self.status in ("run", "stopping")


@attrs.frozen
class Outplan:
    id: str
    name: str | None = None
    detail: str | None = None
    source: Address | None = None
    dial_timeout: int = 0
    try_interval: int = 0
    max_try_count_0: int = 0
    max_try_count_1: int = 0
    max_try_count_2: int = 0
    max_try_count_3: int = 0
    max_try_count_4: int = 0
    customer_id: str | None = None
    tm_create: datetime | None = None
    tm_update: datetime | None = None
    tm_delete: datetime | None = None


@attrs.frozen
class Outdial:
    id: str
    name: str | None = None
    detail: str | None = None
    data: str | None = None
    campaign_id: str | None = None
    customer_id: str | None = None
    tm_create: datetime | None = None
    tm_update: datetime | None = None
    tm_delete: datetime | None = None


@attrs.frozen
class Target:
    id: str
    outdial_id: str
    name: str | None = None
    detail: str | None = None
    data: str | None = None
    status: str = "idle"
    destination_0: Address | None = None
    destination_1: Address | None = None
    destination_2: Address | None = None
    destination_3: Address | None = None
    destination_4: Address | None = None
    try_count_0: int = 0
    try_count_1: int = 0
    try_count_2: int = 0
    try_count_3: int = 0
    try_count_4: int = 0
    tm_create: datetime | None = None
    tm_update: datetime | None = None
    tm_delete: datetime | None = None

    @property
    def destination(self) -> str | None:
        """The first destination's ``target``."""
        return self.destination_0.target if self.destination_0 is not None else None


Record = Campaign | Outplan | Outdial | Target

_FIELDS: Mapping[type[Any], tuple[str, ...]] = {
    Campaign: vendor.CAMPAIGN_FIELDS,
    Outplan: vendor.OUTPLAN_FIELDS,
    Outdial: vendor.OUTDIAL_FIELDS,
    Target: vendor.TARGET_FIELDS,
}


def encode_address(address: Address) -> dict[str, str]:
    """An address as the vendor writes it: only the fields that are set."""
    return {name: value for name in vendor.ADDRESS_FIELDS if (value := getattr(address, name))}


def _value(name: str, value: Any) -> Any:
    if name.startswith("tm_"):
        return vendor.format_time(value, never=name != "tm_create")
    if name == "id" or name.endswith("_id"):
        return value or vendor.NIL_UUID
    if isinstance(value, Address):
        return encode_address(value)
    if name == "actions":
        return [dict(action) for action in value]
    if value is None:
        # Go's zero values: a missing text is "", a missing address null.
        return None if name.startswith(("destination_", "source")) else ""
    return value


def encode(record: Record) -> dict[str, Any]:
    """The record as the vendor's JSON object, with exactly the vendor's field names."""
    return {name: _value(name, getattr(record, name)) for name in _FIELDS[type(record)]}


R = TypeVar("R", Campaign, Outplan, Outdial, Target)


class Store(Generic[R]):
    """Records by id, with a page index ordered by ``tm_create`` (newest first on reading)."""

    def __init__(self) -> None:
        self.items: dict[str, R] = {}
        self._created: list[datetime] = []
        self._ids: list[str] = []

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self) -> Iterator[R]:
        return iter(self.items.values())

    def add(self, item: R) -> None:
        assert item.tm_create is not None
        # Creation times only grow (SimState._now), so appending keeps the index sorted.
        self.items[item.id] = item
        self._created.append(item.tm_create)
        self._ids.append(item.id)

    def replace(self, item: R) -> None:
        self.items[item.id] = item

    def remove(self, item_id: str) -> R:
        item = self.items.pop(item_id)
        assert item.tm_create is not None
        index = bisect_left(self._created, item.tm_create)
        del self._created[index]
        del self._ids[index]
        return item

    def page(self, size: int, token: datetime | None) -> list[R]:
        """Up to ``size`` records created before ``token`` (or the newest), newest first."""
        end = len(self._ids) if token is None else bisect_left(self._created, token)
        start = max(0, end - size)
        return [self.items[i] for i in reversed(self._ids[start:end])]
