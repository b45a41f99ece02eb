"""``VoipbinClient``: the VoIPbin campaign API, one resource per endpoint group.

The endpoints live in :mod:`.resources` and are reached as attributes, the preferred form::

    await vb.campaigns.get(campaign_id)          # was: await vb.get_campaign(campaign_id)
    await vb.outdials.targets.create(dial_id, "+15551234567")

The client keeps what is not one endpoint: lifetime (``async with``, :meth:`close`),
configuration and authentication, and the bulk entry points (:meth:`bulk_add_targets`). The
method names of earlier releases (``get_campaign``, ``add_target`` ...) stay, as aliases of the
resource methods (:class:`~cc_campaigns._transport.resources.Delegate`); they are not deprecated.

Everything goes through the shared transport (:mod:`cc_campaigns._transport`), like the 8x8
client: timeouts, retries of idempotent requests, the error tree, and redaction of the access
key or token.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import AsyncIterator, Callable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import aiohttp

from .._transport.resources import Delegate as _Delegate
from .._transport.session import (
    DEFAULT_CONNECTION_LIMIT,
    DEFAULT_TIMEOUTS,
    Session,
    SessionClient,
    Timeouts,
    check_base_url,
)
from ..bulk import BulkOptions, BulkReport, ItemOutcome, Progress, bulk_options, iter_bulk, run_bulk
from ..bulk.engine import DEFAULT_CONCURRENCY
from ..errors import ValidationError, WaitTimeoutError
from ..retry import DEFAULT_RETRY, RetryPolicy
from .adapters import AddTargets
from .errors import decode_voipbin_error
from .resources import Campaigns, Outdials, OutdialTargets, Outplans
from .resources._args import MAX_PAGE_SIZE as MAX_PAGE_SIZE
from .resources._args import uuid_text

# The resources' defaults, importable from here as before (the ``as`` marks a re-export).
from .resources.campaigns import DEFAULT_WAIT_INTERVAL as DEFAULT_WAIT_INTERVAL
from .resources.campaigns import DEFAULT_WAIT_TIMEOUT as DEFAULT_WAIT_TIMEOUT
from .resources.outplans import DEFAULT_DIAL_TIMEOUT_MS as DEFAULT_DIAL_TIMEOUT_MS
from .resources.outplans import DEFAULT_MAX_TRY_COUNTS as DEFAULT_MAX_TRY_COUNTS
from .resources.outplans import DEFAULT_TRY_INTERVAL_MS as DEFAULT_TRY_INTERVAL_MS

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_BULK_RATE",
    "VoipbinClient",
    "WaitTimeoutError",
    "decode_voipbin_error",
]

#: The public VoIPbin API.
DEFAULT_BASE_URL = "https://api.voipbin.net/v1.0"

#: :meth:`VoipbinClient.bulk_add_targets` defaults: just under VoIPbin's documented per-customer
#: rate (16.7 requests/s), so jitter does not tip it over.
DEFAULT_BULK_RATE = 16.5
DEFAULT_BULK_CONCURRENCY = DEFAULT_CONCURRENCY


class VoipbinClient(SessionClient):
    """Async client of the VoIPbin campaign API (campaigns, outplans, outdials, targets).

    Use it as an async context manager (or call :meth:`close`)::

        async with VoipbinClient(accesskey=os.environ["VOIPBIN_ACCESSKEY"]) as vb:
            async for campaign in vb.campaigns.list():
                print(campaign.name, campaign.status)

    The endpoints are grouped by resource: :attr:`campaigns`, :attr:`outplans`,
    :attr:`outdials` and ``outdials.targets``. The older flat names (``vb.list_campaigns()``
    ...) are aliases of those and keep working.

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

    #: ``/campaigns``: create, configure, start and stop campaigns.
    campaigns: Campaigns
    #: ``/outplans``: dialling plans.
    outplans: Outplans
    #: ``/outdials``: target lists; their targets are ``outdials.targets``.
    outdials: Outdials

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
        self.campaigns = Campaigns(self._session)
        self.outplans = Outplans(self._session)
        self.outdials = Outdials(self._session)

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

    # -- the names of earlier releases: aliases of the resource methods ------------------------

    list_campaigns = _Delegate("campaigns", Campaigns.list)
    get_campaign = _Delegate("campaigns", Campaigns.get)
    create_campaign = _Delegate("campaigns", Campaigns.create)
    update_campaign = _Delegate("campaigns", Campaigns.update)
    update_campaign_actions = _Delegate("campaigns", Campaigns.update_actions)
    update_campaign_resources = _Delegate("campaigns", Campaigns.update_resources)
    delete_campaign = _Delegate("campaigns", Campaigns.delete)
    set_campaign_status = _Delegate("campaigns", Campaigns.set_status)
    wait_for_status = _Delegate("campaigns", Campaigns.wait_for_status)

    list_outplans = _Delegate("outplans", Outplans.list)
    get_outplan = _Delegate("outplans", Outplans.get)
    create_outplan = _Delegate("outplans", Outplans.create)
    update_outplan = _Delegate("outplans", Outplans.update)
    update_outplan_dial_info = _Delegate("outplans", Outplans.update_dial_info)
    delete_outplan = _Delegate("outplans", Outplans.delete)

    list_outdials = _Delegate("outdials", Outdials.list)
    get_outdial = _Delegate("outdials", Outdials.get)
    create_outdial = _Delegate("outdials", Outdials.create)
    update_outdial = _Delegate("outdials", Outdials.update)
    delete_outdial = _Delegate("outdials", Outdials.delete)

    add_target = _Delegate("outdials.targets", OutdialTargets.create)
    list_targets = _Delegate("outdials.targets", OutdialTargets.list)
    get_target = _Delegate("outdials.targets", OutdialTargets.get)
    delete_target = _Delegate("outdials.targets", OutdialTargets.delete)

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
        oid = uuid_text(outdial_id, "outdial id")
        if rate is not None and rate < 0:
            raise ValidationError(f"rate must be >= 0 requests/s, got {rate!r}")
        cap = DEFAULT_BULK_RATE if rate is None else (rate or None)
        options.pop("batch_size", None)  # one target per request, always
        settings = bulk_options(
            self._session.retry,
            rate=cap,
            concurrency=concurrency,
            validate=validate,
            max_records=max_records,
            batch_size=1,
            **options,
        )
        adapter = AddTargets(self._session, oid, validate=validate)
        if skip_existing is None:
            skip_existing = _has_content(settings.checkpoint)
        if skip_existing and not settings.dry_run:
            await adapter.load_existing()
        return adapter, settings


def _has_content(path: str | Path | None) -> bool:
    """Whether ``path`` names a non-empty file (a checkpoint to resume from)."""
    if path is None:
        return False
    try:
        return Path(path).stat().st_size > 0
    except OSError:
        return False
