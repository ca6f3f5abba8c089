"""Sensitivity end to end: the files, charts and report it writes, and ``cxsim sensitivity`` on the command
line, including every refusal before anything runs (exit 2, one line, nothing written)."""

from __future__ import annotations

import csv
import json
import subprocess
import sys

import pytest

import cxsim

pytestmark = pytest.mark.slow  # each test runs variants or a subprocess: ~17 s, not for the quick loop

MINIMAL = "scenarios/minimal.yaml"
LOYAL = cxsim.load_scenario(MINIMAL).with_changes({"customers.loyalty": 1.0})
PARAMS = ["designs.lanes.teams.product.agents", "effort.chasing"]


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cxsim", "sensitivity", *args], capture_output=True,
                          text=True)


@pytest.fixture(scope="module")
def small():
    # Customers who always renew: churn is 0 in both designs, a tie the findings must write as a tie.
    return cxsim.run_sensitivity(LOYAL, parameters=PARAMS, replications=2, seed=1, horizon="20 days",
                                 morris=True, trajectories=2)


def test_writes_table_json_tornado_and_report(small, tmp_path):
    (tmp_path / "summary.json").write_text("{}")  # an earlier run's file: removed, never mixed in
    (tmp_path / "notes.txt").write_text("mine")  # not cxsim's: kept
    written = small.write(tmp_path, force=True)  # a folder cxsim did not write: only with force
    assert not (tmp_path / "summary.json").exists() and (tmp_path / "notes.txt").exists()
    names = {p.name for p in written}
    assert {"sensitivity.csv", "sensitivity.json", "morris.csv", "report.html"} <= names
    assert {f"tornado_{m}.png" for m in small.metrics} <= names
    rows = list(csv.DictReader((tmp_path / "sensitivity.csv").open()))
    # a row per parameter x metric x (each design, then one_team - lanes)
    assert len(rows) == len(PARAMS) * len(small.metrics) * 3
    assert {r["quantity"] for r in rows} == {"lanes", "one_team", "one_team - lanes"}
    data = json.loads((tmp_path / "sensitivity.json").read_text())
    assert [p["path"] for p in data["parameters"]] == PARAMS
    assert data["common_random_numbers"] is True and data["vary"] == 0.25
    assert set(data["robust"]) == set(small.metrics)
    assert data["morris"]["trajectories"] == 2 and data["morris"]["levels"] == 4
    html = (tmp_path / "report.html").read_text()
    assert html.count('<figure class="chart"') == len(small.metrics)
    assert "order holds" in html and "Morris elementary effects" in html
    assert 'data-parameter="designs.lanes.teams.product.agents"' in html


def test_the_baseline_variant_is_the_plain_run(small):
    """Common random numbers: the base variant is exactly what ``cxsim.run`` gives at the same seed."""
    plain = cxsim.run(LOYAL, replications=2, seed=1, horizon="20 days", cases="none")
    for design in small.designs:
        assert small.estimate(small.base, "effort_hours_mean", design).mean == pytest.approx(
            plain.metric(design, "effort_hours_mean"), rel=1e-12)


@pytest.mark.parametrize(("args", "says"), [
    (["--params", "designs.lanes.teams.nope.agents"], "designs.lanes.teams.nope.agents: matches no value"),
    (["--params", "designs.lanes.transfer.policy"], "is 'cold', not a number"),
    (["--params", "effort.chasing", "--vary", "150%"], "--vary: must be between 0% and 100%"),
    (["--params", "effort.chasing", "--metrics", "nope"], "--metrics: unknown metric 'nope'"),
    ([], "no value is marked '# [assumption]' on its line; pass --params"),
    (["--params", "effort.chasing", "--morris", "--levels", "3"], "--levels: Morris levels must be even"),
    (["--params", "effort.chasing", "--horizon", "5 days"], "--horizon: must be longer than the scenario's"),
])
def test_bad_input_is_refused_before_running(tmp_path, args, says):
    out = tmp_path / "out"
    proc = cli(MINIMAL, "--out", str(out), "-w", "1", *args)
    assert proc.returncode == 2, proc.stderr
    assert says in " ".join(proc.stderr.split()) and "Traceback" not in proc.stderr
    assert not out.exists()


def test_bad_parameter_names_file_and_line(tmp_path):
    proc = cli(MINIMAL, "--params", "designs.lanes.teams.product.skills", "--out", str(tmp_path / "o"))
    assert proc.returncode == 2
    assert " ".join(proc.stderr.split()).startswith(
        "error: scenarios/minimal.yaml:24: designs.lanes.teams.product.skills:")


@pytest.mark.slow
def test_cli_runs_and_prints_the_verdict(tmp_path):
    out = tmp_path / "s"
    proc = cli(MINIMAL, "--params", ",".join(PARAMS), "-r", "2", "--horizon", "20 days", "--out", str(out),
               "--workers", "1", "--no-charts")
    assert proc.returncode == 0, proc.stderr
    assert (out / "sensitivity.json").exists() and not list(out.glob("*.png"))
    assert "order of the designs on effort, mean" in " ".join(proc.stdout.split())


def test_findings_say_the_verdict_and_treat_ties_as_ties(small):
    from cxsim.report import sensitivity_findings

    text = " ".join(sensitivity_findings(small))
    assert "The order of the designs on effort, mean (one_team < lanes) holds under every variation." in text
    # loyalty 1: nobody leaves, so churn is 0 in both designs, a tie, not an order that could flip.
    assert "annual churn rate (lanes = one_team) holds" in text


def test_a_loaded_scenario_finds_its_files_marks_and_a_changed_one_does_not():
    from cxsim.sensitivity import _source_of

    story = cxsim.load_scenario("scenarios/one_lane_tech.yaml")
    assert _source_of(story) is not None
    assert _source_of(story.with_changes({"customers.count": 900})) is None
    with pytest.raises(cxsim.ScenarioError, match="pass the parameters"):
        cxsim.run_sensitivity(cxsim.load_scenario(MINIMAL))
