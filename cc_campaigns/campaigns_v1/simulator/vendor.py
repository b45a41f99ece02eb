"""The 8x8 Contact Center Campaigns API v1 (beta) as its documentation spells it.

The simulator's own copy of the vendor's vocabulary, taken from
``tests/reference/8x8-campaigns-v1-notes.md`` (tags in brackets name the vendor page: OV, GS,
AU, EP, MC, AR, SM, FR, TS, REF, OAS). It deliberately does not import the SDK's models or wire
code: the simulator answers from these names, so a wrong name on either side fails a test
instead of agreeing with itself.
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = [
    "ACCEPTED_FROM",
    "ACTIONS",
    "ADD_FIELDS",
    "ADD_REFUSED_STATES",
    "CAMPAIGN_FIELDS",
    "DISABLED_ACTIONS",
    "DISPLAY_STATUSES",
    "DUPLICATE_DETAIL",
    "FIELD_ERROR_FIELDS",
    "KEY_HEADER",
    "KEY_PREFIX",
    "MAX_CRM_ID",
    "MAX_RECORDS",
    "MEDIA_TYPE",
    "MODIFY_FIELDS",
    "PRIORITIES",
    "PROBLEM_FIELDS",
    "RECORD_FIELDS",
    "RECORD_RESULTS",
    "RECORD_STATES",
    "RECORD_TYPES",
    "SITES",
    "STATES",
    "TENANT_HEADER",
    "TRANSIENT_STATES",
    "display_status",
]

#: The vendor media type of every request body and every answer [GS, REF, OAS].
MEDIA_TYPE = "application/vnd.campaigns.v1+json"
#: The API key header (OAS spells it ``x-api-key``; headers are case-insensitive) [AU].
KEY_HEADER = "X-API-Key"
#: Every Admin Console API key begins with this [AU].
KEY_PREFIX = "eght_"
#: The tenant *name* header [GS, AU].
TENANT_HEADER = "X-8x8-Tenant"
#: The only customer sites [AU, TS]; another value is answered 404.
SITES = ("US1", "US2", "UK3")

#: CampaignState (11) [FR, OAS].
STATES = (
    "CREATED",
    "BUILDING",
    "READY",
    "PENDING",
    "STARTING",
    "RUNNING",
    "PAUSED",
    "COMPLETE",
    "BUILD_ERROR",
    "RUN_ERROR",
    "DELETED",
)
#: The states the service leaves on its own [SM].
TRANSIENT_STATES = frozenset({"BUILDING", "STARTING"})
#: CampaignAction (8) [FR, OAS].
ACTIONS = ("BUILD", "RESET", "START", "PAUSE", "RESUME", "RETRY", "CANCEL", "PURGE")
#: CampaignDisplayStatus (13) [FR].
DISPLAY_STATUSES = (
    "NEW",
    "BUILDING",
    "BUILD_FAILED",
    "READY_TO_RUN",
    "SCHEDULED",
    "RUNNING",
    "PAUSED",
    "PURGED",
    "ERROR",
    "ERROR_PURGED",
    "COMPLETED",
    "STOPPED",
    "DISABLED",
)
#: RecordType, RecordState, RecordResult, RecordPriority [FR, OAS].
RECORD_TYPES = ("CRM_QUERY", "DYNAMIC")
RECORD_STATES = (
    "PENDING",
    "REQUESTED",
    "QUEUED",
    "CANCEL_REQUESTED",
    "AGENT_ACCEPTED",
    "COMPLETE",
    "REJECTED",
    "DELETED",
    "ERROR",
)
RECORD_RESULTS = (
    "SUCCESS",
    "NO_VALID_NUMBER",
    "SCHEDULE_COMPLETE",
    "INTERACTION_FAILED",
    "MAX_ATTEMPTS_REACHED",
    "INTERACTION_SKIPPED",
    "CALLBACK_SCHEDULED",
)
PRIORITIES = ("HIGH", "MEDIUM", "LOW")

#: The action table of SM: action -> the states it is accepted from. START from CREATED needs
#: ``buildOnStart`` (GS); CANCEL from READY is the diagram's reading only (a variant).
ACCEPTED_FROM: Mapping[str, frozenset[str]] = {
    "BUILD": frozenset({"CREATED", "READY", "BUILD_ERROR"}),
    "RESET": frozenset({"READY", "BUILD_ERROR"}),
    "START": frozenset({"READY"}),
    "PAUSE": frozenset({"RUNNING"}),
    "RESUME": frozenset({"PAUSED"}),
    "RETRY": frozenset({"RUN_ERROR"}),
    "CANCEL": frozenset({"PENDING", "RUNNING", "PAUSED", "RUN_ERROR"}),
    "PURGE": frozenset({"PAUSED", "RUN_ERROR", "COMPLETE"}),
}
#: The only actions a campaign with ``enabled=false`` accepts [SM].
DISABLED_ACTIONS = frozenset({"BUILD", "RESET"})
#: States in which records cannot be added (409) [AR, TS]; no page lists the allowed ones.
ADD_REFUSED_STATES = frozenset({"BUILDING", "STARTING", "COMPLETE", "DELETED"})

#: AddRecordsRequest.records: minItems 1, maxItems 100; crmRecordId: 1-32 characters [AR, OAS].
MAX_RECORDS = 100
MAX_CRM_ID = 32

#: ModifyCampaignRequest {action, enabled}; StartCampaignRequest adds buildOnStart [OAS].
MODIFY_FIELDS = frozenset({"action", "enabled"})
#: AddRecordRequest [AR, OAS].
ADD_FIELDS = frozenset({"crmRecordId", "scheduleAt", "priority", "rank"})

#: Campaign, in the order of the MC example; absent when unknown, never null [MC, FR].
CAMPAIGN_FIELDS = (
    "id",
    "tenantId",
    "integrationType",
    "startTime",
    "endTime",
    "state",
    "displayStatus",
    "recordCount",
    "recordCounts",
    "lastBuildTime",
    "lastPurgedTime",
    "startedTime",
    "completedTime",
)
#: Record, an item of AddRecordsResponse [AR, FR].
RECORD_FIELDS = (
    "id",
    "type",
    "crmRecordId",
    "priority",
    "rank",
    "nextAttemptAfter",
    "retryCount",
    "state",
    "stateReason",
    "result",
)
#: ErrorMessage and FieldError [TS, OAS].
PROBLEM_FIELDS = ("title", "status", "detail", "instance", "time", "errors")
FIELD_ERROR_FIELDS = ("field", "code", "message")

#: The detail of a refusal for a crmRecordId already in the campaign [TS example, OAS 400].
DUPLICATE_DETAIL = "Campaign already contains record for Id: {}"


def display_status(state: str, *, enabled: bool, purged: bool, cancelled: bool) -> str:
    """The CampaignDisplayStatus of a campaign [FR; DISABLED takes priority over everything]."""
    if not enabled:
        return "DISABLED"
    if state in ("COMPLETE", "DELETED"):
        return "STOPPED" if cancelled else "COMPLETED"
    if state == "PAUSED":
        return "PURGED" if purged else "PAUSED"
    if state == "RUN_ERROR":
        return "ERROR_PURGED" if purged else "ERROR"
    return {
        "CREATED": "NEW",
        "BUILDING": "BUILDING",
        "STARTING": "BUILDING",
        "BUILD_ERROR": "BUILD_FAILED",
        "READY": "READY_TO_RUN",
        "PENDING": "SCHEDULED",
        "RUNNING": "RUNNING",
    }[state]
