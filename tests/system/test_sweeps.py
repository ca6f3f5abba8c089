"""Sweeps end to end: a failed point is recorded and the sweep goes on, the files and the report it writes,
its chart, and ``cxsim sweep`` on the command line."""

from __future__ import annotations

import csv
import subprocess
import sys

import pytest

import cxsim
from cxsim.sweep import run_sweep

MINIMAL = "scenarios/minimal.yaml"


@pytest.mark.slow
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


@pytest.mark.slow
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



def test_sweep_csv_keeps_a_shares_interval_within_0_and_1_as_summary_csv_does():
    """Two replications of a few dozen cases: the raw t-interval of a share crosses 0 or 1; sweep.csv shows it
    clipped, as summary.csv, the tables and the charts do (it showed fcr from -25% to 102%)."""
    from cxsim.catalogue import METRICS

    result = run_sweep(MINIMAL, parameters=[("customers.count", [30, 60])], replications=2, seed=1,
                       horizon="20 days")
    shares = [m for m, spec in METRICS.items() if spec.is_share]
    raw = [e for p in result.points for d in p.summary.designs.values() for m, e in d.metrics.items()
           if m in shares and e.low is not None and not 0 <= e.low <= e.high <= 1]
    assert raw, "no share's raw interval crosses a bound: the check below would not test anything"
    for row in result.rows():
        for m in shares:
            low, high = row[f"{m}_ci95_low"], row[f"{m}_ci95_high"]
            assert low is None or low != low or 0 <= low <= high <= 1, (m, low, high)
