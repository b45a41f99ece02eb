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

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

import attrs
from aiohttp import web

from ...testing.faults import FaultPlan
from ...testing.runner import Servable, serve
from ...testing.server import LoopbackServer
from .app import SimulatorStats, build_app
from .state import ApiFailure, Clock, SimCampaign, SimState, record_status_code, status_code
from .variants import DEFAULT, Messages, Variants

if TYPE_CHECKING:
    from ..models import CampaignStatus, RecordStatus

__all__ = [
    "Messages",
    "Servable",
    "Simulator",
    "SimulatorStats",
    "Variants",
    "parse_id_range",
    "serve",
]


class Simulator(LoopbackServer):
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

    The server itself (port, lifetime, latency, dropped connections) is the shared
    :class:`~cc_campaigns.testing.LoopbackServer`; the answers are encoded here, from the
    vendor's own names (:mod:`.vendor`), never with the SDK's wire code.
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
        super().__init__(
            host=host,
            port=port,
            faults=FaultPlan(
                latency=latency,
                error_rate=error_rate,
                throttle_rate=throttle_rate,
                capacity=capacity,
                timeout_rate=timeout_rate,
                disconnect_rate=disconnect_rate,
                retry_after=int(retry_after),
                seed=seed,
            ),
        )
        #: The vendor readings this simulator follows.
        self.variants = variants
        self.state = SimState(clock, variants)
        self.stats = SimulatorStats()
        #: The aiohttp application (also usable with aiohttp's own test client).
        self.app: web.Application = build_app(
            self.state,
            self.stats,
            self.faults,
            username=username,
            data_token=data_token,
            action_token=action_token,
            sleep=self.pause,
        )

    # -- set-up and inspection ------------------------------------------------------------

    def add_campaign(
        self,
        campaign_id: int,
        *,
        dynamic: bool = True,
        enabled: bool = True,
        status: CampaignStatus | int = 0,
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
        """The campaign's current numeric status, as the SDK's
        :class:`~cc_campaigns.dynamic.models.CampaignStatus` (a convenience for tests: the
        simulator itself keeps and answers the plain vendor code)."""
        from ..models import CampaignStatus

        return CampaignStatus(self._campaign(campaign_id).status)

    def set_campaign_status(self, campaign_id: int, status: CampaignStatus | int) -> None:
        """Force a campaign's status, bypassing the state machine (e.g. COMPLETED)."""
        self._campaign(campaign_id).status = status_code(status)

    def set_record_status(
        self, campaign_id: int, customer_id: int, status: RecordStatus | int
    ) -> None:
        """Force a customer's record status, e.g. COMPLETED or ACCEPTED so delete is refused."""
        self.state.set_record_status(
            self._campaign(campaign_id), customer_id, record_status_code(status)
        )

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
