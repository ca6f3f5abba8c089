"""The engine against Erlang A: one team with exponential service and exponential patience (M/M/c+M).

Patience runs only while a case waits in the queue, so P(abandon) and the mean wait must match Erlang A
within the Student-t interval over replications (a file of its own so that it runs beside the Erlang C
checks of test_queueing_validation.py on another worker).
"""

from __future__ import annotations

import numpy as np
import pytest

import cxsim
from cxsim.erlang import erlang_a
from tests.model.test_queueing_validation import mmc_scenario, per_replication, t_interval

pytestmark = pytest.mark.slow  # 12 replications of 40 days at rho ~1: tight intervals cost time


def mmcm_scenario(arrival_per_hour: float, service_mean_min: float, agents: int, patience_mean_h: float,
                  days: int = 40) -> dict:
    """M/M/c+M: one team, exponential service and exponential patience; nobody churns."""
    scenario = mmc_scenario(arrival_per_hour, service_mean_min, agents, days)
    scenario["customers"] = {"count": 200, "loyalty": 1.0,
                             "patience": {"dist": "exponential", "mean": f"{patience_mean_h} h"}}
    scenario["churn"] = {"curve": "none"}
    return scenario


@pytest.mark.parametrize(("lam", "service_min", "agents", "patience_h"), [(11.0, 60.0, 10, 2.0),
                                                                          (9.0, 60.0, 10, 0.5)])
def test_abandonment_and_wait_match_erlang_a(lam, service_min, agents, patience_h):
    """Patience runs only while a case waits in the queue, so one team with exponential patience is Erlang A.

    P(abandon) is abandoned / arrivals; the mean wait is over ALL arrivals, as in Erlang A: a served case's
    wait in the queue, an abandoning case's time until it left. Cases opened in the last two days are left
    out (they could still be open at the horizon); every other one has ended.
    """
    days = 40
    result = cxsim.run(mmcm_scenario(lam, service_min, agents, patience_h, days), replications=12, seed=17,
                       cases="all")

    def finished(out):
        cases = [c for c in out.cases if c.opened_at_hours < (days - 2) * 24]
        assert all(c.status != "open" for c in cases)
        return cases

    def wait(c) -> float:
        if c.status == "abandoned":
            assert not c.visits  # patience never runs out during a session
            return c.ended_at_hours - c.opened_at_hours
        return c.visits[0].started_at - c.visits[0].queued_at

    expected = erlang_a(lam, 60.0 / service_min, agents, 1.0 / patience_h)
    p_abandon = per_replication(result, lambda out: np.mean([c.status == "abandoned" for c in finished(out)]))
    lo, hi = t_interval(p_abandon)
    assert lo <= expected.p_abandon <= hi, (
        f"Erlang A P(abandon)={expected.p_abandon:.4f} outside the 99% CI [{lo:.4f}, {hi:.4f}]")
    assert hi - lo < 0.3 * expected.p_abandon
    mean_wait = per_replication(result, lambda out: np.mean([wait(c) for c in finished(out)]))
    lo, hi = t_interval(mean_wait)
    assert lo <= expected.mean_wait <= hi, (
        f"Erlang A mean wait={expected.mean_wait:.4f} h outside the 99% CI [{lo:.4f}, {hi:.4f}]")
    assert hi - lo < 0.3 * expected.mean_wait
