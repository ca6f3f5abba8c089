"""Sweeps that survive interruption and bad --set input: each point saved as it finishes, ``--resume``
runs only the rest and gives the uninterrupted sweep's results, a recorded sweep.json re-runs into a new
folder; a --set path naming nothing is refused before running with a suggestion, values may be YAML flow
mappings, and a sweep whose every point fails exits 1. In process (CliRunner)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import cxsim
from cxsim import api, outputs
from cxsim.changes import parse_set
from cxsim.cli import app

MINIMAL = str(Path("scenarios/minimal.yaml").resolve())
AGENTS = "designs.lanes.teams.product.agents"
SMALL = ["-r", "1", "--horizon", "15 days", "-w", "1", "-q", "--no-charts"]


def cli(*args):
    return CliRunner().invoke(app, [str(a) for a in args], env={"COLUMNS": "200"})


def error_line(result, status: int = 2) -> str:
    assert result.exit_code == status, (result.exit_code, result.output, result.exception)
    lines = [line for line in result.stderr.splitlines() if line.startswith(("error", "stopped"))]
    assert len(lines) == 1 and "Traceback" not in result.output, result.stderr
    return lines[0]


@pytest.fixture
def no_simulation(monkeypatch):
    def refuse(*_args, **_kwargs):
        raise AssertionError("ran before refusing")

    monkeypatch.setattr(api, "run_sweep", refuse)


def test_set_values_are_split_outside_braces_and_may_be_flow_mappings():
    lognormal = {"dist": "lognormal", "mean": "10 min", "sd": "5 min"}
    assert parse_set(f"{AGENTS}=1,2, 3") == (AGENTS, [1, 2, 3])  # today's form still works
    assert parse_set("t.service={dist: lognormal, mean: 10 min, sd: 5 min}") == ("t.service", [lognormal])
    assert parse_set("t.service={dist: lognormal, mean: 10 min, sd: 5 min};20 min") == \
        ("t.service", [lognormal, "20 min"])
    assert parse_set("x=[a, b],'c,d'") == ("x", [["a", "b"], "c,d"])
    with pytest.raises(ValueError, match=r"cannot read '\{dist: lognormal' as a YAML value"):
        parse_set("x={dist: lognormal")


@pytest.mark.parametrize(("path", "says"), [
    ("designs.lanse.teams.product.agents", "designs has no 'lanse'; did you mean 'lanes'?"),
    ("designs.lanes.teams.prodcut.agents", "designs.lanes.teams has no 'prodcut'; did you mean 'product'?"),
    ("designs.*.transfer.acuracy", "designs.*.transfer has no field 'acuracy'; did you mean 'accuracy'?"),
    ("designs.one_team.teams.product.agents", "designs.one_team.teams has no 'product' (there: support)"),
], ids=["design", "team", "field", "team-of-another-design"])
def test_a_set_path_that_names_nothing_is_refused_before_running(path, says, tmp_path, no_simulation):
    line = error_line(cli("sweep", MINIMAL, "--set", f"{path}=1,2", *SMALL, "--out", tmp_path / "sw"))
    assert line.startswith(f"error: --set {path}: no such path in the scenario: {says}")
    assert not (tmp_path / "sw").exists()


def test_a_swept_horizon_and_horizon_together_are_refused(tmp_path, no_simulation):
    """--horizon replaced every swept horizon: points labelled 30 and 40 days, each run for 15."""
    line = error_line(cli("sweep", MINIMAL, "--set", "horizon=30 days,40 days", *SMALL,
                          "--out", tmp_path / "sw"))
    assert line == "error: --horizon: the sweep varies horizon itself (30 days, 40 days); drop --horizon"
    assert not (tmp_path / "sw").exists()


def test_a_sweep_whose_points_all_fail_exits_1(tmp_path):
    result = cli("sweep", MINIMAL, "--set", f"{AGENTS}=oops,nope", *SMALL, "--out", tmp_path / "sw")
    csv = tmp_path / "sw" / "sweep.csv"
    assert error_line(result, 1) == f"error: every point of the sweep failed (see {csv})"
    assert result.stderr.count("point failed") == 2 and (tmp_path / "sw" / "sweep.csv").is_file()


def test_a_distribution_can_be_swept(tmp_path):
    result = cli("sweep", MINIMAL, "--set", "case_types.billing.fix_time={dist: lognormal, mean: 10 min, "
                 "sd: 5 min};20 min", *SMALL, "--out", tmp_path)
    assert result.exit_code == 0, result.output
    data = json.loads((tmp_path / "sweep.json").read_text())
    assert [p["error"] for p in data["points"]] == [None, None]
    rows = (tmp_path / "sweep.csv").read_text()
    assert "{dist: lognormal, mean: 10 min, sd: 5 min}" in rows  # as written in a scenario file


@pytest.fixture(scope="module")
def uninterrupted():
    return cxsim.run_sweep(MINIMAL, parameters=[(AGENTS, [1, 2, 3])], replications=1, seed=1,
                           horizon="15 days")


def test_an_interrupted_sweep_keeps_its_points_and_resume_runs_only_the_rest(tmp_path, monkeypatch,
                                                                              uninterrupted):
    out = tmp_path / "sw"
    saved = []
    save = outputs.save_point

    def save_then_stop(folder, k, point):
        saved.append(k)
        save(folder, k, point)
        if len(saved) == 1:
            raise KeyboardInterrupt  # Ctrl-C just after the first point was saved

    monkeypatch.setattr(outputs, "save_point", save_then_stop)
    line = error_line(cli("sweep", MINIMAL, "--set", f"{AGENTS}=1,2,3", *SMALL, "--seed", "1", "--out", out),
                      130)
    assert line == f"stopped (Ctrl-C): kept 1 of 3 sweep points in {out / 'points'}/; continue with: cxsim " \
                   f"sweep --resume {out}"
    assert sorted(p.name for p in (out / "points").iterdir()) == ["plan.json", "point-0000.json"]
    assert sorted(p.name for p in out.iterdir()) == ["points"]  # nothing else until the sweep is complete

    # a new sweep into it must not silently throw the kept point away
    assert "holds an interrupted sweep; continue it with: cxsim sweep --resume" in error_line(
        cli("sweep", MINIMAL, "--set", f"{AGENTS}=1,2,3", *SMALL, "--out", out))
    # nor may the continuation change what it sweeps
    assert "--set names other parameters or values than it ran" in error_line(
        cli("sweep", "--resume", out, "--set", f"{AGENTS}=1,2,4"))

    result = cli("sweep", "--resume", out, "-w", "1", "-q", "--no-charts")
    assert result.exit_code == 0, result.output
    assert saved == [0, 1, 2]  # the first point was not run again
    assert not (out / "points").exists()
    data = json.loads((out / "sweep.json").read_text())
    assert data["points"] == uninterrupted.to_json()["points"]  # as if never interrupted


def test_a_recorded_sweep_reruns_into_a_new_folder(tmp_path, monkeypatch, uninterrupted):
    monkeypatch.chdir(tmp_path)
    uninterrupted.write("recorded", charts=False)
    kept = Path("recorded/sweep.json").read_bytes()
    result = cli("sweep", "recorded/sweep.json", "-w", "1", "--no-charts")
    assert result.exit_code == 0, result.output
    assert "re-run of the recorded sweep: identical results" in result.stdout
    assert Path("results/minimal-sweep-rerun/sweep.json").is_file()
    assert Path("recorded/sweep.json").read_bytes() == kept
    assert "holds the record being re-run" in error_line(
        cli("sweep", "recorded/sweep.json", "--out", "recorded"))
