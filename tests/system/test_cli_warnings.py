"""The stability warnings reach the reader on every path: the CLI (stderr, with their codes), summary.json
(a machine-readable ``warnings`` list) and the report (its 'Load and stability' section)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

OVERLOADED = """\
name: overloaded
horizon: 60 days
warmup: 5 days
replications: 3
arrivals: {process: poisson, rate: 11 per h}
case_types:
  job: {share: 1.0, skills: [s], diagnosis_time: 0 min, fix_time: {dist: exponential, mean: 60 min}}
designs:
  single:
    teams: {team: {agents: 10, skills: {s: 1.0}, hours: 24/7}}
    incentive: {scheme: resolution}
"""


@pytest.mark.slow
def test_an_overloaded_run_warns_on_stderr_in_summary_json_and_in_the_report(tmp_path: Path):
    scenario = tmp_path / "overloaded.yaml"
    scenario.write_text(OVERLOADED)
    proc = subprocess.run([sys.executable, "-m", "cxsim", "run", str(scenario), "-o", str(tmp_path / "out"),
                           "--workers", "1", "--no-charts"], capture_output=True, text=True, timeout=300,
                          cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "offered load before the run" in proc.stdout and "team 110%" in proc.stdout
    for code in ("planned_load_high", "utilization_high", "backlog_growing"):
        assert f"warning {code}" in proc.stderr, proc.stderr
    assert "results depend on the horizon" in proc.stderr
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    codes = {w["code"] for w in summary["warnings"]}
    assert {"planned_load_high", "utilization_high", "backlog_growing"} <= codes
    assert all(set(w) == {"code", "design", "team", "value", "message"} for w in summary["warnings"])
    report = (tmp_path / "out" / "report.html").read_text()
    assert "Load and stability" in report and "results depend on the horizon" in report
