"""An in-memory VoIPbin for tests, demos and benchmarks.

:class:`VoipbinSimulator` serves the campaign, outplan, outdial and target endpoints on a
loopback port with VoIPbin's pagination, status machine (``stop`` -> ``run`` -> ``stopping`` ->
``stop``), error envelope, per-key rate limit and seeded fault injection. Run it standalone with
``python -m cc_campaigns.voipbin.simulator --port 8080``.
"""

from __future__ import annotations

from .app import VoipbinSimulator
from .state import REASONS, RateLimiter, SimError, SimState, SimStats

__all__ = ["REASONS", "RateLimiter", "SimError", "SimState", "SimStats", "VoipbinSimulator"]
