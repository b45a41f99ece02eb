"""How the 8x8 Dynamic Campaigns API says something went wrong, read for the shared session.

Everything 8x8-specific about errors lives here and is passed to
:class:`~cc_campaigns._transport.session.Session` by the client:

* :func:`decode_8x8_error`: error bodies are ``{"message": "..."}``;
* :data:`OUTCOME_UNKNOWN`: 8x8 answers 206 for "the request was sent but the response timed
  out" (the change may or may not have been applied);
* :func:`is_capacity_refusal`: 400 "Maximum limit of scheduled customers has been reached" is
  a back-off signal (nothing was applied), not a refusal of the request.
"""

from __future__ import annotations

from collections.abc import Mapping

import orjson

from .._transport.response import message_text
from ..errors import ApiError, is_capacity_message

__all__ = ["OUTCOME_UNKNOWN", "decode_8x8_error", "is_capacity_refusal"]

#: Success statuses 8x8 uses for "sent, but the outcome is unknown".
OUTCOME_UNKNOWN = frozenset({206})


def decode_8x8_error(body: bytes) -> tuple[str | None, str | None, str | None]:
    """(message, reason, request_id) of an 8x8 error body.

    8x8 error bodies are ``{"message": "..."}`` (no reason, no request id); anything that is
    not JSON is kept as text; other JSON gives no message (the status then speaks alone).
    """
    try:
        data = orjson.loads(body) if body else None
    except orjson.JSONDecodeError:  # also JSON nested deeper than orjson's limit
        text = body.decode("utf-8", "replace").strip()
        return (text or None), None, None
    if isinstance(data, Mapping):
        return message_text(data.get("message")), None, None
    return None, None, None


def is_capacity_refusal(error: ApiError) -> bool:
    """Whether an error answer is 8x8's "Maximum limit of scheduled customers" (400): the
    campaign's queue is full, nothing was applied; back off and send again."""
    return error.status == 400 and is_capacity_message(error.message)
