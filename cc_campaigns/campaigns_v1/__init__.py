"""8x8's Contact Center Campaigns API v1 (beta, ``https://api.8x8.com/cc/{site}/campaigns/v1``).

The third provider, built like its siblings: :class:`CampaignsV1Client` sends through the
shared transport, its two endpoints are grouped by resource (:mod:`.resources`:
``v1.campaigns`` for the 8 lifecycle actions, ``v1.records`` to add records), errors come from
:mod:`cc_campaigns.errors` (the problem-JSON bodies are read by :mod:`.errors`), models are
attrs classes (:mod:`.models`, the state machine as data in :data:`ACTIONS`) and the JSON lives
in :mod:`.wire`. Many records go in through the shared bulk engine
(:meth:`CampaignsV1Client.bulk_add`, :mod:`.adapters`, :func:`read_records`).

It shares nothing with the legacy Dynamic Campaigns API (:mod:`cc_campaigns.dynamic`): each
sees only its own campaigns.
"""

from __future__ import annotations

from ._session import MEDIA_TYPE, problem_of
from .adapters import read_records
from .client import DEFAULT_BATCH_SIZE, CampaignsV1Client
from .errors import CampaignBusyError, DuplicateRecordError, FieldError, Problem
from .models import (
    ACTIONS,
    MAX_CRM_RECORD_ID,
    MAX_RECORDS_PER_REQUEST,
    TRANSIENT_STATES,
    AddRecord,
    Campaign,
    CampaignAction,
    CampaignState,
    DisplayStatus,
    Record,
    RecordCount,
    RecordPriority,
    RecordResult,
    RecordState,
    RecordType,
)
from .sites import SITES, base_url_for

__all__ = [
    "ACTIONS",
    "DEFAULT_BATCH_SIZE",
    "MAX_CRM_RECORD_ID",
    "MAX_RECORDS_PER_REQUEST",
    "MEDIA_TYPE",
    "SITES",
    "TRANSIENT_STATES",
    "AddRecord",
    "Campaign",
    "CampaignAction",
    "CampaignBusyError",
    "CampaignState",
    "CampaignsV1Client",
    "DisplayStatus",
    "DuplicateRecordError",
    "FieldError",
    "Problem",
    "Record",
    "RecordCount",
    "RecordPriority",
    "RecordResult",
    "RecordState",
    "RecordType",
    "base_url_for",
    "problem_of",
    "read_records",
]
