"""The error tree, and the one place where a status and a message become an error class.

Every error this library raises is a :class:`CampaignsError`::

    CampaignsError
    +-- ValidationError (also a ValueError)    bad input; nothing was sent
    |   +-- SourceError                        a source file cannot be read
    |   +-- CheckpointMismatchError            a checkpoint of another run
    +-- TransportError                         no HTTP answer came back
    |   +-- ConnectError                       never reached the service: not applied
    |   |   +-- TLSError                       the handshake failed: not retried
    |   +-- RequestTimeoutError                no complete answer in time: maybe applied
    +-- ApiError                               an HTTP answer that is an error
    |   +-- AuthenticationError (401/403), NotFoundError (404), BadRequestError (400),
    |   |   RateLimitedError (429, back-off signals), ServerError (5xx),
    |   |   CampaignNotDynamicError, CampaignNotEnabledError, CampaignStoppedError,
    |   |   CampaignNotStartedError
    |   +-- OutcomeUnknownError                sent, outcome unknown: maybe applied
    |   +-- UnexpectedResponseError            not the API's answer (a proxy, a login page)
    |   +-- TransitionRefusedError             the service refused a state change ...
    +-- InvalidTransitionError                 ... which is also one of these, like the
    |                                          client-side check that refuses it unsent
    +-- WaitTimeoutError (also a TimeoutError) a wait for a status gave up

A :class:`TransportError` that is not a :class:`ConnectError` (a timeout, a connection lost
after sending) may hide an applied write, as may an :class:`OutcomeUnknownError` or an
:class:`UnexpectedResponseError`. :class:`UnexpectedResponseError` is an :class:`ApiError`
(something answered, with a status) rather than a :class:`TransportError`.

Services word the same error differently on different pages ("Duplicate customer" vs
"Duplicated customer."), so the mapping (:func:`error_for`) goes by machine-readable reason,
then HTTP status, then tolerant message patterns. A provider whose statuses mean something else
passes its own classifier to the session (``Session(classify=...)``), asked before these rules.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = [
    "ApiError",
    "AuthenticationError",
    "BadRequestError",
    "CampaignNotDynamicError",
    "CampaignNotEnabledError",
    "CampaignNotStartedError",
    "CampaignStoppedError",
    "CampaignsError",
    "CheckpointMismatchError",
    "ConnectError",
    "InvalidTransitionError",
    "NotFoundError",
    "OutcomeUnknownError",
    "RateLimitedError",
    "RequestTimeoutError",
    "ServerError",
    "SourceError",
    "TLSError",
    "TransitionRefusedError",
    "TransportError",
    "UnexpectedResponseError",
    "ValidationError",
    "WaitTimeoutError",
    "error_class_for",
    "error_for",
    "is_capacity_message",
    "is_duplicate_message",
]


class CampaignsError(Exception):
    """Base of every error this library raises."""

    #: When this error stopped a bulk job: the report of everything up to that point.
    report: Any = None


class ValidationError(CampaignsError, ValueError):
    """Bad input given to the SDK; raised before any request is sent.

    ``str()`` says what was wrong with which value; ``reason`` is the category alone (no
    value), which is what a bulk report counts invalid items by.
    """

    def __init__(self, message: str, *, reason: str | None = None) -> None:
        super().__init__(message)
        self.reason = reason or message


class TransportError(CampaignsError):
    """The request did not get an HTTP answer: connection refused or dropped, or a timeout.

    Raised as is when the connection dropped after the request was sent (it may have been
    applied); :class:`ConnectError` and :class:`RequestTimeoutError` say more.
    """

    def __init__(self, message: str, *, method: str | None = None, url: str | None = None):
        super().__init__(message)
        self.message = message
        self.method = method
        self.url = url

    def __str__(self) -> str:
        where = f" ({self.method} {self.url})" if self.method and self.url else ""
        return f"{self.message}{where}"


class ConnectError(TransportError):
    """The request never reached the service (connection refused, DNS, unreachable host, TLS):
    it cannot have been applied."""


class TLSError(ConnectError):
    """The TLS handshake failed (certificate not trusted, wrong host name, protocol): a
    configuration problem that no retry fixes."""


class RequestTimeoutError(TransportError):
    """No complete answer in time: the request may or may not have been applied."""


class SourceError(ValidationError):
    """A source file cannot be read as a whole (missing, a directory, unreadable, a truncated
    ``.gz``): ``path`` and ``line`` (the last line read, when known) say where."""

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None) -> None:
        super().__init__(message)
        self.path = path
        self.line = line


class CheckpointMismatchError(ValidationError):
    """A checkpoint was written for another source, operation or target than this run's.

    Raised before anything is sent. ``path`` is the checkpoint, ``line`` the first source line
    (or 1-based position) whose content differs, when the difference is in the items. Start
    over with ``restart=True`` (CLI: ``--restart``) or use another checkpoint file.
    """

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None) -> None:
        super().__init__(message)
        self.path = path
        self.line = line


class _Answered(CampaignsError):
    """The fields of an error about an HTTP exchange (sent, or about to be)."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        method: str | None = None,
        url: str | None = None,
        reason: str | None = None,
        request_id: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        #: HTTP status (``None`` only for an error raised before anything was sent).
        self.status = status
        #: The server's message, as sent.
        self.message = message
        self.method = method
        self.url = url
        #: A machine-readable reason, where the provider sends one.
        self.reason = reason
        #: The provider's request id, where it sends one.
        self.request_id = request_id
        #: Seconds to wait before retrying, from ``Retry-After``, when given.
        self.retry_after = retry_after

    def __str__(self) -> str:
        head = f"[{self.status}] " if self.status is not None else ""
        where = f" ({self.method} {self.url})" if self.method and self.url else ""
        return f"{head}{self.message}{where}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self)!r})"


class ApiError(_Answered):
    """The service answered with an error.

    ``str()`` reads ``[404] Campaign not found. (GET https://.../api/stats/campaigns/9.json)``.
    The URL never carries credentials (authentication travels in headers; secret query
    parameters are redacted before they reach an error).
    """


class AuthenticationError(ApiError):
    """401/403: wrong credentials, wrong token for the operation, or wrong cluster URL."""


class NotFoundError(ApiError):
    """404: campaign or customer not found (or a customer no longer deletable)."""


class BadRequestError(ApiError):
    """400 that no more specific class describes (e.g. an invalid customer list)."""


class InvalidTransitionError(_Answered):
    """The status change (or an operation that needs another state) is not allowed by the
    campaign's state machine.

    One class to catch for both ways it is found out: the client-side check, which raises this
    class itself before anything is sent (``status`` is ``None``; ``method`` and ``url`` say
    what would have been sent, and ``str()`` is the message alone), and the service's refusal
    (400 "Invalid state transition.", 409, a ``STATE_INVALID`` reason), raised as
    :class:`TransitionRefusedError`, which is also an :class:`ApiError`.
    """

    @property
    def sent(self) -> bool:
        """Whether the request was sent (and refused by the service)."""
        return self.status is not None

    def __str__(self) -> str:
        return super().__str__() if self.sent else self.message


class TransitionRefusedError(InvalidTransitionError, ApiError):
    """The service refused a state change: an :class:`InvalidTransitionError` that is also an
    :class:`ApiError` (it has a status)."""


class CampaignNotDynamicError(ApiError):
    """The campaign is not configured as a dynamic campaign."""


class CampaignNotEnabledError(ApiError):
    """The campaign is not enabled."""


class CampaignStoppedError(ApiError):
    """The campaign is stopped or completed: no operation is allowed (STOPPED is final)."""


class CampaignNotStartedError(ApiError):
    """The operation is invalid on a campaign that has not been started."""


class RateLimitedError(ApiError):
    """429, or an answer the provider documents as "not applied, back off" (400 "Maximum limit
    of scheduled customers has been reached"): nothing was applied; retry later."""


class ServerError(ApiError):
    """5xx from the service."""


class UnexpectedResponseError(ApiError):
    """An answer that is not the API's: a redirect, an HTML page, an empty or wrongly shaped
    body, or per-item results naming items that were not sent. Usually the base URL points at a
    proxy, a login page or another service. Nothing in it counts as a success."""


class OutcomeUnknownError(ApiError):
    """The request was sent but its outcome is unknown (a success status the provider uses for
    "the response timed out", such as 206): it may or may not have been applied."""


class WaitTimeoutError(CampaignsError, TimeoutError):
    """A wait for a resource to reach a status gave up first (also a built-in
    ``TimeoutError``). ``last`` is the resource as last seen."""

    def __init__(self, message: str, *, last: Any = None) -> None:
        super().__init__(message)
        #: The resource as last seen.
        self.last = last


def _pattern(*alternatives: str) -> re.Pattern[str]:
    return re.compile("|".join(alternatives), re.IGNORECASE)


# Message rules, tried in order, for 4xx answers that the status alone does not explain.
# Each pattern covers every wording of api-notes.md and the OpenAPI examples.
_MESSAGE_RULES: tuple[tuple[re.Pattern[str], type[ApiError]], ...] = (
    (_pattern(r"invalid state transition"), TransitionRefusedError),
    (_pattern(r"not a dynamic", r"not dynamic"), CampaignNotDynamicError),
    (_pattern(r"not enabled"), CampaignNotEnabledError),
    (
        _pattern(r"non[- ]started", r"not (been )?started", r"has not started"),
        CampaignNotStartedError,
    ),
    (
        _pattern(r"(already|has|is) (been )?(stopped|completed)", r"campaign.*stopped"),
        CampaignStoppedError,
    ),
)

_DUPLICATE = _pattern(r"duplicate")
_CAPACITY = _pattern(r"maximum limit of scheduled")


def is_duplicate_message(message: str | None) -> bool:
    """True for "Duplicate customer" / "Duplicated customer.": the id is in the campaign."""
    return bool(message) and _DUPLICATE.search(message or "") is not None


def is_capacity_message(message: str | None) -> bool:
    """True for the "Maximum limit of scheduled customers" back-off signal."""
    return bool(message) and _CAPACITY.search(message or "") is not None


# Machine-readable reasons (of an error envelope) that name the class outright for a 4xx.
_REASON_CLASSES: dict[str, type[ApiError]] = {
    "STATE_INVALID": TransitionRefusedError,
    "RATE_LIMIT_EXCEEDED": RateLimitedError,
    "UNAUTHORIZED": AuthenticationError,
    "FORBIDDEN": AuthenticationError,
    "PERMISSION_DENIED": AuthenticationError,
}


def _class_for_reason(reason: str | None) -> type[ApiError] | None:
    if not reason:
        return None
    key = reason.strip().upper()
    if key in _REASON_CLASSES:
        return _REASON_CLASSES[key]
    if key == "NOT_FOUND" or key.endswith("_NOT_FOUND"):
        return NotFoundError
    return None


def error_class_for(
    status: int, message: str | None, *, reason: str | None = None
) -> type[ApiError]:
    """The error class for an HTTP status, message and optional machine-readable ``reason``.

    For a 4xx a known ``reason`` (``STATE_INVALID``, ``*_NOT_FOUND`` ...) decides; otherwise the
    status decides first and the message second.
    """
    if 400 <= status < 500:
        by_reason = _class_for_reason(reason)
        if by_reason is not None:
            return by_reason
    if status in (401, 403):
        return AuthenticationError
    if status == 404:
        return NotFoundError
    if status == 429:
        return RateLimitedError
    if status == 206:
        return OutcomeUnknownError
    if status >= 500:
        return ServerError
    text = message or ""
    for pattern, cls in _MESSAGE_RULES:
        if pattern.search(text):
            return cls
    if status == 409:
        return TransitionRefusedError
    if status == 400:
        return BadRequestError
    return ApiError


def error_for(
    status: int,
    message: str | None,
    *,
    method: str | None = None,
    url: str | None = None,
    reason: str | None = None,
    request_id: str | None = None,
    retry_after: float | None = None,
    kind: type[ApiError] | None = None,
) -> ApiError:
    """Build the right :class:`ApiError` subclass for an error answer.

    ``kind`` forces the class (a provider's own reading of the answer, such as "outcome
    unknown"); the message still defaults to the status's usual one.
    """
    cls = kind or error_class_for(status, message, reason=reason)
    return cls(
        message or _DEFAULT_MESSAGES.get(status, "HTTP error"),
        status=status,
        method=method,
        url=url,
        reason=reason,
        request_id=request_id,
        retry_after=retry_after,
    )


_DEFAULT_MESSAGES = {
    206: "The request was sent but the response timed out; the outcome is unknown.",
    400: "Bad request.",
    401: "Unauthorized: check the username, the token and the platform URL.",
    403: "Forbidden: check the username, the token and the platform URL.",
    404: "Not found.",
    429: "Too many requests.",
    500: "Internal server error.",
    502: "Bad gateway.",
    503: "Service unavailable.",
    504: "Gateway timeout.",
}
