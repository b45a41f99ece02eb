"""Deprecated alias of :mod:`cc_campaigns.dynamic.models` (the 8x8 Dynamic Campaigns provider).

Kept for one minor version so that code written against 0.x keeps working; import from
:mod:`cc_campaigns.dynamic.models` (or from :mod:`cc_campaigns`) instead.
"""

from __future__ import annotations

import warnings

from .dynamic.models import *  # noqa: F403
from .dynamic.models import __all__ as __all__

warnings.warn(
    "cc_campaigns.models moved to cc_campaigns.dynamic.models; the old path goes away in the "
    "next minor version",
    DeprecationWarning,
    stacklevel=2,
)
