"""Sensitivity: which assumptions does the comparison rest on? One at a time (OAT), optionally Morris.

Each parameter (a dotted path as in ``--set``; by default every number the scenario file marks with a
``# [assumption]`` comment on its line) is moved to -vary and +vary of its value, one at a time, and the
scenario is run again with the SAME seed: replication r of every variant sees the same customers and cases
(common random numbers, the runner's ``SeedSequence(seed, spawn_key=(r, stream))``), so a variant's change
from the base is a paired difference over replications. For each headline metric the result says how each
design's value and the paired difference between designs move, and whether the ORDERING of the designs
holds at -vary and at +vary. Morris elementary effects (``morris=True``) screen all the parameters at once
over the same range.

How a value is varied: a number is multiplied by (1 - vary) and (1 + vary); an integer is rounded (and
moved by at least 1); a duration or rate written with units has its number scaled and is written back as
text by ``cxsim.units``; a distribution (``{dist: ..., mean: ..., sd: ...}``) has every quantity scaled,
which scales the random variable. A share or probability whose multiplied value the scenario refuses (above
1, say ``loyalty: 0.95``) is varied through its complement, 1 - p, so that the rarer outcome moves by the
given fraction and the value stays valid. Every variant is validated before anything runs: a path that
matches nothing, a value that is not a number, or a variant the scenario refuses is one located
``ScenarioError``.
"""

from __future__ import annotations

import copy
import math
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from cxsim.arguments import fraction, name_list, whole_number
from cxsim.catalogue import METRICS
from cxsim.errors import ScenarioError
from cxsim.estimates import Difference, Estimate, mean_ci, paired_difference
from cxsim.loader import load_scenario
from cxsim.scenario import Scenario
from cxsim.summary import json_safe
from cxsim.units import (
    duration_text,
    effort_rate_text,
    parse_duration,
    parse_effort_rate,
    parse_rate,
    rate_text,
)
from cxsim.version import __version__
from cxsim.yaml_source import Source, large_files, load_source

ASSUMPTION_TAG = "[assumption]"
# Top-level fields that say how a run is measured, not what the world is: never varied by default (give
# them with parameters= / --params to vary them anyway).
RUN_CONTROL = ("horizon", "warmup", "seed", "replications", "time_unit")
DEFAULT_VARY = 0.25
MORRIS_TRAJECTORIES = 4
MORRIS_LEVELS = 4
_DIST_SCALED = ("value", "mean", "sd", "low", "high", "values")  # a distribution's quantities (weights stay)


def headline_metrics() -> tuple[str, ...]:
    """The metrics a leader reads: customer effort per case, annual churn and the revenue it puts at risk."""
    return ("effort_hours_mean", "annual_churn_rate", "revenue_at_risk")


# ------------------------------------------------------------------ discovery of assumptions


def _comment(line: str) -> str | None:
    """The comment of one YAML line (a '#' at the start or after a blank, outside quotes), if any."""
    quote = None
    for i, ch in enumerate(line):
        if quote:
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch == "#" and (i == 0 or line[i - 1] in " \t"):
            return line[i + 1:]
    return None


def _numeric(value: Any) -> bool:
    """Whether a value can be varied: a number, a quantity written with units, or a distribution."""
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float)):
        return math.isfinite(value)
    if isinstance(value, str):
        return _quantity(value) is not None
    if isinstance(value, dict) and "dist" in value:
        return any(k in value for k in _DIST_SCALED)
    return False


def assumption_paths(source: Source) -> list[str]:
    """Dotted paths of every value the file marks as an assumption (``# [assumption]`` on its line), in
    file order: numbers, quantities with units, and distributions (as a whole). Run-control fields
    (horizon, warm-up, seed, replications) and values that are not numbers are left out."""
    if not source.text:
        return []
    marked = {n for n, text in enumerate(source.text.splitlines(), start=1)
              if ASSUMPTION_TAG in (_comment(text) or "")}
    found: list[tuple[int, tuple]] = []
    for path, line in source.lines.items():
        if line not in marked or not path or path[0] in RUN_CONTROL:
            continue
        if any(isinstance(p, int) for p in path):
            continue
        if _numeric(_get(source.data, path)):
            found.append((line, path))
    found.sort(key=lambda item: item[0])
    paths = [p for _, p in found]
    inside = {p for p in paths for q in paths if len(q) < len(p) and p[:len(q)] == q}
    return [".".join(map(str, p)) for p in paths if p not in inside]


def _get(data: Any, path: tuple) -> Any:
    for part in path:
        data = data[part]
    return data


# ------------------------------------------------------------------ varying one value


_NUMBER_TEXT = re.compile(r"^\s*[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?\s*$")


def _quantity(text: str) -> tuple[float, Callable[[float], str]] | None:
    """A quantity written with units as (its value inside, how to write a value back), or None."""
    if _NUMBER_TEXT.match(text):
        return None  # a bare number in a string: not a quantity the scenario reads with a unit
    for parse, write in ((parse_duration, duration_text), (parse_rate, rate_text),
                         (parse_effort_rate, effort_rate_text)):
        try:
            return parse(text), write
        except ValueError:
            continue
    return None


_LEADING_NUMBER = re.compile(r"^\s*([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)(.*)$", re.DOTALL)


def _number_text(x: float) -> str:
    """A number as the shortest text of up to ten significant figures ('13.5', '712')."""
    return f"{_plain(x):.10g}"


def _plain(x: float) -> float:
    return float(f"{x:.12g}")


def _scaled(value: Any, factor: float, side: float, rule: str) -> Any:
    """``value`` moved by ``factor`` (1 + vary * t): numbers, integers, quantities and distributions."""
    if isinstance(value, bool):
        raise TypeError("a boolean")
    if isinstance(value, int):
        out = int(round(value * factor))
        if out == value and side != 0 and abs(side) >= 1:  # at -vary/+vary an integer moves by at least 1
            out = value + (1 if side > 0 else -1)
        return out
    if isinstance(value, float):
        if rule == "complement":
            return _plain(1.0 - (1.0 - value) * (2.0 - factor))
        return _plain(value * factor)
    if isinstance(value, str):
        q = _quantity(value)
        if q is None:
            raise TypeError(f"{value!r}")
        match = _LEADING_NUMBER.match(value)
        if match is None:  # pragma: no cover - every quantity the parsers read starts with its number
            return q[1](_plain(q[0] * factor))
        return _number_text(float(match.group(1)) * factor) + match.group(2)
    if isinstance(value, dict) and "dist" in value:
        out = dict(value)
        for key in _DIST_SCALED:
            if key == "values" and isinstance(value.get(key), list):
                out[key] = [_scaled(v, factor, 0.0, "multiplicative") for v in value[key]]
            elif key in value:
                item = value[key]
                out[key] = _scaled(float(item) if isinstance(item, int) else item, factor, 0.0,
                                   "multiplicative")
        return out
    raise TypeError(f"{value!r}")


@dataclass(frozen=True)
class Parameter:
    """One varied parameter: its path, where the file writes it, how it is varied and its values at
    -vary, base and +vary (one entry per matched value when the path has a ``*``)."""

    path: str
    targets: tuple[tuple[str, ...], ...]
    base: tuple[Any, ...]
    rule: str  # "multiplicative" or "complement" (1 - p is varied)
    vary: float
    line: int | None = None

    def at(self, side: float) -> tuple[Any, ...]:
        """The values at ``side`` in [-1, 1] (-1: -vary, 0: base, +1: +vary)."""
        factor = 1.0 + self.vary * side
        return tuple(_scaled(v, factor, side, self.rule) for v in self.base)

    @property
    def low(self) -> tuple[Any, ...]:
        return self.at(-1.0)

    @property
    def high(self) -> tuple[Any, ...]:
        return self.at(1.0)

    def apply(self, data: dict, side: float) -> dict:
        """``data`` (not modified) with this parameter at ``side``."""
        out = copy.deepcopy(data)
        for target, value in zip(self.targets, self.at(side), strict=True):
            node = out
            for part in target[:-1]:
                node = node[part]
            node[target[-1]] = value
        return out

    def text(self, values: tuple[Any, ...]) -> str:
        return "; ".join(_short(v) for v in values)

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "line": self.line, "rule": self.rule, "base": self.text(self.base),
                "low": self.text(self.low), "high": self.text(self.high),
                "matches": [".".join(t) for t in self.targets]}


def _short(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_short(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_short(v) for v in value) + "]"
    return f"{value:g}" if isinstance(value, float) else str(value)


def _matches(data: Any, parts: list[str], prefix: tuple = ()) -> list[tuple[tuple, Any]]:
    """Every (concrete path, value) that a dotted path (``*``: every key at its level) names."""
    if not parts:
        return [(prefix, data)]
    if not isinstance(data, dict):
        return []
    head, rest = parts[0], parts[1:]
    keys = list(data) if head == "*" else ([head] if head in data else [])
    out = []
    for key in keys:
        out += _matches(data[key], rest, (*prefix, key))
    return out


def resolve_parameters(scenario: Scenario, paths: Sequence[str], vary: float,
                       source: Source | None = None) -> list[Parameter]:
    """The parameters for ``paths``, each checked before anything runs: the path names a value, the value
    is a number (or a quantity, or a distribution), and the scenario accepts it at -vary and +vary.
    Raises a located ``ScenarioError`` for the first that is not."""
    vary = fraction("vary", vary, "0.25")
    content = {k: v for k, v in scenario.content.items() if k != "sweep"}
    file = source.file if source is not None else scenario.origin
    seen: set[str] = set()
    out = []
    for path in paths:
        path = path.strip()
        if not path or path in seen:
            continue
        seen.add(path)
        parts = tuple(path.split("."))
        line = source.line_for(tuple(p for p in parts if p != "*")) if source is not None and \
            "*" not in parts else None

        def fail(message: str, line=line, path=path) -> ScenarioError:
            return ScenarioError(message, file=file, line=line, field=path)

        found = _matches(content, list(parts))
        if not found:
            raise fail("matches no value of the scenario (write the value in the file, or check the path)")
        for target, value in found:
            if not _numeric(value):
                where = "" if "*" not in parts else f"{'.'.join(target)} "
                raise fail(f"{where}is {_short(value)!r}, not a number, a quantity with units or "
                           "a distribution: it cannot be varied by a fraction")
        targets = tuple(tuple(t) for t, _ in found)
        base = tuple(v for _, v in found)
        param = _checked(Parameter(path, targets, base, "multiplicative", vary, line), content, fail)
        out.append(param)
    return out


def _checked(param: Parameter, content: dict, fail: Callable[[str], ScenarioError]) -> Parameter:
    """The parameter if the scenario accepts it at both ends; else through 1 - p for a share; else an
    error."""
    problem = _problem(param, content)
    if problem is None:
        return param
    if all(isinstance(v, float) and 0 < v <= 1 for v in param.base):
        alt = Parameter(param.path, param.targets, param.base, "complement", param.vary, param.line)
        if _problem(alt, content) is None:
            return alt
    raise fail(problem)


def _problem(param: Parameter, content: dict) -> str | None:
    if param.low == param.base and param.high == param.base:
        return f"±{param.vary:.0%} does not change {param.text(param.base)}"
    for side, name in ((-1.0, "-"), (1.0, "+")):
        try:
            load_scenario(param.apply(content, side), label="<variant>")
        except ScenarioError as err:
            return (f"at {name}{param.vary:.0%} ({param.text(param.at(side))}) the scenario refuses it: "
                    f"{err.message}")
    return None


# ------------------------------------------------------------------ Morris design (pure)


def morris_trajectories(k: int, r: int, levels: int, rng: np.random.Generator) -> list[np.ndarray]:
    """``r`` Morris (1991) trajectories in [0, 1]^k on a grid of ``levels`` levels, each k + 1 points that
    move one coordinate at a time by +-delta, delta = levels / (2 (levels - 1)) (random start, directions
    and order: B* = (J x* + delta/2 ((2B - J) D* + J)) P*)."""
    if levels < 2 or levels % 2:
        raise ValueError("Morris levels must be an even number of at least 2")
    delta = levels / (2 * (levels - 1))
    grid = np.arange(levels) / (levels - 1)
    starts = grid[grid <= 1 - delta + 1e-12]
    lower = np.tril(np.ones((k + 1, k)), -1)
    ones = np.ones((k + 1, k))
    out = []
    for _ in range(r):
        x_star = rng.choice(starts, size=k)
        d_star = np.diag(rng.choice([-1.0, 1.0], size=k))
        perm = np.eye(k)[rng.permutation(k)]
        b = (ones * x_star + delta / 2 * ((2 * lower - ones) @ d_star + ones)) @ perm
        out.append(np.round(b, 12))
    return out


def elementary_effects(trajectories: Sequence[np.ndarray], outputs: Sequence[Sequence[float]]
                       ) -> dict[str, np.ndarray]:
    """mu* (mean |EE|), mu (mean EE) and sigma (sd of EE) per input from trajectories and the outputs at
    their points; an elementary effect is the output's change per unit of the moved input (the whole
    range -vary..+vary is one unit). Undefined outputs (NaN) drop the effect they enter."""
    k = trajectories[0].shape[1]
    effects: list[list[float]] = [[] for _ in range(k)]
    for points, ys in zip(trajectories, outputs, strict=True):
        for step in range(k):
            moved = points[step + 1] - points[step]
            i = int(np.argmax(np.abs(moved)))
            effect = (ys[step + 1] - ys[step]) / moved[i]
            if not math.isnan(effect):
                effects[i].append(effect)
    arrays = [np.array(e) for e in effects]
    return {
        "mu_star": np.array([np.abs(e).mean() if len(e) else np.nan for e in arrays]),
        "mu": np.array([e.mean() if len(e) else np.nan for e in arrays]),
        "sigma": np.array([e.std(ddof=1) if len(e) > 1 else np.nan for e in arrays]),
        "n": np.array([len(e) for e in arrays]),
    }


# ------------------------------------------------------------------ results


@dataclass
class Variant:
    """One run: the side of each parameter (0 = base) and, per design and metric, each replication's
    value."""

    sides: tuple[float, ...]
    values: dict[str, dict[str, list[float]]]


@dataclass
class SensitivityResult:
    """The OAT (and Morris) runs of a scenario's parameters and what they say about the comparison."""

    scenario: Scenario
    parameters: list[Parameter]
    metrics: list[str]
    designs: list[str]
    baseline: str
    vary: float
    seed: int
    replications: int
    base: Variant
    low: list[Variant]
    high: list[Variant]
    morris: dict[str, Any] | None = None
    common_random_numbers: bool = True
    wall_seconds: float = 0.0
    workers: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def others(self) -> list[str]:
        return [d for d in self.designs if d != self.baseline]

    def quantities(self) -> list[str]:
        """What each metric is reported for: each design, then each design minus the baseline."""
        return [*self.designs, *(difference_name(d, self.baseline) for d in self.others)]

    def series(self, variant: Variant, metric: str, quantity: str) -> list[float]:
        """One quantity's per-replication values in a variant (a difference replication by replication)."""
        if quantity in variant.values:
            return variant.values[quantity][metric]
        other = quantity.split(" - ")[0]
        return [a - b for a, b in zip(variant.values[other][metric], variant.values[self.baseline][metric],
                                      strict=True)]

    def estimate(self, variant: Variant, metric: str, quantity: str) -> Estimate:
        return mean_ci(self.series(variant, metric, quantity))

    def change(self, variant: Variant, metric: str, quantity: str) -> Difference:
        """A variant's change from the base, paired replication by replication (common random numbers)."""
        return paired_difference(self.series(variant, metric, quantity),
                                 self.series(self.base, metric, quantity))

    def ranking(self, variant: Variant, metric: str) -> list[str]:
        """The designs from lowest to highest mean of ``metric`` (undefined means last)."""
        means = {d: mean_ci(variant.values[d][metric]).mean for d in self.designs}
        return sorted(self.designs, key=lambda d: (means[d] is None, means[d] if means[d] is not None else 0))

    def ordering_holds(self, k: int, metric: str) -> tuple[bool, bool]:
        """Whether the designs' order on ``metric`` holds at -vary and at +vary of parameter k: no pair of
        designs that differ at base is the other way round (a tie at either end is not a reversal)."""
        return (self._same_order(self.low[k], metric), self._same_order(self.high[k], metric))

    def _same_order(self, variant: Variant, metric: str) -> bool:
        def means(v: Variant) -> dict[str, float | None]:
            return {d: mean_ci(v.values[d][metric]).mean for d in self.designs}

        base, other = means(self.base), means(variant)
        for i, a in enumerate(self.designs):
            for b in self.designs[i + 1:]:
                if None in (base[a], base[b], other[a], other[b]):
                    continue
                if (base[a] - base[b]) * (other[a] - other[b]) < 0:
                    return False
        return True

    def rows(self) -> list[dict[str, Any]]:
        """A row per parameter x metric x quantity: its values at -vary, base and +vary, the paired changes
        with 95% CIs, the swing, the ratio to base and whether the designs' ordering holds."""
        out = []
        for k, p in enumerate(self.parameters):
            for metric in self.metrics:
                holds = self.ordering_holds(k, metric)
                for q in self.quantities():
                    base = self.estimate(self.base, metric, q).mean
                    lo, hi = self.change(self.low[k], metric, q), self.change(self.high[k], metric, q)
                    at_lo = self.estimate(self.low[k], metric, q).mean
                    at_hi = self.estimate(self.high[k], metric, q).mean
                    out.append({
                        "parameter": p.path, "rule": p.rule, "value_low": p.text(p.low),
                        "value_base": p.text(p.base), "value_high": p.text(p.high), "metric": metric,
                        "quantity": q, "base": base, "at_low": at_lo, "at_high": at_hi,
                        "change_low": lo.mean, "change_low_ci95_low": lo.low, "change_low_ci95_high": lo.high,
                        "change_high": hi.mean, "change_high_ci95_low": hi.low,
                        "change_high_ci95_high": hi.high,
                        "swing": None if lo.mean is None or hi.mean is None else abs(hi.mean - lo.mean),
                        "ratio_low": _ratio(at_lo, base), "ratio_high": _ratio(at_hi, base),
                        "ordering_holds_low": holds[0], "ordering_holds_high": holds[1],
                    })
        return out

    def ordering(self) -> list[dict[str, Any]]:
        """Per parameter and metric: whether the designs' order holds at -vary and at +vary."""
        return [{"parameter": p.path, "metric": m, "low": h[0], "high": h[1]}
                for k, p in enumerate(self.parameters) for m in self.metrics
                for h in [self.ordering_holds(k, m)]]

    def robust(self, metric: str) -> bool:
        """Whether the ordering on ``metric`` holds at both ends of every parameter."""
        return all(all(self.ordering_holds(k, metric)) for k in range(len(self.parameters)))

    def to_json(self) -> dict[str, Any]:
        """The ``sensitivity.json`` layout: provenance, the parameters, the base values, every row, the
        ordering verdicts and the Morris screening (null unless run)."""
        base = {m: {q: self.estimate(self.base, m, q).to_json() for q in self.quantities()}
                for m in self.metrics}
        return json_safe({
            "scenario": self.scenario.name, "scenario_hash": self.scenario.content_hash,
            "scenario_file": self.scenario.origin, "seed": self.seed, "replications": self.replications,
            "cxsim_version": __version__, "vary": self.vary,
            "common_random_numbers": self.common_random_numbers,
            "baseline": self.baseline, "designs": self.designs, "metrics": self.metrics,
            "run": {"workers": self.workers, "wall_seconds": round(self.wall_seconds, 3)},
            "parameters": [p.to_json() for p in self.parameters],
            "base": base, "rows": self.rows(), "ordering": self.ordering(),
            "robust": {m: self.robust(m) for m in self.metrics},
            "morris": self.morris,
        })


def difference_name(design: str, baseline: str) -> str:
    return f"{design} - {baseline}"


def _ratio(value: float | None, base: float | None) -> float | None:
    if value is None or base is None or base == 0:
        return None
    return value / base


# ------------------------------------------------------------------ running


def _source_of(scenario: str | Path | dict | Scenario) -> Source | None:
    """The file a scenario was read from (for its marks and lines): a path, or a ``Scenario`` whose origin
    is a file that still says the same thing; None for a dict or a changed scenario."""
    if isinstance(scenario, (str, Path)):
        return load_source(scenario)
    if isinstance(scenario, Scenario) and Path(scenario.origin).is_file():
        try:
            source = load_source(scenario.origin)
            same = Scenario.from_source(source).content_hash == scenario.content_hash
        except ScenarioError:
            return None
        return source if same else None
    return None


def run_sensitivity(scenario: str | Path | dict | Scenario, *, parameters: Sequence[str] | None = None,
                    vary: float = DEFAULT_VARY, metrics: Sequence[str] | None = None, morris: bool = False,
                    trajectories: int = MORRIS_TRAJECTORIES, levels: int = MORRIS_LEVELS,
                    replications: int | None = None, seed: int | None = None, horizon: str | None = None,
                    workers: int | None = 1, scheduler: str | None = None,
                    common_random_numbers: bool = True,
                    progress: Callable[[int, int], None] | None = None,
                    allow_large: bool = False) -> SensitivityResult:
    """Vary each parameter to -vary and +vary of its value, one at a time, and run every variant with the
    same seed (common random numbers); with ``morris``, also ``trajectories`` Morris trajectories on
    ``levels`` levels over the same range.

    ``parameters``: dotted paths (``*`` for every key at a level); default every value the file marks
    ``# [assumption]``. ``metrics``: default ``headline_metrics()``. ``common_random_numbers=False`` gives
    each variant its own seed (only to measure what common random numbers save). A variant above
    cxsim.run_size's limits raises ``ScenarioError`` naming the limit, unless ``allow_large``.
    """
    from cxsim.executors import get_executor
    from cxsim.runner import check_runs_on, run

    with large_files(allow_large):
        source = _source_of(scenario)
        base_scenario = load_scenario(scenario) if source is None else Scenario.from_source(source)
    if parameters is None:
        parameters = assumption_paths(source) if source is not None else []
        if not parameters:
            raise ScenarioError(f"no value is marked '# {ASSUMPTION_TAG}' on its line; pass the parameters "
                                "to vary (--params p1,p2,...)", file=base_scenario.origin)
    else:
        parameters = name_list("parameters", parameters, "path")
    vary = fraction("vary", vary, "0.25")
    metrics = list(headline_metrics() if metrics is None else name_list("metrics", metrics, "metric",
                                                                         METRICS))
    if morris:
        trajectories = whole_number("trajectories", trajectories, 1)
        levels = whole_number("levels", levels, 2)
        if levels % 2:
            raise ValueError(f"levels must be an even number of at least 2, e.g. 4 (got {levels})")
    seed = base_scenario.seed if seed is None else whole_number("seed", seed, 0)
    reps = (base_scenario.replications if replications is None
            else whole_number("replications", replications, 1))
    check_runs_on(workers, progress=progress)
    params = resolve_parameters(base_scenario, parameters, vary, source)
    designs = list(base_scenario.designs)
    baseline = base_scenario.baseline if base_scenario.baseline in designs else designs[0]
    content = {k: v for k, v in base_scenario.content.items() if k != "sweep"}
    k = len(params)

    plan: list[tuple[float, ...]] = [(0.0,) * k]
    for i in range(k):
        for side in (-1.0, 1.0):
            plan.append(tuple(side if j == i else 0.0 for j in range(k)))
    morris_design = []
    if morris:
        rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(0x4D4F52,)))
        morris_design = morris_trajectories(k, trajectories, levels, rng)
        for points in morris_design:
            plan += [tuple(float(2 * x - 1) for x in row) for row in points]
    unique = list(dict.fromkeys(plan))

    started = time.perf_counter()
    total, done = len(unique) * reps * len(designs), 0
    runs: dict[tuple[float, ...], Variant] = {}
    with get_executor(workers, scheduler) as (executor, label):
        for n, sides in enumerate(unique):
            data = content
            for p, side in zip(params, sides, strict=True):
                if side:
                    data = p.apply(data, side)
            name = ", ".join(f"{p.path}={p.text(p.at(s))}" for p, s in zip(params, sides, strict=True) if s)
            variant = load_scenario(data, label=f"{base_scenario.origin} [{name or 'base'}]")
            result = run(variant, replications=reps, seed=seed if common_random_numbers else seed + 7919 * n,
                         horizon=horizon, cases="none", executor=executor, allow_large=allow_large,
                         progress=(lambda d, _t, base_done=done: progress(base_done + d, total))
                         if progress else None)
            runs[sides] = Variant(sides, _per_replication(result, designs, metrics))
            done += reps * len(designs)
    res = SensitivityResult(
        scenario=base_scenario, parameters=params, metrics=metrics, designs=designs, baseline=baseline,
        vary=vary, seed=seed, replications=reps, base=runs[plan[0]],
        low=[runs[plan[1 + 2 * i]] for i in range(k)], high=[runs[plan[2 + 2 * i]] for i in range(k)],
        common_random_numbers=common_random_numbers, workers=label)
    if morris:
        res.morris = _morris_summary(res, morris_design, runs, trajectories, levels)
    res.wall_seconds = time.perf_counter() - started
    return res


def _per_replication(result, designs: list[str], metrics: list[str]) -> dict[str, dict[str, list[float]]]:
    from cxsim.metrics import replication_metrics

    out: dict[str, dict[str, list[float]]] = {}
    for design in designs:
        per_rep = [replication_metrics(o) for o in result.outputs_for(design)]
        out[design] = {m: [float(r[m]) if r[m] is not None else math.nan for r in per_rep] for m in metrics}
    return out


def _morris_summary(res: SensitivityResult, design: list[np.ndarray], runs: dict, trajectories: int,
                    levels: int) -> dict[str, Any]:
    """mu*, mu and sigma of each parameter's elementary effects, per metric and quantity (the mean over
    replications at each point), with parameters ranked by mu*."""
    table: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for metric in res.metrics:
        table[metric] = {}
        for q in res.quantities():
            outputs = []
            for points in design:
                ys = []
                for row in points:
                    variant = runs[tuple(float(2 * x - 1) for x in row)]
                    mean = res.estimate(variant, metric, q).mean
                    ys.append(math.nan if mean is None else mean)
                outputs.append(ys)
            ee = elementary_effects(design, outputs)
            order = np.argsort(-np.nan_to_num(ee["mu_star"], nan=-1.0), kind="stable")
            rank = {int(i): r + 1 for r, i in enumerate(order)}
            table[metric][q] = [{"parameter": p.path, "mu_star": float(ee["mu_star"][i]),
                                 "mu": float(ee["mu"][i]), "sigma": float(ee["sigma"][i]),
                                 "effects": int(ee["n"][i]), "rank": rank[i]}
                                for i, p in enumerate(res.parameters)]
    return {"trajectories": trajectories, "levels": levels, "delta": levels / (2 * (levels - 1)),
            "unit": "change of the metric across the whole range -vary..+vary", "effects": table}


__all__ = [
    "ASSUMPTION_TAG", "Parameter", "SensitivityResult", "Variant", "assumption_paths", "elementary_effects",
    "headline_metrics", "morris_trajectories", "resolve_parameters", "run_sensitivity",
]
