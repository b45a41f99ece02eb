"""The one request path: URLs, auth, timeouts, retries, error mapping and redaction.

Every provider client (8x8, VoIPbin) sends through a :class:`Session`. It owns at most one
``aiohttp.ClientSession``, created lazily inside the running loop; a session passed in by the
caller is borrowed and never closed.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import logging
import re
import time
from collections.abc import Callable, Mapping
from email.utils import parsedate_to_datetime
from types import TracebackType
from typing import Any, TypeVar
from urllib.parse import urlsplit

import aiohttp
import attrs
import orjson

from .errors import (
    ApiError,
    CampaignsError,
    RateLimitedError,
    TransportError,
    ValidationError,
    error_for,
)
from .retry import DEFAULT_RETRY, RetryPolicy

__all__ = [
    "DEFAULT_TIMEOUTS",
    "ErrorDecoder",
    "Response",
    "Session",
    "SessionClient",
    "Timeouts",
    "is_loopback_url",
    "is_transient",
    "resolve_8x8_base_url",
]

logger = logging.getLogger("cc_campaigns")

USER_AGENT = "cc-campaigns-python"

#: Connector limit of a session we create: the bulk engine never has more requests in flight.
DEFAULT_CONNECTION_LIMIT = 64


@attrs.frozen
class Timeouts:
    """Per-request timeouts, in seconds."""

    #: Establishing the TCP/TLS connection.
    connect: float = 10.0
    #: The whole request, from sending to the last byte of the answer.
    total: float = 60.0

    def __attrs_post_init__(self) -> None:
        if self.connect <= 0 or self.total <= 0:
            raise ValidationError("timeouts must be positive numbers of seconds")


DEFAULT_TIMEOUTS = Timeouts()

#: Shorter secrets are not scrubbed from text (see :meth:`Session.redact`).
_MIN_SECRET = 4

#: Statuses that mean "try again later" for an idempotent request.
TRANSIENT_STATUSES = frozenset({429, 502, 503, 504})


#: Statuses that say the service did not act on the request.
REFUSED_STATUSES = frozenset({429, 503})


def is_refused(error: BaseException) -> bool:
    """Whether a write failed in a way that says it was not applied (safe to send again): 429,
    503, or 8x8's 400 "Maximum limit of scheduled customers" (a back-off signal)."""
    if isinstance(error, RateLimitedError):
        return True
    return isinstance(error, ApiError) and error.status in REFUSED_STATUSES


def is_transient(error: BaseException) -> bool:
    """Whether an idempotent request that failed with ``error`` is worth retrying."""
    if isinstance(error, TransportError):
        return True
    return isinstance(error, ApiError) and error.status in TRANSIENT_STATUSES


@attrs.frozen
class Response:
    """A successful HTTP answer."""

    status: int
    body: bytes
    headers: Mapping[str, str] = attrs.field(repr=False, factory=dict)

    def json(self) -> Any:
        """The body parsed as JSON (``None`` for an empty body).

        orjson reads integers beyond 64 bits as floats, losing digits; 8x8 customer ids go up
        to 1e22, so a body holding a number of 20 digits or more is read by the standard
        library, which keeps them exact.
        """
        if not self.body:
            return None
        if _LONG_DIGITS in self.body.translate(_DIGITS_AS_ZERO):
            return json.loads(self.body)
        return orjson.loads(self.body)


# A run of 20 digits, found at C speed: every digit becomes "0", everything else a space, then
# a plain substring search (a regular expression costs three times the parse on a 207 body).
_DIGITS_AS_ZERO = bytes(0x30 if 0x30 <= b <= 0x39 else 0x20 for b in range(256))
_LONG_DIGITS = b"0" * 20


#: Turns an error body into (message, reason, request_id).
ErrorDecoder = Callable[[bytes], "tuple[str | None, str | None, str | None]"]


def decode_8x8_error(body: bytes) -> tuple[str | None, str | None, str | None]:
    """8x8 error bodies are ``{"message": "..."}``; anything else is kept as short text."""
    try:
        data = orjson.loads(body) if body else None
    except orjson.JSONDecodeError:
        text = body.decode("utf-8", "replace").strip()
        return (text[:300] or None), None, None
    if isinstance(data, Mapping):
        message = data.get("message")
        return (str(message) if message is not None else None), None, None
    return None, None, None


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


_LOOPBACK_NAMES = {"localhost", "localhost.localdomain"}


def is_loopback_url(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_base_url(base_url: str) -> str:
    """Validate a base URL: https, or plain http for loopback hosts only."""
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError(f"base_url must be an http(s) URL, got {base_url!r}")
    if parts.scheme == "http" and not is_loopback_url(base_url):
        raise ValidationError(
            "plain http:// is refused except for loopback hosts (credentials would travel in "
            f"clear text); use https:// for {parts.hostname}"
        )
    if parts.username or parts.password:
        raise ValidationError("base_url must not carry credentials; pass username and tokens")
    return base_url.rstrip("/")


_PLATFORM = re.compile(r"^([a-z]{2})(\d{1,3})b?$")
#: Clusters that do not follow ``vcc-{platform}.8x8.com``.
SPECIAL_PLATFORMS = {"bc2": "https://odcc2.bell.ca"}


def resolve_8x8_base_url(platform: str | None, base_url: str | None) -> str:
    """Where an 8x8 client points.

    ``base_url`` wins (simulator, proxies). Otherwise ``platform`` (case-insensitive, a trailing
    ``b`` dropped as 8x8 support advises): ``na12`` -> ``https://vcc-na12.8x8.com``,
    ``bc2`` -> ``https://odcc2.bell.ca``.
    """
    if base_url:
        return check_base_url(base_url)
    if not platform:
        raise ValidationError(
            "say where the service is: platform='na12' (as in your Configuration Manager URL) "
            "or base_url='https://...'"
        )
    name = platform.strip().lower()
    match = _PLATFORM.match(name)
    if not match:
        raise ValidationError(
            f"unknown platform {platform!r}: expected a cluster name such as na12, eu5, ca1, "
            "ap1, au1 or bc2"
        )
    name = match.group(1) + match.group(2)
    if name in SPECIAL_PLATFORMS:
        return SPECIAL_PLATFORMS[name]
    return f"https://vcc-{name}.8x8.com"


_Client = TypeVar("_Client", bound="SessionClient")


class SessionClient:
    """What every provider client shares: one :class:`Session`, the async context manager,
    ``close()``. Subclasses set ``self._session`` in their constructor."""

    _session: Session

    @property
    def base_url(self) -> str:
        return self._session.base_url

    @property
    def session(self) -> Session:
        """The request path this client sends through (shared with the bulk engine)."""
        return self._session

    async def __aenter__(self: _Client) -> _Client:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the HTTP session if this client created it. Safe to call twice."""
        await self._session.close()


class Session:
    """One HTTP session, and the single path every request takes.

    Args:
        base_url: Scheme and host (and optional path prefix), validated.
        read_headers: Headers (auth) for reads.
        write_headers: Headers (auth) for writes.
        params: Query parameters sent with every request (VoIPbin's access key); never shown.
        secrets: Strings scrubbed from every error message and log line.
        timeouts: Connect and total timeouts per request.
        retry: Retry policy of idempotent reads.
        session: A caller's ``aiohttp.ClientSession`` to borrow (never closed here).
        connection_limit: Connector limit of a session created here.
        error_decoder: Reads (message, reason, request_id) out of an error body.
    """

    def __init__(
        self,
        base_url: str,
        *,
        read_headers: Mapping[str, str],
        write_headers: Mapping[str, str],
        params: Mapping[str, str] | None = None,
        secrets: tuple[str, ...] = (),
        timeouts: Timeouts = DEFAULT_TIMEOUTS,
        retry: RetryPolicy = DEFAULT_RETRY,
        session: aiohttp.ClientSession | None = None,
        connection_limit: int = DEFAULT_CONNECTION_LIMIT,
        error_decoder: ErrorDecoder = decode_8x8_error,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._read_headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
        self._read_headers.update(read_headers)
        self._write_headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
        self._write_headers.update(write_headers)
        self._params = dict(params or {})
        self._secrets = tuple(s for s in secrets if s)
        self.timeouts = timeouts
        self.retry = retry
        self._error_decoder = error_decoder
        self._client_timeout = aiohttp.ClientTimeout(total=timeouts.total, connect=timeouts.connect)
        self._borrowed = session
        self._owned: aiohttp.ClientSession | None = None
        self._connection_limit = connection_limit
        self._closed = False

    def __repr__(self) -> str:
        return f"<Session {self.base_url} borrowed={self._borrowed is not None}>"

    @property
    def connection_limit(self) -> int:
        """Most requests this session sends at once (0: no limit)."""
        http = self._borrowed or self._owned
        if http is not None and isinstance(http.connector, aiohttp.BaseConnector):
            return http.connector.limit
        return self._connection_limit

    @property
    def closed(self) -> bool:
        return self._closed

    def _http(self) -> aiohttp.ClientSession:
        if self._closed:
            raise CampaignsError("this client is closed; create a new one")
        if self._borrowed is not None:
            return self._borrowed
        if self._owned is None:
            # Created here, inside the running loop, never at construction time.
            self._owned = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._connection_limit),
                timeout=self._client_timeout,
            )
        return self._owned

    async def close(self) -> None:
        """Close the HTTP session if this object created it. Safe to call twice."""
        self._closed = True
        owned, self._owned = self._owned, None
        if owned is not None:
            await owned.close()

    def url(self, path: str) -> str:
        """The full URL of ``path`` (without secret query parameters: safe to show)."""
        return f"{self.base_url}{path}"

    def redact(self, text: str) -> str:
        """``text`` with every secret replaced by ``***``.

        Secrets shorter than four characters are left alone: replacing them would mangle
        ordinary words of a message, and no real token is that short.
        """
        for secret in self._secrets:
            if len(secret) < _MIN_SECRET:
                continue
            text = text.replace(secret, "***")
        return text

    async def send(
        self,
        method: str,
        path: str,
        *,
        body: bytes | None = None,
        params: Mapping[str, str] | None = None,
        write: bool = False,
    ) -> Response:
        """One attempt, no retry. Any non-success answer is raised as an :class:`ApiError`.

        Success is 2xx except 206, which 8x8 uses for "sent, but the outcome is unknown"
        (raised as :class:`~cc_campaigns.errors.OutcomeUnknownError`).

        Raises:
            ApiError: (a subclass of) for an error answer.
            TransportError: no answer (connection failed or dropped, timeout).
        """
        url = self.url(path)
        headers = self._write_headers if write else self._read_headers
        if body is not None:
            headers = {**headers, "Content-Type": "application/json"}
        query = {**self._params, **params} if params else self._params
        started = time.perf_counter()
        try:
            async with self._http().request(
                method,
                url,
                data=body,
                headers=headers,
                params=query or None,
                timeout=self._client_timeout,
            ) as answer:
                raw = await answer.read()
                status = answer.status
                answer_headers = answer.headers
        except asyncio.TimeoutError as err:
            raise TransportError(
                f"timed out (connect {self.timeouts.connect:g}s, total {self.timeouts.total:g}s)",
                method=method,
                url=url,
            ) from err
        except aiohttp.ClientError as err:
            detail = self.redact(str(err)) or type(err).__name__
            raise TransportError(
                f"no answer: {type(err).__name__}: {detail}", method=method, url=url
            ) from err
        except RuntimeError as err:
            if self._borrowed is not None and self._borrowed.closed:
                raise CampaignsError(
                    "the aiohttp session passed to this client was closed by its owner"
                ) from err
            raise
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug(
                "%s %s -> %s (%.1f ms, %d bytes)",
                method,
                url,
                status,
                (time.perf_counter() - started) * 1000,
                len(raw),
            )
        if 200 <= status < 300 and status != 206:
            return Response(status=status, body=raw, headers=answer_headers)
        message, reason, request_id = self._error_decoder(raw)
        raise error_for(
            status,
            self.redact(message) if message else None,
            method=method,
            url=url,
            reason=reason,
            request_id=request_id,
            retry_after=parse_retry_after(answer_headers.get("Retry-After")),
        )

    async def request(
        self,
        method: str,
        path: str,
        *,
        body: bytes | None = None,
        params: Mapping[str, str] | None = None,
        write: bool = False,
        retry: bool | None = None,
    ) -> Response:
        """:meth:`send`, retried by the session's :class:`RetryPolicy`.

        ``retry=None`` (the default): a read is retried on every transient failure; a write
        only when the service said it did not act (429, 503), never after an answer that may
        hide an applied change (a timeout, a dropped connection, 502/504, 206): the bulk engine
        owns that policy. ``retry=True`` retries a write like a read (idempotent writes);
        ``retry=False`` sends once.
        """
        if retry is False:
            return await self.send(method, path, body=body, params=params, write=write)
        retry_on = is_transient if retry or not write else is_refused
        async for attempt in self.retry.retrying(retry_on):
            with attempt:
                return await self.send(method, path, body=body, params=params, write=write)
        raise AssertionError("unreachable: tenacity reraises")  # pragma: no cover
