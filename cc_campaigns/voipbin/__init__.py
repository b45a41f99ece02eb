"""VoIPbin (``https://api.voipbin.net/v1.0``): campaigns, outplans, outdials and their targets.

The second provider, built like the first: :class:`VoipbinClient` sends through the shared
transport (:mod:`cc_campaigns._transport`), its endpoints are grouped by resource
(:mod:`.resources`: ``vb.campaigns``, ``vb.outplans``, ``vb.outdials``, ``vb.outdials.targets``),
errors come from :mod:`cc_campaigns.errors` (VoIPbin's error bodies are read by :mod:`.errors`),
models are attrs classes (:mod:`.models`) and the JSON lives in :mod:`.wire`. Many targets go in
through the shared bulk engine (:meth:`VoipbinClient.bulk_add_targets`, :mod:`.adapters`,
:func:`read_targets`).
A simulator stands in for the service: :mod:`cc_campaigns.voipbin.simulator`.
"""

from __future__ import annotations

from .adapters import read_targets
from .client import DEFAULT_BASE_URL, DEFAULT_BULK_RATE, VoipbinClient, WaitTimeoutError
from .models import (
    NIL_UUID,
    Address,
    AddressType,
    Campaign,
    CampaignStatus,
    CampaignType,
    EndHandle,
    Outdial,
    OutdialTarget,
    Outplan,
    TargetStatus,
)
from .wire import normalize_e164

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_BULK_RATE",
    "NIL_UUID",
    "Address",
    "AddressType",
    "Campaign",
    "CampaignStatus",
    "CampaignType",
    "EndHandle",
    "Outdial",
    "OutdialTarget",
    "Outplan",
    "TargetStatus",
    "VoipbinClient",
    "WaitTimeoutError",
    "normalize_e164",
    "read_targets",
]
