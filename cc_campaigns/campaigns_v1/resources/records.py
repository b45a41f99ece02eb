"""``POST /{campaignId}/records``: add 1-100 records to a dynamic campaign, all or nothing."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ...errors import ValidationError
from ..models import MAX_RECORDS_PER_REQUEST, Record
from ..wire import record_to_wire, records_from_wire
from ._base import Resource, campaign_path

__all__ = ["Records", "check_batch"]


def check_batch(items: Iterable[Any]) -> list[dict[str, Any]]:
    """The request's ``records``, each checked as the service would (see
    :func:`~cc_campaigns.campaigns_v1.wire.record_to_wire`).

    Raises:
        ValidationError: no records or more than 100, a repeated ``crmRecordId``, or an
            invalid record (the message says which, by position).
    """
    if isinstance(items, (str, bytes)):
        raise ValidationError("records must be a list of records, not one text")
    records: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for index, item in enumerate(items):
        try:
            wire = record_to_wire(item)
        except ValidationError as err:
            raise ValidationError(f"record {index}: {err}", reason=err.reason) from None
        first = seen.setdefault(wire["crmRecordId"], index)
        if first != index:
            raise ValidationError(
                f"record {index}: crmRecordId repeats record {first}'s (the service refuses "
                "the whole batch)",
                reason="crmRecordId repeated within the request",
            )
        records.append(wire)
        if len(records) > MAX_RECORDS_PER_REQUEST:
            raise ValidationError(
                f"more than {MAX_RECORDS_PER_REQUEST} records in one request "
                "(use bulk_add for more)"
            )
    if not records:
        raise ValidationError("no records: a request holds 1 to 100")
    return records


class Records(Resource):
    """``POST /{campaignId}/records``."""

    async def add(self, campaign_id: Any, records: Iterable[Any]) -> list[Record]:
        """Add 1-100 records to a dynamic campaign, as one all-or-nothing batch.

        Args:
            campaign_id: The campaign's UUID.
            records: CRM record ids (text, or ints sent as text),
                :class:`~cc_campaigns.campaigns_v1.AddRecord` or mappings; checked here first
                (1-32 character ids, no repeats, ``scheduleAt`` with an offset, a known
                priority, a finite rank).

        Returns:
            The records as stored (server id, state PENDING, next attempt ...). The service
            answers 200 or 201 (its pages disagree); both are a success.

        Raises:
            ValidationError: refused locally, nothing sent.
            DuplicateRecordError: a record is already in the campaign (409 or 400); nothing of
                the batch was stored.
            BadRequestError: the service found a record invalid (``problem.errors`` says
                which field), or another 400.
            CampaignBusyError: the campaign is BUILDING or STARTING (retry later).
            CampaignStoppedError: it is COMPLETE or DELETED.
            CampaignNotDynamicError: it is not a dynamic campaign.
            NotFoundError, AuthenticationError: wrong campaign, site, tenant or key.
        """
        path = campaign_path(campaign_id) + "/records"
        body = {"records": check_batch(records)}
        answer = await self._send("POST", path, body)
        return self._read(answer, records_from_wire)
