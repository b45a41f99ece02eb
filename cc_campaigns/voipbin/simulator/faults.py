"""VoIPbin's reading of the shared fault plan (:mod:`cc_campaigns.testing.faults`).

The random faults are the plan's :meth:`~cc_campaigns.testing.FaultPlan.any_fault` (the rates as
disjoint shares of the requests); on top of them a test queues exact failures with
:meth:`VoipbinSimulator.fail_next` and friends (:class:`Forced`). The simulator's old knob
attributes (``sim.error_rate`` ...) read and write the plan (:func:`knob`).
"""

from __future__ import annotations

from typing import Any

import attrs

from ...testing.server import LoopbackServer

__all__ = ["Forced", "knob"]


@attrs.define
class Forced:
    """A failure queued by ``fail_next``, ``drop_next`` or ``throttle_next``: the answer to the
    next request that matches ``method`` and ``path`` (any, when ``None``)."""

    status: int
    reason: str
    message: str
    retry_after: float | None
    method: str | None
    path: str | None
    #: Run the request first, then fail it: the client cannot know it was applied.
    after_apply: bool = False
    #: Drop the connection instead of answering.
    drop: bool = False


def knob(name: str) -> Any:
    """A simulator attribute that reads and writes the fault plan's knob of that name."""

    def get(self: LoopbackServer) -> float:
        value: float = getattr(self.faults, name)
        return value

    def set_(self: LoopbackServer, value: float) -> None:
        setattr(self.faults, name, value)

    return property(get, set_, doc=f"The fault plan's ``{name}``.")
