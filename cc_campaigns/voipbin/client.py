"""``VoipbinClient``: one method per VoIPbin campaign endpoint, thin over the shared session.

Everything goes through the shared transport (:mod:`cc_campaigns._transport`), like the 8x8
client: timeouts, retries of idempotent requests, the error tree, and redaction of the access
key or token.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import uuid
from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote, quote_plus

import aiohttp
import orjson

from .._transport.session import (
    DEFAULT_CONNECTION_LIMIT,
    DEFAULT_TIMEOUTS,
    Session,
    SessionClient,
    Timeouts,
    check_base_url,
    message_text,
)
from ..bulk import (
    BulkOptions,
    BulkReport,
    ItemOutcome,
    Progress,
    bulk_options,
    iter_bulk,
    run_bulk,
)
from ..bulk.engine import DEFAULT_CONCURRENCY
from ..errors import CampaignsError, ValidationError
from ..retry import DEFAULT_RETRY, RetryPolicy
from .adapters import AddTargets
from .models import (
    MAX_DESTINATIONS,
    NIL_UUID,
    Address,
    Campaign,
    CampaignStatus,
    CampaignType,
    EndHandle,
    Outdial,
    OutdialTarget,
    Outplan,
)
from .wire import (
    action_to_wire,
    address_to_wire,
    answer_json,
    campaign_from_wire,
    outdial_from_wire,
    outplan_from_wire,
    page_from_wire,
    target_from_wire,
    target_to_wire,
    to_address,
)

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_BULK_RATE",
    "VoipbinClient",
    "WaitTimeoutError",
    "decode_voipbin_error",
]

T = TypeVar("T")

#: The public VoIPbin API.
DEFAULT_BASE_URL = "https://api.voipbin.net/v1.0"
#: The server's default and largest page.
MAX_PAGE_SIZE = 100
#: :meth:`VoipbinClient.wait_for_status` defaults, in seconds.
DEFAULT_WAIT_TIMEOUT = 120.0
DEFAULT_WAIT_INTERVAL = 1.0
#: Outplan defaults when creating one: 30 s ringing, 60 s between tries, one try each.
DEFAULT_DIAL_TIMEOUT_MS = 30_000
DEFAULT_TRY_INTERVAL_MS = 60_000
DEFAULT_MAX_TRY_COUNTS = (1, 1, 1, 1, 1)

#: :meth:`VoipbinClient.bulk_add_targets` defaults: just under VoIPbin's documented per-customer
#: rate (16.7 requests/s), so jitter does not tip it over.
DEFAULT_BULK_RATE = 16.5
DEFAULT_BULK_CONCURRENCY = DEFAULT_CONCURRENCY
#: "No limit" for ``max_records`` (the engine's default is 8x8's 5,000,000 per upload).
_NO_LIMIT = 2**62


class WaitTimeoutError(CampaignsError, TimeoutError):
    """:meth:`VoipbinClient.wait_for_status` gave up before the campaign reached the status."""

    def __init__(self, message: str, *, last: Campaign | None = None) -> None:
        super().__init__(message)
        #: The campaign as last seen.
        self.last = last


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


class VoipbinClient(SessionClient):
    """Async client of the VoIPbin campaign API (campaigns, outplans, outdials, targets).

    Use it as an async context manager (or call :meth:`close`)::

        async with VoipbinClient(accesskey=os.environ["VOIPBIN_ACCESSKEY"]) as vb:
            async for campaign in vb.list_campaigns():
                print(campaign.name, campaign.status)

    Args:
        accesskey: An access key (``GET /accesskeys``); sent as the ``accesskey`` query
            parameter.
        token: A JWT from ``POST /auth/login``; sent as ``Authorization: Bearer``. Give exactly
            one of ``accesskey`` and ``token``.
        base_url: The API root including ``/v1.0``. Plain ``http://`` only on loopback
            (the simulator).
        session: An ``aiohttp.ClientSession`` to borrow; it is never closed by this client.
        timeouts: Connect and total timeouts per request.
        retry: Retry policy of idempotent requests (reads, status changes and other PUTs);
            creates and deletes are sent once.
        connection_limit: Connector limit of the session this client creates.

    Raises:
        ValidationError: neither or both credentials given, or plain http to a non-loopback
            host.

    Secrets never appear in ``repr()``, in errors or in logs.
    """

    def __init__(
        self,
        *,
        accesskey: str | None = None,
        token: str | None = None,
        base_url: str = DEFAULT_BASE_URL,
        session: aiohttp.ClientSession | None = None,
        timeouts: Timeouts = DEFAULT_TIMEOUTS,
        retry: RetryPolicy = DEFAULT_RETRY,
        connection_limit: int = DEFAULT_CONNECTION_LIMIT,
    ) -> None:
        if not accesskey and not token:
            raise ValidationError(
                "give accesskey= (an access key from GET /accesskeys) or token= (a JWT from "
                "POST /auth/login)"
            )
        if accesskey and token:
            raise ValidationError("give accesskey= or token=, not both")
        secret = accesskey or token or ""
        if secret != secret.strip() or not secret.isprintable():
            raise ValidationError("the access key or token contains blanks or control characters")
        headers: dict[str, str] = {}
        params: dict[str, str] = {}
        if accesskey:
            params["accesskey"] = accesskey
            self.auth = "accesskey"
        else:
            headers["Authorization"] = f"Bearer {token}"
            self.auth = "token"
        self._session = Session(
            check_base_url(base_url),
            read_headers=headers,
            write_headers=headers,
            params=params,
            # The key may show up URL-encoded in a transport error's text.
            secrets=(secret, quote(secret, safe=""), quote_plus(secret)),
            timeouts=timeouts,
            retry=retry,
            session=session,
            connection_limit=connection_limit,
            error_decoder=decode_voipbin_error,
        )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> VoipbinClient:
        """A client configured from ``VOIPBIN_ACCESSKEY`` or ``VOIPBIN_TOKEN`` and
        ``VOIPBIN_BASE_URL``; keyword arguments override them."""
        env = os.environ if environ is None else environ
        options: dict[str, Any] = {
            "accesskey": env.get("VOIPBIN_ACCESSKEY") or None,
            "token": env.get("VOIPBIN_TOKEN") or None,
        }
        if env.get("VOIPBIN_BASE_URL"):
            options["base_url"] = env["VOIPBIN_BASE_URL"]
        options.update(overrides)
        return cls(**options)

    def __repr__(self) -> str:
        return f"VoipbinClient(base_url={self.base_url!r}, auth={self.auth!r})"

    # -- plumbing ------------------------------------------------------------------------------

    async def _call(
        self,
        method: str,
        path: str,
        *,
        body: Mapping[str, Any] | None = None,
        retry: bool | None = None,
    ) -> Any:
        payload = orjson.dumps(body) if body is not None else None
        answer = await self._session.request(
            method, path, body=payload, write=method != "GET", retry=retry
        )
        return answer_json(answer, method, self._session.url(path))

    def _pages(self, path: str, page_size: int, read: Callable[[Any], T]) -> AsyncIterator[T]:
        size = _page_size(page_size)

        async def items() -> AsyncIterator[T]:
            token: str | None = None
            seen: set[str] = set()
            while True:
                params = {"page_size": str(size)}
                if token:
                    params["page_token"] = token
                answer = await self._session.request("GET", path, params=params)
                result, token = page_from_wire(answer_json(answer, "GET", self._session.url(path)))
                for item in result:
                    yield read(item)
                if not result or not token:
                    return
                if token in seen:
                    raise CampaignsError(
                        f"the server sent page token {token!r} twice for {path}; stopping"
                    )
                seen.add(token)

        return items()

    # -- campaigns -----------------------------------------------------------------------------

    def list_campaigns(self, page_size: int = MAX_PAGE_SIZE) -> AsyncIterator[Campaign]:
        """Every campaign, newest first, fetched a page at a time (``GET /campaigns``).

        Use it with ``async for``. Pages are fetched as the iteration needs them; reads are
        retried on 429/5xx.

        Args:
            page_size: Items per request, 1 to 100.

        Raises:
            ValidationError: ``page_size`` out of range (at once, before iterating).
            ApiError: while iterating, as any read.
        """
        return self._pages("/campaigns", page_size, campaign_from_wire)

    async def get_campaign(self, campaign_id: str | uuid.UUID) -> Campaign:
        """One campaign (``GET /campaigns/{id}``).

        Raises:
            ValidationError: ``campaign_id`` is not a UUID.
            NotFoundError: no such campaign.
            AuthenticationError: wrong access key or token.
        """
        cid = _uuid(campaign_id, "campaign id")
        return campaign_from_wire(await self._call("GET", f"/campaigns/{cid}"))

    async def create_campaign(
        self,
        name: str,
        *,
        type: CampaignType | str = CampaignType.CALL,
        detail: str = "",
        service_level: int = 100,
        end_handle: EndHandle | str = EndHandle.STOP,
        actions: Iterable[Mapping[str, Any]] = (),
        outplan_id: str | uuid.UUID | None = None,
        outdial_id: str | uuid.UUID | None = None,
        queue_id: str | uuid.UUID | None = None,
        next_campaign_id: str | uuid.UUID | None = None,
    ) -> Campaign:
        """Create a campaign (``POST /campaigns``). It starts in ``stop``.

        Args:
            name: A human-readable name.
            type: ``"call"`` (a voice call per target) or ``"flow"``.
            detail: A description.
            service_level: Percentage steering how many calls are made per available agent.
            end_handle: ``"stop"`` or ``"continue"`` once every target has been tried.
            actions: Flow actions run when a target answers, e.g.
                ``[{"type": "talk", "option": {"text": "Hello", "language": "en-US"}}]``.
            outplan_id: The dialling plan. ``outdial_id``: the targets. ``queue_id``: where
                answered calls go. ``next_campaign_id``: the campaign chained after this one.
                ``None`` for "not assigned".

        Returns:
            The new campaign, as the server answered.

        Raises:
            ValidationError: a bad enum value, id or action (nothing sent).
            NotFoundError, BadRequestError: refused by the server.
        """
        body = {
            "name": _text(name, "name"),
            "detail": _text(detail, "detail"),
            "type": _choice(type, CampaignType, "type"),
            "service_level": _int(service_level, "service_level", 0),
            "end_handle": _choice(end_handle, EndHandle, "end_handle"),
            "actions": [action_to_wire(a) for a in actions],
            "outplan_id": _ref(outplan_id, "outplan_id"),
            "outdial_id": _ref(outdial_id, "outdial_id"),
            "queue_id": _ref(queue_id, "queue_id"),
            "next_campaign_id": _ref(next_campaign_id, "next_campaign_id"),
        }
        return campaign_from_wire(await self._call("POST", "/campaigns", body=body))

    async def update_campaign(
        self,
        campaign_id: str | uuid.UUID,
        *,
        name: str | None = None,
        detail: str | None = None,
        type: CampaignType | str | None = None,
        service_level: int | None = None,
        end_handle: EndHandle | str | None = None,
    ) -> Campaign:
        """Change a campaign's basic settings (``PUT /campaigns/{id}``).

        The endpoint replaces all five settings; the ones you leave out keep their current
        value (the campaign is read first when any is left out).

        Returns:
            The updated campaign.

        Raises:
            ValidationError: a bad value (nothing sent).
            NotFoundError: no such campaign.
        """
        cid = _uuid(campaign_id, "campaign id")
        # What the caller gives is checked; what is kept is sent back as the server sent it.
        given: dict[str, Any] = {}
        if name is not None:
            given["name"] = _text(name, "name")
        if detail is not None:
            given["detail"] = _text(detail, "detail")
        if type is not None:
            given["type"] = _choice(type, CampaignType, "type")
        if service_level is not None:
            given["service_level"] = _int(service_level, "service_level", 0)
        if end_handle is not None:
            given["end_handle"] = _choice(end_handle, EndHandle, "end_handle")
        body = given
        if len(given) < 5:
            current = await self.get_campaign(cid)
            body = {
                "name": current.name or "",
                "detail": current.detail or "",
                "type": _wire_text(current.type, CampaignType.CALL),
                "service_level": current.service_level or 0,
                "end_handle": _wire_text(current.end_handle, EndHandle.STOP),
                **given,
            }
        return campaign_from_wire(
            await self._call("PUT", f"/campaigns/{cid}", body=body, retry=True)
        )

    async def update_campaign_actions(
        self, campaign_id: str | uuid.UUID, actions: Iterable[Mapping[str, Any]]
    ) -> Campaign:
        """Replace the flow actions run when a target answers (``PUT /campaigns/{id}/actions``).

        Raises:
            ValidationError: an action without a ``type``.
            NotFoundError: no such campaign.
        """
        cid = _uuid(campaign_id, "campaign id")
        body = {"actions": [action_to_wire(a) for a in actions]}
        return campaign_from_wire(
            await self._call("PUT", f"/campaigns/{cid}/actions", body=body, retry=True)
        )

    async def update_campaign_resources(
        self,
        campaign_id: str | uuid.UUID,
        *,
        outplan_id: str | uuid.UUID | None = None,
        outdial_id: str | uuid.UUID | None = None,
        queue_id: str | uuid.UUID | None = None,
        next_campaign_id: str | uuid.UUID | None = None,
    ) -> Campaign:
        """Point a campaign at other resources (``PUT /campaigns/{id}/resource_info``).

        Ids left out (``None``) keep their current value; pass
        :data:`~cc_campaigns.voipbin.NIL_UUID` to clear one.

        Raises:
            ValidationError: an id that is not a UUID.
            NotFoundError: no such campaign.
        """
        cid = _uuid(campaign_id, "campaign id")
        given = {
            "outplan_id": outplan_id,
            "outdial_id": outdial_id,
            "queue_id": queue_id,
            "next_campaign_id": next_campaign_id,
        }
        if any(v is None for v in given.values()):
            current = await self.get_campaign(cid)
            for key, value in given.items():
                if value is None:
                    given[key] = getattr(current, key)
        body = {key: _ref(value, key) for key, value in given.items()}
        return campaign_from_wire(
            await self._call("PUT", f"/campaigns/{cid}/resource_info", body=body, retry=True)
        )

    async def delete_campaign(self, campaign_id: str | uuid.UUID) -> None:
        """Delete a campaign (``DELETE /campaigns/{id}``). Sent once, never retried.

        Raises:
            NotFoundError: no such campaign (or already deleted).
            InvalidTransitionError: the campaign is running; stop it first.
        """
        cid = _uuid(campaign_id, "campaign id")
        await self._call("DELETE", f"/campaigns/{cid}")

    async def set_campaign_status(
        self, campaign_id: str | uuid.UUID, status: CampaignStatus | str
    ) -> Campaign:
        """Start or stop a campaign (``PUT /campaigns/{id}/status``).

        Both changes are idempotent, so the request is retried like a read. Stopping goes
        through ``stopping`` while calls are ended; see :meth:`wait_for_status`.

        Args:
            status: ``"run"`` or ``"stop"``.

        Returns:
            The campaign as the server answered (``run``, ``stopping`` or ``stop``).

        Raises:
            ValidationError: any other status (``stopping`` is set by the server only).
            InvalidTransitionError: the server refused the change (``STATE_INVALID``).
            NotFoundError: no such campaign.
        """
        cid = _uuid(campaign_id, "campaign id")
        wanted = _status(status)
        if wanted is CampaignStatus.STOPPING:
            raise ValidationError("'stopping' is set by the server; ask for 'stop'")
        body = {"status": wanted.value}
        return campaign_from_wire(
            await self._call("PUT", f"/campaigns/{cid}/status", body=body, retry=True)
        )

    async def wait_for_status(
        self,
        campaign_id: str | uuid.UUID,
        status: CampaignStatus | str,
        *,
        timeout: float = DEFAULT_WAIT_TIMEOUT,
        interval: float = DEFAULT_WAIT_INTERVAL,
    ) -> Campaign:
        """Poll the campaign until it has ``status`` (``stopping`` is ridden through to
        ``stop``).

        Args:
            status: The status to wait for, e.g. ``"stop"``.
            timeout: Give up after this many seconds (at least one poll is always made).
            interval: Seconds between polls.

        Returns:
            The campaign once it has ``status``.

        Raises:
            WaitTimeoutError: ``timeout`` passed first; ``.last`` is the campaign as last seen.
            NotFoundError: the campaign does not exist (or was deleted meanwhile).
        """
        cid = _uuid(campaign_id, "campaign id")
        wanted = _status(status)
        if timeout < 0 or interval < 0:
            raise ValidationError("timeout and interval must not be negative")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            campaign = await self.get_campaign(cid)
            if campaign.status == wanted:
                return campaign
            remaining = deadline - loop.time()
            if remaining <= 0:
                shown = getattr(campaign.status, "value", campaign.status)
                raise WaitTimeoutError(
                    f"campaign {cid} is still {shown!s} after {timeout:g}s "
                    f"(waiting for {wanted.value})",
                    last=campaign,
                )
            await asyncio.sleep(min(interval, remaining))

    # -- outplans ------------------------------------------------------------------------------

    def list_outplans(self, page_size: int = MAX_PAGE_SIZE) -> AsyncIterator[Outplan]:
        """Every outplan, newest first (``GET /outplans``), a page at a time.

        Raises:
            ValidationError: ``page_size`` not in 1..100.
        """
        return self._pages("/outplans", page_size, outplan_from_wire)

    async def get_outplan(self, outplan_id: str | uuid.UUID) -> Outplan:
        """One outplan (``GET /outplans/{id}``).

        Raises:
            NotFoundError: no such outplan.
        """
        oid = _uuid(outplan_id, "outplan id")
        return outplan_from_wire(await self._call("GET", f"/outplans/{oid}"))

    async def create_outplan(
        self,
        name: str,
        *,
        detail: str = "",
        source: Address | str | None = None,
        dial_timeout: int = DEFAULT_DIAL_TIMEOUT_MS,
        try_interval: int = DEFAULT_TRY_INTERVAL_MS,
        max_try_counts: Sequence[int] = DEFAULT_MAX_TRY_COUNTS,
    ) -> Outplan:
        """Create a dialling plan (``POST /outplans``).

        Args:
            name: A human-readable name.
            detail: A description.
            source: The caller id: an E.164 number or an :class:`Address`.
            dial_timeout: Milliseconds a call rings before it counts as unanswered.
            try_interval: Milliseconds between two tries of a target.
            max_try_counts: Most tries of ``destination_0`` .. ``destination_4`` (up to five
                numbers; missing ones are 0).

        Raises:
            ValidationError: a bad number or caller id (nothing sent).
        """
        body: dict[str, Any] = {
            "name": _text(name, "name"),
            "detail": _text(detail, "detail"),
            "source": None,
        }
        body.update(_dial_info(source, dial_timeout, try_interval, max_try_counts))
        return outplan_from_wire(await self._call("POST", "/outplans", body=body))

    async def update_outplan(
        self,
        outplan_id: str | uuid.UUID,
        *,
        name: str | None = None,
        detail: str | None = None,
    ) -> Outplan:
        """Rename or re-describe an outplan (``PUT /outplans/{id}``); what is left out is kept.

        Raises:
            NotFoundError: no such outplan.
        """
        oid = _uuid(outplan_id, "outplan id")
        if name is None or detail is None:
            current = await self.get_outplan(oid)
            name = current.name or "" if name is None else name
            detail = current.detail or "" if detail is None else detail
        body = {"name": _text(name, "name"), "detail": _text(detail, "detail")}
        return outplan_from_wire(await self._call("PUT", f"/outplans/{oid}", body=body, retry=True))

    async def update_outplan_dial_info(
        self,
        outplan_id: str | uuid.UUID,
        *,
        source: Address | str | None = None,
        dial_timeout: int | None = None,
        try_interval: int | None = None,
        max_try_counts: Sequence[int] | None = None,
    ) -> Outplan:
        """Change an outplan's dialling settings (``PUT /outplans/{id}/dial_info``); what is left
        out is kept.

        Raises:
            ValidationError: a bad number or caller id (nothing sent).
            NotFoundError: no such outplan.
        """
        oid = _uuid(outplan_id, "outplan id")
        given = _dial_info(source, dial_timeout, try_interval, max_try_counts)
        body = given
        if None in (source, dial_timeout, try_interval, max_try_counts):
            current = await self.get_outplan(oid)
            kept = {
                "source": address_to_wire(current.source) if current.source else None,
                "dial_timeout": current.dial_timeout or 0,
                "try_interval": current.try_interval or 0,
            }
            kept.update({f"max_try_count_{i}": n for i, n in enumerate(current.max_try_counts)})
            body = {**kept, **given}
        return outplan_from_wire(
            await self._call("PUT", f"/outplans/{oid}/dial_info", body=body, retry=True)
        )

    async def delete_outplan(self, outplan_id: str | uuid.UUID) -> None:
        """Delete an outplan (``DELETE /outplans/{id}``).

        Raises:
            NotFoundError: no such outplan.
        """
        oid = _uuid(outplan_id, "outplan id")
        await self._call("DELETE", f"/outplans/{oid}")

    # -- outdials ------------------------------------------------------------------------------

    def list_outdials(self, page_size: int = MAX_PAGE_SIZE) -> AsyncIterator[Outdial]:
        """Every outdial, newest first (``GET /outdials``), a page at a time.

        Raises:
            ValidationError: ``page_size`` not in 1..100.
        """
        return self._pages("/outdials", page_size, outdial_from_wire)

    async def get_outdial(self, outdial_id: str | uuid.UUID) -> Outdial:
        """One outdial (``GET /outdials/{id}``).

        Raises:
            NotFoundError: no such outdial.
        """
        oid = _uuid(outdial_id, "outdial id")
        return outdial_from_wire(await self._call("GET", f"/outdials/{oid}"))

    async def create_outdial(
        self,
        name: str,
        *,
        detail: str = "",
        data: str | Mapping[str, Any] = "",
        campaign_id: str | uuid.UUID | None = None,
    ) -> Outdial:
        """Create a target list (``POST /outdials``).

        Args:
            name: A human-readable name.
            detail: A description.
            data: Free text kept with the outdial (a mapping is sent as JSON text).
            campaign_id: The campaign it belongs to, if any.
        """
        body = {
            "campaign_id": _ref(campaign_id, "campaign_id"),
            "name": _text(name, "name"),
            "detail": _text(detail, "detail"),
            "data": _data(data),
        }
        return outdial_from_wire(await self._call("POST", "/outdials", body=body))

    async def update_outdial(
        self,
        outdial_id: str | uuid.UUID,
        *,
        name: str | None = None,
        detail: str | None = None,
    ) -> Outdial:
        """Rename or re-describe an outdial (``PUT /outdials/{id}``); what is left out is kept.

        Raises:
            NotFoundError: no such outdial.
        """
        oid = _uuid(outdial_id, "outdial id")
        if name is None or detail is None:
            current = await self.get_outdial(oid)
            name = current.name or "" if name is None else name
            detail = current.detail or "" if detail is None else detail
        body = {"name": _text(name, "name"), "detail": _text(detail, "detail")}
        return outdial_from_wire(await self._call("PUT", f"/outdials/{oid}", body=body, retry=True))

    async def delete_outdial(self, outdial_id: str | uuid.UUID) -> None:
        """Delete an outdial and its targets (``DELETE /outdials/{id}``).

        Raises:
            NotFoundError: no such outdial.
            InvalidTransitionError: a running campaign uses it.
        """
        oid = _uuid(outdial_id, "outdial id")
        await self._call("DELETE", f"/outdials/{oid}")

    # -- outdial targets -----------------------------------------------------------------------

    async def add_target(
        self,
        outdial_id: str | uuid.UUID,
        destination: str | Address | Mapping[str, Any],
        *,
        name: str | None = None,
        detail: str | None = None,
        data: str | Mapping[str, Any] | None = None,
        destinations: Iterable[str | Address | Mapping[str, Any]] = (),
    ) -> OutdialTarget:
        """Add one target to an outdial (``POST /outdials/{id}/targets``).

        VoIPbin has no bulk endpoint: one request per target. For many targets use
        :meth:`bulk_add_targets`. Sent once, never retried (a retry could add it twice).

        Args:
            destination: The first number to dial: E.164 text (``"+15551234567"``; spaces,
                dashes and parentheses are removed) or an :class:`Address` (SIP, agent ...).
            name: The target's name (e.g. the customer's).
            detail: A description.
            data: Free text kept with the target (a mapping is sent as JSON text).
            destinations: Up to four more destinations, dialled in order after the first.

        Returns:
            The new target.

        Raises:
            ValidationError: a number that is not E.164, or more than five destinations
                (nothing sent).
            NotFoundError: no such outdial.
            InvalidTransitionError: a running campaign uses this outdial; stop it first.
        """
        oid = _uuid(outdial_id, "outdial id")
        addresses = [to_address(destination), *(to_address(d) for d in destinations)]
        if len(addresses) > MAX_DESTINATIONS:
            raise ValidationError(
                f"a target has at most {MAX_DESTINATIONS} destinations, got {len(addresses)}"
            )
        body = target_to_wire(
            addresses,
            name=_text(name or "", "name"),
            detail=_text(detail or "", "detail"),
            data=_data(data or ""),
        )
        return target_from_wire(await self._call("POST", f"/outdials/{oid}/targets", body=body))

    def list_targets(
        self, outdial_id: str | uuid.UUID, page_size: int = MAX_PAGE_SIZE
    ) -> AsyncIterator[OutdialTarget]:
        """Every target of an outdial, newest first (``GET /outdials/{id}/targets``).

        Raises:
            ValidationError: a bad id or ``page_size`` (at once).
            NotFoundError: while iterating, no such outdial.
        """
        oid = _uuid(outdial_id, "outdial id")
        return self._pages(f"/outdials/{oid}/targets", page_size, target_from_wire)

    async def get_target(
        self, outdial_id: str | uuid.UUID, target_id: str | uuid.UUID
    ) -> OutdialTarget:
        """One target (``GET /outdials/{id}/targets/{target_id}``).

        Raises:
            NotFoundError: no such outdial or target.
        """
        oid = _uuid(outdial_id, "outdial id")
        tid = _uuid(target_id, "target id")
        return target_from_wire(await self._call("GET", f"/outdials/{oid}/targets/{tid}"))

    async def delete_target(self, outdial_id: str | uuid.UUID, target_id: str | uuid.UUID) -> None:
        """Remove one target (``DELETE /outdials/{id}/targets/{target_id}``).

        Raises:
            NotFoundError: no such outdial or target.
            InvalidTransitionError: a running campaign uses this outdial; stop it first.
        """
        oid = _uuid(outdial_id, "outdial id")
        tid = _uuid(target_id, "target id")
        await self._call("DELETE", f"/outdials/{oid}/targets/{tid}")

    # -- bulk ----------------------------------------------------------------------------------

    async def bulk_add_targets(
        self,
        outdial_id: str | uuid.UUID,
        source: Any,
        *,
        rate: float | None = None,
        concurrency: int = DEFAULT_BULK_CONCURRENCY,
        checkpoint: str | Path | None = None,
        rejects: str | Path | None = None,
        on_progress: Callable[[Progress], Any] | None = None,
        validate: bool = True,
        dedupe: bool = True,
        skip_existing: bool | None = None,
        max_errors: int | None = None,
        max_records: int | None = None,
        **options: Any,
    ) -> BulkReport:
        """Stream many targets into an outdial on the bulk engine: one ``POST`` per target
        (VoIPbin has no bulk endpoint), paced, retried, checkpointed, exactly accounted.

        Args:
            source: Any iterable or async iterable of phone numbers (``"+15551234567"``),
                :class:`Address`, mappings (``destination``, ``name``, ``detail``, ``data``,
                ``destinations`` or ``destination_1`` .. ``destination_4``), or rows of
                :func:`~cc_campaigns.voipbin.read_targets`. Read as requests are sent.
            rate: Requests per second, a token bucket. ``None``: just under VoIPbin's
                documented per-customer limit (:data:`DEFAULT_BULK_RATE`, 16.5/s for 16.7/s);
                ``0``: no fixed cap (the engine still slows down on 429 and honours
                ``Retry-After``).
            concurrency: Most requests in flight; the adaptive limit moves between 1 and this.
            checkpoint: Journal file: rerun with the same source and checkpoint to resume.
            rejects: CSV or .jsonl file receiving every target that was not added.
            on_progress: Called with a :class:`~cc_campaigns.bulk.Progress` a few times a
                second.
            validate: Check and normalise E.164 numbers first; invalid items are counted
                ``invalid``, never sent.
            dedupe: Send each first destination once; repeats are ``duplicate_in_input``.
            skip_existing: List the outdial's targets first and do not send destinations
                already there (``already_present``). Default: only when resuming from an
                existing checkpoint (a crashed run may have added targets it did not record).
            max_errors: Stop once more than this many items failed.
            max_records: Items past this many are not sent (default: no limit).
            options: More :class:`~cc_campaigns.bulk.BulkOptions` (``retry``, ``total``,
                ``dry_run``, ``stop``, ``adaptive``, ``retry_budget``).

        Returns:
            The :class:`~cc_campaigns.bulk.BulkReport` (``campaign_id`` is the outdial id).
            A target whose first send timed out is looked up before it is resent: found, it
            counts as added (``confirmed_on_retry``), so no duplicate is created.

        Raises:
            ValidationError: bad options or an unreadable source, before anything is sent.
            InvalidTransitionError: a running campaign uses the outdial (``STATE_INVALID``);
                ``error.report`` holds the report so far (the rest is ``not_sent``).
            NotFoundError: no such outdial (``error.report`` as above).
            AuthenticationError: wrong access key or token.
        """
        adapter, settings = await self._targets_job(
            outdial_id,
            rate=rate,
            concurrency=concurrency,
            checkpoint=checkpoint,
            rejects=rejects,
            on_progress=on_progress,
            validate=validate,
            dedupe=dedupe,
            skip_existing=skip_existing,
            max_errors=max_errors,
            max_records=max_records,
            **options,
        )
        return await run_bulk(
            adapter, source, settings, connection_limit=self._session.connection_limit
        )

    async def iter_bulk_add_targets(
        self, outdial_id: str | uuid.UUID, source: Any, **options: Any
    ) -> AsyncIterator[list[ItemOutcome]]:
        """:meth:`bulk_add_targets`, yielding each finished target's
        :class:`~cc_campaigns.bulk.ItemOutcome` (in lists) as it completes."""
        adapter, settings = await self._targets_job(outdial_id, **options)
        batches = iter_bulk(
            adapter, source, settings, connection_limit=self._session.connection_limit
        )
        async with contextlib.aclosing(batches):  # closing this iterator stops the upload
            async for outcomes in batches:
                yield outcomes

    async def _targets_job(
        self,
        outdial_id: str | uuid.UUID,
        *,
        rate: float | None = None,
        concurrency: int = DEFAULT_BULK_CONCURRENCY,
        validate: bool = True,
        skip_existing: bool | None = None,
        max_records: int | None = None,
        **options: Any,
    ) -> tuple[AddTargets, BulkOptions]:
        oid = _uuid(outdial_id, "outdial id")
        if rate is not None and rate < 0:
            raise ValidationError(f"rate must be >= 0 requests/s, got {rate!r}")
        cap = DEFAULT_BULK_RATE if rate is None else (rate or None)
        options.pop("batch_size", None)  # one target per request, always
        settings = bulk_options(
            self._session.retry,
            rate=cap,
            concurrency=concurrency,
            validate=validate,
            max_records=max_records or _NO_LIMIT,
            batch_size=1,
            **options,
        )
        adapter = AddTargets(self._session, oid, validate=validate)
        if skip_existing is None:
            skip_existing = _has_content(settings.checkpoint)
        if skip_existing and not settings.dry_run:
            await adapter.load_existing()
        return adapter, settings


# -- argument checks ---------------------------------------------------------------------------


def _has_content(path: str | Path | None) -> bool:
    """Whether ``path`` names a non-empty file (a checkpoint to resume from)."""
    if path is None:
        return False
    try:
        return Path(path).stat().st_size > 0
    except OSError:
        return False


def _uuid(value: Any, what: str) -> str:
    if isinstance(value, uuid.UUID):
        parsed = value
    elif isinstance(value, str):
        try:
            parsed = uuid.UUID(value.strip())
        except ValueError:
            raise ValidationError(f"{what} must be a UUID, got {value!r}") from None
    else:
        raise ValidationError(f"{what} must be a UUID, got {type(value).__name__} {value!r}")
    if parsed.int == 0:
        raise ValidationError(f"{what} must not be the nil UUID")
    return str(parsed)


def _ref(value: Any, what: str) -> str:
    """A reference to another resource; ``None`` or the nil UUID mean "not assigned"."""
    if value is None or (isinstance(value, str) and value.strip() in ("", NIL_UUID)):
        return NIL_UUID
    if isinstance(value, uuid.UUID) and value.int == 0:
        return NIL_UUID
    return _uuid(value, what)


def _text(value: Any, what: str) -> str:
    if not isinstance(value, str):
        raise ValidationError(f"{what} must be text, got {type(value).__name__} {value!r:.50}")
    return value


def _int(value: Any, what: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(f"{what} must be an integer, got {value!r}")
    if value < minimum:
        raise ValidationError(f"{what} must be >= {minimum}, got {value}")
    return value


def _choice(value: Any, enum_cls: type[CampaignType] | type[EndHandle], what: str) -> str:
    try:
        return str(enum_cls(str(getattr(value, "value", value)).strip().lower()).value)
    except ValueError:
        names = ", ".join(repr(e.value) for e in enum_cls)
        raise ValidationError(f"{what} must be one of {names}, got {value!r}") from None


def _status(value: CampaignStatus | str) -> CampaignStatus:
    try:
        return CampaignStatus(str(getattr(value, "value", value)).strip().lower())
    except ValueError:
        names = ", ".join(repr(s.value) for s in CampaignStatus)
        raise ValidationError(f"status must be one of {names}, got {value!r}") from None


def _data(value: str | Mapping[str, Any]) -> str:
    if isinstance(value, Mapping):
        return orjson.dumps(value).decode()
    return _text(value, "data")


def _page_size(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_PAGE_SIZE:
        raise ValidationError(
            f"page_size must be an integer from 1 to {MAX_PAGE_SIZE}, got {value!r}"
        )
    return value


def _dial_info(
    source: Address | str | None,
    dial_timeout: int | None,
    try_interval: int | None,
    max_try_counts: Sequence[int] | None,
) -> dict[str, Any]:
    """The dial settings that are given (not ``None``), checked, with their wire names."""
    body: dict[str, Any] = {}
    if source is not None:
        body["source"] = address_to_wire(to_address(source))
    if dial_timeout is not None:
        body["dial_timeout"] = _int(dial_timeout, "dial_timeout", 0)
    if try_interval is not None:
        body["try_interval"] = _int(try_interval, "try_interval", 0)
    if max_try_counts is not None:
        counts = list(max_try_counts)
        if len(counts) > MAX_DESTINATIONS:
            raise ValidationError(
                f"max_try_counts has one number per destination (at most {MAX_DESTINATIONS})"
            )
        counts += [0] * (MAX_DESTINATIONS - len(counts))
        for index, count in enumerate(counts):
            body[f"max_try_count_{index}"] = _int(count, f"max_try_counts[{index}]", 0)
    return body


def _wire_text(value: Any, default: Any) -> str:
    """An enum value as read back (a value unknown to this SDK is sent back unchanged)."""
    value = value if value is not None else default
    return str(getattr(value, "value", value))
