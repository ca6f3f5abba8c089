"""cxsim: simulate what the way you organise customer support costs your customers.

>>> import cxsim
>>> scenario = cxsim.load_scenario("scenarios/minimal.yaml")
>>> result = cxsim.run(scenario, replications=5, seed=1)
>>> result.summary.designs["lanes"].metrics["effort_hours_mean"]  # Estimate(mean=..., low=..., high=...)
>>> result.write("results/minimal")  # summary.json, CSVs, charts, report.html
"""

# The names below are imported on first use (PEP 562), so that ``import cxsim`` costs nothing: the ``cxsim``
# command starts by putting in its Ctrl-C/SIGTERM handlers (cxsim/__main__.py), and importing the package
# comes before that; the API (numpy, pydantic, SimPy) takes about half a second to import.
TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing; type checkers read it as True
if TYPE_CHECKING:
    from cxsim.api import Result, SensitivityResult, SweepResult, run, run_sensitivity, run_sweep
    from cxsim.errors import ScenarioError
    from cxsim.estimates import Difference, Estimate
    from cxsim.loader import load_scenario
    from cxsim.runner import run_replication
    from cxsim.scenario import Scenario
    from cxsim.summary import Summary
    from cxsim.version import __version__

_SOURCES = {
    "cxsim.api": ("Result", "SensitivityResult", "SweepResult", "run", "run_sensitivity", "run_sweep"),
    "cxsim.errors": ("ScenarioError",),
    "cxsim.estimates": ("Difference", "Estimate"),
    "cxsim.loader": ("load_scenario",),
    "cxsim.runner": ("run_replication",),
    "cxsim.scenario": ("Scenario",),
    "cxsim.summary": ("Summary",),
    "cxsim.version": ("__version__",),
}
_SOURCE = {name: module for module, names in _SOURCES.items() for name in names}

__all__ = [
    "Difference", "Estimate", "Result", "Scenario", "ScenarioError", "Summary", "SweepResult", "__version__",
    "load_scenario", "run", "run_replication", "run_sweep",
    "SensitivityResult", "run_sensitivity",
]


def __getattr__(name: str):
    """An API name from its module on first use; ``cxsim.<module>`` imports that module, as before (when
    ``import cxsim`` imported them all)."""
    import importlib

    if name in _SOURCE:
        value = getattr(importlib.import_module(_SOURCE[name]), name)
        globals()[name] = value  # once: later uses are plain attribute reads
        return value
    if not name.startswith("_"):
        try:
            return importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{name}":  # the module exists, one of its imports is missing
                raise
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
