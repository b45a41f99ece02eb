"""The vendor's example bodies (tests/reference/8x8-campaigns-v1-notes.md: MC, AR, TS), and the
constants the tests share. Nothing here talks to a real host."""

from __future__ import annotations

from typing import Any

from cc_campaigns import RetryPolicy

#: Recognisable, so a test can grep for it anywhere it must not be.
API_KEY = "eght_SECRET-v1-9c2f7a"
TENANT = "my-tenant"
CID = "123e4567-e89b-12d3-a456-426614174000"
BASE = "https://api.8x8.com/cc/US1/campaigns/v1"
PATCH_URL = f"{BASE}/{CID}"
RECORDS_URL = f"{BASE}/{CID}/records"
#: Retries without waiting (a test never sleeps for real).
FAST = RetryPolicy(
    attempts=4, backoff_initial=0.001, backoff_max=0.002, retry_after_max=0.005, total_time=None
)

#: MC: the 200 answer of PATCH (a RUNNING campaign).
CAMPAIGN: dict[str, Any] = {
    "id": CID,
    "tenantId": "my-tenant",
    "integrationType": "contactual",
    "startTime": "2026-04-22T10:00:00Z",
    "endTime": "2026-04-22T18:00:00Z",
    "state": "RUNNING",
    "displayStatus": "RUNNING",
    "recordCount": 1500,
    "recordCounts": [
        {"type": "DYNAMIC", "state": "PENDING", "count": 1455},
        {"type": "DYNAMIC", "state": "COMPLETE", "result": "SUCCESS", "count": 45},
    ],
    "lastBuildTime": "2026-04-22T09:55:00Z",
    "startedTime": "2026-04-22T10:00:05Z",
}


def campaign(state: str, display: str | None = None, **more: Any) -> dict[str, Any]:
    """The MC example in another state."""
    return {**CAMPAIGN, "state": state, "displayStatus": display or state, **more}


#: AR: the request of the example (HIGH/1.0, MEDIUM/2.0 with scheduleAt, LOW/3.0).
ADD_REQUEST: dict[str, Any] = {
    "records": [
        {"crmRecordId": "CRM-12345", "priority": "HIGH", "rank": 1.0},
        {
            "crmRecordId": "CRM-12346",
            "scheduleAt": "2026-04-23T14:00:00Z",
            "priority": "MEDIUM",
            "rank": 2.0,
        },
        {"crmRecordId": "CRM-12347", "priority": "LOW", "rank": 3.0},
    ]
}

#: AR: its answer (200 per the guide, 201 per the OpenAPI).
ADD_ANSWER: dict[str, Any] = {
    "records": [
        {
            "id": "9f1c2d3e-0000-4000-8000-000000000001",
            "type": "DYNAMIC",
            "crmRecordId": "CRM-12345",
            "priority": "HIGH",
            "rank": 1.0,
            "nextAttemptAfter": "2026-04-22T10:00:00Z",
            "retryCount": 0,
            "state": "PENDING",
        },
        {
            "id": "9f1c2d3e-0000-4000-8000-000000000002",
            "type": "DYNAMIC",
            "crmRecordId": "CRM-12346",
            "priority": "MEDIUM",
            "rank": 2.0,
            "nextAttemptAfter": "2026-04-23T14:00:00Z",
            "retryCount": 0,
            "state": "PENDING",
        },
        {
            "id": "9f1c2d3e-0000-4000-8000-000000000003",
            "type": "DYNAMIC",
            "crmRecordId": "CRM-12347",
            "priority": "LOW",
            "rank": 3.0,
            "nextAttemptAfter": "2026-04-22T10:00:00Z",
            "retryCount": 0,
            "state": "PENDING",
        },
    ]
}

INSTANCE = f"/cc/US1/campaigns/v1/{CID}/records"
TIME = "2026-04-22T10:00:00Z"


def problem(status: int, title: str, detail: str, **more: Any) -> dict[str, Any]:
    """A TS problem-JSON error body."""
    return {
        "title": title,
        "status": status,
        "detail": detail,
        "instance": INSTANCE,
        "time": TIME,
        **more,
    }


#: TS: a validation failure.
VALIDATION = problem(
    400,
    "Validation failed",
    "Request validation failed",
    errors=[{"field": "crmRecordId", "code": "NotBlank", "message": "must not be blank"}],
)
#: TS example / OAS 400: a record already in the campaign.
DUPLICATE_400 = problem(400, "Bad Request", "Campaign already contains record for Id: CRM-12345")
#: AR table / TS 409: the same as a conflict.
DUPLICATE_409 = problem(409, "Conflict", "Campaign already contains record for Id: CRM-12345")
NOT_DYNAMIC = problem(
    400, "Invalid Operation", "Records can only be added to a campaign where isDynamic is false"
)
BUSY = problem(409, "Conflict", "Campaign is in state BUILDING and cannot accept records")
STOPPED = problem(409, "Conflict", "Campaign is in state COMPLETE and cannot accept records")
ILLEGAL = problem(409, "Conflict", "Action PAUSE is not allowed in state READY")
ILLEGAL_400 = problem(400, "Bad Request", "Invalid request or illegal state transition")
NOT_FOUND = problem(404, "Not Found", "Campaign not found")
UNAUTHORIZED = problem(401, "Unauthorized", "Invalid API key")
FORBIDDEN = problem(403, "Forbidden", "API key is not authorised for this product")
SERVER = problem(500, "Internal Server Error", "Unexpected error")
