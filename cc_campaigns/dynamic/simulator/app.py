"""The aiohttp.web application of the simulator: routes, Basic auth, faults and JSON.

API routes (as 8x8 serves them; reads take the data token, writes the token
:class:`~cc_campaigns.dynamic.simulator.variants.Variants` names, the action token by default):

- ``GET /api/stats/campaigns/{id}.json`` - campaign status
- ``POST|PATCH /api/tstats/campaigns/{id}`` - change status (``Variants.status_methods``)
- ``POST /api/tstats/campaigns/{id}/customers`` - add customers (207)
- ``GET /api/stats/campaigns/{id}/records.json`` - list records
- ``DELETE /api/tstats/campaigns/{id}/customers/{customerId}`` - delete a customer

Simulator-only routes (no auth, no faults, not counted in the stats):

- ``GET /_sim/stats`` - the :class:`SimulatorStats` as JSON
- ``DELETE /_sim/stats`` - reset them
"""

from __future__ import annotations

import asyncio
import binascii
import hmac
import json
from base64 import b64decode, b64encode
from collections.abc import Awaitable, Callable
from typing import Any, Literal

import orjson
from aiohttp import web

from ...testing.server import Dropped, drop, dumps
from .faults import BatchFault, Faults, RequestFault, batch_fault, request_fault
from .state import ApiFailure, SimState
from .variants import Operation, Variants

__all__ = [
    "MSG_DELETED",
    "MSG_METHOD_NOT_ALLOWED",
    "MSG_SERVICE_UNAVAILABLE",
    "MSG_TIMED_OUT",
    "MSG_TOO_MANY_REQUESTS",
    "MSG_UNAUTHORIZED",
    "SimulatorStats",
    "build_app",
]

MSG_UNAUTHORIZED = "Unauthorized"
MSG_SERVICE_UNAVAILABLE = "Service unavailable."
MSG_TOO_MANY_REQUESTS = "Too many requests."
MSG_TIMED_OUT = (
    "The request was sent but the response timed out. Please check the result status later."
)
MSG_DELETED = "Customer deleted."
MSG_METHOD_NOT_ALLOWED = "Method Not Allowed."

#: Largest request body accepted (5 million items fit).
MAX_BODY_BYTES = 512 * 1024 * 1024

_Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
_Sleep = Callable[[float], Awaitable[None]]
_JSON = "application/json"


class SimulatorStats:
    """Counters of the API traffic the simulator has seen (``/_sim/`` routes excluded).

    ``requests``: API requests received. ``by_status``: HTTP status -> responses sent, a dropped
    connection counted under ``0``. ``items_received``: items of add batches that passed the
    whole-request checks and the capacity limit (including batches then lost to a 206 or a
    dropped connection). ``items_added``: customers actually added to a campaign.
    """

    __slots__ = ("by_status", "items_added", "items_received", "requests")

    def __init__(self) -> None:
        self.requests = 0
        self.by_status: dict[int, int] = {}
        self.items_received = 0
        self.items_added = 0

    def reset(self) -> None:
        """Zero every counter."""
        self.requests = 0
        self.by_status = {}
        self.items_received = 0
        self.items_added = 0

    def count(self, status: int) -> None:
        """Count one response with this HTTP status (0 for a dropped connection)."""
        self.by_status[status] = self.by_status.get(status, 0) + 1

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form (``by_status`` keys become strings)."""
        return {
            "requests": self.requests,
            "by_status": {str(k): v for k, v in sorted(self.by_status.items())},
            "items_received": self.items_received,
            "items_added": self.items_added,
        }

    def __repr__(self) -> str:
        return (
            f"SimulatorStats(requests={self.requests}, by_status={self.by_status}, "
            f"items_received={self.items_received}, items_added={self.items_added})"
        )


_dumps = dumps


def _json(status: int, body: Any, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(body=_dumps(body), status=status, content_type=_JSON, headers=headers)


def _message(status: int, message: str, headers: dict[str, str] | None = None) -> web.Response:
    """``{"message": message}``; an empty ``message`` is an answer without a body."""
    if not message:
        return web.Response(status=status, headers=headers)
    return _json(status, {"message": message}, headers)


def _basic(username: str, password: str) -> str:
    return "Basic " + b64encode(f"{username}:{password}".encode()).decode("ascii")


class _Auth:
    """HTTP Basic credentials: ``username:data_token`` for reads; for each write the token
    ``variants`` names (``username:action_token`` by default)."""

    def __init__(
        self, username: str, data_token: str, action_token: str, variants: Variants
    ) -> None:
        self.username = username
        by_name: dict[str, tuple[str, ...]] = {
            "data": (data_token,),
            "action": (action_token,),
            "either": (action_token, data_token),
        }
        #: Operation ("read", "status", "add", "delete") -> the tokens it accepts.
        self._tokens: dict[str, tuple[str, ...]] = {
            "read": (data_token,),
            "status": by_name[variants.status_token],
            "add": by_name[variants.add_token],
            "delete": by_name[variants.delete_token],
        }
        self._headers = {
            operation: frozenset(_basic(username, t) for t in tokens)
            for operation, tokens in self._tokens.items()
        }

    def allows(self, header: str | None, *, operation: Operation | Literal["read"]) -> bool:
        if header is None:
            return False
        if header in self._headers[operation]:
            return True
        # Slow path: other spellings of the same credentials ("basic", extra spaces).
        scheme, _, encoded = header.strip().partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            decoded = b64decode(encoded.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return False
        username, sep, password = decoded.partition(":")
        given = f"{username}:{password}".encode()
        return bool(sep) and any(
            hmac.compare_digest(given, f"{self.username}:{token}".encode())
            for token in self._tokens[operation]
        )


def _operation(request: web.Request) -> Operation | Literal["read"]:
    """Which operation a request is, for its credentials."""
    method = request.method
    if method in ("GET", "HEAD"):
        return "read"
    if method == "DELETE":
        return "delete"
    if request.path.rstrip("/").endswith("/customers"):
        return "add"
    return "status"


class _Api:
    """The route handlers, sharing the simulator's state, faults and stats."""

    def __init__(
        self,
        state: SimState,
        stats: SimulatorStats,
        faults: Faults,
        auth: _Auth,
        *,
        sleep: _Sleep,
    ) -> None:
        self.state = state
        self.stats = stats
        self.faults = faults
        self.auth = auth
        self.sleep = sleep

    # -- middleware ---------------------------------------------------------------------

    @web.middleware
    async def middleware(self, request: web.Request, handler: _Handler) -> web.StreamResponse:
        """Count, inject faults, authenticate and turn failures into JSON, on /api/ only."""
        if not request.path.startswith("/api/"):
            return await handler(request)
        stats = self.stats
        stats.requests += 1
        try:
            response = await self._api(request, handler)
        except ApiFailure as failure:
            response = _message(failure.status, failure.message, failure.headers)
        except web.HTTPException as exc:
            # Router errors (unknown path, wrong method) and oversized bodies, as JSON.
            headers = {"Allow": exc.headers["Allow"]} if "Allow" in exc.headers else None
            response = _message(exc.status, f"{exc.reason}.", headers)
        stats.count(0 if isinstance(response, Dropped) else response.status)
        return response

    async def _api(self, request: web.Request, handler: _Handler) -> web.StreamResponse:
        if self.faults.latency:
            await self.sleep(self.faults.latency)
        fault = request_fault(self.faults)
        if fault is RequestFault.UNAVAILABLE:
            return _message(503, MSG_SERVICE_UNAVAILABLE)
        if fault is RequestFault.THROTTLED:
            headers = {"Retry-After": str(self.faults.retry_after)}
            return _message(429, MSG_TOO_MANY_REQUESTS, headers)
        if not self.auth.allows(
            request.headers.get("Authorization"), operation=_operation(request)
        ):
            return _message(401, MSG_UNAUTHORIZED)
        return await handler(request)

    # -- API handlers -------------------------------------------------------------------

    async def get_campaign(self, request: web.Request) -> web.StreamResponse:
        campaign = self.state.campaign(request.match_info["campaign_id"])
        return _json(200, self.state.campaign_document(campaign))

    async def get_records(self, request: web.Request) -> web.StreamResponse:
        campaign = self.state.campaign(request.match_info["campaign_id"])
        return _json(200, self.state.records_document(campaign))

    async def change_status(self, request: web.Request) -> web.StreamResponse:
        variants = self.state.variants
        if not variants.allows_status_method(request.method):
            # As a router answers a method it has no route for.
            raise web.HTTPMethodNotAllowed(request.method, [variants.status_methods])
        body = await request.read()
        campaign = self.state.campaign(request.match_info["campaign_id"])
        try:
            document = orjson.loads(body)
        except orjson.JSONDecodeError:
            document = None
        self.state.change_status(campaign, document)
        return _message(200, self.state.messages.status_changed)

    async def add_customers(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        state = self.state
        campaign = state.campaign(request.match_info["campaign_id"])
        state.check_can_add(campaign)
        items = _parse_items(body, state.messages.invalid_list)
        faults = self.faults
        wait = faults.admit(len(items))
        if wait:
            return _message(429, MSG_TOO_MANY_REQUESTS, {"Retry-After": str(wait)})
        fate = batch_fault(faults)
        stats = self.stats
        stats.items_received += len(items)
        if fate is BatchFault.TIMEOUT_LOST:
            return _message(206, MSG_TIMED_OUT)
        results, added = state.add_items(campaign, items)
        stats.items_added += added
        if fate is BatchFault.TIMEOUT_APPLIED:
            return _message(206, MSG_TIMED_OUT)
        if fate is BatchFault.DISCONNECT:
            return drop(request)
        return web.Response(body=_dumps(results), status=207, content_type=_JSON)

    async def delete_customer(self, request: web.Request) -> web.StreamResponse:
        campaign = self.state.campaign(request.match_info["campaign_id"])
        self.state.delete_customer(campaign, request.match_info["customer_id"])
        if self.state.variants.delete_status == 200:
            return _message(200, self.state.messages.deleted)
        return web.Response(status=204)

    # -- simulator-only -----------------------------------------------------------------

    async def sim_stats(self, request: web.Request) -> web.StreamResponse:
        return _json(200, self.stats.as_dict())

    async def sim_stats_reset(self, request: web.Request) -> web.StreamResponse:
        self.stats.reset()
        return _json(200, self.stats.as_dict())


def _parse_items(body: bytes, invalid: str) -> list[dict[str, Any]]:
    """The add body as a list of objects, or ApiFailure 400 ``invalid`` ("Invalid customer list
    provided.").

    orjson turns integers beyond 64 bits into floats; ids up to 1e22 are legal, so a body
    with a float ``customer-id`` is parsed again with the stdlib, which keeps big integers.
    """
    try:
        items = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise ApiFailure(400, invalid) from None
    if type(items) is not list or not items:
        raise ApiFailure(400, invalid)
    exact = False
    for item in items:
        if type(item) is not dict:
            raise ApiFailure(400, invalid)
        if type(item.get("customer-id")) is float:
            exact = True
    if exact:
        items = json.loads(body)
    result: list[dict[str, Any]] = items
    return result


def build_app(
    state: SimState,
    stats: SimulatorStats,
    faults: Faults,
    *,
    username: str,
    data_token: str,
    action_token: str,
    latency: float | None = None,
    sleep: _Sleep = asyncio.sleep,
) -> web.Application:
    """The aiohttp application serving ``state`` (its ``variants`` included); usable with any
    aiohttp runner.

    ``latency`` (default: ``faults.latency``) replaces the plan's latency; ``sleep`` is how it
    is waited (the simulator's own pause ends when it closes).
    """
    if latency is not None:
        if latency < 0:
            raise ValueError("latency must be >= 0 seconds")
        faults.latency = float(latency)
    api = _Api(
        state,
        stats,
        faults,
        _Auth(username, data_token, action_token, state.variants),
        sleep=sleep,
    )
    app = web.Application(middlewares=[api.middleware], client_max_size=MAX_BODY_BYTES)
    campaign = "/api/tstats/campaigns/{campaign_id}"
    app.router.add_get("/api/stats/campaigns/{campaign_id}.json", api.get_campaign)
    app.router.add_get("/api/stats/campaigns/{campaign_id}/records.json", api.get_records)
    app.router.add_post(campaign, api.change_status)
    app.router.add_patch(campaign, api.change_status)
    app.router.add_post(campaign + "/customers", api.add_customers)
    app.router.add_delete(campaign + "/customers/{customer_id}", api.delete_customer)
    app.router.add_get("/_sim/stats", api.sim_stats)
    app.router.add_delete("/_sim/stats", api.sim_stats_reset)
    return app
