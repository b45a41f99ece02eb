"""Deprecated alias of the transport (:mod:`cc_campaigns._transport.session`).

Kept for one minor version; :class:`~cc_campaigns.Timeouts` is exported from :mod:`cc_campaigns`.
It exports what it exported before the move, including the 8x8 helpers that now live in
:mod:`cc_campaigns.dynamic` (``resolve_8x8_base_url``, ``decode_8x8_error``).
"""

from __future__ import annotations

import warnings

from ._transport.session import *  # noqa: F403
from ._transport.session import (
    DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_TIMEOUTS,
    ErrorDecoder,
    Response,
    Session,
    SessionClient,
    Timeouts,
    is_loopback_url,
    is_transient,
)
from .dynamic.errors import decode_8x8_error
from .dynamic.platforms import SPECIAL_PLATFORMS, resolve_8x8_base_url

#: The names this module exported before the move (the transport's ``__all__`` may change).
__all__ = [
    "DEFAULT_MAX_RESPONSE_BYTES",
    "DEFAULT_TIMEOUTS",
    "SPECIAL_PLATFORMS",
    "ErrorDecoder",
    "Response",
    "Session",
    "SessionClient",
    "Timeouts",
    "decode_8x8_error",
    "is_loopback_url",
    "is_transient",
    "resolve_8x8_base_url",
]

warnings.warn(
    "cc_campaigns.session is private now (cc_campaigns._transport); import Timeouts from "
    "cc_campaigns; the old path goes away in the next minor version",
    DeprecationWarning,
    stacklevel=2,
)
