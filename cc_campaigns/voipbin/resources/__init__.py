"""The VoIPbin endpoints grouped by resource, reached from the client (openai-python style)::

    async with VoipbinClient(accesskey=...) as vb:
        campaign = await vb.campaigns.create("Spring", outplan_id=plan.id, outdial_id=dial.id)
        await vb.outdials.targets.create(dial.id, "+15551234567", name="Ada")
        await vb.campaigns.set_status(campaign.id, "run")

Each resource is a thin class over the client's session (:class:`~._base.Resource`): argument
checks (:mod:`._args`), one request, the answer read by :mod:`..wire`.
"""

from __future__ import annotations

from ._base import Resource
from .campaigns import Campaigns
from .outdials import Outdials
from .outplans import Outplans
from .targets import OutdialTargets

__all__ = ["Campaigns", "OutdialTargets", "Outdials", "Outplans", "Resource"]
