"""Shared fixtures: a running simulator with a CRM and campaigns, and a client pointed at it.

The simulator listens on 127.0.0.1, port 0; nothing here talks to a real 8x8 cluster.
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Iterator
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace
from typing import Any

import aiohttp
import aioresponses.core
import pytest
from aioresponses import aioresponses as _aioresponses

from cc_campaigns import CampaignsClient, CampaignStatus, RetryPolicy
from cc_campaigns.dynamic.simulator import Simulator

USERNAME = "tenant-acme"
#: Recognisable, so a test can grep for them anywhere they must not be.
DATA_TOKEN = "data-SECRET-5e1f0c"
ACTION_TOKEN = "action-SECRET-9b7d2a"

#: The simulator's pinned clock: schedule rules are deterministic.
NOW = datetime(2025, 3, 3, 12, 0, tzinfo=timezone.utc)

#: Retries that do not slow the suite down (and a capped Retry-After).
FAST_RETRY = RetryPolicy(
    attempts=3, backoff_initial=0.001, backoff_max=0.002, retry_after_max=0.005, total_time=None
)

# Campaigns of the ``sim`` fixture.
RUNNING = 100  # MANUAL_RUNNING: accepts uploads
NEW = 101  # not started: refuses uploads
NOT_DYNAMIC = 102
DISABLED = 103
STOPPED = 104
WINDOWED = 105  # running, campaign schedule NOW+1d .. NOW+2d
MISSING = 9  # no such campaign

CAMPAIGN_WINDOW = (NOW + timedelta(days=1), NOW + timedelta(days=2))

#: Customers in the CRM; 900-909 are also on the do-not-call list.
CRM = range(1, 1001)
DNC = range(900, 910)
NOT_IN_CRM = 5000


def populate(sim: Simulator) -> None:
    """The standard tenant: a CRM, a DNC list and one campaign of each kind."""
    sim.add_crm_customers(CRM)
    sim.add_dnc(DNC)
    sim.add_campaign(RUNNING, status=CampaignStatus.MANUAL_RUNNING, name="Running")
    sim.add_campaign(NEW, name="New")
    sim.add_campaign(NOT_DYNAMIC, dynamic=False, status=CampaignStatus.MANUAL_RUNNING)
    sim.add_campaign(DISABLED, enabled=False, status=CampaignStatus.MANUAL_RUNNING)
    sim.add_campaign(STOPPED, status=CampaignStatus.MANUAL_STOPPED)
    sim.add_campaign(WINDOWED, status=CampaignStatus.MANUAL_RUNNING, schedule=CAMPAIGN_WINDOW)


def make_simulator(**options: object) -> Simulator:
    """A simulator with the test credentials and pinned clock; ``options`` override."""
    settings: dict[str, object] = {
        "username": USERNAME,
        "data_token": DATA_TOKEN,
        "action_token": ACTION_TOKEN,
        "clock": lambda: NOW,
    }
    settings.update(options)
    return Simulator(**settings)  # type: ignore[arg-type]


def make_client(sim: Simulator, **options: object) -> CampaignsClient:
    """A client pointed at ``sim`` with the test credentials and fast retries."""
    settings: dict[str, object] = {
        "username": USERNAME,
        "data_token": DATA_TOKEN,
        "action_token": ACTION_TOKEN,
        "base_url": sim.url,
        "retry": FAST_RETRY,
    }
    settings.update(options)
    return CampaignsClient(**settings)  # type: ignore[arg-type]


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    """A running simulator holding the standard tenant (see :func:`populate`)."""
    async with make_simulator() as simulator:
        populate(simulator)
        yield simulator


@pytest.fixture
async def client(sim: Simulator) -> AsyncIterator[CampaignsClient]:
    """A client pointed at ``sim``, closed after the test."""
    async with make_client(sim) as cc:
        yield cc


_NEEDS_STREAM_WRITER = (
    "stream_writer" in inspect.signature(aiohttp.ClientResponse.__init__).parameters
)


class _CompatResponse(aiohttp.ClientResponse):
    """aioresponses 0.7.9 builds responses without the ``stream_writer`` that aiohttp 3.12+
    requires; give it a stand-in that reports nothing written."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if _NEEDS_STREAM_WRITER:
            kwargs.setdefault("stream_writer", SimpleNamespace(output_size=0))
        super().__init__(*args, **kwargs)


@pytest.fixture
def http_mock(monkeypatch: pytest.MonkeyPatch) -> Iterator[_aioresponses]:
    """aioresponses, active for the test: every request is intercepted (an unregistered URL
    fails with a connection error), so nothing reaches a real cluster."""
    monkeypatch.setattr(aioresponses.core, "ClientResponse", _CompatResponse)
    with _aioresponses() as mocked:
        yield mocked
