"""Deprecated alias of :mod:`cc_campaigns.dynamic.simulator.state` (kept for one minor version;
importing :mod:`cc_campaigns.simulator` warns)."""

from __future__ import annotations

from ..dynamic.simulator.state import *  # noqa: F403
from ..dynamic.simulator.state import __all__ as __all__
