"""A run above cxsim.run_size's limits is refused before it starts, through the Python API as through the CLI
(``allow_large=True`` / ``--allow-large`` lift them): a researcher's ``cxsim.run`` of a billion customers
gets the limit's one line, not an exhausted memory. The limits are lowered here so tiny runs cross them.
(The CLI's own checks of run, sweep and validate are in tests/bad_scenarios/.)"""

from __future__ import annotations

import re
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


# An overloaded design keeps nearly every case open until the horizon, and each open case is held in memory:
# a run under the case limit reached 23 GB. Its open cases are estimated before the run (and limited), and a
# replication that holds too many open anyway (failure demand the plan cannot see) stops with one line.

OVERLOADED = """\
name: overloaded
horizon: 3 days
replications: 2
arrivals: {process: poisson, rate: 10 per hour}
case_types:
  job: {share: 1.0, skills: [s], fix_time: 1 h}
designs:
  one: {teams: {t: {agents: 1, skills: [s]}}}
"""


@pytest.fixture
def overloaded(tmp_path) -> Path:
    """240 cases a day for one agent working business hours: about 700 still open after 3 days."""
    path = tmp_path / "overloaded.yaml"
    path.write_text(OVERLOADED)
    return path


def test_the_open_cases_of_an_overloaded_design_are_estimated_from_its_planned_load(overloaded):
    size = run_size.estimate(cxsim.load_scenario(overloaded))
    assert size.overloaded == ("one", "t", pytest.approx(63.0))  # 10 cases x 1 h an hour / 40 h a week
    measured = [out.service.backlog[-1] for out in cxsim.run(overloaded, cases="none").outputs]
    assert measured == [718, 718]
    assert size.open_cases == pytest.approx(718, rel=0.05)
    assert size.open_memory(workers=2) == 2 * size.open_memory(workers=1)
    assert run_size.estimate(cxsim.load_scenario("scenarios/minimal.yaml")).open_cases == 0  # stable


def test_a_run_whose_open_cases_would_not_fit_in_memory_is_refused_before_it_starts(overloaded, tmp_path,
                                                                                    monkeypatch):
    monkeypatch.setattr(run_size, "MAX_OPEN_MEMORY", 1_000_000)  # the estimate: 709 cases x 2 KB = 1.4 MB
    done = CliRunner().invoke(app, ["run", str(overloaded), "--workers", "1", "--out", str(tmp_path / "out")])
    assert done.exit_code == 2, done.output
    assert done.stderr.strip().splitlines() == [
        f"error: {overloaded}:8: designs.one.teams.t.agents: design 'one' is overloaded (team t at 6300% "
        "planned load): about 709 cases would still be open at the horizon of each replication, 1 MB of "
        "memory on 1 replication running at once; the limit is 1 MB (cxsim.run_size.MAX_OPEN_MEMORY): add "
        "agents, shorten the horizon or give --allow-large (allow_large=True in Python) to run it anyway"]
    assert not (tmp_path / "out").exists()
    with pytest.raises(ScenarioError, match="MAX_OPEN_MEMORY"):
        cxsim.run(overloaded)
    assert len(cxsim.run(overloaded, allow_large=True).outputs) == 2
    scenario = cxsim.load_scenario(overloaded)  # replications running at once hold their cases together
    monkeypatch.setattr(run_size, "MAX_OPEN_MEMORY", 2_000_000)
    run_size.check(scenario, run_size.estimate(scenario), workers=1)
    with pytest.raises(ScenarioError, match=r"3 MB of memory on 2 replications running at once; .* add "
                       "agents, shorten the horizon, run fewer --workers or give --allow-large"):
        run_size.check(scenario, run_size.estimate(scenario), workers=2)


def test_a_run_holding_much_memory_in_open_cases_says_so_before_it_starts(overloaded, tmp_path, monkeypatch):
    import cxsim.api

    class Started(Exception):
        pass

    def start(*args, **kwargs):
        raise Started

    monkeypatch.setattr(run_size, "ANNOUNCE_OPEN_MEMORY", 1_000_000)
    monkeypatch.setattr(cxsim.api, "run", start)
    done = CliRunner().invoke(app, ["run", str(overloaded), "--workers", "1", "--out", str(tmp_path / "out")])
    assert isinstance(done.exception, Started)  # the note came before the run started
    assert done.stderr.startswith("note: a large run: design 'one' is overloaded (team t at 6300% planned "
                                  "load): about 709 cases would still be open at the horizon")


def test_a_replication_holding_too_many_open_cases_stops_with_one_line(overloaded, tmp_path, monkeypatch):
    from cxsim.engine import cases

    monkeypatch.setattr(cases, "MAX_OPEN_CASES", 300)  # the plan's estimate (709) is under MAX_OPEN_MEMORY
    done = CliRunner().invoke(app, ["run", str(overloaded), "--workers", "1", "--out", str(tmp_path / "out")])
    assert done.exit_code == 2, done.output
    (line,) = done.stderr.strip().splitlines()
    assert re.fullmatch(
        rf"error: {re.escape(str(overloaded))}:8: designs.one: replication [12] of design 'one' stopped "
        r"after [\d.]+ h holding more than 300 cases at once \(\d+ open, \d+ in team t's queue\): more cases "
        r"arrive or come back than its teams close; the limit is cxsim.engine.cases.MAX_OPEN_CASES "
        r"\(--allow-large does not lift it\): add agents, lower the case rate or shorten the horizon",
        line), line
    assert not (tmp_path / "out").exists()
    sweep = cxsim.run_sweep(overloaded, parameters=[("horizon", ["1 day", "3 days"])])
    short, long = sweep.points  # a sweep point that stops fails with that line; the others run
    assert short.error is None and "MAX_OPEN_CASES" in long.error


def test_a_stopped_replication_lets_go_of_its_cases(overloaded, monkeypatch):
    """An inline run keeps each failed replication's error until the end: it must not keep the cases too."""
    import gc

    from cxsim.engine import cases
    from cxsim.errors import OpenCasesError

    monkeypatch.setattr(cases, "MAX_OPEN_CASES", 300)
    with pytest.raises(OpenCasesError) as stopped:
        cxsim.run(overloaded, replications=3)
    gc.collect()
    assert stopped.value.__traceback__ is not None
    assert not [o for o in gc.get_objects() if type(o) is cases.Case]


def test_cases_that_gave_up_while_queued_count_until_their_entry_is_reached(tmp_path, monkeypatch):
    """Customers who give up after an hour leave few cases open, but their queue entries stay in line (held in
    memory) until an agent reaches them: overnight, one agent's queue holds the day's cases."""
    from cxsim.engine import cases
    from cxsim.errors import OpenCasesError

    path = tmp_path / "impatient.yaml"
    path.write_text(OVERLOADED.replace("case_types:", "customers: {count: 10, patience: 1 h}\ncase_types:"))
    assert run_size.estimate(cxsim.load_scenario(path)).open_cases == pytest.approx(10)  # 1 h of arrivals
    monkeypatch.setattr(cases, "MAX_OPEN_CASES", 100)
    with pytest.raises(OpenCasesError, match=r"holding more than 100 cases at once \(\d+ open, 101 in "
                       r"team t's queue\)"):
        cxsim.run(path)
