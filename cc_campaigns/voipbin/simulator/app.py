"""The simulated VoIPbin API over HTTP (aiohttp.web), and :class:`VoipbinSimulator` to run it.

Each request passes, in order: latency, authentication (``?accesskey=``, ``?token=`` or
``Authorization: Bearer``), the per-key rate limit (a token bucket per key, 429 +
``Retry-After``), failures queued by :meth:`VoipbinSimulator.fail_next`, random faults (seeded),
the handler. Every error is VoIPbin's envelope
``{"error": {"status", "reason", "message", "request_id", "details"?}}``.

The answers are the simulator's own records written by :func:`.records.encode` with the
vendor's field names (:mod:`.vendor`); the SDK's wire code is not used, so a test fails when
either side spells a field wrong. Only the inspection helpers (:meth:`VoipbinSimulator.campaigns`
...) hand out the SDK's models, read from those answers with the SDK's own reader: what a client
would see.

``GET /_sim/stats`` (also under ``/v1.0``) answers the counters as JSON, without authentication,
so a benchmark in another process can read them; ``POST /_sim/reset`` zeroes them.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Awaitable, Callable, Collection
from typing import TYPE_CHECKING, Any, ClassVar

import orjson
from aiohttp import web

from ...testing.faults import FaultPlan, PerKeyRateLimit
from ...testing.server import Dropped, LoopbackServer, drop, json_response
from .errors import SimError, SimStats
from .faults import Forced as _Forced
from .faults import knob as _knob
from .records import encode
from .state import SimState

if TYPE_CHECKING:
    from ..models import Campaign, CampaignStatus, Outdial, OutdialTarget, Outplan

__all__ = ["VoipbinSimulator"]

PREFIX = "/v1.0"
#: How long a "timeout" fault holds the answer back, in seconds (longer than a client waits).
DEFAULT_TIMEOUT_DELAY = 90.0
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class VoipbinSimulator(LoopbackServer):
    """An in-memory VoIPbin on a loopback port, for tests, demos and benchmarks.

    The server (port, lifetime, latency, dropped connections) is the shared
    :class:`~cc_campaigns.testing.LoopbackServer` and the fault knobs its
    :class:`~cc_campaigns.testing.FaultPlan` (:attr:`faults`). VoIPbin's reading of the knobs
    is its own, as it always was: one draw per request with the rates as disjoint shares
    (:meth:`~cc_campaigns.testing.FaultPlan.any_fault`), ``error_rate`` answered 500, a
    disconnect before anything is applied, a timeout applied and then held back.

    Use it as an async context manager; ``.url`` is the base URL (with ``/v1.0``) to give to
    :class:`~cc_campaigns.voipbin.VoipbinClient`::

        async with VoipbinSimulator() as sim:
            async with VoipbinClient(accesskey="test-key", base_url=sim.url) as vb:
                ...

    Args:
        accesskey: The access key(s) accepted (``?accesskey=``); each has its own rate limit.
        token: The JWT accepted as ``Authorization: Bearer`` or ``?token=``.
        rate: Requests per second allowed per key (VoIPbin: about 16.7); ``None`` or 0: no
            limit.
        burst: Requests allowed back to back from idle (VoIPbin: 33).
        latency: Seconds added to every answer.
        error_rate: Share of requests answered ``500 INTERNAL_ERROR`` (nothing applied).
        throttle_rate: Share answered ``429 RATE_LIMIT_EXCEEDED`` at random (nothing applied).
        timeout_rate: Share that is *applied* and then held back ``timeout_delay`` seconds
            before a ``504``: the client times out without knowing the outcome.
        disconnect_rate: Share whose connection is dropped without an answer (nothing
            applied).
        seed: Seed of the random faults: the same seed, the same faults.
        stop_delay: After ``stop``, a campaign stays ``stopping`` at least this many seconds.
        stop_polls: ...and for this many reads (deterministic: no sleeping needed in tests).
        timeout_delay: How long a timeout fault holds its answer back.
        host: Interface to listen on (loopback by default).
        port: Port; 0 picks a free one.
    """

    #: The API's version prefix, part of :attr:`url`.
    url_path: ClassVar[str] = PREFIX

    def __init__(
        self,
        *,
        accesskey: str | Collection[str] = "test-key",
        token: str | None = "test-token",
        rate: float | None = 16.7,
        burst: int = 33,
        latency: float = 0.0,
        error_rate: float = 0.0,
        throttle_rate: float = 0.0,
        timeout_rate: float = 0.0,
        disconnect_rate: float = 0.0,
        seed: int = 0,
        stop_delay: float = 0.0,
        stop_polls: int = 2,
        timeout_delay: float = DEFAULT_TIMEOUT_DELAY,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        if timeout_delay < 0:
            raise ValueError("latency and timeout_delay must not be negative")
        try:
            faults = FaultPlan(
                latency=latency,
                error_rate=error_rate,
                throttle_rate=throttle_rate,
                timeout_rate=timeout_rate,
                disconnect_rate=disconnect_rate,
                seed=seed,
            )
        except ValueError as err:
            raise ValueError(
                f"{err} (fault rates must be between 0 and 1 and add up to at most 1; latency "
                "must not be negative)"
            ) from None
        faults.check_shares()
        super().__init__(host=host, port=port, faults=faults)
        self.accesskeys = frozenset([accesskey] if isinstance(accesskey, str) else accesskey)
        self.token = token
        self.rate = rate or None
        self.burst = burst
        self.timeout_delay = timeout_delay
        self.state = SimState(stop_polls=stop_polls, stop_delay=stop_delay)
        self.stats = SimStats()
        self.limiter = PerKeyRateLimit(self.rate, burst) if self.rate else None
        self._forced: deque[_Forced] = deque()
        self._request_ids = 0
        self.app = self._make_app()

    # -- the fault knobs (kept on :attr:`faults`, the shared plan) ------------------------------

    latency = _knob("latency")
    error_rate = _knob("error_rate")
    throttle_rate = _knob("throttle_rate")
    timeout_rate = _knob("timeout_rate")
    disconnect_rate = _knob("disconnect_rate")

    # -- lifecycle -----------------------------------------------------------------------------

    async def start(self) -> None:
        """Listen (on ``port``, or a free one when it is 0); nothing when already listening."""
        if not self.started:
            await super().start()

    # -- helpers for tests ---------------------------------------------------------------------
    # The SDK's models, read from the simulator's own answers by the SDK's reader (imported
    # here only: the answers themselves never go through the SDK).

    def campaigns(self) -> list[Campaign]:
        """Every campaign, oldest first (not counted as reads)."""
        from ..wire import campaign_from_wire

        return [campaign_from_wire(encode(c)) for c in self.state.campaigns]

    def campaign(self, campaign_id: str) -> Campaign:
        """One campaign as stored (not counted as a read: ``stopping`` is not advanced)."""
        from ..wire import campaign_from_wire

        return campaign_from_wire(encode(self.state.campaigns.items[campaign_id]))

    def outplans(self) -> list[Outplan]:
        """Every outplan, oldest first."""
        from ..wire import outplan_from_wire

        return [outplan_from_wire(encode(o)) for o in self.state.outplans]

    def outdials(self) -> list[Outdial]:
        """Every outdial, oldest first."""
        from ..wire import outdial_from_wire

        return [outdial_from_wire(encode(o)) for o in self.state.outdials]

    def targets(self, outdial_id: str) -> list[OutdialTarget]:
        """The targets of an outdial, oldest first."""
        from ..wire import target_from_wire

        store = self.state.targets.get(outdial_id)
        return [target_from_wire(encode(t)) for t in store] if store is not None else []

    def set_campaign_status(self, campaign_id: str, status: CampaignStatus | str) -> Campaign:
        """Force a campaign's status, bypassing the rules (e.g. to make one ``run``)."""
        from ..wire import campaign_from_wire

        forced = self.state.force_campaign_status(
            campaign_id, str(getattr(status, "value", status))
        )
        return campaign_from_wire(encode(forced))

    def fail_next(
        self,
        count: int = 1,
        *,
        status: int = 500,
        reason: str = "INTERNAL_ERROR",
        message: str = "Injected failure.",
        retry_after: float | None = None,
        method: str | None = None,
        path: str | None = None,
        after_apply: bool = False,
    ) -> None:
        """Answer the next ``count`` matching requests with this error (after auth and the
        rate limit).

        Args:
            method: Only requests with this method match (any when ``None``).
            path: Only requests whose path contains this text match.
            after_apply: Apply the request first, then answer the error (an answer lost after
                the fact, e.g. a 504 from a gateway).
        """
        for _ in range(count):
            self._forced.append(
                _Forced(
                    status,
                    reason,
                    message,
                    retry_after,
                    method and method.upper(),
                    path,
                    after_apply=after_apply,
                )
            )

    def drop_next(
        self,
        count: int = 1,
        *,
        method: str | None = None,
        path: str | None = None,
        after_apply: bool = False,
    ) -> None:
        """Close the connection of the next ``count`` matching requests without an answer;
        with ``after_apply`` the request is applied first (the client cannot know it was)."""
        for _ in range(count):
            self._forced.append(
                _Forced(
                    0,
                    "",
                    "",
                    None,
                    method and method.upper(),
                    path,
                    after_apply=after_apply,
                    drop=True,
                )
            )

    def throttle_next(self, count: int = 1, *, retry_after: float = 0.0) -> None:
        """Answer the next ``count`` requests ``429 RATE_LIMIT_EXCEEDED`` with ``Retry-After``."""
        self.fail_next(
            count,
            status=429,
            reason="RATE_LIMIT_EXCEEDED",
            message="Too many requests.",
            retry_after=retry_after,
        )

    # -- HTTP ----------------------------------------------------------------------------------

    def _make_app(self) -> web.Application:
        app = web.Application(middlewares=[self._middleware])
        s = self.state
        routes: list[tuple[str, str, Handler]] = [
            ("GET", "/campaigns", self._lister(s.list_campaigns)),
            ("POST", "/campaigns", self._body(s.create_campaign)),
            ("GET", "/campaigns/{id}", self._ided(s.get_campaign)),
            ("PUT", "/campaigns/{id}", self._ided_body(s.update_campaign)),
            ("DELETE", "/campaigns/{id}", self._ided(s.delete_campaign)),
            ("PUT", "/campaigns/{id}/status", self._ided_body(s.set_campaign_status)),
            ("PUT", "/campaigns/{id}/actions", self._ided_body(s.update_campaign_actions)),
            (
                "PUT",
                "/campaigns/{id}/resource_info",
                self._ided_body(s.update_campaign_resources),
            ),
            ("GET", "/outplans", self._lister(s.outplans.page)),
            ("POST", "/outplans", self._body(s.create_outplan)),
            ("GET", "/outplans/{id}", self._ided(s.get_outplan)),
            ("PUT", "/outplans/{id}", self._ided_body(s.update_outplan)),
            ("DELETE", "/outplans/{id}", self._ided(s.delete_outplan)),
            ("PUT", "/outplans/{id}/dial_info", self._ided_body(s.update_outplan_dial_info)),
            ("GET", "/outdials", self._lister(s.outdials.page)),
            ("POST", "/outdials", self._body(s.create_outdial)),
            ("GET", "/outdials/{id}", self._ided(s.get_outdial)),
            ("PUT", "/outdials/{id}", self._ided_body(s.update_outdial)),
            ("DELETE", "/outdials/{id}", self._ided(s.delete_outdial)),
            ("GET", "/outdials/{id}/targets", self._list_targets),
            ("POST", "/outdials/{id}/targets", self._ided_body(s.add_target)),
            ("GET", "/outdials/{id}/targets/{target_id}", self._target(s.get_target)),
            ("DELETE", "/outdials/{id}/targets/{target_id}", self._target(s.delete_target)),
        ]
        for method, path, handler in routes:
            app.router.add_route(method, PREFIX + path, handler)
        for prefix in ("", PREFIX):
            app.router.add_get(prefix + "/_sim/stats", self._stats)
            app.router.add_post(prefix + "/_sim/reset", self._reset)
        return app

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if "/_sim/" in request.path:
            return await handler(request)
        self.stats.requests += 1
        resource = request.match_info.route.resource
        pattern = resource.canonical if resource is not None else request.path
        self.stats.by_route[f"{request.method} {pattern}"] += 1
        self.stats.in_flight += 1
        try:
            response = await self._serve(request, handler)
        except SimError as err:
            response = self._error(err)
        except web.HTTPException as err:
            reason = {404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED"}.get(err.status, "ERROR")
            response = self._error(SimError(reason, err.reason, status=err.status))
        finally:
            self.stats.in_flight -= 1
        if not isinstance(response, Dropped):
            self.stats.by_status[response.status] += 1
        return response

    async def _serve(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        await self.apply_latency()
        key = self._authenticate(request)
        if self.limiter is not None:
            wait = self.limiter.check(key)
            if wait is not None:
                self.stats.throttled += 1
                raise SimError(
                    "RATE_LIMIT_EXCEEDED",
                    f"Too many requests: {self.rate:g}/s per customer, burst {self.burst}.",
                    retry_after=wait,
                )
        forced = self._take_forced(request)
        if forced is not None:
            self.stats.faults["dropped" if forced.drop else "forced"] += 1
            if forced.after_apply:
                await handler(request)
            if forced.drop:
                return drop(request)
            raise SimError(
                forced.reason, forced.message, status=forced.status, retry_after=forced.retry_after
            )
        fault = self._draw_fault()
        if fault is not None:
            self.stats.faults[fault] += 1
        if fault == "error":
            raise SimError("INTERNAL_ERROR", "Internal server error (injected).")
        if fault == "throttle":
            raise SimError(
                "RATE_LIMIT_EXCEEDED",
                "Too many requests (injected).",
                retry_after=1.0 / self.rate if self.rate else 1.0,
            )
        if fault == "disconnect":
            return drop(request)
        response = await handler(request)
        if fault == "timeout":
            await self.pause(self.timeout_delay)
            raise SimError("GATEWAY_TIMEOUT", "The request timed out (injected).")
        return response

    def _authenticate(self, request: web.Request) -> str:
        """The credential the request was made with (its rate-limit key)."""
        key = request.query.get("accesskey")
        if key is not None:
            if key in self.accesskeys:
                return key
            raise SimError("UNAUTHORIZED", "Invalid access key.")
        header = request.headers.get("Authorization", "")
        token = (
            header[7:].strip() if header[:7].lower() == "bearer " else request.query.get("token")
        )
        if token is not None and self.token is not None:
            if token == self.token:
                return token
            raise SimError("UNAUTHORIZED", "Invalid token.")
        raise SimError("UNAUTHORIZED", "Authentication required: ?accesskey= or a Bearer token.")

    def _take_forced(self, request: web.Request) -> _Forced | None:
        for forced in self._forced:
            if (forced.method is None or forced.method == request.method) and (
                forced.path is None or forced.path in request.path
            ):
                self._forced.remove(forced)
                return forced
        return None

    def _draw_fault(self) -> str | None:
        """One draw for the four rates as disjoint shares of the requests."""
        fault = self.faults.any_fault()
        return fault.value if fault is not None else None

    def _error(self, err: SimError) -> web.Response:
        self._request_ids += 1
        request_id = f"sim-{self._request_ids:08d}"
        envelope: dict[str, Any] = {
            "status": err.status,
            "reason": err.reason,
            "message": err.message,
            "request_id": request_id,
        }
        if err.details is not None:
            envelope["details"] = err.details
        headers = {"X-Request-Id": request_id}
        if err.retry_after is not None:
            # Rounded up to the millisecond, so a client that waits this long gets through.
            headers["Retry-After"] = f"{math.ceil(err.retry_after * 1000) / 1000:.3f}"
        return _json({"error": envelope}, status=err.status, headers=headers)

    # -- handler factories ---------------------------------------------------------------------

    def _lister(self, page: Callable[[int, Any], list[Any]]) -> Handler:
        async def handler(request: web.Request) -> web.StreamResponse:
            size, token = self.state.page_args(
                request.query.get("page_size"), request.query.get("page_token")
            )
            return _page(page(size, token))

        return handler

    async def _list_targets(self, request: web.Request) -> web.StreamResponse:
        store = self.state.target_store(request.match_info["id"])
        size, token = self.state.page_args(
            request.query.get("page_size"), request.query.get("page_token")
        )
        return _page(store.page(size, token))

    def _body(self, action: Callable[[Any], Any]) -> Handler:
        async def handler(request: web.Request) -> web.StreamResponse:
            return _json(encode(action(await _read_json(request))))

        return handler

    def _ided(self, action: Callable[[str], Any]) -> Handler:
        async def handler(request: web.Request) -> web.StreamResponse:
            return _json(encode(action(request.match_info["id"])))

        return handler

    def _ided_body(self, action: Callable[[str, Any], Any]) -> Handler:
        async def handler(request: web.Request) -> web.StreamResponse:
            body = await _read_json(request)
            return _json(encode(action(request.match_info["id"], body)))

        return handler

    def _target(self, action: Callable[[str, str], Any]) -> Handler:
        async def handler(request: web.Request) -> web.StreamResponse:
            info = request.match_info
            return _json(encode(action(info["id"], info["target_id"])))

        return handler

    async def _stats(self, request: web.Request) -> web.StreamResponse:
        return _json(self.stats.as_dict())

    async def _reset(self, request: web.Request) -> web.StreamResponse:
        self.stats.reset()
        return _json(self.stats.as_dict())


async def _read_json(request: web.Request) -> Any:
    raw = await request.read()
    if not raw:
        raise SimError("INVALID_ARGUMENT", "a JSON body is required")
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise SimError("INVALID_ARGUMENT", "the body is not valid JSON") from None


def _page(items: list[Any]) -> web.Response:
    return _json(SimState.page_document(items))


def _json(data: Any, *, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    return json_response(data, status=status, headers=headers)
