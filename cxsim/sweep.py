"""Sweeps: run a scenario at every point of one or two parameters and collect the curves.

A point is the scenario file's content with some values replaced (dotted paths, ``*`` for every key at a
level), validated like any scenario. A point that fails (invalid, or an error while running) is recorded
with its error and the sweep goes on. Every point uses the same seed, so differences between points are
not sampling noise from different random numbers.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cxsim.arguments import name_list, whole_number
from cxsim.catalogue import METRICS
from cxsim.changes import check_parameter, set_path, value_text
from cxsim.errors import ScenarioError
from cxsim.estimates import Estimate
from cxsim.loader import load_scenario
from cxsim.saved_files import check_sweep, plan_problem, point_problem, summary_problem
from cxsim.scenario import DEFAULT_SWEEP_METRICS, Scenario
from cxsim.summary import Summary, json_safe
from cxsim.version import __version__
from cxsim.yaml_source import large_files

# Measured on the cases counted after the warm-up (customer truth) or their tickets (the dashboard): where a
# design counted no case these are not results (churn and tickets closed would read 0), so a sweep's tables
# and charts leave them out and say why. Operations (staff cost, utilisation, demand) and the count stand.
ON_CASES = frozenset(name for name, m in METRICS.items()
                     if m.group in ("customer", "dashboard") and name != "cases")


@dataclass
class SweepPoint:
    values: dict[str, Any]
    summary: Summary | None = None
    error: str | None = None

    def labels(self) -> dict[str, Any]:
        """The values, with a mapping or list (a distribution) written as in a scenario file."""
        return {p: value_text(v) if isinstance(v, (dict, list)) else v for p, v in self.values.items()}

    def name(self) -> str:
        """The point as written in messages: ``path=value, path=value``."""
        return ", ".join(f"{p}={v}" for p, v in self.labels().items())

    def counted_no_case(self) -> list[str]:
        """The designs that counted no case at this point (a ``cases`` mean of 0: none opened after the
        warm-up in any replication); read from the metrics, so a sweep read back from sweep.json says the
        same. Empty for a failed point."""
        if self.summary is None:
            return []
        return [d for d, block in self.summary.designs.items()
                if (cases := block.metrics.get("cases")) is not None and cases.mean == 0]

    def estimate(self, design: str, metric: str) -> Estimate | None:
        """What the sweep shows for ``design``'s ``metric`` here: None when the point failed, or when the
        design counted no case here and the metric is measured on cases (``ON_CASES``)."""
        if self.summary is None or design not in self.summary.designs:
            return None
        if metric in ON_CASES and design in self.counted_no_case():
            return None
        return self.summary.designs[design].metrics.get(metric)


def counted_nothing(points: list[SweepPoint], designs: list[str]) -> bool:
    """Some point ran, and no point counted a case in any design: a sweep with nothing to compare."""
    ran = [p for p in points if p.summary is not None]
    return bool(ran) and all(len(p.counted_no_case()) == len(designs) for p in ran)


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
                empty = design in point.counted_no_case()
                row |= {"status": "no counted cases" if empty else "ok", "error": ""}
                for metric, value in point.summary.designs[design].metrics.items():
                    clip = METRICS[metric].clip  # as summary.csv: a share's interval within [0, 1]
                    row |= {metric: value.mean, f"{metric}_ci95_low": clip(value.low),
                            f"{metric}_ci95_high": clip(value.high)}
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


def sweep_plan(base: Scenario, *,
               parameters: list[tuple[str, list[Any]]] | Mapping[str, list[Any]] | None = None,
               metrics: list[str] | None = None, replications: int | None = None, seed: int | None = None,
               horizon: str | None = None) -> dict[str, Any]:
    """What a sweep of ``base`` will run, every default resolved (the scenario's ``sweep`` block when no
    ``parameters``): its grid, metrics, replications, seed and horizon, with the scenario's name, hash and
    content; JSON-ready (an interrupted sweep records it so that ``cxsim sweep --resume`` can go on).
    ``parameters``: (path, values) pairs, or a mapping of path to values. Paths that name nothing in the
    scenario are refused (``check_parameter``); values are kept as plain Python values (a numpy integer as
    an int, an array as a list), so the sweep saves and reads back as given."""
    from cxsim.runner import horizon_hours

    spec = base.sweep
    if parameters is None:
        if spec is None:
            raise ValueError("nothing to sweep: add a sweep block to the scenario or give parameters (--set)")
        parameters = [(p.path, list(p.values)) for p in spec.parameters]
    grid = _grid(parameters)
    for path, _ in grid:
        check_parameter(base, path)
    horizon_hours(base, horizon)  # an unreadable horizon is refused here, not by every point
    if replications is not None:
        replications = whole_number("replications", replications, 1)
    if seed is not None:
        seed = whole_number("seed", seed, 0)
    if metrics is not None:
        metrics = name_list("metrics", metrics, "metric", METRICS)
    return {"scenario": base.name, "scenario_hash": base.content_hash, "scenario_file": base.origin,
            "cxsim_version": __version__, "grid": grid,
            "metrics": list(metrics or (spec.metrics if spec else DEFAULT_SWEEP_METRICS)),
            "replications": replications or (spec.replications if spec and spec.replications
                                             else base.replications),
            "seed": base.seed if seed is None else seed, "horizon": horizon, "scenario_content": base.content}


_PAIRS = "parameters must be one or two (path, [values]) pairs, e.g. [('customers.count', [100, 200])]"


def _grid(parameters: Any) -> list[list[Any]]:
    """A sweep's ``parameters`` as [path, [plain values]] pairs: a mapping is read as its items; a path must
    be text and its values a list (or tuple, range, array) of at least one, never one text read letter by
    letter. ValueError naming what is wrong."""
    if isinstance(parameters, Mapping):
        parameters = list(parameters.items())
    if isinstance(parameters, (str, bytes)) or not isinstance(parameters, Iterable):
        raise ValueError(f"{_PAIRS} (got {parameters!r})")
    pairs = list(parameters)
    if not 1 <= len(pairs) <= 2:
        raise ValueError("a sweep varies one or two parameters")
    grid = []
    for pair in pairs:
        if isinstance(pair, (str, bytes, Mapping)) or not isinstance(pair, Iterable) or len(list(pair)) != 2:
            raise ValueError(f"{_PAIRS} (got {pair!r})")
        path, values = pair
        if not isinstance(path, str):
            raise ValueError(f"parameters: a path must be text such as 'customers.count' (got {path!r})")
        if isinstance(values, (str, bytes)):
            raise ValueError(f"{path}: the values to sweep must be a list, not one text: write [{values!r}]")
        if isinstance(values, Mapping) or not isinstance(values, Iterable):
            raise ValueError(f"{path}: the values to sweep must be a list, e.g. [{values!r}]")
        values = [plain(v) for v in values]
        if not values:
            raise ValueError(f"{path}: no values to sweep")
        grid.append([path, values])
    return grid


def plain(value: Any) -> Any:
    """``value`` as plain Python (a numpy number as an int or float, an array or tuple as a list, through
    mappings and lists), as JSON writes and reads it back."""
    if hasattr(value, "tolist") and not isinstance(value, (str, bytes)):  # numpy scalars and arrays
        return plain(value.tolist())
    if isinstance(value, Mapping):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def run_sweep(scenario: str | Path | dict | Scenario, *,
              parameters: list[tuple[str, list[Any]]] | Mapping[str, list[Any]] | None = None,
              metrics: list[str] | None = None,
              replications: int | None = None, seed: int | None = None, horizon: str | None = None,
              workers: int | None = 1, scheduler: str | None = None,
              progress: Callable[[int, int], None] | None = None,
              finished: dict[int, SweepPoint] | None = None,
              on_point: Callable[[int, SweepPoint], None] | None = None,
              allow_large: bool = False) -> SweepResult:
    """Run every point of a sweep (the scenario's ``sweep`` block, or ``parameters`` given here).

    ``parameters``: one or two (path, values) pairs, e.g. ``[("customers.count", [100, 200])]``, or a
    mapping ``{"customers.count": [100, 200]}``. A path that names nothing in the scenario, an unknown
    metric or a wrong argument is refused before anything runs (``sweep_plan``).
    ``finished``: points already run (by their index in the grid), kept as they are, so an interrupted
    sweep can go on; ``on_point(k, point)`` is called as each point finishes (or fails), e.g. to save it.
    A point above cxsim.run_size's limits fails with the limit's message, unless ``allow_large``.
    """
    from cxsim.executors import get_executor
    from cxsim.runner import check_runs_on, run

    with large_files(allow_large):
        base = load_scenario(scenario)
    check_runs_on(workers, progress=progress)
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
                label_k = f"{base.origin} [sweep point {k}: {point.name()}]"
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


# ------------------------------------------------------------------ saved points read back


def saved_plan_problem(plan: Any) -> str | None:
    """Why ``plan`` (an interrupted sweep's points/plan.json, as ``sweep_plan`` wrote it) cannot be resumed:
    its layout (``saved_files.PlanFile``), then its scenario (whose content must still have its recorded
    hash) and horizon; None when it can."""
    if problem := plan_problem(plan):
        return problem
    try:
        scenario = load_scenario(plan["scenario_content"])
        if plan["horizon"] is not None:
            scenario.duration(plan["horizon"])
    except (ScenarioError, ValueError, TypeError) as err:
        return f"its scenario or horizon is not valid ({err})"
    if plan["scenario_hash"] != scenario.content_hash:
        return "scenario_content has been changed since the sweep started (its hash differs)"
    return None


def saved_point_problem(data: Any, k: int, plan: dict[str, Any]) -> str | None:
    """Why ``data``, read from the file of point ``k`` of an interrupted sweep, is not what cxsim saved there
    for the sweep ``plan`` records (None when it is): its layout (``saved_files.PointFile``), its index and
    values, and results of this scenario at those values, seed, replications and horizon, with every metric
    a number or null. A hand-edited file, or one copied from another sweep, is otherwise kept as it is and
    written into sweep.json."""
    if problem := point_problem(data):
        return problem
    points = sweep_points([(path, list(values)) for path, values in plan["grid"]])
    if data["index"] != k:
        return f"index {data['index']} is not the point its file name numbers ({k})"
    if k >= len(points):
        return f"this sweep has {len(points)} points, numbered from 0; there is no point {k}"
    if data["values"] != points[k]:
        return f"its values are not those of point {k} of this sweep ({points[k]})"
    summary = data["summary"]
    if summary is None:
        return None
    content = {key: v for key, v in plan["scenario_content"].items() if key != "sweep"}
    try:
        for path, value in points[k].items():
            content = set_path(content, path, value)
        scenario = load_scenario(content)
        horizon = scenario.horizon if plan.get("horizon") is None else scenario.duration(plan["horizon"])
    except (ScenarioError, ValueError) as err:
        return f"holds results, but this sweep's point {k} is not a valid scenario ({err})"
    for key, ran in (("scenario", scenario.name), ("scenario_hash", scenario.content_hash),
                     ("seed", plan["seed"]), ("replications", plan["replications"]),
                     ("horizon_hours", horizon), ("warmup_hours", scenario.warmup)):
        if summary.get(key) != ran:
            return (f"summary.{key} is {summary.get(key)!r}, not {ran!r} as this sweep ran it (a point of "
                    "another sweep?)")
    if isinstance(summary.get("designs"), dict) and list(summary["designs"]) != list(scenario.designs):
        return f"summary.designs names the designs {list(summary['designs'])}, not this sweep's " \
               f"{list(scenario.designs)}"
    if problem := summary_problem(summary):
        return f"summary.{problem}"
    return None


def read_sweep(folder: str | Path) -> SweepResult:
    """A sweep's folder read back from its sweep.json (for ``cxsim report DIR``: charts and report without
    re-running); a folder that is not one raises ResultsFolderError."""

    from cxsim.errors import ResultsFolderError
    from cxsim.estimates import Difference, Estimate
    from cxsim.summary import Accounting, DesignSummary, RunInfo

    path = Path(folder) / "sweep.json"
    again = ("this file is not as cxsim sweep wrote it; run the sweep again from its scenario with --out "
             f"{Path(folder)} --force to rewrite the folder")
    try:
        data = check_sweep(path.read_text(encoding="utf-8-sig"), str(path), again)
        scenario = load_scenario(data["scenario_content"], label=f"{path}:scenario_content")
        for i, point in enumerate(data["points"]):
            if point["designs"] is not None and list(point["designs"]) != list(scenario.designs):
                raise ResultsFolderError(f"{path}: points[{i}].designs names the designs "
                                         f"{list(point['designs'])}, not this sweep's "
                                         f"{list(scenario.designs)}; {again}")
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
    except ResultsFolderError:
        raise
    except (OSError, ValueError, KeyError, TypeError, AttributeError, ScenarioError, RecursionError) as exc:
        raise ResultsFolderError(f"{path}: not a cxsim sweep ({type(exc).__name__}: {exc}); {again}") \
            from None
