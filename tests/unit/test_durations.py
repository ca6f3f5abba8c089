from __future__ import annotations

import math
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cxsim.units import UNIT_HOURS, format_duration, parse_duration, parse_rate


@pytest.mark.parametrize(
    ("text", "hours"),
    [
        ("5 min", 5 / 60),
        ("5min", 5 / 60),
        ("5 mins", 5 / 60),
        ("1 minute", 1 / 60),
        ("2h", 2.0),
        ("2 hours", 2.0),
        ("2 hr", 2.0),
        ("2 hrs", 2.0),
        ("1 HOUR", 1.0),
        ("3 days", 72.0),
        ("1 d", 24.0),
        ("1.5 weeks", 252.0),
        ("2 wk", 336.0),
        ("1 w", 168.0),
        ("90 s", 0.025),
        ("90 sec", 0.025),
        ("1 second", 1 / 3600),
        ("2 months", 1461.0),
        ("1 mo", 730.5),
        ("1 year", 8766.0),
        ("2 yr", 17532.0),
        ("1 y", 8766.0),
        ("0", 0.0),
        ("0 min", 0.0),
        ("  7.5   Min  ", 0.125),
        (".5 h", 0.5),
        ("1e2 s", 100 / 3600),
    ],
)
def test_parse_duration_accepts(text: str, hours: float) -> None:
    assert parse_duration(text) == pytest.approx(hours, rel=1e-12)


def test_unit_hours_canonical() -> None:
    assert UNIT_HOURS == {
        "s": 1 / 3600,
        "min": 1 / 60,
        "h": 1.0,
        "day": 24.0,
        "week": 168.0,
        "month": 730.5,
        "year": 8766.0,
    }
    assert UNIT_HOURS["month"] * 12 == UNIT_HOURS["year"] == 365.25 * 24


@pytest.mark.parametrize("unit", list(UNIT_HOURS))
def test_every_canonical_unit_parses(unit: str) -> None:
    assert parse_duration(f"3 {unit}") == pytest.approx(3 * UNIT_HOURS[unit])


def test_bare_number_needs_default_unit() -> None:
    with pytest.raises(ValueError, match=r"a duration needs a unit, e.g. '30 min' or '2 h' \(got 30\)"):
        parse_duration(30)
    with pytest.raises(ValueError, match="needs a unit"):
        parse_duration("30")
    with pytest.raises(ValueError, match="needs a unit"):
        parse_duration(2.5)
    assert parse_duration(30, default_unit="min") == 0.5
    assert parse_duration("30", default_unit="minutes") == 0.5
    assert parse_duration(2.5, default_unit="h") == 2.5
    assert parse_duration(2, default_unit="days") == 48.0
    # zero is zero in any unit
    assert parse_duration(0) == 0.0
    assert parse_duration(0.0) == 0.0
    # an explicit unit wins over the default
    assert parse_duration("2 h", default_unit="min") == 2.0


def test_timedelta_accepted() -> None:
    assert parse_duration(timedelta(minutes=90)) == 1.5
    with pytest.raises(ValueError, match="negative"):
        parse_duration(timedelta(minutes=-1))


def test_bare_m_is_ambiguous() -> None:
    for text in ("5 m", "5m", "5 M"):
        with pytest.raises(ValueError, match="ambiguous") as info:
            parse_duration(text)
        assert "'min'" in str(info.value) and "'month'" in str(info.value)
    with pytest.raises(ValueError, match="ambiguous"):
        parse_duration(5, default_unit="m")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (True, "boolean"),
        (False, "boolean"),
        ("-5 min", "must not be negative"),
        (-1, "must not be negative"),
        (-1.0, "must not be negative"),
        (float("nan"), "finite"),
        (float("inf"), "finite"),
        ("inf h", "cannot read 'inf h' as a duration"),
        ("nan min", "cannot read"),
        ("5 parsecs", "cannot read '5 parsecs' as a duration"),
        ("", "cannot read"),
        ("min", "cannot read"),
        ("five minutes", "cannot read"),
        ("5 min 3 s", "cannot read"),
        ("3 per day", "cannot read"),
        (None, "cannot read"),
        ([5, "min"], "cannot read"),
    ],
)
def test_parse_duration_rejects(value: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_duration(value)


def test_garbage_message_suggests_forms() -> None:
    with pytest.raises(ValueError) as info:
        parse_duration("5 parsecs")
    text = str(info.value)
    assert "use e.g. '30 min', '2 h', '3 days'" in text


def test_negative_with_default_unit_rejected() -> None:
    with pytest.raises(ValueError, match="must not be negative"):
        parse_duration(-3, default_unit="min")


def test_unknown_default_unit() -> None:
    with pytest.raises(ValueError, match="unknown time unit 'fortnight'"):
        parse_duration(3, default_unit="fortnight")


@pytest.mark.parametrize(
    ("text", "per_hour"),
    [
        ("20 per day", 20 / 24),
        ("20 PER DAY", 20 / 24),
        ("1.5/month", 1.5 / 730.5),
        ("3 per 2 hours", 1.5),
        ("0.5 per h", 0.5),
        ("12 / week", 12 / 168),
        ("60 per hour", 60.0),
        ("1 per 30 min", 2.0),
        ("1/30min", 2.0),
        ("10 per year", 10 / 8766),
        ("0 per day", 0.0),
        ("0", 0.0),
        ("7 per 1.5 days", 7 / 36),
    ],
)
def test_parse_rate_accepts(text: str, per_hour: float) -> None:
    assert parse_rate(text) == pytest.approx(per_hour, rel=1e-12)


def test_parse_rate_bare_number() -> None:
    with pytest.raises(ValueError, match=r"a rate needs a time unit.*\(got 20\)"):
        parse_rate(20)
    with pytest.raises(ValueError, match="needs a time unit"):
        parse_rate("20")
    assert parse_rate(20, default_unit="day") == pytest.approx(20 / 24)
    assert parse_rate("6", default_unit="min") == pytest.approx(360.0)
    assert parse_rate(0) == 0.0


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (True, "boolean"),
        ("-3 per day", "must not be negative"),
        (-3, "must not be negative"),
        (float("nan"), "finite"),
        ("20 per parsec", "unknown time unit 'parsec'"),
        ("20 per m", "ambiguous"),
        ("3 per 0 h", "longer than zero"),
        ("3 per -2 h", "negative"),
        ("twenty per day", r"cannot read 'twenty per day' as a rate; use e.g. '20 per day'"),
        ("20 day", "cannot read '20 day' as a rate"),
        ("per day", "cannot read"),
        ("20 per", "cannot read"),
        (None, "cannot read"),
    ],
)
def test_parse_rate_rejects(value: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_rate(value)


@pytest.mark.parametrize(
    ("hours", "text"),
    [
        (5 / 60, "5 min"),
        (2.5, "2.5 h"),
        (3.2 * 24, "3.2 days"),
        (24.0, "24 h"),
        (1.0, "1 h"),
        (0.0, "0 min"),
        (30 / 3600, "30 s"),
        (72.0, "3 days"),
        (47.99, "2 days"),
        (59.999 / 60, "1 h"),
        (100 * 24, "3.29 months"),
        (8766.0 * 3, "3 years"),
        (8766.0 * 500, "500 years"),
        (-2.0, "-2 h"),
    ],
)
def test_format_duration(hours: float, text: str) -> None:
    assert format_duration(hours) == text


def test_format_duration_singular() -> None:
    assert format_duration(24 * 60) == "60 days"
    assert format_duration(730.5 * 6) == "6 months"
    assert format_duration(8766.0) == "12 months"
    assert format_duration(2 * 8766.0) == "2 years"


def test_format_duration_non_finite() -> None:
    assert format_duration(math.inf) == "inf"
    assert format_duration(-math.inf) == "-inf"
    assert format_duration(math.nan) == "nan"


@given(st.floats(min_value=1e-6, max_value=1e7, allow_nan=False))
def test_format_round_trips_within_three_figures(hours: float) -> None:
    back = parse_duration(format_duration(hours))
    assert back == pytest.approx(hours, rel=6e-3)


@given(
    st.floats(min_value=0, max_value=1e6, allow_nan=False),
    st.sampled_from(
        sorted({"s", "sec", "min", "mins", "h", "hours", "d", "days", "wk", "mo", "yr", "Years"})
    ),
    st.sampled_from(["", " ", "  "]),
)
def test_parse_duration_scales_linearly(number: float, unit: str, space: str) -> None:
    hours = parse_duration(f"{number!r}{space}{unit}")
    assert hours == pytest.approx(number * parse_duration(f"1 {unit}"), rel=1e-12)
    assert hours >= 0


@given(
    st.floats(min_value=0, max_value=1e6, allow_nan=False),
    st.floats(min_value=1e-3, max_value=1e3, allow_nan=False),
    st.sampled_from(["min", "h", "days", "weeks"]),
)
def test_rate_times_period_is_count(count: float, period: float, unit: str) -> None:
    rate = parse_rate(f"{count!r} per {period!r} {unit}")
    assert rate * parse_duration(f"{period!r} {unit}") == pytest.approx(count, rel=1e-9, abs=1e-12)


@given(st.one_of(st.text(max_size=20), st.integers(), st.floats(), st.none(), st.booleans()))
def test_parsers_raise_only_value_error(value: object) -> None:
    for parser in (parse_duration, parse_rate):
        try:
            result = parser(value)
        except ValueError:
            continue
        assert isinstance(result, float) and math.isfinite(result) and result >= 0
