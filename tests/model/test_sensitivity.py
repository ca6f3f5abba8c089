"""Sensitivity analysis against queueing theory: agents of an M/M/c team, one at a time, with common random
numbers. More agents must mean shorter waits (Erlang C gives how much), the tornado must show it with the
right signs, and common random numbers must make the paired changes far less noisy than independent runs.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from cxsim.charts import tornado_chart
from cxsim.erlang import mmc_mean_wait
from cxsim.sensitivity import run_sensitivity

pytestmark = pytest.mark.slow  # paired variant runs: ~4 s

AGENTS = "designs.pool.teams.team.agents"
LAM, MU = 6.0, 1.0  # per hour: 6 Erlang offered; 9 agents at base, 7 at -25%, 11 at +25%


def mmc_two_designs() -> dict:
    """One skill, exponential service, Poisson arrivals, open 24/7: design ``pool`` is an M/M/9 queue (the
    baseline, whose agents are varied) and ``fixed`` an M/M/11 queue that nothing varies."""
    return {"name": "mmc", "horizon": "15 days", "warmup": "2 days",
            "arrivals": {"process": "poisson", "rate": f"{LAM:g} per h"},
            "case_types": {"job": {"share": 1.0, "skills": ["s"], "diagnosis_time": "0 min",
                                   "fix_time": {"dist": "exponential", "mean": f"{60 / MU:g} min"}}},
            "designs": {name: {"teams": {"team": {"agents": c, "skills": {"s": 1.0}, "hours": "24/7"}},
                               "incentive": {"scheme": "resolution"}}
                        for name, c in (("pool", 9), ("fixed", 11))}}


METRICS = ["resolution_days_mean", "effort_hours_mean"]


@pytest.fixture(scope="module")
def oat():
    return run_sensitivity(mmc_two_designs(), parameters=[AGENTS], metrics=METRICS, replications=5, seed=3)


def test_agents_vary_to_seven_and_eleven(oat):
    (param,) = oat.parameters
    assert (param.low, param.base, param.high) == ((7,), (9,), (11,))


def test_more_agents_shorter_resolution_as_erlang_c_says(oat):
    """The paired change of the pool's mean days to resolution (wait + service) at 7 and 11 agents: signs
    right with 95% CIs excluding zero, and Erlang C's change in the mean wait inside each interval."""
    low = oat.change(oat.low[0], "resolution_days_mean", "pool")
    high = oat.change(oat.high[0], "resolution_days_mean", "pool")
    assert low.significant and low.mean > 0
    assert high.significant and high.mean < 0
    for change, agents in ((low, 7), (high, 11)):
        expected_days = (mmc_mean_wait(LAM, MU, agents) - mmc_mean_wait(LAM, MU, 9)) / 24
        assert change.low <= expected_days <= change.high, (agents, expected_days, change)
    # The design nothing varies sees exactly the same customers and cases: it does not move at all.
    assert oat.change(oat.low[0], "resolution_days_mean", "fixed").mean == 0


def test_tornado_signs_and_ordering(oat):
    """fixed - pool shrinks when the pool gets more agents and grows when it loses some; the tornado's
    bars say so, and fixed stays the faster design at both ends (11 agents at most against 11)."""
    (row,) = [r for r in oat.rows()
              if r["metric"] == "resolution_days_mean" and r["quantity"] == "fixed - pool"]
    assert row["change_low"] < 0 < row["change_high"]
    fig = tornado_chart(oat, "resolution_days_mean")
    low_bar, high_bar = fig.axes[0].patches[:2]
    assert low_bar.get_width() < 0 < high_bar.get_width()
    assert oat.ordering_holds(0, "resolution_days_mean") == (True, True)
    assert oat.robust("resolution_days_mean")


def test_common_random_numbers_make_paired_changes_less_noisy(oat):
    """The same variants with a seed of their own: the per-replication changes of the pool's effort vary
    far more (an F test on the two variances, 5% level) than with common random numbers."""
    independent = run_sensitivity(mmc_two_designs(), parameters=[AGENTS], metrics=METRICS, replications=5,
                                  seed=3, common_random_numbers=False)
    for side in ("low", "high"):
        var = {}
        for name, res in (("crn", oat), ("independent", independent)):
            changes = (np.array(res.series(getattr(res, side)[0], "effort_hours_mean", "pool"))
                       - np.array(res.series(res.base, "effort_hours_mean", "pool")))
            var[name] = changes.var(ddof=1)
        ratio = var["independent"] / var["crn"]
        assert ratio > stats.f.ppf(0.95, 4, 4), (side, var)
