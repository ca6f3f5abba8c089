"""The suite's levels.

A test's folder is its level, applied here as a marker so that ``-m unit`` and ``-m "not system"`` select
by level: ``tests/unit/`` (one module or function in isolation), ``tests/model/`` (the simulation's
behaviour: queueing theory, mechanisms, determinism, conservation, the golden guard) and ``tests/system/``
(the installed tool end to end: CLI, report in Chromium, notebooks, README, Dask, docs, shipped scenarios).
``slow`` is set by hand on the tests that dominate the suite's time; ``-m "not slow"`` is the quick loop.
"""

from __future__ import annotations

from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
LEVELS = ("unit", "model", "system")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        path = item.path.resolve()
        if not path.is_relative_to(TESTS):
            continue
        level = path.relative_to(TESTS).parts[0]
        if level not in LEVELS:
            raise pytest.UsageError(f"{item.nodeid}: move it to its level, tests/unit/, tests/model/ or "
                                    "tests/system/ (see tests/conftest.py)")
        item.add_marker(getattr(pytest.mark, level))
