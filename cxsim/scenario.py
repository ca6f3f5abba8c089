"""The scenario schema: every field a scenario may hold, typed, validated and documented in one place.

A scenario holds what all org designs share (customers, case types, how customers spend effort, how
they churn) and several named ``designs`` (teams, intake, transfer policy, incentive scheme) that are
compared on the same customers and cases. YAML is only the serialised form of these models: field
docstrings are the reference documentation (``docs/scenario-reference.md`` is generated from the JSON
Schema, ``cxsim schema``).

A ``Scenario`` is valid however it is built (a YAML file, a dict, the constructor, ``with_changes`` or
``model_copy``): every check, cross-field ones included, belongs to the models, and every failure is one
located ``ScenarioError`` line. Validation also resolves what the scenario leaves implicit (transfer policy
and incentive defaults, generated lanes), and a validated scenario writes itself back as content with
explicit units (``content``), which is what outputs record and what ``content_hash`` hashes.

Internal units: durations are hours, rates are events per hour, money is in the scenario's currency.
"""

from __future__ import annotations

import hashlib
import json
import math
from contextvars import ContextVar
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    PrivateAttr,
    ValidationError,
    WithJsonSchema,
    model_serializer,
    model_validator,
)
from pydantic.json_schema import GenerateJsonSchema
from pydantic_core import SchemaSerializer

from cxsim.catalogue import METRICS
from cxsim.changes import check_parameter, set_path, value_text
from cxsim.distributions import (
    DISTRIBUTION_JSON_SCHEMA,
    Constant,
    Distribution,
    distribution_data,
    parse_distribution,
)
from cxsim.errors import ScenarioError
from cxsim.lanes import lane_teams
from cxsim.policies import (
    INCENTIVE_SCHEMES,
    INCENTIVE_TUNABLES,
    MEMORY,
    PICKUP,
    ROUTING,
    TRANSFER_POLICIES,
    TRANSFER_TUNABLES,
    defaults,
)
from cxsim.units import (
    HOURS_PER_MONTH,
    TIME_UNITS,
    duration_text,
    effort_rate_text,
    parse_duration,
    parse_effort_rate,
    parse_rate,
    rate_text,
)
from cxsim.working_hours import WorkingHours, parse_hours
from cxsim.yaml_source import (
    Source,
    allowed_keys_for_model,
    load_source,
    source_from_dict,
    validation_error_to_scenario_error,
)

# What a bare number means while a scenario is validated: its ``time_unit`` (None: refused). Set by
# ``Scenario`` around the validation of its fields, so the rule holds however the scenario is built.
_TIME_UNIT: ContextVar[str | None] = ContextVar("cxsim_time_unit", default=None)
# Set while ``Scenario.from_source`` validates: it maps errors itself, with the source's line numbers.
_FROM_SOURCE: ContextVar[bool] = ContextVar("cxsim_from_source", default=False)


MAX_CASE_TYPES = 1000  # sizes beyond any real organisation's; a file that big is a mistake
MAX_DESIGNS = 100
MAX_HORIZON = 1000 * 8766.0  # 1000 years: beyond it simulated times lose the precision of minutes


def _refuse_non_finite(data: Any, path: tuple) -> None:
    """Every number a scenario holds is finite: nan and infinity (``.nan``, ``.inf``, JSON's ``NaN``) and
    integers too large for a float (``1`` and 400 zeros) are refused wherever they are written, named by
    their field; so is text holding an unpaired surrogate (``"\\ud800"``), which no output file can hold."""
    if isinstance(data, float) and not math.isfinite(data):
        raise Problem(path, f"must be a finite number (got {data})")
    if isinstance(data, int) and not isinstance(data, bool):
        try:
            float(data)
        except OverflowError:
            digits = int(data.bit_length() * math.log10(2)) + 1  # str() of a huge int is refused too
            raise Problem(path, f"a number of about {digits} digits is too large") from None
    if isinstance(data, str) and any("\ud800" <= c <= "\udfff" for c in data):
        raise Problem(path, "holds an unpaired surrogate escape (\\ud800-\\udfff): write the character "
                            "itself")
    if isinstance(data, dict):
        for key, value in data.items():
            _refuse_non_finite(key, path + (key,))
            _refuse_non_finite(value, path + (key,))
    elif isinstance(data, list | tuple):
        for i, value in enumerate(data):
            _refuse_non_finite(value, path + (i,))


class Problem(ValueError):
    """A cross-field problem found by a model validator, at ``path`` below the model that found it."""

    def __init__(self, path: tuple, message: str) -> None:
        super().__init__(message)
        self.path = path


def _duration(value: Any) -> float:
    return parse_duration(value, default_unit=_TIME_UNIT.get())


def _rate(value: Any) -> float:
    return parse_rate(value, default_unit=_TIME_UNIT.get())


def _effort_rate(value: Any) -> float:
    ratio = parse_effort_rate(value, default_unit=_TIME_UNIT.get())
    if ratio > 1:  # customer hours per hour: nobody spends more time than passes
        raise ValueError(f"more of a customer's time than passes: at most 24 h per day (got {value!r})")
    return ratio


def _duration_dist(value: Any) -> Distribution:
    if isinstance(value, Distribution):
        return value
    return parse_distribution(value, kind="duration", default_unit=_TIME_UNIT.get())


def _number_dist(value: Any) -> Distribution:
    if isinstance(value, Distribution):
        return value
    return parse_distribution(value, kind="number")


def _hours(value: Any) -> WorkingHours:
    return value if isinstance(value, WorkingHours) else parse_hours(value)


def _number_text(value: float) -> float | int:
    return int(value) if float(value).is_integer() and abs(value) < 2**53 else value


# In the JSON Schema a quantity is text with a unit, or a number (0, or any number with ``time_unit``).
Duration = Annotated[
    float,
    BeforeValidator(_duration),
    PlainSerializer(duration_text, return_type=str, when_used="json"),
    WithJsonSchema({"type": ["string", "number"], "format": "duration",
                    "description": "a duration with a unit", "examples": ["30 min", "2 h", "3 days"]}),
]
Rate = Annotated[
    float,
    BeforeValidator(_rate),
    PlainSerializer(rate_text, return_type=str, when_used="json"),
    WithJsonSchema({"type": ["string", "number"], "format": "rate", "description": "events per time",
                    "examples": ["20 per day", "1.5 per month"]}),
]
EffortRate = Annotated[
    float,
    BeforeValidator(_effort_rate),
    PlainSerializer(effort_rate_text, return_type=str, when_used="json"),
    WithJsonSchema({"type": ["string", "number"], "format": "effort-rate",
                    "description": "customer time per time",
                    "examples": ["1.5 h per day", "20 min per day"]}),
]
DurationDist = Annotated[
    Distribution,
    PlainValidator(_duration_dist),
    PlainSerializer(lambda d: distribution_data(d, duration_text), when_used="json"),
    WithJsonSchema({**DISTRIBUTION_JSON_SCHEMA, "x-values": "durations"}),
]
NumberDist = Annotated[
    Distribution,
    PlainValidator(_number_dist),
    PlainSerializer(lambda d: distribution_data(d, _number_text), when_used="json"),
    WithJsonSchema({**DISTRIBUTION_JSON_SCHEMA, "x-values": "numbers"}),
]
_OPENING = {"type": "object", "properties": {"days": {}, "open": {}, "close": {}},
            "required": ["days", "open", "close"], "additionalProperties": False}
Hours = Annotated[
    WorkingHours,
    PlainValidator(_hours),
    PlainSerializer(lambda h: h.to_data(), when_used="json"),
    WithJsonSchema(
        {
            "title": "working hours",
            "description": "'24/7', 'business' (Mon-Fri 09:00-17:00), {days, open, close} or a list of those",
            "anyOf": [{"enum": ["24/7", "always", "business"]}, _OPENING,
                      {"type": "array", "items": _OPENING}],
            "examples": ["24/7", "business", {"days": "mon-fri", "open": "08:00", "close": "20:00"}],
        }
    ),
]
Probability = Annotated[float, Field(ge=0.0, le=1.0)]
NAME_PATTERN = r"^[A-Za-z0-9_][A-Za-z0-9_.\- ]*$"
Name = Annotated[str, Field(min_length=1, max_length=80, pattern=NAME_PATTERN)]


def _choices(table: dict) -> dict[str, Any]:
    """JSON Schema extras for a field whose choices come from a policy table (with their meaning)."""
    return {"x-choices": {name: entry.meaning for name, entry in table.items()}}


class _AsWritten(GenerateJsonSchema):
    """JSON Schema whose defaults are written as a scenario file writes them ('1 year', not 8766.0)."""

    def default_schema(self, schema: Any) -> Any:
        if schema.get("default") is not None:
            try:  # the field's own serializer: units, distributions, working hours
                written = SchemaSerializer(schema["schema"]).to_python(schema["default"], mode="json")
            except Exception:  # noqa: BLE001 - a reference to a model: pydantic's own encoding is right
                pass
            else:
                return {**self.generate_inner(schema["schema"]), "default": written}
        return super().default_schema(schema)


def _numeric(annotation: Any) -> bool:
    """Whether a field holds a plain number (int or float, or None), not a bool or a union with text."""
    import types
    import typing

    if annotation in (int, float):
        return True
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        members = [a for a in typing.get_args(annotation) if a is not type(None)]
        return bool(members) and all(a in (int, float) for a in members)
    return False


class Model(BaseModel):
    """Base: unknown keys are errors, values are immutable, docstrings are the documentation."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, arbitrary_types_allowed=True, use_attribute_docstrings=True,
        allow_inf_nan=False,  # "nan" or "inf" written as text is not a number a scenario can use either
    )

    @model_validator(mode="before")
    @classmethod
    def _no_truth_values_for_numbers(cls, data: Any) -> Any:
        """``agents: true`` is not 1 agent, nor ``loyalty: false`` a loyalty of 0: pydantic would read them
        so, silently; durations and rates already refuse them."""
        if isinstance(data, dict):
            for name, field in cls.model_fields.items():
                key = field.alias or name
                value = data.get(key)
                own_reader = any(isinstance(m, BeforeValidator | PlainValidator) for m in field.metadata)
                if isinstance(value, bool) and _numeric(field.annotation) and not own_reader:
                    raise Problem((key,), f"must be a number (got {str(value).lower()})")
        return data

    def model_copy(self, *, update: dict[str, Any] | None = None, deep: bool = False) -> Any:
        """A copy with ``update`` applied, validated like any scenario data (pydantic's own copy is not)."""
        if not update:
            return super().model_copy(deep=deep)
        data = self.model_dump(mode="json", by_alias=True)
        data.update(update)
        return type(self).model_validate(data)


# ---------------------------------------------------------------- customers and arrivals


def _positive_term(hours: float) -> float:
    if not hours > 0:
        raise ValueError("a contract term must be longer than zero, e.g. '12 months' (renewals would repeat "
                         "forever at one instant)")
    return hours


# Revenue per customer-month above this is a typo in any currency (and lost revenue summed over customers and
# months would overflow to infinity, which the charts cannot draw).
MAX_MONTHLY_VALUE = 1e9


def _monthly_value(dist: Distribution) -> Distribution:
    if not dist.mean <= MAX_MONTHLY_VALUE:
        got = f"{dist.mean:,.0f}" if dist.mean < 1e15 else f"{dist.mean:.3g}"
        raise ValueError(f"at most {MAX_MONTHLY_VALUE:,.0f} per customer-month on average (got a mean of "
                         f"{got}); a larger value is a typo in any currency")
    return dist


class Contract(Model):
    """A customer's contract: customers who decide to leave can only do so when it renews."""

    term: Annotated[Duration, AfterValidator(_positive_term)] = 12 * HOURS_PER_MONTH
    """Contract length (longer than zero); renewals happen every term, starting at a uniformly random point of
    the first one (contracts were signed at different times). Customers are locked in until renewal, so churn
    shows late."""
    monthly_value: Annotated[NumberDist, AfterValidator(_monthly_value)] = Constant(1000.0)
    """Revenue per month of one customer (a number or a distribution of numbers, mean at most 1e9): what
    churn loses."""


def _acquisition(value: Any) -> Any:
    if value == "steady":
        return value
    if isinstance(value, str) and not any(ch.isdigit() for ch in value):
        raise ValueError(f"use 'steady' (replace every customer who leaves) or a rate, e.g. '5 per month' "
                         f"(got {value!r})")
    return _rate(value)


Acquisition = Annotated[
    float | Literal["steady"],
    BeforeValidator(_acquisition),
    PlainSerializer(lambda v: v if v == "steady" else rate_text(v), when_used="json"),
    WithJsonSchema({"anyOf": [{"const": "steady"}, {"type": ["string", "number"], "format": "rate"}],
                    "description": "'steady' or new customers per time",
                    "examples": ["steady", "5 per month"]}),
]


class Customers(Model):
    """The customer population (accounts). Needed for churn; drives case arrivals when
    ``arrivals.process`` is ``population``."""

    count: int = Field(ge=1)
    """Number of customer accounts at the start of the run."""
    case_rate: Rate = 1.0 / HOURS_PER_MONTH
    """How often one customer opens a case, e.g. '1 per month'."""
    contract: Contract = Contract()
    """The customers' contract: term and monthly value."""
    loyalty: Probability = 0.95
    """Annual base retention: the probability that a customer with a flawless year renews (0.95 = 5% base
    churn a year; B2B SaaS commonly loses 5-15% a year). Per renewal it is loyalty ** (term / 1 year); the
    experience of the term then raises the churn at renewal as [Churn](#churn) says, in proportion to the
    base (1: nobody ever leaves)."""
    patience: DurationDist | None = None
    """Time waiting on the company after which a customer gives up (the case ends as ``abandoned``). The
    patience clock runs only while the case waits in a queue (a team's, or its owner's after a reply, and
    after hand-offs), not during agents' sessions nor while the customer replies or believes a premature
    closure fixed it; exponential patience makes one team an Erlang A (M/M/c+M) queue. Omit for customers
    who never give up."""
    acquisition: Acquisition = "steady"
    """``steady`` (the default): every customer who leaves is replaced at once by a new one with a fresh
    contract, so the base stays the same size and every design faces the same demand. A rate (e.g. '5 per
    month') instead: new customers join as a Poisson process at that rate, whatever churn does ('0 per
    month': nobody joins, and the base shrinks with churn)."""
    hours: Hours = WorkingHours.business()
    """The customers' own working hours: chasing effort accrues only in them (no chasing at night or at the
    weekend), see ``effort.chasing``. Cases opened by anonymous customers (no ``customers`` block) use
    business hours."""


DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
RESOLVED_STEP = "resolved"  # the routing matrix's step for a case resolved at the team
PROFILE_TOLERANCE = 1e-3  # intake shares and matrix rows must sum to 1 within this (then are normalised)


def _weights(items: Any, count: int, path: tuple, what: str) -> list[float]:
    """``count`` non-negative numbers, each problem located at ``path`` (and the item's index)."""
    if not isinstance(items, list):
        raise Problem(path, f"{what} must be a list of {count} weights (got {type(items).__name__})")
    if len(items) != count:
        raise Problem(path, f"{what} needs {count} weights, got {len(items)}")
    for i, w in enumerate(items):
        if isinstance(w, bool) or not isinstance(w, (int, float)) or not math.isfinite(w) or w < 0:
            raise Problem(path + (i,), f"a weight must be a number 0 or more (got {w!r})")
    return [float(w) for w in items]


def _profile(value: Any) -> Any:
    """A rate profile by hour of week: 168 weights from Monday 00:00, or {mon: [24 weights], ..., sun}."""
    if value is None:
        return None
    if isinstance(value, dict):
        days = {str(k): v for k, v in value.items()}
        for day in days:
            if day not in DAYS:
                raise Problem((day,), f"unknown day {day!r}; days are " + ", ".join(DAYS))
        missing = [d for d in DAYS if d not in days]
        if missing:
            raise Problem((), "missing " + ", ".join(missing) + " (give all seven days, 24 weights each from "
                          "00:00; 0 for hours without arrivals)")
        profile: Any = {d: _weights(days[d], 24, (d,), f"'{d}' (one weight per hour from 00:00)")
                        for d in DAYS}
        flat = [w for d in DAYS for w in profile[d]]
    else:
        profile = flat = _weights(value, 168, (), "a profile (one weight per hour of the week from Monday "
                                  "00:00, or a mapping of days to 24 weights)")
    if not any(flat):
        raise Problem((), "every weight is 0: nobody would ever open a case")
    if not math.isfinite(sum(flat)):
        raise Problem((), "the weights are too large to add up (only their ratios matter: scale them down)")
    return profile


WEEKLY_PROFILE_SCHEMA = {
    "description": "168 weights from Monday 00:00, or {mon: [24 weights], ..., sun: [24 weights]}",
    "anyOf": [
        {"type": "array", "items": {"type": "number", "minimum": 0}, "minItems": 168, "maxItems": 168},
        {"type": "object", "required": list(DAYS), "propertyNames": {"enum": list(DAYS)},
         "additionalProperties": {"type": "array", "items": {"type": "number", "minimum": 0},
                                  "minItems": 24, "maxItems": 24}},
    ],
    "examples": [{d: [1] * 9 + [3] * 8 + [1] * 7 for d in DAYS}],
}
WeeklyProfile = Annotated[Any, PlainValidator(_profile), WithJsonSchema(WEEKLY_PROFILE_SCHEMA)]


class Arrivals(Model):
    """How cases arrive."""

    process: Literal["population", "poisson"] = "population"
    """``population``: every active customer opens cases at ``customers.case_rate`` (so churn lowers demand).
    ``poisson``: cases arrive exactly as a Poisson process at ``rate`` (for analytic checks); if customers are
    defined each case belongs to a uniformly chosen customer, otherwise to a one-off anonymous customer."""
    rate: Rate | None = None
    """Case arrival rate for ``process: poisson``, e.g. '20 per day'."""
    hours: Hours | None = None
    """When customers open cases (e.g. 'business' for B2B customers). Rates stay calendar averages: arrivals
    are concentrated into these hours. Omit for arrivals around the clock."""
    profile: WeeklyProfile | None = None
    """How the arrival rate varies over the week, as relative weights by hour of week: a mapping of the seven
    days (``mon`` ... ``sun``, all seven) to 24 weights each, for 00:00-01:00 to 23:00-24:00, e.g. the number
    of cases a ticket log shows opened in each hour of the week; or one list of 168 weights from Monday
    00:00. Weights are 0 or more, not all 0; only their ratios matter. Cases then arrive as a
    non-homogeneous Poisson process (generated by thinning, Lewis and Shedler 1979) whose rate in hour h of
    the week is the calendar average (``rate``, or each customer's ``customers.case_rate``) x weight[h] /
    mean weight, so the long-run rate stays the configured one. Simulated time 0 is a Monday 00:00. Give
    either ``profile`` or ``hours``, not both (0 weights outside the hours say the same). Omit for a flat
    rate."""

    @property
    def weekly_weights(self) -> list[float] | None:
        """The profile as 168 weights from Monday 00:00 (None: no profile, a flat rate)."""
        profile = self.profile
        if isinstance(profile, dict):
            return [w for day in DAYS for w in profile[day]]
        return None if profile is None else list(profile)


# ---------------------------------------------------------------- cases


class CaseType(Model):
    """A kind of customer problem: who can fix it and how long that takes."""

    share: float = Field(gt=0.0, le=1.0)
    """Share of arrivals of this type; the shares of all case types sum to 1."""
    skills: list[Name] = Field(min_length=1)
    """Skills that can fix it: an agent holding any one of them can recognise and fix the case."""
    fix_time: DurationDist
    """Hands-on work to fix the case once an agent with the right skill has recognised it (in the One Lane
    Tech story, 5 min)."""
    diagnosis_time: DurationDist = Constant(0.5)
    """Agent time spent understanding the case in one session, before fixing it or deciding it is not
    theirs."""
    difficulty: Probability = 0.0
    """How hard it is to tell which skill the case needs: it moves a guess of the team (triage's, or an
    agent's of the next team) from informed towards blind, never below blind. With R right teams among the
    C teams the guess may pick, blind = R / C and P(right) = blind + (max(accuracy, blind) - blind) x
    (1 - difficulty). Cross-cutting problems (integration) are hard."""
    exchanges: int = Field(default=1, ge=1, le=20)
    """Agent sessions with the customer a new ticket needs before the agent can decide (ask for logs, have
    the customer test, come back): between sessions the customer replies after ``effort.reply_time`` and the
    ticket returns to its owning agent, ahead of their new work (see ``tickets``). A case handed on with
    context (briefing < 1) needs one session."""
    severity: int = Field(default=3, ge=1, le=4)
    """Queue priority, 1 (most urgent) to 4; queues serve by severity aged by the wait (see
    ``tickets.aging_period``), then by place in line."""


class Effort(Model):
    """What a case costs the customer, in hours of their own time, by cause."""

    contact: Duration = 0.25
    """Opening a case: finding the channel, writing it up, the first contact."""
    presence: Probability = 1.0
    """Share of each agent session with the customer that the customer spends on it (calls, screen shares)."""
    reexplain: Duration = 1.0
    """Re-explaining the problem to a new agent after a transfer, at full context loss (a cold transfer);
    the transfer policy scales it."""
    chasing: EffortRate = 1.0 / 24.0
    """Chasing while the case is open and waiting: follow-ups, status checks, workarounds, e.g. '1 h per day'.
    The rule: chasing accrues only in the customer's working hours (``customers.hours``), at a pace such
    that a whole working day of waiting costs ``chasing x 1 day`` (with business hours, 1 h per day is 1 h
    over the 8 open hours, 7.5 min an hour); nights and weekends cost nothing, and with '24/7' hours it is
    the calendar rate. The transfer policy scales it (an owner keeps the customer informed), then
    ``chasing_severity`` by the case's severity, then ``chasing_cap`` limits each case's chasing per
    calendar day."""
    chasing_severity: dict[int, float] = {}
    """Factor on chasing by case severity (1 most urgent to 4), e.g. ``{1: 2, 4: 0.5}``: customers chase an
    urgent case more. Severities not listed get 1 (the default: no published figure, so none assumed)."""
    chasing_cap: Duration | None = None
    """Most chasing one case costs its customer in one calendar day, e.g. '2 h' (default: no cap beyond the
    working day's chasing). It binds when the policy and severity factors push a day's chasing above it."""

    @model_validator(mode="after")
    def _chasing_rule(self) -> Effort:
        """Severities are 1 to 4, factors non-negative; a cap is positive."""
        for severity, factor in self.chasing_severity.items():
            if not 1 <= severity <= 4:
                raise Problem(("chasing_severity", severity), "severity must be 1 to 4")
            if not factor >= 0:
                raise Problem(("chasing_severity", severity), "a chasing factor must be 0 or more")
        if self.chasing_cap is not None and not self.chasing_cap > 0:
            raise Problem(("chasing_cap",), "the cap must be a positive duration, e.g. '2 h'")
        return self
    reply: Duration = 0.5
    """Answering an agent's request between exchanges: collecting logs, running a test."""
    reply_time: DurationDist = Constant(8.0)
    """Calendar time the customer takes to reply between exchanges."""
    reopen: Duration = 1.0
    """Finding out that a case closed as resolved is not, re-testing and reopening it."""
    discovery_time: DurationDist = Constant(48.0)
    """Calendar time before a customer discovers a premature closure (the fix did not work)."""


class Tickets(Model):
    """How the company's ticket system orders and assigns work: priority aging and ticket ownership."""

    aging_period: Annotated[Duration, Field(gt=0)] | None = 24.0
    """Waiting this long in a queue raises a case by one severity level. A queue serves the case with the
    lowest effective priority, severity − (hours since its place in line) / aging_period (the same order at
    every moment, so severity-4 cases cannot starve), then the earliest place in line. The place in line is
    when the case joined the queue (its first one under policies that keep the place); a case that jumps
    the queue under its transfer policy has severity 0. ``null``: strict priority by severity. Default one
    day: support SLAs set response targets about a day apart between adjacent low severities (an assumption
    to sweep; no published figure)."""
    owned: bool = True
    """A ticket has an owning agent: the agent who asks the customer for more. The customer's reply returns
    to that agent, ahead of the agent's new work (as ticket systems assign it); if the owner is in a session
    the reply waits for it to end, and outside the team's hours (agents share them) for the next opening; no
    one else picks it up. ``false``: the reply rejoins the back of the team's queue for any agent."""
    resume: Probability = 0.25
    """Share of the usual diagnosis the owner spends on the customer's reply (they know the case, they
    re-read it); an assumption to sweep. Anyone else picking up a ticket diagnoses it in full."""


class ChurnWeights(Model):
    """How a finished case's experience turns into one score (in effort-hour equivalents)."""

    effort_hours: float = Field(default=1.0, ge=0)
    """Weight of each hour of customer effort (effort is the main driver of disloyalty: Dixon, Toman and
    DeLisi, The Effortless Experience, 2013)."""
    transfers: float = Field(default=1.0, ge=0)
    """Weight of each transfer (transfers and repeating information drive disloyalty, ibid.)."""
    reopens: float = Field(default=3.0, ge=0)
    """Weight of each reopen (repeat contact after a 'resolved' closure)."""
    days: float = Field(default=0.5, ge=0)
    """Weight of each calendar day the case stayed open."""
    unresolved: float = Field(default=20.0, ge=0)
    """Extra weight when the case ended unresolved (abandoned): unresolved customers defect about 5 times
    more (SQM Group)."""


class Churn(Model):
    """How the experience of a contract term turns into the decision to leave, taken at renewal.

    Each finished case (and each case still open at the renewal, scored so far) gets an experience score x
    ([ChurnWeights](#churnweights)), and the curve turns it into how high-effort the case was:
    h(x) = (L(x) - L(0)) / (1 - L(0)), L(x) = 1 / (1 + exp(-(x - midpoint) / scale)), so a flawless case
    (x = 0) has h = 0 and a very bad one h close to 1. The term's experience E is the average of h over the
    term's cases with weights halving every ``half_life`` before the renewal date (recent cases weigh more,
    and good cases pull E down again: they restore trust); a term without cases has E = 0.

    At renewal the customer leaves with probability base x D(E) / D(0), capped at 1, where base = 1 -
    loyalty ** (term / 1 year) and D(E) = disloyal_low + (disloyal_high - disloyal_low) x E is the share of
    customers made disloyal (CEB, The Effortless Experience, Dixon et al. 2013: 9% after low-effort, 96%
    after high-effort service). Leaving is taken as proportional to that share ("disloyal" is not
    "churned": only the ratio is used), so a flawless term gives exactly the base churn, and a term of only
    high-effort cases (E = 1) 96/9 = 10.7 times it: 53% a year at the default loyalty 0.95.
    """

    curve: Literal["logistic", "none"] = "logistic"
    """``logistic`` as above; ``none`` turns churn from experience off (every term has E = 0: the base
    churn of ``customers.loyalty`` still applies)."""
    midpoint: float = Field(default=20.0, gt=0)
    """Score x at which L is one half: a case this bad counts as about half high-effort (default 20
    effort-hour equivalents, an assumption to sweep)."""
    scale: float = Field(default=6.0, gt=0)
    """Steepness of L: the score distance over which L moves from 27% to 73%."""
    half_life: Duration = 90 * 24.0
    """Age (before the renewal date) at which a case weighs half as much as one that just finished
    (assumption: recent experiences dominate; sweep it)."""
    disloyal_low: Probability = 0.09
    """Share of customers made disloyal by low-effort service (CEB: 9%). With ``disloyal_high`` it sets the
    contrast between a flawless and a high-effort term; the base churn itself is ``customers.loyalty``."""
    disloyal_high: Probability = 0.96
    """Share of customers made disloyal by high-effort service (CEB: 96%)."""
    weights: ChurnWeights = ChurnWeights()
    """Weights that turn a case into its experience score x."""

    @model_validator(mode="after")
    def _contrast(self) -> Churn:
        """Leaving is proportional to the disloyal share: the low-effort share must be above 0 and below the
        high-effort one."""
        if not 0 < self.disloyal_low <= self.disloyal_high:
            raise Problem(("disloyal_low",), "needs 0 < disloyal_low <= disloyal_high (CEB: 0.09 and 0.96)")
        if not self.half_life > 0:
            raise Problem(("half_life",), "the half-life must be a positive duration, e.g. '90 days'")
        return self


# ---------------------------------------------------------------- designs


class Skill(Model):
    """An agent's skill: how reliably and how fast they handle cases that need it."""

    proficiency: Probability = 0.95
    """Probability of recognising an in-skill case as theirs (and then fixing it)."""
    speed: float = Field(default=1.0, gt=0)
    """Work speed: diagnosis and fix times are divided by it."""


class _SkillForms:
    """JSON Schema of ``Team.skills``: also a list of names, or name -> proficiency (as ``_skills`` reads)."""

    def __get_pydantic_json_schema__(self, core_schema: Any, handler: Any) -> dict[str, Any]:
        mapping = handler(core_schema)  # name -> Skill, as pydantic writes it (with its $ref)
        proficiency = {"type": "number", "minimum": 0, "maximum": 1, "description": "proficiency"}
        forms = {pattern: {"anyOf": [proficiency, skill]}
                 for pattern, skill in mapping["patternProperties"].items()}
        mapping = {**mapping, "patternProperties": forms}
        names = {"type": "array", "items": {"type": "string", "pattern": NAME_PATTERN}, "minItems": 1}
        return {"anyOf": [names, mapping]}


def _skills(value: Any) -> Any:
    if isinstance(value, list):
        for i, name in enumerate(value):
            if not isinstance(name, str):
                raise Problem((i,), "a list of skills holds names; for proficiencies write a mapping, e.g. "
                              "{product: 0.9, billing: 0.7}")
        return {name: {} for name in value}
    if isinstance(value, dict):
        return {k: ({"proficiency": v} if isinstance(v, (int, float)) and not isinstance(v, bool) else v)
                for k, v in value.items()}
    return value


# A cost per agent-hour above this is a typo in any currency; staff cost (agents x open hours x cost) stays
# far from overflowing to infinity, which the tables would show as a duration that never ended.
MAX_COST_PER_HOUR = 1e9


def _cost(value: float) -> float:
    if value > MAX_COST_PER_HOUR:
        got = f"{value:,.0f}" if value < 1e15 else f"{value:.3g}"
        raise ValueError(f"at most {MAX_COST_PER_HOUR:,.0f} per agent-hour (got {got}); a larger cost is a "
                         "typo in any currency")
    return value


Cost = Annotated[float, Field(ge=0), AfterValidator(_cost)]


class Team(Model):
    """A queue and the agents who work it."""

    agents: int = Field(ge=1)
    """Number of agents working the team's queue."""
    skills: Annotated[dict[Name, Skill], BeforeValidator(_skills), _SkillForms()] = Field(min_length=1)
    """Skills of the team's agents: a list of names, or a mapping name -> proficiency or
    {proficiency, speed}."""
    hours: Hours = WorkingHours.business()
    """When the team works: queues wait overnight and over weekends outside these hours."""
    cost_per_hour: Cost = 40.0
    """Staffing cost of one agent per working hour (for ``staff_cost``); at most 1e9 (more is a typo in any
    currency)."""
    work_time: DurationDist | None = None
    """Only under ``transfer.routing: matrix``, and required there for every team: the agent's hands-on time
    of one session at this team (as a ticket log shows it: the time from assignment to hand-off or
    resolution, less queueing and customer waits), e.g. ``{dist: lognormal, mean: 2 h, sd: 3 h}``. It
    replaces the case type's diagnosis and fix times (skills, proficiency and speed play no part). A visit
    is one session, plus one per customer exchange (``ask_customer``, ``case_types.<name>.exchanges``); a
    session that hands the case on also takes the transfer policy's ``handoff_time`` (set it to '0 min' if
    the fitted time includes it). Work pauses outside the team's ``hours``. If a log cannot tell queueing
    from work, fit the whole time at the team and give the team enough agents that nobody queues: it is
    then a pure delay."""
    ask_customer: float = Field(default=0.0, ge=0.0, lt=1.0)
    """Only under ``transfer.routing: matrix``: the probability that a session with the customer at this team
    ends by asking them for more (logs, a test; a 'Wait - User' status in a ticket log) instead of taking the
    matrix's next step. The customer replies after ``effort.reply_time`` and the ticket returns to its owner
    (``tickets.owned``) for another session, which may ask again: a visit has on average p / (1 - p)
    customer waits, so from a log p = waits / (waits + visits) at this team."""


class Intake(Model):
    """Intake/triage: where a new case goes first."""

    accuracy: Probability = 0.8
    """Probability that triage routes a case of difficulty 0 to a team with a right skill; difficulty moves
    it towards a blind pick among ``teams`` (see ``case_types.<name>.difficulty``), never below."""
    team: Name | None = None
    """Send every new case to this team instead (e.g. the case owners of an integrated design)."""
    teams: list[Name] | None = None
    """Teams triage may route to (default: every team except the resolver)."""
    shares: dict[Name, Probability] | None = None
    """Observed intake instead of triage: the probability that a new case goes first to each team, e.g.
    ``{service_desk: 0.8, network: 0.15, database: 0.05}`` (in a ticket log, the share of cases whose first
    team it is). Drawn for every case whatever its type (skills, ``accuracy`` and the case type's
    difficulty play no part); teams left out get no new cases. The shares sum to 1 within 0.001 (they are
    then normalised). Not with ``team`` or ``teams``."""

    @model_validator(mode="after")
    def _shares(self) -> Intake:
        """Shares replace triage: alone, and summing to 1."""
        if self.shares is None:
            return self
        if self.team is not None or self.teams is not None:
            raise Problem(("shares",), "give either shares or team/teams, not both")
        total = sum(self.shares.values())
        if abs(total - 1.0) > PROFILE_TOLERANCE:
            raise Problem(("shares",), f"the shares sum to {total:g}, not 1")
        return self


class Transfer(Model):
    """What happens when an agent cannot fix a case. The policy sets defaults for the numbers below (see
    the defaults of each policy); a number given here overrides it, and validation fills in the rest."""

    model_config = ConfigDict(json_schema_extra={"x-defaults": {"by": "policy", "table": {
        name: {**numbers, "handoff_time": duration_text(numbers["handoff_time"])}
        for name, numbers in defaults(TRANSFER_POLICIES, TRANSFER_TUNABLES).items()}}})

    policy: Literal[tuple(TRANSFER_POLICIES)] = Field(  # type: ignore[valid-type]
        default="cold", json_schema_extra=_choices(TRANSFER_POLICIES))
    """How a case moves on: ``cold``, ``warm``, ``owner`` or ``swarm`` (their meanings and defaults are
    listed below)."""
    accuracy: Probability = 0.5
    """Probability that the agent's guess of the next team is right for a case of difficulty 0; difficulty
    moves it towards a blind pick among the teams not yet tried (see ``case_types.<name>.difficulty``), never
    below."""
    reexplain: Probability | None = None
    """Share of ``effort.reexplain`` the customer spends per transfer (default: the policy's)."""
    chasing: Probability | None = None
    """Share of ``effort.chasing`` once the case has been handed on (default: the policy's)."""
    handoff_time: Duration | None = None
    """Agent time to write up, brief or coordinate one hand-off (default: the policy's)."""
    briefing: Probability | None = None
    """Share of the usual diagnosis time the next agent needs thanks to context passed on (default: the
    policy's)."""
    max_hops: int | None = Field(default=None, ge=0)
    """After this many transfers, the next one goes to the ``resolver`` team."""
    resolver: Name | None = None
    """Team that takes cases escalated after ``max_hops``."""
    memory: Literal[tuple(MEMORY)] | None = Field(  # type: ignore[valid-type]
        default=None, json_schema_extra={"x-choices": MEMORY})
    """Who remembers the teams a case has already been at: ``customer``, ``company`` or ``none`` (default:
    the policy's). A guess of the next team avoids the teams remembered as tried, and sends the case back to
    one only when every other candidate was tried."""
    pickup: Literal[tuple(PICKUP)] | None = Field(  # type: ignore[valid-type]
        default=None, json_schema_extra={"x-choices": PICKUP})
    """When the next team first takes up a handed-on case: ``now`` (it joins the queue at once) or
    ``next_day`` (at the team's first opening on a later calendar day: 'someone else will get back to you
    tomorrow', seed 000; in the UCI ServiceNow log the median days to resolution go 0.12 / 1.48 / 4.95 with
    0 / 1 / 2 hand-offs). Default: the policy's (``next_day`` for ``cold``, else ``now``). The customer chases
    meanwhile; patience runs only once the case is in the queue."""

    routing: Literal[tuple(ROUTING)] = Field(  # type: ignore[valid-type]
        default="guess", json_schema_extra={"x-choices": ROUTING})
    """Where a case goes after a session at a team: ``guess`` (agents recognise their cases by skill and
    guess the next team) or ``matrix`` (the observed routing of ``matrix``: the as-is organisation as a
    ticket log shows it)."""
    matrix: dict[Name, dict[Name, Probability]] | None = None
    """Only with ``routing: matrix`` (and required there): for each team, the probabilities of the next step
    after a session there: another team (a hand-off, counted as a transfer; the transfer policy decides the
    ticket, the customer's effort and the place in line as usual) or ``resolved`` (the case is resolved
    there), e.g. ``{service_desk: {resolved: 0.7, network: 0.2, database: 0.1}, network: {resolved: 0.9,
    service_desk: 0.1}}``; from a ticket log, a team's row is how often a visit there ended in a hand-off
    to each team or in resolution. Each row sums to 1 within 0.001 (then normalised); a team without a row
    resolves every case it works (as ``{resolved: 1}``); naming the team itself sends the case back to the
    end of its own queue (another visit, not a transfer). Every team must be able to reach ``resolved``.
    Under matrix routing each team needs ``work_time``; skills, proficiency, ``accuracy``, ``memory`` and
    the incentive's deflection and rush play no part; the incentive's ``premature_closure`` is the
    probability that a resolution the matrix draws is premature (the customer reopens after
    ``effort.discovery_time``: a log's reopen rate); ``max_hops`` still sends a hand-off to the
    ``resolver``. Case types still need their fields (e.g. one type ``{share: 1, skills: [any],
    fix_time: 0 min}``, teams ``skills: [any]``), but only their severity and ``exchanges`` matter here."""

    @model_validator(mode="after")
    def _matrix(self) -> Transfer:
        """A matrix goes with matrix routing, its rows are not empty and sum to 1."""
        if self.routing == "matrix" and self.matrix is None:
            raise Problem(("matrix",), "routing 'matrix' needs a matrix, e.g. {team_a: {resolved: 0.8, "
                          "team_b: 0.2}}")
        if self.routing != "matrix" and self.matrix is not None:
            raise Problem(("matrix",), "a matrix is for routing: matrix")
        for team, row in (self.matrix or {}).items():
            total = sum(row.values())
            if abs(total - 1.0) > PROFILE_TOLERANCE:
                raise Problem(("matrix", team), f"the row of {team!r} sums to {total:g}, not 1")
        return self

    @model_validator(mode="after")
    def _resolve(self) -> Transfer:
        """The policy's defaults for every number not given: the values the engine will use."""
        policy = TRANSFER_POLICIES[self.policy]
        for name in TRANSFER_TUNABLES:
            if getattr(self, name) is None:
                object.__setattr__(self, name, getattr(policy, name))
        return self


class Incentive(Model):
    """What agents are measured on, and the behaviour it causes. No published rates exist, so the
    defaults are stated assumptions to sweep; the scheme sets defaults for the rates below (see the defaults
    of each scheme) and a rate given here overrides it."""

    model_config = ConfigDict(json_schema_extra={"x-defaults": {
        "by": "scheme", "table": defaults(INCENTIVE_SCHEMES, INCENTIVE_TUNABLES)}})

    scheme: Literal[tuple(INCENTIVE_SCHEMES)] = Field(  # type: ignore[valid-type]
        default="resolution", json_schema_extra=_choices(INCENTIVE_SCHEMES))
    """What agents are measured on: ``close_fast`` or ``resolution`` (their meanings and default rates are
    listed below)."""
    premature_closure: Probability | None = None
    """Probability that an agent closes an in-skill ticket as resolved without the fix (default: the
    scheme's); the customer discovers it later and reopens."""
    partial_fix: Probability = 0.3
    """Share of the fix time spent before a premature closure."""
    deflection: Probability | None = None
    """Probability that an agent sends away an in-skill case whose fix takes longer than ``deflect_over``
    ('not in my lane'; default: the scheme's)."""
    deflect_over: Duration = 2.0
    """Fix time above which agents consider deflecting a case."""
    rush: Probability | None = None
    """Share of diagnosis time cut by rushing (default: the scheme's)."""
    rush_penalty: Probability | None = None
    """Drop in the probability of recognising an in-skill case when rushing (default: the scheme's)."""

    @model_validator(mode="after")
    def _resolve(self) -> Incentive:
        """The scheme's defaults for every rate not given: the values agents will act on."""
        scheme = INCENTIVE_SCHEMES[self.scheme]
        for name in INCENTIVE_TUNABLES:
            if getattr(self, name) is None:
                object.__setattr__(self, name, getattr(scheme, name))
        return self


class Lanes(Model):
    """Generate ``count`` specialised lanes from the case types' skills instead of listing teams: skills
    are split into lanes balancing their expected work, and ``agents`` are shared out in proportion to it
    (at least one per lane). Sweep ``count`` to compare 1 pooled team with 8 narrow lanes at equal staff."""

    count: int = Field(ge=1, le=100)
    """Number of lanes (teams); at most the number of distinct skills the case types need."""
    agents: int = Field(ge=1)
    """Total agents shared out over the lanes."""
    proficiency: Probability = 0.9
    """Every lane agent's proficiency in each of the lane's skills."""
    hours: Hours = WorkingHours.business()
    """Working hours of every lane."""
    cost_per_hour: Cost = 40.0
    """Staffing cost of one agent per working hour; at most 1e9 (more is a typo in any currency)."""


class Design(Model):
    """One way to organise support: teams, intake, transfer policy and incentive scheme."""

    description: str = ""
    """Free text shown in tables and reports."""
    teams: dict[Name, Team] = Field(default={})
    """The teams (queues) of this design, by name (or give ``lanes`` to generate them)."""
    lanes: Lanes | None = None
    """Generate the teams as lanes instead of listing them (lanes are named lane1, lane2, ...)."""
    intake: Intake = Intake()
    """Where new cases go first."""
    transfer: Transfer = Transfer()
    """What happens when an agent cannot fix a case."""
    incentive: Incentive = Incentive()
    """What agents are measured on, and the behaviour it causes."""

    @model_validator(mode="after")
    def _consistent(self) -> Design:
        """Teams or lanes, and every team the design names exists."""
        if self.lanes is not None and self.teams:
            raise Problem(("lanes",), "give either teams or lanes, not both")
        if self.lanes is None and not self.teams:
            raise Problem((), "a design needs teams (or lanes to generate them)")
        if self.lanes is not None and self.transfer.routing == "matrix":
            raise Problem(("transfer", "routing"), "matrix routing names teams: list them under teams, "
                          "not lanes")
        if self.lanes is not None and self.intake.shares is not None:
            raise Problem(("intake", "shares"), "intake shares name teams: list them under teams, not lanes")
        if self.lanes is not None:
            if self.lanes.agents < self.lanes.count:
                raise Problem(("lanes", "agents"), "needs at least one agent per lane")
            return self  # the scenario checks the team references once the lanes are generated
        self._team_references()
        return self

    def _team_references(self) -> None:
        """Every team the design names (intake, escalation, matrix) is one of its teams."""
        known = ", ".join(repr(t) for t in self.teams)

        def unknown(path: tuple, team: str) -> Problem:
            return Problem(path, f"unknown team {team!r}; teams in this design: {known}")

        if self.intake.team is not None and self.intake.team not in self.teams:
            raise unknown(("intake", "team"), self.intake.team)
        for i, team in enumerate(self.intake.teams or []):
            if team not in self.teams:
                raise unknown(("intake", "teams", i), team)
        transfer = self.transfer
        if transfer.resolver is not None and transfer.resolver not in self.teams:
            raise unknown(("transfer", "resolver"), transfer.resolver)
        if transfer.max_hops is not None and transfer.resolver is None:
            raise Problem(("transfer", "max_hops"), "max_hops needs a resolver team")
        self._observed_routing(unknown)

    def _observed_routing(self, unknown: Any) -> None:
        """Intake shares and the routing matrix name teams of this design; matrix routing needs a work time
        per team (and only it uses one); from every team the matrix reaches ``resolved``."""
        for team in self.intake.shares or {}:
            if team not in self.teams:
                raise unknown(("intake", "shares", team), team)
        transfer = self.transfer
        matrix = transfer.matrix
        if matrix is not None:
            if RESOLVED_STEP in self.teams:
                raise Problem(("teams", RESOLVED_STEP), f"under matrix routing {RESOLVED_STEP!r} is the "
                              "matrix's step for a resolution: rename this team")
            for source, row in matrix.items():
                if source not in self.teams:
                    raise unknown(("transfer", "matrix", source), source)
                for target in row:
                    if target != RESOLVED_STEP and target not in self.teams:
                        raise unknown(("transfer", "matrix", source, target), target)
        for name, team in self.teams.items():
            if matrix is None and team.work_time is not None:
                raise Problem(("teams", name, "work_time"), "work_time is for transfer.routing: matrix "
                              "(under guess routing case types set the work)")
            if matrix is None and team.ask_customer > 0:
                raise Problem(("teams", name, "ask_customer"), "ask_customer is for transfer.routing: "
                              "matrix (under guess routing use case_types.<name>.exchanges)")
            if matrix is not None and team.work_time is None:
                raise Problem(("teams", name), "transfer.routing matrix needs a work_time for every team, "
                              "e.g. 'work_time: {dist: exponential, mean: 1 h}'")
        if matrix is None:
            return
        # From every team, a path of positive probabilities reaches 'resolved' (else cases circulate forever).
        ends = {t for t in self.teams if matrix.get(t, {RESOLVED_STEP: 1.0}).get(RESOLVED_STEP, 0.0) > 0}
        grew = True
        while grew:
            more = {t for t in self.teams if t not in ends
                    and any(p > 0 and n in ends for n, p in matrix.get(t, {}).items())}
            ends |= more
            grew = bool(more)
        for team in self.teams:
            if team not in ends:
                raise Problem(("transfer", "matrix", team), f"from {team!r} no path leads to "
                              f"{RESOLVED_STEP!r}: its cases would go round forever")

    @model_serializer(mode="wrap")
    def _as_written(self, handler: Any) -> Any:
        """Generated lanes are written as the ``lanes`` block that generates them, not as teams."""
        data = handler(self)
        if self.lanes is not None and isinstance(data, dict):
            data.pop("teams", None)
        return data


# ---------------------------------------------------------------- service targets


Severity = Annotated[int, Field(ge=1, le=4)]


class ServiceLevel(Model):
    """The service targets a support leader reports against: first response and, optionally, resolution.

    ``service_level`` is the share of counted cases whose first agent session started within ``target``
    of opening (calendar time), among the cases whose answer is known: cases that got a first response,
    and cases that waited longer than ``target`` without one (abandoned or open at the horizon); a case
    that ended before ``target`` without a response is left out. ``sla_attainment`` is the share of
    counted cases of a severity listed in ``resolution`` that were resolved within its target, among
    those whose answer is known (an abandoned case never attains it; an open case counts once it is older
    than its target); it is undefined when ``resolution`` is not set."""

    target: Duration = 4.0
    """First-response target. Default 4 h: the email benchmark of good support teams (Help Scout's and
    EmailAnalytics' 2024 benchmarks: industry average ~12 h, 36% of companies answer within 4 h)."""
    resolution: dict[Severity, Duration] | None = None
    """Resolution target per severity (1 most urgent to 4), e.g. ``{1: 4 h, 2: 1 day, 3: 3 days, 4: 5 days}``
    (calendar time); severities left out have no target. Omit for no SLA (``sla_attainment`` undefined)."""


# ---------------------------------------------------------------- sweeps


class SweepParameter(Model):
    """One swept parameter: a dotted path into this file and the values it takes."""

    path: str = Field(min_length=1)
    """Dotted path of the value to vary, as written in this file, e.g. ``designs.one_lane.intake.accuracy``;
    ``*`` stands for every key at that level (``designs.*.transfer.accuracy``)."""
    values: list[Any] = Field(min_length=1)
    """The values it takes, written as they would be in the file (``[0.5, 0.7, 0.9]``, ``[2 h, 4 h]``)."""


DEFAULT_SWEEP_METRICS = ["effort_hours_mean", "annual_churn_rate", "resolution_days_mean", "tickets_closed"]


class Sweep(Model):
    """How outcomes move as one or two parameters move (``cxsim sweep``): every point runs every design
    with the same seed, so the curves share their random numbers."""

    parameters: list[SweepParameter] = Field(min_length=1, max_length=2)
    """One or two parameters; two give every combination."""
    metrics: list[str] = Field(default=DEFAULT_SWEEP_METRICS, min_length=1,
                               json_schema_extra={"items": {"type": "string", "enum": list(METRICS)}})
    """Headline metrics charted against the first parameter (names as in summary.json)."""
    replications: int | None = Field(default=None, ge=1)
    """Replications per point (default: the scenario's)."""


# ---------------------------------------------------------------- the scenario


class Scenario(Model):
    """A comparison of org designs on the same customers and cases."""

    name: Name
    """Short name; outputs go to results/<name>/ by default."""
    description: str = ""
    """Free text shown in tables and reports."""
    time_unit: Literal["min", "h", "day"] | None = None
    """Unit of bare numbers given for durations, rates and effort rates (default: none, so every one needs a
    unit)."""
    horizon: Duration = 180 * 24.0
    """Simulated calendar time per replication (at most 1000 years)."""
    warmup: Duration = 0.0
    """Cases opened before this time are simulated but not counted (the queues start empty)."""
    currency: str | None = Field(default=None, min_length=1, max_length=8, pattern=r"^\S(.*\S)?$")
    """Currency of every money amount (contract values, staff cost, lost revenue), e.g. 'EUR' or '$'; shown
    with them in tables and reports (default: none, amounts are plain numbers)."""
    seed: int = Field(default=1, ge=0)
    """Base seed; replication r uses streams SeedSequence(seed, spawn_key=(r, stream))."""
    replications: int = Field(default=10, ge=1)
    """Independent replications per design (the CLI's --replications overrides it)."""
    arrivals: Arrivals = Arrivals()
    """The arrival process of cases: from the customer population, or at an exact rate."""
    customers: Customers | None = None
    """The customer population; needed for churn and for ``arrivals.process: population``."""
    case_types: dict[Name, CaseType] = Field(min_length=1)
    """The kinds of problem customers have, by name (at most 1,000); their shares sum to 1."""
    effort: Effort = Effort()
    """What a case costs the customer, by cause."""
    tickets: Tickets = Tickets()
    """How the ticket system orders queues (priority aging) and assigns replies (ticket owners)."""
    churn: Churn = Churn()
    """How experiences turn into customers leaving."""
    designs: dict[Name, Design] = Field(min_length=1)
    """The org designs to compare, by name (at most 100), all run on the same customers and cases."""
    baseline: Name | None = None
    """Design the others are compared with (default: the first)."""
    sweep: Sweep | None = None
    """Parameters to sweep with ``cxsim sweep`` (ignored by ``cxsim run``)."""
    service_level: ServiceLevel = ServiceLevel()
    """Service targets reported against: first response and, optionally, resolution per severity."""

    _origin: str = PrivateAttr(default="<python>")
    _content: dict | None = PrivateAttr(default=None)

    def __init__(self, /, **data: Any) -> None:
        """``Scenario(name=..., ...)``: validated like a file; a problem is one ``ScenarioError`` line."""
        try:
            super().__init__(**data)
        except ValidationError as err:
            if _FROM_SOURCE.get():  # pydantic validates through __init__: the caller locates the error
                raise
            raise _scenario_error(err, source_from_dict(data, "<Scenario(...)>")) from None

    # ------------------------------------------------------------ validation

    @model_validator(mode="wrap")
    @classmethod
    def _in_time_unit(cls, data: Any, handler: Any) -> Any:
        """Validate the fields with this scenario's ``time_unit`` as the meaning of bare numbers."""
        _refuse_non_finite(data, ())
        if isinstance(data, dict):
            for key, most in (("case_types", MAX_CASE_TYPES), ("designs", MAX_DESIGNS)):
                if isinstance(data.get(key), dict) and len(data[key]) > most:
                    raise Problem((key,), f"{len(data[key]):,} {key.replace('_', ' ')}; a scenario may have "
                                  f"at most {most:,} (cxsim.scenario.MAX_{key.upper()})")
        unit = data.get("time_unit") if isinstance(data, dict) else None
        token = _TIME_UNIT.set(unit if unit in TIME_UNITS else None)
        try:
            return handler(data)
        finally:
            _TIME_UNIT.reset(token)

    @model_validator(mode="after")
    def _consistent(self) -> Scenario:
        """Cross-field checks, in file order; then lanes become teams."""
        total = sum(ct.share for ct in self.case_types.values())
        if abs(total - 1.0) > 1e-6:
            raise Problem(("case_types",), f"the shares of the case types sum to {total:g}, not 1")
        if self.horizon > MAX_HORIZON:
            raise Problem(("horizon",), f"at most {duration_text(MAX_HORIZON)} (got "
                          f"{duration_text(self.horizon)})")
        if self.warmup >= self.horizon:
            raise Problem(("warmup",), "the warm-up must be shorter than the horizon")
        arrivals = self.arrivals
        if arrivals.process == "poisson" and arrivals.rate is None:
            raise Problem(("arrivals", "rate"), "process 'poisson' needs a rate, e.g. '20 per day'")
        if arrivals.process == "population" and self.customers is None:
            raise Problem(("arrivals", "process"), "process 'population' needs a 'customers' block")
        if arrivals.process == "population" and arrivals.rate is not None:
            raise Problem(("arrivals", "rate"), "rate is for process 'poisson'; use customers.case_rate")
        if arrivals.profile is not None and arrivals.hours is not None:
            raise Problem(("arrivals", "profile"), "give either hours or profile, not both (a profile with "
                          "weight 0 outside the hours says both)")
        if self.baseline is not None and self.baseline not in self.designs:
            raise Problem(("baseline",), f"unknown design {self.baseline!r}; designs are "
                          + ", ".join(repr(d) for d in self.designs))
        if self.sweep is not None:
            for i, metric in enumerate(self.sweep.metrics):
                if metric not in METRICS:
                    raise Problem(("sweep", "metrics", i), f"unknown metric {metric!r}")
        needed = {s for ct in self.case_types.values() for s in ct.skills}
        designs = {}
        for name, design in self.designs.items():
            if design.lanes is not None:
                if design.lanes.count > len(needed):
                    raise Problem(("designs", name, "lanes", "count"), f"{design.lanes.count} lanes but the "
                                  f"case types need only {len(needed)} skills")
                teams = {team: Team.model_validate(spec)
                         for team, spec in lane_teams(self.case_types, design.lanes).items()}
                design = BaseModel.model_copy(design, update={"teams": teams})
                try:  # intake.team, transfer.resolver ... may name generated lanes
                    design._team_references()
                except Problem as problem:
                    raise Problem(("designs", name, *problem.path), str(problem)) from None
            skills = {s for team in design.teams.values() for s in team.skills}
            for cname, ctype in self.case_types.items():
                if design.transfer.routing == "guess" and not skills.intersection(ctype.skills):
                    raise Problem(("designs", name, "teams"),
                                  f"no team has a skill that fixes case type {cname!r} (needs one of "
                                  + ", ".join(ctype.skills) + ")")
            designs[name] = design
        object.__setattr__(self, "designs", designs)
        return self

    @classmethod
    def model_json_schema(cls, *args: Any, schema_generator: type[GenerateJsonSchema] = _AsWritten,
                          **kwargs: Any) -> dict[str, Any]:
        """The JSON Schema of a scenario file (for editors and the reference page; ``cxsim schema``)."""
        return super().model_json_schema(*args, schema_generator=schema_generator, **kwargs)

    # ------------------------------------------------------------ provenance

    @property
    def origin(self) -> str:
        """Where the scenario came from (a file path, '<dict>', or how it was derived)."""
        return self._origin

    @property
    def content(self) -> dict[str, Any]:
        """The scenario as plain data with explicit units and every default resolved: what ran. Loading it
        gives an equal scenario; outputs record it so that a run can be reproduced."""
        if self._content is None:
            self._content = self.model_dump(mode="json")
        return self._content

    @property
    def content_hash(self) -> str:
        """A stable hash of ``content`` (how the scenario was written does not matter, what it says does)."""
        return content_hash(self.content)

    def error_at(self, path: tuple, message: str, kind: type[ScenarioError] = ScenarioError) -> ScenarioError:
        """An error (of ``kind``) located at ``path`` in the file the scenario came from, if it came from
        one: a problem found after loading (the run size, a replication's overload) still names a line."""
        line = None
        if path and Path(self.origin).is_file():
            try:
                line = load_source(self.origin).line_for(path)
            except ScenarioError:  # pragma: no cover - it loaded before
                line = None
        return kind(message, file=self.origin, line=line, field=".".join(map(str, path)) or None)

    def duration(self, value: Any) -> float:
        """Hours in a duration written for this scenario ('30 days'; a bare number only with ``time_unit``),
        as the CLI's ``--horizon`` and the API's ``horizon=`` read it."""
        return parse_duration(value, default_unit=self.time_unit)

    # ------------------------------------------------------------ variations

    def with_changes(self, changes: dict[str, Any], *, label: str | None = None) -> Scenario:
        """This scenario with values replaced, validated like a file: ``{"designs.lanes.teams.product.agents":
        3}``. Paths and values are those of ``--set`` (dotted keys as in the file, ``*`` for every key at a
        level; values written as in the file, e.g. ``"2 h"``). A path naming nothing is refused (a misspelt
        design is not quietly added), but a mapping may add a named thing: ``{"designs.new": {...}}``."""
        if not isinstance(changes, dict):
            raise ValueError("changes must be a mapping of dotted path to value, e.g. "
                             f"{{'customers.count': 500}} (got {changes!r})")
        data = self.content
        for path, value in changes.items():
            if not isinstance(path, str):
                raise ValueError(f"changes: a path must be text such as 'customers.count' (got {path!r})")
            check_parameter(self, path, adding=isinstance(value, dict))  # a misspelt name is not added
            data = set_path(data, path, value)
        label = label or f"{self.origin} with " + ", ".join(f"{p}={value_text(v)}"
                                                            for p, v in changes.items())
        return Scenario.from_source(source_from_dict(data, label))

    def model_copy(self, *, update: dict[str, Any] | None = None, deep: bool = False) -> Scenario:
        """A copy with top-level fields replaced, validated (``with_changes`` reaches nested values)."""
        if not update:
            return super().model_copy(deep=deep)
        data = dict(self.content)
        for key, value in update.items():
            data[key] = value.model_dump(mode="json") if isinstance(value, BaseModel) else value
        return Scenario.from_source(source_from_dict(data, f"{self.origin} (copy)"))

    @classmethod
    def from_source(cls, source: Source) -> Scenario:
        """Validate data read from a file or given as a dict; any problem is one located ``ScenarioError``."""
        token = _FROM_SOURCE.set(True)
        try:
            scenario = cls.model_validate(source.data)
        except ValidationError as err:
            raise _scenario_error(err, source) from None
        finally:
            _FROM_SOURCE.reset(token)
        scenario._origin = source.file
        return scenario


_ALLOWED_KEYS = allowed_keys_for_model(Scenario)


def _scenario_error(err: ValidationError, source: Source) -> ScenarioError:
    return validation_error_to_scenario_error(err, source, _ALLOWED_KEYS)


def content_hash(data: Any) -> str:
    """A stable hash of a scenario's content (key order does not matter)."""
    text = json.dumps(data, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]
