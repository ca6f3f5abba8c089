"""The local process pool in this process: an exception inside ``get_executor`` (Ctrl-C, or an error) stops
it at once, ending workers in the middle of a job instead of waiting for them, and a worker that dies
becomes one ``ExecutorError`` saying what to do. (tests/system/test_interrupts.py stops whole ``cxsim run``
processes with real signals.)"""

from __future__ import annotations

import gc
import os
import time
import weakref

import pytest

from cxsim.errors import ExecutorError
from cxsim.executors import get_executor


def _sleep(seconds: float) -> int:
    time.sleep(seconds)
    return os.getpid()


def _die() -> None:
    os._exit(3)


def test_an_interrupt_ends_the_workers_mid_job_without_waiting():
    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        with get_executor(workers=2) as (pool, label):
            assert label == "2 local processes"
            pids = set(pool.map(_sleep, [0.0, 0.0]))  # the pool is up
            pool.submit(_sleep, 60)
            pool.submit(_sleep, 60)
            pool.submit(_sleep, 60)  # queued behind the two running: cancelled
            time.sleep(0.5)
            processes = list(pool._processes.values())
            assert processes and {p.pid for p in processes} >= pids  # each busy with a minute's job
            raise KeyboardInterrupt
    # idle ~0.01 s (terminate, join); the jobs would have held the pool for a minute
    assert time.monotonic() - started < 30
    assert not _running(processes, within=10.0)


def _running(processes, within: float) -> list[int]:
    """The processes not ended ``within`` seconds from now. Polls ``exitcode``: the pool's own thread reaps
    its workers too, and ``is_alive()`` reads True for a moment while the other thread is reaping."""
    deadline = time.monotonic() + within
    while (running := [p.pid for p in processes if p.exitcode is None]) and time.monotonic() < deadline:
        time.sleep(0.05)
    return running


def test_a_worker_that_dies_is_one_error_naming_the_fix():
    with pytest.raises(ExecutorError, match="worker process stopped") as caught:
        with get_executor(workers=2) as (pool, _):
            pool.submit(_die).result()
    assert "__main__" in str(caught.value)


class _Cases:
    """Stands for a stopped replication's cases (gigabytes when one stops overloaded)."""


def _fails_holding(cases: list) -> None:
    held = _Cases()  # a local of the failing frame, as a replication's cases are
    cases.append(weakref.ref(held))
    raise ValueError("overloaded")


def test_the_inline_executor_keeps_a_failed_jobs_error_but_not_its_locals():
    """An inline run keeps each failed replication's error until the run ends; the frames of its traceback
    must not keep that replication's cases alive meanwhile."""
    refs: list = []
    with get_executor(1) as (executor, _label):
        future = executor.submit(_fails_holding, refs)
        gc.collect()
        assert isinstance(future.exception(), ValueError)
        assert refs[0]() is None  # collected while the future (and its error) live
