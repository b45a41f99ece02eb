"""Test doubles of the campaign services: the shared server base and the simulators.

:class:`LoopbackServer` is the base every simulator builds on (loopback port, lifetime, URL,
latency, dropped connections); :class:`FaultPlan` holds the fault knobs they share (latency,
``error_rate``, ``throttle_rate``, ``capacity``, ``timeout_rate``, ``disconnect_rate``, a
seed); :func:`serve` and :func:`run` run one as a program. The simulators themselves are
re-exported here for convenience (imported on first use).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .faults import Fault, FaultPlan, PerKeyRateLimit
from .runner import Servable, announce, run, serve
from .server import Dropped, LoopbackServer, drop, dumps, json_response

if TYPE_CHECKING:
    from ..dynamic.simulator import Simulator
    from ..voipbin.simulator import VoipbinSimulator

__all__ = [
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
    if name == "Simulator":
        from ..dynamic.simulator import Simulator

        return Simulator
    if name == "VoipbinSimulator":
        from ..voipbin.simulator import VoipbinSimulator

        return VoipbinSimulator
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
