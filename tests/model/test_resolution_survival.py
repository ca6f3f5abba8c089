"""Days to resolution count every case: Kaplan–Meier with abandonment and the horizon censored.

Infinitely many agents (no queue) and exponential fix times make days to resolution Exp(mean m), whose
median is m·ln 2. The horizon cuts off the cases opened late (and patience, which runs only while a case
waits in a queue, never does here), so the resolved cases alone are the short ones: their median is far
below. The summary's median must be the
Kaplan–Meier one: scipy's ecdf on the same cases, replication by replication, and m·ln 2 within the 99%
interval over replications.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

import cxsim

MEAN_DAYS = 10.0


def scenario() -> dict:
    return {
        "name": "slow_fixes", "horizon": "30 days", "warmup": "0 days",
        "arrivals": {"process": "poisson", "rate": "3 per day"},
        "customers": {"count": 2000, "contract": {"term": "1 year"},
                      "patience": {"dist": "exponential", "mean": "20 days"}},
        "case_types": {"job": {"share": 1.0, "skills": ["s"], "diagnosis_time": "0 min",
                               "fix_time": {"dist": "exponential", "mean": f"{MEAN_DAYS * 24} h"}}},
        "designs": {"ample": {"teams": {"team": {"agents": 120, "skills": {"s": 1.0}, "hours": "24/7"}},
                              "incentive": {"scheme": "resolution"}}},
    }


def scipy_median(cases) -> float:
    """scipy's Kaplan–Meier median: resolved cases are events, abandoned and open ones censored."""
    days = np.array([c.days_open for c in cases])
    resolved = np.array([c.status == "resolved" for c in cases])
    sf = stats.ecdf(stats.CensoredData(uncensored=days[resolved], right=days[~resolved])).sf
    hit = np.flatnonzero(sf.probabilities <= 0.5 + 1e-12)
    return float(sf.quantiles[hit[0]]) if len(hit) else math.inf


@pytest.fixture(scope="module")
def result() -> cxsim.Result:
    return cxsim.run(scenario(), replications=12, seed=8, cases="all")


def test_median_is_scipys_kaplan_meier_in_every_replication(result):
    for out in result.outputs:
        assert any(c.status != "resolved" for c in out.cases)  # there is something to censor
        assert out.stats.metrics()["resolution_days_p50"] == scipy_median(out.cases)
        per_type = out.type_stats["job"].metrics()
        assert per_type["resolution_days_p50"] == scipy_median(out.cases)


def test_median_matches_the_exponential_and_the_resolved_only_median_does_not(result):
    medians = np.array([o.stats.metrics()["resolution_days_p50"] for o in result.outputs])
    half = stats.t.ppf(0.995, len(medians) - 1) * medians.std(ddof=1) / math.sqrt(len(medians))
    expected = MEAN_DAYS * math.log(2)
    assert medians.mean() - half <= expected <= medians.mean() + half, (medians.mean(), half, expected)
    summary = result.summary.designs["ample"]
    assert summary.metrics["resolution_days_p50"].mean == pytest.approx(medians.mean())
    assert summary.case_types["job"]["resolution_days_p50"].mean == pytest.approx(medians.mean())
    # The old figure, resolved cases only, hides the slow cases: far below the true median.
    assert summary.metrics["resolution_days_resolved_p50"].mean < 0.75 * expected


def test_cases_csv_columns_say_when_each_case_ended(result):
    out = result.outputs[0]
    horizon = result.horizon
    for c in out.cases:
        if c.status == "open":
            assert math.isnan(c.ended_at_hours)
            assert c.days_open == pytest.approx((horizon - c.opened_at_hours) / 24)
        else:
            assert c.days_open == pytest.approx((c.ended_at_hours - c.opened_at_hours) / 24)
        if c.status == "resolved":
            assert c.days_open == c.resolution_days


def test_a_median_beyond_the_horizon_is_labelled_not_a_number():
    slow = scenario()
    slow["case_types"]["job"]["fix_time"] = {"dist": "exponential", "mean": "200 days"}
    summary = cxsim.run(slow, replications=2, seed=1, cases="none").summary.designs["ample"]
    km = summary.metrics["resolution_days_p50"]
    assert km.mean is None and km.note == ">horizon"
    assert summary.metrics["resolution_days_resolved_p50"].mean is not None
