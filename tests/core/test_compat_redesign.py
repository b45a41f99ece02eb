"""What code written for the release before the restructure (commit 6b0ff67) still gets.

An adversarial review of issue 9 compared the two trees and wrote each difference it found as a
reproduction; all are fixed: old adapters, old module paths, old keyword names and the old
session keep working (deprecated), and the two providers no longer share one's readings of
status 206 or of the "Maximum limit" refusal.
"""

from __future__ import annotations

import importlib
import uuid
import warnings
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from cc_campaigns import RetryPolicy
from cc_campaigns.bulk import (
    Bucket,
    BulkOptions,
    BulkReport,
    ItemOutcome,
    Progress,
    Verdict,
    run_bulk,
)
from cc_campaigns.errors import BadRequestError, OutcomeUnknownError, RateLimitedError
from cc_campaigns.voipbin import VoipbinClient

from ..servers import Script

#: Retries that cost nothing, so a wrongly retried write shows in the request count at once.
TINY_RETRY = RetryPolicy(
    attempts=3, backoff_initial=0.001, backoff_max=0.002, retry_after_max=0.005, total_time=None
)
CAPACITY_400 = {"message": "Maximum limit of scheduled customers has been reached"}


# -- the 8x8 back-off signal leaks into every provider --------------------------------------------


async def test_voipbin_does_not_treat_the_8x8_capacity_400_as_back_off() -> None:
    # The restructure moved 8x8's "Maximum limit of scheduled customers" rule out of the core
    # into Session(backoff=dynamic.errors.is_capacity_refusal): only 8x8 documents that 400 as
    # "nothing applied, back off". VoIPbin passes no backoff rule, so a VoIPbin 400 is a
    # refusal: BadRequestError, sent once (a POST that creates a target is not resent), and in a
    # bulk run the item is "rejected", not "not_sent"/throttled. The shared message rule in
    # cc_campaigns/errors.py (_MESSAGE_RULES, first entry) makes the per-provider option moot.
    server = Script(lambda request: web.json_response(CAPACITY_400, status=400))
    async with (
        server,
        VoipbinClient(accesskey="k-123", base_url=server.url, retry=TINY_RETRY) as vb,
    ):
        with pytest.raises(Exception) as raised:
            await vb.outdials.targets.create(uuid.uuid4(), destination="+15551234567")
    assert not isinstance(raised.value, RateLimitedError)
    assert isinstance(raised.value, BadRequestError)
    assert server.requests == 1


async def test_voipbin_bulk_counts_a_capacity_worded_400_as_rejected() -> None:
    # The bulk consequence of the finding above: each target is POSTed `attempts` times and
    # ends "not_sent" (a rerun sends it again, forever), where a VoIPbin 400 is a final refusal.
    server = Script(lambda request: web.json_response(CAPACITY_400, status=400))
    async with (
        server,
        VoipbinClient(accesskey="k-123", base_url=server.url, retry=TINY_RETRY) as vb,
    ):
        report = await vb.bulk_add_targets(
            uuid.uuid4(),
            ["+15551234567", "+15551234568"],
            rate=0,
            skip_existing=False,
            retry=TINY_RETRY,
        )
    assert report.balanced
    assert report.throttled == 0
    assert (report.rejected, report.not_sent) == (2, 0)
    assert server.requests == 2


async def test_voipbin_target_created_with_a_206_is_not_reported_rejected() -> None:
    # Since the restructure a 206 is an outcome-unknown status for 8x8 only (Session(
    # outcome_unknown=...)); for VoIPbin the session returns it as a success and the adapter
    # accepts it (check_target_answer: a JSON object with an id: the target exists). But the
    # neutral engine still treats 206 as "not a success" (attempts.py: 200 <= status < 300 and
    # status != 206) and asks VoIPbinTargets.classify(206), which falls through to REJECT. The
    # report then says "rejected by server" (and the rejects file lists it as refused for good)
    # for a target that is in the outdial: the report contradicts the service. At 6b0ff67 the
    # item was "unknown" (resent, looked up). Expected: applied (or at worst unknown), never
    # rejected. Fix: the engine asks the adapter which statuses mean "outcome unknown" (or
    # treats any 2xx the adapter's send returned as applied), and VoIPbin's classify maps 2xx
    # to OK.
    created: list[str] = []

    async def answer(request: web.Request) -> web.Response:
        if request.method == "POST":
            body = await request.json()
            created.append(body["destination_0"]["target"])
            target = {"id": str(uuid.uuid4()), "destination_0": body["destination_0"]}
            return web.json_response(target, status=206)
        return web.json_response({"result": [], "next_page_token": ""})

    server = Script(answer)
    async with (
        server,
        VoipbinClient(accesskey="k-123", base_url=server.url, retry=TINY_RETRY) as vb,
    ):
        report = await vb.bulk_add_targets(
            uuid.uuid4(), ["+15551234567"], rate=0, skip_existing=False, retry=TINY_RETRY
        )
    assert created == ["+15551234567"]  # the service created it
    assert report.balanced
    assert report.rejected == 0, report.reasons


# -- old module paths -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("module", "name"),
    [
        ("cc_campaigns.simulator.variants", "OPENAPI"),
        ("cc_campaigns.simulator.variants", "Variants"),
        ("cc_campaigns.simulator.state", "SimState"),
        ("cc_campaigns.simulator.faults", "TokenBucket"),
    ],
)
def test_old_simulator_submodules_still_import(module: str, name: str) -> None:
    # 6b0ff67's README documents "Simulator(variants=Variants(...)) (module
    # cc_campaigns.simulator.variants)" with the presets variants.OPENAPI / GUIDE_TABLES /
    # SUPPORT, and the simulator docstring names cc_campaigns.simulator.state.SimState. The
    # promise is that old module paths are deprecated aliases that keep working; only the
    # package itself was kept (cc_campaigns/simulator/__init__.py), not its submodules. Fix:
    # alias modules (warning) for variants/state/faults/app re-exporting
    # cc_campaigns.dynamic.simulator.<same>.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        old = importlib.import_module(module)
        new = importlib.import_module(module.replace(".simulator.", ".dynamic.simulator."))
    assert getattr(old, name) is getattr(new, name)


def test_deprecated_customer_source_alias_reads_a_file_as_before(tmp_path: Path) -> None:
    # 6b0ff67: CustomerSource(path) (what read_customers returned, public in
    # cc_campaigns.bulk and cc_campaigns.bulk.sources) read the 8x8 id columns by default. At
    # HEAD the name is a deprecated alias of the neutral FileSource, whose id_columns has no
    # default: the alias warns, then breaks. Expected: it keeps the old default (the 8x8
    # ID_COLUMNS), e.g. alias a small subclass/partial instead of FileSource itself.
    source = tmp_path / "ids.csv"
    source.write_text("customer_id\n1\n2\n")
    with pytest.warns(DeprecationWarning):
        from cc_campaigns.bulk.sources import CustomerSource
    rows = list(CustomerSource(source))
    assert [row.value for row in rows] == ["1", "2"]


async def test_deprecated_session_alias_keeps_the_8x8_defaults() -> None:
    # 6b0ff67's cc_campaigns.session.Session had 8x8's rules built in: a 206 raised
    # OutcomeUnknownError ("sent, outcome unknown") and error bodies were read with
    # decode_8x8_error ({"message": ...} -> the message). At HEAD the deprecated module
    # re-exports the neutral Session, whose defaults are outcome_unknown=() and
    # decode_text_error: code written against the old path now gets a 206 back as a plain
    # success (it would count a maybe-applied write as done) and messages such as
    # '{"message": "Invalid customer list provided."}'. Expected: the old path behaves as it
    # did. Fix: cc_campaigns/session.py exports a Session (subclass or factory) defaulting to
    # error_decoder=decode_8x8_error, outcome_unknown=OUTCOME_UNKNOWN,
    # backoff=is_capacity_refusal.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from cc_campaigns.session import Session

    bodies = {
        "/timeout": (206, {"message": "The request was sent but the response timed out."}),
        "/refused": (400, {"message": "Invalid customer list provided."}),
    }

    def answer(request: web.Request) -> web.Response:
        status, body = bodies[request.path]
        return web.json_response(body, status=status)

    server = Script(answer)
    async with server:
        session = Session(server.url, read_headers={}, write_headers={})
        try:
            with pytest.raises(BadRequestError) as refused:
                await session.send("POST", "/refused", body=b"[]", write=True)
            assert refused.value.message == "Invalid customer list provided."
            with pytest.raises(OutcomeUnknownError):
                await session.send("POST", "/timeout", body=b"[]", write=True)
        finally:
            await session.close()


class _OldProtocolAdapter:
    """An adapter written against 6b0ff67's public ``cc_campaigns.bulk.Adapter`` protocol: its
    required members only (``provider``, ``target_kind`` and ``diagnose`` were optional)."""

    operation = "add"
    target = "list-1"
    max_batch = 10

    def __init__(self) -> None:
        self.sent: list[int] = []

    def prepare(self, raw: Any) -> tuple[int | None, Any]:
        return int(raw), int(raw)

    def prepare_chunk(self, chunk: list[Any]) -> None:
        return None

    def describe(self, payload: Any) -> tuple[Any, str | None]:
        return payload, None

    def raw_id(self, raw: Any) -> tuple[Any, str | None, int | None]:
        return raw, None, None

    async def send(self, payloads: list[Any], body: bytes | None) -> None:
        self.sent += payloads  # every item accepted

    def encode(self, payloads: list[Any]) -> None:
        return None

    def classify(self, status: int, message: str | None) -> Verdict:
        return Verdict.REJECT

    def is_fatal(self, error: Any) -> bool:
        return False


async def test_an_adapter_of_the_old_public_protocol_still_runs() -> None:
    # cc_campaigns.bulk exported Adapter, Engine and run_bulk at 6b0ff67, and the protocol said
    # provider, target_kind and diagnose were optional (the engine used getattr with defaults:
    # "", "campaign", no diagnosis). The split engine (bulk/engine.py: Engine.__init__ reads
    # adapter.target_kind, adapter.max_records, adapter.diagnose, adapter.provider,
    # adapter.id_field) requires the members the restructure added, so a third-party adapter
    # breaks with an AttributeError instead of a deprecation. Expected: it runs as before (or
    # is told clearly what to add). Fix: getattr with the old defaults (and max_records=None,
    # id_field=DEFAULT_ID_FIELD, diagnose=lambda: None), warning DeprecationWarning.
    adapter = _OldProtocolAdapter()
    with pytest.warns(DeprecationWarning, match="diagnose, id_field, max_records, provider"):
        report = await run_bulk(adapter, range(1, 26), BulkOptions())  # type: ignore[arg-type]
    assert report.target_kind == "campaign"
    assert report.balanced
    assert report.applied == 25
    assert adapter.sent == list(range(1, 26))


# -- the report's old names as constructor keywords -----------------------------------------------


def test_item_outcome_old_keyword_still_constructs() -> None:
    # 6b0ff67: ItemOutcome(customer_id=..., bucket=...) (attrs field). The renamed field
    # item_id keeps a deprecated read alias, but code (and users' tests of their on_batch
    # callbacks) that build an outcome with the old keyword now crash. Expected: works, with a
    # DeprecationWarning. Fix: a custom __init__ / attrs converter accepting customer_id=.
    with pytest.warns(DeprecationWarning):
        outcome = ItemOutcome(customer_id=5, bucket=Bucket.APPLIED)  # type: ignore[call-arg]
    assert outcome.item_id == 5


def test_bulk_report_old_field_names_still_construct_and_assign() -> None:
    # 6b0ff67: campaign_id and added were attrs fields of the (mutable) BulkReport and added a
    # field of Progress; callers that build or update a report (merging the reports of several
    # runs, tests of on_progress) used them. Expected: deprecated but working (warns).
    with pytest.warns(DeprecationWarning):
        report = BulkReport(operation="add", campaign_id=7)  # type: ignore[call-arg]
    assert report.target == 7
    with pytest.warns(DeprecationWarning):
        report.added = 3  # type: ignore[misc]
    assert report.applied == 3
    with pytest.warns(DeprecationWarning):
        progress = Progress(  # type: ignore[call-arg]
            done=1,
            total=1,
            added=1,
            failed=0,
            rate=1.0,
            eta=0.0,
            in_flight=0,
            concurrency=1,
            retries=0,
            elapsed=1.0,
        )
    assert progress.applied == 1
