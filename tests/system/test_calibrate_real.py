"""Calibrating the real UCI ServiceNow log (../shared/data/real; skipped when absent): the estimates agree
with the log where they must by construction (intake shares, the matrix's implied hand-offs, the arrival
window), the scenario validates, and the shipped scenarios/servicenow_asis.yaml is what the command at its
top writes today, and a short run of it works. The BPIC 2013 XES log calibrates with its defaults.

Times on the 2-core machine shared with other jobs: reading the UCI log 4 s, calibrating it 3-6 s, the CLI
end to end 6-10 s; BPIC 2013 5 s. All marked slow.
"""

from __future__ import annotations

import shlex
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cxsim.calibrated_scenario import scenario_text
from cxsim.calibration import OTHER, RESOLVED, Options, calibrate
from cxsim.cli import app as cli_app
from cxsim.eventlog import Columns, read_log
from cxsim.scenario import Scenario
from cxsim.yaml_source import source_from_text
from tests.system.test_real_logs import BPIC, UCI, needs

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "scenarios" / "servicenow_asis.yaml"
UCI_COLUMNS = Columns(case="number", time="sys_updated_at", team="assignment_group", opened="opened_at",
                      resolved="resolved_at", closed="closed_at", activity="incident_state",
                      resource="assigned_to")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def uci():
    log = read_log(UCI, UCI_COLUMNS)
    return log, calibrate(log, Options(other_below=0.01))


@needs(UCI)
def test_uci_estimates_agree_with_the_log_by_construction(uci):
    log, cal = uci
    first = Counter(j.stints[0][0] for j in log.journeys if j.stints)
    kept = set(cal.teams) - {OTHER}
    assert cal.cases_routed == sum(first.values()) == 24_918 - 373
    for team in kept:
        assert cal.intake[team] == pytest.approx(first[team] / cal.cases_routed)
    assert cal.intake[OTHER] == pytest.approx(sum(n for t, n in first.items() if t not in kept)
                                              / cal.cases_routed)
    # the matrix's implied mean hand-offs (fundamental matrix) vs the log's 0.77: within 3%
    assert round(cal.log_handoffs, 2) == 0.77
    assert cal.matrix_handoffs == pytest.approx(cal.log_handoffs, rel=0.03)
    for row in cal.matrix.values():
        assert sum(row.values()) == pytest.approx(1.0)
    assert cal.finished == sum(1 for j in log.journeys if j.stints and j.end is not None)
    assert cal.matrix["Group 70"][RESOLVED] > 0.5  # the service desk resolves most of what it takes
    # arrivals: the cohort's central 95% of open times, March to May 2016
    assert cal.window[0].month == 3 and cal.window[1].month == 5
    assert 240 < cal.rate_per_hour * 24 < 290 and sum(cal.profile) == cal.window_cases
    assert 20 <= len(cal.teams) <= 25 and cal.teams[OTHER].members
    assert cal.reopens > 0 and 0.005 < cal.reopen_rate < 0.03  # 'Resolved' followed by 'Active'
    assert cal.waits > 5000 and cal.reply_time is not None  # 'Awaiting User Info'
    for team in cal.teams.values():
        assert team.work_time is not None and team.work_time.ks < 0.4
        assert abs(team.work_time.mean / team.work_time.sample_mean - 1) <= 0.1


@needs(UCI)
def test_uci_scenario_validates(uci):
    _, cal = uci
    text = scenario_text(cal, Options(other_below=0.01), name="uci", command="cxsim calibrate ...")
    scenario = Scenario.from_source(source_from_text(text, "uci.yaml"))
    assert set(scenario.designs) == {"as_is", "swarm"}


@needs(UCI)
def test_shipped_servicenow_scenario_is_what_its_command_writes(tmp_path, monkeypatch):
    """The command at the top of scenarios/servicenow_asis.yaml, run again, writes the same file."""
    shipped = SHIPPED.read_text()
    command = next(line for line in shipped.splitlines() if line.startswith("#   cxsim calibrate"))
    args = shlex.split(command.removeprefix("#   "))[2:]
    out = args.index("--out") + 1
    assert args[out] == "scenarios/servicenow_asis.yaml"
    args[out] = str(tmp_path / "servicenow_asis.yaml")
    monkeypatch.chdir(ROOT)
    result = CliRunner().invoke(cli_app, ["calibrate", *args])
    assert result.exit_code == 0, result.stderr
    again = (tmp_path / "servicenow_asis.yaml").read_text()
    assert again.replace(args[out], "scenarios/servicenow_asis.yaml") == shipped


@needs(BPIC)
def test_bpic2013_calibrates_with_its_defaults(tmp_path):
    out = tmp_path / "bpic.yaml"
    result = CliRunner().invoke(cli_app, ["calibrate", str(BPIC), "--out", str(out), "--other-below", "0.01"])
    assert result.exit_code == 0, result.stderr
    text = out.read_text()
    assert "customer waits" in text and "reopen rate" in text  # 'Wait - User', 'Completed Resolved'


def test_shipped_servicenow_scenario_runs_briefly():
    """The shipped file needs no log to run: 60 days, 2 replications (as docs/event-logs.md shows)."""
    from cxsim import run

    result = run(SHIPPED, horizon="60 days", replications=2)
    for design in ("as_is", "swarm"):
        metrics = result.summary.designs[design].metrics
        assert 0.6 < metrics["transfers_per_case"].mean < 0.9  # the log: 0.77
