"""A hostile proxy for tests: an aiohttp.web app on 127.0.0.1 in front of the 8x8 simulator.

It forwards every request to the simulator, except that the add requests
(``POST /api/tstats/campaigns/{id}/customers``) meet, one after the other, the faults of a
schedule: a list of :class:`Fault` (then :attr:`Fault.NONE` once it is used up), or a seeded
random draw (:func:`seeded_schedule`). Each add request is recorded as a :class:`Seen`, with the
truth of it: whether the simulator saw the request, what it answered, which ids it was given.
So a test knows what the service really did, whatever the client was told.

The faults are the answers of issue 8 that are not the API's: a proxy's HTML maintenance page
after the request was applied, a redirect to a login page, an empty 202, a 207 that names ids
that were not sent, a dropped connection, a 206, a 503 or 429 of the proxy itself, and a 307 to
another origin (a :class:`Sink`, which records what reached it: nothing must).

Nothing here talks to anything but 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import random
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from typing import Any

import aiohttp
import attrs
import orjson
from aiohttp import web

from cc_campaigns import CampaignsClient
from cc_campaigns.dynamic.simulator import Simulator

from .conftest import make_client, make_simulator, populate

__all__ = [
    "APPLIED_FAULTS",
    "Fault",
    "HostileProxy",
    "Rig",
    "Seen",
    "Sink",
    "rig",
    "seeded_schedule",
]

MAINTENANCE_PAGE = (
    b"<!DOCTYPE html><html><head><title>Down for maintenance</title></head>"
    b"<body><h1>We'll be back soon</h1></body></html>"
)
LOGIN_PAGE = (
    b"<!DOCTYPE html><html><head><title>Sign in</title></head>"
    b"<body><form method='post'><input name='user'></form></body></html>"
)
#: Forged ids of a rewritten 207 start here (far above anything a test sends).
FORGED_BASE = 7_000_000_000


class Fault(str, enum.Enum):
    """What the proxy does with one add request."""

    #: Forward and relay the answer untouched.
    NONE = "none"
    #: Forward (the simulator applies it), then answer 200 with an HTML maintenance page.
    HTML_200 = "html-200"
    #: Do not forward; 302 to a login page (which answers 200 HTML to a GET).
    LOGIN_302 = "login-302"
    #: Do not forward; 303 to the login page.
    LOGIN_303 = "login-303"
    #: Do not forward; answer 202 with an empty body.
    EMPTY_202 = "empty-202"
    #: Forward only the first and last items, then answer a 207 of the request's length whose
    #: first and last results are the simulator's and whose middle results name ids that were
    #: not sent, each "200" (with fewer than three items: nothing is forwarded and every result
    #: names an unsent id).
    FORGED_207 = "forged-207"
    #: Forward (applied), then close the connection without an answer.
    DROP = "drop"
    #: Forward (applied), then answer 206 "response timed out".
    TIMEOUT_206 = "timeout-206"
    #: Do not forward; answer 503.
    UNAVAILABLE_503 = "unavailable-503"
    #: Do not forward; answer 429 with Retry-After.
    THROTTLED_429 = "throttled-429"
    #: Do not forward; 307 to the same path on another origin (the :class:`Sink`).
    CROSS_ORIGIN_307 = "cross-origin-307"

    def __repr__(self) -> str:  # evaluable: a fuzz scenario's repr replays it
        return f"Fault.{self.name}"


#: Faults after which the simulator has applied the request (if it accepted it).
APPLIED_FAULTS = frozenset({Fault.NONE, Fault.HTML_200, Fault.DROP, Fault.TIMEOUT_206})


@attrs.define
class Seen:
    """One add request that reached the proxy, and the truth about it."""

    index: int
    fault: Fault
    path: str
    #: The customer ids of the request body, as sent (None when the body was not a list).
    ids: list[Any] | None
    #: Whether the simulator received (some of) the request.
    forwarded: bool = False
    #: The ids forwarded to the simulator.
    forwarded_ids: list[Any] = attrs.field(factory=list)
    #: The simulator's status (0: it dropped the connection; None: not forwarded).
    upstream_status: int | None = None
    #: What the client was answered (0: dropped; a redirect's status).
    answered: int | None = None

    @property
    def applied(self) -> bool | None:
        """True when the simulator answered 207 (its items are in the campaign or refused per
        item), False when it did not act, None when it may have (its own 206 or drop)."""
        if not self.forwarded or self.upstream_status is None:
            return False
        if self.upstream_status == 207:
            return True
        if self.upstream_status in (0, 206):
            return None
        return False


def seeded_schedule(
    seed: int, count: int, rate: float, faults: Sequence[Fault] = tuple(Fault)
) -> list[Fault]:
    """``count`` faults drawn from ``random.Random(seed)``: each request meets one of ``faults``
    with probability ``rate``, else :attr:`Fault.NONE`."""
    rng = random.Random(seed)
    hostile = [f for f in faults if f is not Fault.NONE] or [Fault.NONE]
    return [rng.choice(hostile) if rng.random() < rate else Fault.NONE for _ in range(count)]


class _Server:
    """An aiohttp app on 127.0.0.1, port 0."""

    def __init__(self) -> None:
        self.app = web.Application(client_max_size=64 * 1024 * 1024)
        self._runner: web.AppRunner | None = None
        self._url: str | None = None

    @property
    def url(self) -> str:
        if self._url is None:
            raise RuntimeError("not started")
        return self._url

    async def start(self) -> None:
        runner = web.AppRunner(
            self.app, access_log=None, handle_signals=False, shutdown_timeout=0.5
        )
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        self._runner = runner
        self._url = f"http://127.0.0.1:{runner.addresses[0][1]}"

    async def close(self) -> None:
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()


class Sink(_Server):
    """Another origin. It records every request that reaches it (method, path, whether it held
    an Authorization header or a body) and answers as the API would on success (a 207 of
    "200"s), so a client that follows a redirect here is told every item was added. A correct
    client sends it nothing."""

    def __init__(self) -> None:
        super().__init__()
        #: (method, path, headers, body) of every request received.
        self.received: list[tuple[str, str, dict[str, str], bytes]] = []
        self.app.router.add_route("*", "/{tail:.*}", self._any)

    async def _any(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        self.received.append((request.method, request.path, dict(request.headers), body))
        try:
            items = orjson.loads(body) if body else None
        except orjson.JSONDecodeError:
            items = None
        if isinstance(items, list):
            results = [
                {"customer-id": i.get("customer-id") if isinstance(i, dict) else None}
                | {"http-status": 200}
                for i in items
            ]
            return web.json_response(results, status=207)
        return web.json_response({"message": "ok"})

    @property
    def credentials_seen(self) -> bool:
        return any("Authorization" in headers for _, _, headers, _ in self.received)

    @property
    def bodies_seen(self) -> bool:
        return any(body for _, _, _, body in self.received)

    async def __aenter__(self) -> Sink:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()


class HostileProxy(_Server):
    """Forwards to ``upstream`` (the simulator's URL); add requests meet ``schedule``.

    ``schedule`` is a sequence of faults for the 1st, 2nd... add request (then NONE), or a
    callable ``index -> Fault`` (0-based). Replace :attr:`schedule` at any time (e.g. ``[]`` for
    a rerun without faults). ``on_add`` is called with each add request's 0-based index when it
    arrives, before anything is done with it (a test stops or cancels an upload there).
    ``sink`` is where a 307 goes (required for :attr:`Fault.CROSS_ORIGIN_307`).
    """

    def __init__(
        self,
        upstream: str,
        schedule: Sequence[Fault] | Callable[[int], Fault] = (),
        *,
        sink: Sink | None = None,
        on_add: Callable[[int], Any] | None = None,
        retry_after: int = 1,
    ) -> None:
        super().__init__()
        self.upstream = upstream.rstrip("/")
        self.schedule = schedule
        self.sink = sink
        self.on_add = on_add
        self.retry_after = retry_after
        #: Every add request, in arrival order.
        self.seen: list[Seen] = []
        #: Requests forwarded that were not add requests (method, path).
        self.passed: list[tuple[str, str]] = []
        #: Requests for the login page.
        self.login_hits = 0
        self._http: aiohttp.ClientSession | None = None
        self.app.router.add_get("/login", self._login)
        self.app.router.add_route("*", "/{tail:.*}", self._any)

    async def start(self) -> None:
        self._http = aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=30),
            auto_decompress=False,
        )
        await super().start()

    async def close(self) -> None:
        await super().close()
        http, self._http = self._http, None
        if http is not None:
            await http.close()

    async def __aenter__(self) -> HostileProxy:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # -- truth --------------------------------------------------------------------------

    @property
    def adds(self) -> int:
        return len(self.seen)

    def faults_met(self) -> list[Fault]:
        return [s.fault for s in self.seen]

    # -- handlers -----------------------------------------------------------------------

    def _fault(self, index: int) -> Fault:
        schedule = self.schedule
        if callable(schedule):
            return schedule(index)
        return schedule[index] if index < len(schedule) else Fault.NONE

    async def _login(self, request: web.Request) -> web.StreamResponse:
        self.login_hits += 1
        return web.Response(body=LOGIN_PAGE, status=200, content_type="text/html")

    async def _any(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        if not (request.method == "POST" and request.path.endswith("/customers")):
            self.passed.append((request.method, request.path))
            status, headers, answer = await self._forward(request, body)
            if status == 0:
                return _drop(request)
            return web.Response(body=answer, status=status, headers=headers)
        index = len(self.seen)
        fault = self._fault(index)
        seen = Seen(index=index, fault=fault, path=request.path, ids=_ids(body))
        self.seen.append(seen)
        if self.on_add is not None:
            self.on_add(index)
            await asyncio.sleep(0)
        response = await self._hostile(request, body, seen)
        seen.answered = 0 if isinstance(response, _Dropped) else response.status
        return response

    async def _hostile(self, request: web.Request, body: bytes, seen: Seen) -> web.StreamResponse:
        fault = seen.fault
        if fault is Fault.LOGIN_302 or fault is Fault.LOGIN_303:
            location = f"http://{request.host}/login"
            return web.Response(status=int(fault.value[-3:]), headers={"Location": location})
        if fault is Fault.EMPTY_202:
            return web.Response(status=202)
        if fault is Fault.UNAVAILABLE_503:
            return web.json_response({"message": "Service unavailable."}, status=503)
        if fault is Fault.THROTTLED_429:
            return web.json_response(
                {"message": "Too many requests."},
                status=429,
                headers={"Retry-After": str(self.retry_after)},
            )
        if fault is Fault.CROSS_ORIGIN_307:
            if self.sink is None:
                raise RuntimeError("a cross-origin 307 needs a sink")
            return web.Response(status=307, headers={"Location": self.sink.url + request.path_qs})
        if fault is Fault.FORGED_207:
            return await self._forged(request, body, seen)
        # Forwarded as is: NONE, HTML_200, DROP, TIMEOUT_206.
        status, headers, answer = await self._forward(request, body)
        seen.forwarded = True
        seen.forwarded_ids = list(seen.ids or [])
        seen.upstream_status = status
        if status == 0:  # the simulator dropped it: so do we
            return _drop(request)
        if fault is Fault.NONE:
            return web.Response(body=answer, status=status, headers=headers)
        if fault is Fault.HTML_200:
            return web.Response(body=MAINTENANCE_PAGE, status=200, content_type="text/html")
        if fault is Fault.DROP:
            return _drop(request)
        # TIMEOUT_206
        return web.json_response(
            {
                "message": "The request was sent but the response timed out. "
                "Please check the result status later."
            },
            status=206,
        )

    async def _forged(self, request: web.Request, body: bytes, seen: Seen) -> web.StreamResponse:
        try:
            items = orjson.loads(body)
        except orjson.JSONDecodeError:
            items = None
        if not isinstance(items, list) or not items:
            return web.json_response([], status=207)
        sent = {str(i.get("customer-id")) for i in items if isinstance(i, dict)}

        def forged(k: int) -> int:
            candidate = FORGED_BASE + k
            while str(candidate) in sent:
                candidate += 1_000_003
            return candidate

        results: list[Any] = [
            {"customer-id": forged(k), "http-status": 200} for k in range(len(items))
        ]
        if len(items) >= 3:
            ends = [items[0], items[-1]]
            status, _, answer = await self._forward(request, orjson.dumps(ends))
            seen.forwarded = True
            seen.forwarded_ids = _ids(orjson.dumps(ends)) or []
            seen.upstream_status = status
            if status == 0:
                return _drop(request)
            try:
                real = orjson.loads(answer)
            except orjson.JSONDecodeError:
                real = None
            if status != 207 or not isinstance(real, list) or len(real) != 2:
                # The simulator refused the request as a whole: relay that.
                return web.Response(body=answer, status=status, content_type="application/json")
            results[0], results[-1] = real[0], real[1]
        return web.json_response(results, status=207)

    async def _forward(
        self, request: web.Request, body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        """(status, headers to relay, body) of the simulator's answer; status 0 when it dropped
        the connection."""
        assert self._http is not None
        headers = {
            k: v
            for k, v in request.headers.items()
            if k.lower() in ("authorization", "content-type", "accept", "user-agent")
        }
        try:
            async with self._http.request(
                request.method,
                self.upstream + request.path_qs,
                data=body if body else None,
                headers=headers,
                allow_redirects=False,
            ) as answer:
                data = await answer.read()
                relay = {
                    k: v
                    for k, v in answer.headers.items()
                    if k.lower() in ("content-type", "retry-after", "location", "allow")
                }
                return answer.status, relay, data
        except (aiohttp.ClientConnectionError, aiohttp.ClientPayloadError):
            return 0, {}, b""


class _Dropped(web.Response):
    """The "response" of a dropped connection: never reaches the client."""


def _drop(request: web.Request) -> web.StreamResponse:
    transport = request.transport
    if transport is not None:
        transport.close()
    return _Dropped(status=500)


def _ids(body: bytes) -> list[Any] | None:
    try:
        items = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(items, list):
        return None
    return [i.get("customer-id") if isinstance(i, dict) else None for i in items]


def ids_of(seen: Iterable[Seen]) -> list[Any]:
    """Every id the proxy was sent, over ``seen``."""
    return [i for s in seen for i in (s.ids or [])]


@attrs.define
class Rig:
    """A populated simulator, the sink, the proxy in front of the simulator, and a client of the
    proxy (test credentials, fast retries unless told otherwise)."""

    sim: Simulator
    sink: Sink
    proxy: HostileProxy
    client: CampaignsClient

    def direct_client(self, **options: object) -> CampaignsClient:
        """Another client, of the simulator itself (no proxy)."""
        return make_client(self.sim, **options)


@contextlib.asynccontextmanager
async def rig(
    schedule: Sequence[Fault] | Callable[[int], Fault] = (),
    *,
    sim_options: dict[str, Any] | None = None,
    client_options: dict[str, Any] | None = None,
    on_add: Callable[[int], Any] | None = None,
) -> AsyncIterator[Rig]:
    """Start a :class:`Rig`; everything is closed on exit."""
    sim = make_simulator(**(sim_options or {}))
    populate(sim)
    async with sim, Sink() as sink:
        proxy = HostileProxy(sim.url, schedule, sink=sink, on_add=on_add)
        async with proxy:
            options: dict[str, Any] = {"base_url": proxy.url}
            options.update(client_options or {})
            async with make_client(sim, **options) as client:
                yield Rig(sim=sim, sink=sink, proxy=proxy, client=client)
