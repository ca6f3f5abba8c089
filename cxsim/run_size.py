"""How big a run is before it starts: expected cases, renewals and customers, and the limits on them.

A scenario can ask for a run that would take days or exhaust memory (``customers.count: 1e9``,
``replications: 1e9``, a one-second contract term). The expected work is cheap to estimate from the scenario
alone (customers x case rate x horizon, renewals every term, times designs, replications and sweep points),
so a run is measured before it starts: above a limit it is refused with one located line naming the limit
(``--allow-large`` lifts it), and a run that will take minutes says so first.

Cases are not the only measure: a replication holds every case still open in memory until the horizon, and
an overloaded design (arrivals above what its teams can serve) keeps nearly all of them open. The open cases
at the horizon are estimated from the planned loads (``cxsim.stability.planned_overflow``) and the memory
they take on the workers running at once is limited too. (An overload the plan cannot foresee, failure
demand, is caught during the run: ``cxsim.engine.cases.MAX_OPEN_CASES``.)
"""

from __future__ import annotations

import dataclasses
import math

from cxsim.engine import cases as engine_cases
from cxsim.errors import ScenarioError
from cxsim.scenario import Scenario
from cxsim.stability import arrival_rate, planned_load, planned_overflow
from cxsim.units import format_duration

#: Cases plus renewals over a whole run (all designs, replications and sweep points): about an hour and a
#: half on one core at the measured 4,000 cases a second.
MAX_EVENTS = 20_000_000
#: Customers alive in one replication (each holds its own random stream: about 2 KB).
MAX_CUSTOMERS = 1_000_000
#: Replications per design.
MAX_REPLICATIONS = 10_000
#: Agents in one design (the engine keeps a record per agent).
MAX_AGENTS = 100_000
#: Cases a second one worker simulates (measured on the shipped scenarios: 4,000 to 15,000).
CASES_PER_SECOND = 4_000.0
#: Runs expected to take longer than this are announced before they start.
ANNOUNCE_SECONDS = 60.0
#: Memory one open case holds (the case, its ticket, effort ledger, queue entry and the recorder's route):
#: measured 1.8 to 2.4 KB per open case in an overloaded replication of scenarios/minimal.yaml.
BYTES_PER_OPEN_CASE = 2_000
#: Memory the cases still open may hold at once, over the replications running at the same time.
MAX_OPEN_MEMORY = 4_000_000_000
#: Runs expected to hold more than this in open cases are announced before they start.
ANNOUNCE_OPEN_MEMORY = 1_000_000_000


@dataclasses.dataclass(frozen=True)
class RunSize:
    """Expected work of a run: per replication of one design, and how many of those there are."""

    cases: float
    """Expected cases opened in one replication of one design."""
    renewals: float
    """Expected contract renewals in one replication of one design."""
    customers: float
    """Customers alive at some point of one replication (initial plus acquired)."""
    designs: int
    replications: int
    points: int = 1
    """Sweep points (1 for a run)."""
    open_cases: float = 0.0
    """Cases still open at the horizon of one replication of the design that leaves the most open."""
    overloaded: tuple[str, str, float] | None = None
    """That design, its team that leaves the most cases open, and the team's planned load (None: none)."""

    @property
    def runs(self) -> int:
        """Replications to simulate in all."""
        return self.designs * self.replications * self.points

    @property
    def events(self) -> float:
        """Cases plus renewals over the whole run."""
        return (self.cases + self.renewals) * self.runs

    def seconds(self, workers: int) -> float:
        """A rough wall time on ``workers`` processes."""
        return self.events / CASES_PER_SECOND / max(1, workers)

    def concurrent(self, workers: int) -> int:
        """Replications running at the same time on ``workers`` processes."""
        return max(1, min(workers, self.runs))

    def open_memory(self, workers: int) -> float:
        """Bytes the open cases hold at the horizon, over the replications running at once (each is taken to
        be of the design that leaves the most open)."""
        return self.open_cases * BYTES_PER_OPEN_CASE * self.concurrent(workers)


def estimate(scenario: Scenario, *, replications: int | None = None, horizon: float | None = None,
             points: int = 1) -> RunSize:
    """The expected size of running ``scenario`` (``horizon`` in hours overrides the scenario's)."""
    hours = scenario.horizon if horizon is None else horizon
    spec = scenario.customers
    customers = cases = renewals = 0.0
    if spec is not None:
        joining = 0.0 if spec.acquisition == "steady" else float(spec.acquisition)
        customers = spec.count + joining * hours
        mean_alive = spec.count + joining * hours / 2  # churn aside, which only lowers it
        renewals = mean_alive * hours / spec.contract.term
        if scenario.arrivals.process == "population":
            cases = mean_alive * spec.case_rate * hours
    if scenario.arrivals.process == "poisson":
        cases = (scenario.arrivals.rate or 0.0) * hours
    open_cases, overloaded = _open_at_horizon(scenario, cases, hours)
    return RunSize(cases=cases, renewals=renewals, customers=customers, designs=len(scenario.designs),
                   replications=replications or scenario.replications, points=points, open_cases=open_cases,
                   overloaded=overloaded)


def _open_at_horizon(scenario: Scenario, cases: float, hours: float) -> tuple[float, tuple | None]:
    """Cases still open at the horizon of a replication of the design that leaves the most open, and
    (design, team, planned load) of the team where most of them wait.

    Cases pile up from time zero at the rate the planned loads leave unserved, at the run's mean arrival
    rate (a growing customer base included); never more than the cases opened, and with ``patience`` no
    more than arrive over a mean patience (the rest give up). Churn, which thins arrivals, is left out."""
    planned = arrival_rate(scenario)
    if not (cases > 0 and planned > 0 and math.isfinite(cases)):
        return 0.0, None
    scale = cases / hours / planned
    ceiling = cases
    patience = scenario.customers.patience if scenario.customers is not None else None
    if patience is not None:
        ceiling = min(ceiling, cases / hours * patience.mean)
    most, where = 0.0, None
    for name, design in scenario.designs.items():
        piling = planned_overflow(scenario, design, scale)
        left = min(sum(piling.values()) * hours, ceiling)
        if left > most:
            team = max(piling, key=piling.__getitem__)
            most, where = left, (name, team, planned_load(scenario, design)[team] * scale)
    return most, where


def check(scenario: Scenario, size: RunSize, *, allow_large: bool = False, flag: str | None = None,
          workers: int = 1) -> None:
    """Refuse a run above a limit: one ``ScenarioError`` line naming the limit (``allow_large`` lifts them).
    ``workers``: the processes that will run replications at once (their open cases are in memory together).

    ``flag`` names the command-line option that set the replications, if one did (the error then names it
    instead of the file's line). A run of infinitely many cases or renewals (a contract term of 1e-300 s)
    is refused even with ``allow_large``: it would never end."""
    if not math.isfinite(size.events):
        where = ("customers", "contract", "term") if not math.isfinite(size.renewals) else ()
        raise scenario.error_at(where, f"this run would simulate {describe(size)}: it would never end; "
                                "lengthen the contract term or lower the rates")
    if allow_large:
        return
    lift = "give --allow-large (allow_large=True in Python) to run it anyway"
    if size.replications > MAX_REPLICATIONS:
        message = (f"{size.replications:,} replications; the limit is {MAX_REPLICATIONS:,} per design "
                   f"(cxsim.run_size.MAX_REPLICATIONS): {lift}")
        if flag is not None:
            raise ScenarioError(message, file=scenario.origin, field=flag)
        raise scenario.error_at(("replications",), message)
    if size.customers > MAX_CUSTOMERS:
        raise scenario.error_at(("customers", "count"), f"{_count(size.customers)} customers in a "
                                f"replication; the limit is {MAX_CUSTOMERS:,} "
                                f"(cxsim.run_size.MAX_CUSTOMERS): {lift}")
    for name, design in scenario.designs.items():
        agents = sum(team.agents for team in design.teams.values())
        if agents > MAX_AGENTS:
            if design.lanes is not None:
                where: tuple = ("designs", name, "lanes", "agents")
            else:
                where = ("designs", name, "teams", max(design.teams, key=lambda t: design.teams[t].agents),
                         "agents")
            raise scenario.error_at(where, f"{agents:,} agents in design {name!r}; the limit is "
                                    f"{MAX_AGENTS:,} (cxsim.run_size.MAX_AGENTS): {lift}")
    if size.events > MAX_EVENTS:
        raise scenario.error_at((), f"this run would simulate about {describe(size)}; the limit is "
                                f"{MAX_EVENTS:,} cases and renewals (cxsim.run_size.MAX_EVENTS): shorten "
                                f"the horizon, lower the replications or {lift}")
    held = size.open_memory(workers)
    if held > MAX_OPEN_MEMORY and size.overloaded is not None:
        name, team, _ = size.overloaded
        fewer = ", run fewer --workers" if size.concurrent(workers) > 1 else ""
        raise scenario.error_at(_agents_field(scenario, name, team), f"{overload(size, workers)}; the limit "
                                f"is {_bytes(MAX_OPEN_MEMORY)} (cxsim.run_size.MAX_OPEN_MEMORY): add "
                                f"agents, shorten the horizon{fewer} or {lift}")


def overload(size: RunSize, workers: int) -> str:
    """'design 'x' is overloaded (team t at 350% of its capacity): about 2,000,000 cases would still be open
    ...': what the open-case estimate says, for a refusal or a note."""
    name, team, load = size.overloaded or ("", "", math.nan)
    n = size.concurrent(workers)
    return (f"design {name!r} is overloaded (team {team} at {load:.0%} planned load): about "
            f"{_count(size.open_cases)} cases would still be open at the horizon of each replication, "
            f"{_bytes(size.open_memory(workers))} of memory on {n} replication{'s' if n != 1 else ''} "
            "running at once")


def _agents_field(scenario: Scenario, name: str, team: str) -> tuple:
    """Where the agents of ``team`` in design ``name`` are set: its teams, or the lanes that generate them."""
    if scenario.designs[name].lanes is not None:
        return ("designs", name, "lanes", "agents")
    return ("designs", name, "teams", team, "agents")


def _bytes(value: float) -> str:
    return f"{value / 1e9:,.1f} GB" if value >= 1e9 else f"{value / 1e6:,.0f} MB"


def describe(size: RunSize) -> str:
    """'1,200,000 cases and 300 renewals (2 designs x 10 replications)': what the estimate counts."""
    text = f"{_count(size.cases * size.runs)} cases"
    if size.renewals:
        text += f" and {_count(size.renewals * size.runs)} renewals"
    parts = [f"{size.designs} design{'s' if size.designs != 1 else ''}",
             f"{size.replications:,} replication{'s' if size.replications != 1 else ''}"]
    if size.points != 1:
        parts.append(f"{size.points} sweep points")
    return text + " (" + " x ".join(parts) + ")"


def announcement(size: RunSize, workers: int) -> str | None:
    """A line saying the run will take long or hold much memory in open cases, or None for a run expected
    within ANNOUNCE_SECONDS and ANNOUNCE_OPEN_MEMORY."""
    seconds = size.seconds(workers)
    notes = []
    if seconds >= ANNOUNCE_SECONDS:
        notes.append(f"a large run: about {describe(size)}, roughly {format_duration(seconds / 3600)} on "
                     f"{workers} worker{'s' if workers != 1 else ''}")
    if size.overloaded is not None and size.open_memory(workers) >= ANNOUNCE_OPEN_MEMORY:
        note = overload(size, workers)
        if size.open_cases > engine_cases.MAX_OPEN_CASES:
            note += (f"; a replication stops at {engine_cases.MAX_OPEN_CASES:,} open cases "
                     "(cxsim.engine.cases.MAX_OPEN_CASES, not lifted by --allow-large)")
        notes.append(note if notes else "a large run: " + note)
    return "; ".join(notes) or None


def _count(value: float) -> str:
    if not math.isfinite(value):
        return "infinitely many"
    return f"{value:,.0f}" if value < 1e15 else f"{value:.3g}"


__all__ = ["MAX_AGENTS", "MAX_CUSTOMERS", "MAX_EVENTS", "MAX_OPEN_MEMORY", "MAX_REPLICATIONS", "RunSize",
           "announcement", "check", "describe", "estimate", "overload"]
