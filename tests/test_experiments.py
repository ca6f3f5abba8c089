"""Experiments at scale: paired differences, --precision, sweeps, lanes, honest CIs, bounded memory."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
import tracemalloc

import numpy as np
import pytest

import cxsim
from cxsim.changes import parse_set, set_path
from cxsim.estimates import mean_ci
from cxsim.lanes import lane_teams
from cxsim.scenario import Lanes
from cxsim.sweep import run_sweep
from cxsim.units import parse_duration

MINIMAL = "scenarios/minimal.yaml"


# ------------------------------------------------------------------ confidence intervals


@pytest.mark.parametrize("draw", ["normal", "exponential"])
def test_confidence_intervals_cover_the_true_mean_at_the_nominal_rate(draw):
    """200 trials of 10 draws from a known distribution: the 95% interval covers the true mean ~95% of the
    time (binomial 99.9% band for 200 trials: 0.90-0.99)."""
    rng = np.random.default_rng(123)
    covered = 0
    for _ in range(200):
        x = rng.normal(5.0, 2.0, 10) if draw == "normal" else rng.exponential(5.0, 30)
        ci = mean_ci(list(x))
        lo, hi = ci.low, ci.high
        covered += lo <= 5.0 <= hi
    assert 0.90 <= covered / 200 <= 0.99


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


def test_memory_stays_flat_when_the_horizon_grows():
    """Measured: 8x the cases, about the same peak (it follows the cases open at once, and the statistics
    keep at most 4,096 values exactly per sketch: both runs are past that)."""
    short_peak, short_cases = _peak_bytes("60 days")
    long_peak, long_cases = _peak_bytes("480 days")
    assert short_cases > 4096 * 1.4 and long_cases > 7.5 * short_cases
    assert long_peak < 1.5 * short_peak, (short_peak, long_peak)


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


# ------------------------------------------------------------------ sweeps and lanes


def test_set_path_and_parse_set():
    data = {"designs": {"a": {"x": 1}, "b": {"x": 2}}}
    assert set_path(data, "designs.*.x", 5) == {"designs": {"a": {"x": 5}, "b": {"x": 5}}}
    mixed = {"designs": {"a": {"y": {"z": 0}}, "b": {}}}
    assert set_path(mixed, "designs.*.y.z", 1) == {"designs": {"a": {"y": {"z": 1}}, "b": {}}}  # none created
    with pytest.raises(cxsim.ScenarioError, match="no such path"):
        set_path(data, "designs.*.y.z", 1)
    assert set_path(data, "designs.a.y.z", 1)["designs"]["a"]["y"] == {"z": 1}  # an explicit path is
    assert data["designs"]["a"]["x"] == 1  # a copy
    assert parse_set("designs.a.transfer.accuracy=0.5, 0.9") == ("designs.a.transfer.accuracy", [0.5, 0.9])
    assert parse_set("effort.reexplain=30 min,2 h") == ("effort.reexplain", ["30 min", "2 h"])
    with pytest.raises(ValueError):
        parse_set("no-equals-sign")


def test_lanes_share_skills_and_agents():
    scenario = cxsim.load_scenario("scenarios/lanes_sweep.yaml")
    needed = {s for ct in scenario.case_types.values() for s in ct.skills}
    for count in range(1, 9):
        teams = lane_teams(scenario.case_types, Lanes(count=count, agents=25))
        assert len(teams) == count
        assert sum(t["agents"] for t in teams.values()) == 25
        assert all(t["agents"] >= 1 for t in teams.values())
        skills = [s for t in teams.values() for s in t["skills"]]
        assert sorted(skills) == sorted(needed)  # a partition: every skill in exactly one lane


def test_sweep_records_a_failed_point_and_goes_on(tmp_path):
    result = cxsim.run_sweep(MINIMAL, parameters=[("designs.lanes.teams.product.agents", [1, 3, "oops"])],
                             replications=3, seed=1, horizon="30 days")
    ok, bad = result.points[:2], result.points[2]
    assert all(p.summary for p in ok) and bad.summary is None and "must be an integer" in bad.error
    # More agents in the product lane: less effort there (same seed at every point).
    effort = [p.summary.metric("lanes", "effort_hours_mean") for p in ok]
    assert effort[1] < effort[0]
    written = result.write(tmp_path)
    rows = list(csv.DictReader((tmp_path / "sweep.csv").open()))
    assert len(rows) == 3 * 2  # point x design
    assert {r["status"] for r in rows} == {"ok", "error"}
    assert float(rows[0]["effort_hours_mean_ci95_low"]) <= float(rows[0]["effort_hours_mean"])
    assert any(p.name == "sweep_effort_hours_mean.png" for p in written)
    report = (tmp_path / "report.html").read_text()
    assert report.count('<figure class="chart"') == len(result.metrics)
    assert "1 of 3 points failed" in report and "oops" in report


def test_sweep_chart_has_a_line_and_a_band_per_design():
    from cxsim.charts import sweep_chart

    result = run_sweep(MINIMAL, parameters=[("designs.*.teams.billing.agents", [1, 2])], replications=2,
                       seed=1, horizon="20 days")
    fig = sweep_chart(result, "effort_hours_mean")
    ax = fig.axes[0]
    assert [line.get_label() for line in ax.lines] == result.designs
    assert len(ax.collections) == len(result.designs)  # one CI band each
    for line, design in zip(ax.lines, result.designs, strict=True):
        expected = [p.summary.metric(design, "effort_hours_mean") for p in result.points]
        assert list(line.get_ydata()) == pytest.approx(expected)


def test_sweep_cli_with_set_and_errors(tmp_path):
    out = tmp_path / "sw"
    proc = subprocess.run([sys.executable, "-m", "cxsim", "sweep", MINIMAL, "--set",
                           "designs.lanes.transfer.accuracy=0.2,0.9", "-r", "2", "--horizon", "20 days",
                           "--out", str(out), "--workers", "1"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert (out / "sweep.csv").exists() and "2 of 2 points ran" in proc.stdout
    proc = subprocess.run([sys.executable, "-m", "cxsim", "sweep", MINIMAL, "--out", str(tmp_path / "x")],
                          capture_output=True, text=True)
    assert proc.returncode == 2 and "nothing to sweep" in proc.stderr and not (tmp_path / "x").exists()
