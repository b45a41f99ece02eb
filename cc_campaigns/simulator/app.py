"""Deprecated alias of :mod:`cc_campaigns.dynamic.simulator.app` (kept for one minor version;
importing :mod:`cc_campaigns.simulator` warns)."""

from __future__ import annotations

from ..dynamic.simulator.app import *  # noqa: F403
from ..dynamic.simulator.app import __all__ as __all__
