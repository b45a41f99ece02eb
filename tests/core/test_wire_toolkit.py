"""The lenient wire toolkit every provider reads JSON with (``cc_campaigns._wire``).

Property-based: the lenient readers never raise on any JSON value and return the promised type;
the same rule holds on both providers' sides (the drift this module removed).
"""

from __future__ import annotations

import enum
import math
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cc_campaigns import CampaignsError
from cc_campaigns._wire import (
    describe,
    equals,
    is_blank,
    keep_unknown,
    lenient_bool,
    lenient_converter,
    lenient_int,
    lenient_str,
    lower_text,
    structure,
)
from cc_campaigns.dynamic.wire import campaign_from_wire as dynamic_campaign
from cc_campaigns.voipbin.wire import campaign_from_wire as voipbin_campaign
from cc_campaigns.voipbin.wire import page_from_wire

JSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text()
)
#: No deadline: the machine running the suite may be busy; these are about values, not speed.
RELAXED = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])

JSON = st.recursive(
    JSON_SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=10,
)


@RELAXED
@given(JSON)
def test_lenient_int_never_raises_and_returns_an_int_or_none(value: Any) -> None:
    result = lenient_int(value)
    assert result is None or (type(result) is int)


@RELAXED
@given(st.integers())
def test_lenient_int_round_trips_integers_as_numbers_and_as_text(number: int) -> None:
    assert lenient_int(number) == number
    assert lenient_int(str(number)) == number
    assert lenient_int(f"  {number}\n") == number


@RELAXED
@given(st.floats(allow_nan=True, allow_infinity=True))
def test_a_float_is_an_int_only_when_it_is_integral(value: float) -> None:
    expected = int(value) if math.isfinite(value) and value.is_integer() else None
    assert lenient_int(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (3.0, 3),
        (1.5, None),
        (float("inf"), None),
        (float("nan"), None),
        (True, None),
        ("", None),
        ("  ", None),
        ("+7", 7),
        ("-7", -7),
        ("1_000", None),  # int() would accept it; no service writes numbers so
        ("١٢", None),  # non-ASCII digits: int() would accept them too
        ("3.0", None),
        ("1" * 5000, None),  # beyond int()'s digit limit: None, never a ValueError
        ([1], None),
        ({"a": 1}, None),
    ],
)
def test_lenient_int_rule(value: Any, expected: int | None) -> None:
    assert lenient_int(value) == expected


@RELAXED
@given(JSON)
def test_lenient_bool_and_str_never_raise(value: Any) -> None:
    assert lenient_bool(value) in (True, False, None)
    text = lenient_str(value)
    assert text is None or (isinstance(text, str) and text.strip())
    assert (text is None) is is_blank(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Y", True),
        (" yes ", True),
        ("true", True),
        (1, True),
        ("N", False),
        ("no", False),
        (0, False),
        (False, False),
        ("maybe", None),
        (2, None),
        ("", None),
        (1.0, None),
    ],
)
def test_lenient_bool_rule(value: Any, expected: bool | None) -> None:
    assert lenient_bool(value) is expected


class Color(enum.Enum):
    RED = "red"


class Code(enum.IntEnum):
    ONE = 1


def test_keep_unknown_keeps_what_it_does_not_know() -> None:
    text = keep_unknown(Color, lower_text, unknown=lambda value, _: str(value).strip())
    assert text(" RED ", None) is Color.RED
    assert text(" Blue ", None) == "Blue"
    assert text("", None) is None
    code = keep_unknown(Code, lenient_int)
    assert code("1", None) is Code.ONE
    assert code(1.0, None) is Code.ONE
    assert code(7, None) == 7
    assert code("x", None) is None


@RELAXED
@given(JSON)
def test_keep_unknown_never_raises(value: Any) -> None:
    keep_unknown(Code, lenient_int)(value, None)
    keep_unknown(Color, lower_text)(value, None)


@attrs.frozen
class Thing:
    id: str
    count: int = 0
    size: int | None = None
    label: str = ""
    on: bool = False


CONVERTER = lenient_converter()


def test_the_converter_reads_plain_types_leniently() -> None:
    conv = lenient_converter()
    thing = structure(
        conv, {"id": "a", "count": None, "size": "12", "label": None, "on": "N", "x": 1}, Thing
    )
    assert thing == Thing(id="a", count=0, size=12, label="", on=False)
    assert structure(conv, {"id": 5, "count": 2.0, "on": "Y"}, Thing) == Thing(
        id="5", count=2, on=True
    )
    assert equals(int | None)(int | None) and not equals(int | None)(int)


@RELAXED
@given(st.dictionaries(st.sampled_from(["id", "count", "size", "label", "on"]), JSON))
def test_structure_raises_only_campaigns_errors(data: dict[str, Any]) -> None:
    try:
        structure(CONVERTER, data, Thing, required=("id",))
    except CampaignsError as err:
        assert str(err).startswith("unexpected answer: ")


SECRET = "s3cr3t-token-value"


@pytest.mark.parametrize(
    "read",
    [dynamic_campaign, voipbin_campaign, lambda data: structure(lenient_converter(), data, Thing)],
)
@pytest.mark.parametrize("data", [[SECRET], SECRET, {"name": SECRET}])
def test_both_providers_raise_one_error_shape_without_values(read: Any, data: Any) -> None:
    with pytest.raises(CampaignsError, match=r"^unexpected answer: ") as caught:
        read(data)
    assert type(caught.value) is CampaignsError
    assert SECRET not in str(caught.value)


@pytest.mark.parametrize(
    "data",
    [[SECRET], {"result": SECRET}, {"result": {"token": SECRET}, SECRET: 1}],
)
def test_a_page_error_never_quotes_the_answer(data: Any) -> None:
    with pytest.raises(CampaignsError, match="unexpected list answer") as caught:
        page_from_wire(data)
    assert SECRET not in str(caught.value)


def test_describe_gives_the_shape_only() -> None:
    assert describe(None) == "null"
    assert describe([1, 2]) == "a list of 2 items"
    assert describe([1]) == "a list of 1 item"
    assert describe({"a": SECRET}) == "an object of 1 key"
    assert describe("abc") == "text of 3 characters"
    assert describe({}) == "an empty object"
    assert describe({SECRET: SECRET, "b": 1}) == "an object of 2 keys"


# -- the same rule on both sides (the drift this toolkit removed) -------------------------------


@pytest.mark.parametrize(
    ("sent", "read"),
    [(90, 90), ("90", 90), (90.0, 90), (90.5, None), (float("inf"), None), ("x", None)],
)
def test_both_providers_read_a_number_the_same_way(sent: Any, read: int | None) -> None:
    voipbin = voipbin_campaign({"id": "c1", "service_level": sent})
    dynamic = dynamic_campaign({"campaign-id": 7, "no-of-records": sent})
    assert voipbin.service_level == read
    assert dynamic.record_count == read


@pytest.mark.parametrize("sent", [None, "", "n/a", 2.5])
def test_a_plain_int_field_reads_a_missing_number_as_zero(sent: Any) -> None:
    from cc_campaigns.voipbin.wire import outplan_from_wire

    # Before the shared toolkit, VoIPbin's plain int fields used int() and failed the whole
    # outplan on a null or "" count.
    outplan = outplan_from_wire({"id": "p1", "max_try_count_0": sent, "max_try_count_1": "2"})
    assert outplan.max_try_counts[:2] == (0, 2)
