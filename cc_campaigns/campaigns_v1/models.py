"""The objects of 8x8's Contact Center Campaigns API v1 (beta), and its state machine as data.

Plain attrs classes; the JSON lives in :mod:`.wire`. Enum fields hold the member, or the text
the service sent when it is a value this SDK does not know yet (never a crash on a new one).
"""

from __future__ import annotations

import enum
from datetime import datetime

import attrs

__all__ = [
    "ACTIONS",
    "AUTOMATIC",
    "MAX_CRM_RECORD_ID",
    "MAX_RECORDS_PER_REQUEST",
    "TRANSIENT_STATES",
    "AddRecord",
    "Campaign",
    "CampaignAction",
    "CampaignState",
    "DisplayStatus",
    "Record",
    "RecordCount",
    "RecordPriority",
    "RecordResult",
    "RecordState",
    "RecordType",
    "reachable",
]

#: Records per ``POST .../records`` request (the API's ``maxItems``).
MAX_RECORDS_PER_REQUEST = 100
#: Longest ``crmRecordId``, in characters.
MAX_CRM_RECORD_ID = 32


class CampaignState(str, enum.Enum):
    """A campaign's lifecycle state (11). Use it in code; :class:`DisplayStatus` is for people."""

    CREATED = "CREATED"
    BUILDING = "BUILDING"
    READY = "READY"
    PENDING = "PENDING"
    STARTING = "STARTING"
    RUNNING = "RUNNING"
    PAUSED = "PAUSED"
    COMPLETE = "COMPLETE"
    BUILD_ERROR = "BUILD_ERROR"
    RUN_ERROR = "RUN_ERROR"
    DELETED = "DELETED"


class CampaignAction(str, enum.Enum):
    """What ``PATCH /{campaignId}`` asks a campaign to do (8)."""

    BUILD = "BUILD"
    RESET = "RESET"
    START = "START"
    PAUSE = "PAUSE"
    RESUME = "RESUME"
    RETRY = "RETRY"
    CANCEL = "CANCEL"
    PURGE = "PURGE"


class DisplayStatus(str, enum.Enum):
    """What the UI shows for a campaign (13); ``DISABLED`` whatever the state when disabled."""

    NEW = "NEW"
    BUILDING = "BUILDING"
    BUILD_FAILED = "BUILD_FAILED"
    READY_TO_RUN = "READY_TO_RUN"
    SCHEDULED = "SCHEDULED"
    RUNNING = "RUNNING"
    PAUSED = "PAUSED"
    PURGED = "PURGED"
    ERROR = "ERROR"
    ERROR_PURGED = "ERROR_PURGED"
    COMPLETED = "COMPLETED"
    STOPPED = "STOPPED"
    DISABLED = "DISABLED"


class RecordType(str, enum.Enum):
    """Where a record came from."""

    CRM_QUERY = "CRM_QUERY"
    DYNAMIC = "DYNAMIC"


class RecordState(str, enum.Enum):
    """Where a record is in its dialling life (9)."""

    PENDING = "PENDING"
    REQUESTED = "REQUESTED"
    QUEUED = "QUEUED"
    CANCEL_REQUESTED = "CANCEL_REQUESTED"
    AGENT_ACCEPTED = "AGENT_ACCEPTED"
    COMPLETE = "COMPLETE"
    REJECTED = "REJECTED"
    DELETED = "DELETED"
    ERROR = "ERROR"


class RecordResult(str, enum.Enum):
    """How a record ended (7); absent until it is terminal."""

    SUCCESS = "SUCCESS"
    NO_VALID_NUMBER = "NO_VALID_NUMBER"
    SCHEDULE_COMPLETE = "SCHEDULE_COMPLETE"
    INTERACTION_FAILED = "INTERACTION_FAILED"
    MAX_ATTEMPTS_REACHED = "MAX_ATTEMPTS_REACHED"
    INTERACTION_SKIPPED = "INTERACTION_SKIPPED"
    CALLBACK_SCHEDULED = "CALLBACK_SCHEDULED"


class RecordPriority(str, enum.Enum):
    """Dialled HIGH, then MEDIUM, then LOW; by ``rank`` within a group. The service's default
    is HIGH."""

    HIGH = "HIGH"
    MEDIUM = "MEDIUM"
    LOW = "LOW"


_S = CampaignState
_A = CampaignAction

#: The actions each state accepts (the vendor's state-machine table). START from CREATED needs
#: ``build_on_start=True``. CANCEL from READY appears in one diagram only, not in the table nor
#: the enum text: it is left out (``check=False`` sends it anyway).
ACTIONS: dict[CampaignState, frozenset[CampaignAction]] = {
    _S.CREATED: frozenset({_A.BUILD, _A.START}),
    _S.BUILDING: frozenset(),
    _S.READY: frozenset({_A.BUILD, _A.RESET, _A.START}),
    _S.PENDING: frozenset({_A.CANCEL}),
    _S.STARTING: frozenset(),
    _S.RUNNING: frozenset({_A.PAUSE, _A.CANCEL}),
    _S.PAUSED: frozenset({_A.RESUME, _A.CANCEL, _A.PURGE}),
    _S.COMPLETE: frozenset({_A.PURGE}),
    _S.BUILD_ERROR: frozenset({_A.BUILD, _A.RESET}),
    _S.RUN_ERROR: frozenset({_A.RETRY, _A.CANCEL, _A.PURGE}),
    _S.DELETED: frozenset(),
}

#: States a campaign passes through on its own, seconds to minutes after a request.
TRANSIENT_STATES = frozenset({_S.BUILDING, _S.STARTING})

#: The moves the service makes without a request (schedule, build or run results, and the
#: deletion done in Configuration Manager): a state this client saw may have moved on along
#: these.
AUTOMATIC: dict[CampaignState, frozenset[CampaignState]] = {
    _S.BUILDING: frozenset({_S.READY, _S.BUILD_ERROR}),
    _S.PENDING: frozenset({_S.STARTING, _S.COMPLETE}),
    _S.STARTING: frozenset({_S.RUNNING, _S.BUILD_ERROR}),
    _S.RUNNING: frozenset({_S.COMPLETE, _S.RUN_ERROR}),
    _S.COMPLETE: frozenset({_S.DELETED}),
}


def reachable(state: CampaignState) -> frozenset[CampaignState]:
    """``state`` and every state the service can move it to on its own."""
    seen = {state}
    todo = [state]
    while todo:
        for nxt in AUTOMATIC.get(todo.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return frozenset(seen)


@attrs.frozen
class RecordCount:
    """How many records of one (type, state, result) the campaign holds."""

    type: RecordType | str | None = None
    state: RecordState | str | None = None
    #: Absent until the records are terminal.
    result: RecordResult | str | None = None
    count: int = 0


@attrs.frozen
class Campaign:
    """A campaign as ``PATCH`` answers it: the state after the action was accepted (a transient
    state such as BUILDING moves on by itself). Fields the service left out are ``None``."""

    id: str
    tenant_id: str | None = None
    integration_type: str | None = None
    start_time: datetime | None = None
    end_time: datetime | None = None
    state: CampaignState | str | None = None
    display_status: DisplayStatus | str | None = None
    record_count: int | None = None
    record_counts: tuple[RecordCount, ...] = ()
    last_build_time: datetime | None = None
    last_purged_time: datetime | None = None
    started_time: datetime | None = None
    completed_time: datetime | None = None


@attrs.frozen
class Record:
    """A record as the service stored it (an item of the add-records answer)."""

    id: str
    crm_record_id: str = ""
    type: RecordType | str | None = None
    priority: RecordPriority | str | None = None
    rank: float | None = None
    next_attempt_after: datetime | None = None
    retry_count: int | None = None
    state: RecordState | str | None = None
    state_reason: str | None = None
    result: RecordResult | str | None = None


@attrs.frozen
class AddRecord:
    """One record to add: the CRM record's id (1-32 characters), and optionally the earliest
    time to dial it (an aware datetime or ISO 8601 text with an offset), its priority (the
    service's default: HIGH) and its rank within the priority (default: after the others)."""

    crm_record_id: str
    schedule_at: datetime | str | None = None
    priority: RecordPriority | str | None = None
    rank: float | None = None
