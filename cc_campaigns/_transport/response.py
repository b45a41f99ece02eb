"""What comes back: a successful :class:`Response`, and the reading of error bodies.

Everything here is pure (no I/O): parsing JSON exactly, quoting an answer with its secrets
masked, turning an error body into a message (:data:`ErrorDecoder`), and reading
``Retry-After``. A provider plugs in its own decoder; :func:`decode_text_error` is the neutral
default.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from email.utils import parsedate_to_datetime
from typing import Any

import attrs
import orjson

from ..errors import UnexpectedResponseError

__all__ = [
    "MAX_ERROR_BYTES",
    "MAX_MESSAGE_CHARS",
    "WRONG_URL_HINT",
    "ErrorDecoder",
    "Response",
    "clip",
    "decode_text_error",
    "is_api_body",
    "message_text",
    "parse_retry_after",
    "plain_excerpt",
]

#: Bytes of an error answer read: its message is in the first few hundred.
MAX_ERROR_BYTES = 64 * 1024
#: Longest server message an error keeps, in characters (cut after redaction, never before).
MAX_MESSAGE_CHARS = 300
#: Characters of an unexpected answer quoted in :class:`UnexpectedResponseError`.
EXCERPT_CHARS = 120
#: What an answer that is not the API's usually means.
WRONG_URL_HINT = "the base URL probably does not point at the API (a proxy, a login page?)"


def clip(text: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    """``text`` cut to ``limit`` characters (``...`` marks a cut). Mask secrets before, never
    after: a cut secret is no longer recognised."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


def plain_excerpt(data: bytes, limit: int) -> str:
    """``data`` as text, at most ``limit`` characters; no secrets to mask."""
    return clip(data[: 4 * limit].decode("utf-8", "replace"), limit)


# A run of 20 digits, found at C speed: every digit becomes "0", everything else a space, then
# a plain substring search (a regular expression costs three times the parse on a large body).
_DIGITS_AS_ZERO = bytes(0x30 if 0x30 <= b <= 0x39 else 0x20 for b in range(256))
_LONG_DIGITS = b"0" * 20


@attrs.frozen
class Response:
    """A successful HTTP answer.

    ``method`` and ``url`` (never with credentials) say which request it answers; ``excerpt``
    is the session's way of quoting bytes with its secrets masked, so :meth:`unexpected` can
    say what came back.
    """

    status: int
    body: bytes
    headers: Mapping[str, str] = attrs.field(repr=False, factory=dict)
    method: str = ""
    url: str = ""
    excerpt: Callable[[bytes, int], str] = attrs.field(
        default=plain_excerpt, repr=False, eq=False, kw_only=True
    )

    def json(self, *, exact: bool = True) -> Any:
        """The body parsed as JSON (``None`` for an empty body).

        orjson reads integers beyond 64 bits as floats, losing digits; some APIs use ids of up
        to 22 digits, so a body holding a number of 20 digits or more is read by the standard
        library, which keeps them exact. ``exact=False`` skips that check (a scan of the whole
        body) for a caller that looks for floats where integers belong itself.

        Raises:
            UnexpectedResponseError: the body is not JSON, or is nested too deeply to parse
                (never a ``RecursionError``).
        """
        if not self.body:
            return None
        try:
            if exact and _LONG_DIGITS in self.body.translate(_DIGITS_AS_ZERO):
                # orjson first, for its depth limit (1,024 levels) on every Python: the
                # standard library's own limit depends on the version and the stack.
                orjson.loads(self.body)
                return json.loads(self.body)
            return orjson.loads(self.body)
        except RecursionError:
            raise self.unexpected("JSON nested too deeply to read") from None
        except ValueError as err:  # orjson's and the standard library's decode errors
            raise self.unexpected("not JSON") from err

    def unexpected(self, why: str) -> UnexpectedResponseError:
        """An :class:`UnexpectedResponseError` for this answer: ``why`` it is not the documented
        one, what came back (status, content type, size, a short excerpt, secrets masked) and
        what that usually means."""
        kind = self.headers.get("Content-Type")
        kind = self.excerpt(kind.encode(), 80) if kind else "no content type"
        if self.body:
            text = " ".join(self.excerpt(self.body, EXCERPT_CHARS).split())
            got = f"got {kind}, {len(self.body)} bytes: {text!r}"
        else:
            got = f"got an empty body ({kind})"
        return UnexpectedResponseError(
            f"not the API's answer: {why}; {got}; {WRONG_URL_HINT}",
            status=self.status,
            method=self.method or None,
            url=self.url or None,
        )


#: Turns an error body into (message, reason, request_id). The message is returned whole: the
#: session masks secrets in it and only then shortens it (see :func:`clip`).
ErrorDecoder = Callable[[bytes], "tuple[str | None, str | None, str | None]"]


def message_text(value: Any) -> str | None:
    """A message field as text: strings as they are, numbers and booleans written out,
    anything else (a list, an object: not a documented message) ``None``."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)):
        return str(value)
    return None


def decode_text_error(body: bytes) -> tuple[str | None, str | None, str | None]:
    """The neutral :data:`ErrorDecoder`: the body as text is the message (``None`` when blank);
    no reason, no request id. It assumes no format: a provider that has one passes its own."""
    text = body.decode("utf-8", "replace").strip()
    return (text or None), None, None


def is_api_body(body: bytes) -> bool:
    """Whether an error body can be an API's: empty (the status speaks alone) or a JSON object
    (every error envelope this library reads is one)."""
    if not body.strip():
        return True
    try:
        return isinstance(orjson.loads(body), dict)
    except orjson.JSONDecodeError:
        return False


def parse_retry_after(value: str | None) -> float | None:
    """``Retry-After`` as seconds: a number, or an HTTP date. None when absent or unreadable."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())
