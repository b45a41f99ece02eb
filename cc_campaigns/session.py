"""Deprecated alias of the transport (:mod:`cc_campaigns._transport.session`).

Kept for one minor version; :class:`~cc_campaigns.Timeouts` is exported from :mod:`cc_campaigns`.
It exports what it exported before the move, including the 8x8 helpers that now live in
:mod:`cc_campaigns.dynamic` (``resolve_8x8_base_url``, ``decode_8x8_error``).
"""

from __future__ import annotations

import warnings
from typing import Any

from ._transport.session import (
    DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_TIMEOUTS,
    ErrorDecoder,
    Response,
    SessionClient,
    Timeouts,
    is_loopback_url,
    is_transient,
)
from ._transport.session import Session as _Session
from .dynamic.errors import OUTCOME_UNKNOWN, decode_8x8_error, is_capacity_refusal
from .dynamic.platforms import SPECIAL_PLATFORMS, resolve_8x8_base_url


class Session(_Session):
    """The session as this module made it before the move: with the 8x8 readings as defaults
    (8x8 error bodies, 206 "outcome unknown", the "Maximum limit" 400 as back-off). The
    transport's own :class:`~cc_campaigns._transport.session.Session` knows no provider."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("error_decoder", decode_8x8_error)
        kwargs.setdefault("outcome_unknown", OUTCOME_UNKNOWN)
        kwargs.setdefault("backoff", is_capacity_refusal)
        super().__init__(*args, **kwargs)


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
