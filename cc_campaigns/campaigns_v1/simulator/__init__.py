"""An in-process stand-in for 8x8's Contact Center Campaigns API v1 (beta).

A real HTTP server (aiohttp.web) on a loopback port with the vendor's two operations (modify a
campaign, add records), its state machine with the transient BUILDING / STARTING, the
``enabled`` flag, the schedule, atomic adds, API key / tenant / site checks, problem-JSON errors,
the documented disagreements as selectable :mod:`.variants`, and the shared seeded fault knobs::

    from cc_campaigns.campaigns_v1.simulator import CampaignsV1Simulator

    async with CampaignsV1Simulator() as sim:
        campaign = sim.add_campaign()                # dynamic, enabled, RUNNING
        ...  # a client with base_url=sim.url, X-API-Key eght_test-key, X-8x8-Tenant tenant
        assert sim.campaign_records(campaign) == [...]

It answers from its own copy of the vendor's names (:mod:`.vendor`), never through the SDK's
wire code. Run it alone with ``python -m cc_campaigns.campaigns_v1.simulator``.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import datetime
from typing import Any

from aiohttp import web

from ...testing.faults import FaultPlan
from ...testing.server import LoopbackServer
from . import vendor
from .app import SimStats, build_app
from .problems import Problem
from .state import Clock, SimCampaign, SimState, utc_now
from .variants import DEFAULT, GUIDES, OPENAPI, PRESETS, Variants

__all__ = [
    "DEFAULT",
    "GUIDES",
    "OPENAPI",
    "PRESETS",
    "CampaignsV1Simulator",
    "Problem",
    "SimStats",
    "Variants",
]

#: How long BUILDING and STARTING last by default, in seconds (long enough for a client to see
#: them, short enough for a test that waits; tests drive ``clock`` instead).
DEFAULT_TRANSIENT_SECONDS = 0.2
#: How long a timeout fault holds its answer back (longer than a client waits).
DEFAULT_TIMEOUT_DELAY = 90.0


class CampaignsV1Simulator(LoopbackServer):
    """A simulated 8x8 Campaigns API v1 tenant on ``host:port`` (port 0: a free one).

    :attr:`url` is the root a client takes as ``base_url``:
    ``http://127.0.0.1:PORT/cc/{site}/campaigns/v1``.

    Args:
        tenant: The tenant name(s) ``X-8x8-Tenant`` accepts; the first owns new campaigns.
        api_key: The key(s) ``X-API-Key`` accepts (each must begin ``eght_``).
        unlicensed_keys: Keys that exist but lack the Contact Center Campaigns product: 403.
        site: The customer site of the tenant (US1, US2 or UK3); any other path site is 404.
        transient_seconds: How long BUILDING and STARTING last.
        clock: The current time, aware (default: the real time); drive it in tests.
        variants: The readings of the vendor's disagreements (:mod:`.variants`).
        latency: Seconds slept before each API request is handled.
        error_rate: Share of requests answered 503 (nothing applied).
        throttle_rate: Share answered 429 with ``Retry-After: retry_after`` (nothing applied).
        capacity: Records per second the add operation accepts (a token bucket, burst one
            second's worth); a batch that does not fit gets 429 with ``Retry-After`` = the
            whole seconds until it would, and nothing is applied.
        timeout_rate: Share of add batches that are applied, then held back ``timeout_delay``
            seconds and answered 504.
        disconnect_rate: Share of add batches that are applied, then dropped without answer.
        retry_after: Seconds the ``Retry-After`` of a random 429 says.
        timeout_delay: How long a timeout fault holds its answer.
        seed: Seed of every random fault: the same seed and requests, the same faults.
        refuse_ids: A test hook, no vendor behaviour: crmRecordIds whose batch is refused
            whole with 400 and a detail naming no record (what the service does with an
            unknown CRM record or a number on a DNC list is not documented, notes §6). See
            :meth:`refuse_records`.
        refuse_named: With ``refuse_ids``: name the refused record by a field error at
            ``records[i].crmRecordId`` instead (a test/benchmark hook too).
        host: Interface (loopback by default).
        port: Port; 0 picks a free one.
    """

    def __init__(
        self,
        *,
        tenant: str | Collection[str] = "tenant",
        api_key: str | Collection[str] = "eght_test-key",
        unlicensed_keys: Collection[str] = (),
        site: str = "US1",
        transient_seconds: float = DEFAULT_TRANSIENT_SECONDS,
        clock: Clock | None = None,
        variants: Variants = DEFAULT,
        latency: float = 0.0,
        error_rate: float = 0.0,
        throttle_rate: float = 0.0,
        capacity: float | None = None,
        timeout_rate: float = 0.0,
        disconnect_rate: float = 0.0,
        retry_after: int = 1,
        timeout_delay: float = DEFAULT_TIMEOUT_DELAY,
        seed: int = 0,
        refuse_ids: Collection[str] = (),
        refuse_named: bool = False,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        tenants = [tenant] if isinstance(tenant, str) else list(tenant)
        keys = [api_key] if isinstance(api_key, str) else list(api_key)
        if not tenants or not keys:
            raise ValueError("at least one tenant and one API key are needed")
        if any(not key.startswith(vendor.KEY_PREFIX) for key in keys):
            raise ValueError(f"an API key must begin {vendor.KEY_PREFIX!r}")
        if site not in vendor.SITES:
            raise ValueError(f"site must be one of {', '.join(vendor.SITES)}, got {site!r}")
        if timeout_delay < 0:
            raise ValueError("timeout_delay must be >= 0 seconds")
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
                retry_after=retry_after,
                seed=seed,
            ),
        )
        self.site = site
        self.tenant = tenants[0]
        self.variants = variants
        #: The campaigns and the state machine (for tests that need more than the helpers).
        self.state = SimState(
            clock or utc_now, transient_seconds, variants, refuse_named=refuse_named
        )
        self.refuse_records(*refuse_ids)
        #: The API traffic served.
        self.stats = SimStats()
        self.app: web.Application = build_app(
            self.state,
            self.stats,
            self.faults,
            site=site,
            keys=keys,
            unlicensed_keys=unlicensed_keys,
            tenants=tenants,
            pause=self.pause,
            timeout_delay=timeout_delay,
        )

    @property
    def url(self) -> str:
        """The root to give a client as ``base_url``: ``http://HOST:PORT/cc/SITE/campaigns/v1``."""
        return f"{self.root_url}/cc/{self.site}/campaigns/v1"

    # -- set-up --------------------------------------------------------------------------------

    def add_campaign(
        self,
        campaign_id: str | None = None,
        *,
        dynamic: bool = True,
        enabled: bool = True,
        state: str = "RUNNING",
        tenant: str | None = None,
        start_time: datetime | None = None,
        end_time: datetime | None = None,
        build_on_start: bool = False,
        integration_type: str = "contactual",
    ) -> str:
        """Create a campaign (as Configuration Manager would) and return its id.

        Args:
            campaign_id: A UUID (default: a new one); an existing campaign is replaced.
            dynamic: Whether records may be added through the API.
            enabled: The campaign's enabled flag.
            state: Its CampaignState (RUNNING by default, so records can be added at once).
                A transient state lasts ``transient_seconds`` from now.
            tenant: The owning tenant (default: the first).
            start_time: The scheduled start (START before it: PENDING).
            end_time: The scheduled end (PENDING / RUNNING become COMPLETE then).
            build_on_start: The campaign's configured "build on start".
            integration_type: Its ``integrationType``.
        """
        if state not in vendor.STATES:
            raise ValueError(f"unknown campaign state {state!r}")
        cid = str(uuid.UUID(campaign_id)) if campaign_id is not None else str(uuid.uuid4())
        campaign = SimCampaign(
            cid,
            tenant or self.tenant,
            dynamic=dynamic,
            enabled=enabled,
            integration_type=integration_type,
            start_time=start_time,
            end_time=end_time,
            build_on_start=build_on_start,
        )
        self.state.add(campaign)
        self.set_campaign_state(cid, state)
        return cid

    def set_campaign_state(
        self, campaign_id: str, state: str, *, purged: bool = False, cancelled: bool = False
    ) -> None:
        """Force a campaign's state, bypassing the rules (e.g. RUN_ERROR or DELETED)."""
        if state not in vendor.STATES:
            raise ValueError(f"unknown campaign state {state!r}")
        campaign = self._campaign(campaign_id)
        now = self.state.clock()
        campaign.state = state
        campaign.purged = purged
        campaign.cancelled = cancelled
        campaign.start_after_build = False
        campaign.transient_until = (
            now + self.state.transient if state in vendor.TRANSIENT_STATES else None
        )

    def set_enabled(self, campaign_id: str, enabled: bool) -> None:
        """Set the enabled flag (as Configuration Manager could)."""
        self._campaign(campaign_id).enabled = enabled

    def fail_next_build(self, campaign_id: str, count: int = 1) -> None:
        """The next ``count`` builds of the campaign end in BUILD_ERROR."""
        self._campaign(campaign_id).build_failures.extend([True] * count)

    def refuse_records(self, *crm_record_ids: str) -> None:
        """Test hook: from now on, a batch holding any of these ids is refused whole (400, a
        detail that names no record), in every campaign."""
        self.state.refused_ids.update(crm_record_ids)

    def set_record_state(
        self, campaign_id: str, crm_record_id: str, state: str, result: str | None = None
    ) -> None:
        """Force a record's state (and result), e.g. to see ``recordCounts`` aggregate."""
        if state not in vendor.RECORD_STATES or (
            result is not None and result not in vendor.RECORD_RESULTS
        ):
            raise ValueError(f"unknown record state or result: {state!r}, {result!r}")
        record = self._campaign(campaign_id).records[crm_record_id]
        record.state = state
        record.result = result

    # -- inspection ----------------------------------------------------------------------------

    def campaign_records(self, campaign_id: str) -> list[str]:
        """The crmRecordIds in the campaign, in the order they were added."""
        return list(self._campaign(campaign_id).records)

    def campaign_state(self, campaign_id: str) -> str:
        """The campaign's current CampaignState (settled against the clock)."""
        campaign = self._campaign(campaign_id)
        self.state.settle(campaign)
        return campaign.state

    def campaign_document(self, campaign_id: str) -> dict[str, Any]:
        """The Campaign body a PATCH would answer now (settled against the clock)."""
        campaign = self._campaign(campaign_id)
        self.state.settle(campaign)
        return campaign.document()

    def record_documents(self, campaign_id: str) -> list[dict[str, Any]]:
        """Every Record of the campaign as an add answered it, in the order added."""
        return [r.document() for r in self._campaign(campaign_id).records.values()]

    def _campaign(self, campaign_id: str) -> SimCampaign:
        campaign = self.state.campaigns.get(str(campaign_id).lower())
        if campaign is None:
            raise KeyError(f"no campaign {campaign_id} in the simulator")
        return campaign
