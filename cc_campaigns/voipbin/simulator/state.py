"""The simulated VoIPbin service's state: resources, the campaign status machine, the rate limit.

Nothing here knows HTTP: :mod:`.app` turns requests into calls of :class:`SimState` and
:class:`SimError` into the error envelope. Request bodies are read strictly (unknown fields,
wrong types and non-E.164 phone numbers are refused with ``400 INVALID_ARGUMENT``), so the
simulator catches SDK bugs the lenient real service might let through.
"""

from __future__ import annotations

import re
import time
import uuid
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime, timedelta, timezone
from typing import Any, Generic, TypeVar

import attrs

from ..models import (
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
from ..wire import format_timestamp, parse_timestamp

__all__ = [
    "REASONS",
    "RateLimiter",
    "SimError",
    "SimState",
    "SimStats",
]

#: Every reason the simulator answers with, and its HTTP status.
REASONS: Mapping[str, int] = {
    "INVALID_ARGUMENT": 400,
    "UNAUTHORIZED": 401,
    "CAMPAIGN_NOT_FOUND": 404,
    "OUTPLAN_NOT_FOUND": 404,
    "OUTDIAL_NOT_FOUND": 404,
    "TARGET_NOT_FOUND": 404,
    "NOT_FOUND": 404,
    "METHOD_NOT_ALLOWED": 405,
    "STATE_INVALID": 409,
    "RATE_LIMIT_EXCEEDED": 429,
    "INTERNAL_ERROR": 500,
    "GATEWAY_TIMEOUT": 504,
}

#: Server default and maximum page size.
MAX_PAGE_SIZE = 100

_E164 = re.compile(r"^\+[1-9]\d{1,14}$")
_ADDRESS_KEYS = frozenset({"type", "target", "target_name", "name", "detail"})


class SimError(Exception):
    """An error answer: ``{"error": {"status", "reason", "message", "request_id", "details"?}}``."""

    def __init__(
        self,
        reason: str,
        message: str,
        *,
        status: int | None = None,
        details: Any = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status if status is not None else REASONS.get(reason, 400)
        self.reason = reason
        self.message = message
        self.details = details
        self.retry_after = retry_after


@attrs.define
class SimStats:
    """What the simulator served (also at ``GET /_sim/stats``)."""

    #: API requests received (the ``/_sim`` routes not counted).
    requests: int = 0
    #: Answers by HTTP status.
    by_status: Counter[int] = attrs.field(factory=Counter)
    #: Requests by ``METHOD /route/{pattern}``.
    by_route: Counter[str] = attrs.field(factory=Counter)
    #: 429 answers of the rate limiter (not the injected ones).
    throttled: int = 0
    #: Faults injected, by kind (``error``, ``throttle``, ``timeout``, ``disconnect``, ``forced``).
    faults: Counter[str] = attrs.field(factory=Counter)
    #: API requests being served right now (a gauge: :meth:`reset` leaves it). A request whose
    #: client went away counts until its handler ends, so 0 means nothing more will land.
    in_flight: int = 0

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready copy."""
        return {
            "requests": self.requests,
            "by_status": {str(k): v for k, v in sorted(self.by_status.items())},
            "by_route": dict(sorted(self.by_route.items())),
            "throttled": self.throttled,
            "faults": dict(sorted(self.faults.items())),
            "in_flight": self.in_flight,
        }

    def reset(self) -> None:
        """Back to zero."""
        self.requests = 0
        self.by_status.clear()
        self.by_route.clear()
        self.throttled = 0
        self.faults.clear()


class RateLimiter:
    """A GCRA (virtual-scheduling token bucket) per key: ``rate`` requests a second on
    average, up to ``burst`` at once.

    Args:
        rate: Sustained requests per second (VoIPbin: about 16.7 per customer).
        burst: Requests allowed back to back from idle (VoIPbin: 33).
        clock: Monotonic seconds; injectable for tests.
    """

    def __init__(
        self, rate: float, burst: int, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be > 0 and burst >= 1")
        self.rate = rate
        self.burst = burst
        self._interval = 1.0 / rate
        self._tolerance = self._interval * (burst - 1)
        self._clock = clock
        #: Theoretical arrival time of the next request, per key.
        self._tat: dict[str, float] = {}

    def check(self, key: str) -> float | None:
        """Count one request of ``key``: ``None`` when allowed, else the seconds to wait."""
        now = self._clock()
        tat = max(self._tat.get(key, now), now)
        excess = tat - now - self._tolerance
        if excess > 1e-9:  # not a float rounding error on the burst's last request
            return excess
        self._tat[key] = tat + self._interval
        return None


M = TypeVar("M", Campaign, Outplan, Outdial, OutdialTarget)


class _Store(Generic[M]):
    """Resources by id, with a page index ordered by ``tm_create`` (newest first on reading)."""

    def __init__(self) -> None:
        self.items: dict[str, M] = {}
        self._created: list[datetime] = []
        self._ids: list[str] = []

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self) -> Iterator[M]:
        return iter(self.items.values())

    def add(self, item: M) -> None:
        assert item.tm_create is not None
        # Timestamps only grow (SimState._now), so appending keeps the index sorted.
        self.items[item.id] = item
        self._created.append(item.tm_create)
        self._ids.append(item.id)

    def replace(self, item: M) -> None:
        self.items[item.id] = item

    def remove(self, item_id: str) -> M:
        item = self.items.pop(item_id)
        assert item.tm_create is not None
        index = bisect_left(self._created, item.tm_create)
        del self._created[index]
        del self._ids[index]
        return item

    def page(self, size: int, token: datetime | None) -> list[M]:
        """Up to ``size`` items created before ``token`` (or the newest), newest first."""
        end = len(self._ids) if token is None else bisect_left(self._created, token)
        start = max(0, end - size)
        return [self.items[i] for i in reversed(self._ids[start:end])]


# -- strict request reading --------------------------------------------------------------------


def _path_id(value: str, what: str) -> str:
    try:
        parsed = uuid.UUID(value)
    except ValueError:
        raise SimError("INVALID_ARGUMENT", f"{what} id {value!r} is not a UUID") from None
    if parsed.int == 0:
        raise SimError("INVALID_ARGUMENT", f"{what} id must not be the nil UUID")
    return str(parsed)


def _read(
    body: Any,
    spec: Mapping[str, Callable[[str, Any], Any]],
    *,
    required: tuple[str, ...] = (),
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


def _str(name: str, value: Any) -> str:
    if not isinstance(value, str):
        raise _invalid(name, "a string", value)
    return value


def _nonnegative(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise _invalid(name, "a non-negative integer", value)
    return value


def _ref(name: str, value: Any) -> str | None:
    if not isinstance(value, str):
        raise _invalid(name, "a UUID string", value)
    try:
        parsed = uuid.UUID(value)
    except ValueError:
        raise _invalid(name, "a UUID string", value) from None
    return None if parsed.int == 0 else str(parsed)


def _enum(enum_cls: Any) -> Callable[[str, Any], Any]:
    def read(name: str, value: Any) -> Any:
        try:
            return enum_cls(value)
        except ValueError:
            choices = ", ".join(e.value for e in enum_cls)
            raise _invalid(name, f"one of {choices}", value) from None

    return read


def _actions(name: str, value: Any) -> tuple[Mapping[str, Any], ...]:
    if not isinstance(value, list):
        raise _invalid(name, "a list of actions", value)
    actions = []
    for index, action in enumerate(value):
        if not isinstance(action, Mapping) or not isinstance(action.get("type"), str):
            raise _invalid(f"{name}[{index}]", "an object with a 'type'", action)
        actions.append(
            {"id": NIL_UUID, "next_id": NIL_UUID, **action} if "id" not in action else dict(action)
        )
    return tuple(actions)


def _address(name: str, value: Any, *, optional: bool) -> Address | None:
    if value is None and optional:
        return None
    if not isinstance(value, Mapping):
        raise _invalid(name, "an address object {type, target, ...}", value)
    unknown = sorted(set(value) - _ADDRESS_KEYS)
    if unknown:
        raise SimError(
            "INVALID_ARGUMENT", f"{name}: unknown address fields", details={"unknown": unknown}
        )
    for key, field_value in value.items():
        if not isinstance(field_value, str):
            raise _invalid(f"{name}.{key}", "a string", field_value)
    try:
        kind = AddressType(value.get("type", ""))
    except ValueError:
        raise _invalid(f"{name}.type", "an address type (tel, sip, agent ...)", value) from None
    target = value.get("target", "")
    if not target:
        raise _invalid(f"{name}.target", "a non-empty target", value)
    if kind is AddressType.TEL and not _E164.match(target):
        raise _invalid(f"{name}.target", "an E.164 phone number such as +15551234567", target)
    return Address(
        target=target,
        type=kind,
        target_name=value.get("target_name") or None,
        name=value.get("name") or None,
        detail=value.get("detail") or None,
    )


def _optional_address(name: str, value: Any) -> Address | None:
    return _address(name, value, optional=True)


def _required_address(name: str, value: Any) -> Address | None:
    return _address(name, value, optional=False)


_DIAL_INFO: Mapping[str, Callable[[str, Any], Any]] = {
    "source": _optional_address,
    "dial_timeout": _nonnegative,
    "try_interval": _nonnegative,
    **{f"max_try_count_{i}": _nonnegative for i in range(5)},
}

_TARGET: Mapping[str, Callable[[str, Any], Any]] = {
    "name": _str,
    "detail": _str,
    "data": _str,
    "destination_0": _required_address,
    **{f"destination_{i}": _optional_address for i in range(1, 5)},
}


@attrs.define
class _Stopping:
    reads_left: int
    until: float


class SimState:
    """The simulated service's data and rules.

    Args:
        stop_polls: After ``stop``, a running campaign reads as ``stopping`` for this many
            reads (GET or list) before it is ``stop``: deterministic, no sleeping.
        stop_delay: ...and for at least this many seconds (0: only ``stop_polls`` counts).
        clock: Monotonic seconds (``stop_delay``); injectable for tests.
    """

    def __init__(
        self,
        *,
        stop_polls: int = 2,
        stop_delay: float = 0.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if stop_polls < 0 or stop_delay < 0:
            raise ValueError("stop_polls and stop_delay must not be negative")
        self.stop_polls = stop_polls
        self.stop_delay = stop_delay
        self.customer_id = str(uuid.UUID(int=0x5EED, version=4))
        self._clock = clock
        self._last_time = datetime(2000, 1, 1, tzinfo=timezone.utc)
        self.campaigns: _Store[Campaign] = _Store()
        self.outplans: _Store[Outplan] = _Store()
        self.outdials: _Store[Outdial] = _Store()
        self.targets: dict[str, _Store[OutdialTarget]] = {}
        self._stopping: dict[str, _Stopping] = {}

    # -- helpers -------------------------------------------------------------------------------

    def _now(self) -> datetime:
        """Wall-clock UTC, strictly increasing (page tokens are creation times)."""
        now = datetime.now(timezone.utc)
        if now <= self._last_time:
            now = self._last_time + timedelta(microseconds=1)
        self._last_time = now
        return now

    @staticmethod
    def _new_id() -> str:
        return str(uuid.uuid4())

    @staticmethod
    def page_args(page_size: str | None, page_token: str | None) -> tuple[int, datetime | None]:
        """Page size (default and cap 100, like the service) and the token as a time."""
        try:
            size = int(page_size) if page_size else MAX_PAGE_SIZE
        except ValueError:
            size = MAX_PAGE_SIZE
        if size <= 0 or size > MAX_PAGE_SIZE:
            size = MAX_PAGE_SIZE
        if not page_token:
            return size, None
        token = parse_timestamp(page_token)
        if token is None:
            raise SimError("INVALID_ARGUMENT", f"unreadable page_token {page_token!r}")
        return size, token

    @staticmethod
    def next_token(items: list[Any]) -> str:
        """The service's rule: the last item's ``tm_create``; ``""`` after an empty page."""
        return format_timestamp(items[-1].tm_create) if items else ""

    # -- campaigns -----------------------------------------------------------------------------

    def _campaign(self, campaign_id: str) -> Campaign:
        campaign = self.campaigns.items.get(_path_id(campaign_id, "campaign"))
        if campaign is None:
            raise SimError("CAMPAIGN_NOT_FOUND", f"campaign {campaign_id} not found")
        return campaign

    def _observe(self, campaign: Campaign) -> Campaign:
        """A read of the campaign: each read uses up one of the ``stopping`` reads."""
        stopping = self._stopping.get(campaign.id)
        if stopping is not None and stopping.reads_left > 0:
            stopping.reads_left -= 1
            return campaign
        return self._settle(campaign)

    def _settle(self, campaign: Campaign) -> Campaign:
        """``stopping`` becomes ``stop`` once its reads are used up and its delay has passed."""
        if campaign.status is not CampaignStatus.STOPPING:
            return campaign
        stopping = self._stopping.get(campaign.id)
        if stopping is not None and (stopping.reads_left > 0 or self._clock() < stopping.until):
            return campaign
        self._stopping.pop(campaign.id, None)
        stopped = attrs.evolve(campaign, status=CampaignStatus.STOP, tm_update=self._now())
        self.campaigns.replace(stopped)
        return stopped

    def get_campaign(self, campaign_id: str) -> Campaign:
        return self._observe(self._campaign(campaign_id))  # a read: counts towards ``stopping``

    def list_campaigns(self, size: int, token: datetime | None) -> list[Campaign]:
        return [self._observe(c) for c in self.campaigns.page(size, token)]

    def create_campaign(self, body: Any) -> Campaign:
        fields = _read(
            body,
            {
                "name": _str,
                "detail": _str,
                "type": _enum(CampaignType),
                "service_level": _nonnegative,
                "end_handle": _enum(EndHandle),
                "actions": _actions,
                "outplan_id": _ref,
                "outdial_id": _ref,
                "queue_id": _ref,
                "next_campaign_id": _ref,
            },
        )
        self._check_refs(fields)
        campaign = Campaign(
            id=self._new_id(),
            customer_id=self.customer_id,
            name=fields.get("name") or None,
            detail=fields.get("detail") or None,
            type=fields.get("type", CampaignType.CALL),
            status=CampaignStatus.STOP,
            service_level=fields.get("service_level", 100),
            end_handle=fields.get("end_handle", EndHandle.STOP),
            actions=fields.get("actions", ()),
            outplan_id=fields.get("outplan_id"),
            outdial_id=fields.get("outdial_id"),
            queue_id=fields.get("queue_id"),
            next_campaign_id=fields.get("next_campaign_id"),
            tm_create=self._now(),
        )
        self.campaigns.add(campaign)
        return campaign

    def _check_refs(self, fields: Mapping[str, Any]) -> None:
        if fields.get("outplan_id") and fields["outplan_id"] not in self.outplans.items:
            raise SimError("OUTPLAN_NOT_FOUND", f"outplan {fields['outplan_id']} not found")
        if fields.get("outdial_id") and fields["outdial_id"] not in self.outdials.items:
            raise SimError("OUTDIAL_NOT_FOUND", f"outdial {fields['outdial_id']} not found")
        nxt = fields.get("next_campaign_id")
        if nxt and nxt not in self.campaigns.items:
            raise SimError("CAMPAIGN_NOT_FOUND", f"next campaign {nxt} not found")

    def update_campaign(self, campaign_id: str, body: Any) -> Campaign:
        campaign = self._settle(self._campaign(campaign_id))
        fields = _read(
            body,
            {
                "name": _str,
                "detail": _str,
                "type": _enum(CampaignType),
                "service_level": _nonnegative,
                "end_handle": _enum(EndHandle),
            },
        )
        changes = {k: (v or None) if k in ("name", "detail") else v for k, v in fields.items()}
        return self._save(campaign, **changes)

    def update_campaign_actions(self, campaign_id: str, body: Any) -> Campaign:
        campaign = self._settle(self._campaign(campaign_id))
        fields = _read(body, {"actions": _actions}, required=("actions",))
        return self._save(campaign, actions=fields["actions"])

    def update_campaign_resources(self, campaign_id: str, body: Any) -> Campaign:
        campaign = self._settle(self._campaign(campaign_id))
        fields = _read(
            body,
            {"outplan_id": _ref, "outdial_id": _ref, "queue_id": _ref, "next_campaign_id": _ref},
        )
        self._check_refs(fields)
        return self._save(campaign, **fields)

    def _save(self, campaign: Campaign, **changes: Any) -> Campaign:
        updated = attrs.evolve(campaign, **changes, tm_update=self._now())
        self.campaigns.replace(updated)
        return updated

    def set_campaign_status(self, campaign_id: str, body: Any) -> Campaign:
        campaign = self._settle(self._campaign(campaign_id))
        fields = _read(body, {"status": _enum(CampaignStatus)}, required=("status",))
        wanted = fields["status"]
        if wanted is CampaignStatus.STOPPING:
            raise SimError("INVALID_ARGUMENT", "status must be 'run' or 'stop'")
        current = campaign.status
        if wanted == current or (
            wanted is CampaignStatus.STOP and current is CampaignStatus.STOPPING
        ):
            return campaign  # idempotent
        if wanted is CampaignStatus.RUN and current is CampaignStatus.STOPPING:
            raise SimError(
                "STATE_INVALID",
                f"campaign {campaign.id} is stopping; wait until it is stopped to run it again",
            )
        if wanted is CampaignStatus.STOP and (self.stop_polls or self.stop_delay):
            self._stopping[campaign.id] = _Stopping(
                reads_left=self.stop_polls, until=self._clock() + self.stop_delay
            )
            return self._save(campaign, status=CampaignStatus.STOPPING)
        return self._save(campaign, status=wanted)

    def force_campaign_status(self, campaign_id: str, status: CampaignStatus) -> Campaign:
        """Set a status directly, bypassing the rules (tests)."""
        self._stopping.pop(campaign_id, None)
        if status is CampaignStatus.STOPPING:
            self._stopping[campaign_id] = _Stopping(
                self.stop_polls, self._clock() + self.stop_delay
            )
        return self._save(self._campaign(campaign_id), status=status)

    def delete_campaign(self, campaign_id: str) -> Campaign:
        campaign = self._settle(self._campaign(campaign_id))
        if campaign.running:
            raise SimError(
                "STATE_INVALID",
                f"campaign {campaign.id} has status "
                f"'{getattr(campaign.status, 'value', campaign.status)}'; stop it first",
            )
        self.campaigns.remove(campaign.id)
        return attrs.evolve(campaign, tm_delete=self._now())

    def _running_user(
        self, *, outdial_id: str | None = None, outplan_id: str | None = None
    ) -> Campaign | None:
        """A campaign in ``run`` or ``stopping`` that uses the outdial or outplan."""
        for campaign in list(self.campaigns):
            uses = (outdial_id is not None and campaign.outdial_id == outdial_id) or (
                outplan_id is not None and campaign.outplan_id == outplan_id
            )
            if uses:
                campaign = self._settle(campaign)
                if campaign.running:
                    return campaign
        return None

    # -- outplans ------------------------------------------------------------------------------

    def _outplan(self, outplan_id: str) -> Outplan:
        outplan = self.outplans.items.get(_path_id(outplan_id, "outplan"))
        if outplan is None:
            raise SimError("OUTPLAN_NOT_FOUND", f"outplan {outplan_id} not found")
        return outplan

    def get_outplan(self, outplan_id: str) -> Outplan:
        return self._outplan(outplan_id)

    def create_outplan(self, body: Any) -> Outplan:
        fields = _read(body, {"name": _str, "detail": _str, **_DIAL_INFO})
        outplan = Outplan(
            id=self._new_id(),
            customer_id=self.customer_id,
            name=fields.pop("name", "") or None,
            detail=fields.pop("detail", "") or None,
            tm_create=self._now(),
            **fields,
        )
        self.outplans.add(outplan)
        return outplan

    def update_outplan(self, outplan_id: str, body: Any) -> Outplan:
        outplan = self._outplan(outplan_id)
        fields = _read(body, {"name": _str, "detail": _str})
        return self._save_outplan(outplan, **{k: v or None for k, v in fields.items()})

    def update_outplan_dial_info(self, outplan_id: str, body: Any) -> Outplan:
        outplan = self._outplan(outplan_id)
        return self._save_outplan(outplan, **_read(body, _DIAL_INFO))

    def _save_outplan(self, outplan: Outplan, **changes: Any) -> Outplan:
        updated = attrs.evolve(outplan, **changes, tm_update=self._now())
        self.outplans.replace(updated)
        return updated

    def delete_outplan(self, outplan_id: str) -> Outplan:
        outplan = self._outplan(outplan_id)
        user = self._running_user(outplan_id=outplan.id)
        if user is not None:
            raise SimError(
                "STATE_INVALID", f"outplan {outplan.id} is used by running campaign {user.id}"
            )
        self.outplans.remove(outplan.id)
        return attrs.evolve(outplan, tm_delete=self._now())

    # -- outdials ------------------------------------------------------------------------------

    def _outdial(self, outdial_id: str) -> Outdial:
        outdial = self.outdials.items.get(_path_id(outdial_id, "outdial"))
        if outdial is None:
            raise SimError("OUTDIAL_NOT_FOUND", f"outdial {outdial_id} not found")
        return outdial

    def get_outdial(self, outdial_id: str) -> Outdial:
        return self._outdial(outdial_id)

    def create_outdial(self, body: Any) -> Outdial:
        fields = _read(body, {"campaign_id": _ref, "name": _str, "detail": _str, "data": _str})
        if fields.get("campaign_id") and fields["campaign_id"] not in self.campaigns.items:
            raise SimError("CAMPAIGN_NOT_FOUND", f"campaign {fields['campaign_id']} not found")
        outdial = Outdial(
            id=self._new_id(),
            customer_id=self.customer_id,
            campaign_id=fields.get("campaign_id"),
            name=fields.get("name") or None,
            detail=fields.get("detail") or None,
            data=fields.get("data") or None,
            tm_create=self._now(),
        )
        self.outdials.add(outdial)
        self.targets[outdial.id] = _Store()
        return outdial

    def update_outdial(self, outdial_id: str, body: Any) -> Outdial:
        outdial = self._outdial(outdial_id)
        fields = _read(body, {"name": _str, "detail": _str})
        changes: dict[str, Any] = {k: v or None for k, v in fields.items()}
        updated = attrs.evolve(outdial, **changes, tm_update=self._now())
        self.outdials.replace(updated)
        return updated

    def _check_not_running(self, outdial: Outdial) -> None:
        user = self._running_user(outdial_id=outdial.id)
        if user is not None:
            raise SimError(
                "STATE_INVALID",
                f"outdial {outdial.id} is used by campaign {user.id}, whose status is "
                f"'{getattr(user.status, 'value', user.status)}'; stop the campaign before "
                "changing its targets",
            )

    def delete_outdial(self, outdial_id: str) -> Outdial:
        outdial = self._outdial(outdial_id)
        self._check_not_running(outdial)
        self.outdials.remove(outdial.id)
        self.targets.pop(outdial.id, None)
        return attrs.evolve(outdial, tm_delete=self._now())

    # -- targets -------------------------------------------------------------------------------

    def target_store(self, outdial_id: str) -> _Store[OutdialTarget]:
        return self.targets[self._outdial(outdial_id).id]

    def add_target(self, outdial_id: str, body: Any) -> OutdialTarget:
        outdial = self._outdial(outdial_id)
        fields = _read(body, _TARGET, required=("destination_0",))
        self._check_not_running(outdial)
        target = OutdialTarget(
            id=self._new_id(),
            outdial_id=outdial.id,
            name=fields.pop("name", "") or None,
            detail=fields.pop("detail", "") or None,
            data=fields.pop("data", "") or None,
            status=TargetStatus.IDLE,
            tm_create=self._now(),
            **fields,
        )
        self.targets[outdial.id].add(target)
        return target

    def get_target(self, outdial_id: str, target_id: str) -> OutdialTarget:
        store = self.target_store(outdial_id)
        target = store.items.get(_path_id(target_id, "target"))
        if target is None:
            raise SimError("TARGET_NOT_FOUND", f"target {target_id} not found")
        return target

    def delete_target(self, outdial_id: str, target_id: str) -> OutdialTarget:
        target = self.get_target(outdial_id, target_id)
        self._check_not_running(self._outdial(outdial_id))
        self.targets[target.outdial_id or ""].remove(target.id)
        return attrs.evolve(target, tm_delete=self._now())
