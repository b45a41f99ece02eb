"""The service's health during an upload: when to stop because failures say the upload cannot
succeed.

:class:`Health` is told of every usable answer (:meth:`Health.alive`) and judges every
whole-request failure (:meth:`Health.judge`): a TLS failure (configuration), answers that are not
the API's (a wrong base URL), no usable answer for ``dead_after`` seconds; after a run of 5xx it
looks at the target once through the adapter (a target that takes no writes may answer 500).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from ..errors import (
    ApiError,
    CampaignsError,
    ServerError,
    TLSError,
    TransportError,
    UnexpectedResponseError,
)

__all__ = ["Health"]

#: Answers that are not the API's (a login page, a proxy's HTML, a 207 naming other ids) before
#: the upload stops: the base URL is probably wrong.
UNEXPECTED_LIMIT = 3
#: Whole-request 5xx answers in a row (503 aside) before the target is looked at once.
SERVER_ERRORS_BEFORE_DIAGNOSIS = 3


class Health:
    """The health rules of one upload.

    Args:
        dead_after: Seconds without a usable answer after which the upload stops.
        diagnose: Looks at the target once; returns the error that explains a run of 5xx, or
            None (the adapter's ``diagnose``).
        clock: Monotonic seconds.
    """

    def __init__(
        self,
        *,
        dead_after: float,
        diagnose: Callable[[], Awaitable[ApiError | None]],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.dead_after = dead_after
        self._diagnose = diagnose
        self._clock = clock
        #: When the service last gave a usable answer (monotonic seconds).
        self.last_alive = clock()
        #: Answers so far that were not the API's.
        self.unexpected = 0
        #: 5xx (503 aside) in a row.
        self.server_errors = 0
        #: Whether the target was looked at already.
        self.diagnosed = False

    def alive(self) -> None:
        """The service gave a usable answer."""
        self.last_alive = self._clock()
        self.server_errors = 0

    async def judge(self, err: ApiError | TransportError) -> tuple[CampaignsError, str] | None:
        """Judge a whole-request failure: ``(error, reason)`` to stop the upload with, or None
        to go on. Looking at the target never raises (except for cancellation)."""
        if isinstance(err, TLSError):
            return err, f"TLS failed (a configuration problem, not retried): {err}"
        if isinstance(err, UnexpectedResponseError):
            self.unexpected += 1
            if self.unexpected >= UNEXPECTED_LIMIT:
                return err, (
                    f"{self.unexpected} answers were not the API's; the base URL probably "
                    f"does not point at the API (last: {err})"
                )
        alive = isinstance(err, ApiError) and not (
            isinstance(err, UnexpectedResponseError)
            or (isinstance(err, ServerError) and err.status != 503)
        )
        now = self._clock()
        if alive:
            self.last_alive = now
            self.server_errors = 0
            return None
        if now - self.last_alive > self.dead_after:
            return err, (
                f"no usable answer from the service for {now - self.last_alive:.0f} s (last: {err})"
            )
        if isinstance(err, ServerError):
            self.server_errors += 1
            if self.server_errors >= SERVER_ERRORS_BEFORE_DIAGNOSIS and not self.diagnosed:
                self.diagnosed = True
                try:
                    explained = await self._diagnose()
                except Exception:  # looking is a courtesy: it never breaks the upload
                    explained = None
                if explained is not None:
                    return explained, str(explained)
        return None
