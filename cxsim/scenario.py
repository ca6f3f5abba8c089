"""The scenario schema: every field a scenario file may hold, typed, validated and documented in one place.

A scenario holds what all org designs share (customers, case types, how customers spend effort, how
they churn) and several named ``designs`` (teams, intake, transfer policy, incentive scheme) that are
compared on the same customers and cases. YAML is only the serialised form of these models: field
docstrings are the reference documentation (``docs/scenario-reference.md`` is generated from them).

Internal units: durations are hours, rates are events per hour, money is in the scenario's currency.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainValidator,
    PrivateAttr,
    ValidationInfo,
    WithJsonSchema,
)

from cxsim.distributions import DISTRIBUTION_JSON_SCHEMA, Constant, Distribution, parse_distribution
from cxsim.units import HOURS_PER_MONTH, parse_duration, parse_rate
from cxsim.working_hours import WorkingHours, parse_hours


def _time_unit(info: ValidationInfo) -> str | None:
    return (info.context or {}).get("time_unit")


def _duration(value: Any, info: ValidationInfo) -> float:
    return parse_duration(value, default_unit=_time_unit(info))


def _rate(value: Any, info: ValidationInfo) -> float:
    return parse_rate(value, default_unit=_time_unit(info))


def _duration_dist(value: Any, info: ValidationInfo) -> Distribution:
    if isinstance(value, Distribution):
        return value
    return parse_distribution(value, kind="duration", default_unit=_time_unit(info))


def _number_dist(value: Any) -> Distribution:
    if isinstance(value, Distribution):
        return value
    return parse_distribution(value, kind="number")


def _hours(value: Any) -> WorkingHours:
    return value if isinstance(value, WorkingHours) else parse_hours(value)


_EFFORT_RATE = re.compile(r"^\s*(?P<amount>.+?)\s*(?:per|/)\s*(?P<per>.+?)\s*$")


def _effort_rate(value: Any, info: ValidationInfo) -> float:
    """'1.5 h per day' -> customer hours per calendar hour."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if value < 0:
            raise ValueError("must not be negative")
        return float(value)
    match = _EFFORT_RATE.match(str(value))
    if not match:
        raise ValueError(f"cannot read {value!r} as effort per time; use e.g. '1.5 h per day'")
    amount = parse_duration(match["amount"])
    per = match["per"]
    per_hours = parse_duration(per if re.match(r"^\s*[\d.]", per) else f"1 {per}")
    if per_hours <= 0:
        raise ValueError(f"cannot read {value!r}: the period must be longer than zero")
    return amount / per_hours


Duration = Annotated[
    float,
    BeforeValidator(_duration),
    WithJsonSchema({"type": "string", "description": "duration with a unit", "examples": ["30 min", "2 h"]}),
]
Rate = Annotated[
    float,
    BeforeValidator(_rate),
    WithJsonSchema({"type": "string", "description": "events per time", "examples": ["20 per day"]}),
]
EffortRate = Annotated[
    float,
    BeforeValidator(_effort_rate),
    WithJsonSchema({"type": "string", "description": "customer time per time", "examples": ["1 h per day"]}),
]
_DIST_SCHEMA = WithJsonSchema(DISTRIBUTION_JSON_SCHEMA)
DurationDist = Annotated[Distribution, PlainValidator(_duration_dist), _DIST_SCHEMA]
NumberDist = Annotated[Distribution, PlainValidator(_number_dist), _DIST_SCHEMA]
Hours = Annotated[
    WorkingHours,
    PlainValidator(_hours),
    WithJsonSchema(
        {
            "description": "'24/7', 'business' (Mon-Fri 09:00-17:00) or {days, open, close}",
            "examples": ["24/7", "business", {"days": "mon-fri", "open": "08:00", "close": "20:00"}],
        }
    ),
]
Probability = Annotated[float, Field(ge=0.0, le=1.0)]
Name = Annotated[str, Field(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9_][A-Za-z0-9_.\- ]*$")]


class Model(BaseModel):
    """Base: unknown keys are errors, values are immutable, docstrings are the documentation."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, arbitrary_types_allowed=True, use_attribute_docstrings=True
    )


# ---------------------------------------------------------------- customers and arrivals


class Contract(Model):
    """A customer's contract: customers who decide to leave can only do so when it renews."""

    term: Duration = 12 * HOURS_PER_MONTH
    """Contract length; renewals happen every term, starting at a uniformly random point of the first one
    (contracts were signed at different times). Seed 001: customers are locked in until renewal."""
    monthly_value: NumberDist = Constant(1000.0)
    """Revenue per month of one customer (a number or a distribution of numbers): what churn loses."""


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
    """Probability that a customer renews at the end of a term when nothing went wrong (base retention).
    Every case then multiplies it by (1 - p) where p comes from the churn curve: bad experiences erode it."""
    recovery: Probability = 0.0
    """Share of lost loyalty a customer regains when they renew anyway (0: grudges last)."""
    patience: DurationDist | None = None
    """Calendar time after which a customer gives up on a case still open (it ends as ``abandoned``).
    Omit for customers who never give up."""
    acquisition: Rate = 0.0
    """New customers per time (e.g. '5 per month'), joining with fresh contracts."""


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


# ---------------------------------------------------------------- cases


class CaseType(Model):
    """A kind of customer problem: who can fix it and how long that takes."""

    share: float = Field(gt=0.0, le=1.0)
    """Share of arrivals of this type; the shares of all case types sum to 1."""
    skills: list[Name] = Field(min_length=1)
    """Skills that can fix it: an agent holding any one of them can recognise and fix the case."""
    fix_time: DurationDist
    """Hands-on work to fix the case once an agent with the right skill has recognised it
    (seed 000: 5 min)."""
    diagnosis_time: DurationDist = Constant(0.5)
    """Agent time spent understanding the case in one session, before fixing it or deciding it is not
    theirs."""
    difficulty: Probability = 0.0
    """How hard it is to tell which skill the case needs: triage and transfer guesses are right with
    probability accuracy x (1 - difficulty). Cross-cutting problems (integration) are hard."""
    exchanges: int = Field(default=1, ge=1, le=20)
    """Agent sessions with the customer a new ticket needs before the agent can decide (ask for logs, have
    the customer test, come back): between sessions the customer replies after ``effort.reply_time`` and the
    ticket rejoins the back of the team's queue (seed 000: "someone else who will get back to you
    tomorrow"). A case handed on with context (briefing < 1) needs one session."""
    severity: int = Field(default=3, ge=1, le=4)
    """Queue priority, 1 (most urgent) to 4; queues serve by severity, then by place in line."""


class Effort(Model):
    """What a case costs the customer, in hours of their own time, by cause."""

    contact: Duration = 0.25
    """Opening a case: finding the channel, writing it up, first contact (seed 000: initial contact)."""
    presence: Probability = 1.0
    """Share of each agent session with the customer that the customer spends on it (calls, screen shares)."""
    reexplain: Duration = 1.0
    """Re-explaining the problem to a new agent after a transfer, at full context loss (a cold transfer);
    the transfer policy scales it."""
    chasing: EffortRate = 1.0 / 24.0
    """Chasing while the case is open and waiting: follow-ups, status checks, workarounds, e.g. '1 h per day'
    (calendar days). The transfer policy scales it (an owner keeps the customer informed)."""
    reply: Duration = 0.5
    """Answering an agent's request between exchanges: collecting logs, running a test."""
    reply_time: DurationDist = Constant(8.0)
    """Calendar time the customer takes to reply between exchanges."""
    reopen: Duration = 1.0
    """Finding out that a case closed as resolved is not, re-testing and reopening it."""
    discovery_time: DurationDist = Constant(48.0)
    """Calendar time before a customer discovers a premature closure (the fix did not work)."""


class ChurnWeights(Model):
    """How a finished case's experience turns into one score (in effort-hour equivalents)."""

    effort_hours: float = Field(default=1.0, ge=0)
    """Weight of each hour of customer effort (CEB: effort is the main driver of disloyalty)."""
    transfers: float = Field(default=1.0, ge=0)
    """Weight of each transfer (CEB: transfers and repeating information drive disloyalty)."""
    reopens: float = Field(default=3.0, ge=0)
    """Weight of each reopen (repeat contact after a 'resolved' closure)."""
    days: float = Field(default=0.5, ge=0)
    """Weight of each calendar day the case stayed open."""
    unresolved: float = Field(default=20.0, ge=0)
    """Extra weight when the case ended unresolved (abandoned); SQM: unresolved customers defect ~5x more."""


class Churn(Model):
    """The churn curve: the probability that a case's experience makes the customer decide to leave.

    p(x) = floor + (ceiling - floor) / (1 + exp(-(x - midpoint) / scale)), x the weighted experience score.
    The customer's loyalty is multiplied by (1 - p) after each case; at renewal the customer leaves with
    probability 1 - loyalty. Anchors: CEB (Dixon et al. 2013) 9% of low-effort vs 96% of high-effort customers
    became more disloyal; disloyal is not churned, so floor and ceiling are stated, sweepable assumptions.
    """

    curve: Literal["logistic", "none"] = "logistic"
    """``logistic`` as above; ``none`` turns churn from experience off (base loyalty still applies)."""
    floor: Probability = 0.01
    """p for a flawless case (low effort)."""
    ceiling: Probability = 0.5
    """p for the worst cases (assumption: half of the customers who became disloyal act on it at renewal)."""
    midpoint: float = Field(default=20.0, gt=0)
    """Score at which p is halfway between floor and ceiling."""
    scale: float = Field(default=6.0, gt=0)
    """Steepness: the score distance over which p moves from ~27% to ~73% of its range."""
    weights: ChurnWeights = ChurnWeights()
    """Weights that turn a finished case into the experience score x."""


# ---------------------------------------------------------------- designs


class Skill(Model):
    """An agent's skill: how reliably and how fast they handle cases that need it."""

    proficiency: Probability = 0.95
    """Probability of recognising an in-skill case as theirs (and then fixing it)."""
    speed: float = Field(default=1.0, gt=0)
    """Work speed: diagnosis and fix times are divided by it."""


def _skills(value: Any) -> Any:
    if isinstance(value, list):
        return {name: {} for name in value}
    if isinstance(value, dict):
        return {k: ({"proficiency": v} if isinstance(v, (int, float)) and not isinstance(v, bool) else v)
                for k, v in value.items()}
    return value


class Team(Model):
    """A queue and the agents who work it."""

    agents: int = Field(ge=1)
    """Number of agents working the team's queue."""
    skills: Annotated[dict[Name, Skill], BeforeValidator(_skills)] = Field(min_length=1)
    """Skills of the team's agents: a list of names, or a mapping name -> proficiency or
    {proficiency, speed}."""
    hours: Hours = WorkingHours.business()
    """When the team works: queues wait overnight and over weekends outside these hours."""
    cost_per_hour: float = Field(default=40.0, ge=0)
    """Staffing cost of one agent per working hour (for ``staff_cost``)."""


class Intake(Model):
    """Intake/triage: where a new case goes first."""

    accuracy: Probability = 0.8
    """Probability that triage routes a case to a team with a right skill, times (1 - case difficulty);
    otherwise it goes to a wrong lane."""
    team: Name | None = None
    """Send every new case to this team instead (e.g. the case owners of an integrated design)."""
    teams: list[Name] | None = None
    """Teams triage may route to (default: every team except the resolver)."""


class Transfer(Model):
    """What happens when an agent cannot fix a case. The policy sets defaults for the numbers below."""

    policy: Literal["cold", "warm", "swarm", "owner"] = "cold"
    """``cold``: close the ticket, open a new one at the back of the guessed team's queue, the customer
    re-explains. ``warm``: hand the same ticket over with context, keeping its place in line.
    ``swarm``: the agent keeps the case and pulls in an expert of the guessed skill ahead of the queue.
    ``owner``: the agent stays the customer's contact and chases the case through teams internally."""
    accuracy: Probability = 0.5
    """Probability that the agent's guess of the right team is right, times (1 - case difficulty)."""
    reexplain: Probability | None = None
    """Share of ``effort.reexplain`` the customer spends per transfer (default cold 1, warm 0.25, else 0)."""
    chasing: Probability | None = None
    """Share of ``effort.chasing`` once the case has been handed on (default cold/warm 1, owner/swarm 0.3)."""
    handoff_time: Duration | None = None
    """Agent time to write up, brief or coordinate one hand-off (default cold 5 min, warm 10 min,
    owner 15 min, swarm 10 min)."""
    briefing: Probability | None = None
    """Share of the usual diagnosis time the next agent needs thanks to context passed on (default cold 1,
    warm 0.7, owner 0.5, swarm 0.5)."""
    max_hops: int | None = Field(default=None, ge=0)
    """After this many transfers, the next one goes to the ``resolver`` team."""
    resolver: Name | None = None
    """Team that takes cases escalated after ``max_hops``."""


class Incentive(Model):
    """What agents are measured on, and the behaviour it causes (FACTS: no published rates exist; the
    defaults are stated assumptions to sweep)."""

    scheme: Literal["close_fast", "resolution"] = "resolution"
    """``close_fast``: tickets closed and handle time (seeds 000, 003) -> premature closure, deflection of
    long in-skill cases, rushed diagnosis. ``resolution``: case resolution and customer effort -> none."""
    premature_closure: Probability | None = None
    """Probability that an agent closes an in-skill ticket as resolved without the fix (default close_fast
    0.15); the customer discovers it later and reopens."""
    partial_fix: Probability = 0.3
    """Share of the fix time spent before a premature closure."""
    deflection: Probability | None = None
    """Probability that an agent sends away an in-skill case whose fix takes longer than ``deflect_over``
    ('not in my lane'; default close_fast 0.5)."""
    deflect_over: Duration = 2.0
    """Fix time above which close-fast agents consider deflecting a case."""
    rush: Probability | None = None
    """Share of diagnosis time cut by rushing (default close_fast 0.3)."""
    rush_penalty: Probability | None = None
    """Drop in the probability of recognising an in-skill case when rushing (default close_fast 0.15)."""


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
    cost_per_hour: float = Field(default=40.0, ge=0)
    """Staffing cost of one agent per working hour."""


class Design(Model):
    """One way to organise support: teams, intake, transfer policy and incentive scheme."""

    description: str = ""
    """Free text shown in tables and reports."""
    teams: dict[Name, Team] = Field(default_factory=dict)
    """The teams (queues) of this design, by name (or give ``lanes`` to generate them)."""
    lanes: Lanes | None = None
    """Generate the teams as lanes instead of listing them (lanes are named lane1, lane2, ...)."""
    intake: Intake = Intake()
    """Where new cases go first."""
    transfer: Transfer = Transfer()
    """What happens when an agent cannot fix a case."""
    incentive: Incentive = Incentive()
    """What agents are measured on, and the behaviour it causes."""


# ---------------------------------------------------------------- sweeps


class SweepParameter(Model):
    """One swept parameter: a dotted path into this file and the values it takes."""

    path: str = Field(min_length=1)
    """Dotted path of the value to vary, as written in this file, e.g. ``designs.one_lane.intake.accuracy``;
    ``*`` stands for every key at that level (``designs.*.transfer.accuracy``)."""
    values: list[Any] = Field(min_length=1)
    """The values it takes, written as they would be in the file (``[0.5, 0.7, 0.9]``, ``[2 h, 4 h]``)."""


DEFAULT_SWEEP_METRICS = ["effort_hours_mean", "churn_rate", "resolution_days_mean", "tickets_closed"]


class Sweep(Model):
    """How outcomes move as one or two parameters move (``cxsim sweep``): every point runs every design
    with the same seed, so the curves share their random numbers."""

    parameters: list[SweepParameter] = Field(min_length=1, max_length=2)
    """One or two parameters; two give every combination."""
    metrics: list[str] = Field(default_factory=lambda: list(DEFAULT_SWEEP_METRICS), min_length=1)
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
    """Unit of bare numbers given for durations (default: none, so every duration needs a unit)."""
    horizon: Duration = 180 * 24.0
    """Simulated calendar time per replication."""
    warmup: Duration = 0.0
    """Cases opened before this time are simulated but not counted (the queues start empty)."""
    seed: int = Field(default=1, ge=0)
    """Base seed; replication r uses streams SeedSequence(seed, spawn_key=(r, stream))."""
    replications: int = Field(default=10, ge=1)
    """Independent replications per design (the CLI's --replications overrides it)."""
    arrivals: Arrivals = Arrivals()
    """How cases arrive."""
    customers: Customers | None = None
    """The customer population; needed for churn and for ``arrivals.process: population``."""
    case_types: dict[Name, CaseType] = Field(min_length=1)
    """The kinds of problem customers have, by name; their shares sum to 1."""
    effort: Effort = Effort()
    """What a case costs the customer, by cause."""
    churn: Churn = Churn()
    """How experiences turn into customers leaving."""
    designs: dict[Name, Design] = Field(min_length=1)
    """The org designs to compare, by name, all run on the same customers and cases."""
    baseline: Name | None = None
    """Design the others are compared with (default: the first)."""
    sweep: Sweep | None = None
    """Parameters to sweep with ``cxsim sweep`` (ignored by ``cxsim run``)."""

    _origin: str = PrivateAttr(default="<python>")
    _content_hash: str | None = PrivateAttr(default=None)
    _content: dict | None = PrivateAttr(default=None)

    @property
    def origin(self) -> str:
        """Where the scenario came from (a file path, or '<dict>')."""
        return self._origin

    @property
    def content_hash(self) -> str | None:
        """Hash of the scenario's content as written (for provenance)."""
        return self._content_hash

    @property
    def content(self) -> dict | None:
        """The scenario as written (plain data), recorded in outputs so a run can be reproduced."""
        return self._content


def expand_lanes(scenario: Scenario) -> Scenario:
    """The scenario with every design's ``lanes`` turned into teams (plain teams are kept as they are)."""
    from cxsim.lanes import lane_teams

    designs = {}
    for name, design in scenario.designs.items():
        if design.lanes is not None and not design.teams:
            teams = {name: Team.model_validate(spec) for name, spec in lane_teams(scenario.case_types,
                                                                                  design.lanes).items()}
            design = design.model_copy(update={"teams": teams})
        designs[name] = design
    expanded = scenario.model_copy(update={"designs": designs})
    return expanded


def semantic_problems(scenario: Scenario) -> list[tuple[tuple, str]]:
    """Cross-field checks pydantic cannot express per field: (path, message) pairs, in file order."""
    problems: list[tuple[tuple, str]] = []
    total = sum(ct.share for ct in scenario.case_types.values())
    if abs(total - 1.0) > 1e-6:
        problems.append((("case_types",), f"the shares of the case types sum to {total:g}, not 1"))
    if scenario.warmup >= scenario.horizon:
        problems.append((("warmup",), "the warm-up must be shorter than the horizon"))
    arrivals = scenario.arrivals
    if arrivals.process == "poisson" and arrivals.rate is None:
        problems.append((("arrivals", "rate"), "process 'poisson' needs a rate, e.g. '20 per day'"))
    if arrivals.process == "population" and scenario.customers is None:
        problems.append((("arrivals", "process"), "process 'population' needs a 'customers' block"))
    if arrivals.process == "population" and arrivals.rate is not None:
        problems.append((("arrivals", "rate"), "rate is for process 'poisson'; use customers.case_rate"))
    if scenario.baseline is not None and scenario.baseline not in scenario.designs:
        problems.append((("baseline",), f"unknown design {scenario.baseline!r}; designs are "
                         + ", ".join(repr(d) for d in scenario.designs)))
    if scenario.sweep is not None:
        from cxsim.catalogue import METRICS

        for i, metric in enumerate(scenario.sweep.metrics):
            if metric not in METRICS:
                problems.append((("sweep", "metrics", i), f"unknown metric {metric!r}"))
    for dname, design in scenario.designs.items():
        problems.extend(_design_problems(scenario, dname, design))
    return problems


def _design_problems(scenario: Scenario, dname: str, design: Design) -> list[tuple[tuple, str]]:
    problems: list[tuple[tuple, str]] = []
    if design.lanes is not None and design.teams:
        return [(("designs", dname, "lanes"), "give either teams or lanes, not both")]
    if design.lanes is None and not design.teams:
        return [(("designs", dname), "a design needs teams (or lanes to generate them)")]
    if design.lanes is not None:
        skills = {s for ct in scenario.case_types.values() for s in ct.skills}
        if design.lanes.count > len(skills):
            return [(("designs", dname, "lanes", "count"),
                     f"{design.lanes.count} lanes but the case types need only {len(skills)} skills")]
        if design.lanes.agents < design.lanes.count:
            return [(("designs", dname, "lanes", "agents"), "needs at least one agent per lane")]
        return problems
    teams = design.teams
    known = ", ".join(repr(t) for t in teams)

    def unknown(path: tuple, team: str) -> None:
        problems.append((("designs", dname, *path), f"unknown team {team!r}; teams in this design: {known}"))

    if design.intake.team is not None and design.intake.team not in teams:
        unknown(("intake", "team"), design.intake.team)
    for i, team in enumerate(design.intake.teams or []):
        if team not in teams:
            unknown(("intake", "teams", i), team)
    transfer = design.transfer
    if transfer.resolver is not None and transfer.resolver not in teams:
        unknown(("transfer", "resolver"), transfer.resolver)
    if transfer.max_hops is not None and transfer.resolver is None:
        problems.append((("designs", dname, "transfer", "max_hops"), "max_hops needs a resolver team"))
    skills = {s for team in teams.values() for s in team.skills}
    for cname, ctype in scenario.case_types.items():
        if not skills.intersection(ctype.skills):
            problems.append((("designs", dname, "teams"),
                             f"no team has a skill that fixes case type {cname!r} (needs one of "
                             + ", ".join(ctype.skills) + ")"))
    return problems
