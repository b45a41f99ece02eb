"""The Campaigns API v1 endpoints grouped by resource, reached from the client::

    async with CampaignsV1Client(tenant="acme", api_key=...) as v1:
        await v1.campaigns.start(campaign_id, build_on_start=True)
        await v1.records.add(campaign_id, ["CRM-1", "CRM-2"])

The flat names (``v1.start(...)``, ``v1.add_records(...)``) are aliases of these.
"""

from __future__ import annotations

from ._base import Resource
from .campaigns import Campaigns
from .records import Records

__all__ = ["Campaigns", "Records", "Resource"]
