"""The VoIPbin side of the bulk engine: outdial targets, one ``POST`` per target.

VoIPbin has no bulk endpoint and no duplicate detection: a ``POST /outdials/{id}/targets`` that
timed out may have created the target, and sending it again would create a second one. So
:class:`AddTargets` remembers which sends had an unknown outcome and, before resending one, looks
for it among the targets created since (newest first, a few pages); found, it counts as added
("confirmed on retry") and is not sent again. With ``skip_existing`` the outdial's targets are
listed once up front and destinations already there are not sent (``already_present``).

:func:`read_targets` streams targets out of CSV, text or JSON Lines files with the engine's
reader (:func:`cc_campaigns.bulk.read_rows`). What differs from other providers is declared
here: the target kind, no limit of records per upload, which errors end an upload, the
destination columns of a file.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import orjson

from .._idset import IdSet
from .._transport.session import Response, Session
from ..bulk.adapter import Verdict
from ..bulk.sources import FileSource, SourceRow, read_rows
from ..errors import (
    ApiError,
    AuthenticationError,
    CampaignNotDynamicError,
    CampaignNotEnabledError,
    CampaignNotStartedError,
    CampaignStoppedError,
    ConnectError,
    NotFoundError,
    OutcomeUnknownError,
    ServerError,
    TransitionRefusedError,
    TransportError,
    UnexpectedResponseError,
    ValidationError,
)
from .models import MAX_DESTINATIONS, Address, AddressType
from .wire import (
    address_to_wire,
    answer_json,
    outdial_from_wire,
    page_from_wire,
    target_from_wire,
    to_address,
)

__all__ = [
    "DESTINATION_COLUMNS",
    "FATAL_ERRORS",
    "AddTargets",
    "check_target_answer",
    "read_targets",
]

logger = logging.getLogger("cc_campaigns")

#: How far before an uncertain send's start the resend check looks, in seconds (clock skew
#: between this host and VoIPbin, and time the request spent queued).
CLOCK_MARGIN = 300.0
#: Status and message :meth:`AddTargets.send` answers for a target that is already there.
PRESENT_STATUS = 409
ALREADY_ADDED = "target already in the outdial (added by an earlier attempt)"
ALREADY_THERE = "destination already in the outdial"

# Reasons are categories (the report counts per reason), never the offending value.
MISSING_DESTINATION = "destination is missing"
NOT_E164 = "destination is not an E.164 phone number"
BAD_DESTINATION = "destination is not a phone number, an Address or a mapping"
TOO_MANY = f"more than {MAX_DESTINATIONS} destinations"
BAD_TEXT = "name, detail or data is not text"

#: Header names recognised as a phone destination column.
DESTINATION_COLUMNS = ("destination", "phone", "number", "tel", "target")
#: Whole-request errors that end an upload: the credentials, ``STATE_INVALID`` (a running
#: campaign uses the outdial; :class:`TransitionRefusedError`), a missing outdial, and the
#: shared decoder's campaign-state classes.
FATAL_ERRORS: tuple[type[ApiError], ...] = (
    AuthenticationError,
    CampaignStoppedError,
    CampaignNotDynamicError,
    CampaignNotEnabledError,
    CampaignNotStartedError,
    TransitionRefusedError,
    NotFoundError,
)

#: Mapping keys / CSV columns read as the first destination, in order of preference.
_FIRST = ("destination", "destination_0", *DESTINATION_COLUMNS[1:])
#: Columns read as more destinations.
_MORE = tuple(f"destination_{i}" for i in range(1, MAX_DESTINATIONS))


def read_targets(
    path: str | Path,
    *,
    column: str | int | None = None,
    encoding: str = "utf-8",
) -> FileSource:
    """Stream targets from a CSV (with or without a header), a text file (one number per line)
    or JSON Lines; ``.gz`` too; ``"-"`` reads standard input.

    The destination column is ``destination`` (or ``phone``, ``number``, ``tel``, ``target``),
    else the first column. Columns ``name``, ``detail``, ``data`` and ``destination_1`` ..
    ``destination_4`` are kept and sent with the target; other columns are ignored.

    Args:
        path: The file.
        column: The destination column: a header name or a 0-based index.
        encoding: Text encoding of the file.

    Raises:
        SourceError: the file cannot be read (see :func:`~cc_campaigns.bulk.read_rows`).
        ValidationError: a named column is not in the header, or a numbered one is out of
            range (raised when iteration starts, before anything is sent).
    """
    # A one-column file's "destination" header line is skipped by the text reader itself.
    return read_rows(
        path, column=column, encoding=encoding, id_columns=DESTINATION_COLUMNS, keep_columns=True
    )


def _first(mapping: Mapping[str, Any], keys: tuple[str, ...]) -> Any:
    for key in keys:
        value = mapping.get(key)
        if value is not None and value != "":
            return value
    return None


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (Mapping, list)) and not isinstance(value, str):
        return orjson.dumps(value).decode()
    if not isinstance(value, str):
        raise ValidationError(BAD_TEXT)
    return value


def _split(raw: Any) -> tuple[Any, list[Any], Mapping[str, Any]]:
    """(first destination, more destinations, other fields) of any accepted item shape."""
    if isinstance(raw, SourceRow):
        if raw.error:
            raise ValidationError(f"row could not be read: {raw.error}")
        extra = raw.extra or {}
        more = [extra[k] for k in _MORE if extra.get(k)]
        return raw.value, more, extra
    if isinstance(raw, Mapping):
        if isinstance(raw.get("destination_0"), Mapping) or isinstance(
            raw.get("destination"), Mapping
        ):
            first = raw.get("destination_0") or raw.get("destination")
        else:
            first = _first(raw, _FIRST)
        more = list(raw.get("destinations") or ()) + [raw[k] for k in _MORE if raw.get(k)]
        return first, more, raw
    return raw, [], {}


def _key(address: Address) -> int | None:
    """The dedupe key of a destination: the E.164 digits as an int (unique, no leading 0)."""
    if address.type is AddressType.TEL and address.target[1:].isdigit():
        return int(address.target[1:])
    return None


class AddTargets:
    """Adapter for ``POST /outdials/{id}/targets``: one target per request.

    Args:
        session: The client's session (auth, timeouts, error mapping).
        outdial_id: The outdial (a validated UUID).
        validate: Check and normalise E.164 numbers before sending (invalid items are counted,
            never sent). Off: numbers are sent as given and the server judges.
    """

    provider = "voipbin"
    operation: str = "add"
    target_kind: str = "outdial"
    max_batch: int | None = 1
    #: No documented limit of targets per upload.
    max_records: int | None = None
    #: The rejects file's id column (the reader takes the first column when no destination
    #: column is named, so the file reads back as targets).
    id_field = "customer_id"

    def __init__(self, session: Session, outdial_id: str, *, validate: bool = True) -> None:
        self.session = session
        self.target = outdial_id
        self.validate = validate
        self.path = f"/outdials/{outdial_id}/targets"
        #: Destinations already in the outdial (``skip_existing``), by key and by text.
        self._existing_keys: IdSet | None = None
        self._existing_text: set[str] = set()
        #: Sends with an unknown outcome: id(payload) -> (payload, wall-clock start).
        self._uncertain: dict[int, tuple[dict[str, Any], float]] = {}

    # -- the engine's protocol -----------------------------------------------------------------

    def prepare(self, raw: Any) -> tuple[int | None, Any]:
        first, more, fields = _split(raw)
        if first is None or (isinstance(first, str) and not first.strip()):
            raise ValidationError(MISSING_DESTINATION)
        if len(more) + 1 > MAX_DESTINATIONS:
            raise ValidationError(TOO_MANY)
        addresses = [self._address(first), *(self._address(d) for d in more)]
        payload: dict[str, Any] = {
            "name": _text(fields.get("name")),
            "detail": _text(fields.get("detail")),
            "data": _text(fields.get("data")),
        }
        for index, address in enumerate(addresses):
            payload[f"destination_{index}"] = address_to_wire(address)
        return _key(addresses[0]), payload

    def prepare_chunk(
        self, chunk: list[Any]
    ) -> tuple[list[Any], list[Any], list[int] | None] | None:
        """No fast path: one request per target is the bottleneck, not preparing them."""
        return None

    def _address(self, value: Any) -> Address:
        if not self.validate:
            if isinstance(value, str):
                return Address(target=value.strip())
            if isinstance(value, Address):
                return value
        try:
            return to_address(value.strip() if isinstance(value, str) else value)
        except ValidationError as err:
            text = str(err)
            raise ValidationError(NOT_E164 if "E.164" in text else BAD_DESTINATION) from None

    def describe(self, payload: Any) -> tuple[Any, str | None]:
        return payload["destination_0"].get("target"), None

    def raw_id(self, raw: Any) -> tuple[Any, str | None, int | None]:
        if isinstance(raw, SourceRow):
            return raw.value, None, raw.line
        try:
            first, _, _ = _split(raw)
        except ValidationError:
            return None, None, None
        if isinstance(first, Address):
            first = first.target
        elif isinstance(first, Mapping):
            first = first.get("target")
        return first, None, None

    def encode(self, payloads: list[Any]) -> bytes | None:
        return orjson.dumps(payloads[0]) if len(payloads) == 1 else None

    async def send(self, payloads: list[Any], body: bytes | None) -> list[tuple[int, str | None]]:
        results = []
        for payload in payloads:
            one = body if len(payloads) == 1 else None
            results.append(await self._send_one(payload, one))
        return results

    def classify(self, status: int, message: str | None) -> Verdict:
        if 200 <= status < 300:  # VoIPbin has no "outcome unknown" success status
            return Verdict.OK
        if message in (ALREADY_ADDED, ALREADY_THERE):
            return Verdict.PRESENT
        if status in (429, 503):
            return Verdict.THROTTLE
        if status == 0:
            return Verdict.UNKNOWN
        if status >= 500:
            return Verdict.RETRY
        return Verdict.REJECT

    def is_fatal(self, error: ApiError) -> bool:
        """Auth, ``STATE_INVALID`` (a running campaign uses the outdial) and a missing outdial
        end the upload: every other target would get the same answer."""
        return isinstance(error, FATAL_ERRORS)

    async def diagnose(self) -> ApiError | None:
        """The service keeps answering 5xx for this outdial: look at it once (one ``GET
        /outdials/{id}``, no retry) and return the fatal error that explains it, or ``None``.

        Returns the :class:`NotFoundError` of the ``GET`` when the outdial does not exist, or a
        :class:`NotFoundError` (``status`` ``None``) when it exists but was deleted
        (``tm_delete`` set). VoIPbin refuses targets of an outdial a running campaign uses with
        a 409 ``STATE_INVALID``, which is fatal already, so nothing else is judged. Any other
        failure while looking returns ``None``. Never raises, except for cancellation.
        """
        path = f"/outdials/{self.target}"
        url = self.session.url(path)
        try:
            answer = await self.session.send("GET", path)
            outdial = outdial_from_wire(answer_json(answer, "GET", url))
        except NotFoundError as err:
            return err
        except Exception as err:  # by contract: any failure to look means "no diagnosis"
            logger.debug("diagnosing outdial %s failed: %s", self.target, err)
            return None
        if outdial.tm_delete is not None:
            return NotFoundError(
                f"outdial {self.target} was deleted at {outdial.tm_delete.isoformat()}",
                status=None,
                method="GET",
                url=url,
                reason="OUTDIAL_DELETED",
            )
        return None

    # -- sending -------------------------------------------------------------------------------

    async def _send_one(
        self, payload: dict[str, Any], body: bytes | None
    ) -> tuple[int, str | None]:
        destination = payload["destination_0"].get("target", "")
        if self._is_existing(destination):
            return PRESENT_STATUS, ALREADY_THERE
        uncertain = self._uncertain.get(id(payload))
        if (
            uncertain is not None
            and uncertain[0] is payload
            and await self._created_since(destination, uncertain[1] - CLOCK_MARGIN)
        ):
            del self._uncertain[id(payload)]
            return PRESENT_STATUS, ALREADY_ADDED
        started = time.time()
        try:
            answer = await self.session.send(
                "POST", self.path, body=body or orjson.dumps(payload), write=True
            )
            check_target_answer(answer)
        except (TransportError, ServerError, OutcomeUnknownError, UnexpectedResponseError) as err:
            if not _maybe_applied(err):
                raise
            self._uncertain.setdefault(id(payload), (payload, started))
            if isinstance(err, ServerError):
                # Tell the engine what a gateway timeout means here: maybe applied.
                raise OutcomeUnknownError(
                    err.message,
                    status=err.status,
                    method=err.method,
                    url=err.url,
                    reason=err.reason,
                    request_id=err.request_id,
                ) from err
            raise
        self._uncertain.pop(id(payload), None)
        return answer.status, None

    async def _created_since(self, destination: str, since: float) -> bool:
        """Whether a target with this first destination was created at or after ``since``."""
        token: str | None = None
        while True:
            params = {"page_size": "100"}
            if token:
                params["page_token"] = token
            answer = await self.session.request("GET", self.path, params=params)
            result, token = page_from_wire(answer_json(answer, "GET", self.session.url(self.path)))
            for item in result:
                target = target_from_wire(item)
                if target.destination == destination:
                    return True
                if target.tm_create is not None and target.tm_create.timestamp() < since:
                    return False
            if not result or not token:
                return False

    def _is_existing(self, destination: str) -> bool:
        keys = self._existing_keys
        if keys is None:
            return False
        if destination[1:].isdigit() and destination.startswith("+"):
            return int(destination[1:]) in keys
        return destination in self._existing_text

    async def load_existing(self) -> int:
        """List the outdial's targets once; their first destinations will not be sent again.

        Returns:
            How many targets the outdial has.

        Raises:
            NotFoundError: no such outdial.
        """
        keys = IdSet()
        count = 0
        token: str | None = None
        while True:
            params = {"page_size": "100"}
            if token:
                params["page_token"] = token
            answer = await self.session.request("GET", self.path, params=params)
            result, token = page_from_wire(answer_json(answer, "GET", self.session.url(self.path)))
            for item in result:
                count += 1
                destination = target_from_wire(item).destination or ""
                if destination.startswith("+") and destination[1:].isdigit():
                    keys.add(int(destination[1:]))
                elif destination:
                    self._existing_text.add(destination)
            if not result or not token:
                break
        self._existing_keys = keys
        return count


def check_target_answer(answer: Response) -> None:
    """A target was created only when the answer is a JSON object with its ``id``.

    Raises:
        UnexpectedResponseError: any other 2xx (an HTML page, an empty body, another shape).
    """
    data = answer.json()
    if not isinstance(data, Mapping) or not data.get("id"):
        raise answer.unexpected("expected the created target, a JSON object with an id")


def _maybe_applied(err: Exception) -> bool:
    """Whether a failed POST may have created the target anyway (a resend then looks first)."""
    if isinstance(err, (OutcomeUnknownError, UnexpectedResponseError)):
        return True  # an odd answer too: something received the request
    if isinstance(err, ServerError):
        return err.status in (502, 504)  # a gateway gave up; the service may have finished
    # A timeout or a connection lost after sending reached the server; a ConnectError did not.
    return isinstance(err, TransportError) and not isinstance(err, ConnectError)
