"""The public API: run a scenario (or a sweep) and get results that can write themselves.

Results and sweeps live below presentation (they compute, they never draw), so the ``write`` method that
produces data files, charts and report.html is added here, at the top, by thin subclasses; ``run`` and
``run_sweep`` return them. ``import cxsim`` exports these, and the CLI calls the same functions. Charts
and the report are imported only when something is written, so ``import cxsim`` stays light.
"""

from __future__ import annotations

import dataclasses
import functools
from pathlib import Path
from typing import Any, TypeVar

from cxsim import results as _results
from cxsim import runner as _runner
from cxsim import sensitivity as _sensitivity
from cxsim import sweep as _sweep

T = TypeVar("T")


class Result(_results.Result):
    """A run's results (``cxsim.results.Result``) that can write its output folder."""

    def write(self, out_dir: str | Path, *, charts: bool = True, force: bool = False) -> list[Path]:
        """Write summary.json, summary.csv, cases.csv, details.json, the PNG charts (unless
        ``charts=False``) and report.html; the folder appears complete or not at all. cxsim's files of
        earlier results of the same scenario there are replaced; a folder holding other files or another
        scenario's results is refused (``OutputFolderError``) unless ``force``."""
        from cxsim.outputs import write_run

        return write_run(self, out_dir, charts=charts, force=force)


class SweepResult(_sweep.SweepResult):
    """A sweep's results (``cxsim.sweep.SweepResult``) that can write its output folder."""

    def write(self, out_dir: str | Path, *, charts: bool = True, force: bool = False) -> list[Path]:
        """Write sweep.csv, sweep.json, a chart per headline metric (unless ``charts=False``) and
        report.html; as ``Result.write`` for the folder and ``force``."""
        from cxsim.outputs import write_sweep

        return write_sweep(self, out_dir, charts=charts, force=force)


def _as(cls: type[T], obj: Any) -> T:
    """The same dataclass instance as the facade's subclass (fields shared, nothing recomputed)."""
    return cls(**{f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)})


# The wrappers take the wrapped functions' names, docs and signatures (inspect follows __wrapped__), so
# they cannot drift from them; their module stays this one.
_SAME = ("__name__", "__qualname__", "__doc__")


@functools.wraps(_runner.run, assigned=_SAME)
def run(scenario, **options) -> Result:
    return _as(Result, _runner.run(scenario, **options))


@functools.wraps(_sweep.run_sweep, assigned=_SAME)
def run_sweep(scenario, **options) -> SweepResult:
    return _as(SweepResult, _sweep.run_sweep(scenario, **options))


class SensitivityResult(_sensitivity.SensitivityResult):
    """A sensitivity analysis (``cxsim.sensitivity.SensitivityResult``) that can write its output folder."""

    def write(self, out_dir: str | Path, *, charts: bool = True, force: bool = False) -> list[Path]:
        """Write sensitivity.csv, sensitivity.json, morris.csv (with Morris), a tornado chart per headline
        metric (unless ``charts=False``) and report.html; as ``Result.write`` for the folder and ``force``."""
        from cxsim.outputs import write_sensitivity

        return write_sensitivity(self, out_dir, charts=charts, force=force)


@functools.wraps(_sensitivity.run_sensitivity, assigned=_SAME)
def run_sensitivity(scenario, **options) -> SensitivityResult:
    return _as(SensitivityResult, _sensitivity.run_sensitivity(scenario, **options))
