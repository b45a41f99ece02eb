"""The state machine as data (property-based): with ``current=``, an action is sent iff the
vendor's table allows it; a remembered state refuses only what no state it can reach on its
own allows; every refusal is an InvalidTransitionError that says why, sent or not."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cc_campaigns import InvalidTransitionError, TransitionRefusedError
from cc_campaigns.campaigns_v1 import ACTIONS, CampaignAction, CampaignState, CampaignsV1Client
from cc_campaigns.campaigns_v1.models import AUTOMATIC, TRANSIENT_STATES, reachable
from cc_campaigns.campaigns_v1.resources.campaigns import allowed, refusal

from .examples import API_KEY, CID, TENANT

S, A = CampaignState, CampaignAction

#: The vendor's action table, written out again by hand (SM; START from CREATED: GS).
TABLE = {
    A.BUILD: {S.CREATED, S.READY, S.BUILD_ERROR},
    A.RESET: {S.READY, S.BUILD_ERROR},
    A.START: {S.READY, S.CREATED},
    A.PAUSE: {S.RUNNING},
    A.RESUME: {S.PAUSED},
    A.RETRY: {S.RUN_ERROR},
    A.CANCEL: {S.PENDING, S.RUNNING, S.PAUSED, S.RUN_ERROR},
    A.PURGE: {S.PAUSED, S.RUN_ERROR, S.COMPLETE},
}


def test_the_table_is_the_vendors() -> None:
    assert len(CampaignState) == 11 and len(CampaignAction) == 8
    for action, states in TABLE.items():
        assert {s for s in CampaignState if action in ACTIONS[s]} == states
    assert {S.BUILDING, S.STARTING} == TRANSIENT_STATES
    assert not ACTIONS[S.BUILDING] and not ACTIONS[S.STARTING] and not ACTIONS[S.DELETED]
    assert reachable(S.BUILDING) == {S.BUILDING, S.READY, S.BUILD_ERROR}
    assert reachable(S.PENDING) >= {S.STARTING, S.RUNNING, S.COMPLETE, S.RUN_ERROR, S.DELETED}
    assert all(reachable(s) == {s} for s in CampaignState if s not in AUTOMATIC)


class _Sent(Exception):
    """Raised by the stub session instead of sending."""

    def __init__(self, body: Any) -> None:
        super().__init__("sent")
        self.body = body


def _stub(v1: CampaignsV1Client) -> None:
    async def send(method: str, path: str, body: Any) -> Any:
        raise _Sent(body)

    v1.campaigns._send = send  # type: ignore[method-assign]


@settings(max_examples=300, deadline=None)
@given(
    state=st.sampled_from(CampaignState),
    action=st.sampled_from(CampaignAction),
    build_on_start=st.sampled_from([None, False, True]),
)
async def test_every_state_and_action_with_current(
    state: CampaignState, action: CampaignAction, build_on_start: bool | None
) -> None:
    if action is not A.START:
        build_on_start = None
    v1 = CampaignsV1Client(tenant=TENANT, api_key=API_KEY)
    _stub(v1)
    expected = action in ACTIONS[state] and (
        state is not S.CREATED or action is not A.START or bool(build_on_start)
    )
    assert allowed(state, action, build_on_start=build_on_start) is expected
    try:
        await v1.modify_campaign(CID, action, current=state, build_on_start=build_on_start)
    except _Sent as sent:
        assert expected
        assert sent.body["action"] == action.value
    except InvalidTransitionError as err:
        assert not expected
        assert not isinstance(err, TransitionRefusedError) and err.status is None
        assert state.value in str(err) and action.value in str(err)
    else:  # pragma: no cover
        pytest.fail("neither sent nor refused")
    # check=False sends whatever the table says.
    with pytest.raises(_Sent):
        await v1.modify_campaign(
            CID, action, current=state, build_on_start=build_on_start, check=False
        )


@settings(max_examples=300, deadline=None)
@given(state=st.sampled_from(CampaignState), action=st.sampled_from(CampaignAction))
def test_a_remembered_state_refuses_only_what_it_cannot_reach(
    state: CampaignState, action: CampaignAction
) -> None:
    why = refusal(state, action, build_on_start=True, remembered=True)
    possible = any(action in ACTIONS[s] for s in reachable(state))
    assert (why is None) is possible
    if why is not None:
        assert f"last seen {state.value}" in why
