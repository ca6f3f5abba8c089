"""How big a run is before it starts: expected cases, renewals and customers, and the limits on them.

A scenario can ask for a run that would take days or exhaust memory (``customers.count: 1e9``,
``replications: 1e9``, a one-second contract term). The expected work is cheap to estimate from the scenario
alone (customers x case rate x horizon, renewals every term, times designs, replications and sweep points),
so a run is measured before it starts: above a limit it is refused with one located line naming the limit
(``--allow-large`` lifts it), and a run that will take minutes says so first.
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

from cxsim.errors import ScenarioError
from cxsim.scenario import Scenario
from cxsim.units import format_duration
from cxsim.yaml_source import load_source

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
    return RunSize(cases=cases, renewals=renewals, customers=customers, designs=len(scenario.designs),
                   replications=replications or scenario.replications, points=points)


def check(scenario: Scenario, size: RunSize, *, allow_large: bool = False, flag: str | None = None) -> None:
    """Refuse a run above a limit: one ``ScenarioError`` line naming the limit (``allow_large`` lifts them).

    ``flag`` names the command-line option that set the replications, if one did (the error then names it
    instead of the file's line). A run of infinitely many cases or renewals (a contract term of 1e-300 s)
    is refused even with ``allow_large``: it would never end."""
    if not math.isfinite(size.events):
        where = ("customers", "contract", "term") if not math.isfinite(size.renewals) else ()
        raise _error(scenario, where, f"this run would simulate {describe(size)}: it would never end; "
                     "lengthen the contract term or lower the rates")
    if allow_large:
        return
    lift = "give --allow-large (allow_large=True in Python) to run it anyway"
    if size.replications > MAX_REPLICATIONS:
        message = (f"{size.replications:,} replications; the limit is {MAX_REPLICATIONS:,} per design "
                   f"(cxsim.run_size.MAX_REPLICATIONS): {lift}")
        if flag is not None:
            raise ScenarioError(message, file=scenario.origin, field=flag)
        raise _error(scenario, ("replications",), message)
    if size.customers > MAX_CUSTOMERS:
        raise _error(scenario, ("customers", "count"), f"{_count(size.customers)} customers in a "
                     f"replication; the limit is {MAX_CUSTOMERS:,} (cxsim.run_size.MAX_CUSTOMERS): {lift}")
    for name, design in scenario.designs.items():
        agents = sum(team.agents for team in design.teams.values())
        if agents > MAX_AGENTS:
            if design.lanes is not None:
                where: tuple = ("designs", name, "lanes", "agents")
            else:
                where = ("designs", name, "teams", max(design.teams, key=lambda t: design.teams[t].agents),
                         "agents")
            raise _error(scenario, where, f"{agents:,} agents in design {name!r}; the limit is "
                         f"{MAX_AGENTS:,} (cxsim.run_size.MAX_AGENTS): {lift}")
    if size.events > MAX_EVENTS:
        raise _error(scenario, (), f"this run would simulate about {describe(size)}; the limit is "
                     f"{MAX_EVENTS:,} cases and renewals (cxsim.run_size.MAX_EVENTS): shorten the horizon, "
                     f"lower the replications or {lift}")


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
    """A line saying the run will take long, or None for a run expected within ANNOUNCE_SECONDS."""
    seconds = size.seconds(workers)
    if seconds < ANNOUNCE_SECONDS:
        return None
    return (f"a large run: about {describe(size)}, roughly {format_duration(seconds / 3600)} on {workers} "
            f"worker{'s' if workers != 1 else ''}")


def _count(value: float) -> str:
    if not math.isfinite(value):
        return "infinitely many"
    return f"{value:,.0f}" if value < 1e15 else f"{value:.3g}"


def _error(scenario: Scenario, path: tuple, message: str) -> ScenarioError:
    """The error located at ``path`` in the scenario's file, when it came from one (and the value there)."""
    origin = scenario.origin
    line = None
    if path and Path(origin).is_file():
        try:
            line = load_source(origin).line_for(path)
        except ScenarioError:  # pragma: no cover - it loaded a moment ago
            line = None
    return ScenarioError(message, file=origin, line=line, field=".".join(path) or None)


__all__ = ["MAX_AGENTS", "MAX_CUSTOMERS", "MAX_EVENTS", "MAX_REPLICATIONS", "RunSize", "announcement",
           "check", "describe", "estimate"]
