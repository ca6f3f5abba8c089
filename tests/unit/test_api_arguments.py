"""The Python API refuses a bad argument before running, with a ValueError naming it in plain words (not
Python's "invalid literal for int()", numpy's "expected non-negative integer", a seed of 1.5 quietly cut to
1, or a sweep of no values that runs nothing)."""

from __future__ import annotations

import pytest

import cxsim

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
