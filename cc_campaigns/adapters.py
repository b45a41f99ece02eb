"""Deprecated alias of :mod:`cc_campaigns.dynamic.adapters` (the 8x8 Dynamic Campaigns provider).

Kept for one minor version so that code written against 0.x keeps working; import from
:mod:`cc_campaigns.dynamic.adapters` (or from :mod:`cc_campaigns`) instead.
"""

from __future__ import annotations

import warnings

from .dynamic.adapters import *  # noqa: F403
from .dynamic.adapters import __all__ as __all__

warnings.warn(
    "cc_campaigns.adapters moved to cc_campaigns.dynamic.adapters; the old path goes away in the "
    "next minor version",
    DeprecationWarning,
    stacklevel=2,
)
