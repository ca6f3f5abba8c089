"""The summary of a run as typed, immutable values, and its JSON form (``summary.json``).

A ``Summary`` carries its provenance (scenario, content hash, seed, replications, version, horizon...) and,
per design, every metric of the catalogue as an ``Estimate``, the paired ``Difference`` from the baseline,
the metrics per case type, each team's utilisation and the accounting of every case. ``to_json`` gives
the layout of ``summary.json`` (keys in a fixed order, NaN as null) and ``from_json`` reads it back, so a
saved folder and a live run are read through the same objects.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import Any, TypeVar

from cxsim.estimates import Difference, Estimate
from cxsim.stability import Warning

K = TypeVar("K")
V = TypeVar("V")


class Frozen(Mapping[K, V]):
    """A read-only mapping that keeps its order (and, unlike ``MappingProxyType``, pickles)."""

    __slots__ = ("_data",)

    def __init__(self, data: Mapping[K, V] | None = None) -> None:
        self._data: dict[K, V] = dict(data or {})

    def __getitem__(self, key: K) -> V:
        return self._data[key]

    def __iter__(self) -> Iterator[K]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __repr__(self) -> str:
        return repr(self._data)


@dataclass(frozen=True)
class Accounting:
    """Where the counted cases of a design ended, summed over replications: resolved + abandoned + open =
    counted; ``simulated`` also counts the cases opened during the warm-up."""

    resolved: int
    abandoned: int
    open: int
    counted: int
    simulated: int

    def to_json(self) -> dict[str, int]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Accounting:
        return cls(**{f.name: data[f.name] for f in fields(cls)})


@dataclass(frozen=True)
class RunInfo:
    """How a run was obtained (machine-dependent, so left out when comparing results)."""

    workers: str
    wall_seconds: float

    def to_json(self) -> dict[str, Any]:
        return {"workers": self.workers, "wall_seconds": self.wall_seconds}


@dataclass(frozen=True)
class DesignSummary:
    """One design's results: metrics in catalogue order, the paired difference from the baseline (None for
    the baseline itself), metrics per case type, utilisation per team and the accounting of its cases."""

    name: str
    metrics: Mapping[str, Estimate]
    vs_baseline: Mapping[str, Difference] | None
    case_types: Mapping[str, Mapping[str, Estimate]]
    team_utilization: Mapping[str, Estimate]
    accounting: Accounting
    # Operations per team (queue waits, measured offered load, failure-demand share), the offered load
    # planned from the scenario before the run, and the stability checks (backlog trend, MSER-5 warm-up).
    team_service: Mapping[str, Mapping[str, Estimate]] = field(default_factory=dict)
    planned_load: Mapping[str, float] = field(default_factory=dict)
    stability: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        freeze = object.__setattr__  # a frozen dataclass: its mappings are made read-only once, here
        freeze(self, "team_service", Frozen({t: Frozen(m) for t, m in self.team_service.items()}))
        freeze(self, "planned_load", Frozen(self.planned_load))
        freeze(self, "stability", _frozen(self.stability))
        freeze(self, "metrics", Frozen(self.metrics))
        if self.vs_baseline is not None:
            freeze(self, "vs_baseline", Frozen(self.vs_baseline))
        freeze(self, "case_types", Frozen({t: Frozen(m) for t, m in self.case_types.items()}))
        freeze(self, "team_utilization", Frozen(self.team_utilization))


@dataclass(frozen=True)
class Summary:
    """What a run found, with where it came from; ``to_json()`` is ``summary.json``."""

    scenario: str
    scenario_hash: str | None
    scenario_file: str | None
    seed: int
    replications: int
    cxsim_version: str
    horizon_hours: float | None
    warmup_hours: float | None
    cases_output: str | None
    baseline: str
    run: RunInfo
    precision: Mapping[str, Any] | None  # the --precision stopping rule's outcome, as the runner gave it
    designs: Mapping[str, DesignSummary]
    scenario_content: Mapping[str, Any] | None  # the scenario as run (its serialised form)
    warnings: tuple[Warning, ...] = ()  # what the reader must know (overload, growing backlog, warm-up)

    def __post_init__(self) -> None:
        object.__setattr__(self, "designs", Frozen(self.designs))
        object.__setattr__(self, "warnings", tuple(self.warnings))
        if self.precision is not None:
            object.__setattr__(self, "precision", _frozen(self.precision))

    def metric(self, design: str, name: str) -> float | None:
        """The mean of one metric for one design."""
        return self.designs[design].metrics[name].mean

    def to_json(self) -> dict[str, Any]:
        """The ``summary.json`` layout, ready for ``json.dumps`` (NaN and infinities as null)."""
        designs = self.designs.values()
        blocks: dict[str, Any] = {}
        for d in designs:
            block: dict[str, Any] = {m: e.to_json() for m, e in d.metrics.items()}
            if d.vs_baseline is not None:
                block["vs_baseline"] = {m: e.to_json() for m, e in d.vs_baseline.items()}
            blocks[d.name] = block
        return json_safe({
            "scenario": self.scenario,
            "scenario_hash": self.scenario_hash,
            "scenario_file": self.scenario_file,
            "seed": self.seed,
            "replications": self.replications,
            "cxsim_version": self.cxsim_version,
            "horizon_hours": self.horizon_hours,
            "warmup_hours": self.warmup_hours,
            "cases_output": self.cases_output,
            "baseline": self.baseline,
            "run": self.run.to_json(),
            "precision": self.precision,
            "designs": blocks,
            "case_types": {d.name: {t: {m: e.to_json() for m, e in metrics.items()}
                                    for t, metrics in d.case_types.items()} for d in designs},
            "teams": {d.name: {t: {"utilization": e.to_json(), **_team_extras(d, t)}
                               for t, e in d.team_utilization.items()} for d in designs},
            "accounting": {d.name: d.accounting.to_json() for d in designs},
            "warnings": [w.to_json() for w in self.warnings],
            "stability": {d.name: d.stability for d in designs},
            "scenario_content": self.scenario_content,
        })

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Summary:
        """A summary read back from ``summary.json`` (KeyError or TypeError when it is not one)."""
        designs = {}
        for name, block in data["designs"].items():
            vs = block.get("vs_baseline")
            designs[name] = DesignSummary(
                name=name,
                metrics={m: Estimate.from_json(v) for m, v in block.items() if m != "vs_baseline"},
                vs_baseline=None if vs is None else {m: Difference.from_json(v) for m, v in vs.items()},
                case_types={t: {m: Estimate.from_json(v) for m, v in metrics.items()}
                            for t, metrics in data["case_types"][name].items()},
                team_utilization={t: Estimate.from_json(v["utilization"])
                                  for t, v in data["teams"][name].items()},
                accounting=Accounting.from_json(data["accounting"][name]),
                team_service={t: {k: Estimate.from_json(e) for k, e in v.items() if k in TEAM_SERVICE}
                              for t, v in data["teams"][name].items()},
                planned_load={t: v["offered_load_planned"] for t, v in data["teams"][name].items()
                              if "offered_load_planned" in v},
                stability=(data.get("stability") or {}).get(name) or {},
            )
        run = data.get("run") or {}
        return cls(
            scenario=data["scenario"], scenario_hash=data.get("scenario_hash"),
            scenario_file=data.get("scenario_file"), seed=data["seed"], replications=data["replications"],
            cxsim_version=data["cxsim_version"], horizon_hours=data.get("horizon_hours"),
            warmup_hours=data.get("warmup_hours"), cases_output=data.get("cases_output"),
            baseline=data["baseline"],
            run=RunInfo(workers=run.get("workers", ""), wall_seconds=run.get("wall_seconds", 0.0)),
            precision=data.get("precision"), designs=designs, scenario_content=data.get("scenario_content"),
            warnings=tuple(Warning.from_json(w) for w in data.get("warnings") or ()),
        )


#: Per-team operations numbers in summary.json's ``teams`` block, besides ``utilization``.
TEAM_SERVICE = ("offered_load", "failure_share", "wait_hours_mean", "wait_hours_p90")


def _team_extras(design: DesignSummary, team: str) -> dict[str, Any]:
    extras: dict[str, Any] = {}
    if team in design.planned_load:
        extras["offered_load_planned"] = design.planned_load[team]
    extras.update({k: e.to_json() for k, e in design.team_service.get(team, {}).items()})
    return extras


def _frozen(obj: Any) -> Any:
    return Frozen({k: _frozen(v) for k, v in obj.items()}) if isinstance(obj, Mapping) else obj


def json_safe(obj: Any) -> Any:
    """Plain JSON data: mappings become dicts, tuples lists, and undefined floats (NaN, inf) null."""
    if isinstance(obj, Mapping):
        return {k: json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [json_safe(v) for v in obj]
    if isinstance(obj, float) and (math.isnan(obj) or math.isinf(obj)):
        return None
    return obj
