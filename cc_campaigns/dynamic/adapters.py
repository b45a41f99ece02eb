"""The 8x8 side of the bulk engine: how to validate, encode, send and read customers.

:class:`AddCustomers` drives ``POST /api/tstats/campaigns/{id}/customers`` (a batch per request,
HTTP 207 per item); :class:`RemoveCustomers` drives one ``DELETE`` per customer. The engine in
:mod:`cc_campaigns.bulk.engine` knows nothing of 8x8: what differs is declared here (the target
kind, the 5,000,000 records per upload, which errors end an upload, the id columns of a file).
:func:`read_customers` streams customers out of files with the engine's neutral reader.
The 207 answer itself is read in :mod:`.answers`.
"""

from __future__ import annotations

import logging
import operator
import re
import time
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from .._transport.session import Session, clip
from ..bulk.adapter import Verdict
from ..bulk.sources import FileSource, SourceRow, read_rows
from ..errors import (
    ApiError,
    AuthenticationError,
    CampaignNotDynamicError,
    CampaignNotEnabledError,
    CampaignNotStartedError,
    CampaignStoppedError,
    NotFoundError,
    TransitionRefusedError,
    ValidationError,
    is_capacity_message,
    is_duplicate_message,
)
from .answers import check_delete_answer, read_add_answer
from .models import Campaign, CampaignState
from .wire import (
    MAX_CUSTOMER_ID,
    campaign_from_wire,
    dump_json,
    format_datetime,
    parse_customer_id,
    parse_schedule,
    split_item,
)

__all__ = [
    "FATAL_ERRORS",
    "ID_COLUMNS",
    "MAX_RECORDS",
    "AddCustomers",
    "RemoveCustomers",
    "check_delete_answer",
    "is_fatal_error",
    "is_not_in_campaign_message",
    "read_add_answer",
    "read_customers",
]

logger = logging.getLogger("cc_campaigns")

#: The documented maximum of records per upload.
MAX_RECORDS = 5_000_000
#: Header names recognised as the customer id column, in order of preference.
ID_COLUMNS = ("customer_id", "customer-id", "customerid", "accountnum", "account_num", "id")
#: Whole-request errors that no retry can fix: the credentials, a campaign that takes no
#: records (stopped, not dynamic, not enabled, not started), a transition it refuses.
FATAL_ERRORS: tuple[type[ApiError], ...] = (
    AuthenticationError,
    CampaignStoppedError,
    CampaignNotDynamicError,
    CampaignNotEnabledError,
    CampaignNotStartedError,
    TransitionRefusedError,
)

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


def is_fatal_error(error: ApiError) -> bool:
    """Whether a whole-request error ends an upload: one of :data:`FATAL_ERRORS`, or a 404 that
    names the campaign (every other request would get it too)."""
    if isinstance(error, FATAL_ERRORS):
        return True
    return isinstance(error, NotFoundError) and "campaign" in (error.message or "").lower()


class CustomerSource(FileSource):
    """:class:`~cc_campaigns.bulk.sources.FileSource` reading 8x8's id columns by default: what
    ``cc_campaigns.bulk.CustomerSource`` was (a deprecated alias of this, for one minor
    version; use :func:`read_customers`)."""

    def __init__(
        self, path: str | Path, *, id_columns: tuple[str, ...] = ID_COLUMNS, **options: Any
    ) -> None:
        super().__init__(path, id_columns=id_columns, **options)


def read_customers(
    path: str | Path,
    *,
    column: str | int | None = None,
    schedule_column: str | int | None = None,
    encoding: str = "utf-8",
    id_columns: tuple[str, ...] = ID_COLUMNS,
    keep_columns: bool = False,
) -> FileSource:
    """Stream customers from a CSV (with or without a header), a text file (one id per line) or
    JSON Lines; ``.gz`` too; ``"-"`` reads standard input.

    The engine's reader (:func:`cc_campaigns.bulk.read_rows`, which says what is a record and
    what an unreadable one yields) with the customer id columns: the id column is a header
    named ``customer_id`` (or ``customer-id``, ``accountnum``, ``id``), else the first column;
    a text file's first line ``customer_id`` is a header.

    Args:
        path: The file.
        column: The id column: a header name or a 0-based index.
        schedule_column: The schedule column (ISO 8601 with an offset). Default: a header named
            ``schedule`` or ``schedule-date-time`` when present.
        encoding: Text encoding of the file.
        id_columns: Header names tried, in order, for the id column.
        keep_columns: Keep every column of a CSV row in ``SourceRow.extra``.

    Returns:
        An iterator of rows with the file in ``path``.

    Raises:
        SourceError: the file cannot be read (missing, a directory, no permission, an unknown
            encoding; raised when iteration starts), or stops being readable (a truncated or
            corrupt ``.gz``: raised when reading gets there, naming the last line read).
        ValidationError: a named column is not in the header, or a numbered one is beyond the
            columns of the header (or of the first row). Raised when iteration starts, before
            anything is sent.
    """
    return read_rows(
        path,
        column=column,
        schedule_column=schedule_column,
        encoding=encoding,
        id_columns=id_columns,
        keep_columns=keep_columns,
    )


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

    provider = "8x8"
    operation: str = "add"
    target_kind = "campaign"
    max_batch: int | None = None
    max_records: int | None = MAX_RECORDS
    #: The rejects file's id column: the one :func:`read_customers` reads first.
    id_field = "customer_id"

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
        return is_fatal_error(error)

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
        """Send one batch; its per-item answers in the order of ``payloads`` (``None``: every
        item added).

        Raises:
            UnexpectedResponseError: the 2xx is not the documented answer (see
                :func:`read_add_answer`): nothing in it counts.
        """
        answer = await self.session.send(
            "POST", f"/api/tstats/campaigns/{self.target}/customers", body=body, write=True
        )
        answers = read_add_answer(answer, payloads)
        if answers is None:
            return None
        # A per-item message is the service's text too: a token it echoes is masked (before
        # any cut) like in an error body, before it reaches a report, a log or a rejects file.
        redact = self.session.redact
        return [(status, clip(redact(m)) if m else m) for status, m in answers]

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
            check_delete_answer(answer)
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
