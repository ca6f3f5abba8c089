from __future__ import annotations

import math

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from cxsim.working_hours import WEEK, WorkingHours, parse_hours

DAY = 24.0
MON, TUE, WED, THU, FRI, SAT, SUN = (i * DAY for i in range(7))
BUSINESS = WorkingHours.business()


def brute_open_hours(wh: WorkingHours, a: float, b: float, step: float = 0.25) -> float:
    """Reference: integrate is_open on a grid (exact for grids aligned with the intervals)."""
    n = round((b - a) / step)
    return sum(step for i in range(n) if wh.is_open(a + (i + 0.5) * step))


# ---------------------------------------------------------------- construction


def test_business_defaults() -> None:
    assert BUSINESS.intervals == tuple((d * DAY + 9, d * DAY + 17) for d in range(5))
    assert BUSINESS.hours_per_week == 40.0
    assert not BUSINESS.always_open
    assert BUSINESS.describe() == "Mon-Fri 09:00-17:00"
    assert parse_hours("business") == BUSINESS


def test_always() -> None:
    always = WorkingHours.always()
    assert always.always_open
    assert always.hours_per_week == WEEK
    assert always.describe() == "24/7"
    assert parse_hours("24/7") == always == parse_hours("always") == parse_hours("  ALWAYS ")
    # seven full days merge into the 24/7 fast path
    assert WorkingHours.business(days="mon-sun", open="00:00", close="24:00").always_open
    assert WorkingHours([(0, 100), (100, 168)]).always_open


def test_intervals_merged_and_sorted() -> None:
    wh = WorkingHours([(50, 60), (10, 20), (15, 30), (30, 40)])
    assert wh.intervals == ((10.0, 40.0), (50.0, 60.0))
    assert wh.hours_per_week == 40.0


@pytest.mark.parametrize(
    ("intervals", "message"),
    [
        ([], "at least one"),
        ([(5, 5)], "start < end"),
        ([(10, 5)], "start < end"),
        ([(-1, 5)], "0 <= start"),
        ([(160, 170)], "<= 168"),
        ([(1, math.inf)], "finite"),
        ([(1, 2, 3)], "pair"),
        ([5], "pair"),
    ],
)
def test_invalid_intervals(intervals: list, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        WorkingHours(intervals)


def test_equality_hash_repr() -> None:
    assert WorkingHours([(9, 17)]) == WorkingHours([(9.0, 17.0)])
    assert hash(WorkingHours([(9, 17)])) == hash(WorkingHours([(9.0, 17.0)]))
    assert WorkingHours([(9, 17)]) != WorkingHours([(9, 18)])
    assert repr(WorkingHours.always()) == "WorkingHours.always()"
    assert eval(repr(BUSINESS), {"WorkingHours": WorkingHours}) == BUSINESS


# ---------------------------------------------------------------- parse_hours


def test_parse_mapping() -> None:
    wh = parse_hours({"days": "mon-fri", "open": "08:00", "close": "20:00"})
    assert wh.hours_per_week == 60
    assert wh.is_open(MON + 8) and not wh.is_open(MON + 20) and not wh.is_open(SAT + 12)
    assert parse_hours({"days": ["mon", "tue"], "open": "08:00", "close": "20:00"}).hours_per_week == 24
    assert parse_hours({"days": ["Monday", "FRIDAY"], "open": "08:30", "close": "09:15"}).intervals == (
        (8.5, 9.25),
        (FRI + 8.5, FRI + 9.25),
    )
    late = parse_hours({"days": "sat-sun", "open": "18:00", "close": "24:00"})
    assert late.intervals == ((SAT + 18, SAT + 24), (SUN + 18, SUN + 24))
    assert late.describe() == "Sat,Sun 18:00-24:00"
    evening_to_morning = WorkingHours([(SAT + 18, SUN + 6)])
    assert evening_to_morning.describe() == "Sat 18:00-Sun 06:00"


@pytest.mark.parametrize(
    ("days", "expected"),
    [
        ("mon-fri", [0, 1, 2, 3, 4]),
        ("weekdays", [0, 1, 2, 3, 4]),
        ("weekend", [5, 6]),
        ("daily", [0, 1, 2, 3, 4, 5, 6]),
        ("fri-mon", [0, 4, 5, 6]),
        ("mon, wed, fri", [0, 2, 4]),
        ("tue", [1]),
        ("tue-thu", [1, 2, 3]),
        (["sun", "sat"], [5, 6]),
        ("sat-sat", [5]),
    ],
)
def test_parse_days(days: object, expected: list[int]) -> None:
    wh = WorkingHours.business(days=days, open="10:00", close="11:00")
    assert [int(s // DAY) for s, _ in wh.intervals] == expected


def test_parse_list_of_mappings() -> None:
    wh = parse_hours(
        [
            {"days": "mon-fri", "open": "08:00", "close": "20:00"},
            {"days": "sat", "open": "10:00", "close": "14:00"},
        ]
    )
    assert wh.hours_per_week == 64
    assert wh.describe() == "Mon-Fri 08:00-20:00, Sat 10:00-14:00"


def test_parse_numeric_times() -> None:
    assert parse_hours({"days": "mon", "open": 9, "close": 17.5}).intervals == ((9.0, 17.5),)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"days": "mon-fri", "open": "17:00", "close": "09:00"}, "'open' must be before 'close'"),
        ({"days": "mon-fri", "open": "09:00", "close": "09:00"}, "'open' must be before 'close'"),
        ({"days": "mon-fri", "open": "09:00", "close": "17:00", "tz": "UTC"}, "unknown key 'tz'"),
        ({"days": "mon-fri", "opens": "09:00", "close": "17:00"}, "unknown key 'opens'"),
        ({"days": "mon-fri", "close": "17:00"}, "need 'open'"),
        ({"open": "09:00", "close": "17:00"}, "need 'days'"),
        ({"days": "mon-fry", "open": "09:00", "close": "17:00"}, "unknown day 'fry'"),
        ({"days": ["mon", "funday"], "open": "09:00", "close": "17:00"}, "unknown day 'funday'"),
        ({"days": [1, 2], "open": "09:00", "close": "17:00"}, "unknown day 1"),
        ({"days": 5, "open": "09:00", "close": "17:00"}, "'days' must be"),
        ({"days": "", "open": "09:00", "close": "17:00"}, "names no days"),
        ({"days": "mon", "open": "25:00", "close": "26:00"}, "'open' must be a time"),
        ({"days": "mon", "open": "09:00", "close": "24:30"}, "'close' must be a time"),
        ({"days": "mon", "open": "9am", "close": "17:00"}, "'open' must be a time"),
        ({"days": "mon", "open": "09:60", "close": "17:00"}, "'open' must be a time"),
        ({"days": "mon", "open": 540, "close": 1020}, "quote times"),
        ({"days": "mon", "open": True, "close": "17:00"}, "'open' must be a time"),
        ("sometimes", "cannot read 'sometimes' as working hours"),
        (None, "cannot read"),
        ([], "cannot read"),
        (["business"], "each entry"),
    ],
)
def test_parse_hours_errors(spec: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_hours(spec)


# ---------------------------------------------------------------- queries on business hours


def test_is_open_business() -> None:
    assert not BUSINESS.is_open(0)
    assert BUSINESS.is_open(MON + 9)  # opens at exactly 09:00
    assert BUSINESS.is_open(MON + 16.999)
    assert not BUSINESS.is_open(MON + 17)  # closed at exactly the closing time
    assert BUSINESS.is_open(FRI + 12)
    assert not BUSINESS.is_open(SAT + 12)
    assert not BUSINESS.is_open(SUN + 12)
    assert BUSINESS.is_open(WEEK * 52 + WED + 10)  # a year later


def test_next_open_business() -> None:
    assert BUSINESS.next_open(0) == 9
    assert BUSINESS.next_open(MON + 10) == MON + 10
    assert BUSINESS.next_open(MON + 17) == TUE + 9
    assert BUSINESS.next_open(FRI + 17) == WEEK + 9  # weekend -> next Monday
    assert BUSINESS.next_open(SUN + 23.9) == WEEK + 9
    assert BUSINESS.next_open(3 * WEEK + SAT) == 4 * WEEK + 9
    assert BUSINESS.next_open(-1.0) == 9  # Sunday before the start


def test_finish_business() -> None:
    assert BUSINESS.finish(MON + 10, 0) == MON + 10
    assert BUSINESS.finish(MON + 3, 0) == MON + 3  # zero work is done immediately, even when closed
    assert BUSINESS.finish(MON + 10, 2) == MON + 12
    assert BUSINESS.finish(MON + 9, 8) == MON + 17  # ends exactly at closing time, not next morning
    assert BUSINESS.finish(MON + 16.5, 1) == TUE + 9.5
    assert BUSINESS.finish(FRI + 16.5, 2) == WEEK + MON + 10.5  # over the weekend
    assert BUSINESS.finish(SAT + 3, 1) == WEEK + 10  # starts when it opens
    assert BUSINESS.finish(MON + 9, 40) == FRI + 17  # a full week
    assert BUSINESS.finish(MON + 9, 41) == WEEK + 10
    assert BUSINESS.finish(MON + 9, 40 * 100 + 4) == 100 * WEEK + 13  # 100 weeks later
    assert BUSINESS.finish(0, math.inf) == math.inf
    with pytest.raises(ValueError, match="non-negative"):
        BUSINESS.finish(0, -1)


def test_open_hours_business() -> None:
    assert BUSINESS.open_hours(0, WEEK) == 40
    assert BUSINESS.open_hours(0, 10 * WEEK) == 400
    assert BUSINESS.open_hours(MON + 10, MON + 11) == 1
    assert BUSINESS.open_hours(MON + 16, TUE + 10) == 2
    assert BUSINESS.open_hours(FRI + 16, WEEK + 10) == 2
    assert BUSINESS.open_hours(SAT, SUN + 24) == 0
    assert BUSINESS.open_hours(5, 3) == 0
    assert BUSINESS.open_hours(-WEEK, 0) == 40


def test_always_identity_paths() -> None:
    always = WorkingHours.always()
    for t in (0.0, 3.7, 1000.25, 1e6):
        assert always.is_open(t)
        assert always.next_open(t) == t
        assert always.finish(t, 2.5) == t + 2.5
        assert always.open_hours(t, t + 7) == pytest.approx(7)
        assert always.open_hours(t + 7, t) == 0


def test_wraparound_opening() -> None:
    # Sunday 22:00 to Monday 06:00 written as two intervals
    night = WorkingHours([(SUN + 22, WEEK), (0, 6)])
    assert night.is_open(WEEK)  # Monday 00:00 of week 1
    assert night.is_open(SUN + 23)
    assert not night.is_open(6)
    assert night.next_open(6) == SUN + 22
    assert night.finish(SUN + 22, 4) == WEEK + 2
    assert night.finish(SUN + 23, 8) == 2 * WEEK - 2 + 1  # 7h this night, 1h the next
    assert night.open_hours(SUN + 22, WEEK + 6) == 8


def test_sub_minute_intervals_and_large_times() -> None:
    wh = WorkingHours([(10, 10 + 1 / 120)])
    assert wh.finish(0, 1 / 120) == pytest.approx(10 + 1 / 120)
    t = 1e5 * WEEK + 3
    assert wh.finish(t, 1 / 240) == pytest.approx(1e5 * WEEK + 10 + 1 / 240)


# ---------------------------------------------------------------- properties

interval_sets = st.lists(
    st.tuples(st.integers(0, 167 * 4), st.integers(1, 48)).map(
        lambda p: (p[0] / 4, min(WEEK, p[0] / 4 + p[1] / 4))
    ),
    min_size=1,
    max_size=8,
).map(WorkingHours)
times = st.floats(min_value=0, max_value=60 * WEEK, allow_nan=False)
works = st.floats(min_value=0, max_value=10 * WEEK, allow_nan=False)


@given(interval_sets, times)
def test_next_open_is_open_and_nothing_open_before(wh: WorkingHours, t: float) -> None:
    n = wh.next_open(t)
    assert n >= t
    assert wh.is_open(n)
    assert wh.open_hours(t, n) == pytest.approx(0, abs=1e-9)
    assert (n == t) == wh.is_open(t)


@given(interval_sets, times, works)
def test_finish_inverts_open_hours(wh: WorkingHours, t: float, work: float) -> None:
    end = wh.finish(t, work)
    assert end >= t + work - 1e-9
    assert wh.open_hours(t, end) == pytest.approx(work, rel=1e-9, abs=1e-7)
    if work > 0:
        # no earlier time completes the work: just before the end, less work is done
        assert wh.open_hours(t, end - 1e-6) < work


@given(interval_sets, times, times)
def test_finish_of_open_hours_lands_no_later_than_b(wh: WorkingHours, a: float, b: float) -> None:
    assume(b >= a)
    done = wh.finish(a, wh.open_hours(a, b))
    assert done <= b + 1e-7
    assert wh.open_hours(done, b) == pytest.approx(0, abs=1e-7)


@given(interval_sets, times, works, works)
def test_finish_composes(wh: WorkingHours, t: float, w1: float, w2: float) -> None:
    once = wh.finish(t, w1 + w2)
    twice = wh.finish(wh.finish(t, w1), w2)
    # both complete the same work; they can differ only by closed time (work ending at a closing
    # time versus a sliver more that spills into the next opening)
    assert wh.open_hours(t, once) == pytest.approx(w1 + w2, rel=1e-9, abs=1e-7)
    assert wh.open_hours(t, twice) == pytest.approx(w1 + w2, rel=1e-9, abs=1e-7)
    assert wh.open_hours(min(once, twice), max(once, twice)) == pytest.approx(0, abs=1e-7)
    if w2 > 1e-6:
        assert once == pytest.approx(twice, abs=1e-6)


@given(interval_sets, times, st.floats(0, 10 * WEEK), st.floats(0, 10 * WEEK))
def test_open_hours_additive_and_bounded(wh: WorkingHours, a: float, d1: float, d2: float) -> None:
    b, c = a + d1, a + d1 + d2
    total = wh.open_hours(a, c)
    assert total == pytest.approx(wh.open_hours(a, b) + wh.open_hours(b, c), abs=1e-7)
    assert 0 <= total <= c - a + 1e-9


# hours of week on a 1/64 h grid, so that weeks * WEEK + r is exact in floating point
@given(interval_sets, st.integers(-5, 1000), st.integers(0, 168 * 64 - 1).map(lambda k: k / 64))
def test_weekly_periodicity(wh: WorkingHours, weeks: int, r: float) -> None:
    t = weeks * WEEK + r
    assert wh.is_open(t) == wh.is_open(r)
    assert wh.next_open(t) == pytest.approx(weeks * WEEK + wh.next_open(r), abs=1e-6)
    assert wh.open_hours(r, r + weeks * WEEK) == pytest.approx(weeks * wh.hours_per_week if weeks > 0 else 0)


@settings(max_examples=30)
@given(
    interval_sets,
    st.integers(0, 4 * 168 * 2).map(lambda k: k / 4),
    st.integers(0, 4 * 200).map(lambda k: k / 4),
)
def test_open_hours_matches_brute_force(wh: WorkingHours, a: float, length: float) -> None:
    assert wh.open_hours(a, a + length) == pytest.approx(brute_open_hours(wh, a, a + length))


@given(interval_sets)
def test_hours_per_week_is_sum_of_intervals(wh: WorkingHours) -> None:
    assert wh.hours_per_week == pytest.approx(sum(e - s for s, e in wh.intervals))
    assert wh.open_hours(0, WEEK) == pytest.approx(wh.hours_per_week)
    starts = [s for s, _ in wh.intervals]
    assert starts == sorted(starts)
    assert all(e1 < s2 for (_, e1), (s2, _) in zip(wh.intervals, wh.intervals[1:], strict=False))
