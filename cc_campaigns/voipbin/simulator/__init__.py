"""An in-memory VoIPbin for tests, demos and benchmarks.

:class:`VoipbinSimulator` serves the campaign, outplan, outdial and target endpoints on a
loopback port with VoIPbin's pagination, status machine (``stop`` -> ``run`` -> ``stopping`` ->
``stop``), error envelope, per-key rate limit and seeded fault injection. It builds on the shared
:class:`~cc_campaigns.testing.LoopbackServer` and answers from its own records and the vendor's
field names (:mod:`.vendor`), never through the SDK's wire code. Run it standalone with
``python -m cc_campaigns.voipbin.simulator --port 8080``.
"""

from __future__ import annotations

from .app import VoipbinSimulator
from .errors import SimError, SimStats
from .state import RateLimiter, SimState
from .vendor import REASONS

__all__ = ["REASONS", "RateLimiter", "SimError", "SimState", "SimStats", "VoipbinSimulator"]
