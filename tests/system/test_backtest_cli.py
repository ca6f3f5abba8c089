"""``cxsim export-log`` and ``cxsim backtest`` end to end.

Round trip: a small known scenario run with ``--cases all``, exported as a log and read back by the log
reader gives, case by case, the hand-offs, teams and ping-pong the run recorded and the same days to
within float rounding; so the log's profile equals the simulated one. Self-consistency: a back-test of
minimal.yaml against a log exported from another seed of its own run meets its own targets, and against the
wrong design misses them with the measured gap. Bad input: one line, exit 2, nothing written.
"""

from __future__ import annotations

import csv
import json
import math
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

import cxsim
from cxsim.cli import app as cli_app
from cxsim.eventlog import Columns, read_log
from cxsim.exportlog import LOG_COLUMNS, READ_BACK, export_log
from cxsim.handoffs import CaseOutcome, case_outcomes, handoff_profile, log_profile
from cxsim.journeys import case_outcome, simulated_profile
from tests.system.test_cli import no_traceback

REPO = Path(__file__).resolve().parents[2]
MINIMAL = REPO / "scenarios" / "minimal.yaml"
FLAGS = tuple(READ_BACK.split())
COLUMNS = Columns(case="case", time="time", team="team", resource="resource", activity="activity",
                  opened="opened_at", resolved="resolved_at")


def lanes_without_customers() -> dict:
    """minimal.yaml's lanes (close-fast: hand-offs, ping-pong and reopens) with anonymous arrivals and no
    patience: no case is abandoned, so every case ends resolved or open at the horizon. Cold transfers
    (``lanes``) or an owner who keeps the customer (``owned``: a reopen goes back to the owner's team)."""
    return {
        "name": "roundtrip", "horizon": "40 days", "warmup": "5 days", "seed": 11,
        "arrivals": {"process": "poisson", "rate": "12 per day"},
        "case_types": {
            "how_to": {"share": 0.6, "skills": ["product"], "fix_time": "10 min"},
            "bug": {"share": 0.3, "skills": ["engineering"], "difficulty": 0.3,
                    "fix_time": {"dist": "lognormal", "mean": "1 h", "sd": "30 min"}},
            "billing": {"share": 0.1, "skills": ["billing"], "fix_time": "15 min"}},
        "designs": {"lanes": {
            "teams": {"product": {"agents": 2, "skills": ["product"]},
                      "engineering": {"agents": 2, "skills": ["engineering"]},
                      "billing": {"agents": 1, "skills": ["billing"]}},
            "transfer": {"policy": "cold"}, "incentive": {"scheme": "close_fast"}}},
    }


def scenario_with_owner() -> dict:
    sc = lanes_without_customers()
    sc["designs"]["owned"] = dict(sc["designs"]["lanes"], transfer={"policy": "owner"})
    return sc


def write_data(result, folder: Path) -> Path:
    """A run's data files only (summary.json, details.json, cases.csv, journeys.csv): what export-log
    reads, without the report's charts (seconds for a long run)."""
    from cxsim import outputs

    folder.mkdir(parents=True, exist_ok=True)
    outputs._write_summary_json(result, folder / "summary.json")
    outputs._write_details(result, folder / "details.json")
    outputs._write_cases(result, folder / "cases.csv")
    outputs.write_steps(result.step_rows(), folder / "journeys.csv")
    return folder


def invoke(*args) -> subprocess.CompletedProcess:
    result = CliRunner().invoke(cli_app, [str(a) for a in args], env={"COLUMNS": "200"})
    return subprocess.CompletedProcess(args, result.exit_code, result.stdout, result.stderr)


def failed_with_one_line(done, *words) -> None:
    assert done.returncode == 2, done.stdout
    no_traceback(done)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:"), done.stderr
    for word in words:
        assert word in lines[0], lines[0]


# ------------------------------------------------------------------ the round trip


@pytest.fixture(scope="module", params=["lanes", "owned"])
def roundtrip(request, tmp_path_factory):
    design = request.param
    folder = tmp_path_factory.mktemp("roundtrip")
    result = cxsim.run(scenario_with_owner(), replications=2, cases="all", designs=[design])
    write_data(result, folder / "run")
    done = export_log(folder / "run", folder / "log.csv", replication=1)
    return result, done, read_log(folder / "log.csv", COLUMNS), folder


def test_export_writes_the_documented_columns_and_every_case(roundtrip):
    result, done, log, folder = roundtrip
    with (folder / "log.csv").open(newline="") as fh:
        header = next(csv.reader(fh))
    assert tuple(header) == LOG_COLUMNS
    records = result.outputs[1].cases
    assert done.cases == len(records) == log.cases and not done.sampled
    assert {r.status for r in records} == {"resolved", "open"}  # something censored, nothing abandoned
    assert sum(r.reopens > 0 for r in records) > 0 and sum(r.transfers for r in records) > 0


def test_the_log_read_back_gives_each_case_the_simulated_route_and_days(roundtrip):
    result, _, log, _ = roundtrip
    records = {str(r.case_id): r for r in result.outputs[1].cases}
    from_log = dict(zip((j.case for j in log.journeys), case_outcomes(log), strict=True))
    assert set(from_log) == set(records)
    for case, got in from_log.items():
        r = records[case]
        want = case_outcome(r.steps, r.status, r.days_open)
        assert (got.handoffs, got.teams, got.ping_pong, got.resolved) == \
            (want.handoffs, want.teams, want.ping_pong, want.resolved), case
        assert got.days == pytest.approx(want.days, abs=1e-9), case
    # hand-offs are the engine's transfers, plus (with an owner) returns to the owner's team at a reopen
    extra = sum(o.handoffs - records[c].transfers for c, o in from_log.items())
    assert all(o.handoffs >= records[c].transfers for c, o in from_log.items())
    assert (extra > 0) == (result.designs == ["owned"]), extra


def test_the_log_profile_equals_the_simulated_profile(roundtrip):
    result, _, log, _ = roundtrip
    simulated = simulated_profile(result.outputs[1].cases).to_dict()
    observed = log_profile(log).to_dict()
    assert observed.pop("notes") == simulated.pop("notes")
    assert _close(observed, simulated)


def _close(a, b) -> bool:
    if isinstance(a, dict):
        assert a.keys() == b.keys()
        return all(_close(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple):
        assert len(a) == len(b)
        return all(_close(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float):
        assert a == pytest.approx(b, abs=1e-9)
        return True
    assert a == b
    return True


def test_cases_csv_recomputes_the_simulated_profile(roundtrip):
    result, _, _, folder = roundtrip
    with (folder / "run" / "cases.csv").open(newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["replication"] == "1"]
    outcomes = [CaseOutcome(int(r["handoffs"]), int(r["teams"]), r["ping_pong"] == "1",
                            float(r["days_open"]), r["status"] == "resolved") for r in rows]
    direct = simulated_profile(result.outputs[1].cases)
    again = handoff_profile(outcomes)
    assert again.handoff_counts == direct.handoff_counts
    assert (again.share_3_teams, again.share_ping_pong) == (direct.share_3_teams, direct.share_ping_pong)
    assert again.days.median == pytest.approx(direct.days.median, rel=1e-5)  # cases.csv: 6 figures


def test_export_log_command_and_its_refusals(roundtrip, tmp_path):
    result, _, _, folder = roundtrip
    if result.designs != ["lanes"]:
        pytest.skip("the command's refusals are checked once, on the lanes run")
    done = invoke("export-log", folder / "run", "--out", tmp_path / "log.csv", "--design",
                  result.designs[0])
    assert done.returncode == 0, done.stderr
    assert "--case case" in done.stdout and (tmp_path / "log.csv").is_file()
    none = tmp_path / "none"
    write_data(cxsim.run(lanes_without_customers(), replications=1, cases="none", horizon="10 days"), none)
    (none / "journeys.csv").unlink()  # as cxsim run writes it with --cases none
    failed_with_one_line(invoke("export-log", none, "--out", tmp_path / "x.csv"), "journeys.csv",
                         "--cases all")
    failed_with_one_line(invoke("export-log", folder / "run", "--out", tmp_path / "y.csv", "--design",
                                "nope"), "nope", result.designs[0])
    failed_with_one_line(invoke("export-log", folder / "run", "--out", tmp_path / "z.csv",
                                "--replication", "7"), "replication 7")
    failed_with_one_line(invoke("export-log", folder / "run", "--out", tmp_path), "is a folder")
    assert not any((tmp_path / name).exists() for name in ("x.csv", "y.csv", "z.csv"))


# ------------------------------------------------------------------ the back-test


SPAN = "300 days"  # the log's span: ~2,700 cases, so each bucket's median is measured to ~10%


@pytest.fixture(scope="module")
def synthetic_log(tmp_path_factory) -> Path:
    """minimal.yaml's lanes over SPAN at seed 99 (not the back-test's seed), exported: a log of 'the same
    organisation', long enough that its own sampling noise stays well inside the targets' tolerances."""
    folder = tmp_path_factory.mktemp("synthetic")
    write_data(cxsim.run(MINIMAL, replications=1, seed=99, cases="all", designs=["lanes"], horizon=SPAN),
               folder)
    export_log(folder, folder / "log.csv")
    return folder / "log.csv"


def backtest(log: Path, folder: Path, design: str, *extra) -> tuple[Path, subprocess.CompletedProcess]:
    return folder, invoke("backtest", log, MINIMAL, "--out", folder, "--design", design, *extra,
                          "--workers", "1", *FLAGS)


@pytest.fixture(scope="module")
def right_design(synthetic_log, tmp_path_factory):
    """The design that made the log, over the log's span (~7 s on the 2-core machine)."""
    return backtest(synthetic_log, tmp_path_factory.mktemp("bt") / "lanes", "lanes", "-r", "3", "--horizon",
                    SPAN)


@pytest.fixture(scope="module")
def wrong_design(synthetic_log, tmp_path_factory):
    """One team, no hand-offs at all: misses need no precision (2 replications of 60 days)."""
    return backtest(synthetic_log, tmp_path_factory.mktemp("bt") / "one_team", "one_team", "-r", "2")


@pytest.mark.slow
def test_a_scenario_meets_its_own_targets_against_its_own_log(right_design):
    folder, done = right_design
    assert done.returncode == 0, done.stderr
    data = json.loads((folder / "backtest.json").read_text())
    assert data["passed"], [t["reason"] for t in data["targets"] if not t["passed"]]
    assert {"handoffs_mean", "share_handoff", "medians_rise_as_in_log", "bucket_1_median_days"} <= \
        {t["name"] for t in data["targets"]}
    assert "targets met" in done.stdout
    assert sorted(p.name for p in folder.iterdir()) == ["backtest.json", "backtest.png", "cases.csv",
                                                        "report.html"]


def test_backtest_json_shape(wrong_design):
    data = json.loads((wrong_design[0] / "backtest.json").read_text())
    assert {"log", "scenario", "design", "seed", "replications", "definitions", "labels", "observed",
            "simulated", "targets", "passed", "notes"} <= set(data)
    assert data["design"] == "one_team" and data["replications"] == 2 and data["log"]["cases"] > 2000
    assert set(data["observed"]) == set(data["simulated"]) == set(data["labels"])
    sim = data["simulated"]["days_median"]
    assert sim["ci95"][0] < sim["mean"] < sim["ci95"][1]
    for key in ("share_handoff", "share_3_teams", "share_5_teams", "share_ping_pong", "days_median",
                "days_p90", "bucket_3–4_median_days", "bucket_5+_share", "handoffs_0_share"):
        assert key in data["observed"], key
    for t in data["targets"]:
        assert {"name", "rule", "observed", "simulated", "passed", "gap", "reason"} == set(t)


def test_the_wrong_design_misses_with_its_gap_and_reason(wrong_design):
    folder, done = wrong_design
    assert done.returncode == 0, done.stderr  # a missed target is a finding, not an error
    data = json.loads((folder / "backtest.json").read_text())
    targets = {t["name"]: t for t in data["targets"]}
    assert not data["passed"]
    mean = targets["handoffs_mean"]
    assert not mean["passed"] and mean["gap"] == -1.0 and "-100.0%" in mean["reason"]
    assert not targets["bucket_1_median_days"]["passed"]
    assert "no simulated case" in targets["bucket_1_median_days"]["reason"]
    report = (folder / "report.html").read_text()
    assert 'data-target="handoffs_mean" class="missed"' in report and "-100.0%" in report
    assert "Missed" in report and "<svg" in report


@pytest.mark.slow
def test_backtest_cases_csv_holds_every_compared_case(right_design):
    folder, _ = right_design
    data = json.loads((folder / "backtest.json").read_text())
    with (folder / "cases.csv").open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert {"transfers", "handoffs", "teams", "ping_pong", "days_open", "status"} <= set(rows[0])
    per_rep = {}
    for r in rows:
        per_rep.setdefault(r["replication"], []).append(int(r["handoffs"]))
    means = [sum(h) / len(h) for h in per_rep.values()]
    assert len(means) == 3
    assert sum(means) / 3 == pytest.approx(data["simulated"]["handoffs_mean"]["mean"])


def test_bad_backtest_input_writes_nothing(synthetic_log, tmp_path):
    out = tmp_path / "out"
    cases = {
        "design": (("--design", "nope"), ("nope", "lanes")),
        "column": (("--case", "numero"), ("numero",)),
    }
    for args, words in cases.values():
        flags = [f for f in FLAGS]
        if args[0] == "--case":
            flags[1] = args[1]
            args = ()
        failed_with_one_line(invoke("backtest", synthetic_log, MINIMAL, "--out", out, *args, *flags), *words)
        assert not out.exists()
    bad = tmp_path / "bad.yaml"
    bad.write_text(MINIMAL.read_text().replace("horizon: 60 days", "horizon: 60 parsecs"))
    failed_with_one_line(invoke("backtest", synthetic_log, bad, "--out", out, *FLAGS), "bad.yaml")
    assert not out.exists()
    afile = tmp_path / "afile"
    afile.write_text("x")
    failed_with_one_line(invoke("backtest", synthetic_log, MINIMAL, "--out", afile, *FLAGS), "not a folder")
    failed_with_one_line(invoke("backtest", synthetic_log, MINIMAL, "--out", afile / "sub", *FLAGS),
                         "not a folder")
    assert afile.read_text() == "x"


def test_days_in_the_json_are_finite_or_null(wrong_design):
    data = json.loads((wrong_design[0] / "backtest.json").read_text())
    for value in data["observed"].values():
        assert value is None or math.isfinite(value)


def test_run_writes_journeys_only_when_it_keeps_cases(tmp_path):
    short = lanes_without_customers()
    short.update(horizon="8 days", warmup="1 day")
    for mode in ("all", "none"):
        cxsim.run(short, replications=1, cases=mode).write(tmp_path / mode, charts=False)
    with (tmp_path / "all" / "journeys.csv").open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert tuple(rows[0]) == ("design", "replication", "case_id", "step", "at_hours", "team", "activity")
    assert {r["activity"] for r in rows} >= {"opened", "session", "assigned", "resolved"}
    assert not (tmp_path / "none" / "journeys.csv").exists()
