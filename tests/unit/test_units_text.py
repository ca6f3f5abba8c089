"""Writing a value back as text: it reads back to exactly the same float (how a scenario records what ran)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from cxsim.units import (
    duration_text,
    effort_rate_text,
    parse_duration,
    parse_effort_rate,
    parse_rate,
    rate_text,
)

VALUES = st.floats(min_value=0, max_value=1e12, allow_nan=False, allow_infinity=False)


@given(VALUES)
def test_duration_text_reads_back_exactly(hours):
    assert parse_duration(duration_text(hours)) == hours


@given(VALUES)
def test_rate_text_reads_back_exactly(per_hour):
    assert parse_rate(rate_text(per_hour)) == per_hour


@given(st.floats(min_value=0, max_value=1e6, allow_nan=False, allow_infinity=False))
def test_effort_rate_text_reads_back_exactly(ratio):
    assert parse_effort_rate(effort_rate_text(ratio)) == ratio


def test_the_text_is_the_one_a_person_would_write():
    assert duration_text(5 / 60) == "5 min"
    assert duration_text(24.0) == "1 day"
    assert duration_text(300 * 24.0) == "300 days"
    assert duration_text(12 * 730.5) == "1 year"
    assert rate_text(20 / 24) == "20 per day"
    assert effort_rate_text(1 / 24) == "1 h per day"
