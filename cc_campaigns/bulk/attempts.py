"""Sending one window and retrying it: what is resent, when the upload stops.

A window's items go out as one batch (per the adapter); each attempt reads the per-item answers
through the adapter's :class:`~cc_campaigns.bulk.adapter.Verdict`, and only what is retryable is
sent again, within the batch's retry policy and the run's shared retry budget. A whole-request
failure is fatal (the adapter says so), retryable, or a refusal of every item; the health rules
(:class:`~.health.Health`, a collaborator of its own) stop an upload that cannot succeed.

A mixin of :class:`~cc_campaigns.bulk.engine.Engine` over the shared state in :mod:`._core`.
"""

from __future__ import annotations

from typing import Any

from ..errors import (
    ApiError,
    CampaignsError,
    ConnectError,
    OutcomeUnknownError,
    RateLimitedError,
    ServerError,
    TransportError,
    UnexpectedResponseError,
)
from ._core import _APPLIED, CONFIRMED_ON_RETRY, _Abort, _Batch, _EngineState, _Retry
from .adapter import Verdict, counting_requests
from .report import Bucket


class _Attempts(_EngineState):
    """Sends a window's batch, retries what is retryable, watches the service's health."""

    async def _send_batch(self, batch: _Batch) -> list[tuple[Bucket, int | None, str | None]]:
        """Send the batch, resending what is retryable; one (bucket, status, message) each."""
        count = len(batch.payloads)
        final: list[tuple[Bucket, int | None, str | None] | None] = [None] * count
        if count == 0:
            return []
        if self.options.dry_run:
            return [(Bucket.NOT_SENT, None, "dry run: not sent")] * count
        if self._abort_reason is not None:
            if self._journal is not None:
                self._journal.unsent(batch.start, batch.end, batch.digest)
            return [(Bucket.NOT_SENT, None, self._abort_reason)] * count
        if self._journal is not None:
            self._journal.started(batch.start, batch.end, batch.digest)
        pending = list(range(count))
        last: dict[int, tuple[int | None, str]] = {}
        self.report.batches += 1
        retrying = self.options.retry.retrying(
            lambda err: isinstance(err, _Retry), may_retry=self._may_retry
        )
        attempt_number = 0
        failure: CampaignsError | None = None
        try:
            async for attempt in retrying:
                with attempt:
                    attempt_number += 1
                    if attempt_number > 1:
                        self.report.retries += 1
                    pending = await self._attempt(batch, pending, final, last)
        except _Retry as retry:
            failure = retry.error  # retries exhausted: what is still pending is settled below
        except _Abort:
            pass  # the upload is stopping: what is still pending is settled below
        if pending and self._abort_reason is None:
            if isinstance(failure, ConnectError):
                # Nothing reached the service, every retry long: it is down or unreachable.
                self._stop_with(failure, f"the service cannot be reached: {failure}")
            elif self.budget.exhausted:
                status, reason = last.get(pending[0], (None, "unknown"))
                self._abort(
                    f"the service keeps failing: retry budget exhausted after "
                    f"{self.budget.spent:,} retries (last: {reason})"
                )
        # Items without a final answer are never settled: unknown when an attempt may have
        # applied them, not sent otherwise; their window stays out of the journal, so a rerun
        # with the checkpoint sends them again (and "already there" then confirms them).
        stopping = self._abort_reason
        for index in pending:
            status, reason = last.get(index, (None, "no answer"))
            bucket = Bucket.UNKNOWN if index in batch.maybe else Bucket.NOT_SENT
            if stopping is not None and (failure is None or attempt_number == 0):
                message = stopping if bucket is Bucket.NOT_SENT else f"{reason}; {stopping}"
            else:
                tries = "attempt" if attempt_number == 1 else "attempts"
                message = f"gave up after {attempt_number} {tries}: {reason}"
            final[index] = (bucket, status, message)
        if pending:
            batch.unsettled = True
        return [f if f is not None else (Bucket.UNKNOWN, None, "no answer") for f in final]

    def _may_retry(self) -> bool:
        if self._abort_reason is not None:
            return False
        return self.budget.spend()

    async def _attempt(
        self,
        batch: _Batch,
        pending: list[int],
        final: list[tuple[Bucket, int | None, str | None] | None],
        last: dict[int, tuple[int | None, str]],
    ) -> list[int]:
        if self._abort_reason is not None:
            raise _Abort
        adapter = self.adapter
        whole = len(pending) == len(batch.payloads)
        payloads = batch.payloads if whole else [batch.payloads[i] for i in pending]
        if whole:
            if batch.body is None:
                batch.body = adapter.encode(payloads)
            body = batch.body
        else:
            body = adapter.encode(payloads)
        ticket = await self.limiter.acquire()
        if self._abort_reason is not None:
            self.limiter.release(ticket, success=False)
            raise _Abort
        self.report.requests += 1
        batch.requests += 1
        refused = False
        extra = [0]
        try:
            with counting_requests() as extra:
                answers = await adapter.send(payloads, body)
        except (ApiError, TransportError) as err:
            await self._check_health(err)
            # Fatal and retryable failures raise; a plain refusal is the same answer for every
            # item of the request, read below like any per-item answer.
            answers = self._whole_request_failed(err, ticket, batch, pending, last)
            refused = True
        except BaseException:
            self.limiter.release(ticket, success=False)
            raise
        finally:
            # Requests the adapter made beyond this one (see ``count_requests``).
            self.report.requests += extra[0]
            batch.requests += extra[0]
            batch.extra_requests += extra[0]
        if not refused:
            self.health.alive()
        if answers is None:  # every item accepted
            if whole:
                final[:] = [_APPLIED] * len(final)
            else:
                for index in pending:
                    final[index] = _APPLIED
            self.limiter.release(ticket, success=True)
            self.budget.earn()
            return []
        retry: list[int] = []
        throttled = False
        retry_reason = ""
        # A success status is applied unless the provider reads it as "sent, outcome unknown"
        # (its adapter answers UNKNOWN for it): asked once per status, not once per item.
        applied_status: dict[int, bool] = {}
        for index, (status, message) in zip(pending, answers, strict=False):
            if 200 <= status < 300:
                applied = applied_status.get(status)
                if applied is None:
                    applied = adapter.classify(status, None) is not Verdict.UNKNOWN
                    applied_status[status] = applied
                if applied:
                    final[index] = _APPLIED
                    continue
            verdict = adapter.classify(status, message)
            if verdict is Verdict.PRESENT:
                if index in batch.maybe:
                    final[index] = (Bucket.APPLIED, status, CONFIRMED_ON_RETRY)
                else:
                    final[index] = (Bucket.ALREADY_PRESENT, status, message)
            elif verdict is Verdict.OK:
                final[index] = _APPLIED
            elif verdict is Verdict.REJECT:
                final[index] = (Bucket.REJECTED, status, message or f"HTTP {status}")
            else:
                if verdict is Verdict.UNKNOWN:
                    batch.maybe.add(index)
                throttled = throttled or verdict is Verdict.THROTTLE
                retry_reason = message or f"HTTP {status}"
                last[index] = (status, retry_reason)
                retry.append(index)
        if throttled:
            self.report.throttled += 1
            batch.throttled += 1
        if not refused:
            self.limiter.release(ticket, throttled=throttled, success=True)
            self.budget.earn()
        if retry:
            # In place: the caller's ``pending`` is what the next attempt sends (and what is
            # settled if there is none); the items answered above must not be sent again.
            pending[:] = retry
            raise _Retry(retry_reason, None)
        return []

    async def _check_health(self, err: ApiError | TransportError) -> None:
        """Stop the upload when :class:`~.health.Health` says it cannot succeed."""
        if self._abort_reason is not None:
            return
        verdict = await self.health.judge(err)
        # Looking at the target awaits: another batch may have stopped the upload meanwhile.
        if verdict is not None and self._abort_reason is None:
            self._stop_with(*verdict)

    def _whole_request_failed(
        self,
        err: ApiError | TransportError,
        ticket: Any,
        batch: _Batch,
        pending: list[int],
        last: dict[int, tuple[int | None, str]],
    ) -> list[tuple[int, str | None]]:
        """Raise for a fatal (``_Abort``) or retryable (``_Retry``) whole-request failure;
        for a plain refusal return its answer once per pending item."""
        adapter = self.adapter
        if self._fatal is err or (isinstance(err, ApiError) and adapter.is_fatal(err)):
            self.limiter.release(ticket, success=False)
            if self._fatal is None:
                self._stop_with(err, str(err))
            raise _Abort from err
        # May have been applied: an outcome-unknown status, a lost answer, an answer that is
        # not the API's, or a 5xx other than 503 (a gateway that timed out, a server that
        # failed half way).
        # Resending is safe (duplicates are answered per item); this only decides how a
        # "already there" answer to the resend is counted. A connection that never opened
        # cannot have applied anything.
        maybe_applied = (
            isinstance(err, OutcomeUnknownError)
            # A 2xx or 3xx that is not the API's may hide an applied write; a 4xx page from a
            # proxy or a wrong path was never seen by the API.
            or (isinstance(err, UnexpectedResponseError) and (err.status or 0) < 400)
            or (isinstance(err, TransportError) and not isinstance(err, ConnectError))
            or (isinstance(err, ServerError) and err.status != 503)
            # 408 Request Timeout: a proxy gave up waiting, the API may have acted.
            or (isinstance(err, ApiError) and err.status == 408)
        )
        throttled = isinstance(err, RateLimitedError) or (
            isinstance(err, ServerError) and err.status == 503
        )
        retryable = (
            maybe_applied
            or throttled
            or isinstance(
                err, (TransportError, ServerError, RateLimitedError, UnexpectedResponseError)
            )
        )
        self.limiter.release(ticket, throttled=throttled, success=False)
        if throttled:
            self.report.throttled += 1
            batch.throttled += 1
            if isinstance(err, ApiError) and err.retry_after:
                self.limiter.pause(min(err.retry_after, self.options.retry.retry_after_max))
        status = err.status if isinstance(err, ApiError) else None
        reason = err.message
        if retryable:
            if maybe_applied:
                batch.maybe.update(pending)
            for index in pending:
                last[index] = (status, reason)
            if self._abort_reason is not None:
                raise _Abort from err
            raise _Retry(reason, err.retry_after if isinstance(err, ApiError) else None, err)
        # A whole-request refusal that is not fatal: every item of it gets that answer.
        return [(status or 0, reason)] * len(pending)
