"""The one request path: URLs, auth, timeouts, retries, error mapping and redaction.

Every provider client sends through a :class:`Session`. It owns at most one
``aiohttp.ClientSession``, created lazily inside the running loop; a session passed in by the
caller is borrowed and never closed.

The session knows no provider. What differs between APIs is passed in: the auth headers (and
query parameters), the media types, the error decoder and what else an error body says, the
success statuses that mean "sent, outcome unknown", and the answers that mean "not applied,
back off". Pure helpers live beside it: :mod:`.response` (answers and error bodies),
:mod:`.details` (what an error body adds to its error), :mod:`.urls` (base URLs, origins),
:mod:`.policy` (which failures are retried), :mod:`.limits` (timeouts, sizes),
:mod:`.redaction` (masking secrets) and :mod:`.client` (the base of every provider client).
Every name other modules import from here is re-exported below.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Collection, Mapping
from typing import Any

import aiohttp
from yarl import URL

from ..errors import (
    ApiError,
    CampaignsError,
    ConnectError,
    OutcomeUnknownError,
    RateLimitedError,
    RequestTimeoutError,
    TLSError,
    TransportError,
    UnexpectedResponseError,
    ValidationError,
    error_for,
)
from ..retry import DEFAULT_RETRY, RetryPolicy
from .client import SessionClient
from .details import ErrorDetails, attach_details
from .limits import (
    DEFAULT_CONNECTION_LIMIT,
    DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_TIMEOUTS,
    MAX_REDIRECTS,
    Timeouts,
    read_at_most,
)
from .policy import REFUSED_STATUSES, TRANSIENT_STATUSES, is_refused, is_transient
from .redaction import Redactor
from .response import (
    MAX_ERROR_BYTES,
    MAX_MESSAGE_CHARS,
    WRONG_URL_HINT,
    ErrorDecoder,
    Response,
    clip,
    decode_text_error,
    is_api_body,
    message_text,
    parse_retry_after,
    plain_excerpt,
)
from .urls import check_base_url, is_loopback_url, origin, shown

__all__ = [
    "DEFAULT_CONNECTION_LIMIT",
    "DEFAULT_MAX_RESPONSE_BYTES",
    "DEFAULT_TIMEOUTS",
    "MAX_ERROR_BYTES",
    "MAX_MESSAGE_CHARS",
    "MAX_REDIRECTS",
    "REFUSED_STATUSES",
    "TRANSIENT_STATUSES",
    "BackoffRule",
    "ErrorClassifier",
    "ErrorDecoder",
    "ErrorDetails",
    "Response",
    "Session",
    "SessionClient",
    "Timeouts",
    "check_base_url",
    "clip",
    "decode_text_error",
    "is_loopback_url",
    "is_refused",
    "is_transient",
    "message_text",
    "parse_retry_after",
    "plain_excerpt",
]

logger = logging.getLogger("cc_campaigns")

USER_AGENT = "cc-campaigns-python"

_REDIRECTS = frozenset({301, 302, 303, 307, 308})

#: 4xx statuses that mean the same whoever answers them (credentials, a proxy's login, a rate
#: limit): their body need not be the API's.
_STATUSES_THAT_SPEAK = frozenset({401, 403, 407, 429})

#: Whether an error answer (already mapped to its class) is the provider's "not applied, back
#: off" signal: it is then raised as a :class:`RateLimitedError`, which writes retry.
BackoffRule = Callable[[ApiError], bool]

#: A provider's own reading of an error answer: (status, message, reason) -> the error class,
#: or ``None`` to leave it to :func:`~cc_campaigns.errors.error_for` (status, reason, wording).
ErrorClassifier = Callable[[int, "str | None", "str | None"], "type[ApiError] | None"]

_TLS_ERRORS = (aiohttp.ClientSSLError, aiohttp.ServerFingerprintMismatch)
#: aiohttp 3.10+ tells a connect timeout (nothing was sent) from a read timeout.
_CONNECT_TIMEOUT: type[BaseException] | None = getattr(aiohttp, "ConnectionTimeoutError", None)


class Session:
    """One HTTP session, and the single path every request takes.

    Args:
        base_url: Scheme and host (and optional path prefix), validated.
        read_headers: Headers (auth) for reads.
        write_headers: Headers (auth) for writes.
        params: Query parameters sent with every request (an access key); never shown.
        secrets: Strings scrubbed from every error message and log line.
        timeouts: Connect and total timeouts per request.
        retry: Retry policy of idempotent reads.
        session: A caller's ``aiohttp.ClientSession`` to borrow (never closed here).
        connection_limit: Connector limit of a session created here.
        error_decoder: Reads (message, reason, request_id) out of an error body. The default,
            :func:`~.response.decode_text_error`, takes the body's text as the message.
        outcome_unknown: Success statuses that mean "sent, but the outcome is unknown" for
            this provider: raised as :class:`~cc_campaigns.errors.OutcomeUnknownError`
            instead of returned. None by default (every 2xx is a success).
        backoff: Says which error answers are the provider's "not applied, back off" signal
            (beyond 429): they are raised as :class:`~cc_campaigns.errors.RateLimitedError`,
            so a write is retried after them like after a 429.
        classify: The provider's own error classes, asked first for every error answer (a
            409 that means "duplicate" for one API and "wrong state" for another).
        error_details: Reads more from an error body (a support reference, field errors), set
            on the error as attributes, every text masked (see :mod:`.details`).
        content_type: ``Content-Type`` of request bodies (requests without one send none).
        accept: ``Accept`` of every request.
        max_response_bytes: Largest successful answer read into memory; a bigger one (by its
            ``Content-Length`` or while reading) is an :class:`UnexpectedResponseError`. Error
            answers are read up to 64 KiB only.
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
        error_decoder: ErrorDecoder = decode_text_error,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        outcome_unknown: Collection[int] = (),
        backoff: BackoffRule | None = None,
        classify: ErrorClassifier | None = None,
        error_details: ErrorDetails | None = None,
        content_type: str = "application/json",
        accept: str = "application/json",
    ) -> None:
        if max_response_bytes < 1:
            raise ValidationError("max_response_bytes must be a positive number of bytes")
        unknown = frozenset(outcome_unknown)
        if not all(200 <= status < 300 for status in unknown):
            raise ValidationError(
                f"outcome_unknown holds success statuses (2xx) only, got {sorted(unknown)}"
            )
        #: Success statuses that mean "sent, outcome unknown" (raised, never returned).
        self.outcome_unknown = unknown
        self._backoff = backoff
        self._classify = classify
        self._error_details = error_details
        self._body_type = {"Content-Type": content_type}
        self.base_url = base_url.rstrip("/")
        self._origin = origin(URL(self.base_url))
        self.max_response_bytes = max_response_bytes
        self._read_headers = {"User-Agent": USER_AGENT, "Accept": accept, **read_headers}
        self._write_headers = {"User-Agent": USER_AGENT, "Accept": accept, **write_headers}
        self._params = dict(params or {})
        self._redactor = Redactor(secrets)
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
        """``text`` with every secret replaced by ``***`` (see :meth:`Redactor.redact`)."""
        return self._redactor.redact(text)

    def excerpt(self, data: bytes, limit: int) -> str:
        """At most ``limit`` characters of ``data`` as text, secrets masked."""
        return self._redactor.excerpt(data, limit)

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

        Success is 2xx, except the statuses the provider declared ``outcome_unknown`` ("sent,
        but the outcome is unknown": raised as
        :class:`~cc_campaigns.errors.OutcomeUnknownError`). Redirects are handled here,
        never by aiohttp: a write follows none (any 3xx is an :class:`UnexpectedResponseError`);
        a read follows up to :data:`MAX_REDIRECTS` to the base URL's own origin (scheme, host,
        port), so credentials (headers, the access key) never go anywhere else.

        Raises:
            ApiError: (a subclass of) for an error answer; :class:`UnexpectedResponseError`
                for a redirect not followed, a 4xx without the API's error body, or a success
                bigger than ``max_response_bytes``; :class:`RateLimitedError` for a 429 or an
                answer the ``backoff`` rule accepts.
            ConnectError: the request never reached the service (refused, DNS, unreachable,
                no connection in time); :class:`TLSError` for a failed TLS handshake.
            RequestTimeoutError: no complete answer in time (the request may have applied).
            TransportError: the connection dropped after the request was sent (the same).
        """
        url = self.url(path)
        headers = self._write_headers if write else self._read_headers
        if body is not None:
            headers = {**headers, **self._body_type}
        query: Mapping[str, str] = {**self._params, **params} if params else self._params
        started = time.perf_counter()
        target = url
        hops = 0
        while True:
            status, answer_headers, raw = await self._exchange(
                method, url, target, body=body, headers=headers, query=query
            )
            if not 300 <= status < 400:
                break
            target = self._redirect(status, answer_headers, url, target, method, write, hops)
            hops += 1
            if status == 303:
                method, body = "GET", None
            # The Location carries the rest of the query; the credentials are added again.
            query = self._params
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug(
                "%s %s -> %s (%.1f ms, %d bytes%s)",
                method,
                url,
                status,
                (time.perf_counter() - started) * 1000,
                len(raw),
                f", {hops} redirects" if hops else "",
            )
        if 200 <= status < 300 and status not in self.outcome_unknown:
            return Response(
                status=status,
                body=raw,
                headers=answer_headers,
                method=method,
                url=url,
                excerpt=self.excerpt,
            )
        if 400 <= status < 500 and status not in _STATUSES_THAT_SPEAK and not is_api_body(raw):
            # A 4xx page that is not the API's (a wrong base path's 404, a proxy's HTML 413):
            # the API never saw the request, so it is no refusal of anything it holds.
            raise Response(
                status=status,
                body=raw,
                headers=answer_headers,
                method=method,
                url=url,
                excerpt=self.excerpt,
            ).unexpected(f"a {status} answer without the API's error body")
        raise self._error(status, raw, answer_headers, method, url)

    def _error(
        self, status: int, raw: bytes, headers: Mapping[str, str], method: str, url: str
    ) -> ApiError:
        """The error of an error answer (or of an outcome-unknown success), its texts masked
        and then shortened, with the provider's ``error_details`` (read once per answer)."""
        error = self._mapped(status, raw, headers, method, url)
        if self._error_details is not None:
            attach_details(error, raw, self._error_details, lambda t: clip(self.redact(t)))
        return error

    def _mapped(
        self, status: int, raw: bytes, headers: Mapping[str, str], method: str, url: str
    ) -> ApiError:
        message, reason, request_id = self._error_decoder(raw)
        details: dict[str, Any] = {
            "method": method,
            "url": url,
            "reason": clip(self.redact(reason), 100) if reason else None,
            "request_id": clip(self.redact(request_id), 100) if request_id else None,
            "retry_after": parse_retry_after(headers.get("Retry-After")),
        }
        text = clip(self.redact(message)) if message else None
        if status in self.outcome_unknown:
            return error_for(status, text, kind=OutcomeUnknownError, **details)
        kind = self._classify(status, text, details["reason"]) if self._classify else None
        error = error_for(status, text, kind=kind, **details)
        if (
            self._backoff is not None
            and not isinstance(error, RateLimitedError)
            and self._backoff(error)
        ):
            return error_for(status, text, kind=RateLimitedError, **details)
        return error

    async def _exchange(
        self,
        method: str,
        url: str,
        target: str,
        *,
        body: bytes | None,
        headers: Mapping[str, str],
        query: Mapping[str, str],
    ) -> tuple[int, Mapping[str, str], bytes]:
        """One HTTP exchange with ``target`` (``url`` is what errors show): (status, headers,
        body). A redirect's body is not read; an error's is read up to 64 KiB."""
        try:
            async with self._http().request(
                method,
                target,
                data=body,
                headers=headers,
                params=query or None,
                timeout=self._client_timeout,
                allow_redirects=False,
            ) as answer:
                status = answer.status
                if 300 <= status < 400:
                    return status, answer.headers, b""
                if 200 <= status < 300 and status not in self.outcome_unknown:
                    raw = await self._read_success(answer, method, url)
                else:
                    raw = await read_at_most(answer, MAX_ERROR_BYTES)
                return status, answer.headers, raw
        except asyncio.TimeoutError as err:  # first: aiohttp's timeouts are ClientErrors too
            if _CONNECT_TIMEOUT is not None and isinstance(err, _CONNECT_TIMEOUT):
                raise ConnectError(
                    f"could not connect in time (connect {self.timeouts.connect:g}s)",
                    method=method,
                    url=url,
                ) from err
            raise RequestTimeoutError(
                f"timed out (connect {self.timeouts.connect:g}s, total {self.timeouts.total:g}s)",
                method=method,
                url=url,
            ) from err
        except aiohttp.ClientError as err:
            detail = clip(self.redact(str(err))) or type(err).__name__
            if isinstance(err, _TLS_ERRORS):
                raise TLSError(
                    f"TLS failed (not retried: check the URL's host name and the certificates "
                    f"this machine trusts): {type(err).__name__}: {detail}",
                    method=method,
                    url=url,
                ) from err
            if isinstance(err, aiohttp.ClientConnectorError):
                raise ConnectError(
                    f"could not connect: {type(err).__name__}: {detail}", method=method, url=url
                ) from err
            raise TransportError(
                f"no answer (the connection failed after the request was sent): "
                f"{type(err).__name__}: {detail}",
                method=method,
                url=url,
            ) from err
        except RuntimeError as err:
            if self._borrowed is not None and self._borrowed.closed:
                raise CampaignsError(
                    "the aiohttp session passed to this client was closed by its owner"
                ) from err
            raise

    async def _read_success(self, answer: aiohttp.ClientResponse, method: str, url: str) -> bytes:
        """The body of a success, or :class:`UnexpectedResponseError` once it is bigger than
        ``max_response_bytes``: by its ``Content-Length`` before reading, else while reading
        (decompressed bytes count), so an oversized answer never lands in memory."""
        limit = self.max_response_bytes
        length = answer.content_length
        if length is None or length <= limit:
            raw = await read_at_most(answer, limit + 1)
            if len(raw) <= limit:
                return raw
        raise UnexpectedResponseError(
            f"not the API's answer: more than {limit} bytes (max_response_bytes); {WRONG_URL_HINT}",
            status=answer.status,
            method=method,
            url=url,
        )

    def _redirect(
        self,
        status: int,
        headers: Mapping[str, str],
        url: str,
        current: str,
        method: str,
        write: bool,
        hops: int,
    ) -> str:
        """Where a redirect of ``current`` may be followed to, or the
        :class:`UnexpectedResponseError` that says why not."""
        location = headers.get("Location")
        nxt: URL | None = None
        if location:
            try:
                nxt = URL(current).join(URL(location))
            except ValueError:
                nxt = None
        where = f"a redirect to {self.redact(shown(nxt))}" if nxt else f"HTTP {status}"
        if not location:
            where = f"a {status} redirect without a Location"
        why: str | None = None
        if write:
            why = "not followed: a write is never redirected"
        elif nxt is None or status not in _REDIRECTS:
            why = "not a redirect that can be followed"
        elif nxt.user or nxt.password or origin(nxt) != self._origin:
            why = f"not followed: credentials never leave {self.base_url}'s origin"
        elif hops >= MAX_REDIRECTS:
            why = f"not followed: more than {MAX_REDIRECTS} redirects"
        if why is not None:
            raise UnexpectedResponseError(
                f"not the API's answer: {where}, {why}; {WRONG_URL_HINT}",
                status=status,
                method=method,
                url=url,
            )
        assert nxt is not None
        secret_keys = self._params.keys()
        if secret_keys & nxt.query.keys():
            nxt = nxt.with_query([(k, v) for k, v in nxt.query.items() if k not in secret_keys])
        return str(nxt)

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
        hide an applied change (a timeout, a dropped connection, 502/504, an outcome-unknown
        success): the bulk engine
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
