"""cxsim: simulate what the way you organise customer support costs your customers.

>>> import cxsim
>>> scenario = cxsim.load_scenario("scenarios/minimal.yaml")
>>> result = cxsim.run(scenario, replications=5, seed=1)
>>> result.summary["designs"]["lanes"]["effort_hours_mean"]  # {"mean": ..., "ci95": [lo, hi]}
"""

from cxsim.errors import ScenarioError
from cxsim.loader import load_scenario
from cxsim.results import Result
from cxsim.runner import run, run_replication
from cxsim.scenario import Scenario
from cxsim.version import __version__

__all__ = ["Result", "Scenario", "ScenarioError", "__version__", "load_scenario", "run", "run_replication"]
