"""Is a design's queue stable? Each team's offered load before and after a run, the backlog's trend, and the
warnings a reader must see when the results depend on the horizon.

Before a run the offered load is an analytic estimate from the scenario alone: arrival rates x the work a
case needs where it is fixed (plus the intake team's look at it when the design sends every case there)
/ the team's agent-hours per hour, with no failure demand (no misroutes, misses, reopens). After a run it
is measured: the sessions that reached the team in the window (served, plus the growth of its queue) x
their mean work / its agent-hours, failure demand included. The rules and thresholds are documented in
``docs/scenario-reference.md`` (section "Stability warnings").
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from cxsim.policies import TRANSFER_POLICIES
from cxsim.scenario import Design, Scenario
from cxsim.warmup import improves, mser

LOAD_LIMIT = 0.95  # a team at or above this utilisation or offered load is warned about
LAST_PART = 1 / 3  # the backlog's trend is tested over this last part of the horizon
TREND_BATCHES = 10  # ... on this many batch means of the daily open cases (averaged over replications)
TREND_P = 0.05  # one-sided significance of a positive slope
TREND_GROWTH = 0.10  # ... and the backlog must grow by at least this share of its level over that part


@dataclass(frozen=True)
class Trend:
    """The backlog's trend over the last part of the horizon (open cases per day)."""

    from_day: float
    slope_per_day: float
    growth: float  # slope x the length of the last part: cases added over it
    level: float  # mean open cases over the last part
    p_value: float  # one-sided, slope > 0
    growing: bool

    def to_json(self) -> dict[str, Any]:
        return {"from_day": self.from_day, "slope_per_day": self.slope_per_day, "growth": self.growth,
                "level": self.level, "p_value": self.p_value, "growing": self.growing}


@dataclass(frozen=True)
class Warning:
    """Something the reader of the results must know: a machine-readable code and a sentence."""

    code: str  # planned_load_high, offered_load_high, utilization_high, backlog_growing, warmup_too_short,
    #            no_steady_state
    design: str
    message: str
    team: str | None = None
    value: float | None = None

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "design": self.design, "team": self.team, "value": self.value,
                "message": self.message}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Warning:
        return cls(code=data["code"], design=data["design"], message=data["message"], team=data.get("team"),
                   value=data.get("value"))


# ---------------------------------------------------------------- before the run


def arrival_rate(scenario: Scenario) -> float:
    """Cases per hour from the scenario: the Poisson rate, or the customer base at the start x its rate."""
    if scenario.arrivals.process == "poisson":
        return float(scenario.arrivals.rate or 0.0)
    customers = scenario.customers
    return customers.count * customers.case_rate if customers is not None else 0.0


def planned_load(scenario: Scenario, design: Design) -> dict[str, float]:
    """Each team's offered load (work arriving per agent-hour available), analytically, without failure
    demand: every case reaches a team that fixes it (shared evenly among them) at once."""
    if design.transfer.routing == "matrix":
        return matrix_load(scenario, design)
    transfer = design.transfer
    unrushed = 1.0 - design.incentive.rush
    work = dict.fromkeys(design.teams, 0.0)
    for ctype, lam, looks, fixers in planned_routes(scenario, design):
        diagnosis = ctype.diagnosis_time.mean * unrushed
        briefing = 1.0
        if looks is not None:
            # The intake team asks, looks, and hands the case on by design.
            work[looks] += lam * (ctype.exchanges * diagnosis + transfer.handoff_time)
            briefing = transfer.briefing
        sessions = ctype.exchanges if briefing >= 1.0 else 1
        for team in fixers:
            skills = design.teams[team].skills
            s = max(skills[name].speed for name in ctype.skills if name in skills)
            work[team] += lam / len(fixers) * (sessions * diagnosis * briefing / s + ctype.fix_time.mean / s)
    return {name: work[name] / capacity(team) for name, team in design.teams.items()}


def planned_routes(scenario: Scenario, design: Design) -> Iterator[tuple[Any, float, str | None, list[str]]]:
    """Each case type's planned route (guess routing): (case type, cases per hour, the intake team that looks
    at it and hands it on or None, the teams that fix it, sharing it evenly)."""
    rate = arrival_rate(scenario)
    transfer = design.transfer
    default = [t for t in design.teams if t != transfer.resolver] or list(design.teams)
    candidates = design.intake.teams or default
    intake = design.intake.team
    for ctype in scenario.case_types.values():
        fixers = [t for t in design.teams if set(design.teams[t].skills).intersection(ctype.skills)]
        looks = None
        if intake is not None and intake not in fixers:
            looks = intake
            fixers = [t for t in fixers if t != transfer.resolver] or fixers
        elif intake is not None:
            fixers = [intake]
        else:
            fixers = [t for t in fixers if t in candidates] or fixers
        yield ctype, rate * ctype.share, looks, fixers


def planned_overflow(scenario: Scenario, design: Design, scale: float = 1.0) -> dict[str, float]:
    """Cases per hour that pile up unserved at each team, from the planned loads (a fluid approximation):
    each case type's cases at a fixer are served at most as fast as the most loaded team on their way
    (intake, fixer) serves, and the rest stay open. ``scale`` multiplies the arrival rate (a customer base
    that grows). Only teams loaded above 100% leave cases; failure demand is not counted (see planned_load).
    Under matrix routing, the most loaded team caps every case."""
    load = {team: rho * scale for team, rho in planned_load(scenario, design).items()}
    piling = dict.fromkeys(design.teams, 0.0)
    if design.transfer.routing == "matrix":
        team = max(load, key=load.__getitem__)
        if load[team] > 1:
            piling[team] = arrival_rate(scenario) * scale * (1 - 1 / load[team])
        return piling
    for _, lam, looks, fixers in planned_routes(scenario, design):
        for fixer in fixers:
            worst = looks if looks is not None and load[looks] > load[fixer] else fixer
            if load[worst] > 1:
                piling[worst] += lam * scale / len(fixers) * (1 - 1 / load[worst])
    return piling


def matrix_load(scenario: Scenario, design: Design) -> dict[str, float]:
    """Each team's offered load under matrix routing, without reopens: the expected visits per case of the
    absorbing chain (intake alpha, team-to-team Q: alpha (I - Q)^-1) x the sessions per visit (the case types'
    exchanges and the team's customer asks) x the mean work time, plus the hand-off time of the visits that
    hand on. Without intake shares or an intake team, intake is taken as even over the triage's teams.
    (Reopens, like the failure demand of guess routing, show only in the measured offered load.)"""
    teams = list(design.teams)
    index = {t: i for i, t in enumerate(teams)}
    intake, transfer = design.intake, design.transfer
    alpha = np.zeros(len(teams))
    if intake.shares is not None:
        for team, share in intake.shares.items():
            alpha[index[team]] = share
    elif intake.team is not None:
        alpha[index[intake.team]] = 1.0
    else:
        for team in intake.teams or [t for t in teams if t != transfer.resolver] or teams:
            alpha[index[team]] = 1.0
    alpha /= alpha.sum()
    q = np.zeros((len(teams), len(teams)))
    for team, row in (transfer.matrix or {}).items():
        total = sum(row.values())
        for target, p in row.items():
            if target in index:
                q[index[team], index[target]] = p / total
    visits = np.linalg.solve((np.eye(len(teams)) - q).T, alpha)  # alpha (I - Q)^-1
    policy = TRANSFER_POLICIES[transfer.policy]
    follows = policy.customer_follows
    asked = sum(ct.share * (ct.exchanges - 1) for ct in scenario.case_types.values())  # fixed exchanges
    rate = arrival_rate(scenario)
    load = {}
    for i, (name, team) in enumerate(design.teams.items()):
        tries = 1.0 / (1.0 - team.ask_customer) if team.ask_customer < 1 else math.inf  # with the customer
        first = asked + tries
        onward = (asked if follows and transfer.briefing >= 1.0 else 0.0) + (tries if follows else 1.0)
        sessions = alpha[i] * first + (visits[i] - alpha[i]) * onward
        mean = team.work_time.mean if team.work_time is not None else 0.0
        handing_on = visits[i] * q[i].sum()
        load[name] = float(rate * (sessions * mean + handing_on * transfer.handoff_time) / capacity(team))
    return load


def capacity(team: Any) -> float:
    """Agent-hours a team works per calendar hour."""
    return team.agents * team.hours.hours_per_week / (7 * 24)


# ---------------------------------------------------------------- after the run


def backlog_trend(series: Sequence[Sequence[float]], last: float = LAST_PART,
                  batches: int = TREND_BATCHES) -> Trend | None:
    """Whether daily open cases still grow over the ``last`` part of the horizon.

    The rule: average the replications' daily series, cut the last part into ``batches`` batch means
    (days of a queue are correlated; batch means much less), fit a line by least squares, and call the
    backlog growing when the slope is positive at one-sided p < TREND_P *and* the growth it implies over
    that part is at least TREND_GROWTH of the backlog's level there (and at least one case).
    """
    rows = [list(s) for s in series if len(s)]
    if not rows:
        return None
    n = min(len(s) for s in rows)
    mean = np.mean([s[:n] for s in rows], axis=0)
    start = int(math.floor(n * (1 - last)))
    tail = mean[start:]
    if len(tail) < batches:
        return None
    size = len(tail) // batches
    tail = tail[len(tail) - size * batches:]
    first = n - len(tail)
    z = tail.reshape(batches, size).mean(axis=1)
    days = first + size * (np.arange(batches) + 0.5)
    from scipy import stats  # here, not at the top: scipy.stats adds ~0.5 s to every CLI start

    fit = stats.linregress(days, z)
    if np.isnan(fit.stderr) or fit.stderr == 0:
        p = 0.0 if fit.slope > 0 else 1.0
    else:
        p = float(stats.t.sf(fit.slope / fit.stderr, batches - 2))
    growth = float(fit.slope) * len(tail)
    level = float(np.mean(tail))
    growing = p < TREND_P and growth >= max(TREND_GROWTH * level, 1.0)
    return Trend(float(first), float(fit.slope), growth, level, p, bool(growing))


def assess(scenario: Scenario, design: str, planned: Mapping[str, float], utilization: Mapping[str, float],
           offered: Mapping[str, float], backlog: Sequence[Sequence[float]]) -> tuple[dict[str, Any],
                                                                                     list[Warning]]:
    """One design's stability: the backlog's trend, MSER-5's warm-up, and the warnings they call for."""
    found: list[Warning] = []
    for team, load in planned.items():
        if load >= LOAD_LIMIT:
            found.append(Warning("planned_load_high", design, f"{design}/{team}: offered load {load:.0%} "
                                 "before the run (scenario estimate, without failure demand) is at or above "
                                 f"{LOAD_LIMIT:.0%}: the queue may not settle", team, load))
    for team, load in offered.items():
        if load is not None and not math.isnan(load) and load >= LOAD_LIMIT:
            found.append(Warning("offered_load_high", design, f"{design}/{team}: measured offered load "
                                 f"{load:.0%} (failure demand included) is at or above {LOAD_LIMIT:.0%}",
                                 team, load))
    for team, util in utilization.items():
        if util is not None and not math.isnan(util) and util >= LOAD_LIMIT:
            found.append(Warning("utilization_high", design, f"{design}/{team}: utilisation {util:.0%} is at "
                                 f"or above {LOAD_LIMIT:.0%}: waits there are dominated by the queue's "
                                 "instability", team, util))
    trend = backlog_trend(backlog)
    if trend is not None and trend.growing:
        found.append(Warning("backlog_growing", design, f"{design}: open cases still grow over the last "
                             f"third of the horizon (+{trend.growth:.0f} cases from day "
                             f"{trend.from_day:.0f}, p = {trend.p_value:.3f}): results depend on the horizon",
                             None, trend.growth))
    info: dict[str, Any] = {"backlog_trend": trend.to_json() if trend else None}
    rows = [list(s) for s in backlog if len(s)]
    if rows:
        n = min(len(s) for s in rows)
        daily = np.mean([s[:n] for s in rows], axis=0)
        cut = mser(daily)
        suggested = cut.observations * 24.0  # one observation per day
        given = math.ceil(scenario.warmup / 24)
        # A longer warm-up is only suggested if it lowers MSER's statistic materially (warmup.improves).
        better = suggested > scenario.warmup and improves(daily, given, cut.observations)
        info["warmup"] = {**cut.to_json(), "given_hours": scenario.warmup, "suggested_hours": suggested}
        if not cut.settled and better:
            found.append(Warning("no_steady_state", design, f"{design}: MSER-5 on daily open cases finds no "
                                 "steady state in the first half of the horizon: no warm-up makes these "
                                 "results stationary", None, suggested))
        elif better:
            found.append(Warning("warmup_too_short", design, f"{design}: the warm-up "
                                 f"({scenario.warmup / 24:.0f} days) is shorter than MSER-5 suggests from "
                                 f"daily open cases ({suggested / 24:.0f} days)", None, suggested))
    return info, found
