"""Issue 9's round trip: simulate a known as-is organisation, export its tickets as an event log, calibrate a
scenario from that log, and recover what was put in — the arrival rate within 5%, the hand-off probabilities
(intake shares and every routing row, ``resolved`` included) within 0.03, the mean time per team within 10%.

The known organisation is one the calibration can see exactly: matrix routing, round-the-clock teams with so
many agents that nobody queues (a stint is one session of ``work_time``), warm hand-offs taken up at once.
Tolerances are several standard errors wide at this size (~7,000 cases; rows from >= 1,000 visits each).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

import cxsim
from cxsim.cli import app as cli_app
from cxsim.exportlog import READ_BACK, export_log
from cxsim.loader import load_scenario
from tests.system.test_backtest_cli import write_data

RATE = 80.0  # cases per day
INTAKE = {"desk": 0.7, "network": 0.2, "database": 0.1}
MATRIX = {
    "desk": {"resolved": 0.6, "network": 0.3, "database": 0.1},
    "network": {"resolved": 0.7, "desk": 0.2, "database": 0.1},
    "database": {"resolved": 0.8, "network": 0.2},
}
WORK_HOURS = {"desk": 1.0, "network": 3.0, "database": 6.0}  # mean of an exponential work_time


def known() -> dict:
    teams = {t: {"agents": 60, "skills": ["support"], "hours": "24/7",
                 "work_time": {"dist": "exponential", "mean": f"{h} h"}} for t, h in WORK_HOURS.items()}
    return {
        "name": "known", "horizon": "95 days", "warmup": "5 days", "seed": 5,
        "arrivals": {"process": "poisson", "rate": f"{RATE} per day"},
        "case_types": {"incident": {"share": 1.0, "skills": ["support"], "fix_time": "0 min"}},
        "designs": {"as_is": {
            "teams": teams, "intake": {"shares": INTAKE},
            "transfer": {"policy": "warm", "pickup": "now", "handoff_time": "0 min", "routing": "matrix",
                         "matrix": MATRIX},
            "incentive": {"scheme": "resolution"}}},
    }


@pytest.fixture(scope="module")
def calibrated(tmp_path_factory) -> tuple[cxsim.Result, object, Path]:
    folder = tmp_path_factory.mktemp("round_trip")
    result = cxsim.run(known(), replications=1, cases="all", workers=1)
    write_data(result, folder / "run")
    export_log(folder / "run", folder / "log.csv")
    args = ["calibrate", str(folder / "log.csv"), "--out", str(folder / "as_is.yaml"), *READ_BACK.split()]
    done = CliRunner().invoke(cli_app, args, env={"COLUMNS": "200"})
    assert done.exit_code == 0, done.output
    return result, load_scenario(folder / "as_is.yaml"), folder


def test_the_arrival_rate_comes_back_within_5_percent(calibrated):
    _, scenario, _ = calibrated
    per_day = scenario.arrivals.rate * 24.0
    assert per_day == pytest.approx(RATE, rel=0.05), per_day


def test_hand_off_probabilities_come_back_within_0_03(calibrated):
    _, scenario, _ = calibrated
    design = next(iter(scenario.designs.values()))
    assert set(design.teams) == set(WORK_HOURS)
    shares = design.intake.shares
    for team, p in INTAKE.items():
        assert shares.get(team, 0.0) == pytest.approx(p, abs=0.03), (team, shares)
    matrix = design.transfer.matrix
    for team, row in MATRIX.items():
        got = matrix[team]
        for step in set(row) | set(got):
            assert got.get(step, 0.0) == pytest.approx(row.get(step, 0.0), abs=0.03), (team, step, got)


def test_the_mean_time_per_team_comes_back_within_10_percent(calibrated):
    _, scenario, _ = calibrated
    design = next(iter(scenario.designs.values()))
    for team, hours in WORK_HOURS.items():
        mean = design.teams[team].work_time.mean
        assert mean == pytest.approx(hours, rel=0.10), (team, mean)
