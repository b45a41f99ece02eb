"""The simulated VoIPbin's error answer and its traffic counters."""

from __future__ import annotations

from collections import Counter
from typing import Any

import attrs

from .vendor import REASONS

__all__ = ["SimError", "SimStats"]


class SimError(Exception):
    """An error answer: ``{"error": {"status", "reason", "message", "request_id", "details"?}}``."""

    def __init__(
        self,
        reason: str,
        message: str,
        *,
        status: int | None = None,
        details: Any = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status if status is not None else REASONS.get(reason, 400)
        self.reason = reason
        self.message = message
        self.details = details
        self.retry_after = retry_after


@attrs.define
class SimStats:
    """What the simulator served (also at ``GET /_sim/stats``)."""

    #: API requests received (the ``/_sim`` routes not counted).
    requests: int = 0
    #: Answers by HTTP status.
    by_status: Counter[int] = attrs.field(factory=Counter)
    #: Requests by ``METHOD /route/{pattern}``.
    by_route: Counter[str] = attrs.field(factory=Counter)
    #: 429 answers of the rate limiter (not the injected ones).
    throttled: int = 0
    #: Faults injected, by kind (``error``, ``throttle``, ``timeout``, ``disconnect``, ``forced``).
    faults: Counter[str] = attrs.field(factory=Counter)
    #: API requests being served right now (a gauge: :meth:`reset` leaves it). A request whose
    #: client went away counts until its handler ends, so 0 means nothing more will land.
    in_flight: int = 0

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready copy."""
        return {
            "requests": self.requests,
            "by_status": {str(k): v for k, v in sorted(self.by_status.items())},
            "by_route": dict(sorted(self.by_route.items())),
            "throttled": self.throttled,
            "faults": dict(sorted(self.faults.items())),
            "in_flight": self.in_flight,
        }

    def reset(self) -> None:
        """Back to zero."""
        self.requests = 0
        self.by_status.clear()
        self.by_route.clear()
        self.throttled = 0
        self.faults.clear()
