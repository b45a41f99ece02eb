"""8x8 Contact Center Dynamic Campaigns API (``https://vcc-{platform}.8x8.com/api/v1``).

The first provider: :class:`CampaignsClient` sends through the shared transport
(:mod:`cc_campaigns._transport`), its endpoints are grouped by resource as the vendor's guides
group them (:mod:`.resources`: ``cc.campaigns``, ``cc.records``), errors come from
:mod:`cc_campaigns.errors` (8x8's error bodies are read by :mod:`.errors`), models are attrs
classes (:mod:`.models`) and the JSON lives in :mod:`.wire`. Bulk adds and removes go through the
shared engine (:meth:`CampaignsClient.bulk_add`, :meth:`CampaignsClient.bulk_remove`,
:mod:`.adapters`), and :mod:`.simulator` stands in for the service.
"""

from __future__ import annotations

from .client import CampaignsClient
from .models import (
    TRANSITIONS,
    Campaign,
    CampaignRecord,
    CampaignState,
    CampaignStatus,
    CustomerItem,
    Disposition,
    ItemResult,
    Phone,
    RecordStatus,
    RecordStatusCode,
    StatusChange,
)

__all__ = [
    "TRANSITIONS",
    "Campaign",
    "CampaignRecord",
    "CampaignState",
    "CampaignStatus",
    "CampaignsClient",
    "CustomerItem",
    "Disposition",
    "ItemResult",
    "Phone",
    "RecordStatus",
    "RecordStatusCode",
    "StatusChange",
]
