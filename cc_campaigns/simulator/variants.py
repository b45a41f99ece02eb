"""Deprecated alias of :mod:`cc_campaigns.dynamic.simulator.variants` (kept for one minor version;
importing :mod:`cc_campaigns.simulator` warns)."""

from __future__ import annotations

from ..dynamic.simulator.variants import *  # noqa: F403
from ..dynamic.simulator.variants import __all__ as __all__
