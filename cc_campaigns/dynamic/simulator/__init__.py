"""An in-process stand-in for the 8x8 Contact Center Dynamic Campaigns API.

What moto is to AWS: a real HTTP server (aiohttp.web) on a local port, with campaigns, a CRM,
a do-not-call list, the campaign state machine, the vendor's per-item rules and messages, and
seeded fault injection (latency, 503, 429, a capacity limit, 206 timeouts, dropped
connections)::

    from cc_campaigns.dynamic.simulator import Simulator
    from cc_campaigns.dynamic.models import CampaignStatus

    async with Simulator(data_token="d", action_token="a") as sim:
        sim.add_campaign(125, status=CampaignStatus.MANUAL_RUNNING)
        sim.add_crm_customers(range(1, 1_000_001))
        ...  # point a client at sim.url ("http://127.0.0.1:<port>")
        assert sim.campaign_customers(125) == [...]

It also runs on its own:
``python -m cc_campaigns.dynamic.simulator --campaign 125 --crm-range 1-1000``.
Besides the API it serves ``GET /_sim/stats`` (no auth; simulator-only): :attr:`Simulator.stats`
as JSON, and ``DELETE /_sim/stats`` to reset them.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable, Iterable
from datetime import datetime
from types import TracebackType
from typing import Any, Protocol

import attrs
from aiohttp import web

from cc_campaigns.dynamic.models import CampaignStatus, RecordStatus

from .app import SimulatorStats, build_app
from .faults import Faults
from .state import ApiFailure, Clock, SimCampaign, SimState
from .variants import DEFAULT, Messages, Variants

__all__ = [
    "Messages",
    "Servable",
    "Simulator",
    "SimulatorStats",
    "Variants",
    "parse_id_range",
    "serve",
]


class Simulator:
    """A simulated 8x8 tenant served over HTTP on ``host:port`` (port 0 = any free port).

    Credentials: HTTP Basic ``username:data_token`` for reads (GET) and
    ``username:action_token`` for writes (unless ``variants`` says otherwise); anything else
    gets 401. The tokens may be equal.

    ``variants`` (a :class:`~cc_campaigns.dynamic.simulator.variants.Variants`) picks one reading of
    each point where 8x8's pages disagree: a stopped campaign answered 400 or 500, the wording
    of a delete's 404 (or an empty body), delete success 204 or 200, which method changes a
    status (the other answered 405), which token each write takes, and the wording of every
    message (guide, support page or OpenAPI). The presets ``variants.OPENAPI``,
    ``variants.GUIDE_TABLES`` and ``variants.SUPPORT`` take one source's side throughout.

    Faults (API routes only, decided by ``random.Random(seed)``, so a seed and a request
    sequence always give the same faults):

    - ``latency``: seconds slept before each request is handled.
    - ``error_rate``: fraction of requests answered 503 "Service unavailable.".
    - ``throttle_rate``: fraction answered 429 "Too many requests." with
      ``Retry-After: retry_after``.
    - ``capacity``: records per second the add endpoint accepts (token bucket, burst one
      second's worth); a batch that does not fit gets 429 with ``Retry-After`` = the seconds
      until it would, and consumes nothing. A batch larger than the burst is accepted from a
      full bucket.
    - ``timeout_rate``: fraction of add batches answered 206 "...response timed out...",
      applied or not (50/50).
    - ``disconnect_rate``: fraction of add batches applied, then the connection is closed with
      no answer (the client sees a disconnect; counted under status 0).

    ``delete_status`` (shorthand for ``Variants.delete_status``) is the success status of a
    delete: 204 (empty, the default) or 200 (``{"message": "Customer deleted."}``). ``clock``
    returns the current aware UTC datetime (default: the real time); pin it to make schedule
    rules deterministic.

    The set-up methods (``add_campaign``, ``add_crm_customers``...) work before or after
    :meth:`start`. Use from the event loop thread only. :attr:`stats` counts the API traffic;
    :attr:`state` (a :class:`~cc_campaigns.dynamic.simulator.state.SimState`) and :attr:`faults` are
    the underlying objects, for tests that need more than these methods.
    """

    def __init__(
        self,
        *,
        username: str = "tenant",
        data_token: str = "data-token",
        action_token: str = "action-token",
        host: str = "127.0.0.1",
        port: int = 0,
        latency: float = 0.0,
        error_rate: float = 0.0,
        throttle_rate: float = 0.0,
        capacity: float | None = None,
        timeout_rate: float = 0.0,
        disconnect_rate: float = 0.0,
        seed: int = 0,
        retry_after: int = 1,
        delete_status: int | None = None,
        clock: Clock | None = None,
        variants: Variants = DEFAULT,
    ) -> None:
        if delete_status is not None:
            variants = attrs.evolve(variants, delete_status=delete_status)
        self.host = host
        self.port = port
        #: The vendor readings this simulator follows.
        self.variants = variants
        self.state = SimState(clock, variants)
        self.stats = SimulatorStats()
        self.faults = Faults(
            error_rate=error_rate,
            throttle_rate=throttle_rate,
            timeout_rate=timeout_rate,
            disconnect_rate=disconnect_rate,
            capacity=capacity,
            retry_after=retry_after,
            seed=seed,
        )
        #: The aiohttp application (also usable with aiohttp's own test client).
        self.app: web.Application = build_app(
            self.state,
            self.stats,
            self.faults,
            username=username,
            data_token=data_token,
            action_token=action_token,
            latency=latency,
        )
        self._runner: web.AppRunner | None = None
        self._url: str | None = None

    # -- lifecycle ------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """The base URL, e.g. ``http://127.0.0.1:54321`` (the client appends ``/api/...``)."""
        if self._url is None:
            raise RuntimeError("the simulator is not started; use 'async with' or start()")
        return self._url

    async def start(self) -> None:
        """Start serving; :attr:`url` then holds the actual port."""
        if self._runner is not None:
            raise RuntimeError("the simulator is already started")
        runner = web.AppRunner(
            self.app, access_log=None, handle_signals=False, shutdown_timeout=1.0
        )
        await runner.setup()
        try:
            site = web.TCPSite(runner, self.host, self.port)
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        port = runner.addresses[0][1]
        host = f"[{self.host}]" if ":" in self.host else self.host
        self._url = f"http://{host}:{port}"

    async def close(self) -> None:
        """Stop serving (idempotent). The state stays readable."""
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    async def __aenter__(self) -> Simulator:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    # -- set-up and inspection ------------------------------------------------------------

    def add_campaign(
        self,
        campaign_id: int,
        *,
        dynamic: bool = True,
        enabled: bool = True,
        status: CampaignStatus | int = CampaignStatus.NEW,
        schedule: tuple[datetime, datetime] | None = None,
        name: str | None = None,
    ) -> None:
        """Create a campaign (replacing any campaign with that id, members included).

        A campaign in ``NEW`` refuses uploads until it is set RUNNING; pass
        ``status=CampaignStatus.MANUAL_RUNNING`` to upload at once. ``schedule`` is the
        campaign's (start, end) as aware datetimes: scheduled calls must fall inside it.
        """
        self.state.add_campaign(
            campaign_id,
            dynamic=dynamic,
            enabled=enabled,
            status=status,
            schedule=schedule,
            name=name,
        )

    def add_crm_customers(self, ids: Iterable[int] | range) -> None:
        """Make customers exist in the CRM (only those can be added to a campaign).

        A ``range`` is kept as a range object, so ``range(1, 5_000_001)`` costs nothing.
        """
        self.state.add_crm_customers(ids)

    def add_dnc(self, ids: Iterable[int] | range) -> None:
        """Put customers on the do-not-call list (their adds get a per-item 400)."""
        self.state.add_dnc(ids)

    def campaign_customers(self, campaign_id: int) -> list[int]:
        """The customer ids in a campaign, ascending."""
        return list(self._campaign(campaign_id).members)

    def campaign_status(self, campaign_id: int) -> CampaignStatus:
        """The campaign's current numeric status."""
        return self._campaign(campaign_id).status

    def set_campaign_status(self, campaign_id: int, status: CampaignStatus | int) -> None:
        """Force a campaign's status, bypassing the state machine (e.g. COMPLETED)."""
        self._campaign(campaign_id).status = CampaignStatus(status)

    def set_record_status(
        self, campaign_id: int, customer_id: int, status: RecordStatus | int
    ) -> None:
        """Force a customer's record status, e.g. COMPLETED or ACCEPTED so delete is refused."""
        self.state.set_record_status(self._campaign(campaign_id), customer_id, RecordStatus(status))

    def _campaign(self, campaign_id: int) -> SimCampaign:
        try:
            return self.state.campaign(campaign_id)
        except ApiFailure:
            raise KeyError(f"no campaign {campaign_id} in the simulator") from None


def parse_id_range(text: str) -> range:
    """``"1-5000000"`` (inclusive) or ``"42"`` as a ``range``; ValueError when malformed."""
    first, sep, last = text.strip().partition("-")
    try:
        start = int(first)
        stop = int(last) if sep else start
    except ValueError:
        raise ValueError(f"not an id range: {text!r} (expected FIRST-LAST or ID)") from None
    if start < 0 or stop < start:
        raise ValueError(f"not an id range: {text!r} (need 0 <= FIRST <= LAST)")
    return range(start, stop + 1)


def _announce(url: str) -> None:
    print(f"listening on {url}", flush=True)


class Servable(Protocol):
    """Anything :func:`serve` can run: an async context manager with a ``url`` (both the 8x8
    and the VoIPbin simulators)."""

    @property
    def url(self) -> str: ...

    async def __aenter__(self) -> Any: ...

    async def __aexit__(self, *exc: Any) -> Any: ...


async def serve(
    simulator: Servable,
    *,
    announce: Callable[[str], None] | None = _announce,
    stop: asyncio.Event | None = None,
) -> None:
    """Run ``simulator`` until SIGINT/SIGTERM (or until ``stop`` is set), then close it.

    ``announce`` is called once with the URL when it is listening; the default prints exactly
    one line, ``listening on http://HOST:PORT``, to stdout and flushes it.
    """
    stop = stop if stop is not None else asyncio.Event()
    loop = asyncio.get_running_loop()
    installed: list[signal.Signals] = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError, ValueError):  # Windows, non-main thread
            continue
        installed.append(sig)
    try:
        async with simulator:
            if announce is not None:
                announce(simulator.url)
            await stop.wait()
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)
