"""The 8x8 Dynamic Campaigns endpoints grouped as the vendor's guides group them, reached from
the client (openai-python style)::

    async with CampaignsClient("na12", username=..., data_token=..., action_token=...) as cc:
        campaign = await cc.campaigns.get(125)          # "Managing Campaign Status"
        await cc.campaigns.start(125)
        results = await cc.records.add(125, [10003629])  # "Managing Campaign Records"
        records = await cc.records.list(125)
        await cc.records.delete(125, 10003629)

Each resource is a thin class over the client's request paths
(:class:`~cc_campaigns._transport.resources.Resource`): argument checks (:mod:`._args`), one
request, the answer read by :mod:`..wire`. Reads always go through the data-token path; each
write through the path of the token chosen for it (``write_token``).
"""

from __future__ import annotations

from .campaigns import Campaigns
from .records import Records

__all__ = ["Campaigns", "Records"]
