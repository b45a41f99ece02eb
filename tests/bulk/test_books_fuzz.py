"""The fault fuzzer of issue 8: the bulk report never claims more than the service confirmed.

Hypothesis draws a source (ids of the simulator's CRM, repeats, invalid values, ids the service
refuses: on the DNC list or not in the CRM), a schedule of faults (the simulator's knobs and
the hostile proxy's answers, see ``tests/hostile.py``), batch size, concurrency and retry
policy, an interruption (a stop event, a cancelled task, the campaign stopped under the upload)
and an edit of the source after it was finished. It runs the upload, then reruns it with the
same checkpoint and no faults until the report is complete, and checks after every run:

- P1 balanced: ``report.balanced`` and ``submitted == len(source)``;
- P2 ok-in-campaign: every item counted ``added`` or ``already_present`` is in the campaign
  (per item from the rejects file or ``iter_bulk_add``'s outcomes, and by count);
- P3 rejected-only-refusals: ``rejected`` only holds ids the service refuses, never a valid id
  that was throttled, timed out or mangled by the proxy;
- P4 campaign-within-sources: no id is in the campaign that no source held;
- P5 rejects-file: the rejects file lists exactly the items not added, each once, across
  resumes, bucket by bucket as the report counts them;
- P6 rerun-completes: reruns without faults finish the job (no unknown, no not_sent);
- P7 final: every valid id is in the campaign; ``added + already_present`` is the number of
  distinct valid ids; ``rejected``, ``invalid``, ``duplicate_in_input`` are exact;
- P8 sink-untouched: nothing reached the other origin of a 307;
- P9 mismatch: the edited source with the old checkpoint raises ``CheckpointMismatchError``
  before anything is sent;
- P10 restart: ``restart=True`` runs the edited source from scratch (then P1-P7 for it);
- P11 raise-with-report: a run that raises (other than a cancellation or a mismatch) carries
  ``err.report``, whose books pass P1-P5;
- P0 no-hang: every run ends within :data:`RUN_TIMEOUT` seconds.

Bounded in ``make test`` (``CC_FUZZ_EXAMPLES`` unset: a few derandomized examples per test, no
shrinking); ``make fuzz`` runs the long profile (``CC_FUZZ_EXAMPLES=500`` by default, random,
with shrinking, xfail markers ignored). ``CC_FUZZ_SURVEY=FILE`` records every violated property
of every example to FILE (JSON Lines) instead of failing, to tally what breaks.

The tests are ``xfail`` until the engine fixes of issue 8 are merged: then remove the marker.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs
import orjson
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from cc_campaigns import CampaignStatus, RetryPolicy
from cc_campaigns.bulk import BulkReport
from cc_campaigns.dynamic.simulator.faults import TokenBucket
from cc_campaigns.errors import CheckpointMismatchError

from ..conftest import DNC, RUNNING
from ..hostile import Fault, Rig, rig

# -- the profiles -----------------------------------------------------------------------------

_LONG = int(os.environ.get("CC_FUZZ_EXAMPLES", "0") or 0)
_SURVEY = os.environ.get("CC_FUZZ_SURVEY") or None
#: Seconds one upload may take before it counts as a hang (P0).
RUN_TIMEOUT = float(os.environ.get("CC_FUZZ_RUN_TIMEOUT", "30"))

HEALTH = [
    HealthCheck.too_slow,
    HealthCheck.data_too_large,
    HealthCheck.filter_too_much,
    HealthCheck.large_base_example,
]

if _LONG:
    FUZZ = settings(
        max_examples=_LONG,
        deadline=None,
        database=None,
        suppress_health_check=HEALTH,
        print_blob=True,
    )
else:
    # Deterministic and small: the whole file stays well under 30 s.
    FUZZ = settings(
        max_examples=int(os.environ.get("CC_FUZZ_BOUNDED", "25")),
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=HEALTH,
        print_blob=True,
    )

# -- the source ---------------------------------------------------------------------------------

#: Valid ids: in the CRM (1..1000), not on the DNC list (900..909).
VALID_POOL = range(1, 900)
#: Ids the service refuses per item: on the DNC list, or not in the CRM.
REFUSED_POOL = [*DNC, *range(5000, 5010)]
#: Values the client refuses before sending (validate=True).
INVALID_VALUES: list[Any] = [
    "abc",
    -5,
    "",
    "12x",
    10**23,
    None,
    3.5,
    {"customer_id": 950, "schedule": "next tuesday"},
]

HOSTILE = [f for f in Fault if f is not Fault.NONE]
RATES = [0.0, 0.0, 0.05, 0.15, 0.3]


@attrs.frozen
class Scenario:
    source: tuple[Any, ...]
    preloaded: frozenset[int]
    knobs: dict[str, Any]
    schedule: tuple[Fault, ...]
    batch_size: int
    concurrency: int
    attempts: int
    retry_budget: float
    #: "report": bulk_add with a rejects file; "outcomes": iter_bulk_add.
    mode: str
    #: None, ("stop", k), ("cancel", k) at the k-th add request, ("progress", n) callbacks,
    #: ("fatal", k): the campaign is stopped at the k-th add request.
    interrupt: tuple[str, int] | None
    #: None, or (kind, position, new id): "replace" or "insert" after the source finished.
    edit: tuple[str, int, int] | None

    def retry(self) -> RetryPolicy:
        return RetryPolicy(
            attempts=self.attempts,
            backoff_initial=0.001,
            backoff_max=0.002,
            retry_after_max=0.005,
            total_time=None,
        )


def key_of(item: Any) -> int | None:
    """The dedupe key of a source item the client accepts, else None."""
    if type(item) is int and item >= 0:
        return item
    if isinstance(item, str) and item.isdigit():
        return int(item)
    return None


@attrs.frozen
class Expected:
    """What the books must say once a source is finished (validate=True, dedupe=True)."""

    valid: frozenset[int]
    refused: frozenset[int]
    invalid: int
    duplicates: int


def expect(source: tuple[Any, ...]) -> Expected:
    seen: set[int] = set()
    valid: set[int] = set()
    refused: set[int] = set()
    invalid = duplicates = 0
    for item in source:
        key = key_of(item)
        if key is None or key > 10**22:
            invalid += 1
            continue
        if key in seen:
            duplicates += 1
            continue
        seen.add(key)
        (valid if key in VALID_POOL else refused).add(key)
    return Expected(frozenset(valid), frozenset(refused), invalid, duplicates)


@st.composite
def sources(draw: st.DrawFn) -> tuple[Any, ...]:
    valid = draw(st.lists(st.sampled_from(VALID_POOL), unique=True, max_size=60))
    items: list[Any] = [draw(st.sampled_from([v, v, str(v)])) for v in valid]
    items += draw(st.lists(st.sampled_from(REFUSED_POOL), max_size=4))
    items += draw(st.lists(st.sampled_from(INVALID_VALUES), max_size=4))
    if items:
        repeats = draw(st.lists(st.sampled_from(items), max_size=6))
        items += [str(r) if type(r) is int and r >= 0 else r for r in repeats]
    return tuple(draw(st.permutations(items)))


@st.composite
def scenarios(
    draw: st.DrawFn,
    *,
    knobs: bool = True,
    proxy: bool = True,
    interrupts: bool = True,
    edits: bool = True,
) -> Scenario:
    source = draw(sources())
    valid = sorted({k for k in map(key_of, source) if k is not None and k in VALID_POOL})
    preloaded = (
        frozenset(draw(st.lists(st.sampled_from(valid), unique=True, max_size=5)))
        if valid
        else frozenset()
    )
    sim_knobs: dict[str, Any] = {"seed": draw(st.integers(0, 2**16)), "retry_after": 0}
    if knobs:
        for name in ("error_rate", "throttle_rate", "timeout_rate", "disconnect_rate"):
            sim_knobs[name] = draw(st.sampled_from(RATES))
        sim_knobs["capacity"] = draw(st.sampled_from([None, None, None, 400.0]))
    schedule: tuple[Fault, ...] = ()
    if proxy:
        schedule = tuple(
            draw(st.lists(st.one_of(st.just(Fault.NONE), st.sampled_from(HOSTILE)), max_size=12))
        )
    interrupt: tuple[str, int] | None = None
    if interrupts:
        interrupt = draw(
            st.one_of(
                st.none(),
                st.tuples(st.sampled_from(["stop", "cancel", "fatal"]), st.integers(0, 8)),
                st.tuples(st.just("progress"), st.integers(1, 2)),
            )
        )
    edit: tuple[str, int, int] | None = None
    fresh = [i for i in range(850, 900) if i not in valid]
    if edits and source and fresh:
        edit = draw(
            st.tuples(
                st.sampled_from(["replace", "insert"]),
                st.integers(0, len(source) - 1),
                st.sampled_from(fresh),
            )
        )
    mode = draw(st.sampled_from(["report", "report", "outcomes"]))
    if mode == "outcomes" and interrupt is not None and interrupt[0] == "cancel":
        interrupt = ("stop", interrupt[1])  # a cancelled consumer loses yielded outcomes
    return Scenario(
        source=source,
        preloaded=preloaded,
        knobs=sim_knobs,
        schedule=schedule,
        batch_size=draw(st.sampled_from([1, 2, 5, 10, 25, 50])),
        concurrency=draw(st.sampled_from([1, 2, 4, 8])),
        attempts=draw(st.sampled_from([1, 2, 3, 5])),
        retry_budget=draw(st.sampled_from([100.0, 100.0, 5.0])),
        mode=mode,
        interrupt=interrupt,
        edit=edit,
    )


def edited(source: tuple[Any, ...], edit: tuple[str, int, int]) -> tuple[Any, ...]:
    kind, position, new = edit
    items = list(source)
    if kind == "replace":
        items[position] = new
    else:
        items.insert(position, new)
    return tuple(items)


# -- the checker ------------------------------------------------------------------------------


class Books:
    """Runs a scenario against a rig and records every violated property."""

    def __init__(self, scenario: Scenario, r: Rig, workdir: Path) -> None:
        self.scenario = scenario
        self.r = r
        self.checkpoint = workdir / "upload.ckpt"
        self.rejects = workdir / "rejects.jsonl"
        self.violations: list[str] = []
        self.sources: list[tuple[Any, ...]] = [scenario.source]
        self.stop: asyncio.Event | None = None
        self.task: asyncio.Task[Any] | None = None
        self.run_number = 0
        self.armed = False

    # -- bookkeeping

    def check(self, ok: bool, tag: str, detail: Callable[[], str] | str) -> bool:
        if not ok:
            text = detail() if callable(detail) else detail
            self.violations.append(f"[{tag}] run {self.run_number}: {text}")
        return ok

    @property
    def campaign(self) -> set[int]:
        return set(self.r.sim.campaign_customers(RUNNING))

    @property
    def allowed(self) -> set[int]:
        """Every valid id any source held, and the preloaded ones."""
        found = set(self.scenario.preloaded)
        for source in self.sources:
            found |= expect(source).valid
        return found

    # -- faults on / off

    def arm(self) -> None:
        s, sim, proxy = self.scenario, self.r.sim, self.r.proxy
        faults = sim.faults
        faults.error_rate = float(s.knobs.get("error_rate", 0.0))
        faults.throttle_rate = float(s.knobs.get("throttle_rate", 0.0))
        faults.timeout_rate = float(s.knobs.get("timeout_rate", 0.0))
        faults.disconnect_rate = float(s.knobs.get("disconnect_rate", 0.0))
        capacity = s.knobs.get("capacity")
        if capacity is not None:
            faults.bucket = TokenBucket(capacity)
        offset = proxy.adds
        schedule = s.schedule
        proxy.schedule = lambda i: (
            schedule[i - offset] if 0 <= i - offset < len(schedule) else Fault.NONE
        )
        self.interrupt_base = offset
        self.armed = True

    def disarm(self) -> None:
        faults = self.r.sim.faults
        faults.error_rate = faults.throttle_rate = 0.0
        faults.timeout_rate = faults.disconnect_rate = 0.0
        faults.bucket = None
        self.r.proxy.schedule = ()
        self.armed = False
        if self.r.sim.campaign_status(RUNNING) is not CampaignStatus.MANUAL_RUNNING:
            self.r.sim.set_campaign_status(RUNNING, CampaignStatus.MANUAL_RUNNING)

    def on_add(self, index: int) -> None:
        interrupt = self.scenario.interrupt
        if not self.armed or interrupt is None:
            return
        kind, at = interrupt
        if index - self.interrupt_base != at:
            return
        if kind == "stop" and self.stop is not None:
            self.stop.set()
        elif kind == "cancel" and self.task is not None:
            self.task.cancel()
        elif kind == "fatal":
            self.r.sim.set_campaign_status(RUNNING, CampaignStatus.MANUAL_STOPPED)

    # -- one run

    async def run(self, source: tuple[Any, ...], **extra: Any) -> tuple[str, Any]:
        """One upload: ("report", report), ("outcomes", list), ("cancelled", None),
        ("raised", error)."""
        self.run_number += 1
        s = self.scenario
        self.stop = asyncio.Event()
        options: dict[str, Any] = {
            "batch_size": s.batch_size,
            "concurrency": s.concurrency,
            "retry": s.retry(),
            "retry_budget": s.retry_budget,
            "checkpoint": self.checkpoint,
            "stop": self.stop,
            **extra,
        }
        interrupt = s.interrupt
        if self.armed and interrupt is not None and interrupt[0] == "progress":
            calls = 0
            stop = self.stop

            def on_progress(progress: Any) -> None:
                nonlocal calls
                calls += 1
                if calls == interrupt[1]:
                    stop.set()

            options["on_progress"] = on_progress
        client = self.r.client
        if s.mode == "report":

            async def go() -> Any:
                return await client.bulk_add(RUNNING, list(source), rejects=self.rejects, **options)

        else:

            async def go() -> Any:
                # Kept on self: what was yielded before an error is looked at too.
                async for batch in client.iter_bulk_add(RUNNING, list(source), **options):
                    self.collected.extend(batch)
                return self.collected

        self.collected: list[Any] = []
        self.task = asyncio.ensure_future(go())
        try:
            result = await asyncio.wait_for(asyncio.shield(self.task), RUN_TIMEOUT)
        except asyncio.TimeoutError:
            self.task.cancel()
            with contextlib.suppress(BaseException):
                await self.task
            self.check(False, "P0 no-hang", f"the upload did not end in {RUN_TIMEOUT:g} s")
            raise _Hung from None
        except asyncio.CancelledError:
            if not self.task.cancelled():
                raise
            return "cancelled", None
        except Exception as err:
            return "raised", err
        finally:
            self.task = None
        return ("report", result) if s.mode == "report" else ("outcomes", result)

    # -- the properties after a run

    def after(self, source: tuple[Any, ...], kind: str, value: Any) -> bool:
        """Check a run's books; True when the source is complete."""
        campaign = self.campaign
        self.check(
            campaign <= self.allowed,
            "P4 campaign-within-sources",
            lambda: f"ids in the campaign that no source held: {sorted(campaign - self.allowed)}",
        )
        self.check(
            not self.r.sink.received,
            "P8 sink-untouched",
            lambda: (
                f"{len(self.r.sink.received)} request(s) reached the other origin, "
                f"credentials: {self.r.sink.credentials_seen}, first body: "
                f"{self.r.sink.received[0][3][:80]!r}"
            ),
        )
        if kind == "cancelled":
            if self.scenario.mode == "outcomes":
                self.outcome_books(source, self.collected)
            return False
        if kind == "raised":
            err = value
            report = getattr(err, "report", None)
            if isinstance(err, CheckpointMismatchError):
                self.check(False, "P9 mismatch", f"unexpected mismatch: {err}")
                return False
            if self.scenario.mode == "outcomes":
                # iter_bulk_add raises without a report: check what it yielded.
                self.outcome_books(source, self.collected)
                return False
            if not self.check(
                isinstance(report, BulkReport),
                "P11 raise-with-report",
                lambda: f"{type(err).__name__}: {err} (no report)",
            ):
                return False
            return self.report_books(source, report)
        if kind == "report":
            return self.report_books(source, value)
        return self.outcome_books(source, value)

    def report_books(self, source: tuple[Any, ...], report: BulkReport) -> bool:
        campaign = self.campaign
        self.check(
            report.balanced and report.submitted == len(source),
            "P1 balanced",
            lambda: (
                f"submitted {report.submitted} of {len(source)}, buckets {report.to_dict()!r:.300}"
            ),
        )
        distinct = {k for k in map(key_of, source) if k is not None}
        confirmed = len(distinct & campaign)
        self.check(
            report.applied + report.already_present <= confirmed,
            "P2 ok-in-campaign",
            lambda: (
                f"added {report.applied} + already_present {report.already_present} but only "
                f"{confirmed} of the source's ids are in the campaign"
            ),
        )
        rows = self.rows()
        if rows is not None:
            lines = [row.get("line") for row in rows]
            # The rejects file lists every item not added; listing the already present ones
            # too (today's documented behaviour) or none of them are both accepted.
            present_rows = sum(row.get("bucket") == "already_present" for row in rows)
            expected_rows = report.submitted - report.applied
            if present_rows == 0:
                expected_rows -= report.already_present
            self.check(
                len(rows) == expected_rows and len(set(lines)) == len(lines),
                "P5 rejects-file",
                lambda: (
                    f"{len(rows)} rows ({len(set(lines))} distinct lines) for "
                    f"{expected_rows} items not added"
                ),
            )
            buckets = ("duplicate_in_input", "invalid", "rejected", "unknown", "not_sent")
            for bucket in (*buckets, "already_present") if present_rows else buckets:
                listed = sum(row.get("bucket") == bucket for row in rows)
                self.check(
                    listed == getattr(report, bucket),
                    "P5 rejects-file",
                    lambda b=bucket, n=listed: (
                        f"{n} rows {b}, the report says {getattr(report, b)}"
                    ),
                )
            unlisted = set(range(1, len(source) + 1)) - {x for x in lines if type(x) is int}
            for line in sorted(unlisted):
                self.ok_item(source[line - 1], line, "added")
            for row in rows:
                if row.get("bucket") == "already_present":
                    self.ok_item(row.get("customer_id"), row.get("line"), "already_present")
                if row.get("bucket") == "rejected":
                    self.rejected_item(row.get("customer_id"), row.get("message"))
        return report.unknown == 0 and report.not_sent == 0 and not report.aborted

    def outcome_books(self, source: tuple[Any, ...], outcomes: list[Any]) -> bool:
        lines = [o.line for o in outcomes]
        self.check(
            len(set(lines)) == len(lines),
            "P1 balanced",
            "an item has two outcomes in one run",
        )
        done = True
        for outcome in outcomes:
            bucket = outcome.bucket.value
            self.latest[outcome.line] = bucket
            if bucket in ("added", "already_present"):
                self.ok_item(outcome.item_id, outcome.line, bucket)
            elif bucket == "rejected":
                self.rejected_item(outcome.item_id, outcome.message)
        for line in range(1, len(source) + 1):
            if self.latest.get(line) in (None, "unknown", "not_sent"):
                done = False
        return done

    def describe(self, source: tuple[Any, ...], kind: str, value: Any) -> str:
        """The last run's outcome, in one line."""
        if isinstance(value, BulkReport):
            return value.summary().replace("\n", " | ")
        if kind == "outcomes":
            open_lines = {
                line: self.latest.get(line)
                for line in range(1, len(source) + 1)
                if self.latest.get(line) in (None, "unknown", "not_sent")
            }
            return f"lines without a final outcome (line: last bucket seen): {open_lines}"
        return f"{kind} {value!r:.300}"

    def ok_item(self, customer: Any, line: Any, bucket: str) -> None:
        key = key_of(customer)
        campaign = self.campaign
        self.check(
            key is not None and key in campaign,
            "P2 ok-in-campaign",
            lambda: f"line {line} ({customer!r}) counted {bucket}, not in the campaign",
        )

    def rejected_item(self, customer: Any, message: Any) -> None:
        key = key_of(customer)
        self.check(
            key is None or key not in VALID_POOL,
            "P3 rejected-only-refusals",
            lambda: f"valid id {customer!r} counted rejected: {message!r}",
        )

    def rows(self) -> list[dict[str, Any]] | None:
        if self.scenario.mode != "report":
            return None
        if not self.rejects.exists():
            self.check(False, "P5 rejects-file", "no rejects file")
            return None
        return [orjson.loads(line) for line in self.rejects.read_bytes().splitlines()]

    def final(self, source: tuple[Any, ...], report: BulkReport | None) -> None:
        want = expect(source)
        campaign = self.campaign
        self.check(
            want.valid <= campaign,
            "P7 final",
            lambda: (
                f"valid ids missing from the campaign after the reruns: "
                f"{sorted(want.valid - campaign)[:20]}"
            ),
        )
        if report is None:
            return
        got = (
            report.applied + report.already_present,
            report.rejected,
            report.invalid,
            report.duplicate_in_input,
        )
        wanted = (len(want.valid), len(want.refused), want.invalid, want.duplicates)
        self.check(
            got == wanted,
            "P7 final",
            lambda: (
                f"(added+already_present, rejected, invalid, duplicate_in_input) = {got}, "
                f"expected {wanted}"
            ),
        )

    # -- the whole scenario

    async def finish(self, source: tuple[Any, ...], **first: Any) -> None:
        """Run ``source`` under the faults, then rerun without them until complete."""
        self.latest: dict[int, str] = {}
        self.arm()
        kind, value = await self.run(source, **first)
        complete = self.after(source, kind, value)
        self.disarm()
        report = value if kind == "report" else None
        reruns = 0
        while not complete and reruns < 3:
            reruns += 1
            kind, value = await self.run(source)
            complete = self.after(source, kind, value)
            report = value if kind == "report" else None
        if not self.check(
            complete,
            "P6 rerun-completes",
            lambda: (
                f"still incomplete after {reruns} reruns without faults: "
                + self.describe(source, kind, value)
            ),
        ):
            return
        self.final(source, report)

    async def play(self) -> None:
        s = self.scenario
        if s.preloaded:
            self.r.sim.state.campaigns[RUNNING].members.update(s.preloaded)
        await self.finish(s.source)
        if s.edit is None or self.violations:
            return
        other = edited(s.source, s.edit)
        self.sources.append(other)
        requests = self.r.sim.stats.requests
        adds = self.r.proxy.adds
        kind, value = await self.run(other)
        self.check(
            kind == "raised" and isinstance(value, CheckpointMismatchError),
            "P9 mismatch",
            lambda: (
                f"the edited source ({s.edit}) with the finished checkpoint gave "
                + (
                    value.summary().replace("\n", " | ")
                    if isinstance(value, BulkReport)
                    else f"{kind} {value!r:.200}"
                )
            ),
        )
        self.check(
            self.r.sim.stats.requests == requests and self.r.proxy.adds == adds,
            "P9 mismatch",
            lambda: (
                f"{self.r.sim.stats.requests - requests} request(s) sent before the "
                "mismatch was noticed"
            ),
        )
        if self.violations:
            return
        # Start over, explicitly; under the faults again, then reruns.
        try:
            await self.finish(other, restart=True)
        except _Hung:
            raise
        self.check(
            not any("bad bulk option" in v for v in self.violations),
            "P10 restart",
            "restart=True is not a bulk option",
        )


class _Hung(Exception):
    """An upload did not end in time (P0): the scenario stops there."""


async def _play(scenario: Scenario) -> list[str]:
    with tempfile.TemporaryDirectory(prefix="cc-fuzz-") as tmp:
        holder: list[Books] = []

        def on_add(index: int) -> None:
            if holder:
                holder[0].on_add(index)

        async with rig(sim_options=dict(scenario.knobs), on_add=on_add) as r:
            books = Books(scenario, r, Path(tmp))
            holder.append(books)
            books.disarm()
            with contextlib.suppress(_Hung):
                await books.play()
            return books.violations


def play(scenario: Scenario) -> None:
    """Run one scenario in a loop of its own; fail (or, surveying, record) on any violation."""
    violations = asyncio.run(_play(scenario))
    if _SURVEY:
        with open(_SURVEY, "ab") as survey:
            survey.write(
                orjson.dumps(
                    {"scenario": repr(scenario), "violations": violations},
                    default=str,
                )
                + b"\n"
            )
        return
    assert not violations, "\n".join([repr(scenario), *_first_of_each(violations)])


def replay(text: str) -> list[str]:
    """The violations of a scenario given as its ``repr`` (as a failure or a survey prints it)."""
    scenario = eval(text, {"Scenario": Scenario, "Fault": Fault, "frozenset": frozenset})
    assert isinstance(scenario, Scenario)
    return asyncio.run(_play(scenario))


def _first_of_each(violations: list[str], keep: int = 3) -> list[str]:
    """At most ``keep`` violations per property (one broken rule can break hundreds of items)."""
    shown: dict[str, int] = {}
    kept: list[str] = []
    for violation in violations:
        tag = violation.split("]", 1)[0]
        shown[tag] = shown.get(tag, 0) + 1
        if shown[tag] <= keep:
            kept.append(violation)
        elif shown[tag] == keep + 1:
            kept.append(f"{tag}] ... and more")
    return kept


# -- the tests --------------------------------------------------------------------------------


@FUZZ
@given(scenarios(proxy=False, interrupts=False, edits=False))
def test_fuzz_simulator_faults(scenario: Scenario) -> None:
    """503, 429, capacity, 206 (applied or not), dropped connections: then reruns."""
    play(scenario)


@FUZZ
@given(scenarios(knobs=False, interrupts=False, edits=False))
def test_fuzz_hostile_answers(scenario: Scenario) -> None:
    """The proxy's answers that are not the API's: then reruns."""
    play(scenario)


@FUZZ
@given(scenarios(proxy=False, edits=False))
def test_fuzz_interruptions(scenario: Scenario) -> None:
    """A stop, a cancelled task, the campaign stopped under the upload: then reruns."""
    play(scenario)


@FUZZ
@given(scenarios(knobs=False, proxy=False, interrupts=False))
def test_fuzz_source_edits(scenario: Scenario) -> None:
    """A finished source, edited: the checkpoint refuses it; restart=True starts over."""
    play(scenario)


@FUZZ
@given(scenarios())
def test_fuzz_everything(scenario: Scenario) -> None:
    """All of it at once."""
    play(scenario)


if __name__ == "__main__":  # python -m tests.bulk.test_books_fuzz "Scenario(...)"
    import sys

    found = replay(sys.argv[1])
    print("\n".join(found) or "no violation")
    sys.exit(1 if found else 0)
