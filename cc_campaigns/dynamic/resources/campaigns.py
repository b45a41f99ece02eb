"""``cc.campaigns``: a campaign's status and settings, and its status changes (the vendor's
"Managing Campaign Status" page)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Literal

import orjson

from ..._transport.resources import Resource
from ..._transport.session import Session
from ...errors import ApiError, InvalidTransitionError, ValidationError
from ..models import Campaign, CampaignState, CampaignStatus, StatusChange, transition_allowed
from ..wire import campaign_from_wire
from ._args import campaign_id as _campaign_id
from ._args import status_change as _status_change

__all__ = ["Campaigns", "StatusMethod"]

logger = logging.getLogger("cc_campaigns")

#: The HTTP method of status changes: the user guide's POST or the OpenAPI's PATCH.
StatusMethod = Literal["POST", "PATCH"]

#: What a campaign in each state may still become, said to a user whose change was refused.
_WHY_REFUSED = {
    CampaignState.STOPPED: "stopped campaigns cannot be restarted (8x8 allows no transition "
    "out of STOPPED)",
    CampaignState.NEW: "a new campaign can only be started (RUNNING)",
    CampaignState.RUNNING: "a running campaign can only be paused or stopped; pause it before "
    "purging",
    CampaignState.PAUSED: "a paused campaign is already paused",
    CampaignState.PURGED: "a purged campaign can only be started again or stopped",
}


class Campaigns(Resource):
    """``/api/stats/campaigns/{id}.json`` (read) and ``/api/tstats/campaigns/{id}`` (status).

    Made by :class:`~cc_campaigns.dynamic.CampaignsClient`: reads go through its data-token
    path, status changes through the path of the token chosen for ``status`` writes.
    """

    def __init__(
        self, session: Session, *, writes: Session, status_method: StatusMethod | None = None
    ) -> None:
        super().__init__(session)
        self._writes = writes
        #: The method of status changes. Unless set explicitly, it changes once (and stays) if
        #: the service answers 405 to it and takes the other one.
        self.status_method: StatusMethod = status_method or "POST"
        #: Whether ``status_method`` was set explicitly (a 405 is then an error naming it).
        self.status_method_fixed = status_method is not None

    async def get(self, campaign_id: int) -> Campaign:
        """The campaign's status and settings (``GET /api/stats/campaigns/{id}.json``).

        Raises:
            NotFoundError: no such campaign.
            AuthenticationError: wrong credentials or cluster.
        """
        cid = _campaign_id(campaign_id)
        answer = await self._session.request("GET", f"/api/stats/campaigns/{cid}.json")
        data = answer.json()
        body = data.get("campaign") if isinstance(data, Mapping) else None
        if not isinstance(body, Mapping):
            raise answer.unexpected('expected {"campaign": {...}}')
        return campaign_from_wire(body)

    async def set_status(
        self,
        campaign_id: int,
        status: StatusChange | str,
        *,
        current: CampaignState | CampaignStatus | Campaign | None = None,
        check: bool = True,
    ) -> None:
        """Change the campaign's status (``POST`` or ``PATCH /api/tstats/campaigns/{id}``).

        Args:
            status: ``StatusChange`` or its name (``"RUNNING"``, ``"paused"`` ...).
            current: The campaign's current state, when known; otherwise it is fetched (with
                ``check=True``).
            check: Check the transition against the state machine before sending.

        Raises:
            ValidationError: an unknown status name.
            InvalidTransitionError: the state machine refuses it (client-side or server-side).
            CampaignStoppedError, CampaignNotDynamicError, CampaignNotEnabledError, ...
        """
        cid = _campaign_id(campaign_id)
        change = _status_change(status)
        path = f"/api/tstats/campaigns/{cid}"
        if check:
            state = await self._current_state(cid, current)
            if state is not None and not transition_allowed(state, change):
                raise InvalidTransitionError(
                    f"campaign {cid} is {state.value}; cannot change it to {change.value}: "
                    f"{_WHY_REFUSED[state]}.",
                    method=self.status_method,
                    url=self._session.url(path),
                )
        await self._change_status(path, orjson.dumps({"status": change.value}))

    async def start(
        self,
        campaign_id: int,
        *,
        current: CampaignState | CampaignStatus | Campaign | None = None,
        check: bool = True,
    ) -> None:
        """Set the campaign RUNNING (from NEW, PAUSED or PURGED); see :meth:`set_status`."""
        await self.set_status(campaign_id, StatusChange.RUNNING, current=current, check=check)

    async def pause(
        self,
        campaign_id: int,
        *,
        current: CampaignState | CampaignStatus | Campaign | None = None,
        check: bool = True,
    ) -> None:
        """Pause a RUNNING campaign; see :meth:`set_status`."""
        await self.set_status(campaign_id, StatusChange.PAUSED, current=current, check=check)

    async def purge(
        self,
        campaign_id: int,
        *,
        current: CampaignState | CampaignStatus | Campaign | None = None,
        check: bool = True,
    ) -> None:
        """Purge a PAUSED campaign (flush its queued records); see :meth:`set_status`."""
        await self.set_status(campaign_id, StatusChange.PURGED, current=current, check=check)

    async def stop(
        self,
        campaign_id: int,
        *,
        current: CampaignState | CampaignStatus | Campaign | None = None,
        check: bool = True,
    ) -> None:
        """Stop the campaign. STOPPED is final: it can never run again. See :meth:`set_status`."""
        await self.set_status(campaign_id, StatusChange.STOPPED, current=current, check=check)

    async def _change_status(self, path: str, body: bytes) -> None:
        """Send a status change; a 405 (the service wants the other method) tries the other
        method once and keeps it, unless ``status_method`` was set explicitly."""
        method = self.status_method
        try:
            await self._writes.request(method, path, body=body, write=True)
            return
        except ApiError as err:
            if err.status != 405:
                raise
            other: StatusMethod = "PATCH" if method == "POST" else "POST"
            if self.status_method_fixed:
                raise ApiError(
                    f"the service does not accept {method} for status changes (HTTP 405) and "
                    f"status_method={method!r} was set explicitly: set status_method="
                    f"{other!r} (CLI: --status-method {other}, or CC_STATUS_METHOD), or leave "
                    "it unset so that the client finds the method itself",
                    status=405,
                    method=method,
                    url=err.url,
                ) from err
            first = err
        try:
            await self._writes.request(other, path, body=body, write=True)
        except ApiError as err:
            if err.status == 405:
                raise ApiError(
                    "the service accepts neither POST nor PATCH for status changes (HTTP 405 "
                    "to both); check the base URL",
                    status=405,
                    method=other,
                    url=err.url,
                ) from first
            # Any other answer means the service does take this method.
            self._keep_status_method(other)
            raise
        self._keep_status_method(other)

    def _keep_status_method(self, method: StatusMethod) -> None:
        if self.status_method != method:
            logger.info(
                "status changes: the service answered 405 to %s; using %s from now on",
                self.status_method,
                method,
            )
            self.status_method = method

    async def _current_state(
        self, cid: int, current: CampaignState | CampaignStatus | Campaign | None
    ) -> CampaignState | None:
        if current is None:
            current = await self.get(cid)
        if isinstance(current, Campaign):
            return current.state
        if isinstance(current, CampaignState):
            return current
        if isinstance(current, int):
            # A status code, e.g. ``campaign.status`` (an unknown code is kept as a plain int):
            # an unknown one is not checked here, the server decides.
            try:
                return CampaignStatus(current).state
            except ValueError:
                return None
        try:
            return CampaignState(str(current).strip().upper())
        except ValueError:
            names = ", ".join(s.value for s in CampaignState)
            raise ValidationError(
                f"unknown current state {current!r}: use one of {names}"
            ) from None
