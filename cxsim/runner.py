"""Running a scenario: every design x replication as a small, picklable job, on any Executor.

A job is ``(scenario, design, seed, replication, horizon, cases)``; its result depends on nothing else, so
jobs can run inline, in a process pool or on a Dask cluster and give identical results. Results are
assembled in job order, never in completion order. With a precision target, replications are added in
rounds until the headline metric's confidence interval is narrow enough (or a cap is reached).
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Executor, as_completed
from contextlib import nullcontext
from pathlib import Path
from typing import Any

from cxsim import run_size
from cxsim.arguments import fraction, known_name, name_list, whole_number
from cxsim.catalogue import METRICS
from cxsim.engine import Replication
from cxsim.estimates import mean_ci
from cxsim.executors import get_executor
from cxsim.loader import load_scenario
from cxsim.metrics import replication_metrics
from cxsim.recorder import CASE_MODES, Recorder
from cxsim.records import ReplicationOutput
from cxsim.results import Result
from cxsim.scenario import Scenario
from cxsim.units import duration_text
from cxsim.yaml_source import large_files

DEFAULT_MAX_REPLICATIONS = 200


def run_replication(scenario: Scenario, design: str, seed: int, replication: int,
                    horizon: float | None = None, cases: str = "sample") -> ReplicationOutput:
    """One replication of one design (the unit of work): the engine runs, the recorder listens."""
    recorder = Recorder(cases)
    Replication(scenario, design, seed, replication, horizon, listeners=[recorder]).run()
    return recorder.output()


def _run_job(job: tuple) -> ReplicationOutput:
    return run_replication(*job)


def check_runs_on(workers: object, executor: object = None, progress: object = None) -> None:
    """Where and how replications run, as the API takes them (run, run_sweep, run_sensitivity): ``workers``
    a whole number of at least 1 or None, ``executor`` something with ``submit``, ``progress`` a function;
    ValueError naming the first that is not, before anything runs."""
    if workers is not None:
        whole_number("workers", workers, 1, also=", or None for all cores")
    if executor is not None and not callable(getattr(executor, "submit", None)):
        raise ValueError(f"executor must be a concurrent.futures.Executor (got {executor!r})")
    if progress is not None and not callable(progress):
        raise ValueError(f"progress must be a function called as progress(done, total) (got {progress!r})")


def horizon_hours(scenario: Scenario, horizon: object) -> float | None:
    """A ``horizon=`` argument in hours, read as the scenario reads durations (None: the scenario's own);
    ValueError naming it when it is not a duration."""
    if horizon is None:
        return None
    try:
        return scenario.duration(horizon)
    except ValueError as err:
        raise ValueError(f"horizon: {err}") from None


def run(scenario: str | Path | dict[str, Any] | Scenario, *, replications: int | None = None,
        seed: int | None = None, horizon: str | None = None, designs: Iterable[str] | None = None,
        cases: str = "sample", workers: int | None = 1, executor: Executor | None = None,
        scheduler: str | None = None, precision: float | None = None, metric: str = "effort_hours_mean",
        max_replications: int = DEFAULT_MAX_REPLICATIONS,
        progress: Callable[[int, int], None] | None = None, allow_large: bool = False) -> Result:
    """Run every design of a scenario over ``replications`` replications and summarise them.

    ``scenario``: a path, a dict or a loaded ``Scenario``; ``horizon``: a duration such as '90 days' (a bare
    number only if the scenario declares a ``time_unit``, as everywhere).
    ``cases``: keep ``all`` per-case records, a uniform ``sample`` (1,000 per replication), or ``none``.
    Work runs on ``executor`` if given, else on a Dask cluster at ``scheduler``, else on ``workers`` local
    processes (None: all cores; 1: inline). Results are identical whichever runs them.
    ``precision`` (e.g. 0.05): add replications until the 95% CI half-width of ``metric`` is within that
    fraction of its mean for every design, up to ``max_replications``.
    ``progress(done, total)`` is called after each finished replication.
    A run above cxsim.run_size's limits (replications, customers, agents, expected cases) raises
    ``ScenarioError`` naming the limit before anything runs, unless ``allow_large``.
    """
    with large_files(allow_large):
        scenario = load_scenario(scenario)
    reps = scenario.replications if replications is None else whole_number("replications", replications, 1)
    if cases not in CASE_MODES:
        raise ValueError(f"cases must be one of {', '.join(CASE_MODES)}, not {cases!r}")
    check_runs_on(workers, executor, progress)
    max_replications = whole_number("max_replications", max_replications, 1)
    if precision is not None:
        precision = fraction("precision", precision, "0.05")
        metric = known_name("metric", metric, "metric", METRICS)
        reps = max(reps, 3)
        max_replications = max(max_replications, reps)
    seed = scenario.seed if seed is None else whole_number("seed", seed, 0)
    hours = horizon_hours(scenario, horizon)
    if hours is not None and hours <= scenario.warmup:
        raise ValueError(f"the horizon must be longer than the warm-up ({duration_text(scenario.warmup)})")
    names = list(scenario.designs) if designs is None else name_list("designs", designs, "design",
                                                                     scenario.designs)
    size = run_size.estimate(scenario, replications=max_replications if precision is not None else reps,
                             horizon=hours)
    run_size.check(scenario, dataclasses.replace(size, designs=len(names)), allow_large=allow_large)

    started = time.perf_counter()
    outputs: dict[tuple[str, int], ReplicationOutput] = {}
    done = 0
    planned = reps * len(names)
    pool = nullcontext((executor, "a caller's executor")) if executor is not None else \
        get_executor(workers, scheduler, jobs=planned if precision is None else None)
    with pool as (ex, label):
        first = 0
        while True:
            jobs = [(scenario, name, seed, r, hours, cases) for name in names for r in range(first, reps)]
            futures = {ex.submit(_run_job, job): (job[1], job[3]) for job in jobs}
            for future in as_completed(futures):
                outputs[futures[future]] = future.result()
                done += 1
                if progress:
                    progress(done, planned)
            status = _precision_status(outputs, names, reps, metric, precision) if precision else None
            if status is None or status["reached"] or reps >= max_replications:
                break
            first, reps = reps, _next_round(reps, status["worst_ratio"], precision, max_replications)
            planned = reps * len(names)
    ordered = [outputs[(name, r)] for name in names for r in range(reps)]
    if status is not None:
        status = dict(status, replications=reps, cap=max_replications)
    return Result(scenario=scenario, seed=seed, replications=reps, designs=names, outputs=ordered,
                  horizon=scenario.horizon if hours is None else hours, cases=cases,
                  wall_seconds=time.perf_counter() - started, workers=label, precision=status)


def _precision_status(outputs: dict, names: list[str], reps: int, metric: str,
                      precision: float) -> dict[str, Any]:
    ratios = {}
    for name in names:
        values = [replication_metrics(outputs[(name, r)])[metric] for r in range(reps)]
        ci = mean_ci(values)
        mean, lo, hi = ci.mean, ci.low, ci.high
        if mean is None or lo is None:
            ratios[name] = math.inf
        elif mean == 0:
            ratios[name] = 0.0 if hi == lo else math.inf
        else:
            ratios[name] = (hi - lo) / 2 / abs(mean)
    worst = max(ratios.values())
    return {"metric": metric, "target": precision, "reached": worst <= precision,
            "half_width_ratio": ratios, "worst_ratio": worst}


def _next_round(reps: int, ratio: float, precision: float, cap: int) -> int:
    """Replications for the next round: the CI half-width shrinks like 1/sqrt(n)."""
    if math.isinf(ratio):
        wanted = 2 * reps
    else:
        wanted = math.ceil(reps * (ratio / precision) ** 2 * 1.1)
    return min(cap, max(reps + 1, min(wanted, 4 * reps)))
