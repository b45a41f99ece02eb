"""The 8x8 Dynamic Campaigns API as its documentation spells it: codes, names, transitions.

The simulator's own copy of the vendor's vocabulary, taken from the reference pages
(``8x8-campaign-status.md``: status codes 0-11, the four status changes and the state machine;
``8x8-campaign-records.md``: record statuses and the field names of every answer;
``api-notes.md``: the transitions as read from the diagram). It deliberately does not import
the SDK's models or wire code: the simulator answers from these names, so a wrong name on
either side makes a test fail instead of agreeing with itself.
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = [
    "CAMPAIGN_FIELDS",
    "CHANGES",
    "CHANGE_TO_STATUS",
    "ITEM_FIELDS",
    "RECORD_ACCEPTED",
    "RECORD_COMPLETED",
    "RECORD_FIELDS",
    "RECORD_NEW",
    "RECORD_SCHEDULED",
    "RECORD_STATUSES",
    "STATE_OF_STATUS",
    "STATUSES",
    "TRANSITIONS",
]

#: Campaign status codes (8x8-campaign-status.md, "Campaign Status ID") -> description.
STATUSES: Mapping[int, str] = {
    0: "New",
    1: "Manual Started",
    2: "Scheduled",
    3: "Manual Running",
    4: "Schedule Running",
    5: "Manual Stopped",
    6: "Completed (Stopped)",
    7: "Schedule Stopped",
    8: "Manual Paused",
    9: "Schedule Paused",
    10: "Manual Purged",
    11: "Schedule Purged",
}

#: The node of the state machine each code belongs to (api-notes.md: 2, "Scheduled", counts
#: as started).
STATE_OF_STATUS: Mapping[int, str] = {
    0: "NEW",
    1: "RUNNING",
    2: "RUNNING",
    3: "RUNNING",
    4: "RUNNING",
    5: "STOPPED",
    6: "STOPPED",
    7: "STOPPED",
    8: "PAUSED",
    9: "PAUSED",
    10: "PURGED",
    11: "PURGED",
}

#: The ``status`` values of a status change request (8x8-campaign-status.md, "Parameters").
CHANGES = frozenset({"RUNNING", "PAUSED", "PURGED", "STOPPED"})

#: The code a campaign has after each accepted change (a manual change).
CHANGE_TO_STATUS: Mapping[str, int] = {"RUNNING": 3, "PAUSED": 8, "PURGED": 10, "STOPPED": 5}

#: Allowed changes by state (api-notes.md, "Status transitions"); STOPPED is final and
#: RUNNING -> PURGED is refused (pause first).
TRANSITIONS: Mapping[str, frozenset[str]] = {
    "NEW": frozenset({"RUNNING"}),
    "RUNNING": frozenset({"PAUSED", "STOPPED"}),
    "PAUSED": frozenset({"RUNNING", "PURGED", "STOPPED"}),
    "PURGED": frozenset({"RUNNING", "STOPPED"}),
    "STOPPED": frozenset(),
}

#: Record statuses (8x8-campaign-records.md, "Record status").
RECORD_STATUSES: Mapping[int, str] = {
    0: "New",
    1: "Queued",
    2: "Accepted",
    3: "Completed",
    4: "Scheduled",
}
RECORD_NEW = 0
RECORD_ACCEPTED = 2
RECORD_COMPLETED = 3
RECORD_SCHEDULED = 4

#: The keys of ``{"campaign": {...}}`` (8x8-campaign-status.md, the status answer), in order.
CAMPAIGN_FIELDS = (
    "campaign-name",
    "campaign-id",
    "enabled",
    "status",
    "no-of-records",
    "caller-id",
    "queue-id",
    "start-time",
    "end-time",
    "actual-run-time",
    "actual-stop-time",
    "daily-start-time",
    "daily-end-time",
    "retry-interval",
    "max-retry",
    "abandon-max-retry",
    "max-ring-time",
    "integration-type",
    "calling-window",
    "schedule-name",
    "timezone",
    "dynamic-campaign",
    "sequential",
)

#: The keys of one record of ``{"records": {"record": [...]}}`` (8x8-campaign-records.md).
RECORD_FIELDS = (
    "campaign-name",
    "campaign-id",
    "record-id",
    "phone-list",
    "status",
    "status-code",
    "ext-trans-data",
    "disposition-code",
)

#: The keys of one item of an add request and of its 207 result (8x8-campaign-records.md).
ITEM_FIELDS = ("customer-id", "schedule-date-time", "http-status", "message")
