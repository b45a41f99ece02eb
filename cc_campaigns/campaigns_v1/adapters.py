"""The Campaigns API v1 side of the bulk engine: add records, 100 a request, all or nothing.

The service stores a batch whole or not at all, and its refusal names at most one culprit. So
:meth:`AddRecords.send` isolates the bad records of a refused batch itself, and answers the
engine one ``(status, message)`` per record as if the endpoint had answered per item:

* a refusal that names records ("Campaign already contains record for Id: X", or field errors
  at ``records[i]``): those are settled (already present / rejected) and the rest is resent at
  once, one more request;
* a refusal that names none: the batch is cut in halves and each half sent; a half that goes
  through is added, a refused one is isolated the same way, down to single records. ``k`` bad
  records of ``n`` cost at most ``2 * k * ceil(log2(n))`` more requests, never one per record;
* a resend after an unknown outcome (timeout, dropped connection, a 5xx that may have applied)
  goes the same way: its "already contains" answers are what the engine counts as applied,
  confirmed on retry; a mix is split like any refusal.

Requests beyond the engine's one per ``send`` are reported to it
(:func:`cc_campaigns.bulk.adapter.count_requests`), so the report's ``requests`` is exact. A
failure that is not about records (throttling, the campaign's state, a lost answer) stops the
isolation: the records not settled yet get that answer, and the engine retries or settles them.

:func:`read_records` streams records out of CSV, text or JSON Lines files.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson

from .._transport.session import Session
from ..bulk.adapter import Verdict, count_requests
from ..bulk.sources import FileSource, SourceRow, read_rows
from ..errors import (
    ApiError,
    AuthenticationError,
    BadRequestError,
    CampaignNotDynamicError,
    CampaignsError,
    CampaignStoppedError,
    ConnectError,
    NotFoundError,
    OutcomeUnknownError,
    RateLimitedError,
    ServerError,
    TransportError,
    UnexpectedResponseError,
    ValidationError,
)
from .errors import (
    CampaignBusyError,
    DuplicateRecordError,
    Problem,
    classify_v1_error,
    duplicate_ids,
    named_ids,
    record_indexes,
)
from .models import MAX_RECORDS_PER_REQUEST, AddRecord
from .resources._base import campaign_path
from .wire import BAD_ITEM, record_to_wire

__all__ = [
    "FATAL_ERRORS",
    "ID_COLUMNS",
    "SCHEDULE_COLUMNS",
    "AddRecords",
    "read_records",
    "record_key",
]

logger = logging.getLogger("cc_campaigns")

#: Header names recognised as the CRM record id column (lower case), in order of preference.
ID_COLUMNS = ("crm_record_id", "crmrecordid", "crm-record-id", "record_id", "id")
#: Header names recognised as the schedule column.
SCHEDULE_COLUMNS = ("schedule_at", "scheduleat", "schedule-at", "schedule")
#: Whole-request errors that end an upload: every other batch would get the same answer.
FATAL_ERRORS: tuple[type[ApiError], ...] = (
    AuthenticationError,
    NotFoundError,
    CampaignStoppedError,
    CampaignNotDynamicError,
)
#: The message prefix of a record whose request never reached the service (status 0).
NOT_SENT = "not sent: "


def read_records(
    path: str | Path,
    *,
    column: str | int | None = None,
    schedule_column: str | int | None = None,
    encoding: str = "utf-8",
) -> FileSource:
    """Stream records from a CSV (with or without a header), a text file (one CRM record id per
    line) or JSON Lines; ``.gz`` too; ``"-"`` reads standard input.

    The id column is ``crm_record_id`` (or ``crmRecordId``, ``record_id``, ``id``), else the
    first column; the schedule column ``schedule_at`` (or ``scheduleAt``, ``schedule``); the
    columns ``priority`` and ``rank`` are read when present. Bad values are reported per row
    (``invalid``), never sent.

    Raises:
        SourceError: the file cannot be read (see :func:`~cc_campaigns.bulk.read_rows`).
        ValidationError: a named column is not in the header (when iteration starts).
    """
    return read_rows(
        path,
        column=column,
        schedule_column=schedule_column,
        encoding=encoding,
        id_columns=ID_COLUMNS,
        schedule_columns=SCHEDULE_COLUMNS,
        keep_columns=True,
    )


def record_key(crm_id: str) -> int:
    """The dedupe key of a CRM record id: a distinct non-negative int per distinct id (plain
    digits without a leading zero map to small numbers, so numeric ids stay compact)."""
    if crm_id.isascii() and crm_id.isdigit() and (crm_id == "0" or crm_id[0] != "0"):
        return int(crm_id) * 2
    return int.from_bytes(b"\x01" + crm_id.encode("utf-8"), "big") * 2 + 1


def _column(extra: Mapping[str, Any] | None, *names: str) -> Any:
    if not extra:
        return None
    for key, value in extra.items():
        if isinstance(key, str) and key.strip().lower() in names:
            return value
    return None


class _Stop(Exception):
    """A failure that is not about records: isolation stops, the rest gets ``answer``."""

    def __init__(self, answer: tuple[int, str | None], group: list[int]) -> None:
        super().__init__(answer[1])
        self.answer = answer
        #: The records of the request that failed (the only ones it may have applied).
        self.group = frozenset(group)


class AddRecords:
    """Adapter for ``POST /{campaignId}/records``: batches of up to 100, all or nothing.

    Args:
        session: The client's session.
        campaign_id: The campaign (checked to be a UUID).
        validate: Check records as the service would before sending (an invalid one is counted
            ``invalid`` and never costs its batch). Off: ids are sent as text, the rest as
            given, and the service judges (isolation then finds the bad ones).
    """

    provider = "campaigns_v1"
    operation = "add"
    target_kind = "campaign"
    max_batch: int | None = MAX_RECORDS_PER_REQUEST
    #: No documented limit of records per campaign.
    max_records: int | None = None
    id_field = "crm_record_id"

    def __init__(self, session: Session, campaign_id: Any, *, validate: bool = True) -> None:
        self.session = session
        self.path = campaign_path(campaign_id) + "/records"
        self.target = self.path[1 : -len("/records")]
        self.validate = validate

    # -- items ---------------------------------------------------------------------------------

    def prepare(self, raw: Any) -> tuple[int | None, Any]:
        item = self._item(raw)
        payload = record_to_wire(item) if self.validate else self._as_given(item)
        return record_key(payload["crmRecordId"]), payload

    def prepare_chunk(
        self, chunk: list[Any]
    ) -> tuple[list[Any], list[Any], list[int] | None] | None:
        return None  # records are checked one by one

    @staticmethod
    def _item(raw: Any) -> Any:
        if isinstance(raw, SourceRow):
            if raw.error:
                raise ValidationError(f"row could not be read: {raw.error}")
            return {
                "crmRecordId": raw.value.strip() if isinstance(raw.value, str) else raw.value,
                "scheduleAt": raw.schedule,
                "priority": _column(raw.extra, "priority"),
                "rank": _column(raw.extra, "rank"),
            }
        return raw

    @staticmethod
    def _as_given(item: Any) -> dict[str, Any]:
        """The record as given, only made sendable (the id as text, enums and datetimes
        written out): the service judges it."""
        if isinstance(item, AddRecord):
            item = {
                "crmRecordId": item.crm_record_id,
                "scheduleAt": item.schedule_at,
                "priority": item.priority,
                "rank": item.rank,
            }
        if isinstance(item, Mapping):
            ident = item.get("crmRecordId", item.get("crm_record_id", item.get("id")))
            wire: dict[str, Any] = {"crmRecordId": "" if ident is None else str(ident)}
            for key, alt in (("scheduleAt", "schedule_at"), ("priority", ""), ("rank", "")):
                value = item.get(key, item.get(alt))
                if value is None or value == "":
                    continue
                if isinstance(value, enum.Enum):
                    value = value.value
                elif isinstance(value, datetime):
                    value = value.isoformat()
                wire[key] = value
            return wire
        if isinstance(item, (str, int)) and not isinstance(item, bool):
            return {"crmRecordId": str(item)}
        raise ValidationError(BAD_ITEM)

    def describe(self, payload: Any) -> tuple[Any, str | None]:
        schedule = payload.get("scheduleAt")
        return payload.get("crmRecordId"), schedule if isinstance(schedule, str) else None

    def raw_id(self, raw: Any) -> tuple[Any, str | None, int | None]:
        if isinstance(raw, SourceRow):
            schedule = raw.schedule if isinstance(raw.schedule, str) else None
            return raw.value, schedule, raw.line
        if isinstance(raw, AddRecord):
            return raw.crm_record_id, None, None
        if isinstance(raw, Mapping):
            return raw.get("crmRecordId", raw.get("crm_record_id", raw.get("id"))), None, None
        if isinstance(raw, (str, int)) and not isinstance(raw, bool):
            return raw, None, None
        return None, None, None

    def encode(self, payloads: list[Any]) -> bytes | None:
        return orjson.dumps({"records": payloads})

    # -- sending -------------------------------------------------------------------------------

    async def send(
        self, payloads: list[Any], body: bytes | None
    ) -> list[tuple[int, str | None]] | None:
        """Send the batch; on a refusal about its records, isolate them (see the module's
        docstring) and answer per record.

        Raises:
            ApiError, TransportError: the first request failed for another reason than its
                records (the engine retries, throttles or stops on it).
        """
        try:
            await self._post(body if body is not None else self.encode(payloads))
            return None
        except ApiError as err:
            if not _about_records(err):
                raise
            refusal = err
        answers: list[tuple[int, str | None] | None] = [None] * len(payloads)
        try:
            await self._isolate(payloads, list(range(len(payloads))), refusal, answers)
        except _Stop as stop:
            # Only the failed request's records may have been applied by it: every other
            # unanswered record was refused (all or nothing) or not sent again yet, so an
            # unknown outcome is theirs only when they were in that request.
            unknown = self.classify(*stop.answer) is Verdict.UNKNOWN
            spared = (0, f"{NOT_SENT}not applied: a request isolating its batch failed")
            for index, answer in enumerate(answers):
                if answer is None:
                    maybe = index in stop.group or not unknown
                    answers[index] = stop.answer if maybe else spared
        # Every record is answered by now; were one not, it would be "unknown", never added.
        return [answer if answer is not None else (0, "no answer") for answer in answers]

    async def _post(self, body: bytes | None) -> None:
        await self.session.request("POST", self.path, body=body, write=True, retry=False)

    async def _resend(
        self,
        payloads: list[Any],
        group: list[int],
        answers: list[tuple[int, str | None] | None],
    ) -> bool:
        """Send ``group`` (one more request); settle it, or isolate it when refused. True when
        the whole group went through."""
        count_requests()
        try:
            await self._post(self.encode([payloads[i] for i in group]))
        except ApiError as err:
            if _about_records(err):
                await self._isolate(payloads, group, err, answers)
                return False
            raise _Stop(_answer_for(err), group) from err
        except TransportError as err:
            raise _Stop(_answer_for(err), group) from err
        for index in group:
            answers[index] = (200, None)
        return True

    async def _isolate(
        self,
        payloads: list[Any],
        group: list[int],
        refusal: ApiError,
        answers: list[tuple[int, str | None] | None],
    ) -> None:
        """``group`` was refused as a whole with ``refusal``: find which of it is bad."""
        status = refusal.status or 400
        named = _named(refusal, [payloads[i]["crmRecordId"] for i in group])
        if named:
            for position, message in named.items():
                answers[group[position]] = (status, message)
            rest = [index for position, index in enumerate(group) if position not in named]
            if rest:
                await self._resend(payloads, rest, answers)
            return
        if len(group) == 1:
            message = refusal.message
            others = duplicate_ids(message)
            if isinstance(refusal, DuplicateRecordError) and not others:
                # "Already contains one or more of the records", naming none, for this one
                # record: it is the one.
                crm_id = payloads[group[0]]["crmRecordId"]
                message = f"Campaign already contains record for Id: {crm_id}"
            elif others:
                # It names another id: that says nothing of this record, which stays refused
                # (never counted present on a guess).
                message = f"refused, the service naming another record ({', '.join(others)})"
            answers[group[0]] = (status, message)
            return
        middle = len(group) // 2
        first, second = group[:middle], group[middle:]
        if await self._resend(payloads, first, answers):
            # The first half went through, so what the refusal was about is in the second:
            # it would be refused again (all or nothing), so it is split without being sent.
            await self._isolate(payloads, second, refusal, answers)
        else:
            await self._resend(payloads, second, answers)

    # -- answers -------------------------------------------------------------------------------

    def classify(self, status: int, message: str | None) -> Verdict:
        if 200 <= status < 300:
            return Verdict.OK
        if status == 0:
            return Verdict.RETRY if (message or "").startswith(NOT_SENT) else Verdict.UNKNOWN
        if status in (400, 409) and duplicate_ids(message):
            return Verdict.PRESENT
        if status in (429, 503) or classify_v1_error(status, message, None) is CampaignBusyError:
            return Verdict.THROTTLE
        if status == 408 or status >= 500:
            return Verdict.UNKNOWN
        return Verdict.REJECT

    def is_fatal(self, error: ApiError) -> bool:
        """Credentials, a missing campaign (or wrong site or tenant), a campaign that is
        COMPLETE or DELETED, or one that is not dynamic: no retry can fix these."""
        return isinstance(error, FATAL_ERRORS)

    async def diagnose(self) -> ApiError | None:
        """This API has no read of a campaign: nothing to look at."""
        return None


def _about_records(error: ApiError) -> bool:
    """Whether a refusal is about the batch's records (some are bad, the rest may be good),
    not about the campaign or the request as a whole."""
    return type(error) in (BadRequestError, DuplicateRecordError) and error.status in (400, 409)


def _named(refusal: ApiError, ids: list[str]) -> dict[int, str]:
    """Positions in the refused group that ``refusal`` names, with the message for each: the
    records already in the campaign, or those its field errors point at (``records[i]``)."""
    found: dict[int, str] = {}
    if duplicate_ids(refusal.message):
        # Only exactly named records are settled; a name that matches none of the group's ids
        # exactly names nothing here (the group is then split like an unnamed refusal).
        duplicates = named_ids(refusal.message, ids)
        for position, crm_id in enumerate(ids):
            if crm_id in duplicates:
                found[position] = f"Campaign already contains record for Id: {crm_id}"
        return found
    problem = getattr(refusal, "problem", None)
    indexes = record_indexes(problem if isinstance(problem, Problem) else None)
    if indexes and all(i < len(ids) for i in indexes):
        for i in indexes:
            found[i] = _field_message(problem, i) or refusal.message
    return found


def _field_message(problem: Any, index: int) -> str | None:
    if not isinstance(problem, Problem):
        return None
    marker = f"records[{index}]"
    said = [
        f"{e.field}: {e.message or e.code or 'invalid'}"
        for e in problem.errors
        if e.field and e.field.startswith(marker)
    ]
    return "; ".join(said) or None


def _answer_for(error: CampaignsError) -> tuple[int, str | None]:
    """The per-record answer of a failure that stopped an isolation (read by ``classify``)."""
    if isinstance(error, ConnectError):
        return 0, NOT_SENT + error.message
    if isinstance(error, TransportError):
        return 0, error.message
    assert isinstance(error, ApiError)
    if isinstance(error, UnexpectedResponseError) and (error.status or 0) >= 400:
        return 0, NOT_SENT + error.message  # a 4xx page that is not the API's: never seen
    if isinstance(error, (OutcomeUnknownError, UnexpectedResponseError)):
        return 0, error.message  # maybe applied
    if isinstance(error, (RateLimitedError, ServerError)):
        return error.status or 503, error.message
    return error.status or 400, error.message
