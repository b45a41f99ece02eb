"""Shared fixtures of the VoIPbin tests: the simulator and a client pointed at it.

The simulator listens on 127.0.0.1, port 0; nothing here talks to api.voipbin.net.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from cc_campaigns import RetryPolicy
from cc_campaigns.voipbin import VoipbinClient
from cc_campaigns.voipbin.simulator import VoipbinSimulator

#: Recognisable, so a test can grep for them anywhere they must not be.
ACCESSKEY = "vbkey-SECRET-4f2a9c"
TOKEN = "eyJ.vbjwt-SECRET-77aa0d"
#: Retries without waiting (a test never sleeps for real).
FAST = RetryPolicy(
    attempts=3, backoff_initial=0.001, backoff_max=0.002, retry_after_max=0.005, total_time=None
)
#: A well-formed id that names nothing.
MISSING = "5b2c4a1e-0000-4000-8000-000000000001"
#: A flow action (the tutorial's "talk").
TALK = {"type": "talk", "option": {"text": "Hello", "language": "en-US"}}


@pytest.fixture
async def vsim() -> AsyncIterator[VoipbinSimulator]:
    """The VoIPbin simulator accepting :data:`ACCESSKEY` and :data:`TOKEN`, no rate limit."""
    async with VoipbinSimulator(accesskey=ACCESSKEY, token=TOKEN, rate=None) as simulator:
        yield simulator


@pytest.fixture
async def vb(vsim: VoipbinSimulator) -> AsyncIterator[VoipbinClient]:
    """A client of :func:`vsim` with the access key and fast retries."""
    async with VoipbinClient(accesskey=ACCESSKEY, base_url=vsim.url, retry=FAST) as client:
        yield client
