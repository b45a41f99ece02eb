"""Typed models of the 8x8 Dynamic Campaigns API.

Plain attrs classes and enums. Nothing here knows the wire names (``customer-id``, ``"Y"``):
that lives in :mod:`cc_campaigns.dynamic.wire`.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import datetime

import attrs

__all__ = [
    "TRANSITIONS",
    "Campaign",
    "CampaignRecord",
    "CampaignState",
    "CampaignStatus",
    "CustomerItem",
    "Disposition",
    "ItemResult",
    "Phone",
    "RecordStatus",
    "RecordStatusCode",
    "StatusChange",
    "transition_allowed",
]


class CampaignState(str, enum.Enum):
    """The five nodes of the 8x8 campaign state machine."""

    NEW = "NEW"
    RUNNING = "RUNNING"
    PAUSED = "PAUSED"
    PURGED = "PURGED"
    STOPPED = "STOPPED"


class CampaignStatus(enum.IntEnum):
    """The numeric ``status`` of a campaign (0-11), named as in the 8x8 guide."""

    NEW = 0
    MANUAL_STARTED = 1
    SCHEDULED = 2
    MANUAL_RUNNING = 3
    SCHEDULE_RUNNING = 4
    MANUAL_STOPPED = 5
    COMPLETED = 6
    SCHEDULE_STOPPED = 7
    MANUAL_PAUSED = 8
    SCHEDULE_PAUSED = 9
    MANUAL_PURGED = 10
    SCHEDULE_PURGED = 11

    @property
    def state(self) -> CampaignState:
        """The state-machine node this code belongs to (2, "Scheduled", counts as started)."""
        return _STATE_OF_STATUS[self]

    @property
    def description(self) -> str:
        """The guide's name for this code, e.g. ``"Manual Running"``."""
        return _DESCRIPTIONS[self]


_STATE_OF_STATUS: dict[CampaignStatus, CampaignState] = {
    CampaignStatus.NEW: CampaignState.NEW,
    CampaignStatus.MANUAL_STARTED: CampaignState.RUNNING,
    CampaignStatus.SCHEDULED: CampaignState.RUNNING,
    CampaignStatus.MANUAL_RUNNING: CampaignState.RUNNING,
    CampaignStatus.SCHEDULE_RUNNING: CampaignState.RUNNING,
    CampaignStatus.MANUAL_STOPPED: CampaignState.STOPPED,
    CampaignStatus.COMPLETED: CampaignState.STOPPED,
    CampaignStatus.SCHEDULE_STOPPED: CampaignState.STOPPED,
    CampaignStatus.MANUAL_PAUSED: CampaignState.PAUSED,
    CampaignStatus.SCHEDULE_PAUSED: CampaignState.PAUSED,
    CampaignStatus.MANUAL_PURGED: CampaignState.PURGED,
    CampaignStatus.SCHEDULE_PURGED: CampaignState.PURGED,
}

_DESCRIPTIONS: dict[CampaignStatus, str] = {
    CampaignStatus.NEW: "New",
    CampaignStatus.MANUAL_STARTED: "Manual Started",
    CampaignStatus.SCHEDULED: "Scheduled",
    CampaignStatus.MANUAL_RUNNING: "Manual Running",
    CampaignStatus.SCHEDULE_RUNNING: "Schedule Running",
    CampaignStatus.MANUAL_STOPPED: "Manual Stopped",
    CampaignStatus.COMPLETED: "Completed (Stopped)",
    CampaignStatus.SCHEDULE_STOPPED: "Schedule Stopped",
    CampaignStatus.MANUAL_PAUSED: "Manual Paused",
    CampaignStatus.SCHEDULE_PAUSED: "Schedule Paused",
    CampaignStatus.MANUAL_PURGED: "Manual Purged",
    CampaignStatus.SCHEDULE_PURGED: "Schedule Purged",
}


class StatusChange(str, enum.Enum):
    """A status one may ask for with ``set_status`` (the body ``{"status": ...}``)."""

    RUNNING = "RUNNING"
    PAUSED = "PAUSED"
    PURGED = "PURGED"
    STOPPED = "STOPPED"

    @property
    def target(self) -> CampaignState:
        """The state the campaign is in once the change is accepted."""
        return CampaignState(self.value)


#: Allowed transitions of the 8x8 state machine (api-notes.md, from the vendor's diagram).
#: STOPPED is final. RUNNING -> PURGED is refused: pause first.
TRANSITIONS: Mapping[CampaignState, frozenset[StatusChange]] = {
    CampaignState.NEW: frozenset({StatusChange.RUNNING}),
    CampaignState.RUNNING: frozenset({StatusChange.PAUSED, StatusChange.STOPPED}),
    CampaignState.PAUSED: frozenset(
        {StatusChange.RUNNING, StatusChange.PURGED, StatusChange.STOPPED}
    ),
    CampaignState.PURGED: frozenset({StatusChange.RUNNING, StatusChange.STOPPED}),
    CampaignState.STOPPED: frozenset(),
}


def transition_allowed(current: CampaignState, change: StatusChange) -> bool:
    """Whether the state machine lets a campaign in ``current`` take ``change``."""
    return change in TRANSITIONS[current]


class RecordStatus(enum.IntEnum):
    """``status`` of a campaign record."""

    NEW = 0
    QUEUED = 1
    ACCEPTED = 2
    COMPLETED = 3
    SCHEDULED = 4


class RecordStatusCode(enum.IntEnum):
    """``status-code`` of a campaign record."""

    DEFAULT = 0
    MAX_ATTEMPT_REACHED = 1
    SKIPPED = 2
    NO_PHONE_NUMBER = 3
    INVALID_PHONE_NUMBER = 4


class Disposition(enum.IntEnum):
    """``disposition-code`` of a campaign record (the documented ones)."""

    NONE = 1000
    TRY_AGAIN = 1001
    SCHEDULED_CALL_BACK = 1002


@attrs.frozen
class Campaign:
    """A campaign's status, as ``GET /api/stats/campaigns/{id}.json`` returns it.

    Empty strings from the vendor become ``None``; ``"Y"``/``"N"`` become booleans.
    """

    campaign_id: int
    name: str | None = None
    #: The numeric status; an unknown future code is kept as a plain int; None when the
    #: service sent none.
    status: CampaignStatus | int | None = CampaignStatus.NEW
    enabled: bool = False
    dynamic: bool = False
    sequential: bool | None = None
    record_count: int | None = None
    caller_id: str | None = None
    queue_id: int | None = None
    start_time: datetime | str | None = None
    end_time: datetime | str | None = None
    actual_run_time: datetime | str | None = None
    actual_stop_time: datetime | str | None = None
    daily_start_time: str | None = None
    daily_end_time: str | None = None
    retry_interval: int | None = None
    max_retry: int | None = None
    abandon_max_retry: int | None = None
    max_ring_time: int | None = None
    integration_type: str | None = None
    calling_window: int | None = None
    schedule_name: str | None = None
    timezone: str | None = None

    @property
    def state(self) -> CampaignState | None:
        """The state-machine node, or ``None`` for a status code this SDK does not know."""
        if isinstance(self.status, CampaignStatus):
            return self.status.state
        return None

    @property
    def status_description(self) -> str:
        """The guide's name of the status code, e.g. ``"Manual Running"``."""
        if isinstance(self.status, CampaignStatus):
            return self.status.description
        return f"Unknown ({self.status})"


@attrs.frozen
class CustomerItem:
    """One customer to add: the CRM ``ACCOUNTNUM`` and an optional timezone-aware schedule."""

    customer_id: int
    schedule: datetime | None = None


@attrs.frozen
class ItemResult:
    """The per-item answer of an add request (one element of the 207 body)."""

    #: As the server echoed it: int, string, or ``None`` for "Invalid customer-id".
    customer_id: int | str | None
    http_status: int
    message: str | None = None
    #: The echoed ``schedule-date-time``: a datetime, or the raw text when it does not parse.
    schedule: datetime | str | None = None

    @property
    def ok(self) -> bool:
        """True when this item was added (a 2xx per-item status)."""
        return 200 <= self.http_status < 300


@attrs.frozen
class Phone:
    """One ``label|number`` pair of a record's ``phone-list``."""

    label: str
    number: str
    #: A ``*`` before the label marks the primary number.
    primary: bool = False


@attrs.frozen
class CampaignRecord:
    """One record of ``GET /api/stats/campaigns/{id}/records.json``.

    Codes outside the documented enums are kept as plain ints, never an error.
    """

    record_id: int | str | None
    campaign_id: int | None = None
    campaign_name: str | None = None
    status: RecordStatus | int | None = None
    status_code: RecordStatusCode | int | None = None
    disposition: Disposition | int | None = None
    phones: tuple[Phone, ...] = ()
    #: The raw ``phone-list`` text, as the server sent it.
    phone_list: str | None = None
    ext_trans_data: str | None = None
