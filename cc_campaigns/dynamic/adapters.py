"""The 8x8 side of the bulk engine: how to validate, encode, send and read customers.

:class:`AddCustomers` drives ``POST /api/tstats/campaigns/{id}/customers`` (a batch per request,
HTTP 207 per item); :class:`RemoveCustomers` drives one ``DELETE`` per customer. The engine in
:mod:`cc_campaigns.bulk.engine` knows nothing of 8x8: what differs is declared here (the target
kind, the 5,000,000 records per upload, which errors end an upload, the id columns of a file).
:func:`read_customers` streams customers out of files with the engine's neutral reader.

Over 500 lines on purpose, for now: the reader of the add endpoint's 207 answer
(:func:`read_add_answer` and its pairing helpers, about 170 lines) lives beside the one adapter
that uses it; it is the first candidate to move to a module of its own (``answers.py``).
"""

from __future__ import annotations

import logging
import operator
import re
import time
from collections.abc import Mapping
from datetime import datetime
from itertools import repeat
from pathlib import Path
from typing import Any

from .._transport.session import Response, Session, clip, message_text
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


_CID = "customer-id"
_HTTP_STATUS = "http-status"


def read_add_answer(answer: Response, payloads: list[Any]) -> list[tuple[int, str | None]] | None:
    """The per-item (status, message) of an add answer, in the order of ``payloads``; ``None``
    when every item was added.

    The documented answer is a JSON list of one object per item sent, each with an ``http-status``
    (a number, or a string of one) and optionally the ``customer-id`` it is about and a
    ``message``. Elements that name their ``customer-id`` are matched to the items by id, so an
    answer in another order is read right; an element whose id is ``null`` (8x8 names no id for
    an invalid one) takes the place of the one item left unnamed.

    Raises:
        UnexpectedResponseError: anything else - not JSON, not a list, too few or too many
            elements, an element that is not an object or has no readable status, an id that
            was not sent (or named twice), unnamed elements that cannot be paired. The
            message says what came back.
    """
    # orjson alone (no scan of the body for long numbers): an id beyond 64 bits comes back as
    # a rounded float, which can equal a sent id only when such an id was sent; then, and
    # whenever a float shows up where an id belongs, the body is read again exactly.
    data = answer.json(exact=False)
    count = len(payloads)
    if type(data) is not list:
        raise answer.unexpected(f"expected a JSON list of {count} results")
    if len(data) != count:
        raise answer.unexpected(f"{len(data)} results for {count} items sent")
    # The common case at C speed: every element an object naming its id, in order, added.
    try:
        echoed = list(map(_GET_CID, data))
    except (KeyError, TypeError):  # an element without an id, or not an object
        echoed = list(map(_get_cid, data))
    if echoed == payloads and not _beyond_64_bits(payloads):
        try:
            statuses = list(map(_GET_STATUS, data))
        except (KeyError, TypeError):
            return [_status(answer, element) for element in data]
        if statuses.count(200) == count:
            return None
        # In order, some refused: still at C speed when statuses are numbers, messages text.
        messages = list(map(dict.get, data, repeat("message", count)))
        if (
            set(map(type, statuses)) == _INT
            and min(statuses) >= 100
            and max(statuses) <= 599
            and set(map(type, messages)) <= _TEXT_OR_NONE
        ):
            return list(zip(statuses, messages, strict=True))
        return [_status(answer, element) for element in data]
    if float in set(map(type, echoed)):
        data = answer.json()
        echoed = list(map(_get_cid, data))
    return _per_item(answer, payloads, data, echoed)


_GET_CID = operator.itemgetter(_CID)
_INT = {int}
_TEXT_OR_NONE = {str, type(None)}
_GET_STATUS = operator.itemgetter(_HTTP_STATUS)


def _get_cid(element: Any) -> Any:
    if not isinstance(element, dict):
        return None  # refused by _status
    return element.get(_CID)


_BEYOND_64_BITS = 2**64


def _beyond_64_bits(payloads: list[Any]) -> bool:
    """Whether an answer to ``payloads`` must be parsed exactly: an int id of 20 digits was
    sent (or the payloads are not all plain ints or all strings)."""
    try:
        top = max(payloads)
    except TypeError:  # schedules (dicts), mixed kinds
        return True
    return top.__class__ is not str and not (top.__class__ is int and top < _BEYOND_64_BITS)


def _per_item(
    answer: Response, payloads: list[Any], data: list[Any], echoed: list[Any]
) -> list[tuple[int, str | None]]:
    """Every element read and paired with its item (see :func:`read_add_answer`)."""
    results = [_status(answer, element) for element in data]
    sent = [p.get(_CID) if p.__class__ is dict else p for p in payloads]
    if all(e is None or _same_id(e, s) for e, s in zip(echoed, sent, strict=True)):
        return results  # in order (elements without an id hold their place)
    # Another order: pair by id.
    slots: dict[str, list[int]] = {}
    for index, ident in enumerate(sent):
        slots.setdefault(_id_key(ident), []).append(index)
    paired: list[tuple[int, str | None] | None] = [None] * len(payloads)
    unnamed: list[tuple[int, str | None]] = []
    for ident, result in zip(echoed, results, strict=True):
        if ident is None:
            unnamed.append(result)
            continue
        free = slots.get(_id_key(ident))
        if not free:
            raise answer.unexpected(
                f"a result for customer-id {clip(str(ident), 40)!r}, which was not sent "
                "(or is answered twice)"
            )
        paired[free.pop(0)] = result
    if unnamed:
        # Results without an id can be placed only when they say the same thing.
        if len(set(unnamed)) > 1:
            raise answer.unexpected(
                f"{len(unnamed)} results without a customer-id, out of order: they cannot be "
                "matched to the items sent"
            )
        paired = [unnamed[0] if result is None else result for result in paired]
    return [result for result in paired if result is not None]


def _id_key(ident: Any) -> str:
    """An id as text, the same for ``7`` and ``"7"``."""
    return ident.strip() if isinstance(ident, str) else str(ident)


def _same_id(echoed: Any, sent: Any) -> bool:
    return echoed == sent or _id_key(echoed) == _id_key(sent)


def _status(answer: Response, element: Any) -> tuple[int, str | None]:
    """(status, message) of one element, or :class:`UnexpectedResponseError`."""
    if not isinstance(element, dict):
        raise answer.unexpected("a result that is not an object")
    status = element.get(_HTTP_STATUS)
    if type(status) is not int:
        digits = status.strip() if isinstance(status, str) else ""
        if not (digits.isascii() and digits.isdigit() and len(digits) == 3):
            raise answer.unexpected(f"a result without a readable {_HTTP_STATUS}")
        status = int(digits)
    elif not 100 <= status <= 599:
        raise answer.unexpected(f"a result with {_HTTP_STATUS} {status}")
    message = element.get("message")
    if message is None or message.__class__ is str:
        return status, message
    text = message_text(message)
    if text is None:
        raise answer.unexpected("a result whose message is not text")
    return status, text


def check_delete_answer(answer: Response) -> None:
    """A delete succeeded only with 204, or 200 with a JSON object (``{"message": "Customer
    deleted."}``).

    Raises:
        UnexpectedResponseError: any other 2xx (an HTML page, an empty 200, a 202).
    """
    if answer.status == 204:
        return
    if answer.status == 200 and answer.body and isinstance(answer.json(), dict):
        return
    raise answer.unexpected("expected 204, or 200 with a JSON message")


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
