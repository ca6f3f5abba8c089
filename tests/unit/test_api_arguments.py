"""The Python API refuses a bad argument before running, with a ValueError naming it in plain words (not
Python's "invalid literal for int()", numpy's "expected non-negative integer", a seed of 1.5 quietly cut to
1, or a sweep of no values that runs nothing), and never refuses a legitimate one (a numpy integer, a
mapping of sweep values)."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

import cxsim
from cxsim.arguments import whole_number
from cxsim.sweep import read_sweep, sweep_plan

MINIMAL = "scenarios/minimal.yaml"


@pytest.fixture(scope="module")
def scenario():
    return cxsim.load_scenario(MINIMAL)


@pytest.mark.parametrize(("call", "message"), [
    (lambda s: cxsim.run(s, replications=0), "replications must be a whole number of at least 1 (got 0)"),
    (lambda s: cxsim.run(s, replications="x"), "replications must be a whole number of at least 1 (got 'x')"),
    (lambda s: cxsim.run(s, replications=True),
     "replications must be a whole number of at least 1 (got True)"),
    (lambda s: cxsim.run(s, seed=-1), "seed must be a whole number of at least 0 (got -1)"),
    (lambda s: cxsim.run(s, seed=1.5), "seed must be a whole number of at least 0 (got 1.5)"),
    (lambda s: cxsim.run_sweep(s, parameters=[("customers.count", [])]),
     "customers.count: no values to sweep"),
    (lambda s: cxsim.run_sweep(s, parameters=[("customers.count", [10])], replications=0),
     "replications must be a whole number of at least 1 (got 0)"),
    (lambda s: cxsim.run_sweep(s, parameters=[("customers.count", [10])], seed="one"),
     "seed must be a whole number of at least 0 (got 'one')"),
    (lambda s: cxsim.run_sensitivity(s, parameters=["customers.count"], replications=1.5),
     "replications must be a whole number of at least 1 (got 1.5)"),
])
def test_a_bad_argument_is_a_value_error_naming_it(call, message, scenario):
    with pytest.raises(ValueError) as err:
        call(scenario)
    assert str(err.value) == message


@pytest.fixture
def nothing_runs(monkeypatch):
    """A replication that starts fails the test: a wrong argument must be refused before any runs (a sweep
    would otherwise record it as a failed point and go on)."""
    def ran(*_args, **_kwargs):
        raise AssertionError("a replication ran")

    monkeypatch.setattr("cxsim.runner.Replication", ran)


ONE = {"customers.count": [100]}


@pytest.mark.parametrize(("call", "message"), [
    # wrong types used to surface as Python's own errors from deep inside (TypeError, AttributeError...)
    (lambda s: cxsim.run(s, replications=float("inf")),
     "replications must be a whole number of at least 1 (got inf)"),
    (lambda s: cxsim.run(s, workers="2"),
     "workers must be a whole number of at least 1, or None for all cores (got '2')"),
    (lambda s: cxsim.run(s, workers=1.5),
     "workers must be a whole number of at least 1, or None for all cores (got 1.5)"),
    (lambda s: cxsim.run(s, workers=0),
     "workers must be a whole number of at least 1, or None for all cores (got 0)"),
    (lambda s: cxsim.run(s, precision="5%"),
     "precision must be a fraction between 0 and 1, e.g. 0.05 (got '5%')"),
    (lambda s: cxsim.run(s, precision=5), "precision must be a fraction between 0 and 1, e.g. 0.05 (got 5)"),
    (lambda s: cxsim.run(s, precision=0.05, max_replications="x"),
     "max_replications must be a whole number of at least 1 (got 'x')"),
    (lambda s: cxsim.run(None),
     "scenario must be a path to a scenario file, a dict as such a file holds, or a Scenario (got None)"),
    (lambda s: cxsim.run(5),
     "scenario must be a path to a scenario file, a dict as such a file holds, or a Scenario (got 5)"),
    (lambda s: cxsim.run(s, executor="x"), "executor must be a concurrent.futures.Executor (got 'x')"),
    (lambda s: cxsim.run(s, progress=5),
     "progress must be a function called as progress(done, total) (got 5)"),
    (lambda s: cxsim.run(s, designs=[]), "designs must name at least one design (got an empty list)"),
    (lambda s: cxsim.run(s, designs=["lanes", 5]), "designs: a design must be text (got 5)"),
    (lambda s: cxsim.run(s, designs=["lane"]),
     "designs: unknown design 'lane'; did you mean 'lanes'? (designs: lanes, one_team)"),
    (lambda s: cxsim.run(s, horizon=30), "horizon: a duration needs a unit, e.g. '30 min' or '2 h' (got 30)"),
    (lambda s: cxsim.run_sweep(s, parameters=ONE, horizon="soon"),
     "horizon: cannot read 'soon' as a duration; use e.g. '30 min', '2 h', '3 days'"),
    (lambda s: cxsim.run_sweep(s, parameters=[("customers.count", 100)]),
     "customers.count: the values to sweep must be a list, e.g. [100]"),
    (lambda s: cxsim.run_sweep(s, parameters=[(5, [100])]),
     "parameters: a path must be text such as 'customers.count' (got 5)"),
    (lambda s: cxsim.run_sweep(s, parameters=[("customers.count",)]),
     "parameters must be one or two (path, [values]) pairs, e.g. [('customers.count', [100, 200])] "
     "(got ('customers.count',))"),
    (lambda s: cxsim.run_sweep(s, parameters=ONE, workers="2"),
     "workers must be a whole number of at least 1, or None for all cores (got '2')"),
    (lambda s: cxsim.run_sweep(s, parameters=ONE, metrics=[]),
     "metrics must name at least one metric (got an empty list)"),
    (lambda s: cxsim.run_sensitivity(s, parameters=["customers.count"], vary="25%"),
     "vary must be a fraction between 0 and 1, e.g. 0.25 (got '25%')"),
    (lambda s: cxsim.run_sensitivity(s, parameters=["customers.count"], morris=True, levels="4"),
     "levels must be a whole number of at least 2 (got '4')"),
    (lambda s: cxsim.run_sensitivity(s, parameters=["customers.count"], morris=True, levels=3),
     "levels must be an even number of at least 2, e.g. 4 (got 3)"),
    (lambda s: cxsim.run_sensitivity(s, parameters=["customers.count"], morris=True, trajectories=0),
     "trajectories must be a whole number of at least 1 (got 0)"),
    (lambda s: cxsim.run_sensitivity(s, parameters=[]),
     "parameters must name at least one path (got an empty list)"),
    (lambda s: cxsim.run_sensitivity(s, parameters=["customers.count"], progress="yes"),
     "progress must be a function called as progress(done, total) (got 'yes')"),
    (lambda s: s.with_changes([("customers.count", 5)]),
     "changes must be a mapping of dotted path to value, e.g. {'customers.count': 500} "
     "(got [('customers.count', 5)])"),
    (lambda s: s.with_changes(None),
     "changes must be a mapping of dotted path to value, e.g. {'customers.count': 500} (got None)"),
    (lambda s: s.with_changes({5: 3}), "changes: a path must be text such as 'customers.count' (got 5)"),
    # a plain text where a list is expected used to be read letter by letter
    (lambda s: cxsim.run(s, designs="lanes"),
     "designs must be a list of designs, not one text: write designs=['lanes']"),
    (lambda s: cxsim.run_sweep(s, parameters=[("customers.count", "100")]),
     "customers.count: the values to sweep must be a list, not one text: write ['100']"),
    (lambda s: cxsim.run_sweep(s, parameters=ONE, metrics="effort_hours_mean"),
     "metrics must be a list of metrics, not one text: write metrics=['effort_hours_mean']"),
    (lambda s: cxsim.run_sweep(s, parameters="customers.count"),
     "parameters must be one or two (path, [values]) pairs, e.g. [('customers.count', [100, 200])] "
     "(got 'customers.count')"),
    (lambda s: cxsim.run_sensitivity(s, parameters="customers.count"),
     "parameters must be a list of paths, not one text: write parameters=['customers.count']"),
    (lambda s: cxsim.run_sensitivity(s, parameters=["customers.count"], metrics="revenue_at_risk"),
     "metrics must be a list of metrics, not one text: write metrics=['revenue_at_risk']"),
])
def test_a_wrong_type_or_a_text_for_a_list_is_refused_before_anything_runs(call, message, scenario,
                                                                           nothing_runs):
    with pytest.raises(ValueError) as err:
        call(scenario)
    assert str(err.value) == message


@pytest.mark.parametrize("call", [
    lambda s: cxsim.run_sweep(s, parameters=ONE, metrics=["effort"]),
    lambda s: cxsim.run_sensitivity(s, parameters=["customers.count"], metrics=["effort"]),
    lambda s: cxsim.run(s, precision=0.05, metric="effort"),
])
def test_an_unknown_metric_is_refused_before_running_with_the_closest_name(call, scenario, nothing_runs):
    """A sweep used to run every point and then fail in its charts (KeyError) when written."""
    with pytest.raises(ValueError) as err:
        call(scenario)
    assert "unknown metric 'effort'; did you mean 'effort_hours_mean'? (metrics: cases, effort_hours_mean" \
        in str(err.value)
    assert str(err.value).split(":")[0] in ("metrics", "metric")


@pytest.mark.parametrize("value", [np.int64(2), np.int32(2), np.uint8(2)])
def test_any_whole_real_number_counts(value):
    """numpy integers (a count from an array, a seed from a generator) used to be refused."""
    got = whole_number("replications", value, 1)
    assert got == 2 and type(got) is int


@pytest.mark.parametrize("value", [math.inf, -math.inf])
def test_infinity_is_not_a_whole_number(value):
    """It used to escape as Python's "OverflowError: cannot convert float infinity to integer"."""
    with pytest.raises(ValueError, match=r"^replications must be a whole number of at least 1 \(got "):
        whole_number("replications", value, 1)


FAST = {"horizon": "20 days", "designs": ["lanes"], "cases": "none"}


def test_numpy_integers_run_as_plain_integers(scenario):
    plain = cxsim.run(scenario, replications=2, seed=3, **FAST)
    for kind in (np.int64, np.int32, np.uint8):
        numpy = cxsim.run(scenario, replications=kind(2), seed=kind(3), **FAST)
        assert (numpy.replications, numpy.seed) == (2, 3) and type(numpy.seed) is int
        assert numpy.summary.to_json()["designs"] == plain.summary.to_json()["designs"]
    sweep = cxsim.run_sweep(scenario, parameters=ONE, replications=np.int64(1), seed=np.uint8(3),
                            horizon="20 days")
    assert (sweep.replications, sweep.seed) == (1, 3) and sweep.points[0].error is None
    varied = cxsim.run_sensitivity(scenario, parameters=["customers.count"], replications=np.int32(1),
                                   seed=np.int64(3), horizon="20 days")
    assert (varied.replications, varied.seed) == (1, 3)


def test_sweep_values_are_kept_as_plain_values_however_given(scenario):
    """A mapping of path to values means the list of pairs; numpy values are stored as plain ones."""
    given = [("customers.count", [100, 200])]
    plan = sweep_plan(scenario, parameters=given)
    for same in ({"customers.count": [100, 200]}, [("customers.count", np.array([100, 200]))],
                 [("customers.count", (np.int64(100), np.int64(200)))],
                 [["customers.count", range(100, 300, 100)]]):
        other = sweep_plan(scenario, parameters=same)
        assert other == plan
        assert [type(v) for v in other["grid"][0][1]] == [int, int]
        json.dumps(other)


def test_a_sweep_of_numpy_values_saves_and_reads_back_as_one_of_plain_values(scenario, tmp_path):
    """It used to run every point, then fail to write: "Object of type int64 is not JSON serializable"."""
    folders = []
    for values in (np.array([100, 200]), [100, 200]):
        result = cxsim.run_sweep(scenario, parameters=[("customers.count", values)], replications=1,
                                 horizon="20 days", metrics=["effort_hours_mean"])
        folders.append(tmp_path / str(len(folders)))
        result.write(folders[-1], charts=False)
    saved = [json.loads((f / "sweep.json").read_text()) for f in folders]
    for data in saved:
        data.pop("run")
    assert saved[0] == saved[1]
    back = read_sweep(folders[0])
    assert [p.values for p in back.points] == [{"customers.count": 100}, {"customers.count": 200}]
    assert [type(p.values["customers.count"]) for p in back.points] == [int, int]
