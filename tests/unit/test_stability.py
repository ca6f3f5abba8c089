"""The stability checks on synthetic series with known answers: MSER-5 finds a known transient, the backlog
trend test calls a growing series growing and (nearly always) a stationary one not, and the planned offered
load is the arithmetic of the scenario."""

from __future__ import annotations

import numpy as np
import pytest

from cxsim.loader import load_scenario
from cxsim.stability import TREND_P, backlog_trend, planned_load
from cxsim.warmup import improves, mser

TRANSIENT = 200  # observations of a linear ramp from 30 down to the steady level 0


def ramp(seed: int, n: int = 1000) -> np.ndarray:
    t = np.arange(n)
    noise = np.random.default_rng(seed).normal(0, 1, n)
    return np.where(t < TRANSIENT, 30.0 * (1 - t / TRANSIENT), 0.0) + noise


def test_mser5_finds_a_known_transient():
    cuts = np.array([mser(ramp(seed)).observations for seed in range(30)])
    # The ramp is within one noise sd of the steady level from about observation 193 on.
    assert np.all((cuts >= 150) & (cuts <= 300)), cuts
    assert 180 <= np.median(cuts) <= 250
    assert all(mser(ramp(seed)).settled for seed in range(30))
    assert all(improves(ramp(seed), 50, int(cut)) for seed, cut in enumerate(cuts))


def test_mser5_on_a_stationary_series_truncates_little_and_suggests_nothing_longer():
    for seed in range(30):
        x = np.random.default_rng(seed).normal(10, 2, 300)
        cut = mser(x)
        assert cut.settled
        assert not improves(x, 25, cut.observations) or cut.observations <= 25


def test_mser5_on_a_trend_finds_no_steady_state():
    rng = np.random.default_rng(3)
    assert not mser(0.1 * np.arange(600) + rng.normal(0, 1, 600)).settled


def test_backlog_trend_calls_growth_and_rarely_a_stationary_series():
    rng = np.random.default_rng(7)
    days = np.arange(300)
    growing = [10 + 0.2 * days + rng.normal(0, 3, 300) for _ in range(4)]
    trend = backlog_trend(growing)
    assert trend is not None and trend.growing and trend.slope_per_day == pytest.approx(0.2, rel=0.2)
    false_alarms = sum(backlog_trend([50 + rng.normal(0, 5, 300) for _ in range(4)]).growing
                       for _ in range(200))
    assert false_alarms <= 200 * TREND_P  # the growth threshold makes it rarer than the test's level


def test_planned_load_is_rate_times_work_over_capacity():
    scenario = load_scenario({
        "name": "plan", "arrivals": {"process": "poisson", "rate": "8 per h"},
        "case_types": {"job": {"share": 1.0, "skills": ["s"], "diagnosis_time": "15 min",
                               "fix_time": "45 min"}},
        "designs": {"d": {"teams": {"t": {"agents": 10, "skills": {"s": {"speed": 2.0}}, "hours": "24/7"}},
                          "incentive": {"scheme": "resolution"}}},
    })
    assert planned_load(scenario, scenario.designs["d"])["t"] == pytest.approx(8 * 0.5 / 10)
