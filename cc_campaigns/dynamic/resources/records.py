"""``cc.records``: add customers to a campaign, list its records, delete one by customer id (the
vendor's "Managing Campaign Records" page). Many at a time: the client's ``bulk_add`` and
``bulk_remove``."""

from __future__ import annotations

import builtins
from collections.abc import Iterable
from typing import Any, Literal

from ..._transport.resources import Resource
from ..._transport.session import Session
from ...errors import ValidationError
from ..answers import read_add_answer
from ..models import CampaignRecord, ItemResult
from ..wire import (
    customer_to_wire,
    dump_json,
    item_result_from_wire,
    parse_customer_id,
    records_from_wire,
    to_customer_item,
)
from ._args import campaign_id as _campaign_id

__all__ = ["CustomerIdFormat", "Records"]

#: The JSON type of ``customer-id`` in add requests: the guide's integer or the OpenAPI's string.
CustomerIdFormat = Literal["int", "string"]


class Records(Resource):
    """``/api/stats/campaigns/{id}/records.json`` (read) and
    ``/api/tstats/campaigns/{id}/customers[/{customerId}]`` (add, delete).

    Made by :class:`~cc_campaigns.dynamic.CampaignsClient`: the list goes through its data-token
    path, adds and deletes through the paths of the tokens chosen for them.
    """

    def __init__(
        self,
        session: Session,
        *,
        adds: Session,
        deletes: Session,
        customer_id_format: CustomerIdFormat = "int",
    ) -> None:
        super().__init__(session)
        self._adds = adds
        self._deletes = deletes
        #: ``"int"`` or ``"string"``: the JSON type of ``customer-id`` that :meth:`add` sends.
        self.customer_id_format: CustomerIdFormat = customer_id_format

    async def add(self, campaign_id: int, items: Iterable[Any]) -> builtins.list[ItemResult]:
        """Add customers in one request (``POST /api/tstats/campaigns/{id}/customers``).

        Items are ints, digit strings, :class:`CustomerItem` or mappings with ``customer_id``
        (or ``customer-id``) and an optional timezone-aware ``schedule``. Everything is validated
        before sending. For thousands or millions of customers use the client's ``bulk_add``.

        Returns:
            One :class:`ItemResult` per item, as the service listed them (HTTP 207).

        Raises:
            ValidationError: an empty list or a bad item (nothing is sent).
            UnexpectedResponseError: the answer is not one result per item sent (an HTML
                page, an empty body, ids that were not sent ...): the base URL is probably
                wrong; nothing in it counts as added.
            OutcomeUnknownError: 206, the service timed out: the items may or may not be in.
            CampaignStoppedError, CampaignNotStartedError, ...: the whole request was refused.
        """
        cid = _campaign_id(campaign_id)
        customers = []
        for index, item in enumerate(items):
            try:
                customers.append(to_customer_item(item))
            except ValidationError as err:
                raise ValidationError(f"item {index}: {err}") from None
        if not customers:
            raise ValidationError("no customers to add: the list is empty")
        as_string = self.customer_id_format == "string"
        sent = [customer_to_wire(c.customer_id, c.schedule, as_string=as_string) for c in customers]
        answer = await self._adds.request(
            "POST", f"/api/tstats/campaigns/{cid}/customers", body=dump_json(sent), write=True
        )
        read_add_answer(answer, sent)  # one result per item sent, or UnexpectedResponseError
        return [item_result_from_wire(element) for element in answer.json()]

    async def list(self, campaign_id: int) -> builtins.list[CampaignRecord]:
        """Every record of the campaign (``GET /api/stats/campaigns/{id}/records.json``)."""
        cid = _campaign_id(campaign_id)
        answer = await self._session.request("GET", f"/api/stats/campaigns/{cid}/records.json")
        return records_from_wire(answer.json())

    async def delete(self, campaign_id: int, customer_id: int | str) -> None:
        """Remove one customer (``DELETE /api/tstats/campaigns/{id}/customers/{customerId}``).

        204 and 200 are both success.

        Raises:
            NotFoundError: not in the campaign, or no longer deletable (agent connected,
                completed, already deleted) - the message says which.
        """
        cid = _campaign_id(campaign_id)
        customer = parse_customer_id(customer_id)
        await self._deletes.request(
            "DELETE", f"/api/tstats/campaigns/{cid}/customers/{customer}", write=True
        )
