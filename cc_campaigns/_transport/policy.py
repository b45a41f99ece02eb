"""Which failures are worth another attempt: the retry predicates of the request path.

A read (idempotent) is retried on every transient failure; a write only when the service said
it did not act on it (:func:`is_refused`), never after an answer that may hide an applied
change. A provider can add its own "did not act, back off" answers (``Session(backoff=...)``).
"""

from __future__ import annotations

from ..errors import ApiError, RateLimitedError, TLSError, TransportError

__all__ = ["REFUSED_STATUSES", "TRANSIENT_STATUSES", "is_refused", "is_transient"]

#: Statuses that mean "try again later" for an idempotent request.
TRANSIENT_STATUSES = frozenset({429, 502, 503, 504})

#: Statuses that say the service did not act on the request.
REFUSED_STATUSES = frozenset({429, 503})


def is_refused(error: BaseException) -> bool:
    """Whether a write failed in a way that says it was not applied (safe to send again): a
    :class:`RateLimitedError` (429, or an answer the provider declared a back-off signal) or
    a 503."""
    if isinstance(error, RateLimitedError):
        return True
    return isinstance(error, ApiError) and error.status in REFUSED_STATUSES


def is_transient(error: BaseException) -> bool:
    """Whether an idempotent request that failed with ``error`` is worth retrying.

    Every transport failure is, except a TLS failure (a certificate or protocol problem is
    configuration: the next attempt fails the same way)."""
    if isinstance(error, TransportError):
        return not isinstance(error, TLSError)
    return isinstance(error, ApiError) and error.status in TRANSIENT_STATUSES
