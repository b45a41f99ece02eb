"""Deprecated alias of the transport (:mod:`cc_campaigns._transport.session`).

Kept for one minor version; :class:`~cc_campaigns.Timeouts` is exported from :mod:`cc_campaigns`.
"""

from __future__ import annotations

import warnings

from ._transport.session import *  # noqa: F403
from ._transport.session import __all__ as __all__

warnings.warn(
    "cc_campaigns.session is private now (cc_campaigns._transport); import Timeouts from "
    "cc_campaigns; the old path goes away in the next minor version",
    DeprecationWarning,
    stacklevel=2,
)
