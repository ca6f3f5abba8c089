"""The suite's levels, and the runs several levels share.

A test's folder is its level, applied here as a marker so that ``-m unit`` and ``-m "not system"`` select
by level: ``tests/unit/`` (one module or function in isolation), ``tests/model/`` (the simulation's
behaviour: queueing theory, mechanisms, determinism, conservation, the golden guard) and ``tests/system/``
(the installed tool end to end: CLI, report in Chromium, notebooks, README, Dask, docs, shipped scenarios).
``slow`` is set by hand on the tests that dominate the suite's time; ``-m "not slow"`` is the quick loop.

The suite runs on every core (pytest-xdist, ``-n auto --dist loadfile --no-loadscope-reorder`` in
pyproject's addopts: files are handed out in the order set below, longest first; ``-n 0`` runs it in one
process). Each test file runs on one worker, so a module's fixtures are built once; a run that several files
read is made once per session by whichever worker asks first and shared through a file
(``once_per_session``), so no run is made twice.
"""

from __future__ import annotations

import os
import pickle
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import pytest

from tests.golden import golden

TESTS = Path(__file__).resolve().parent
LEVELS = ("unit", "model", "system")
T = TypeVar("T")


#: The files that take longest (``pytest --durations``), started first so that the workers end together
#: instead of one finishing a long file while the other idles.
LONGEST_FIRST = (
    "system/test_shipped_scenarios.py", "system/test_presentation.py", "model/test_queueing_validation.py",
    "system/test_report.py", "system/test_distributed.py", "system/test_output_folders.py",
    "system/test_cli.py", "system/test_readme.py", "system/test_calibrate_real.py",
    "model/test_mechanisms.py", "system/test_sensitivity.py", "model/test_queueing_theory.py",
    "model/test_churn_and_chasing.py", "model/test_asis_engine.py", "unit/test_bad_scenarios.py",
    "unit/test_quantiles.py",
)

#: The model level runs untraced under ``--cov`` (this file's ``untraced`` marker: the test's setup and call,
#: in this process and the worker processes it starts): long simulations checked against queueing theory and
#: the mechanisms' directions, ~2.5x slower under coverage's tracer (test_queueing_validation's M/M/c at
#: rho = 0.9: 46 s traced, 20 s untraced). Coverage is for finding code no test runs; it counts what the unit
#: and system tests reach (including one_lane_tech's shortened story run in tests/system/conftest.py) and the
#: files below (chasing's rules are reached nowhere else).
TRACED_MODEL_FILES = ("model/test_golden.py", "model/test_churn_and_chasing.py")

#: Untraced too: the signal tests stop real processes, and coverage's own SIGTERM handler (``sigterm``, so
#: that a terminated process keeps its data) would run inside the process being stopped: a second SIGTERM
#: from the pool's clean-up interrupts its save and prints coverage's traceback on the stderr the test reads.
#: (tests/system/test_process_pool.py measures the pool's stop in this process.)
UNTRACED_SYSTEM_FILES = ("system/test_interrupts.py",)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(_relative(item), len(rank)))  # stable: the rest keep their order
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
        name = relative.as_posix()
        if (level == "model" and name not in TRACED_MODEL_FILES) or name in UNTRACED_SYSTEM_FILES:
            item.add_marker(pytest.mark.untraced)


#: Set by coverage (``patch = subprocess``) so that every Python process started from here traces itself:
#: hidden while an untraced test runs, so its worker processes run untraced too.
COVERAGE_ENV = "COVERAGE_PROCESS_CONFIG"


@contextmanager
def untraced(config: pytest.Config):
    """Run a block without coverage's tracer, here and in the processes it starts.

    Two tracers can be running here: pytest-cov's, and, in a pytest-xdist worker, the one coverage starts in
    every subprocess of a measured process (``patch = subprocess``: the workers are such subprocesses).
    pytest-cov's own ``no_cover`` pauses only the first, so an xdist worker went on tracing. Both stop here
    and restart in their order afterwards.
    """
    controller = getattr(config.pluginmanager.getplugin("_cov"), "cov_controller", None)
    pause = controller is not None and controller.started
    if pause:
        controller.pause()
    stopped = []
    coverage = _coverage_module()
    while coverage is not None and (current := coverage.Coverage.current()) is not None:
        current.stop()  # the innermost first: stopping it resumes the one below, stopped next
        stopped.append(current)
    saved = os.environ.pop(COVERAGE_ENV, None)
    try:
        yield
    finally:
        if saved is not None:
            os.environ[COVERAGE_ENV] = saved
        for cov in reversed(stopped):
            cov.start()
        if pause:
            controller.resume()


def _coverage_module():
    try:
        import coverage
    except ImportError:  # the suite runs without pytest-cov too
        return None
    return coverage


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem):
    """An ``untraced`` test runs untraced: its fixtures, its call and its teardown."""
    if item.get_closest_marker("untraced") is None:
        return (yield)
    with untraced(item.config):
        return (yield)


def _relative(item: pytest.Item) -> str:
    path = item.path.resolve()
    return path.relative_to(TESTS).as_posix() if path.is_relative_to(TESTS) else ""


def once_per_session(factory: pytest.TempPathFactory, key: str, make: Callable[[], T]) -> T:
    """``make()`` once per test session, even across pytest-xdist's workers: the first worker to ask makes it
    and pickles it beside the session's temporary folders (under a lock); the others wait and read it."""
    try:
        import fcntl  # POSIX only: elsewhere each worker makes its own copy
    except ImportError:
        fcntl = None
    if "PYTEST_XDIST_WORKER" not in os.environ or fcntl is None:
        return make()
    shared = factory.getbasetemp().parent  # common to every worker of this session
    path = shared / f"{key}.pickle"
    with (shared / f"{key}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if path.exists():
            return pickle.loads(path.read_bytes())
        value = make()
        path.write_bytes(pickle.dumps(value))
        return value


@pytest.fixture(scope="session")
def shipped_run(tmp_path_factory, pytestconfig):
    """``shipped_run(name)``: the shipped scenario ``name`` run at its own settings (replications, seed,
    horizon; all local cores), once per session. The golden guard (tests/model/test_golden.py) and the
    story's back-test (tests/system/test_shipped_scenarios.py) read the same run. It runs untraced (the
    suite's longest run; the shortened story runs of tests/system/conftest.py reach the same engine lines
    under coverage)."""
    runs = {}

    def make(name: str):
        with untraced(pytestconfig):
            return golden.run(name, workers=None)

    def get(name: str):
        if name not in runs:
            runs[name] = once_per_session(tmp_path_factory, f"shipped_{name}", lambda: make(name))
        return runs[name]

    return get
