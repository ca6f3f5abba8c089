"""The suite's levels, and the runs several levels share.

A test's folder is its level, applied here as a marker so that ``-m unit`` and ``-m "not system"`` select
by level: ``tests/unit/`` (one module or function in isolation), ``tests/model/`` (the simulation's
behaviour: queueing theory, mechanisms, determinism, conservation, the golden guard) and ``tests/system/``
(the installed tool end to end: CLI, report in Chromium, notebooks, README, Dask, docs, shipped scenarios).
``slow`` is set by hand on the tests that dominate the suite's time; ``-m "not slow"`` is the quick loop.

The suite runs on every core (pytest-xdist, ``-n auto --dist loadgroup`` in pyproject's addopts; ``-n 0`` runs
it in one process). Each test file is a group that runs on one worker, so a module's fixtures are built once;
files that read the same session-wide run share a group (``SHARED_RUNS``), so that run is made once too.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.golden import golden

TESTS = Path(__file__).resolve().parent
LEVELS = ("unit", "model", "system")
#: Test files that read the same session-wide run (a fixture below or in tests/system/conftest.py): one group.
SHARED_RUNS = {
    "model/test_golden.py": "shipped_run", "system/test_shipped_scenarios.py": "shipped_run",
    "system/test_charts.py": "story_short", "system/test_report.py": "story_short",
}


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the groups
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        path = item.path.resolve()
        if not path.is_relative_to(TESTS):
            continue
        relative = path.relative_to(TESTS)
        level = relative.parts[0]
        if level not in LEVELS:
            raise pytest.UsageError(f"{item.nodeid}: move it to its level, tests/unit/, tests/model/ or "
                                    "tests/system/ (see tests/conftest.py)")
        item.add_marker(getattr(pytest.mark, level))
        item.add_marker(pytest.mark.xdist_group(SHARED_RUNS.get(relative.as_posix(), relative.as_posix())))


@pytest.fixture(scope="session")
def shipped_run():
    """``shipped_run(name)``: the shipped scenario ``name`` run at its own settings (replications, seed,
    horizon; all local cores), once per session. The golden guard (tests/model/test_golden.py) and the
    story's back-test (tests/system/test_shipped_scenarios.py) read the same run."""
    runs = {}

    def get(name: str):
        if name not in runs:
            runs[name] = golden.run(name, workers=None)
        return runs[name]

    return get
