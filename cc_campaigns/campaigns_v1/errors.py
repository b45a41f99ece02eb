"""How the Campaigns API v1 says something went wrong, read for the shared session.

Every error answer has one body, problem-JSON style: ``title``, ``status``, ``detail``,
``instance`` (the URI path of this occurrence), ``time`` and, on validation failures,
``errors[]`` of ``{field, code, message}``. There are no machine-readable error codes: the
status and the ``detail`` text decide (:func:`classify_v1_error`). Support asks for
``instance`` and ``time``; every :class:`~cc_campaigns.errors.ApiError` of this provider
carries them (:class:`Problem`, attached by :func:`~._session.problem_details`, the
session's ``error_details`` hook).

Where the vendor's pages disagree, both readings are accepted:

* a record already in the campaign: 409 (guide) or 400 (example body, OpenAPI), recognised by
  ``detail`` "Campaign already contains record for Id: X" (:class:`DuplicateRecordError`), or
  any "already contains" text naming no id (the exact text was never confirmed);
* an illegal transition: 409 (guide) or 400 (OpenAPI); a 400 with field errors is a
  validation failure, any other 400 or 409 of a ``PATCH`` is the refused transition
  (:class:`~cc_campaigns.errors.TransitionRefusedError`, mapped by the resource).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from typing import Any

import attrs
import orjson

from .._transport.session import message_text
from ..errors import (
    ApiError,
    BadRequestError,
    CampaignNotDynamicError,
    CampaignStoppedError,
    RateLimitedError,
)

__all__ = [
    "CampaignBusyError",
    "DuplicateRecordError",
    "FieldError",
    "Problem",
    "classify_v1_error",
    "decode_problem",
    "decode_v1_error",
    "duplicate_ids",
    "record_indexes",
]


@attrs.frozen
class FieldError:
    """One field problem of a validation failure (``code`` is usually the validator's name,
    ``NotBlank``, ``Size`` ...)."""

    field: str | None = None
    code: str | None = None
    message: str | None = None


@attrs.frozen
class Problem:
    """The problem-JSON body of an error answer, as far as it could be read."""

    title: str | None = None
    status: int | None = None
    detail: str | None = None
    #: The URI path of this occurrence: give it to support, with :attr:`time`.
    instance: str | None = None
    #: When it happened (the text as sent).
    time: str | None = None
    errors: tuple[FieldError, ...] = ()


class DuplicateRecordError(BadRequestError):
    """The batch was refused because the campaign already holds a record with one of its CRM
    record ids (``crm_record_ids``, when the message names them). Nothing of the batch was
    stored (add-records is all or nothing). The service answers 409 or 400 for it."""

    @property
    def crm_record_ids(self) -> tuple[str, ...]:
        return duplicate_ids(self.message)


class CampaignBusyError(RateLimitedError):
    """The campaign is BUILDING or STARTING: nothing was applied; the same request succeeds
    once the campaign has moved on (seconds to minutes). A back-off signal, retried like a
    429 by the bulk engine."""


_DUPLICATE = re.compile(r"already contains record(?:s)? for id[s]?\s*:?\s*(.+)$", re.I | re.S)
#: "Already contains" without the id: the exact text was never confirmed (SPEC), so a refusal
#: saying the campaign already holds records is a duplicate even when it names none.
#: "Already contains" about records (one named, or "one or more of the records"), not, say,
#: "already contains the maximum number of records" (a refusal about the campaign).
_ALREADY = re.compile(r"already contains (?:one or more of (?:the|these) )?records?\b", re.I)
_WITHIN = re.compile(r"duplicate", re.I)
_BUSY = re.compile(r"\b(BUILDING|STARTING)\b")
_STOPPED = re.compile(r"\b(COMPLETE|COMPLETED|DELETED)\b")
_NOT_DYNAMIC = re.compile(r"isDynamic|not (a )?dynamic", re.I)
_INDEX = re.compile(r"records\[(\d+)\]")


def duplicate_ids(message: str | None) -> tuple[str, ...]:
    """The CRM record ids named by "Campaign already contains record for Id: X" (several when
    the message lists them, comma-separated); ``()`` for any other message."""
    match = _DUPLICATE.search(message or "")
    if match is None:
        return ()
    text = match.group(1).strip().rstrip(".")
    return tuple(part.strip() for part in text.split(",") if part.strip())


def named_ids(message: str | None, ids: Collection[str]) -> set[str]:
    """Which of ``ids`` a duplicate refusal names, matched exactly: the whole text after "Id:"
    (with or without a final "."), else a comma-separated list when every piece is one of
    ``ids``. An id that only resembles the named text is never taken for it."""
    match = _DUPLICATE.search(message or "")
    if match is None:
        return set()
    text = match.group(1)
    for candidate in (text, text.strip(), text.strip().removesuffix(".")):
        if candidate in ids:
            return {candidate}
    pieces = [part.strip() for part in text.strip().removesuffix(".").split(",")]
    if len(pieces) > 1 and all(piece in ids for piece in pieces):
        return set(pieces)
    return set()


def record_indexes(problem: Problem | None) -> tuple[int, ...]:
    """Positions in the request's ``records`` named by field errors (``records[3].crmRecordId``),
    in order, without repeats."""
    if problem is None:
        return ()
    found: list[int] = []
    for error in problem.errors:
        match = _INDEX.search(error.field or "")
        if match is not None and int(match.group(1)) not in found:
            found.append(int(match.group(1)))
    return tuple(found)


def _text(value: Any) -> str | None:
    text = message_text(value)
    return text.strip() or None if text is not None else None


def decode_problem(body: bytes) -> Problem | None:
    """The :class:`Problem` of an error body; ``None`` when it is not a JSON object."""
    try:
        data = orjson.loads(body) if body else None
    except orjson.JSONDecodeError:
        return None
    if not isinstance(data, Mapping):
        return None
    errors: list[FieldError] = []
    raw_errors = data.get("errors")
    if isinstance(raw_errors, list):
        for item in raw_errors:
            if isinstance(item, Mapping):
                errors.append(
                    FieldError(
                        field=_text(item.get("field")),
                        code=_text(item.get("code")),
                        message=_text(item.get("message")),
                    )
                )
    status = data.get("status")
    return Problem(
        title=_text(data.get("title")),
        status=status if isinstance(status, int) and not isinstance(status, bool) else None,
        detail=_text(data.get("detail")),
        instance=_text(data.get("instance")),
        time=_text(data.get("time")),
        errors=tuple(errors),
    )


def problem_message(problem: Problem) -> str | None:
    """The error's message: ``detail`` (else ``title``), then each field error."""
    head = problem.detail or problem.title
    fields = "; ".join(
        f"{e.field or '?'}: {e.message or e.code or 'invalid'}" for e in problem.errors
    )
    if fields:
        return f"{head or 'Validation failed'} ({fields})"
    return head


def decode_v1_error(body: bytes) -> tuple[str | None, str | None, str | None]:
    """The session's error decoder: (message, reason, request_id) = (``detail`` with the field
    errors, ``title``, ``instance``). Plain text is the message; nothing is shortened here."""
    problem = decode_problem(body)
    if problem is None:
        text = body.decode("utf-8", "replace").strip()
        return (text or None), None, None
    return problem_message(problem), problem.title, problem.instance


def classify_v1_error(
    status: int, message: str | None, reason: str | None
) -> type[ApiError] | None:
    """The session's classifier: the classes the status alone does not give. ``None`` leaves
    the answer to the shared rules (401/403, 404, 429, 5xx ...)."""
    if status not in (400, 409):
        return None
    text = message or ""
    if duplicate_ids(text) or _ALREADY.search(text):
        return DuplicateRecordError
    if status == 400 and _WITHIN.search(text):
        return BadRequestError
    if _NOT_DYNAMIC.search(text):
        return CampaignNotDynamicError
    if _BUSY.search(text):
        return CampaignBusyError
    if _STOPPED.search(text):
        return CampaignStoppedError
    if status == 400:
        return BadRequestError
    return None  # a 409 of another kind: the shared rules make it a refused transition
