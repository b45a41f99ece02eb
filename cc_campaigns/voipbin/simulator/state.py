"""The simulated VoIPbin service's state: resources and the campaign status machine.

Nothing here knows HTTP: :mod:`.app` turns requests into calls of :class:`SimState` and
:class:`SimError` into the error envelope. Request bodies are read strictly (:mod:`.requests`);
the records are the simulator's own (:mod:`.records`), written as the vendor does.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from typing import Any

import attrs

from ...testing.faults import PerKeyRateLimit
from . import requests as rq
from . import vendor
from .errors import SimError, SimStats
from .records import Campaign, Outdial, Outplan, Store, Target, encode
from .vendor import REASONS

__all__ = ["MAX_PAGE_SIZE", "REASONS", "RateLimiter", "SimError", "SimState", "SimStats"]

#: The per-key rate limit under its old name (a :class:`~cc_campaigns.bulk.limiter.TokenBucket`
#: per key).
RateLimiter = PerKeyRateLimit

#: Server default and maximum page size.
MAX_PAGE_SIZE = 100


@attrs.define
class _Stopping:
    reads_left: int
    until: float


class SimState:
    """The simulated service's data and rules.

    Args:
        stop_polls: After ``stop``, a running campaign reads as ``stopping`` for this many
            reads (GET or list) before it is ``stop``: deterministic, no sleeping.
        stop_delay: ...and for at least this many seconds (0: only ``stop_polls`` counts).
        clock: Monotonic seconds (``stop_delay``); injectable for tests.
    """

    def __init__(
        self,
        *,
        stop_polls: int = 2,
        stop_delay: float = 0.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if stop_polls < 0 or stop_delay < 0:
            raise ValueError("stop_polls and stop_delay must not be negative")
        self.stop_polls = stop_polls
        self.stop_delay = stop_delay
        self.customer_id = str(uuid.UUID(int=0x5EED, version=4))
        self._clock = clock
        self._last_time = datetime(2000, 1, 1, tzinfo=timezone.utc)
        self.campaigns: Store[Campaign] = Store()
        self.outplans: Store[Outplan] = Store()
        self.outdials: Store[Outdial] = Store()
        self.targets: dict[str, Store[Target]] = {}
        self._stopping: dict[str, _Stopping] = {}

    # -- helpers -------------------------------------------------------------------------------

    def _now(self) -> datetime:
        """Wall-clock UTC, strictly increasing (page tokens are creation times)."""
        now = datetime.now(timezone.utc)
        if now <= self._last_time:
            now = self._last_time + vendor.TICK
        self._last_time = now
        return now

    @staticmethod
    def _new_id() -> str:
        return str(uuid.uuid4())

    @staticmethod
    def page_args(page_size: str | None, page_token: str | None) -> tuple[int, datetime | None]:
        """Page size (default and cap 100, like the service) and the token as a time."""
        try:
            size = int(page_size) if page_size else MAX_PAGE_SIZE
        except ValueError:
            size = MAX_PAGE_SIZE
        if size <= 0 or size > MAX_PAGE_SIZE:
            size = MAX_PAGE_SIZE
        if not page_token:
            return size, None
        token = vendor.parse_time(page_token)
        if token is None:
            raise SimError("INVALID_ARGUMENT", f"unreadable page_token {page_token!r}")
        return size, token

    @staticmethod
    def next_token(items: list[Any]) -> str:
        """The service's rule: the last item's ``tm_create``; ``""`` after an empty page."""
        return vendor.format_time(items[-1].tm_create, never=False) if items else ""

    @staticmethod
    def page_document(items: list[Any]) -> dict[str, Any]:
        """A list answer: ``{"result": [...], "next_page_token": "..."}``."""
        return {"result": [encode(i) for i in items], "next_page_token": SimState.next_token(items)}

    # -- campaigns -----------------------------------------------------------------------------

    def _campaign(self, campaign_id: str) -> Campaign:
        campaign = self.campaigns.items.get(rq.path_id(campaign_id, "campaign"))
        if campaign is None:
            raise SimError("CAMPAIGN_NOT_FOUND", f"campaign {campaign_id} not found")
        return campaign

    def _observe(self, campaign: Campaign) -> Campaign:
        """A read of the campaign: each read uses up one of the ``stopping`` reads."""
        stopping = self._stopping.get(campaign.id)
        if stopping is not None and stopping.reads_left > 0:
            stopping.reads_left -= 1
            return campaign
        return self._settle(campaign)

    def _settle(self, campaign: Campaign) -> Campaign:
        """``stopping`` becomes ``stop`` once its reads are used up and its delay has passed."""
        if campaign.status != "stopping":
            return campaign
        stopping = self._stopping.get(campaign.id)
        if stopping is not None and (stopping.reads_left > 0 or self._clock() < stopping.until):
            return campaign
        self._stopping.pop(campaign.id, None)
        stopped = attrs.evolve(campaign, status="stop", tm_update=self._now())
        self.campaigns.replace(stopped)
        return stopped

    def get_campaign(self, campaign_id: str) -> Campaign:
        return self._observe(self._campaign(campaign_id))  # a read: counts towards ``stopping``

    def list_campaigns(self, size: int, token: datetime | None) -> list[Campaign]:
        return [self._observe(c) for c in self.campaigns.page(size, token)]

    def create_campaign(self, body: Any) -> Campaign:
        fields = rq.read(body, rq.CAMPAIGN)
        self._check_refs(fields)
        campaign = Campaign(
            id=self._new_id(),
            name=fields.pop("name", "") or None,
            detail=fields.pop("detail", "") or None,
            status="stop",  # "the initial state after creation" (struct page, Status)
            tm_create=self._now(),
            **fields,
        )
        self.campaigns.add(campaign)
        return campaign

    def _check_refs(self, fields: Mapping[str, Any]) -> None:
        if fields.get("outplan_id") and fields["outplan_id"] not in self.outplans.items:
            raise SimError("OUTPLAN_NOT_FOUND", f"outplan {fields['outplan_id']} not found")
        if fields.get("outdial_id") and fields["outdial_id"] not in self.outdials.items:
            raise SimError("OUTDIAL_NOT_FOUND", f"outdial {fields['outdial_id']} not found")
        nxt = fields.get("next_campaign_id")
        if nxt and nxt not in self.campaigns.items:
            raise SimError("CAMPAIGN_NOT_FOUND", f"next campaign {nxt} not found")

    def update_campaign(self, campaign_id: str, body: Any) -> Campaign:
        campaign = self._settle(self._campaign(campaign_id))
        fields = rq.read(body, rq.CAMPAIGN_UPDATE)
        changes = {k: (v or None) if k in ("name", "detail") else v for k, v in fields.items()}
        return self._save(campaign, **changes)

    def update_campaign_actions(self, campaign_id: str, body: Any) -> Campaign:
        campaign = self._settle(self._campaign(campaign_id))
        fields = rq.read(body, {"actions": rq.actions}, required=("actions",))
        return self._save(campaign, actions=fields["actions"])

    def update_campaign_resources(self, campaign_id: str, body: Any) -> Campaign:
        campaign = self._settle(self._campaign(campaign_id))
        fields = rq.read(body, rq.CAMPAIGN_RESOURCES)
        self._check_refs(fields)
        return self._save(campaign, **fields)

    def _save(self, campaign: Campaign, **changes: Any) -> Campaign:
        updated = attrs.evolve(campaign, **changes, tm_update=self._now())
        self.campaigns.replace(updated)
        return updated

    def set_campaign_status(self, campaign_id: str, body: Any) -> Campaign:
        campaign = self._settle(self._campaign(campaign_id))
        status = rq.choice(vendor.CAMPAIGN_STATUSES)
        wanted = rq.read(body, {"status": status}, required=("status",))["status"]
        if wanted == "stopping":
            raise SimError("INVALID_ARGUMENT", "status must be 'run' or 'stop'")
        current = campaign.status
        if wanted == current or (wanted == "stop" and current == "stopping"):
            return campaign  # idempotent
        if wanted == "run" and current == "stopping":
            raise SimError(
                "STATE_INVALID",
                f"campaign {campaign.id} is stopping; wait until it is stopped to run it again",
            )
        if wanted == "stop" and (self.stop_polls or self.stop_delay):
            self._stopping[campaign.id] = _Stopping(
                reads_left=self.stop_polls, until=self._clock() + self.stop_delay
            )
            return self._save(campaign, status="stopping")
        return self._save(campaign, status=wanted)

    def force_campaign_status(self, campaign_id: str, status: str) -> Campaign:
        """Set a status directly, bypassing the rules (tests)."""
        if status not in vendor.CAMPAIGN_STATUSES:
            raise ValueError(f"not a campaign status: {status!r}")
        self._stopping.pop(campaign_id, None)
        if status == "stopping":
            self._stopping[campaign_id] = _Stopping(
                self.stop_polls, self._clock() + self.stop_delay
            )
        return self._save(self._campaign(campaign_id), status=status)

    def delete_campaign(self, campaign_id: str) -> Campaign:
        campaign = self._settle(self._campaign(campaign_id))
        if campaign.running:
            raise SimError(
                "STATE_INVALID",
                f"campaign {campaign.id} has status '{campaign.status}'; stop it first",
            )
        self.campaigns.remove(campaign.id)
        return attrs.evolve(campaign, tm_delete=self._now())

    def _running_user(
        self, *, outdial_id: str | None = None, outplan_id: str | None = None
    ) -> Campaign | None:
        """A campaign in ``run`` or ``stopping`` that uses the outdial or outplan."""
        for campaign in list(self.campaigns):
            uses = (outdial_id is not None and campaign.outdial_id == outdial_id) or (
                outplan_id is not None and campaign.outplan_id == outplan_id
            )
            if uses:
                campaign = self._settle(campaign)
                if campaign.running:
                    return campaign
        return None

    # -- outplans ------------------------------------------------------------------------------

    def _outplan(self, outplan_id: str) -> Outplan:
        outplan = self.outplans.items.get(rq.path_id(outplan_id, "outplan"))
        if outplan is None:
            raise SimError("OUTPLAN_NOT_FOUND", f"outplan {outplan_id} not found")
        return outplan

    def get_outplan(self, outplan_id: str) -> Outplan:
        return self._outplan(outplan_id)

    def create_outplan(self, body: Any) -> Outplan:
        fields = rq.read(body, {**rq.NAMING, **rq.DIAL_INFO})
        outplan = Outplan(
            id=self._new_id(),
            customer_id=self.customer_id,
            name=fields.pop("name", "") or None,
            detail=fields.pop("detail", "") or None,
            tm_create=self._now(),
            **fields,
        )
        self.outplans.add(outplan)
        return outplan

    def update_outplan(self, outplan_id: str, body: Any) -> Outplan:
        outplan = self._outplan(outplan_id)
        fields = rq.read(body, rq.NAMING)
        return self._save_outplan(outplan, **{k: v or None for k, v in fields.items()})

    def update_outplan_dial_info(self, outplan_id: str, body: Any) -> Outplan:
        outplan = self._outplan(outplan_id)
        return self._save_outplan(outplan, **rq.read(body, rq.DIAL_INFO))

    def _save_outplan(self, outplan: Outplan, **changes: Any) -> Outplan:
        updated = attrs.evolve(outplan, **changes, tm_update=self._now())
        self.outplans.replace(updated)
        return updated

    def delete_outplan(self, outplan_id: str) -> Outplan:
        outplan = self._outplan(outplan_id)
        user = self._running_user(outplan_id=outplan.id)
        if user is not None:
            raise SimError(
                "STATE_INVALID", f"outplan {outplan.id} is used by running campaign {user.id}"
            )
        self.outplans.remove(outplan.id)
        return attrs.evolve(outplan, tm_delete=self._now())

    # -- outdials ------------------------------------------------------------------------------

    def _outdial(self, outdial_id: str) -> Outdial:
        outdial = self.outdials.items.get(rq.path_id(outdial_id, "outdial"))
        if outdial is None:
            raise SimError("OUTDIAL_NOT_FOUND", f"outdial {outdial_id} not found")
        return outdial

    def get_outdial(self, outdial_id: str) -> Outdial:
        return self._outdial(outdial_id)

    def create_outdial(self, body: Any) -> Outdial:
        fields = rq.read(body, {"campaign_id": rq.ref, **rq.NAMING, "data": rq.text})
        if fields.get("campaign_id") and fields["campaign_id"] not in self.campaigns.items:
            raise SimError("CAMPAIGN_NOT_FOUND", f"campaign {fields['campaign_id']} not found")
        outdial = Outdial(
            id=self._new_id(),
            customer_id=self.customer_id,
            campaign_id=fields.get("campaign_id"),
            name=fields.get("name") or None,
            detail=fields.get("detail") or None,
            data=fields.get("data") or None,
            tm_create=self._now(),
        )
        self.outdials.add(outdial)
        self.targets[outdial.id] = Store()
        return outdial

    def update_outdial(self, outdial_id: str, body: Any) -> Outdial:
        outdial = self._outdial(outdial_id)
        fields = rq.read(body, rq.NAMING)
        changes: dict[str, Any] = {k: v or None for k, v in fields.items()}
        updated = attrs.evolve(outdial, **changes, tm_update=self._now())
        self.outdials.replace(updated)
        return updated

    def _check_not_running(self, outdial: Outdial) -> None:
        user = self._running_user(outdial_id=outdial.id)
        if user is not None:
            raise SimError(
                "STATE_INVALID",
                f"outdial {outdial.id} is used by campaign {user.id}, whose status is "
                f"'{user.status}'; stop the campaign before changing its targets",
            )

    def delete_outdial(self, outdial_id: str) -> Outdial:
        outdial = self._outdial(outdial_id)
        self._check_not_running(outdial)
        self.outdials.remove(outdial.id)
        self.targets.pop(outdial.id, None)
        return attrs.evolve(outdial, tm_delete=self._now())

    # -- targets -------------------------------------------------------------------------------

    def target_store(self, outdial_id: str) -> Store[Target]:
        return self.targets[self._outdial(outdial_id).id]

    def add_target(self, outdial_id: str, body: Any) -> Target:
        outdial = self._outdial(outdial_id)
        fields = rq.read(body, rq.TARGET, required=("destination_0",))
        self._check_not_running(outdial)
        target = Target(
            id=self._new_id(),
            outdial_id=outdial.id,
            name=fields.pop("name", "") or None,
            detail=fields.pop("detail", "") or None,
            data=fields.pop("data", "") or None,
            status="idle",
            tm_create=self._now(),
            **fields,
        )
        self.targets[outdial.id].add(target)
        return target

    def get_target(self, outdial_id: str, target_id: str) -> Target:
        store = self.target_store(outdial_id)
        target = store.items.get(rq.path_id(target_id, "target"))
        if target is None:
            raise SimError("TARGET_NOT_FOUND", f"target {target_id} not found")
        return target

    def delete_target(self, outdial_id: str, target_id: str) -> Target:
        target = self.get_target(outdial_id, target_id)
        self._check_not_running(self._outdial(outdial_id))
        self.targets[target.outdial_id].remove(target.id)
        return attrs.evolve(target, tm_delete=self._now())
