"""``CampaignsV1Client``: 8x8's Contact Center Campaigns API v1 (beta).

Two operations exist: ``PATCH /{campaignId}`` (the 8 lifecycle actions, :mod:`.resources.campaigns`)
and ``POST /{campaignId}/records`` (1-100 records, all or nothing, :mod:`.resources.records`).
There is no read of any kind. Many records go in through the shared bulk engine
(:meth:`CampaignsV1Client.bulk_add`, :mod:`.adapters`).

Everything goes through the shared transport: timeouts, the error tree, redaction of the API
key. Writes are never retried by the session: the bulk engine decides what is resent.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator, Mapping
from typing import Any

import aiohttp

from .._transport.resources import Delegate as _Delegate
from .._transport.session import (
    DEFAULT_CONNECTION_LIMIT,
    DEFAULT_TIMEOUTS,
    SessionClient,
    Timeouts,
    check_base_url,
)
from ..bulk import BulkOptions, BulkReport, ItemOutcome, bulk_options, iter_bulk, run_bulk
from ..errors import ValidationError
from ..retry import DEFAULT_RETRY, RetryPolicy
from ._session import v1_session
from .adapters import AddRecords
from .models import MAX_RECORDS_PER_REQUEST
from .resources import Campaigns, Records
from .sites import DEFAULT_SITE, base_url_for

__all__ = ["DEFAULT_BATCH_SIZE", "CampaignsV1Client"]

#: Records per request in :meth:`CampaignsV1Client.bulk_add` (the API's maximum).
DEFAULT_BATCH_SIZE = MAX_RECORDS_PER_REQUEST


class CampaignsV1Client(SessionClient):
    """Async client of 8x8's Contact Center Campaigns API v1 (beta)::

        async with CampaignsV1Client("US1", tenant="acme", api_key=os.environ["KEY"]) as v1:
            campaign = await v1.start(campaign_id, build_on_start=True)
            report = await v1.bulk_add(campaign_id, read_records("records.csv"))

    Args:
        site: The customer site: ``US1`` (US East), ``US2`` (US West) or ``UK3`` (UK).
        tenant: The tenant name (Configuration Manager, Home, Profile), sent as
            ``X-8x8-Tenant``. Not the site.
        api_key: An Admin Console API key with the Contact Center Campaigns product
            (``eght_...``), sent as ``X-API-Key``. Never shown.
        base_url: Another root instead of the site's (a simulator on loopback).
        session: An ``aiohttp.ClientSession`` to borrow; never closed by this client.
        timeouts: Connect and total timeouts per request.
        retry: Retry policy of a bulk job's batches (single writes are sent once).
        connection_limit: Connector limit of the session this client creates.

    Raises:
        ValidationError: an unknown site, a missing tenant or key, blanks or control
            characters in them, plain http to a non-loopback host.
    """

    #: ``PATCH /{campaignId}``: the lifecycle actions.
    campaigns: Campaigns
    #: ``POST /{campaignId}/records``.
    records: Records

    def __init__(
        self,
        site: str = DEFAULT_SITE,
        *,
        tenant: str,
        api_key: str,
        base_url: str | None = None,
        session: aiohttp.ClientSession | None = None,
        timeouts: Timeouts = DEFAULT_TIMEOUTS,
        retry: RetryPolicy = DEFAULT_RETRY,
        connection_limit: int = DEFAULT_CONNECTION_LIMIT,
    ) -> None:
        for name, value in (("tenant", tenant), ("api_key", api_key)):
            if not isinstance(value, str) or not value.strip():
                raise ValidationError(f"{name} is required")
            if value != value.strip() or not value.isprintable():
                raise ValidationError(f"{name} contains blanks or control characters")
        root = base_url_for(site) if base_url is None else check_base_url(base_url)
        self.site = site.strip().upper() if base_url is None else site
        self.tenant = tenant
        headers = {"X-API-Key": api_key, "X-8x8-Tenant": tenant}
        self._session = v1_session(
            root,
            read_headers=headers,
            write_headers=headers,
            secrets=(api_key,),
            timeouts=timeouts,
            retry=retry,
            session=session,
            connection_limit=connection_limit,
        )
        self._states: dict[str, Any] = {}
        self.campaigns = Campaigns(self._session, self._states)
        self.records = Records(self._session)

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, **overrides: Any
    ) -> CampaignsV1Client:
        """A client configured from ``CC_V1_SITE`` (default US1), ``CC_V1_TENANT``,
        ``CC_V1_API_KEY`` and ``CC_V1_BASE_URL``; keyword arguments override them."""
        env = os.environ if environ is None else environ
        options: dict[str, Any] = {
            "site": env.get("CC_V1_SITE") or DEFAULT_SITE,
            "tenant": env.get("CC_V1_TENANT") or "",
            "api_key": env.get("CC_V1_API_KEY") or "",
        }
        if env.get("CC_V1_BASE_URL"):
            options["base_url"] = env["CC_V1_BASE_URL"]
        options.update(overrides)
        return cls(**options)

    def __repr__(self) -> str:
        return f"CampaignsV1Client(base_url={self.base_url!r}, tenant={self.tenant!r})"

    # -- the flat names: aliases of the resource methods ---------------------------------------

    modify_campaign = _Delegate("campaigns", Campaigns.modify)
    build = _Delegate("campaigns", Campaigns.build)
    reset = _Delegate("campaigns", Campaigns.reset)
    start = _Delegate("campaigns", Campaigns.start)
    pause = _Delegate("campaigns", Campaigns.pause)
    resume = _Delegate("campaigns", Campaigns.resume)
    retry = _Delegate("campaigns", Campaigns.retry)
    cancel = _Delegate("campaigns", Campaigns.cancel)
    purge = _Delegate("campaigns", Campaigns.purge)
    last_state = _Delegate("campaigns", Campaigns.last_state)
    add_records = _Delegate("records", Records.add)

    # -- bulk ----------------------------------------------------------------------------------

    async def bulk_add(
        self, campaign_id: Any, source: Any, *, validate: bool = True, **options: Any
    ) -> BulkReport:
        """Stream many records into a dynamic campaign on the bulk engine: batches of up to
        100 (all or nothing each), paced, retried, checkpointed, exactly accounted.

        A refused batch is not lost: the records it names are settled (``already_present``,
        ``rejected``) and the rest resent at once; a refusal that names none is isolated by
        sending halves, so ``k`` bad records of a batch cost about ``2 * k * log2(100)``
        requests more, never one per record. After a timeout the resend decides: records the
        service then says it already holds count as applied, confirmed on retry.

        Args:
            campaign_id: The campaign's UUID.
            source: Any iterable or async iterable of CRM record ids (text, or ints sent as
                text), :class:`~cc_campaigns.campaigns_v1.AddRecord`, mappings
                (``crmRecordId``, ``scheduleAt``, ``priority``, ``rank``), or rows of
                :func:`~cc_campaigns.campaigns_v1.read_records`.
            validate: Check records as the service would first (bad ones are counted
                ``invalid`` and never cost their batch).
            options: :class:`~cc_campaigns.bulk.BulkOptions` (``batch_size`` default 100,
                ``concurrency``, ``checkpoint``, ``rejects``, ``on_progress``, ``dedupe``,
                ``max_errors``, ``max_records``, ``retry``, ``rate``, ``dry_run``, ``stop``
                ...).

        Raises:
            ValidationError: bad options, before anything is sent.
            NotFoundError, AuthenticationError, CampaignStoppedError,
            CampaignNotDynamicError: the upload stopped; ``error.report`` holds the report so
                far. A campaign BUILDING or STARTING is waited for (retried with back-off).
        """
        adapter, settings = self._records_job(campaign_id, validate=validate, **options)
        return await run_bulk(
            adapter, source, settings, connection_limit=self._session.connection_limit
        )

    async def iter_bulk_add(
        self, campaign_id: Any, source: Any, *, validate: bool = True, **options: Any
    ) -> AsyncIterator[list[ItemOutcome]]:
        """:meth:`bulk_add`, yielding each finished batch's outcomes as it completes."""
        adapter, settings = self._records_job(campaign_id, validate=validate, **options)
        batches = iter_bulk(
            adapter, source, settings, connection_limit=self._session.connection_limit
        )
        async with contextlib.aclosing(batches):  # closing this iterator stops the upload
            async for outcomes in batches:
                yield outcomes

    def _records_job(
        self, campaign_id: Any, *, validate: bool, **options: Any
    ) -> tuple[AddRecords, BulkOptions]:
        options.setdefault("batch_size", DEFAULT_BATCH_SIZE)
        settings = bulk_options(self._session.retry, validate=validate, **options)
        return AddRecords(self._session, campaign_id, validate=validate), settings
