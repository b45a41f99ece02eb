"""VoIPbin's error answers, decoded for the shared transport.

The session (:mod:`cc_campaigns._transport`) turns every refusal into the one error tree of
:mod:`cc_campaigns.errors` by HTTP status; this module only reads what VoIPbin says in the body.
It is plugged in as the session's ``error_decoder``.
"""

from __future__ import annotations

from collections.abc import Mapping

import orjson

from .._transport.session import message_text

__all__ = ["decode_voipbin_error"]


def decode_voipbin_error(body: bytes) -> tuple[str | None, str | None, str | None]:
    """(message, reason, request_id) of a VoIPbin error body.

    The envelope is ``{"error": {"status", "reason", "message", "request_id", "details"?}}``;
    ``details`` is appended to the message. A bare ``{"message": ...}`` or plain text is read
    too; an empty body gives ``(None, None, None)`` (the status then speaks alone). Nothing is
    shortened here: the session masks secrets first, then shortens.
    """
    try:
        data = orjson.loads(body) if body else None
    except orjson.JSONDecodeError:  # also JSON nested deeper than orjson's limit
        text = body.decode("utf-8", "replace").strip()
        return (text or None), None, None
    if not isinstance(data, Mapping):
        return None, None, None
    envelope = data.get("error")
    if not isinstance(envelope, Mapping):
        message = data.get("message")
        if isinstance(envelope, str) and message is None:
            message = envelope
        return message_text(message), None, None
    said = message_text(envelope.get("message"))
    details = envelope.get("details")
    if details:
        if isinstance(details, str):
            shown = details
        else:
            try:
                shown = orjson.dumps(details).decode()
            except orjson.JSONEncodeError:  # nested deeper than orjson writes
                shown = "(unreadable)"
        said = f"{said or 'Error'} (details: {shown})"
    return said, message_text(envelope.get("reason")), message_text(envelope.get("request_id"))
