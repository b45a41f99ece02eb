"""The simulated tenant(s): campaigns, their records and the state machine. No HTTP here.

The transient states (BUILDING, STARTING) and the schedule (PENDING until ``startTime``,
RUNNING/PENDING to COMPLETE at ``endTime``) move with the clock: each campaign is *settled*
(its due automatic transitions made, each at the time it fell due) whenever it is read, so a
test with a hand-driven clock sees them without sleeping.

Choices where no page says (notes §4, §6, §8):

- ``enabled`` is applied before the action is checked, and the request is atomic: a refused
  action leaves the flag as it was.
- START with ``buildOnStart`` true is accepted where BUILD is (CREATED, READY, BUILD_ERROR):
  build, then start. Left out, the campaign's configured setting decides.
- A repeated action (PAUSE on PAUSED) is refused like any other the table does not list.
- BUILD and RESET keep the records added through the API; PURGE changes no record.
- ``lastBuildTime`` is when a build ended (READY or BUILD_ERROR); ``startedTime`` when
  STARTING ended; ``completedTime`` when the campaign became COMPLETE.
- "Purged" (PURGED / ERROR_PURGED) lasts until the campaign leaves PAUSED / RUN_ERROR;
  ``lastPurgedTime`` stays.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta, timezone
from typing import Any

import attrs

from . import vendor
from .problems import Problem, field_error, format_time, validation_failed
from .requests import AddItem, Modify
from .variants import Variants

__all__ = ["REFUSED_DETAIL", "Clock", "SimCampaign", "SimRecord", "SimState", "utc_now"]

#: The detail of the ``refuse_ids`` test hook's refusal (it names no record).
REFUSED_DETAIL = "One or more records could not be added"

#: A zero-argument callable returning the current time as an aware datetime.
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The real time, aware, in UTC."""
    return datetime.now(timezone.utc)


@attrs.define
class SimRecord:
    """One record of a campaign (a Record of AddRecordsResponse)."""

    id: str
    crm_record_id: str
    priority: str
    rank: float
    next_attempt_after: datetime
    type: str = "DYNAMIC"
    state: str = "PENDING"
    retry_count: int = 0
    state_reason: str | None = None
    result: str | None = None

    def document(self) -> dict[str, Any]:
        """The Record as the vendor spells it; unknown members left out [AR, FR]."""
        body: dict[str, Any] = {
            "id": self.id,
            "type": self.type,
            "crmRecordId": self.crm_record_id,
            "priority": self.priority,
            "rank": self.rank,
            "nextAttemptAfter": format_time(self.next_attempt_after),
            "retryCount": self.retry_count,
            "state": self.state,
        }
        if self.state_reason is not None:
            body["stateReason"] = self.state_reason
        if self.result is not None:
            body["result"] = self.result
        return body


@attrs.define
class SimCampaign:
    """One campaign as the service keeps it (some of it never shown: ``enabled``, ``dynamic``)."""

    id: str
    tenant: str
    dynamic: bool = True
    enabled: bool = True
    state: str = "CREATED"
    integration_type: str = "contactual"
    start_time: datetime | None = None
    end_time: datetime | None = None
    #: The campaign's configured "build on start" (Configuration Manager).
    build_on_start: bool = False
    records: dict[str, SimRecord] = attrs.field(factory=dict)
    #: How many records each priority group holds (the default rank of the next one).
    priority_counts: dict[str, int] = attrs.field(factory=dict)
    last_build_time: datetime | None = None
    last_purged_time: datetime | None = None
    started_time: datetime | None = None
    completed_time: datetime | None = None
    purged: bool = False
    cancelled: bool = False
    #: When the current transient state ends.
    transient_until: datetime | None = None
    #: A BUILD in progress was asked for by START with buildOnStart: start when it ends.
    start_after_build: bool = False
    #: How the next builds end: a queue of outcomes (True: BUILD_ERROR), then success.
    build_failures: list[bool] = attrs.field(factory=list)

    def display_status(self) -> str:
        return vendor.display_status(
            self.state, enabled=self.enabled, purged=self.purged, cancelled=self.cancelled
        )

    def document(self) -> dict[str, Any]:
        """The Campaign as the vendor spells it; unknown members left out [MC, FR]."""
        counts: dict[tuple[str, str, str | None], int] = {}
        for record in self.records.values():
            key = (record.type, record.state, record.result)
            counts[key] = counts.get(key, 0) + 1
        rows = []
        for (kind, state, result), count in sorted(counts.items(), key=_count_order):
            row: dict[str, Any] = {"type": kind, "state": state}
            if result is not None:
                row["result"] = result
            row["count"] = count
            rows.append(row)
        times = {
            "startTime": self.start_time,
            "endTime": self.end_time,
            "lastBuildTime": self.last_build_time,
            "lastPurgedTime": self.last_purged_time,
            "startedTime": self.started_time,
            "completedTime": self.completed_time,
        }
        values: dict[str, Any] = {
            "id": self.id,
            "tenantId": self.tenant,
            "integrationType": self.integration_type,
            "state": self.state,
            "displayStatus": self.display_status(),
            "recordCount": len(self.records),
            "recordCounts": rows,
            **{name: format_time(t) for name, t in times.items() if t is not None},
        }
        return {name: values[name] for name in vendor.CAMPAIGN_FIELDS if name in values}


def _count_order(item: tuple[tuple[str, str, str | None], int]) -> tuple[int, int, int]:
    (kind, state, result), _ = item
    results = vendor.RECORD_RESULTS
    return (
        vendor.RECORD_TYPES.index(kind),
        vendor.RECORD_STATES.index(state),
        results.index(result) + 1 if result in results else 0,
    )


class SimState:
    """Every campaign of the simulated tenants, the state machine and the add rules.

    Args:
        clock: The current time (aware); pin or drive it to make the transient states and
            the schedule deterministic.
        transient_seconds: How long BUILDING and STARTING last.
        variants: The readings of the vendor's disagreements.
    """

    def __init__(
        self,
        clock: Clock,
        transient_seconds: float,
        variants: Variants,
        *,
        refuse_ids: Iterable[str] = (),
        refuse_named: bool = False,
    ) -> None:
        if transient_seconds < 0:
            raise ValueError("transient_seconds must be >= 0")
        self.clock = clock
        self.transient = timedelta(seconds=transient_seconds)
        self.variants = variants
        self.campaigns: dict[str, SimCampaign] = {}
        #: Test/benchmark hook, not vendor behaviour: crmRecordIds whose batch is refused 400
        #: (see ``CampaignsV1Simulator``), naming no record, or by a field error at
        #: ``records[i]`` if ``refuse_named``.
        self.refused_ids: set[str] = set(refuse_ids)
        self.refuse_named = refuse_named

    # -- set-up --------------------------------------------------------------------------------

    def add(self, campaign: SimCampaign) -> SimCampaign:
        self.campaigns[campaign.id] = campaign
        return campaign

    def find(self, tenant: str, campaign_id: str) -> SimCampaign:
        """The tenant's campaign, settled; Problem 404 when it has none of that id."""
        campaign = self.campaigns.get(campaign_id)
        if campaign is None or campaign.tenant != tenant:
            raise Problem(404, "Not Found", f"Campaign not found: {campaign_id}")
        self.settle(campaign)
        return campaign

    # -- the clock -----------------------------------------------------------------------------

    def settle(self, campaign: SimCampaign) -> None:
        """Make every automatic transition that fell due, each at its own time [SM]."""
        now = self.clock()
        while True:
            due = self._next_event(campaign)
            if due is None or due > now:
                return
            self._fire(campaign, due)

    def _next_event(self, campaign: SimCampaign) -> datetime | None:
        state = campaign.state
        if state in vendor.TRANSIENT_STATES:
            return campaign.transient_until
        if state == "PENDING":
            candidates = [t for t in (campaign.start_time, campaign.end_time) if t is not None]
            return min(candidates) if candidates else None
        if state == "RUNNING":
            return campaign.end_time
        return None

    def _fire(self, campaign: SimCampaign, at: datetime) -> None:
        state = campaign.state
        if state == "BUILDING":
            failed = campaign.build_failures.pop(0) if campaign.build_failures else False
            campaign.last_build_time = at
            campaign.transient_until = None
            if failed:
                campaign.state = "BUILD_ERROR"
                campaign.start_after_build = False
            elif campaign.start_after_build:
                campaign.start_after_build = False
                self._start(campaign, at)
            else:
                campaign.state = "READY"
        elif state == "STARTING":
            campaign.transient_until = None
            campaign.state = "RUNNING"
            campaign.started_time = at
        elif campaign.end_time is not None and at >= campaign.end_time:
            self._complete(campaign, at, cancelled=False)  # the schedule ended
        else:  # PENDING and the schedule opens
            self._transient(campaign, "STARTING", at)

    def _transient(self, campaign: SimCampaign, state: str, at: datetime) -> None:
        campaign.state = state
        campaign.transient_until = at + self.transient

    def _start(self, campaign: SimCampaign, at: datetime) -> None:
        if campaign.start_time is not None and campaign.start_time > at:
            campaign.state = "PENDING"
        else:
            self._transient(campaign, "STARTING", at)

    def _complete(self, campaign: SimCampaign, at: datetime, *, cancelled: bool) -> None:
        campaign.state = "COMPLETE"
        campaign.cancelled = cancelled
        campaign.purged = False
        campaign.completed_time = at

    # -- PATCH ---------------------------------------------------------------------------------

    def refuse(self, detail: str) -> Problem:
        status = self.variants.transition_status
        return Problem(status, "Conflict" if status == 409 else "Bad Request", detail)

    def modify(self, campaign: SimCampaign, request: Modify) -> None:
        """Apply one action (and the enabled flag) or raise Problem; atomic [SM, MC]."""
        now = self.clock()
        action, state = request.action, campaign.state
        enabled = campaign.enabled if request.enabled is None else request.enabled
        if not enabled and action not in vendor.DISABLED_ACTIONS:
            raise self.refuse(
                f"Campaign is disabled: action {action} is not allowed (only BUILD and RESET)"
            )
        build_on_start = (
            campaign.build_on_start if request.build_on_start is None else request.build_on_start
        )
        allowed = vendor.ACCEPTED_FROM[action]
        if action == "START" and build_on_start:
            allowed = vendor.ACCEPTED_FROM["BUILD"]
        if action == "CANCEL" and self.variants.cancel_from_ready:
            allowed = allowed | {"READY"}
        if state not in allowed:
            raise self.refuse(f"Action {action} is not allowed in state {state}")
        campaign.enabled = enabled
        if action == "BUILD":
            self._transient(campaign, "BUILDING", now)
        elif action == "RESET":
            campaign.state = "CREATED"
        elif action == "START" and build_on_start:
            campaign.start_after_build = True
            self._transient(campaign, "BUILDING", now)
        elif action == "START":
            self._start(campaign, now)
        elif action == "PAUSE":
            campaign.state = "PAUSED"
        elif action in ("RESUME", "RETRY"):
            campaign.state = "RUNNING"
            campaign.purged = False
        elif action == "CANCEL":
            self._complete(campaign, now, cancelled=True)
        else:  # PURGE: the state is unchanged
            campaign.last_purged_time = now
            campaign.purged = state in ("PAUSED", "RUN_ERROR")
        self.settle(campaign)  # a zero-length transient state ends at once

    # -- add records ---------------------------------------------------------------------------

    def check_add(self, campaign: SimCampaign, items: Iterable[AddItem]) -> None:
        """Problem unless the whole batch can be added [AR, TS]."""
        if not campaign.dynamic:
            raise Problem(
                400,
                "Invalid Operation",
                f"Invalid Operation: campaign {campaign.id} isDynamic is false",
            )
        if campaign.state in vendor.ADD_REFUSED_STATES:
            raise Problem(
                409, "Conflict", f"Records cannot be added in campaign state {campaign.state}"
            )
        if not campaign.enabled and not self.variants.add_when_disabled:
            raise Problem(409, "Conflict", "Records cannot be added: the campaign is disabled")
        for item in items:
            if item.crm_record_id in campaign.records:
                status = self.variants.duplicate_status
                detail = (
                    vendor.DUPLICATE_DETAIL.format(item.crm_record_id)
                    if self.variants.duplicate_names_id
                    else "Campaign already contains one or more of the records"
                )
                raise Problem(status, "Conflict" if status == 409 else "Bad Request", detail)
        refused = self.refused_ids
        if refused and any(item.crm_record_id in refused for item in items):
            # A test hook, not a vendor statement: whether an unknown CRM record or a number on
            # a DNC list refuses the batch is not documented [notes §6]. By default the refusal
            # names no record, the hardest case for a client (it must find the culprit itself).
            if self.refuse_named:
                errors = [
                    field_error(f"records[{index}].crmRecordId", "Refused", "record refused")
                    for index, item in enumerate(items)
                    if item.crm_record_id in refused
                ]
                raise validation_failed(errors)
            raise Problem(400, "Bad Request", REFUSED_DETAIL)

    def add_records(self, campaign: SimCampaign, items: list[AddItem]) -> list[SimRecord]:
        """Add a checked batch (all of it) and return the new records."""
        now = self.clock()
        in_group = campaign.priority_counts
        added = []
        for item in items:
            count = in_group.get(item.priority, 0)
            record = SimRecord(
                id=str(uuid.uuid4()),
                crm_record_id=item.crm_record_id,
                priority=item.priority,
                rank=item.rank if item.rank is not None else float(count + 1),
                next_attempt_after=item.schedule_at or now,
            )
            in_group[item.priority] = count + 1
            campaign.records[item.crm_record_id] = record
            added.append(record)
        return added
