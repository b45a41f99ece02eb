"""The 8x8 reading of the shared fault plan (:mod:`cc_campaigns.testing.faults`).

A request fault is answered 503 "Service unavailable." or 429 "Too many requests." before the
request is handled; an add batch that passed every check may then time out (206, applied or not,
50/50) or be applied and have its connection dropped. ``Faults`` is the shared
:class:`~cc_campaigns.testing.FaultPlan` and ``TokenBucket`` the package's one token bucket
(:class:`cc_campaigns.bulk.limiter.TokenBucket`); both names are kept for existing imports.
"""

from __future__ import annotations

import enum

from ...bulk.limiter import TokenBucket
from ...testing.faults import Fault, FaultPlan

__all__ = ["BatchFault", "Faults", "RequestFault", "TokenBucket", "batch_fault", "request_fault"]

#: The shared fault plan, under its old name.
Faults = FaultPlan


class RequestFault(enum.Enum):
    """A fault answered instead of handling an API request."""

    #: 503 {"message": "Service unavailable."}
    UNAVAILABLE = 503
    #: 429 {"message": "Too many requests."} with Retry-After.
    THROTTLED = 429


class BatchFault(enum.Enum):
    """What happens to an add batch that passed every check."""

    #: Handled normally (207).
    NONE = "none"
    #: Applied, then answered 206 (outcome unknown to the client).
    TIMEOUT_APPLIED = "timeout-applied"
    #: Not applied, answered 206.
    TIMEOUT_LOST = "timeout-lost"
    #: Applied, then the connection is dropped without an answer.
    DISCONNECT = "disconnect"


def request_fault(plan: FaultPlan) -> RequestFault | None:
    """Draw the request-level fault of one API request (503 first, then 429)."""
    fault = plan.request_fault()
    if fault is Fault.UNAVAILABLE:
        return RequestFault.UNAVAILABLE
    if fault is Fault.THROTTLED:
        return RequestFault.THROTTLED
    return None


def batch_fault(plan: FaultPlan) -> BatchFault:
    """Draw the fate of one accepted add batch (206 first, then a dropped connection)."""
    fault = plan.outcome_fault()
    if fault is Fault.TIMEOUT:
        return BatchFault.TIMEOUT_APPLIED if plan.coin() else BatchFault.TIMEOUT_LOST
    if fault is Fault.DISCONNECT:
        return BatchFault.DISCONNECT
    return BatchFault.NONE
