"""Experiments at scale: paired differences, --precision, what each case output mode keeps, bounded memory."""

from __future__ import annotations

import json
import tracemalloc

import numpy as np
import pytest

import cxsim
from cxsim.units import parse_duration

MINIMAL = "scenarios/minimal.yaml"


# ------------------------------------------------------------------ paired differences and precision


@pytest.fixture(scope="module")
def minimal_result():
    return cxsim.run(MINIMAL, replications=6, seed=3, horizon="40 days")


def test_vs_baseline_is_the_paired_difference(minimal_result):
    from cxsim.metrics import replication_metrics

    s = minimal_result.summary
    assert s.baseline == "lanes" and s.designs["lanes"].vs_baseline is None
    assert "vs_baseline" not in s.to_json()["designs"]["lanes"]
    block = s.designs["one_team"].vs_baseline["effort_hours_mean"]
    per = {d: [replication_metrics(o)["effort_hours_mean"] for o in minimal_result.outputs_for(d)]
           for d in ("lanes", "one_team")}
    diffs = np.array(per["one_team"]) - np.array(per["lanes"])
    assert block.mean == pytest.approx(diffs.mean())
    lo, hi = block.low, block.high
    assert block.significant == (lo > 0 or hi < 0)
    assert block.significant and hi < 0  # one team costs customers less, beyond doubt
    # Pairing removes the common noise: the paired interval is narrower than the unpaired one would be.
    unpaired = 1.96 * np.sqrt(np.var(per["one_team"], ddof=1) / 6 + np.var(per["lanes"], ddof=1) / 6)
    assert (hi - lo) / 2 < unpaired * 1.5


def test_a_design_against_itself_is_not_significant():
    data = json.loads(json.dumps(cxsim.load_scenario(MINIMAL).content))
    data["designs"]["twin"] = data["designs"]["lanes"]
    result = cxsim.run(data, replications=4, seed=1, horizon="30 days")
    for metric, block in result.summary.designs["twin"].vs_baseline.items():
        assert block.mean in (0.0, None), metric
        assert block.significant is False


@pytest.mark.slow
def test_precision_adds_replications_until_the_ci_is_tight():
    loose = cxsim.run(MINIMAL, replications=3, seed=2, horizon="30 days", precision=0.5)
    assert loose.precision["reached"] and loose.replications == 3
    tight = cxsim.run(MINIMAL, replications=3, seed=2, horizon="30 days", precision=0.03, workers=1)
    p = tight.precision
    assert p["reached"] and tight.replications > 3
    for design in tight.designs:
        ci = tight.summary.designs[design].metrics["effort_hours_mean"]
        assert (ci.high - ci.low) / 2 <= 0.03 * ci.mean + 1e-12
    capped = cxsim.run(MINIMAL, replications=3, seed=2, horizon="30 days", precision=0.001,
                       max_replications=5)
    assert not capped.precision["reached"] and capped.replications == 5


# ------------------------------------------------------------------ bounded memory


STEADY = {  # a stable queue: the cases open at once do not grow with the horizon
    "name": "steady", "horizon": "60 days",
    "arrivals": {"process": "poisson", "rate": "100 per day"},
    "case_types": {"a": {"share": 0.7, "skills": ["a"], "fix_time": {"dist": "exponential", "mean": "1 h"}},
                   "b": {"share": 0.3, "skills": ["b"], "fix_time": "30 min"}},
    "effort": {"chasing": "1 h per day"},
    "designs": {"lanes": {"teams": {"a": {"agents": 6, "skills": ["a"], "hours": "24/7"},
                                    "b": {"agents": 3, "skills": ["b"], "hours": "24/7"}}}},
}


def _peak_bytes(horizon: str) -> tuple[int, int]:
    scenario = cxsim.load_scenario(STEADY)
    tracemalloc.start()
    tracemalloc.reset_peak()
    out = cxsim.run_replication(scenario, "lanes", 1, 0, horizon=parse_duration(horizon),
                                cases="none")
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak, out.stats.n


@pytest.mark.slow
def test_memory_stays_flat_when_the_horizon_grows():
    """Measured: 4x the cases, about the same peak. It follows the cases open at once; the statistics keep at
    most 4,096 values exactly per sketch, then bins whose number grows with the log of the range of values
    seen, which saturates (peaks here: 1.6 / 1.9 / 2.3 / 2.4 MB at 60 / 120 / 480 / 960 days), so both runs
    start past the first 4,096 cases of every sketch and the range they fill early."""
    short_peak, short_cases = _peak_bytes("120 days")
    long_peak, long_cases = _peak_bytes("480 days")
    assert short_cases > 4096 * 2.5 and long_cases > 3.5 * short_cases
    assert long_peak < 1.5 * short_peak, (short_peak, long_peak)


@pytest.mark.slow
def test_case_output_modes():
    modes = {m: cxsim.run(MINIMAL, replications=1, seed=1, horizon="150 days", cases=m) for m in
             ("all", "sample", "none")}
    counted = modes["all"].summary.designs["lanes"].accounting.counted
    assert len(list(modes["all"].case_rows("lanes"))) == counted > 1000
    assert len(list(modes["sample"].case_rows("lanes"))) == 1000
    assert list(modes["none"].case_rows()) == []
    # The output mode changes what is kept, never the results.
    assert modes["all"].summary.to_json()["designs"] == modes["none"].summary.to_json()["designs"]
    # The worst case is always kept.
    worst = modes["none"].outputs[0].worst_case
    assert worst.effort_hours == max(r["effort_hours"] for r in modes["all"].case_rows("lanes"))
