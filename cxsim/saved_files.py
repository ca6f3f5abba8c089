"""The shape of a run's saved files (summary.json, details.json), checked before they are read back.

A results folder is a record a leader compares against, and people edit records by hand. Each file is
validated against the layout cxsim writes (types, finite numbers, every metric of the catalogue, designs
that agree across blocks, accounting that adds up, a version this cxsim can read) so a damaged or
hand-edited file is refused with one line naming the file, line and field, never a traceback half-way
through drawing the charts, nor a report of numbers no run could give.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    create_model,
    model_validator,
)

from cxsim.catalogue import METRICS
from cxsim.errors import ResultsFolderError, ScenarioError
from cxsim.scenario import Problem
from cxsim.version import __version__
from cxsim.yaml_source import (
    Source,
    file_size_limit,
    source_from_dict,
    source_from_text,
    validation_error_to_scenario_error,
)

#: Larger than any number a run gives (money, counts, hours): past it, arithmetic on the value (a chart's
#: axis, a ratio) overflows to infinity, so a hand-edited 1e308 is refused rather than drawn.
LARGEST = 1e100


def _within_reach(value: float) -> float:
    if abs(value) > LARGEST:
        raise ValueError(f"beyond any number a run gives (got {value:g}; at most {LARGEST:g} in size)")
    return value


# JSON null is an undefined value, never NaN
Number = Annotated[float, Field(allow_inf_nan=False), AfterValidator(_within_reach)]
Count = Annotated[int, Field(ge=0), AfterValidator(_within_reach)]
#: What to do about a file that is not as cxsim wrote it (it is a record: mending it by hand is no fix).
ADVICE = "this file is not as cxsim wrote it; run the scenario again to rebuild the folder"


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class EstimateFile(_File):
    mean: Number | None
    ci95: tuple[Number | None, Number | None]
    note: Literal[">horizon"] | None = None

    @model_validator(mode="after")
    def _interval_around_the_mean(self) -> EstimateFile:
        low, high = self.ci95
        if self.mean is not None and low is not None and high is not None and not low <= self.mean <= high:
            raise Problem(("ci95",), f"a 95% interval holds its mean: [{low:g}, {high:g}] does not hold "
                          f"{self.mean:g}")
        return self


class DifferenceFile(EstimateFile):
    significant: bool


_ALL = list(METRICS)  # every metric cxsim writes must be there, for each design and difference
_Differences = create_model("Differences", __base__=_File,
                            **{m: (DifferenceFile, ...) for m in _ALL})  # type: ignore[call-overload]
_DesignMetrics = create_model("DesignMetrics", __base__=_File,
                              vs_baseline=(_Differences | None, None),
                              **{m: (EstimateFile, ...) for m in _ALL})  # type: ignore[call-overload]
_CaseTypeMetrics = create_model("CaseTypeMetrics", __base__=_File,
                                **{m.name: (EstimateFile, ...) for m in METRICS.values()
                                   if m.per_case_type})  # type: ignore[call-overload]


class TeamFile(_File):
    utilization: EstimateFile
    offered_load_planned: Annotated[Number, Field(ge=0)] | None = None
    offered_load: EstimateFile | None = None
    failure_share: EstimateFile | None = None
    wait_hours_mean: EstimateFile | None = None
    wait_hours_p90: EstimateFile | None = None


class AccountingFile(_File):
    resolved: Count
    abandoned: Count
    open: Count
    counted: Count
    simulated: Count

    @model_validator(mode="after")
    def _adds_up(self) -> AccountingFile:
        if self.resolved + self.abandoned + self.open != self.counted:
            raise Problem(("counted",), f"resolved + abandoned + open = "
                          f"{self.resolved + self.abandoned + self.open:,}, not {self.counted:,}")
        if self.counted > self.simulated:
            raise Problem(("simulated",), f"fewer than the {self.counted:,} counted cases")
        return self


class WarningFile(_File):
    code: str
    design: str
    team: str | None = None
    value: Number | None = None
    message: str


class RunFile(_File):
    workers: str
    wall_seconds: Annotated[Number, Field(ge=0)]


#: More replications than any run makes (the run-size limit is 10,000 per design; --allow-large lifts it).
MOST_REPLICATIONS = 10**9


class SummaryFile(_File):
    """summary.json as ``Summary.to_json`` writes it."""

    scenario: str
    scenario_hash: str | None
    scenario_file: str | None
    seed: Count
    replications: Annotated[int, Field(ge=1, le=MOST_REPLICATIONS)]
    cxsim_version: str
    horizon_hours: Annotated[Number, Field(gt=0)] | None
    warmup_hours: Annotated[Number, Field(ge=0)] | None
    cases_output: Literal["all", "sample", "none"] | None
    baseline: str
    run: RunFile
    precision: dict[str, Any] | None
    designs: Annotated[dict[str, _DesignMetrics], Field(min_length=1)]  # type: ignore[valid-type]
    case_types: dict[str, dict[str, _CaseTypeMetrics]]  # type: ignore[valid-type]
    teams: dict[str, dict[str, TeamFile]]
    accounting: dict[str, AccountingFile]
    warnings: list[WarningFile]
    stability: dict[str, dict[str, Any]]
    scenario_content: dict[str, Any] | None

    @model_validator(mode="after")
    def _consistent(self) -> SummaryFile:
        _readable_version(self.cxsim_version)
        if (self.warmup_hours is not None and self.horizon_hours is not None
                and self.warmup_hours >= self.horizon_hours):
            raise Problem(("warmup_hours",), f"a warm-up of {self.warmup_hours:g} h leaves nothing of the "
                          f"{self.horizon_hours:g}-hour horizon to measure")
        designs = list(self.designs)
        if self.baseline not in self.designs:
            raise Problem(("baseline",), f"names no design of the run (designs: {', '.join(designs)})")
        for block in ("case_types", "teams", "accounting", "stability"):
            for name in designs:
                if name not in getattr(self, block):
                    raise Problem((block,), f"has no entry for design '{name}'")
            for name in getattr(self, block):
                if name not in self.designs:
                    raise Problem((block, name), "is not a design of the run (not in designs)")
        self._same_case_types()
        for name, block in self.designs.items():
            counted, cases = self.accounting[name].counted, block.cases.mean
            if cases is not None and abs(cases * self.replications - counted) > 0.5 + 1e-9 * counted:
                raise Problem(("designs", name, "cases", "mean"), f"{cases:g} cases a replication over "
                              f"{self.replications:,} replications are not the {counted:,} counted in "
                              "accounting")
            if name == self.baseline and block.vs_baseline is not None:
                raise Problem(("designs", name, "vs_baseline"), "the baseline is not compared with itself")
            if name != self.baseline and block.vs_baseline is None:
                raise Problem(("designs", name), "missing required key 'vs_baseline'")
            _plausible(block, ("designs", name))
            for case_type, metrics in self.case_types[name].items():
                _plausible(metrics, ("case_types", name, case_type))
        return self


    def _same_case_types(self) -> None:
        """Every design reports the same case types, those of the scenario that ran."""
        content = self.scenario_content or {}
        expected = list(content["case_types"]) if isinstance(content.get("case_types"), dict) else None
        for name, types in self.case_types.items():
            expected = list(types) if expected is None else expected
            if sorted(types) != sorted(expected):
                extra, missing = sorted(set(types) - set(expected)), sorted(set(expected) - set(types))
                what = f"{extra[0]!r} is not one" if extra else f"{missing[0]!r} is missing"
                raise Problem(("case_types", name, *extra[:1]), f"{what} of the scenario's case types "
                              f"({', '.join(expected)})")


def _plausible(metrics: BaseModel, path: tuple) -> None:
    """Means a run can give: no negative count, time or money, no share above 100% (nor below 0)."""
    for name in type(metrics).model_fields:
        metric = METRICS.get(name)
        estimate = getattr(metrics, name)
        if metric is None or estimate is None or estimate.mean is None:
            continue
        if estimate.mean < 0:
            raise Problem(path + (name, "mean"), f"cannot be negative (got {estimate.mean:g})")
        # utilisation can pass 100% by a hair when sessions run past the end of a shift
        if metric.is_share and "utilization" not in name and estimate.mean > 1:
            raise Problem(path + (name, "mean"), f"a share is at most 1, i.e. 100% (got {estimate.mean:g})")


_VERSION = re.compile(r"^(\d+)\.(\d+)\.(\d+)")


def _readable_version(recorded: str) -> None:
    if _VERSION.match(recorded) is None:
        raise Problem(("cxsim_version",), f"not a cxsim version (got {recorded!r})")


def _later(recorded: str) -> bool:
    """Whether a summary was written by a later cxsim than this one (whose layout may differ)."""
    found, ours = _VERSION.match(recorded), _VERSION.match(__version__)
    return bool(found and ours) and tuple(map(int, found.groups())) > tuple(map(int, ours.groups()))


# --------------------------------------------------------------------------------------- details.json


class BacklogDay(_File):
    day: Count
    open: EstimateFile


class Flow(_File):
    from_: str = Field(alias="from")
    to: str
    mean: Annotated[Number, Field(ge=0)]


class TimelinePoint(_File):
    hours: Annotated[Number, Field(ge=0)]
    customers: EstimateFile
    lost_revenue: EstimateFile


class Curves(_File):
    cases: Count
    km_median_days: Annotated[Number, Field(ge=0)] | None
    resolved: list[Number]
    abandoned: list[Number]
    open: list[Number]


class Incidence(_File):
    days: list[Annotated[Number, Field(ge=0)]]
    all: Curves
    case_types: dict[str, Curves]

    @model_validator(mode="after")
    def _same_days(self) -> Incidence:
        every = {("all",): self.all, **{("case_types", t): c for t, c in self.case_types.items()}}
        for where, curves in every.items():
            for kind in ("resolved", "abandoned", "open"):
                if len(getattr(curves, kind)) != len(self.days):
                    raise Problem((*where, kind), f"{len(getattr(curves, kind))} values for "
                                  f"{len(self.days)} days")
        return self


class Visit(_File):
    ticket: Annotated[int, Field(ge=1)]
    team: str
    queued_at: Number
    started_at: Number
    ended_at: Number
    work_hours: Number
    outcome: str
    customer_present: Number


class Journey(_File):
    model_config = ConfigDict(extra="allow", strict=True, frozen=True)  # the case's other facts, as kept

    case_type: str
    status: str
    opened_at_hours: Number
    ended_at_hours: Number | None
    effort_hours: Annotated[Number, Field(ge=0)]
    tickets: Count
    transfers: Count
    reopens: Count
    visits: list[Visit]


class DesignDetails(_File):
    worst_journey: Journey | None
    backlog: list[BacklogDay]
    flows: list[Flow]
    timeline: list[TimelinePoint]
    incidence: Incidence | dict[str, Any]

    @model_validator(mode="after")
    def _incidence(self) -> DesignDetails:
        if isinstance(self.incidence, dict) and self.incidence:  # {} when no case was counted
            raise Problem(("incidence",), "must hold days, all and case_types, or be {} (no counted case)")
        return self


# --------------------------------------------------------------------------------------- sweep.json


class SweepPointFile(_File):
    values: dict[str, Any]
    error: str | None
    designs: dict[str, _DesignMetrics] | None  # type: ignore[valid-type]

    @model_validator(mode="after")
    def _results_or_error(self) -> SweepPointFile:
        if (self.error is None) == (self.designs is None):
            raise Problem((), "holds both results and an error" if self.error is not None else
                          "holds neither results (designs) nor an error")
        return self


class SweepFile(_File):
    """sweep.json as ``SweepResult.to_json`` writes it."""

    scenario: str
    scenario_hash: str | None
    scenario_file: str | None
    seed: Count
    replications: Annotated[int, Field(ge=1)]
    cxsim_version: str
    parameters: Annotated[list[str], Field(min_length=1, max_length=2)]
    metrics: Annotated[list[str], Field(min_length=1)]
    grid: list[tuple[str, list[Any]]]
    horizon: str | Number | None
    run: RunFile
    points: Annotated[list[SweepPointFile], Field(min_length=1)]
    scenario_content: dict[str, Any]

    @model_validator(mode="after")
    def _consistent(self) -> SweepFile:
        _readable_version(self.cxsim_version)
        for i, name in enumerate(self.metrics):
            if name not in METRICS:
                raise Problem(("metrics", i), f"unknown metric {name!r}")
        if [path for path, _ in self.grid] != self.parameters:
            raise Problem(("grid",), f"must vary the parameters {self.parameters}, as 'parameters' says")
        grid = dict(self.grid)
        for i, point in enumerate(self.points):
            if sorted(point.values) != sorted(self.parameters):
                raise Problem(("points", i, "values"), f"must give a value for each of {self.parameters} "
                              f"(got {sorted(point.values)})")
            for path, value in point.values.items():
                if value not in grid[path]:
                    raise Problem(("points", i, "values", path), f"{value!r} is not one of the values the "
                                  f"sweep varies it over (grid: {grid[path]})")
        return self


class SweepInputs(BaseModel):
    """What a re-run of a recorded sweep reads from its sweep.json (its points' results may be damaged: the
    re-run then says they differ)."""

    model_config = ConfigDict(extra="ignore", strict=True, frozen=True)

    seed: Count
    replications: Annotated[int, Field(ge=1, le=MOST_REPLICATIONS)]
    horizon: str | Number | None = None
    grid: Annotated[list[tuple[str, Annotated[list[Any], Field(min_length=1)]]],
                    Field(min_length=1, max_length=2)]
    metrics: Annotated[list[str], Field(min_length=1)]
    scenario_content: dict[str, Any]


# ------------------------------------------------------------------ an interrupted sweep's points/


class PlanFile(_File):
    """points/plan.json as ``sweep_plan`` writes it."""

    scenario: str
    scenario_hash: str
    scenario_file: str | None
    cxsim_version: str
    grid: Annotated[list[tuple[str, Annotated[list[Any], Field(min_length=1)]]],
                    Field(min_length=1, max_length=2)]
    metrics: Annotated[list[str], Field(min_length=1)]
    replications: Annotated[int, Field(ge=1, le=MOST_REPLICATIONS)]
    seed: Count
    horizon: str | Number | None
    scenario_content: dict[str, Any]

    @model_validator(mode="after")
    def _known_metrics(self) -> PlanFile:
        _readable_version(self.cxsim_version)
        for i, name in enumerate(self.metrics):
            if name not in METRICS:
                raise Problem(("metrics", i), f"unknown metric {name!r}")
        return self


class PointFile(_File):
    """points/point-K.json as a sweep saves each point when it finishes (its summary is checked apart, once
    the point is known to be this sweep's: ``summary_problem``)."""

    index: Count
    values: dict[str, Any]
    error: str | None
    summary: dict[str, Any] | None

    @model_validator(mode="after")
    def _results_or_error(self) -> PointFile:
        if (self.error is None) == (self.summary is None):
            raise Problem((), "holds both results and an error" if self.error is not None else
                          "holds neither results (summary) nor an error")
        return self


# --------------------------------------------------------------------------------------- reading


def check_summary(text: str, label: str, advice: str = ADVICE) -> dict[str, Any]:
    """summary.json's ``text`` as data, if it is a summary as cxsim writes it; else ResultsFolderError (ending
    with ``advice``). A later cxsim's summary is refused first, as its layout may have changed."""
    data = _parsed(text, label, advice)
    _refuse_later_version(data, text, label)
    _check(_SUMMARY, text, label, advice)
    return data


def _refuse_later_version(data: Any, text: str, label: str) -> None:
    recorded = data.get("cxsim_version") if isinstance(data, dict) else None
    if isinstance(recorded, str) and _later(recorded):
        where = _source(text, label)
        raise ResultsFolderError(f"{label}:{where.line_for(('cxsim_version',))}: cxsim_version: written by "
                                 f"cxsim {recorded}, later than this cxsim ({__version__}); upgrade cxsim "
                                 "to read it")


def check_details(text: str, label: str, designs: list[str]) -> dict[str, Any]:
    """details.json's ``text`` as data, if it holds, for each of ``designs``, what the charts draw; else
    ResultsFolderError."""
    data = _parsed(text, label, ADVICE)
    _check(_DETAILS, text, label, ADVICE)
    for name in designs:
        if name not in data:
            raise ResultsFolderError(f"{label}: has no entry for design '{name}' (summary.json has it); "
                                     f"{ADVICE}")
    return data


def check_sweep(text: str, label: str, advice: str) -> dict[str, Any]:
    """sweep.json's ``text`` as data, if it is a sweep as cxsim writes it; else ResultsFolderError."""
    data = _parsed(text, label, advice)
    _refuse_later_version(data, text, label)
    _check(_SWEEP, text, label, advice)
    return data


def check_sweep_inputs(text: str, label: str, advice: str) -> dict[str, Any]:
    """sweep.json's ``text`` as data, if the inputs a re-run reads are as cxsim wrote them."""
    data = _parsed(text, label, advice)
    _check(_SWEEP_INPUTS, text, label, advice)
    return data


def summary_problem(data: Any) -> str | None:
    """What is wrong with ``data`` as a summary (a sweep point's, kept inside its own file), as 'field:
    message'; None when it is one as cxsim writes it."""
    return _problem(_SUMMARY, data)


def plan_problem(data: Any) -> str | None:
    """What is wrong with ``data`` as an interrupted sweep's plan.json ('field: message'), or None."""
    return _problem(_PLAN, data)


def point_problem(data: Any) -> str | None:
    """What is wrong with ``data`` as a saved sweep point ('field: message'), or None."""
    return _problem(_POINT, data)


def _problem(adapter: TypeAdapter, data: Any) -> str | None:
    try:
        adapter.validate_json(json.dumps(data), strict=True)
    except ValidationError as err:
        found = validation_error_to_scenario_error(err, source_from_dict(
            data if isinstance(data, Mapping) else {}, ""))
        return f"{found.field}: {found.message}" if found.field else found.message
    return None


_SUMMARY = TypeAdapter(SummaryFile)
_DETAILS = TypeAdapter(dict[str, DesignDetails])
_SWEEP = TypeAdapter(SweepFile)
_SWEEP_INPUTS = TypeAdapter(SweepInputs)
_PLAN = TypeAdapter(PlanFile)
_POINT = TypeAdapter(PointFile)


def _parsed(text: str, label: str, advice: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ResultsFolderError(f"{label}:{exc.lineno}: not valid JSON ({exc.msg}); {advice}") from None
    except RecursionError:
        raise ResultsFolderError(f"{label}: nested too deeply to be a cxsim file; {advice}") from None


def _check(adapter: TypeAdapter, text: str, label: str, advice: str) -> None:
    try:
        adapter.validate_json(text, strict=True)
    except ValidationError as err:
        raise ResultsFolderError(f"{_located(err, text, label)}; {advice}") from None
    except RecursionError:  # pragma: no cover - json.loads stops first
        raise ResultsFolderError(f"{label}: nested too deeply to be a cxsim file; {advice}") from None


def _located(err: ValidationError, text: str, label: str) -> str:
    """The first problem of ``err`` as 'file:line: field: message' (the line when the text can say it)."""
    return str(validation_error_to_scenario_error(err, _source(text, label)))


def _source(text: str, label: str) -> Source:
    """The text with the line of each field, for messages (read only when refusing: ruamel is slow)."""
    data: Any
    try:
        with file_size_limit(None):  # JSON is YAML: ruamel gives the lines (only read when refusing)
            return source_from_text(text, label)
    except ScenarioError:
        pass
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        data = {}
    return source_from_dict(data if isinstance(data, Mapping) else {}, label)

