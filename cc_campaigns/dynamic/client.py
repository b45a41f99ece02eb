"""``CampaignsClient``: the 8x8 Dynamic Campaigns API, one resource per endpoint group.

The endpoints live in :mod:`.resources` and are reached as attributes, the preferred form::

    await cc.campaigns.get(125)                  # was: await cc.get_campaign(125)
    await cc.records.add(125, [10003629])        # was: await cc.add_customers(125, [10003629])

The client keeps what is not one endpoint: lifetime (``async with``, :meth:`close`),
configuration and authentication (the two tokens, which one each write uses and the second
request path that needs), and the bulk entry points (:meth:`bulk_add`, :meth:`iter_bulk_add`,
:meth:`bulk_remove`). The method names of earlier releases (``get_campaign``, ``set_status``,
``add_customers`` ...) stay, as aliases of the resource methods
(:class:`~cc_campaigns._transport.resources.Delegate`); they are not deprecated.
"""

from __future__ import annotations

import base64
import os
from collections.abc import AsyncGenerator, Callable, Mapping
from pathlib import Path
from typing import Any, Literal, NoReturn

import aiohttp

from .._transport.resources import Delegate as _Delegate
from .._transport.session import (
    DEFAULT_CONNECTION_LIMIT,
    DEFAULT_TIMEOUTS,
    Session,
    SessionClient,
    Timeouts,
)
from ..bulk import (
    DEFAULT_BATCH_SIZE,
    DEFAULT_CONCURRENCY,
    BulkReport,
    ItemOutcome,
    Progress,
    bulk_options,
    iter_bulk,
    run_bulk,
)
from ..errors import ValidationError
from ..retry import DEFAULT_RETRY, RetryPolicy
from .adapters import AddCustomers, RemoveCustomers
from .errors import OUTCOME_UNKNOWN, decode_8x8_error, is_capacity_refusal
from .platforms import resolve_8x8_base_url
from .resources import Campaigns, Records
from .resources._args import campaign_id as _campaign_id

# Importable from here as before (the ``as`` marks a re-export).
from .resources.campaigns import StatusMethod as StatusMethod
from .resources.records import CustomerIdFormat as CustomerIdFormat

__all__ = ["WRITE_TOKEN_PRESETS", "CampaignsClient", "parse_write_token"]

#: Which token authenticates a write: the Action Request Token or the Data Request Token.
WriteToken = Literal["action", "data"]
#: The writes whose token :func:`parse_write_token` sets.
WriteOperation = Literal["status", "add", "delete"]
WRITE_OPERATIONS: tuple[WriteOperation, ...] = ("status", "add", "delete")

#: ``write_token`` by name. ``"action"``: the guide's prose ("for write APIs the Action Request
#: Token") and the OpenAPI's security scheme. ``"data"``: the Data Request Token for every
#: write. ``"guide"``: what the guide's header tables name, operation by operation: the Data
#: Request Token for status changes and deletes, the Action Request Token for adds.
WRITE_TOKEN_PRESETS: Mapping[str, Mapping[WriteOperation, WriteToken]] = {
    "action": {"status": "action", "add": "action", "delete": "action"},
    "data": {"status": "data", "add": "data", "delete": "data"},
    "guide": {"status": "data", "add": "action", "delete": "data"},
}


def parse_write_token(value: str | Mapping[str, str]) -> dict[WriteOperation, WriteToken]:
    """The token of each write, from ``write_token``: a preset name (``"action"``, ``"data"``,
    ``"guide"``), ``"status=data,delete=data"`` (operations left out keep the action token),
    or a mapping such as ``{"delete": "data"}``.

    Raises:
        ValidationError: anything else (the message names the knob, never a token).
    """
    chosen: dict[WriteOperation, WriteToken] = dict(WRITE_TOKEN_PRESETS["action"])
    if isinstance(value, str):
        text = value.strip().lower()
        if text in WRITE_TOKEN_PRESETS:
            return dict(WRITE_TOKEN_PRESETS[text])
        pairs = [part.partition("=") for part in text.split(",")]
        if not all(sep for _, sep, _ in pairs):
            _bad_write_token(value)
        items: list[tuple[Any, Any]] = [(k.strip(), v.strip()) for k, _, v in pairs]
    elif isinstance(value, Mapping):
        items = [(str(k).strip().lower(), str(v).strip().lower()) for k, v in value.items()]
    else:
        _bad_write_token(value)
    for operation, token in items:
        if operation not in WRITE_OPERATIONS or token not in ("action", "data"):
            _bad_write_token(value)
        chosen[operation] = token
    return chosen


def _bad_write_token(value: object) -> NoReturn:
    raise ValidationError(
        f"write_token must be 'action', 'data', 'guide' or OPERATION=TOKEN pairs such as "
        f"'status=data,delete=data' (operations: status, add, delete; tokens: action, data), "
        f"got {value!r}"
    )


def _basic(username: str, token: str) -> str:
    return "Basic " + base64.b64encode(f"{username}:{token}".encode()).decode("ascii")


class CampaignsClient(SessionClient):
    """Async client of the 8x8 Contact Center Dynamic Campaigns API.

    Use it as an async context manager (or call :meth:`close`)::

        async with CampaignsClient("na12", username="acme", data_token=..., action_token=...) as cc:
            campaign = await cc.campaigns.get(125)
            await cc.records.add(125, [10003629, 10003630])

    The endpoints are grouped as the vendor's guides group them: :attr:`campaigns` (status)
    and :attr:`records`. The older flat names (``cc.get_campaign()``, ``cc.add_customers()``
    ...) are aliases of those and keep working.

    Args:
        platform: The 8x8 cluster, as in the Configuration Manager URL (``na12``, ``eu5``,
            ``bc2`` ...). Case-insensitive; a trailing ``b`` is dropped.
        username: The tenant's API username.
        data_token: Data Request Token, used for reads.
        action_token: Action Request Token, used for writes (see ``write_token``). With only
            one of the two tokens given, it serves both.
        base_url: Overrides ``platform`` (simulator, proxy). Plain ``http://`` only on loopback.
        session: An ``aiohttp.ClientSession`` to borrow; it is never closed by this client.
        status_method: ``"POST"`` (the user guide) or ``"PATCH"`` (the OpenAPI). Unset (the
            default), status changes start with POST and, when the service answers 405, try
            PATCH once and keep whichever works for the client's life. Set, only that method
            is used and a 405 is an error that names this knob.
        write_token: Which token authenticates each write: ``"action"`` (default: the guide's
            prose, the OpenAPI), ``"data"`` (every write), ``"guide"`` (the guide's header
            tables: the Data Request Token for status changes and deletes, the Action Request
            Token for adds), or per operation, e.g. ``"status=data,delete=data"`` or
            ``{"delete": "data"}`` (operations: ``status``, ``add``, ``delete``). Reads always
            use the data token.
        customer_id_format: ``"int"`` (the user guide, default) or ``"string"`` (the OpenAPI):
            the JSON type of ``customer-id`` in add requests.
        timeouts: Connect and total timeouts per request.
        retry: Retry policy of reads (and of bulk batches).
        connection_limit: Connector limit of the session this client creates.

    Raises:
        ValidationError: missing credentials, an unknown platform, or plain http to a
            non-loopback host.
    """

    #: ``/api/stats/campaigns/{id}.json`` and ``/api/tstats/campaigns/{id}``: read a campaign,
    #: change its status.
    campaigns: Campaigns
    #: ``.../records.json`` and ``.../customers``: list a campaign's records, add and delete
    #: customers.
    records: Records

    def __init__(
        self,
        platform: str | None = None,
        *,
        username: str,
        data_token: str | None = None,
        action_token: str | None = None,
        base_url: str | None = None,
        session: aiohttp.ClientSession | None = None,
        status_method: StatusMethod | None = None,
        write_token: str | Mapping[str, str] = "action",
        customer_id_format: CustomerIdFormat = "int",
        timeouts: Timeouts = DEFAULT_TIMEOUTS,
        retry: RetryPolicy = DEFAULT_RETRY,
        connection_limit: int = DEFAULT_CONNECTION_LIMIT,
    ) -> None:
        if not username:
            raise ValidationError("username is required (the tenant's API username)")
        if not (data_token or action_token):
            raise ValidationError("give data_token (reads) and/or action_token (writes)")
        method = str(status_method or "POST").upper()
        if method not in ("POST", "PATCH"):
            raise ValidationError(f"status_method must be 'POST' or 'PATCH', got {status_method!r}")
        write_tokens = parse_write_token(write_token)
        if customer_id_format not in ("int", "string"):
            raise ValidationError(
                f"customer_id_format must be 'int' or 'string', got {customer_id_format!r}"
            )
        read_token = data_token or action_token or ""
        action = action_token or data_token or ""
        tokens = (read_token, action)
        self.platform = platform
        self.username = username
        #: The token of each write (``"action"`` or ``"data"``), from ``write_token``.
        self.write_tokens: Mapping[WriteOperation, WriteToken] = write_tokens
        base = resolve_8x8_base_url(platform, base_url)
        # The tokens, and the Authorization values that carry them (a proxy may echo one).
        secrets = (read_token, action, *(_basic(username, t)[6:] for t in tokens))

        def request_path(write_with: str) -> Session:
            return Session(
                base,
                read_headers={"Authorization": _basic(username, read_token)},
                write_headers={"Authorization": _basic(username, write_with)},
                secrets=secrets,
                timeouts=timeouts,
                retry=retry,
                session=session,
                connection_limit=connection_limit,
                error_decoder=decode_8x8_error,
                outcome_unknown=OUTCOME_UNKNOWN,
                backoff=is_capacity_refusal,
            )

        self._session = request_path(action)
        # Writes with the data token go through a second request path that differs only in its
        # write credentials (it borrows the caller's aiohttp session too, or owns its own).
        self._data_writes = self._session
        if "data" in write_tokens.values() and read_token != action:
            self._data_writes = request_path(read_token)
        chosen: StatusMethod = "POST" if method == "POST" else "PATCH"
        self.campaigns = Campaigns(
            self._session,
            writes=self._writer("status"),
            status_method=None if status_method is None else chosen,
        )
        self.records = Records(
            self._session,
            adds=self._writer("add"),
            deletes=self._writer("delete"),
            customer_id_format=customer_id_format,
        )

    @property
    def status_method(self) -> StatusMethod:
        """The method of status changes (``"POST"`` or ``"PATCH"``); unless set explicitly, it
        changes once if the service answers 405 and takes the other one. Settable."""
        return self.campaigns.status_method

    @status_method.setter
    def status_method(self, value: StatusMethod) -> None:
        self.campaigns.status_method = value

    @property
    def _status_method_fixed(self) -> bool:
        return self.campaigns.status_method_fixed

    @property
    def customer_id_format(self) -> CustomerIdFormat:
        """``"int"`` or ``"string"``: the JSON type of ``customer-id`` in add requests
        (:meth:`records.add <.resources.Records.add>` and the bulk adds). Settable."""
        return self.records.customer_id_format

    @customer_id_format.setter
    def customer_id_format(self, value: CustomerIdFormat) -> None:
        self.records.customer_id_format = value

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, **overrides: Any
    ) -> CampaignsClient:
        """A client configured from ``CC_PLATFORM``, ``CC_BASE_URL``, ``CC_USERNAME``,
        ``CC_DATA_TOKEN``, ``CC_ACTION_TOKEN`` and, when set, ``CC_STATUS_METHOD``,
        ``CC_WRITE_TOKEN`` and ``CC_CUSTOMER_ID_FORMAT``; keyword arguments override them."""
        env = os.environ if environ is None else environ
        options: dict[str, Any] = {
            "platform": env.get("CC_PLATFORM") or None,
            "base_url": env.get("CC_BASE_URL") or None,
            "username": env.get("CC_USERNAME", ""),
            "data_token": env.get("CC_DATA_TOKEN") or None,
            "action_token": env.get("CC_ACTION_TOKEN") or None,
        }
        for key, name in (
            ("status_method", "CC_STATUS_METHOD"),
            ("write_token", "CC_WRITE_TOKEN"),
            ("customer_id_format", "CC_CUSTOMER_ID_FORMAT"),
        ):
            if env.get(name):
                options[key] = env[name].strip()
        options.update(overrides)
        return cls(**options)

    def __repr__(self) -> str:
        tokens = ",".join(f"{op}={token}" for op, token in self.write_tokens.items())
        return (
            f"CampaignsClient(base_url={self.base_url!r}, username={self.username!r}, "
            f"status_method={self.status_method!r}, write_token={tokens!r}, "
            f"customer_id_format={self.customer_id_format!r})"
        )

    def _writer(self, operation: WriteOperation) -> Session:
        """The request path whose write credentials are those of ``operation``."""
        if self.write_tokens[operation] == "data":
            return self._data_writes
        return self._session

    async def close(self) -> None:
        """Close the HTTP sessions this client created. Safe to call twice."""
        try:
            if self._data_writes is not self._session:
                await self._data_writes.close()
        finally:
            await self._session.close()

    # -- the names of earlier releases: aliases of the resource methods ------------------------

    get_campaign = _Delegate("campaigns", Campaigns.get)
    set_status = _Delegate("campaigns", Campaigns.set_status)
    start = _Delegate("campaigns", Campaigns.start)
    pause = _Delegate("campaigns", Campaigns.pause)
    purge = _Delegate("campaigns", Campaigns.purge)
    stop = _Delegate("campaigns", Campaigns.stop)

    add_customers = _Delegate("records", Records.add)
    list_records = _Delegate("records", Records.list)
    delete_customer = _Delegate("records", Records.delete)

    # -- bulk -----------------------------------------------------------------------------

    async def bulk_add(
        self,
        campaign_id: int,
        source: Any,
        *,
        batch_size: int = DEFAULT_BATCH_SIZE,
        concurrency: int = DEFAULT_CONCURRENCY,
        max_records: int | None = None,
        validate: bool = True,
        dedupe: bool = True,
        checkpoint: str | Path | None = None,
        rejects: str | Path | None = None,
        max_errors: int | None = None,
        on_progress: Callable[[Progress], Any] | None = None,
        **options: Any,
    ) -> BulkReport:
        """Stream ``source`` into the campaign: concurrent batches, retried, adaptive, resumable.

        Args:
            source: Any iterable or async iterable of ints, digit strings,
                :class:`CustomerItem`, mappings, or rows of :func:`read_customers`. It is read
                as batches are sent, never all at once.
            batch_size: Customers per request.
            concurrency: Most requests in flight; the adaptive limit moves between 1 and this.
            max_records: Items past this many are not sent (default: 8x8's documented 5,000,000
                per upload).
            validate: Check ids and schedules (aware, not past, at most 7 days ahead) before
                sending; invalid items are counted, never sent.
            dedupe: Send each id once; repeats are counted ``duplicate_in_input``.
            checkpoint: Journal file. Rerun with the same source and checkpoint after a crash
                and only what was not confirmed is sent again.
            rejects: CSV or .jsonl file receiving every item that was not added (feedable back
                as a source).
            max_errors: Stop once more than this many items failed (invalid, rejected,
                unknown).
            on_progress: Called with a :class:`Progress` a few times a second.
            options: More :class:`~cc_campaigns.bulk.BulkOptions` (``retry``, ``rate``,
                ``total``, ``dry_run``, ``stop``, ``adaptive``, ``retry_budget``).

        Returns:
            The :class:`BulkReport`: every item in exactly one bucket.

        Raises:
            ValidationError: bad options or an unreadable source, before anything is sent.
            CampaignStoppedError, CampaignNotDynamicError, CampaignNotEnabledError,
            CampaignNotStartedError, AuthenticationError, NotFoundError: the upload stopped at
                once; ``error.report`` holds the report (the rest is ``not_sent``).
        """
        session = self._writer("add")
        adapter = AddCustomers(
            session,
            _campaign_id(campaign_id),
            as_string=self.customer_id_format == "string",
            validate=validate,
        )
        settings = bulk_options(
            session.retry,
            batch_size=batch_size,
            concurrency=concurrency,
            max_records=max_records,
            validate=validate,
            dedupe=dedupe,
            checkpoint=checkpoint,
            rejects=rejects,
            max_errors=max_errors,
            on_progress=on_progress,
            **options,
        )
        return await run_bulk(adapter, source, settings, connection_limit=session.connection_limit)

    def iter_bulk_add(
        self, campaign_id: int, source: Any, **options: Any
    ) -> AsyncGenerator[list[ItemOutcome], None]:
        """:meth:`bulk_add`, yielding each finished batch's :class:`ItemOutcome` list as it
        completes (every item, added ones too), for services that react live."""
        validate = bool(options.get("validate", True))
        session = self._writer("add")
        adapter = AddCustomers(
            session,
            _campaign_id(campaign_id),
            as_string=self.customer_id_format == "string",
            validate=validate,
        )
        settings = bulk_options(session.retry, **options)
        # The engine's own generator: closing it (break, aclose) stops the upload.
        return iter_bulk(adapter, source, settings, connection_limit=session.connection_limit)

    async def bulk_remove(
        self,
        campaign_id: int,
        source: Any,
        *,
        concurrency: int = DEFAULT_CONCURRENCY,
        checkpoint: str | Path | None = None,
        rejects: str | Path | None = None,
        max_errors: int | None = None,
        on_progress: Callable[[Progress], Any] | None = None,
        **options: Any,
    ) -> BulkReport:
        """Remove many customers: concurrent DELETEs, the same engine and report.

        In the report, ``added`` counts the customers removed and ``already_present`` those
        that were not in the campaign (a 404 in any of the vendor's wordings - "Customer not
        found.", "The customer has not been located.", "The customer-id has not been found.",
        an empty 404 - or "... because the record is deleted already."). "Customer not
        available for deletion because ..." (an agent is connected, the record is completed)
        is ``rejected`` with that reason; "Campaign not found." stops the job.
        """
        session = self._writer("delete")
        adapter = RemoveCustomers(
            session, _campaign_id(campaign_id), as_string=False, validate=True
        )
        settings = bulk_options(
            session.retry,
            concurrency=concurrency,
            checkpoint=checkpoint,
            rejects=rejects,
            max_errors=max_errors,
            on_progress=on_progress,
            **options,
        )
        return await run_bulk(adapter, source, settings, connection_limit=session.connection_limit)
