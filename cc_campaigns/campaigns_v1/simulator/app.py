"""The aiohttp application of the simulator: routing, the checks every request passes, faults.

API routes, under ``/cc/{site}/campaigns/v1`` [OAS ``servers``; no second ``/campaigns/``]:

- ``PATCH /{campaignId}``: modify campaign, 200 with the Campaign;
- ``POST /{campaignId}/records``: add records, 201 (or 200, a variant) with the Records.

Each API request passes, in order: latency; the request faults (503, then 429 with
``Retry-After``, nothing applied); the site (404: the gateway routes only the simulator's own
site, compared case-sensitively); the API key (401 missing / not ``eght_…`` / unknown, 403 a
key without the Contact Center Campaigns product); the tenant header (404 missing or unknown);
the media type (415, unless the variant accepts ``application/json``); the campaign id (400
when it is not a UUID); the body (400); the campaign (404); the rules of the operation. An add
that passed every check then meets the capacity (429 + ``Retry-After``, nothing applied) and
the outcome faults: applied then held back ``timeout_delay`` seconds and answered 504, or
applied then the connection dropped.

Every answer, errors included, is ``application/vnd.campaigns.v1+json`` [OAS]; errors are
problem JSON (:mod:`.problems`). Other paths and methods get 404 / 405 problem JSON too.
Simulator-only (no auth, no faults, not counted): ``GET /_sim/stats``, ``DELETE /_sim/stats``,
``GET /_sim/campaigns/{campaignId}/records`` (the crmRecordIds stored, in order: the API has no
read, and a test with the simulator in another process needs one).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Awaitable, Callable, Collection
from typing import Any

import attrs
import orjson
from aiohttp import web

from ...testing.faults import Fault, FaultPlan
from ...testing.server import Dropped, drop, dumps
from . import vendor
from .problems import Problem
from .requests import parse_add, parse_modify
from .state import SimState

__all__ = ["SimStats", "build_app"]

_Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
_UUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
ROUTE_MODIFY = "PATCH /{campaignId}"
ROUTE_ADD = "POST /{campaignId}/records"


@attrs.define
class SimStats:
    """The API traffic the simulator has seen (``/_sim`` routes not counted)."""

    #: API requests received.
    requests: int = 0
    #: Answers by HTTP status (a dropped connection counted under 0).
    by_status: Counter[int] = attrs.field(factory=Counter)
    #: Requests by route (``PATCH /{campaignId}``, ``POST /{campaignId}/records``, ``other``).
    by_route: Counter[str] = attrs.field(factory=Counter)
    #: Records of batches that passed every check and the capacity (applied or not).
    records_received: int = 0
    #: Records actually stored.
    records_added: int = 0
    #: Faults injected: ``error``, ``throttle``, ``capacity``, ``timeout``, ``disconnect``.
    faults: Counter[str] = attrs.field(factory=Counter)
    #: API requests being handled right now (not reset).
    in_flight: int = 0

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready copy."""
        return {
            "requests": self.requests,
            "by_status": {str(k): v for k, v in sorted(self.by_status.items())},
            "by_route": dict(sorted(self.by_route.items())),
            "records_received": self.records_received,
            "records_added": self.records_added,
            "faults": dict(sorted(self.faults.items())),
            "in_flight": self.in_flight,
        }

    def reset(self) -> None:
        """Zero every counter."""
        self.requests = 0
        self.by_status.clear()
        self.by_route.clear()
        self.records_received = 0
        self.records_added = 0
        self.faults.clear()


@attrs.define
class Credentials:
    """Who may call: API keys (with or without the product), tenant names, the site."""

    site: str
    keys: frozenset[str]
    unlicensed_keys: frozenset[str]
    tenants: frozenset[str]


def _answer(status: int, body: Any, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(
        body=dumps(body), status=status, headers=headers, content_type=vendor.MEDIA_TYPE
    )


class _Api:
    def __init__(
        self,
        state: SimState,
        stats: SimStats,
        faults: FaultPlan,
        credentials: Credentials,
        *,
        pause: Callable[[float], Awaitable[None]],
        timeout_delay: float,
    ) -> None:
        self.state = state
        self.stats = stats
        self.faults = faults
        self.credentials = credentials
        self.pause = pause
        self.timeout_delay = timeout_delay

    @web.middleware
    async def middleware(self, request: web.Request, handler: _Handler) -> web.StreamResponse:
        if request.path.startswith("/_sim/"):
            return await handler(request)
        stats = self.stats
        stats.requests += 1
        route = request.match_info.route.resource
        name = route.canonical if route is not None else ""
        stats.by_route[
            ROUTE_ADD
            if name.endswith("/records") and request.method == "POST"
            else ROUTE_MODIFY
            if name.endswith("}") and request.method == "PATCH"
            else "other"
        ] += 1
        stats.in_flight += 1
        try:
            response = await self._checked(request, handler)
        except Problem as problem:
            response = self._problem(request, problem)
        except web.HTTPException as exc:  # no such route or method, a body too large
            headers = {"Allow": exc.headers["Allow"]} if "Allow" in exc.headers else None
            refusal = Problem(exc.status, exc.reason, f"{exc.reason}: {request.path}")
            response = self._problem(request, refusal, headers)
        finally:
            stats.in_flight -= 1
        stats.by_status[0 if isinstance(response, Dropped) else response.status] += 1
        return response

    def _problem(
        self, request: web.Request, problem: Problem, headers: dict[str, str] | None = None
    ) -> web.Response:
        body = problem.document(request.path, self.state.clock())
        return _answer(problem.status, body, {**(problem.headers or {}), **(headers or {})})

    async def _checked(self, request: web.Request, handler: _Handler) -> web.StreamResponse:
        faults = self.faults
        await self.pause(faults.latency)
        fault = faults.request_fault()
        if fault is Fault.UNAVAILABLE:
            self.stats.faults["error"] += 1
            raise Problem(503, "Service Unavailable", "The service is temporarily unavailable")
        if fault is Fault.THROTTLED:
            self.stats.faults["throttle"] += 1
            raise Problem(
                429,
                "Too Many Requests",
                "Too many requests",
                headers={"Retry-After": str(int(faults.retry_after))},
            )
        credentials = self.credentials
        if request.match_info.get("site") not in (credentials.site, None):
            raise Problem(404, "Not Found", f"Unknown customer site: {request.match_info['site']}")
        key = request.headers.get(vendor.KEY_HEADER)
        if not key or not key.startswith(vendor.KEY_PREFIX) or key not in credentials.keys:
            if key in credentials.unlicensed_keys:
                raise Problem(
                    403,
                    "Forbidden",
                    "The API key does not include the Contact Center Campaigns product",
                )
            raise Problem(401, "Unauthorized", "Missing or invalid API key")
        tenant = request.headers.get(vendor.TENANT_HEADER)
        if tenant not in credentials.tenants:
            raise Problem(404, "Not Found", "Unknown tenant")
        return await handler(request)

    async def _read(self, request: web.Request) -> tuple[str, Any]:
        """The tenant's name and the request's JSON document, or Problem."""
        media = request.content_type
        if media != vendor.MEDIA_TYPE and not (
            media == "application/json" and self.state.variants.accept_plain_json
        ):
            raise Problem(
                415,
                "Unsupported Media Type",
                f"Content-Type '{media}' is not supported; use {vendor.MEDIA_TYPE}",
            )
        campaign_id = request.match_info["campaign_id"]
        if not _UUID.match(campaign_id):
            raise Problem(
                400,
                "Bad Request",
                f"campaignId must be a UUID: {campaign_id}",
                errors=[
                    {"field": "campaignId", "code": "TypeMismatch", "message": "must be a UUID"}
                ],
            )
        body = await request.read()
        try:
            document = orjson.loads(body)
        except orjson.JSONDecodeError:
            raise Problem(400, "Bad Request", "Failed to read request: malformed JSON") from None
        return request.headers[vendor.TENANT_HEADER], document

    async def modify(self, request: web.Request) -> web.StreamResponse:
        tenant, document = await self._read(request)
        command = parse_modify(document)
        campaign = self.state.find(tenant, request.match_info["campaign_id"].lower())
        self.state.modify(campaign, command)
        return _answer(200, campaign.document())

    async def add(self, request: web.Request) -> web.StreamResponse:
        tenant, document = await self._read(request)
        items = parse_add(document)
        state, stats, faults = self.state, self.stats, self.faults
        campaign = state.find(tenant, request.match_info["campaign_id"].lower())
        state.check_add(campaign, items)
        wait = faults.admit(len(items))
        if wait:
            stats.faults["capacity"] += 1
            raise Problem(
                429,
                "Too Many Requests",
                "Too many records per second",
                headers={"Retry-After": str(wait)},
            )
        fate = faults.outcome_fault()
        stats.records_received += len(items)
        added = state.add_records(campaign, items)
        stats.records_added += len(added)
        if fate is Fault.TIMEOUT:
            stats.faults["timeout"] += 1
            await self.pause(self.timeout_delay)
            raise Problem(504, "Gateway Timeout", "The request timed out")
        if fate is Fault.DISCONNECT:
            stats.faults["disconnect"] += 1
            return drop(request)
        body = {"records": [record.document() for record in added]}
        return _answer(state.variants.add_status, body)

    async def sim_stats(self, request: web.Request) -> web.StreamResponse:
        return web.json_response(self.stats.as_dict())

    async def sim_records(self, request: web.Request) -> web.StreamResponse:
        campaign = self.state.campaigns.get(request.match_info["campaign_id"].lower())
        if campaign is None:
            raise web.HTTPNotFound()
        return web.json_response(list(campaign.records))

    async def sim_stats_reset(self, request: web.Request) -> web.StreamResponse:
        self.stats.reset()
        return web.json_response(self.stats.as_dict())


def build_app(
    state: SimState,
    stats: SimStats,
    faults: FaultPlan,
    *,
    site: str,
    keys: Collection[str],
    unlicensed_keys: Collection[str],
    tenants: Collection[str],
    pause: Callable[[float], Awaitable[None]],
    timeout_delay: float,
) -> web.Application:
    """The aiohttp application serving ``state``."""
    credentials = Credentials(site, frozenset(keys), frozenset(unlicensed_keys), frozenset(tenants))
    api = _Api(state, stats, faults, credentials, pause=pause, timeout_delay=timeout_delay)
    app = web.Application(middlewares=[api.middleware])
    root = "/cc/{site}/campaigns/v1/{campaign_id}"
    app.router.add_patch(root, api.modify)
    app.router.add_post(root + "/records", api.add)
    app.router.add_get("/_sim/stats", api.sim_stats)
    app.router.add_delete("/_sim/stats", api.sim_stats_reset)
    app.router.add_get("/_sim/campaigns/{campaign_id}/records", api.sim_records)
    return app
