"""The simulated 8x8 tenant: campaigns, CRM, do-not-call list, state machine and per-item rules.

Pure Python, no HTTP: :mod:`cc_campaigns.dynamic.simulator.app` turns these calls into responses.
Whole-request refusals raise :class:`ApiFailure` (HTTP status + the vendor's message).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta, timezone
from typing import Any

from cc_campaigns._idset import IdSet

from . import documents, vendor
from .documents import format_vendor_time, phone_number
from .variants import DEFAULT, GUIDE_MESSAGES, Messages, Operation, Variants

__all__ = [
    "MAX_SCHEDULE_AHEAD",
    "MSG_CAMPAIGN_NOT_FOUND",
    "MSG_CUSTOMER_NOT_FOUND",
    "MSG_DELETE_ACCEPTED",
    "MSG_DELETE_COMPLETED",
    "MSG_DNC",
    "MSG_DUPLICATE",
    "MSG_INVALID_CUSTOMER_ID",
    "MSG_INVALID_LIST",
    "MSG_INVALID_SCHEDULE",
    "MSG_INVALID_TRANSITION",
    "MSG_NOT_DYNAMIC",
    "MSG_NOT_ENABLED",
    "MSG_NOT_IN_CRM",
    "MSG_NOT_STARTED",
    "MSG_OUTSIDE_SCHEDULE",
    "MSG_SCHEDULE_PAST",
    "MSG_SCHEDULE_TOO_FAR",
    "MSG_STATUS_CHANGED",
    "MSG_STOPPED",
    "ApiFailure",
    "Clock",
    "SimCampaign",
    "SimState",
    "format_vendor_time",
    "parse_schedule",
    "phone_number",
    "record_status_code",
    "status_code",
    "utc_now",
]

#: A zero-argument callable returning the current time as an aware datetime.
Clock = Callable[[], datetime]

# The default wording of each message (``variants.GUIDE_MESSAGES``); other wordings are
# selected with ``Variants(messages=...)``.
MSG_CAMPAIGN_NOT_FOUND = GUIDE_MESSAGES.campaign_not_found
MSG_STOPPED = GUIDE_MESSAGES.stopped_add
MSG_NOT_DYNAMIC = GUIDE_MESSAGES.not_dynamic_add
MSG_NOT_ENABLED = GUIDE_MESSAGES.not_enabled_add
MSG_NOT_STARTED = GUIDE_MESSAGES.not_started
MSG_INVALID_LIST = GUIDE_MESSAGES.invalid_list
MSG_INVALID_TRANSITION = GUIDE_MESSAGES.invalid_transition
MSG_STATUS_CHANGED = GUIDE_MESSAGES.status_changed
MSG_INVALID_CUSTOMER_ID = GUIDE_MESSAGES.invalid_customer_id
MSG_NOT_IN_CRM = GUIDE_MESSAGES.not_in_crm
MSG_DNC = GUIDE_MESSAGES.dnc
MSG_INVALID_SCHEDULE = GUIDE_MESSAGES.invalid_schedule
MSG_SCHEDULE_PAST = GUIDE_MESSAGES.schedule_past
MSG_SCHEDULE_TOO_FAR = GUIDE_MESSAGES.schedule_too_far
MSG_OUTSIDE_SCHEDULE = GUIDE_MESSAGES.outside_schedule
MSG_DUPLICATE = GUIDE_MESSAGES.duplicate
MSG_CUSTOMER_NOT_FOUND = GUIDE_MESSAGES.customer_not_found
MSG_DELETE_COMPLETED = GUIDE_MESSAGES.delete_completed
MSG_DELETE_ACCEPTED = GUIDE_MESSAGES.delete_accepted

#: How far ahead a call may be scheduled.
MAX_SCHEDULE_AHEAD = timedelta(days=7)

_CID = "customer-id"
_SDT = "schedule-date-time"
_STATUS = "http-status"
_MESSAGE = "message"

_STATE = vendor.STATE_OF_STATUS


def status_code(status: int) -> int:
    """A campaign status code (an int or an IntEnum of one) as a plain int; ValueError when
    the vendor has no such code."""
    code = int(status)
    if code not in vendor.STATUSES:
        raise ValueError(f"{status!r} is not a campaign status code (0-11)")
    return code


def record_status_code(status: int) -> int:
    """A record status code as a plain int; ValueError when the vendor has no such code."""
    code = int(status)
    if code not in vendor.RECORD_STATUSES:
        raise ValueError(f"{status!r} is not a record status code (0-4)")
    return code


def utc_now() -> datetime:
    """The real current time, aware, in UTC (the default clock)."""
    return datetime.now(timezone.utc)


class ApiFailure(Exception):
    """A whole-request refusal: answered as ``{"message": message}`` with ``status``."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(f"[{status}] {message}")
        self.status = status
        self.message = message
        self.headers = headers


def parse_schedule(value: object) -> datetime | None:
    """An ISO 8601 date-time with an offset (``Z`` allowed), or None if invalid or naive."""
    if type(value) is not str or not value:
        return None
    text = value[:-1] + "+00:00" if value[-1] in "Zz" else value
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        return None
    return parsed


def _parse_id(text: str | int) -> int | None:
    if isinstance(text, int):
        return text if text >= 0 else None
    if not (text.isascii() and text.isdigit()):
        return None
    try:
        return int(text)
    except ValueError:  # more digits than int() accepts
        return None


def _nobody(customer_id: int) -> bool:
    return False


def _check_schedule(
    value: object,
    window: tuple[datetime, datetime],
    campaign_schedule: tuple[datetime, datetime] | None,
    messages: Messages,
) -> tuple[datetime | None, str | None]:
    """The parsed schedule and the error message of the first schedule rule it breaks."""
    scheduled = parse_schedule(value)
    if scheduled is None:
        return None, messages.invalid_schedule
    if scheduled < window[0]:
        return scheduled, messages.schedule_past
    if scheduled > window[1]:
        return scheduled, messages.schedule_too_far
    if campaign_schedule is not None:
        start, end = campaign_schedule
        if not start <= scheduled <= end:
            message = messages.outside_schedule.format(
                format_vendor_time(start), format_vendor_time(end)
            )
            return scheduled, message
    return scheduled, None


class SimCampaign:
    """One simulated campaign.

    Membership is an :class:`~cc_campaigns._idset.IdSet`; per-customer data is kept only when
    it is not the default (a schedule, or a record status set with ``set_record_status``), so
    millions of plain customers cost about a bit each.
    """

    __slots__ = (
        "actual_run_time",
        "actual_stop_time",
        "campaign_id",
        "deleted",
        "dynamic",
        "enabled",
        "members",
        "name",
        "record_status",
        "schedule",
        "schedules",
        "status",
    )

    def __init__(
        self,
        campaign_id: int,
        *,
        name: str,
        dynamic: bool,
        enabled: bool,
        status: int,
        schedule: tuple[datetime, datetime] | None,
    ) -> None:
        self.campaign_id = campaign_id
        self.name = name
        self.dynamic = dynamic
        self.enabled = enabled
        self.status = status
        self.schedule = schedule
        self.members = IdSet()
        #: Customers deleted from the campaign (kept only with ``Variants.keep_deleted``).
        self.deleted = IdSet()
        #: customer id -> scheduled call time (only scheduled customers).
        self.schedules: dict[int, datetime] = {}
        #: customer id -> record status code, only where it differs from NEW/SCHEDULED.
        self.record_status: dict[int, int] = {}
        self.actual_run_time: datetime | None = None
        self.actual_stop_time: datetime | None = None

    @property
    def state(self) -> str:
        """The state-machine node of the status: NEW, RUNNING, PAUSED, PURGED or STOPPED."""
        return _STATE[self.status]

    def record_status_of(self, customer_id: int) -> int:
        """The record status code of a member."""
        status = self.record_status.get(customer_id)
        if status is not None:
            return status
        return vendor.RECORD_SCHEDULED if customer_id in self.schedules else vendor.RECORD_NEW


class SimState:
    """Everything the simulated tenant knows. Not thread-safe; use from one event loop."""

    def __init__(self, clock: Clock | None = None, variants: Variants = DEFAULT) -> None:
        self.clock: Clock = clock or utc_now
        #: Which reading of the vendor's disagreements, and which wording, this tenant speaks.
        self.variants = variants
        self.campaigns: dict[int, SimCampaign] = {}
        #: CRM customers given as ranges, kept as range objects (never expanded).
        self.crm_ranges: list[range] = []
        #: CRM customers given one by one.
        self.crm_ids = IdSet()
        self.dnc = IdSet()

    # -- set-up ---------------------------------------------------------------------------

    def add_campaign(
        self,
        campaign_id: int,
        *,
        dynamic: bool = True,
        enabled: bool = True,
        status: int = 0,
        schedule: tuple[datetime, datetime] | None = None,
        name: str | None = None,
    ) -> SimCampaign:
        """Create (or replace, empty) a campaign."""
        if schedule is not None:
            start, end = schedule
            if start.tzinfo is None or end.tzinfo is None:
                raise ValueError("the campaign schedule needs timezone-aware datetimes")
            if end < start:
                raise ValueError("the campaign schedule ends before it starts")
        campaign = SimCampaign(
            campaign_id,
            name=name if name is not None else f"Campaign {campaign_id}",
            dynamic=dynamic,
            enabled=enabled,
            status=status_code(status),
            schedule=schedule,
        )
        if campaign.state != "NEW":
            campaign.actual_run_time = self.clock()
        if campaign.state == "STOPPED":
            campaign.actual_stop_time = campaign.actual_run_time
        self.campaigns[campaign_id] = campaign
        return campaign

    def add_crm_customers(self, ids: Iterable[int]) -> None:
        """Put customers in the CRM; a ``range`` is stored as is, other iterables id by id."""
        if isinstance(ids, range):
            if ids.start < 0 and len(ids):
                raise ValueError("customer ids are non-negative")
            self.crm_ranges.append(ids)
        else:
            self.crm_ids.update(ids)

    def add_dnc(self, ids: Iterable[int]) -> None:
        """Put customers on the do-not-call list."""
        self.dnc.update(ids)

    def in_crm(self, customer_id: int) -> bool:
        """Whether a customer exists in the CRM."""
        for ids in self.crm_ranges:
            if customer_id in ids:
                return True
        return customer_id in self.crm_ids

    def _crm_lookup(self) -> Callable[[int], bool]:
        """The fastest membership test for the current CRM (a bare range's own, typically)."""
        if not len(self.crm_ids):
            if not self.crm_ranges:
                return _nobody
            if len(self.crm_ranges) == 1:
                return self.crm_ranges[0].__contains__
        return self.in_crm

    # -- lookups and whole-request checks -------------------------------------------------

    @property
    def messages(self) -> Messages:
        """The wording of every message (``variants.messages``)."""
        return self.variants.messages

    def campaign(self, campaign_id: str | int) -> SimCampaign:
        """The campaign, or ApiFailure 404 "Campaign not found."."""
        key = _parse_id(campaign_id)
        campaign = self.campaigns.get(key) if key is not None else None
        if campaign is None:
            raise ApiFailure(404, self.messages.campaign_not_found)
        return campaign

    def check_writable(self, campaign: SimCampaign, operation: Operation = "add") -> None:
        """Refuse writes to a stopped, non-dynamic or disabled campaign (in that order), in
        the wording of ``operation``; a stopped campaign with ``Variants.stopped_status=500``
        gets the OpenAPI's 500 "Internal server error"."""
        messages = self.messages
        if campaign.state == "STOPPED":
            if self.variants.stopped_status == 500:
                raise ApiFailure(500, messages.internal_error)
            raise ApiFailure(400, getattr(messages, f"stopped_{operation}"))
        if not campaign.dynamic:
            raise ApiFailure(400, getattr(messages, f"not_dynamic_{operation}"))
        if not campaign.enabled:
            raise ApiFailure(400, getattr(messages, f"not_enabled_{operation}"))

    def check_can_add(self, campaign: SimCampaign) -> None:
        """Whole-request checks of an add, before the body: writable and started."""
        self.check_writable(campaign, "add")
        if campaign.state == "NEW":
            raise ApiFailure(400, self.messages.not_started)

    # -- operations -----------------------------------------------------------------------

    def change_status(self, campaign: SimCampaign, body: object) -> None:
        """Apply ``{"status": "RUNNING"|"PAUSED"|"PURGED"|"STOPPED"}`` through the state machine.

        Any other body (not an object, no ``status``, a status that is not one of the four
        strings: a number, a list, ``null``) is a 400 "Invalid state transition.", never a 500.
        """
        self.check_writable(campaign, "status")
        value = body.get("status") if isinstance(body, dict) else None
        if type(value) is not str or value not in vendor.CHANGES:
            raise ApiFailure(400, self.messages.invalid_transition)
        if value not in vendor.TRANSITIONS[campaign.state]:
            raise ApiFailure(400, self.messages.invalid_transition)
        now = self.clock()
        campaign.status = vendor.CHANGE_TO_STATUS[value]
        if value == "RUNNING" and campaign.actual_run_time is None:
            campaign.actual_run_time = now
        elif value == "STOPPED":
            campaign.actual_stop_time = now

    def add_items(
        self, campaign: SimCampaign, items: list[dict[str, Any]]
    ) -> tuple[list[dict[str, Any]], int]:
        """Apply the per-item rules to a list of item objects (the hot path of the simulator).

        Returns the 207 body (one result per item, in order, echoing ``customer-id`` - ``None``
        when invalid - and ``schedule-date-time`` as sent) and how many customers were added.
        Rules, first match wins: invalid id, not in CRM, in DNC, bad schedule, schedule in the
        past, more than 7 days ahead, outside the campaign schedule, duplicate (also within the
        same request); else the customer is added.
        """
        messages = self.messages
        duplicate = messages.duplicate
        results: list[dict[str, Any]] = []
        append = results.append
        members_add = campaign.members.add
        deleted = campaign.deleted if len(campaign.deleted) else None
        in_crm = self._crm_lookup()
        dnc = self.dnc if len(self.dnc) else None
        window: tuple[datetime, datetime] | None = None
        added = 0
        for item in items:
            raw: Any = item.get(_CID)
            kind = type(raw)
            if kind is int:
                cid = raw if raw >= 0 else None
            elif kind is str:
                cid = _parse_id(raw)
            else:
                cid = None
            if cid is None:
                raw = None
                error: str | None = messages.invalid_customer_id
                status = 400
            elif not in_crm(cid):
                error = messages.not_in_crm
                status = 404
            elif dnc is not None and cid in dnc:
                error = messages.dnc
                status = 400
            elif _SDT not in item:
                # The common case: no schedule.
                if members_add(cid):
                    added += 1
                    if deleted is not None:
                        deleted.discard(cid)
                    append({_CID: raw, _STATUS: 200})
                else:
                    append({_CID: raw, _STATUS: 400, _MESSAGE: duplicate})
                continue
            else:
                sdt = item[_SDT]
                scheduled: datetime | None = None
                error = None
                status = 400
                if sdt is not None:
                    if window is None:
                        now = self.clock()
                        window = (now, now + MAX_SCHEDULE_AHEAD)
                    scheduled, error = _check_schedule(sdt, window, campaign.schedule, messages)
                if error is None:
                    if members_add(cid):
                        if scheduled is not None:
                            campaign.schedules[cid] = scheduled
                        if deleted is not None:
                            deleted.discard(cid)
                        added += 1
                        append({_CID: raw, _SDT: sdt, _STATUS: 200})
                        continue
                    error = duplicate
            result = {_CID: raw}
            if _SDT in item:
                result[_SDT] = item[_SDT]
            result[_STATUS] = status
            result[_MESSAGE] = error
            append(result)
        return results, added

    def delete_customer(self, campaign: SimCampaign, customer_id: str | int) -> None:
        """Remove a customer from a campaign, or raise the vendor's 4xx.

        Not in the campaign: 404 with ``Variants.customer_not_found`` (an empty message is an
        empty body); deleted before and ``Variants.keep_deleted``: 404 "... because the record
        is deleted already."; completed or accepted: 404 "Customer not available ...".
        """
        self.check_writable(campaign, "delete")
        messages = self.messages
        cid = _parse_id(customer_id)
        if cid is None or cid not in campaign.members:
            if cid is not None and cid in campaign.deleted:
                raise ApiFailure(404, messages.delete_deleted)
            raise ApiFailure(404, self.variants.customer_not_found)
        status = campaign.record_status_of(cid)
        if status == vendor.RECORD_COMPLETED:
            raise ApiFailure(404, messages.delete_completed)
        if status == vendor.RECORD_ACCEPTED:
            raise ApiFailure(404, messages.delete_accepted)
        campaign.members.discard(cid)
        if self.variants.keep_deleted:
            campaign.deleted.add(cid)
        campaign.schedules.pop(cid, None)
        campaign.record_status.pop(cid, None)

    def set_record_status(self, campaign: SimCampaign, customer_id: int, status: int) -> None:
        """Force a member's record status code (e.g. 3, COMPLETED, so that delete is refused)."""
        if customer_id not in campaign.members:
            raise KeyError(f"customer {customer_id} is not in campaign {campaign.campaign_id}")
        status = record_status_code(status)
        default = (
            vendor.RECORD_SCHEDULED if customer_id in campaign.schedules else vendor.RECORD_NEW
        )
        if status == default:
            campaign.record_status.pop(customer_id, None)
        else:
            campaign.record_status[customer_id] = status

    # -- documents ------------------------------------------------------------------------

    @staticmethod
    def campaign_document(campaign: SimCampaign) -> dict[str, Any]:
        """The body of ``GET /api/stats/campaigns/{id}.json``, with every vendor key."""
        return documents.campaign_document(campaign)

    @staticmethod
    def records_document(campaign: SimCampaign) -> dict[str, Any]:
        """The body of ``GET /api/stats/campaigns/{id}/records.json`` (ascending record ids)."""
        return documents.records_document(campaign)
