"""Deprecated alias of :mod:`cc_campaigns.dynamic.simulator` (the 8x8 simulator).

Kept for one minor version, with ``python -m cc_campaigns.simulator``; use
:mod:`cc_campaigns.dynamic.simulator` instead.
"""

from __future__ import annotations

import warnings

from ..dynamic.simulator import *  # noqa: F403
from ..dynamic.simulator import __all__ as __all__

warnings.warn(
    "cc_campaigns.simulator moved to cc_campaigns.dynamic.simulator; the old path goes away in "
    "the next minor version",
    DeprecationWarning,
    stacklevel=2,
)
