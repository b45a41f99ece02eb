"""Retry policy as data, turned into :class:`tenacity.AsyncRetrying` in one place.

A fresh ``AsyncRetrying`` is built for every call (a shared one would mix attempt counts across
concurrent tasks). Back-off is full-jitter exponential with a cap; a ``Retry-After`` the server
sent is honoured, capped. ``asyncio.CancelledError`` is never retried: it is not an
``Exception``, and the predicate only ever looks at exceptions it is given.

Invalid settings raise :class:`~cc_campaigns.errors.ValidationError`, which is also a
``ValueError`` (code that caught ``ValueError`` keeps working).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import attrs
import tenacity

from .errors import ValidationError

__all__ = ["DEFAULT_RETRY", "RetryBudget", "RetryPolicy"]

#: Defaults, named so the docs and the CLI can quote them.
DEFAULT_ATTEMPTS = 5
DEFAULT_BACKOFF_INITIAL = 0.5
DEFAULT_BACKOFF_MAX = 20.0
DEFAULT_RETRY_AFTER_MAX = 60.0
DEFAULT_TOTAL_TIME = 300.0


def _positive(instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not value > 0:  # NaN too
        raise ValidationError(f"{attribute.name} must be > 0, got {value!r}")


def _positive_or_none(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None:
        _positive(instance, attribute, value)


def _at_least_one(instance: object, attribute: attrs.Attribute[int], value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValidationError(f"{attribute.name} must be an integer >= 1, got {value!r}")


def _not_negative(instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not value >= 0:  # NaN too
        raise ValidationError(f"{attribute.name} must be >= 0, got {value!r}")


@attrs.frozen
class RetryPolicy:
    """How a failed request is retried. Frozen; validated at construction."""

    #: Attempts in all, the first one included (1 = never retry).
    attempts: int = attrs.field(default=DEFAULT_ATTEMPTS, validator=_at_least_one)
    #: First back-off ceiling in seconds; each retry doubles it (full jitter: a random wait
    #: between 0 and the ceiling).
    backoff_initial: float = attrs.field(default=DEFAULT_BACKOFF_INITIAL, validator=_positive)
    #: The back-off ceiling never grows past this.
    backoff_max: float = attrs.field(default=DEFAULT_BACKOFF_MAX, validator=_positive)
    #: A server's ``Retry-After`` is honoured up to this many seconds.
    retry_after_max: float = attrs.field(default=DEFAULT_RETRY_AFTER_MAX, validator=_positive)
    #: Give up once this many seconds have passed since the first attempt (None: no limit).
    total_time: float | None = attrs.field(default=DEFAULT_TOTAL_TIME, validator=_positive_or_none)

    def backoff(self, retry_number: int, retry_after: float | None = None) -> float:
        """Seconds to wait before retry ``retry_number`` (1-based).

        Full jitter, or the server's ``Retry-After`` (capped) when it asked for longer.
        """
        ceiling = min(self.backoff_max, self.backoff_initial * (2 ** (retry_number - 1)))
        wait = random.uniform(0, ceiling)
        if retry_after is not None:
            wait = max(wait, min(retry_after, self.retry_after_max))
        return wait

    def retrying(
        self,
        retry_on: Callable[[BaseException], bool],
        *,
        may_retry: Callable[[], bool] | None = None,
    ) -> tenacity.AsyncRetrying:
        """A fresh ``AsyncRetrying`` for one call, retrying exceptions ``retry_on`` accepts.

        ``may_retry`` is asked last, only when every other stop condition allows a retry (the
        bulk engine's shared :class:`RetryBudget` spends a token there).
        """
        stop: tenacity.stop.stop_base = tenacity.stop_after_attempt(self.attempts)
        if self.total_time is not None:
            stop = stop | tenacity.stop_after_delay(self.total_time)
        if may_retry is not None:
            stop = stop | _StopUnless(may_retry)

        def wait(state: tenacity.RetryCallState) -> float:
            error = state.outcome.exception() if state.outcome else None
            retry_after = getattr(error, "retry_after", None)
            return self.backoff(state.attempt_number, retry_after)

        return tenacity.AsyncRetrying(
            stop=stop,
            wait=wait,
            retry=tenacity.retry_if_exception(retry_on),
            reraise=True,
        )


class _StopUnless(tenacity.stop.stop_base):
    """Stop when ``allowed()`` says no (asked only once every other condition allows a retry)."""

    def __init__(self, allowed: Callable[[], bool]) -> None:
        self._allowed = allowed

    def __call__(self, retry_state: tenacity.RetryCallState) -> bool:
        return not self._allowed()


DEFAULT_RETRY = RetryPolicy()


@attrs.define
class RetryBudget:
    """A shared allowance of retries, so a dead server fails fast instead of being retried
    forever by thousands of batches.

    Each retry spends one token; each success earns back ``refill`` of one; the balance never
    exceeds ``capacity``. When the balance is below one, :meth:`spend` refuses.
    """

    #: Tokens at the start, and the most the balance can hold.
    capacity: float = attrs.field(default=50.0, validator=_not_negative)
    #: Tokens earned per successful request.
    refill: float = attrs.field(default=0.2, validator=_not_negative)
    balance: float = attrs.field(default=None)
    spent: int = 0

    def __attrs_post_init__(self) -> None:
        if self.balance is None:
            self.balance = self.capacity

    def spend(self) -> bool:
        """Take one retry from the budget; False when it is exhausted."""
        if self.balance < 1.0:
            return False
        self.balance -= 1.0
        self.spent += 1
        return True

    def earn(self) -> None:
        """Credit a success."""
        self.balance = min(self.capacity, self.balance + self.refill)

    @property
    def exhausted(self) -> bool:
        return self.balance < 1.0
