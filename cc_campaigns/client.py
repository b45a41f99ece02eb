"""Deprecated alias of :mod:`cc_campaigns.dynamic.client` (the 8x8 Dynamic Campaigns provider).

Kept for one minor version so that code written against 0.x keeps working; import from
:mod:`cc_campaigns.dynamic.client` (or from :mod:`cc_campaigns`) instead.
"""

from __future__ import annotations

import warnings

from .dynamic.client import *  # noqa: F403
from .dynamic.client import __all__ as __all__

warnings.warn(
    "cc_campaigns.client moved to cc_campaigns.dynamic.client; the old path goes away in the "
    "next minor version",
    DeprecationWarning,
    stacklevel=2,
)
