"""The back-test's comparison (cxsim.backtest.compare) and a simulated case's route (cxsim.journeys), on
hand-built cases: each target passes when the simulation matches the log and fails, with its measured gap,
when it does not."""

from __future__ import annotations

import math

import pytest

from cxsim.backtest import compare, profile_statistics
from cxsim.handoffs import CaseOutcome, handoff_profile
from cxsim.journeys import case_outcome, route, route_facts


def cases(per_bucket: dict[int, tuple[int, float]], ping_pong: int = 0) -> list[CaseOutcome]:
    """``per_bucket[h] = (n, days)``: n resolved cases with h hand-offs, taking ``days`` each (a small
    spread so medians are those days); the first ``ping_pong`` cases with >= 2 hand-offs ping-pong."""
    out = []
    for h, (n, days) in per_bucket.items():
        for i in range(n):
            pp = h >= 2 and sum(o.ping_pong for o in out) < ping_pong
            out.append(CaseOutcome(h, h + 1 - pp, pp, days * (1 + 0.001 * (i % 3 - 1))))
    return out


LOG = {0: (600, 0.2), 1: (200, 1.5), 2: (100, 5.0), 3: (60, 7.0), 6: (40, 13.0)}


def targets(log: dict, sims: list[dict]):
    observed = handoff_profile(cases(log))
    _, _, found = compare(observed, [handoff_profile(cases(s)) for s in sims])
    return {t.name: t for t in found}


def test_the_log_against_itself_meets_every_target():
    found = targets(LOG, [LOG, LOG, LOG])
    assert set(found) == {"handoffs_mean", "share_handoff", "bucket_1_median_days",
                          "bucket_2_median_days", "bucket_3–4_median_days", "bucket_5+_median_days",
                          "medians_rise_as_in_log"}
    assert all(t.passed for t in found.values()), [t.reason for t in found.values() if not t.passed]
    assert found["handoffs_mean"].gap == pytest.approx(0.0)


def test_too_many_handoffs_miss_the_mean_and_the_share_by_their_measured_gap():
    sim = {**LOG, 0: (500, 0.2), 1: (300, 1.5)}  # 100 cases move from 0 to 1 hand-off
    found = targets(LOG, [sim, sim])
    mean, share = found["handoffs_mean"], found["share_handoff"]
    # log mean: (200 + 200 + 180 + 240) / 1000 = 0.82; simulated 0.92: +12.2%
    assert mean.observed == pytest.approx(0.82) and mean.simulated == pytest.approx(0.92)
    assert not mean.passed and mean.gap == pytest.approx(0.92 / 0.82 - 1)
    assert "+12.2%" in mean.reason and "outside" in mean.reason
    assert not share.passed and share.gap == pytest.approx(10.0) and "+10.0 points" in share.reason


def test_a_bucket_twice_as_slow_misses_by_its_ratio_and_breaks_the_order():
    sim = {**LOG, 2: (100, 10.0)}  # 2 hand-offs now slower than 3-4
    found = targets(LOG, [sim, sim])
    two = found["bucket_2_median_days"]
    assert not two.passed and two.gap == pytest.approx(2.0, rel=1e-2) and "x2.00" in two.reason
    assert found["bucket_1_median_days"].passed
    rise = found["medians_rise_as_in_log"]
    assert not rise.passed and "2 → 3–4" in rise.reason and "1 of 3 steps differ" in rise.reason


def test_buckets_under_two_percent_of_the_log_have_no_target():
    log = {0: (900, 0.2), 1: (85, 1.5), 6: (15, 13.0)}  # 5+: 1.5% of cases
    found = targets(log, [log, log])
    assert "bucket_5+_median_days" not in found and "bucket_2_median_days" not in found
    assert found["bucket_1_median_days"].passed


def test_a_bucket_the_simulation_never_reaches_fails_with_its_reason():
    sim = {0: (1000, 0.2)}  # one team: no hand-offs at all
    found = targets(LOG, [sim, sim])
    assert not found["handoffs_mean"].passed and found["handoffs_mean"].gap == pytest.approx(-1.0)
    one = found["bucket_1_median_days"]
    assert not one.passed and one.simulated is None and "no simulated case" in one.reason


def test_a_median_beyond_the_follow_up_is_not_a_number():
    observed = handoff_profile(cases(LOG))
    open_cases = [CaseOutcome(1, 2, False, 3.0, resolved=False)] * 300 + cases({0: (700, 0.2)})
    _, sim, found = compare(observed, [handoff_profile(open_cases)] * 2)
    assert sim["bucket_1_median_days"].mean is None and sim["bucket_1_median_days"].note == ">horizon"
    one = {t.name: t for t in found}["bucket_1_median_days"]
    assert not one.passed and "beyond the follow-up" in one.reason


def test_simulated_statistics_carry_a_confidence_interval_over_replications():
    a, b = {**LOG, 0: (580, 0.2)}, {**LOG, 0: (620, 0.2)}
    _, sim, _ = compare(handoff_profile(cases(LOG)), [handoff_profile(cases(x)) for x in (a, b, a, b)])
    share0 = sim["handoffs_0_share"]
    assert share0.low < share0.mean < share0.high
    assert profile_statistics(handoff_profile(cases(LOG)))["handoffs_6_share"] == pytest.approx(0.04)


# ------------------------------------------------------------------ a simulated case's route


def test_route_collapses_repeats_and_counts_a_return_as_ping_pong():
    steps = [(0.0, "A", "opened"), (1.0, "A", "session"), (2.0, "B", "assigned"), (3.0, "B", "session"),
             (4.0, "A", "session")]  # back at A without a hand-off: a reopen to its owner
    assert route(s[1] for s in steps) == ("A", "B", "A")
    assert route_facts(steps) == (2, 2, True)
    assert route_facts(steps[:2]) == (0, 1, False)


def test_open_and_abandoned_cases_are_censored_where_they_stand():
    steps = [(0.0, "A", "opened")]
    assert case_outcome(steps, "resolved", 2.5) == CaseOutcome(0, 1, False, 2.5, True)
    for status in ("open", "abandoned"):
        outcome = case_outcome(steps, status, 4.0)
        assert not outcome.resolved and outcome.days == 4.0
    assert math.isclose(case_outcome(steps, "resolved", -1e-12).days, 0.0)


def test_a_missed_target_says_why_from_the_profiles():
    """The reason of a miss names the part of the model the two profiles point to."""
    # Same mean, spread over more cases: 0.82 hand-offs each way, but 100 cases more with one hand-off.
    spread = {0: (450, 0.2), 1: (400, 1.5), 2: (100, 5.0), 3: (50, 7.0)}
    found = targets(LOG, [spread, spread])
    assert found["handoffs_mean"].passed and not found["share_handoff"].passed
    assert "Why: the mean matches but the hand-offs are spread over more cases" in \
        found["share_handoff"].reason
    # A bucket too slow while cases without hand-offs match: what a hand-off adds is off.
    slow_hop = {**LOG, 1: (200, 3.0)}
    reason = targets(LOG, [slow_hop, slow_hop])["bucket_1_median_days"].reason
    assert "Why: cases with no hand-off match (x1.00)" in reason and "pickup" in reason
    # Every bucket slow, no-hand-off cases too: the time at a team is off.
    slow_team = {h: (n, 2 * d) for h, (n, d) in LOG.items()}
    reason = targets(LOG, [slow_team, slow_team])["bucket_1_median_days"].reason
    assert "Why: cases with no hand-off are off the same way (x2.00" in reason and "session times" in reason
    # Too many hand-offs: routing.
    more = {**LOG, 0: (300, 0.2), 3: (360, 7.0)}
    assert "Why: routing sends cases on more often" in targets(LOG, [more, more])["handoffs_mean"].reason
    # A target met says nothing more.
    assert "Why" not in targets(LOG, [LOG, LOG])["handoffs_mean"].reason
