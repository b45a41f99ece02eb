"""8x8 Contact Center Dynamic Campaigns API (``https://vcc-{platform}.8x8.com/api/v1``).

The first provider: :class:`CampaignsClient` sends through the shared transport, models are attrs
classes (:mod:`.models`), the JSON lives in :mod:`.wire`, bulk adds and removes go through the
shared engine (:mod:`.adapters`), and :mod:`.simulator` stands in for the service.
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
