"""cxsim: simulate what the way you organise customer support costs your customers.

>>> import cxsim
>>> scenario = cxsim.load_scenario("scenarios/minimal.yaml")
>>> result = cxsim.run(scenario, replications=5, seed=1)
>>> result.summary["designs"]["lanes"]["effort_hours_mean"]  # {"mean": ..., "ci95": [lo, hi]}
"""

__version__ = "0.1.0"

from cxsim.loading import load_scenario  # noqa: E402
from cxsim.results import Result  # noqa: E402
from cxsim.runner import run, run_replication  # noqa: E402
from cxsim.scenario import Scenario  # noqa: E402
from cxsim.yaml_source import ScenarioError  # noqa: E402

__all__ = ["Result", "Scenario", "ScenarioError", "__version__", "load_scenario", "run", "run_replication"]
