"""A run above cxsim.run_size's limits is refused before it starts, through the Python API as through the CLI
(``allow_large=True`` / ``--allow-large`` lift them): a researcher's ``cxsim.run`` of a billion customers
gets the limit's one line, not an exhausted memory. The limits are lowered here so tiny runs cross them.
(The CLI's own checks of run, sweep and validate are in tests/bad_scenarios/.)"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

import cxsim
from cxsim import run_size
from cxsim.cli import app
from cxsim.errors import ScenarioError

SCENARIO = """\
name: sized
horizon: 12 days
warmup: 2 days
replications: 2
customers:
  count: 40    # [assumption]
  case_rate: 2 per month
arrivals: {process: population}
case_types:
  job: {share: 1.0, skills: [s], fix_time: 10 min}
designs:
  one: {teams: {t: {agents: 2, skills: [s]}}}
"""


@pytest.fixture
def sized(tmp_path, monkeypatch) -> Path:
    """A 40-customer scenario, with the customer limit lowered to 30."""
    monkeypatch.setattr(run_size, "MAX_CUSTOMERS", 30)
    path = tmp_path / "sized.yaml"
    path.write_text(SCENARIO)
    return path


def test_the_api_refuses_a_run_above_a_limit_unless_allowed(sized):
    with pytest.raises(ScenarioError) as refused:
        cxsim.run(sized)
    message = str(refused.value)
    assert message.startswith(f"{sized}:6: customers.count: 40 customers in a replication; the limit is 30")
    assert "allow_large=True" in message
    result = cxsim.run(sized, allow_large=True)
    assert len(result.outputs) == 2 and result.summary.designs["one"].accounting.counted > 0


def test_a_sweep_point_above_a_limit_fails_with_the_limit_and_the_others_run(sized):
    sweep = cxsim.run_sweep(sized, parameters=[("customers.count", [20, 40])])
    small, large = sweep.points
    assert small.error is None and small.summary is not None
    assert "the limit is 30" in large.error and large.summary is None
    allowed = cxsim.run_sweep(sized, parameters=[("customers.count", [20, 40])], allow_large=True)
    assert all(p.error is None for p in allowed.points)


def test_sensitivity_and_backtest_refuse_before_running_and_take_allow_large(sized, tmp_path):
    runner = CliRunner()
    for args in (["sensitivity", sized, "--out", tmp_path / "sens"],
                 ["backtest", tmp_path / "log.csv", sized, "--out", tmp_path / "bt", "--case", "c"]):
        done = runner.invoke(app, [str(a) for a in args])
        assert done.exit_code == 2, done.output
        assert done.stderr.strip().splitlines() == [
            f"error: {sized}:6: customers.count: 40 customers in a replication; the limit is 30 "
            "(cxsim.run_size.MAX_CUSTOMERS): give --allow-large (allow_large=True in Python) to run it "
            "anyway"]
        assert not (tmp_path / "sens").exists() and not (tmp_path / "bt").exists()
    done = runner.invoke(app, ["sensitivity", str(sized), "--out", str(tmp_path / "sens"), "--allow-large",
                               "-q", "--no-charts"])
    assert done.exit_code == 0, done.output
    assert (tmp_path / "sens" / "sensitivity.json").exists()
    assert "--allow-large" in runner.invoke(app, ["backtest", "--help"]).output
