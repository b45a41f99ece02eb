"""The limits of one request path: timeouts, connections, answer size, redirects."""

from __future__ import annotations

import aiohttp
import attrs

from ..errors import ValidationError

__all__ = [
    "DEFAULT_CONNECTION_LIMIT",
    "DEFAULT_MAX_RESPONSE_BYTES",
    "DEFAULT_TIMEOUTS",
    "MAX_REDIRECTS",
    "Timeouts",
    "read_at_most",
]

#: Connector limit of a session we create: the bulk engine never has more requests in flight.
DEFAULT_CONNECTION_LIMIT = 64

#: Largest successful answer read into memory, in bytes (``Session(max_response_bytes=...)``).
#: A 500-item batch answer is about 20 KB; the largest legitimate answer (a listing of millions
#: of records) stays well below this.
DEFAULT_MAX_RESPONSE_BYTES = 256 * 1024 * 1024

#: Same-origin redirects a read follows before giving up.
MAX_REDIRECTS = 5


@attrs.frozen
class Timeouts:
    """Per-request timeouts, in seconds."""

    #: Establishing the TCP/TLS connection.
    connect: float = 10.0
    #: The whole request, from sending to the last byte of the answer.
    total: float = 60.0

    def __attrs_post_init__(self) -> None:
        if not (self.connect > 0 and self.total > 0):
            raise ValidationError("timeouts must be positive numbers of seconds")


DEFAULT_TIMEOUTS = Timeouts()


async def read_at_most(answer: aiohttp.ClientResponse, limit: int) -> bytes:
    """At most ``limit`` bytes of the body, read as they come (never more held in memory)."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in answer.content.iter_any():
        size += len(chunk)
        if size >= limit:
            chunks.append(chunk[: len(chunk) - (size - limit)])
            break
        chunks.append(chunk)
    return b"".join(chunks)
