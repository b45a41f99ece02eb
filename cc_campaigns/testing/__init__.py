"""Test doubles of the campaign services: the shared server base and the simulators.

:class:`LoopbackServer` is the base every simulator builds on (loopback port, lifetime, URL,
latency, dropped connections); :class:`FaultPlan` holds the fault knobs they share (latency,
``error_rate``, ``throttle_rate``, ``capacity``, ``timeout_rate``, ``disconnect_rate``, a
seed); :func:`serve` and :func:`run` run one as a program. The three simulators are
re-exported here for convenience (imported on first use).

A new simulator is a subclass that builds its aiohttp application, answers from its own copy of
the vendor's field names (never the SDK's wire code), and asks its plan for faults::

    class MySimulator(LoopbackServer):
        url_path = "/v1"

        def __init__(self, *, error_rate=0.0, throttle_rate=0.0, capacity=None,
                     timeout_rate=0.0, disconnect_rate=0.0, latency=0.0, seed=0):
            super().__init__(faults=FaultPlan(
                latency=latency, error_rate=error_rate, throttle_rate=throttle_rate,
                capacity=capacity, timeout_rate=timeout_rate,
                disconnect_rate=disconnect_rate, seed=seed))
            self.app = web.Application()
            self.app.router.add_post("/v1/records", self.add)

        async def add(self, request):
            await self.apply_latency()
            fault = self.faults.request_fault()       # UNAVAILABLE -> 503, THROTTLED -> 429
            ...
            wait = self.faults.admit(len(records))    # capacity: 429 + Retry-After: wait
            fate = self.faults.outcome_fault()        # None, TIMEOUT or DISCONNECT
            ...                                       # apply, then answer, time out or drop()

and ``python -m`` is ``sys.exit(run(MySimulator(...)))``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .faults import Fault, FaultPlan, PerKeyRateLimit
from .runner import Servable, announce, run, serve
from .server import Dropped, LoopbackServer, drop, dumps, json_response

if TYPE_CHECKING:
    from ..campaigns_v1.simulator import CampaignsV1Simulator
    from ..dynamic.simulator import Simulator
    from ..voipbin.simulator import VoipbinSimulator

__all__ = [
    "CampaignsV1Simulator",
    "Dropped",
    "Fault",
    "FaultPlan",
    "LoopbackServer",
    "PerKeyRateLimit",
    "Servable",
    "Simulator",
    "VoipbinSimulator",
    "announce",
    "drop",
    "dumps",
    "json_response",
    "run",
    "serve",
]


def __getattr__(name: str) -> Any:
    # The simulators import this package, so they are imported here only when asked for.
    if name == "CampaignsV1Simulator":
        from ..campaigns_v1.simulator import CampaignsV1Simulator

        return CampaignsV1Simulator
    if name == "Simulator":
        from ..dynamic.simulator import Simulator

        return Simulator
    if name == "VoipbinSimulator":
        from ..voipbin.simulator import VoipbinSimulator

        return VoipbinSimulator
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
