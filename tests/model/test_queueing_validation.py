"""The engine against analytic queueing theory: one team, no transfers, exponential times is an M/M/c queue.

Each replication's mean wait is one independent sample; the Student-t interval over replications must
contain Erlang C's mean wait. Tolerances come from that interval, never from a pinned simulated number.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

import cxsim
from cxsim.erlang import erlang_c, mmc_mean_wait

pytestmark = pytest.mark.slow  # 16 replications of tens of thousands of cases each: tight intervals cost time


def mmc_scenario(arrival_per_hour: float, service_mean_min: float, agents: int, days: int = 60) -> dict:
    return {
        "name": "mmc",
        "horizon": f"{days} days",
        "warmup": "5 days",
        "arrivals": {"process": "poisson", "rate": f"{arrival_per_hour} per h"},
        "case_types": {"job": {"share": 1.0, "skills": ["s"], "diagnosis_time": "0 min",
                               "fix_time": {"dist": "exponential", "mean": f"{service_mean_min} min"}}},
        "designs": {"single": {"teams": {"team": {"agents": agents, "skills": {"s": 1.0}, "hours": "24/7"}},
                               "incentive": {"scheme": "resolution"}}},
    }


def per_replication(result: cxsim.Result, fn) -> np.ndarray:
    return np.array([fn(out) for out in result.outputs])


def waits(out) -> np.ndarray:
    return np.array([c.visits[0].started_at - c.visits[0].queued_at for c in out.cases if c.visits])


def t_interval(samples: np.ndarray, level: float = 0.99) -> tuple[float, float]:
    half = stats.t.ppf(0.5 + level / 2, len(samples) - 1) * samples.std(ddof=1) / math.sqrt(len(samples))
    return samples.mean() - half, samples.mean() + half


@pytest.mark.parametrize(("lam", "service_min", "agents"), [(8.0, 60.0, 10), (18.0, 30.0, 10)])
def test_mean_wait_matches_erlang_c(lam, service_min, agents):
    mu = 60.0 / service_min
    result = cxsim.run(mmc_scenario(lam, service_min, agents), replications=16, seed=11, cases="all")
    mean_waits = per_replication(result, lambda out: waits(out).mean())
    lo, hi = t_interval(mean_waits)
    expected = mmc_mean_wait(lam, mu, agents)
    assert lo <= expected <= hi, f"Erlang C Wq={expected:.4f} h outside the 99% CI [{lo:.4f}, {hi:.4f}]"
    # The interval must also be tight enough to mean something: within 15% of the analytic value.
    assert hi - lo < 0.3 * expected


def test_probability_of_waiting_and_utilisation():
    lam, mu, agents = 8.0, 1.0, 10
    result = cxsim.run(mmc_scenario(lam, 60.0, agents), replications=16, seed=5, cases="all")
    p_wait = per_replication(result, lambda out: float((waits(out) > 1e-9).mean()))
    lo, hi = t_interval(p_wait)
    expected = erlang_c(agents, lam / mu)
    assert lo <= expected <= hi, f"Erlang C P(wait)={expected:.4f} outside [{lo:.4f}, {hi:.4f}]"
    util = np.array([r for r in per_replication(result, lambda out: out.teams[0].busy_hours
                                                / (out.teams[0].agents * out.teams[0].open_hours))])
    lo, hi = t_interval(util)
    assert lo <= lam / (mu * agents) <= hi


def test_more_agents_less_waiting():
    few = cxsim.run(mmc_scenario(8.0, 60.0, 9, days=30), replications=6, seed=2, cases="all")
    many = cxsim.run(mmc_scenario(8.0, 60.0, 12, days=30), replications=6, seed=2, cases="all")
    diff = per_replication(few, lambda o: waits(o).mean()) - per_replication(many, lambda o: waits(o).mean())
    assert t_interval(diff, 0.95)[0] > 0
