"""Running a scenario: every design x replication as a small, picklable job, on any Executor.

A job is ``(scenario, design, seed, replication, horizon)``; its result depends on nothing else, so jobs can
run inline, in a process pool or on a cluster and give identical results. Results are assembled in job
order, never in completion order.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from concurrent.futures import Executor
from pathlib import Path
from typing import Any

from cxsim.engine import Replication
from cxsim.loading import load_scenario
from cxsim.records import ReplicationOutput
from cxsim.results import Result
from cxsim.scenario import Scenario


def run_replication(scenario: Scenario, design: str, seed: int, replication: int,
                    horizon: float | None = None) -> ReplicationOutput:
    """One replication of one design (the unit of work)."""
    return Replication(scenario, design, seed, replication, horizon).run()


def _run_job(job: tuple) -> ReplicationOutput:
    return run_replication(*job)


def run(scenario: str | Path | dict[str, Any] | Scenario, *, replications: int | None = None,
        seed: int | None = None, horizon: float | str | None = None, designs: Iterable[str] | None = None,
        executor: Executor | None = None,
        progress: Callable[[int, int], None] | None = None) -> Result:
    """Run every design of a scenario over ``replications`` replications and summarise them.

    ``scenario`` may be a path, a dict or a loaded ``Scenario``; ``horizon`` a duration string or hours.
    ``executor`` runs the jobs (default: inline, in this process). ``progress(done, total)`` is called
    after each finished replication.
    """
    from cxsim.durations import parse_duration

    scenario = load_scenario(scenario)
    reps = scenario.replications if replications is None else int(replications)
    if reps < 1:
        raise ValueError("replications must be at least 1")
    seed = scenario.seed if seed is None else int(seed)
    hours = None if horizon is None else parse_duration(horizon, default_unit="h")
    if hours is not None and hours <= scenario.warmup:
        raise ValueError("the horizon must be longer than the warm-up")
    names = list(scenario.designs) if designs is None else list(designs)
    for name in names:
        if name not in scenario.designs:
            raise ValueError(f"unknown design {name!r}; designs are {', '.join(scenario.designs)}")
    jobs = [(scenario, name, seed, r, hours) for name in names for r in range(reps)]
    started = time.perf_counter()
    outputs: list[ReplicationOutput] = []
    if executor is None:
        for i, job in enumerate(jobs):
            outputs.append(_run_job(job))
            if progress:
                progress(i + 1, len(jobs))
    else:
        futures = [executor.submit(_run_job, job) for job in jobs]
        for i, future in enumerate(futures):
            outputs.append(future.result())
            if progress:
                progress(i + 1, len(jobs))
    return Result(scenario=scenario, seed=seed, replications=reps, designs=names, outputs=outputs,
                  horizon=scenario.horizon if hours is None else hours,
                  wall_seconds=time.perf_counter() - started)
