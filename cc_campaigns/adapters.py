"""The 8x8 side of the bulk engine: how to validate, encode, send and read customers.

:class:`AddCustomers` drives ``POST /api/tstats/campaigns/{id}/customers`` (a batch per request,
HTTP 207 per item); :class:`RemoveCustomers` drives one ``DELETE`` per customer. The engine in
:mod:`cc_campaigns.bulk.engine` knows nothing of 8x8.
"""

from __future__ import annotations

import logging
import operator
import re
import time
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from .bulk.engine import Verdict, is_fatal_default
from .bulk.sources import SourceRow
from .errors import (
    ApiError,
    CampaignNotDynamicError,
    CampaignNotEnabledError,
    CampaignNotStartedError,
    CampaignStoppedError,
    NotFoundError,
    ValidationError,
    is_capacity_message,
    is_duplicate_message,
)
from .models import Campaign, CampaignState
from .session import Session
from .wire import (
    MAX_CUSTOMER_ID,
    campaign_from_wire,
    dump_json,
    format_datetime,
    parse_customer_id,
    parse_schedule,
    split_item,
)

__all__ = ["AddCustomers", "RemoveCustomers", "is_not_in_campaign_message"]

logger = logging.getLogger("cc_campaigns")

#: How far ahead a schedule may be (8x8: "a maximum of 7 days in advance").
SCHEDULE_HORIZON = 7 * 24 * 3600

_ROW_ERROR = operator.attrgetter("error")
_ROW_SCHEDULE = operator.attrgetter("schedule")
_ROW_VALUE = operator.attrgetter("value")
_ROW_LINE = operator.attrgetter("line")

# Reasons of the client-side schedule window (the id and format rules live in wire.py).
PAST_SCHEDULE = "schedule is in the past"
FAR_SCHEDULE = "schedule is more than 7 days ahead"


# A delete's 404 that means "this customer is not in the campaign", in every documented wording:
# "Customer not found." (support page), "The customer has not been located." (OpenAPI),
# "The customer-id has not been found." (guide, api-notes), an empty 404 (the OpenAPI's 404 has
# no body; the client reads it as "Not found."), and "Customer not available for deletion
# because the record is deleted already." (support page: it was removed before).
_NOT_IN_CAMPAIGN = re.compile(
    r"customer(-id)?\b.{0,20}\bnot\s+(been\s+)?(found|located)"
    r"|^\s*not\s+found\.?\s*$"
    r"|deleted\s+already|already\s+deleted",
    re.IGNORECASE,
)


def is_not_in_campaign_message(message: str | None) -> bool:
    """Whether a delete's 404 message says the customer is not in the campaign (any of the
    vendor's wordings, or an empty body). "Customer not available for deletion because an
    agent has connected / the record is marked as completed" is not: that customer is in the
    campaign and stays there."""
    text = (message or "").strip()
    return not text or _NOT_IN_CAMPAIGN.search(text) is not None


def _split(raw: Any) -> tuple[Any, Any, int | None]:
    """(id, schedule, line) of any accepted item shape, without validating."""
    if isinstance(raw, SourceRow):
        if raw.error:
            raise ValidationError(f"row could not be read: {raw.error}")
        return raw.value, raw.schedule, raw.line
    ident, schedule = split_item(raw)
    return ident, schedule, None


def _schedule(value: Any, *, check_window: bool) -> str | None:
    parsed = parse_schedule(value)
    if parsed is None:
        return None
    if check_window:
        moment = parsed.timestamp()
        now = time.time()
        if moment < now:
            raise ValidationError(PAST_SCHEDULE)
        if moment > now + SCHEDULE_HORIZON:
            raise ValidationError(FAR_SCHEDULE)
    return format_datetime(parsed)


class _EightByEight:
    """What adding and removing share: the session, the campaign, the fatal-error rule."""

    operation: str = "add"
    max_batch: int | None = None

    def __init__(
        self, session: Session, campaign_id: int, *, as_string: bool, validate: bool
    ) -> None:
        self.session = session
        self.target = campaign_id
        self.as_string = as_string
        self.validate = validate

    def raw_id(self, raw: Any) -> tuple[Any, str | None, int | None]:
        if isinstance(raw, SourceRow):
            schedule = raw.schedule
            return raw.value, None if schedule is None else str(schedule), raw.line
        try:
            ident, schedule, line = _split(raw)
        except ValidationError:
            return None, None, None
        if isinstance(schedule, datetime):
            schedule = schedule.isoformat()
        return ident, None if schedule is None else str(schedule), line

    def is_fatal(self, error: ApiError) -> bool:
        return is_fatal_default(error)

    async def diagnose(self) -> ApiError | None:
        """The service keeps answering 5xx for this campaign: look at the campaign once (one
        ``GET``, no retry) and return the fatal error that explains it, or ``None``.

        8x8's OpenAPI answers a write to a stopped campaign with 500 "Internal server error",
        so a run of 5xx can hide a campaign that no retry will ever reach. Returns
        :class:`CampaignStoppedError` (stopped or completed: status 5, 6 or 7),
        :class:`CampaignNotDynamicError` (``dynamic-campaign`` is ``N``),
        :class:`CampaignNotEnabledError` (``enabled`` is ``N``), for an add
        :class:`CampaignNotStartedError` (status 0, New), or the :class:`NotFoundError` of the
        ``GET`` (no such campaign). A flag the answer does not carry is not judged. These
        errors have ``status`` ``None`` (the SDK's conclusion, not an HTTP answer) and name the
        ``GET`` in ``method``/``url``. Any other failure while looking (an error answer, no
        answer, an unreadable body) returns ``None``: the caller goes on as before. Never
        raises, except for cancellation.
        """
        path = f"/api/stats/campaigns/{self.target}.json"
        try:
            answer = await self.session.send("GET", path)
            data = answer.json()
            body = data.get("campaign") if isinstance(data, Mapping) else None
            if not isinstance(body, Mapping):
                return None
            campaign = campaign_from_wire(body)
        except NotFoundError as err:
            return err
        except Exception as err:  # by contract: any failure to look means "no diagnosis"
            logger.debug("diagnosing campaign %s failed: %s", self.target, err)
            return None
        return self._judge(campaign, body, self.session.url(path))

    def _judge(self, campaign: Campaign, body: Mapping[str, Any], url: str) -> ApiError | None:
        cid = self.target

        def found(cls: type[ApiError], message: str) -> ApiError:
            return cls(message, status=None, method="GET", url=url)

        if campaign.state is CampaignState.STOPPED:
            return found(
                CampaignStoppedError,
                f"campaign {cid} is {campaign.status_description} (status "
                f"{int(campaign.status or 0)}): it is stopped or completed and no operation is "
                "allowed on it (the service answered with server errors)",
            )
        if "dynamic-campaign" in body and not campaign.dynamic:
            return found(
                CampaignNotDynamicError,
                f"campaign {cid} is not a dynamic campaign (dynamic-campaign: "
                f"{body.get('dynamic-campaign')!r}): it takes no records through the API; make "
                "it dynamic in Configuration Manager",
            )
        if "enabled" in body and not campaign.enabled:
            return found(
                CampaignNotEnabledError,
                f"campaign {cid} is not enabled (enabled: {body.get('enabled')!r}); enable it "
                "in Configuration Manager",
            )
        if self.operation == "add" and campaign.state is CampaignState.NEW:
            return found(
                CampaignNotStartedError,
                f"campaign {cid} is New (status 0): it has not been started, and records can "
                "be added only to a started campaign",
            )
        return None


class AddCustomers(_EightByEight):
    """Adapter for the add endpoint: batches of customers, one 207 answer per item."""

    def prepare(self, raw: Any) -> tuple[int | None, Any]:
        # A payload is the wire id alone (the common case: no dict to keep alive per pending
        # item) or the whole wire object when it carries a schedule.
        if type(raw) is int and 0 <= raw <= MAX_CUSTOMER_ID:  # the fast path
            return raw, str(raw) if self.as_string else raw
        ident, schedule, _ = _split(raw)
        if self.validate:
            key: int | None = parse_customer_id(ident)
            wire_id: Any = str(key) if self.as_string else key
            when = _schedule(schedule, check_window=True)
        else:
            try:
                key = parse_customer_id(ident)
                wire_id = str(key) if self.as_string else key
            except ValidationError:
                key, wire_id = None, ident
            try:
                when = _schedule(schedule, check_window=False)
            except ValidationError:
                when = str(schedule)
        if when is None:
            return key, wire_id
        return key, {"customer-id": wire_id, "schedule-date-time": when}

    def prepare_chunk(
        self, chunk: list[Any]
    ) -> tuple[list[Any], list[Any], list[int] | None] | None:
        # Whole-chunk checks at C speed (map, join, min/max): no per-item Python work when the
        # chunk is clean, which it nearly always is. Anything unusual goes item by item.
        kinds = set(map(type, chunk))
        lines: list[int] | None = None
        if kinds == {SourceRow}:
            # Rows of a file: digit ids, no schedule, no read error.
            if any(map(_ROW_ERROR, chunk)) or any(map(_ROW_SCHEDULE, chunk)):
                return None
            values = list(map(_ROW_VALUE, chunk))
            if not all(values) or set(map(type, values)) != {str}:
                return None
            joined = "".join(values)
            if not (joined.isascii() and joined.isdigit()):
                return None
            ids: list[int] = list(map(int, values))
            lines = list(map(_ROW_LINE, chunk))
        elif kinds == {int}:
            ids = chunk
        else:
            return None
        if min(ids) < 0 or max(ids) > MAX_CUSTOMER_ID:
            return None
        return ids, ([str(x) for x in ids] if self.as_string else ids), lines

    def describe(self, payload: Any) -> tuple[Any, str | None]:
        if payload.__class__ is dict:
            return payload.get("customer-id"), payload.get("schedule-date-time")
        return payload, None

    def encode(self, payloads: list[Any]) -> bytes:
        return dump_json([p if p.__class__ is dict else {"customer-id": p} for p in payloads])

    async def send(
        self, payloads: list[Any], body: bytes | None
    ) -> list[tuple[int, str | None]] | None:
        answer = await self.session.send(
            "POST", f"/api/tstats/campaigns/{self.target}/customers", body=body, write=True
        )
        try:
            data = answer.json()
        except ValueError:
            data = None
        if not isinstance(data, list):
            if answer.status == 207:
                return [(0, "unreadable 207 answer")] * len(payloads)
            return [(answer.status, None)] * len(payloads)
        if len(data) == len(payloads) and _in_order(payloads, data):
            try:
                statuses = [element["http-status"] for element in data]
            except (TypeError, KeyError):
                pass
            else:
                if statuses.count(200) == len(statuses):
                    return None  # every item added: the common case, no per-item work
            return [_status(element) for element in data]
        return _match_by_id(payloads, data)

    def classify(self, status: int, message: str | None) -> Verdict:
        if is_duplicate_message(message):
            return Verdict.PRESENT
        if status == 429 or is_capacity_message(message):
            return Verdict.THROTTLE
        if status == 503:
            return Verdict.THROTTLE
        if status == 206 or status == 0:
            return Verdict.UNKNOWN
        if status >= 500:
            return Verdict.RETRY
        return Verdict.REJECT


def _status(element: Any) -> tuple[int, str | None]:
    if not isinstance(element, dict):
        return 0, "unreadable item in the answer"
    status = element.get("http-status")
    if type(status) is not int:
        try:
            status = int(str(status).strip())
        except ValueError:
            return 0, "unreadable http-status in the answer"
    message = element.get("message")
    return status, None if message is None else str(message)


def _in_order(payloads: list[Any], data: list[Any]) -> bool:
    """Whether the answer lists the items in the request's order (checked at both ends; an
    answer without ids is taken as in order)."""
    for payload, element in ((payloads[0], data[0]), (payloads[-1], data[-1])):
        echoed = element.get("customer-id") if isinstance(element, dict) else None
        if echoed is None:
            continue
        sent = payload.get("customer-id") if payload.__class__ is dict else payload
        if str(echoed) != str(sent):
            return False
    return True


def _match_by_id(payloads: list[Any], data: list[Any]) -> list[tuple[int, str | None]]:
    """Pair answers with items by customer id when the answer does not list one per item."""
    by_id: dict[str, tuple[int, str | None]] = {}
    for element in data:
        if isinstance(element, dict) and element.get("customer-id") is not None:
            by_id.setdefault(str(element["customer-id"]), _status(element))
    missing = (0, "no answer for this item")
    return [
        by_id.get(str(p.get("customer-id") if p.__class__ is dict else p), missing)
        for p in payloads
    ]


class RemoveCustomers(_EightByEight):
    """Adapter for removals: one ``DELETE`` per customer."""

    def __init__(
        self, session: Session, campaign_id: int, *, as_string: bool, validate: bool
    ) -> None:
        super().__init__(session, campaign_id, as_string=as_string, validate=validate)
        self.operation = "remove"
        self.max_batch = 1

    def prepare(self, raw: Any) -> tuple[int | None, Any]:
        if type(raw) is int and 0 <= raw <= MAX_CUSTOMER_ID:
            return raw, raw
        ident, _, _ = _split(raw)
        key = parse_customer_id(ident)
        return key, key

    def prepare_chunk(
        self, chunk: list[Any]
    ) -> tuple[list[Any], list[Any], list[int] | None] | None:
        return None

    def describe(self, payload: Any) -> tuple[Any, str | None]:
        return payload, None

    def encode(self, payloads: list[Any]) -> None:
        return None

    async def send(
        self, payloads: list[Any], body: bytes | None
    ) -> list[tuple[int, str | None]] | None:
        results: list[tuple[int, str | None]] = []
        for customer in payloads:
            answer = await self.session.send(
                "DELETE", f"/api/tstats/campaigns/{self.target}/customers/{customer}", write=True
            )
            results.append((answer.status, None))
        return results

    def classify(self, status: int, message: str | None) -> Verdict:
        if status == 404:
            # Not in the campaign (in any of the vendor's wordings): nothing to remove.
            # "Customer not available for deletion because ..." (an agent is connected, the
            # record is completed): in the campaign, and it stays there; "Campaign not found."
            # never gets here (fatal); an unknown 404 (a proxy's page) is no proof either way.
            text = message or ""
            if "campaign" not in text.lower() and is_not_in_campaign_message(text):
                return Verdict.PRESENT
            return Verdict.REJECT
        if status == 429 or status == 503:
            return Verdict.THROTTLE
        if status >= 500:
            return Verdict.RETRY
        return Verdict.REJECT
