"""cxsim: simulate what the way you organise customer support costs your customers.

>>> import cxsim
>>> scenario = cxsim.load_scenario("scenarios/minimal.yaml")
>>> result = cxsim.run(scenario, replications=5, seed=1)
>>> result.summary.designs["lanes"].metrics["effort_hours_mean"]  # Estimate(mean=..., low=..., high=...)
>>> result.write("results/minimal")  # summary.json, CSVs, charts, report.html
"""

from cxsim.api import Result, SensitivityResult, SweepResult, run, run_sensitivity, run_sweep
from cxsim.errors import ScenarioError
from cxsim.estimates import Difference, Estimate
from cxsim.loader import load_scenario
from cxsim.runner import run_replication
from cxsim.scenario import Scenario
from cxsim.summary import Summary
from cxsim.version import __version__

__all__ = [
    "Difference", "Estimate", "Result", "Scenario", "ScenarioError", "Summary", "SweepResult", "__version__",
    "load_scenario", "run", "run_replication", "run_sweep",
    "SensitivityResult", "run_sensitivity",
]
