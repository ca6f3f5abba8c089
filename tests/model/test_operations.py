"""What a support leader sees, against queueing theory, and the stability warnings on queues known to be
stable or overloaded.

On an M/M/c team (one session per case, no transfers) the first response is the queue wait, so the mean
first response, the team's mean queue wait and the service level (the share of first responses within the
target) must match Erlang C's mean wait and P(wait <= t) within a Student-t interval over replications.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

import cxsim
from cxsim.erlang import mmc_mean_wait, mmc_service_level
from cxsim.metrics import replication_metrics, team_service

pytestmark = pytest.mark.slow  # M/M/c runs against Erlang C: ~6 s


def mmc_scenario(lam: float, service_min: float, agents: int, days: int = 40, target: str = "6 min",
                 warmup: str = "5 days") -> dict:
    return {
        "name": "mmc", "horizon": f"{days} days", "warmup": warmup,
        "arrivals": {"process": "poisson", "rate": f"{lam} per h"},
        "case_types": {"job": {"share": 1.0, "skills": ["s"], "diagnosis_time": "0 min",
                               "fix_time": {"dist": "exponential", "mean": f"{service_min} min"}}},
        "designs": {"single": {"teams": {"team": {"agents": agents, "skills": {"s": 1.0}, "hours": "24/7"}},
                               "incentive": {"scheme": "resolution"}}},
        "service_level": {"target": target},
    }


def t_interval(samples: list[float], level: float = 0.99) -> tuple[float, float]:
    x = np.asarray(samples, dtype=float)
    half = stats.t.ppf(0.5 + level / 2, len(x) - 1) * x.std(ddof=1) / math.sqrt(len(x))
    return x.mean() - half, x.mean() + half


@pytest.fixture(scope="module")
def mmc() -> cxsim.Result:
    return cxsim.run(mmc_scenario(8.0, 60.0, 10), replications=12, seed=3, cases="none")


def test_first_response_and_team_wait_match_erlang_c(mmc):
    expected = mmc_mean_wait(8.0, 1.0, 10)
    per_rep = [replication_metrics(o) for o in mmc.outputs]
    for values in ([r["first_response_hours_mean"] for r in per_rep],
                   [r["queue_wait_hours_mean"] for r in per_rep],
                   [team_service(o)["team"]["wait_hours_mean"] for o in mmc.outputs]):
        lo, hi = t_interval(values)
        assert lo <= expected <= hi, f"Erlang C Wq={expected:.4f} h outside the 99% CI [{lo:.4f}, {hi:.4f}]"
        assert hi - lo < 0.4 * expected  # tight enough to mean something


def test_service_level_matches_erlang_c(mmc):
    expected = mmc_service_level(8.0, 1.0, 10, 0.1)  # P(wait <= 6 min)
    lo, hi = t_interval([replication_metrics(o)["service_level"] for o in mmc.outputs])
    assert lo <= expected <= hi, f"Erlang C P(W<=6 min)={expected:.4f} outside [{lo:.4f}, {hi:.4f}]"
    assert hi - lo < 0.08


def test_a_stable_queue_is_not_warned_about(mmc):
    summary = mmc.summary
    assert summary.warnings == ()
    assert summary.to_json()["warnings"] == []
    team = summary.designs["single"].team_service["team"]
    planned = summary.designs["single"].planned_load["team"]
    assert planned == pytest.approx(0.8)
    lo, hi = team["offered_load"].low, team["offered_load"].high
    assert lo <= 0.8 <= hi  # measured = planned: no failure demand here
    assert team["failure_share"].mean == 0.0
    assert summary.designs["single"].stability["backlog_trend"]["growing"] is False


def test_an_overloaded_queue_is_warned_about():
    result = cxsim.run(mmc_scenario(11.0, 60.0, 10, days=60), replications=4, seed=3, cases="none")
    codes = {w.code for w in result.summary.warnings}
    assert {"planned_load_high", "offered_load_high", "utilization_high", "backlog_growing"} <= codes
    data = result.summary.to_json()
    assert any(w["code"] == "backlog_growing" and "results depend on the horizon" in w["message"]
               for w in data["warnings"])
    assert data["teams"]["single"]["team"]["offered_load_planned"] == pytest.approx(1.1)


def test_a_warmup_too_short_is_said_so():
    """Long sessions (5 days) and many agents: the open cases climb from 0 to ~240 over two weeks, so a run
    without a warm-up starts far from its steady state and MSER-5 says so."""
    scenario = mmc_scenario(2.0, 5 * 24 * 60.0, 300, days=150, warmup="0 days")
    result = cxsim.run(scenario, replications=4, seed=1, cases="none")
    stability = result.summary.designs["single"].stability
    codes = {w.code for w in result.summary.warnings}
    assert 5 * 24 <= stability["warmup"]["suggested_hours"] <= 40 * 24
    assert "warmup_too_short" in codes
    assert "backlog_growing" not in codes


def test_sla_attainment_is_undefined_without_targets_and_follows_them(mmc):
    assert all(math.isnan(replication_metrics(o)["sla_attainment"]) for o in mmc.outputs)
    generous = cxsim.run({**mmc_scenario(8.0, 60.0, 10, days=20), "service_level": {
        "target": "6 min", "resolution": {3: "1000 days"}}}, replications=2, seed=3, cases="none")
    strict = cxsim.run({**mmc_scenario(8.0, 60.0, 10, days=20), "service_level": {
        "target": "6 min", "resolution": {3: "1 min"}}}, replications=2, seed=3, cases="none")
    assert generous.summary.metric("single", "sla_attainment") == 1.0
    # Resolved within 1 min: no wait and a session under 1 min, P ~ (1 - P(wait)) x (1 - e^(-1/60)) ~ 1%.
    assert strict.summary.metric("single", "sla_attainment") < 0.03
