"""The JSON the simulated 8x8 tenant answers, written from the vendor's field names.

The keys are those of the reference pages' example answers (:mod:`.vendor`:
``CAMPAIGN_FIELDS`` from 8x8-campaign-status.md, ``RECORD_FIELDS`` from
8x8-campaign-records.md); nothing here uses the SDK's wire code.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .state import SimCampaign

__all__ = ["campaign_document", "format_vendor_time", "phone_number", "records_document"]


def format_vendor_time(moment: datetime) -> str:
    """UTC with milliseconds and ``Z``, as 8x8 writes it: ``2016-08-27T09:00:00.000Z``."""
    utc = moment.astimezone(timezone.utc)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def _iso_or_empty(moment: datetime | None) -> str:
    return "" if moment is None else moment.isoformat(timespec="seconds")


def phone_number(customer_id: int) -> str:
    """The simulated phone number of a customer: ``555`` then 7 digits derived from the id."""
    return f"555{customer_id % 10_000_000:07d}"


def campaign_document(campaign: SimCampaign) -> dict[str, Any]:
    """The body of ``GET /api/stats/campaigns/{id}.json``, with every vendor key."""
    start, end = campaign.schedule if campaign.schedule is not None else (None, None)
    # Keys as in vendor.CAMPAIGN_FIELDS (8x8-campaign-status.md, the example answer).
    return {
        "campaign": {
            "campaign-name": campaign.name,
            "campaign-id": campaign.campaign_id,
            "enabled": "Y" if campaign.enabled else "N",
            "status": campaign.status,
            "no-of-records": len(campaign.members),
            "caller-id": 15555550100,
            "queue-id": 100,
            "start-time": _iso_or_empty(start),
            "end-time": _iso_or_empty(end),
            "actual-run-time": _iso_or_empty(campaign.actual_run_time),
            "actual-stop-time": _iso_or_empty(campaign.actual_stop_time),
            "daily-start-time": "",
            "daily-end-time": "",
            "retry-interval": 30,
            "max-retry": 1,
            "abandon-max-retry": "",
            "max-ring-time": 15,
            "integration-type": "contactual",
            "calling-window": 2,
            "schedule-name": "",
            "timezone": "UTC",
            "dynamic-campaign": "Y" if campaign.dynamic else "N",
            "sequential": "N",
        }
    }


def records_document(campaign: SimCampaign) -> dict[str, Any]:
    """The body of ``GET /api/stats/campaigns/{id}/records.json`` (ascending record ids)."""
    name = campaign.name
    campaign_id = campaign.campaign_id
    status_of = campaign.record_status_of
    records = [
        {
            "campaign-name": name,
            "campaign-id": campaign_id,
            "record-id": rid,
            "phone-list": "*Phone Number|" + phone_number(rid),
            "status": status_of(rid),
            "status-code": 0,
            "ext-trans-data": "",
            "disposition-code": 1000,
        }
        for rid in campaign.members
    ]
    return {"records": {"record": records}}
