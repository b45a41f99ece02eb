"""``PATCH /{campaignId}``: move a campaign through its lifecycle (the 8 actions).

There is no read of a campaign in this API: the ``PATCH`` answer is the only view of its state.
The client remembers the state of each campaign it last saw, and refuses an action the state
machine (:data:`~cc_campaigns.campaigns_v1.models.ACTIONS`) rules out before sending it.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

from ..._transport.session import Session
from ...errors import (
    ApiError,
    AuthenticationError,
    InvalidTransitionError,
    NotFoundError,
    RateLimitedError,
    ServerError,
    TransitionRefusedError,
    UnexpectedResponseError,
    ValidationError,
)
from ..errors import Problem
from ..models import ACTIONS, Campaign, CampaignAction, CampaignState, reachable
from ..wire import campaign_from_wire
from ._base import Resource, campaign_path

__all__ = ["Campaigns", "transition_refusal"]


def _action(value: Any) -> CampaignAction:
    if isinstance(value, CampaignAction):
        return value
    if isinstance(value, str):
        try:
            return CampaignAction(value.strip().upper())
        except ValueError:
            pass
    names = ", ".join(a.value for a in CampaignAction)
    raise ValidationError(f"unknown action {value!r}: one of {names}")


def _state(value: Any) -> CampaignState | None:
    if value is None or isinstance(value, CampaignState):
        return value
    if isinstance(value, str):
        try:
            return CampaignState(value.strip().upper())
        except ValueError:
            pass
    names = ", ".join(s.value for s in CampaignState)
    raise ValidationError(f"unknown campaign state {value!r}: one of {names}")


def allowed(state: CampaignState, action: CampaignAction, *, build_on_start: bool | None) -> bool:
    """Whether ``state`` accepts ``action`` (START from CREATED only with build-on-start)."""
    if action not in ACTIONS[state]:
        return False
    return not (state is CampaignState.CREATED and action is CampaignAction.START) or bool(
        build_on_start
    )


def refusal(
    state: CampaignState,
    action: CampaignAction,
    *,
    build_on_start: bool | None,
    remembered: bool,
    then_start: bool = False,
) -> str | None:
    """Why ``action`` cannot be taken from ``state``, or ``None`` when it may be.

    A remembered state (the last ``PATCH`` answer) may have moved on by itself since (a build
    finishes, a schedule opens), so the action is refused only when no state the service can
    reach on its own from it accepts it either. ``then_start``: the remembered BUILDING was
    the answer of START with build-on-start, so the build goes on to start (PENDING or
    STARTING, then RUNNING) [notes §4, GS].
    """
    candidates = reachable(state) if remembered else frozenset({state})
    if remembered and then_start:
        candidates = candidates | reachable(CampaignState.PENDING)
    if any(allowed(s, action, build_on_start=build_on_start) for s in candidates):
        return None
    sources = [s.value for s in CampaignState if action in ACTIONS[s]]
    said = f"last seen {state.value}" if remembered else f"{state.value}"
    if action is CampaignAction.START and state is CampaignState.CREATED:
        return f"the campaign is {said}: START from CREATED needs build_on_start=True"
    accepted = ", ".join(sources) if sources else "no state"
    if not ACTIONS[state]:
        why = f"{state.value} accepts no action"
    else:
        why = f"{state.value} accepts only {', '.join(sorted(a.value for a in ACTIONS[state]))}"
    moved = ""
    if remembered and len(candidates) > 1:
        others = ", ".join(sorted(s.value for s in candidates if s is not state))
        moved = f" (nor does any state it can reach on its own: {others})"
    return f"the campaign is {said}: {why}{moved}; {action.value} is accepted from {accepted}"


def transition_refusal(error: ApiError) -> ApiError:
    """A ``PATCH`` refusal read for what it is: a 409, or a 400 without field errors (the
    OpenAPI's "illegal state transition"), is a :class:`TransitionRefusedError`; other
    errors are returned as they are."""
    final = (AuthenticationError, NotFoundError, RateLimitedError, ServerError)
    if isinstance(error, (*final, UnexpectedResponseError)) and not (
        isinstance(error, RateLimitedError) and error.status in (400, 409)
    ):
        return error
    problem = getattr(error, "problem", None)
    field_errors = isinstance(problem, Problem) and bool(problem.errors)
    if error.status == 409 or (error.status == 400 and not field_errors):
        if isinstance(error, TransitionRefusedError):
            return error
        refused = TransitionRefusedError(
            error.message,
            status=error.status,
            method=error.method,
            url=error.url,
            reason=error.reason,
            request_id=error.request_id,
        )
        refused.__dict__.update(
            {k: v for k, v in vars(error).items() if k in ("problem", "instance", "time")}
        )
        return refused
    return error


class Campaigns(Resource):
    """``PATCH /{campaignId}`` with each action.

    Args:
        session: The client's session.
        states: The client's memory of the state each campaign was last seen in.
    """

    def __init__(self, session: Session, states: MutableMapping[str, CampaignState]) -> None:
        super().__init__(session)
        self._states = states
        #: Campaigns last seen BUILDING in the answer to START with build-on-start.
        self._then_start: set[str] = set()

    def last_state(self, campaign_id: Any) -> CampaignState | None:
        """The state the campaign was in after the last action this client sent it (``None``:
        not seen yet). It may have moved on by itself since."""
        return self._states.get(campaign_path(campaign_id)[1:])

    async def modify(
        self,
        campaign_id: Any,
        action: CampaignAction | str,
        *,
        enabled: bool | None = None,
        build_on_start: bool | None = None,
        current: CampaignState | str | None = None,
        check: bool = True,
    ) -> Campaign:
        """Send ``action`` (optionally setting the enabled flag) and return the campaign as the
        service answers: its state once the action was accepted (BUILDING and STARTING move on
        by themselves).

        Args:
            campaign_id: The campaign's UUID.
            action: One of :class:`~cc_campaigns.campaigns_v1.CampaignAction` (or its name).
            enabled: Enable or disable the campaign with the action (left as it is if None).
                While disabled, only BUILD and RESET are accepted.
            build_on_start: Only with START: build, then start, in one request (from CREATED
                too); it overrides the campaign's own setting.
            current: The campaign's state, if you know it: an action it does not accept is
                refused before sending. Default: the state in this client's last answer for
                the campaign (an action is then refused only when neither that state nor any
                it can reach on its own accepts it).
            check: False sends the action whatever the state machine says.

        Raises:
            ValidationError: an unknown action or state, ``build_on_start`` without START, a
                campaign id that is not a UUID.
            InvalidTransitionError: refused before sending (``status`` None, the message says
                why), or refused by the service (409 or 400, a
                :class:`~cc_campaigns.errors.TransitionRefusedError`).
            NotFoundError: no such campaign for this tenant (or wrong site or tenant).
            AuthenticationError: the key is refused (401) or lacks the product (403).
        """
        path = campaign_path(campaign_id)
        act = _action(action)
        if build_on_start is not None and act is not CampaignAction.START:
            raise ValidationError("build_on_start goes only with the START action")
        if enabled is not None and not isinstance(enabled, bool):
            raise ValidationError(f"enabled must be True, False or None, got {enabled!r}")
        given = _state(current)
        state = given if given is not None else self._states.get(path[1:])
        if check and state is not None:
            why = refusal(
                state,
                act,
                build_on_start=build_on_start,
                remembered=given is None,
                then_start=path[1:] in self._then_start,
            )
            if why is not None:
                raise InvalidTransitionError(
                    f"{act.value} refused before sending: {why}",
                    method="PATCH",
                    url=self._session.url(path),
                )
        body: dict[str, Any] = {"action": act.value}
        if enabled is not None:
            body["enabled"] = enabled
        if build_on_start is not None:
            body["buildOnStart"] = build_on_start
        try:
            answer = await self._send("PATCH", path, body)
        except ApiError as err:
            refused = transition_refusal(err)
            if isinstance(refused, TransitionRefusedError):
                # What this client remembered of the campaign is out of date.
                self._states.pop(path[1:], None)
                self._then_start.discard(path[1:])
            if refused is err:
                raise
            raise refused from err
        campaign = self._read(answer, campaign_from_wire)
        if isinstance(campaign.state, CampaignState):
            self._states[path[1:]] = campaign.state
        if act is CampaignAction.START and campaign.state is CampaignState.BUILDING:
            self._then_start.add(path[1:])
        else:
            self._then_start.discard(path[1:])
        return campaign

    async def build(
        self,
        campaign_id: Any,
        *,
        enabled: bool | None = None,
        current: CampaignState | str | None = None,
        check: bool = True,
    ) -> Campaign:
        """BUILD (from CREATED, READY or BUILD_ERROR): the campaign becomes BUILDING, then READY
        or BUILD_ERROR. Options as :meth:`modify`."""
        return await self.modify(
            campaign_id,
            CampaignAction.BUILD,
            enabled=enabled,
            current=current,
            check=check,
        )

    async def reset(
        self,
        campaign_id: Any,
        *,
        enabled: bool | None = None,
        current: CampaignState | str | None = None,
        check: bool = True,
    ) -> Campaign:
        """RESET (from READY or BUILD_ERROR) back to CREATED. Options as :meth:`modify`."""
        return await self.modify(
            campaign_id,
            CampaignAction.RESET,
            enabled=enabled,
            current=current,
            check=check,
        )

    async def start(
        self,
        campaign_id: Any,
        *,
        build_on_start: bool | None = None,
        enabled: bool | None = None,
        current: CampaignState | str | None = None,
        check: bool = True,
    ) -> Campaign:
        """START (from READY; from CREATED with ``build_on_start=True``): PENDING until the
        schedule opens, then STARTING, then RUNNING. Options as :meth:`modify`."""
        return await self.modify(
            campaign_id,
            CampaignAction.START,
            build_on_start=build_on_start,
            enabled=enabled,
            current=current,
            check=check,
        )

    async def pause(
        self,
        campaign_id: Any,
        *,
        enabled: bool | None = None,
        current: CampaignState | str | None = None,
        check: bool = True,
    ) -> Campaign:
        """PAUSE (from RUNNING): nothing new is queued; queued records are still dialled.
        Options as :meth:`modify`."""
        return await self.modify(
            campaign_id,
            CampaignAction.PAUSE,
            enabled=enabled,
            current=current,
            check=check,
        )

    async def resume(
        self,
        campaign_id: Any,
        *,
        enabled: bool | None = None,
        current: CampaignState | str | None = None,
        check: bool = True,
    ) -> Campaign:
        """RESUME (from PAUSED) to RUNNING. Options as :meth:`modify`."""
        return await self.modify(
            campaign_id,
            CampaignAction.RESUME,
            enabled=enabled,
            current=current,
            check=check,
        )

    async def retry(
        self,
        campaign_id: Any,
        *,
        enabled: bool | None = None,
        current: CampaignState | str | None = None,
        check: bool = True,
    ) -> Campaign:
        """RETRY (from RUN_ERROR): processing resumes. Options as :meth:`modify`."""
        return await self.modify(
            campaign_id,
            CampaignAction.RETRY,
            enabled=enabled,
            current=current,
            check=check,
        )

    async def cancel(
        self,
        campaign_id: Any,
        *,
        enabled: bool | None = None,
        current: CampaignState | str | None = None,
        check: bool = True,
    ) -> Campaign:
        """CANCEL (from PENDING, RUNNING, PAUSED or RUN_ERROR) to COMPLETE (shown STOPPED).
        Options as :meth:`modify`."""
        return await self.modify(
            campaign_id,
            CampaignAction.CANCEL,
            enabled=enabled,
            current=current,
            check=check,
        )

    async def purge(
        self,
        campaign_id: Any,
        *,
        enabled: bool | None = None,
        current: CampaignState | str | None = None,
        check: bool = True,
    ) -> Campaign:
        """PURGE (from PAUSED, RUN_ERROR or COMPLETE): queued interactions are cleared; the
        state does not change. Options as :meth:`modify`."""
        return await self.modify(
            campaign_id,
            CampaignAction.PURGE,
            enabled=enabled,
            current=current,
            check=check,
        )
