"""The error tree, and the one place where a status and a message become an error class.

8x8 words the same error differently on different pages ("Duplicate customer" vs "Duplicated
customer."), so the mapping goes by HTTP status first and by tolerant message patterns second.
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
    "TransportError",
    "UnexpectedResponseError",
    "ValidationError",
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
    """The request did not get an HTTP answer: connection refused or dropped, or a timeout."""

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
    """No complete answer in time, or the connection dropped after the request was sent: the
    request may or may not have been applied."""


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


class ApiError(CampaignsError):
    """The service answered with an error.

    ``str()`` reads ``[404] Campaign not found. (GET https://.../api/stats/campaigns/9.json)``.
    The URL never carries credentials (8x8 authenticates with a header; VoIPbin query keys are
    redacted before they reach an error).
    """

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
        #: HTTP status, or ``None`` when the SDK raised it before sending (transition guard).
        self.status = status
        #: The server's message, as sent.
        self.message = message
        self.method = method
        self.url = url
        #: A machine-readable reason, where the provider sends one (VoIPbin).
        self.reason = reason
        #: The provider's request id, where it sends one (VoIPbin).
        self.request_id = request_id
        #: Seconds to wait before retrying, from ``Retry-After``, when given.
        self.retry_after = retry_after

    def __str__(self) -> str:
        head = f"[{self.status}] " if self.status is not None else ""
        where = f" ({self.method} {self.url})" if self.method and self.url else ""
        return f"{head}{self.message}{where}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self)!r})"


class AuthenticationError(ApiError):
    """401/403: wrong credentials, wrong token for the operation, or wrong cluster URL."""


class NotFoundError(ApiError):
    """404: campaign or customer not found (or a customer no longer deletable)."""


class BadRequestError(ApiError):
    """400 that no more specific class describes (e.g. an invalid customer list)."""


class InvalidTransitionError(ApiError):
    """The status change is not allowed by the campaign state machine.

    Raised by the server (400 "Invalid state transition.") or by the client-side guard before
    anything is sent (then ``status`` is ``None``).
    """


class CampaignNotDynamicError(ApiError):
    """The campaign is not configured as a dynamic campaign."""


class CampaignNotEnabledError(ApiError):
    """The campaign is not enabled."""


class CampaignStoppedError(ApiError):
    """The campaign is stopped or completed: no operation is allowed (STOPPED is final)."""


class CampaignNotStartedError(ApiError):
    """The operation is invalid on a campaign that has not been started."""


class RateLimitedError(ApiError):
    """429, or 400 "Maximum limit of scheduled customers has been reached": back off, retry."""


class ServerError(ApiError):
    """5xx from the service."""


class UnexpectedResponseError(ApiError):
    """An answer that is not the API's: a redirect, an HTML page, an empty or wrongly shaped
    body, or per-item results naming items that were not sent. Usually the base URL points at a
    proxy, a login page or another service. Nothing in it counts as a success."""


class OutcomeUnknownError(ApiError):
    """206: "the request was sent but the response timed out" - it may or may not have applied."""


def _pattern(*alternatives: str) -> re.Pattern[str]:
    return re.compile("|".join(alternatives), re.IGNORECASE)


# Message rules, tried in order, for 4xx answers that the status alone does not explain.
# Each pattern covers every wording of api-notes.md and the OpenAPI examples.
_MESSAGE_RULES: tuple[tuple[re.Pattern[str], type[ApiError]], ...] = (
    (_pattern(r"maximum limit of scheduled"), RateLimitedError),
    (_pattern(r"invalid state transition"), InvalidTransitionError),
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


# Machine-readable reasons (VoIPbin's error envelope) that name the class outright for a 4xx.
_REASON_CLASSES: dict[str, type[ApiError]] = {
    "STATE_INVALID": InvalidTransitionError,
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
        return InvalidTransitionError
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
) -> ApiError:
    """Build the right :class:`ApiError` subclass for an error answer."""
    cls = error_class_for(status, message, reason=reason)
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
