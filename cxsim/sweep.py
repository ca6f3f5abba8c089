"""Sweeps: run a scenario at every point of one or two parameters and collect the curves.

A point is the scenario file's content with some values replaced (dotted paths, ``*`` for every key at a
level), validated like any scenario. A point that fails (invalid, or an error while running) is recorded
with its error and the sweep goes on. Every point uses the same seed, so differences between points are
not sampling noise from different random numbers.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cxsim.changes import check_parameter, set_path, value_text
from cxsim.errors import ScenarioError, whole_number
from cxsim.loader import load_scenario
from cxsim.scenario import DEFAULT_SWEEP_METRICS, Scenario
from cxsim.summary import Summary, json_safe
from cxsim.version import __version__
from cxsim.yaml_source import large_files


@dataclass
class SweepPoint:
    values: dict[str, Any]
    summary: Summary | None = None
    error: str | None = None

    def labels(self) -> dict[str, Any]:
        """The values, with a mapping or list (a distribution) written as in a scenario file."""
        return {p: value_text(v) if isinstance(v, (dict, list)) else v for p, v in self.values.items()}


@dataclass
class SweepResult:
    scenario: Scenario
    parameters: list[str]
    metrics: list[str]
    designs: list[str]
    points: list[SweepPoint]
    seed: int
    replications: int
    wall_seconds: float = 0.0
    workers: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    grid: list[tuple[str, list[Any]]] = field(default_factory=list)  # each parameter and its values
    horizon: str | None = None  # the horizon asked for (None: the scenario's)

    def rows(self):
        """One row per point x design: the parameter values, status, and each metric with its CI."""
        for k, point in enumerate(self.points):
            for design in self.designs:
                row: dict[str, Any] = {"point": k, **point.labels(), "design": design}
                if point.summary is None:
                    row |= {"status": "error", "error": point.error}
                    yield row
                    continue
                row |= {"status": "ok", "error": ""}
                for metric, value in point.summary.designs[design].metrics.items():
                    row |= {metric: value.mean, f"{metric}_ci95_low": value.low,
                            f"{metric}_ci95_high": value.high}
                yield row

    def to_json(self) -> dict[str, Any]:
        """The ``sweep.json`` layout: provenance, then each point's values, error and per-design metrics."""
        return json_safe({
            "scenario": self.scenario.name, "scenario_hash": self.scenario.content_hash,
            "scenario_file": self.scenario.origin, "seed": self.seed, "replications": self.replications,
            "cxsim_version": __version__, "parameters": self.parameters, "metrics": self.metrics,
            "grid": [[path, values] for path, values in self.grid], "horizon": self.horizon,
            "run": {"workers": self.workers, "wall_seconds": round(self.wall_seconds, 3)},
            "points": [{"values": p.values, "error": p.error,
                        "designs": p.summary.to_json()["designs"] if p.summary else None}
                       for p in self.points],
            "scenario_content": self.scenario.content,
        })


def sweep_points(parameters: list[tuple[str, list[Any]]]) -> list[dict[str, Any]]:
    paths = [p for p, _ in parameters]
    return [dict(zip(paths, combo, strict=True)) for combo in itertools.product(*(v for _, v in parameters))]


def sweep_plan(base: Scenario, *, parameters: list[tuple[str, list[Any]]] | None = None,
               metrics: list[str] | None = None, replications: int | None = None, seed: int | None = None,
               horizon: str | None = None) -> dict[str, Any]:
    """What a sweep of ``base`` will run, every default resolved (the scenario's ``sweep`` block when no
    ``parameters``): its grid, metrics, replications, seed and horizon, with the scenario's name, hash and
    content; JSON-ready (an interrupted sweep records it so that ``cxsim sweep --resume`` can go on).
    Paths that name nothing in the scenario are refused (``check_parameter``)."""
    spec = base.sweep
    if parameters is None:
        if spec is None:
            raise ValueError("nothing to sweep: add a sweep block to the scenario or give parameters (--set)")
        parameters = [(p.path, list(p.values)) for p in spec.parameters]
    if not 1 <= len(parameters) <= 2:
        raise ValueError("a sweep varies one or two parameters")
    for path, values in parameters:
        check_parameter(base, path)
        if not list(values):
            raise ValueError(f"{path}: no values to sweep")
    if replications is not None:
        replications = whole_number("replications", replications, 1)
    if seed is not None:
        seed = whole_number("seed", seed, 0)
    return {"scenario": base.name, "scenario_hash": base.content_hash, "scenario_file": base.origin,
            "cxsim_version": __version__, "grid": [[path, list(values)] for path, values in parameters],
            "metrics": list(metrics or (spec.metrics if spec else DEFAULT_SWEEP_METRICS)),
            "replications": replications or (spec.replications if spec and spec.replications
                                             else base.replications),
            "seed": base.seed if seed is None else seed, "horizon": horizon, "scenario_content": base.content}


def run_sweep(scenario: str | Path | dict | Scenario, *,
              parameters: list[tuple[str, list[Any]]] | None = None, metrics: list[str] | None = None,
              replications: int | None = None, seed: int | None = None, horizon: str | None = None,
              workers: int | None = 1, scheduler: str | None = None,
              progress: Callable[[int, int], None] | None = None,
              finished: dict[int, SweepPoint] | None = None,
              on_point: Callable[[int, SweepPoint], None] | None = None,
              allow_large: bool = False) -> SweepResult:
    """Run every point of a sweep (the scenario's ``sweep`` block, or ``parameters`` given here).

    A path that names nothing in the scenario is refused before anything runs (``check_parameter``).
    ``finished``: points already run (by their index in the grid), kept as they are, so an interrupted
    sweep can go on; ``on_point(k, point)`` is called as each point finishes (or fails), e.g. to save it.
    A point above cxsim.run_size's limits fails with the limit's message, unless ``allow_large``.
    """
    from cxsim.executors import get_executor
    from cxsim.runner import run

    with large_files(allow_large):
        base = load_scenario(scenario)
    plan = sweep_plan(base, parameters=parameters, metrics=metrics, replications=replications, seed=seed,
                      horizon=horizon)
    parameters = [(path, values) for path, values in plan["grid"]]
    metrics, reps, seed = plan["metrics"], plan["replications"], plan["seed"]
    content = {k: v for k, v in base.content.items() if k != "sweep"}
    points = [SweepPoint(values) for values in sweep_points(parameters)]
    finished = finished or {}
    for k, point in finished.items():
        if not 0 <= k < len(points) or point.values != points[k].values:
            raise ValueError(f"finished point {k} ({point.values}) is not a point of this sweep")
        points[k] = point
    started = time.perf_counter()
    total = (len(points) - len(finished)) * reps * len(base.designs)
    done = 0
    with get_executor(workers, scheduler) as (executor, label):
        for k, point in enumerate(points):
            if k in finished:
                continue
            try:
                data = content
                for path, value in point.values.items():
                    data = set_path(data, path, value)
                label_k = f"{base.origin} [sweep point {k}: " + ", ".join(
                    f"{p}={v}" for p, v in point.labels().items()) + "]"
                scenario_k = load_scenario(data, label=label_k)
                result = run(scenario_k, replications=reps, seed=seed, horizon=horizon, cases="none",
                             executor=executor, allow_large=allow_large,
                             progress=(lambda d, _t, base_done=done: progress(base_done + d, total))
                             if progress else None)
                point.summary = result.summary
            except ScenarioError as err:
                point.error = str(err)
            except Exception as err:  # noqa: BLE001 - a failed point is recorded and the sweep goes on
                point.error = f"{type(err).__name__}: {err}"
            done += reps * len(base.designs)
            if on_point:
                on_point(k, point)
            if progress:
                progress(done, total)
    return SweepResult(scenario=base, parameters=[p for p, _ in parameters], metrics=metrics,
                       designs=list(base.designs), points=points, seed=seed, replications=reps,
                       wall_seconds=time.perf_counter() - started, workers=label,
                       grid=[(p, list(v)) for p, v in parameters], horizon=horizon)


def read_sweep(folder: str | Path) -> SweepResult:
    """A sweep's folder read back from its sweep.json (for ``cxsim report DIR``: charts and report without
    re-running); a folder that is not one raises ResultsFolderError."""
    import json

    from cxsim.errors import ResultsFolderError
    from cxsim.estimates import Difference, Estimate
    from cxsim.summary import Accounting, DesignSummary, RunInfo

    path = Path(folder) / "sweep.json"
    try:
        data = json.loads(path.read_text())
        scenario = load_scenario(data["scenario_content"], label=f"{path}:scenario_content")
        points = []
        for p in data["points"]:
            summary = None
            if p.get("designs"):
                designs = {name: DesignSummary(
                    name=name,
                    metrics={m: Estimate.from_json(v) for m, v in block.items() if m != "vs_baseline"},
                    vs_baseline=None if block.get("vs_baseline") is None else
                    {m: Difference.from_json(v) for m, v in block["vs_baseline"].items()},
                    case_types={}, team_utilization={}, accounting=Accounting(0, 0, 0, 0, 0))
                    for name, block in p["designs"].items()}
                summary = Summary(
                    scenario=data["scenario"], scenario_hash=data.get("scenario_hash"),
                    scenario_file=data.get("scenario_file"), seed=data["seed"],
                    replications=data["replications"], cxsim_version=data["cxsim_version"],
                    horizon_hours=None, warmup_hours=None, cases_output=None, baseline=next(iter(designs)),
                    run=RunInfo("", 0.0), precision=None, designs=designs, scenario_content=None)
            points.append(SweepPoint(values=p["values"], summary=summary, error=p.get("error")))
        run = data.get("run") or {}
        return SweepResult(scenario=scenario, parameters=list(data["parameters"]),
                           metrics=list(data["metrics"]), designs=list(scenario.designs),
                           points=points, seed=data["seed"],
                           replications=data["replications"], wall_seconds=run.get("wall_seconds", 0.0),
                           workers=run.get("workers", ""))
    except FileNotFoundError:
        raise ResultsFolderError(f"{folder}: no summary.json or sweep.json; is this a cxsim output folder?") \
            from None
    except (ValueError, KeyError, TypeError, AttributeError, ScenarioError) as exc:
        raise ResultsFolderError(f"{path}: not a cxsim sweep ({type(exc).__name__}: {exc})") from None
