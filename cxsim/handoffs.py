"""The hand-off profile of a set of case journeys: the statistics a back-test compares, log against model.

Per case: hand-offs (changes of team between consecutive events, events without a team skipped), distinct
teams, ping-pong (back to a team it had left) and days to resolution (opened to resolved, else closed;
a case with neither is still open and censored at the log's end). Over cases: the hand-off distribution,
its mean and the share with at least one; the shares touching >= 3 and >= 5 teams; the ping-pong share;
Kaplan–Meier median and p90 of days to resolution (``cxsim.survival``, exact: scipy's ``ecdf``), overall
and per hand-off bucket (0, 1, 2, 3–4, 5+) with each bucket's share of cases. Definitions follow the
profile of the UCI ServiceNow log in ``shared/data/real/README.md``; the simulation's side builds the same
``CaseOutcome`` per case and calls ``handoff_profile``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field

import numpy as np

from cxsim.eventlog.journey import EventLog, Journey
from cxsim.survival import CENSORED, RESOLVED, SurvivalSketch

__all__ = ["HANDOFF_BUCKETS", "Bucket", "CaseOutcome", "Days", "HandoffProfile", "case_outcome",
           "case_outcomes", "handoff_profile", "log_profile"]

# (label, fewest, most hand-offs; None = no upper bound): the buckets of time to resolution by hand-offs.
HANDOFF_BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("0", 0, 0), ("1", 1, 1), ("2", 2, 2), ("3–4", 3, 4), ("5+", 5, None))
_DAY = 86400.0


@dataclass(frozen=True, slots=True)
class CaseOutcome:
    """One case as the profile sees it. ``days``: to resolution, or to the log's end when ``resolved`` is
    False (still open: censored there)."""

    handoffs: int
    teams: int
    ping_pong: bool
    days: float
    resolved: bool = True


@dataclass(frozen=True)
class Days:
    """Days to resolution of some cases: Kaplan–Meier median and p90 (``inf``: the curve never gets there
    within the follow-up; ``nan``: no cases), and how many cases were censored."""

    cases: int
    censored: int
    median: float
    p90: float


@dataclass(frozen=True)
class Bucket:
    """The cases with ``low`` to ``high`` hand-offs (``high`` None: no bound), their share and days."""

    label: str
    low: int
    high: int | None
    cases: int
    share: float
    days: Days


@dataclass(frozen=True)
class HandoffProfile:
    """What the journeys of a log (or a simulation) look like; shares are fractions of all cases.

    ``handoff_counts[k]`` is the number of cases with exactly k hand-offs."""

    cases: int
    handoffs_mean: float
    handoffs_median: float
    handoffs_p90: float
    handoffs_p99: float
    handoffs_max: int
    share_handoff: float  # >= 1 hand-off
    handoff_counts: tuple[int, ...]
    share_3_teams: float
    share_5_teams: float
    share_ping_pong: float
    cases_without_team: int
    days: Days
    buckets: tuple[Bucket, ...]
    notes: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict:
        """JSON-ready: infinite or undefined quantiles become None."""
        return _finite(asdict(self))


def _finite(value):
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def case_outcome(journey: Journey, log_end, *, ends_at_last_event: bool = False) -> CaseOutcome:
    """The outcome of one journey. Without end times in the log (``ends_at_last_event``) a case ends at its
    last event; otherwise at resolved, else closed, else it is censored at ``log_end``. Days below zero
    (a case resolved before it opened) count as 0."""
    route = journey.route
    start = journey.start
    if ends_at_last_event:
        end, resolved = journey.events[-1].time, True
    else:
        end = journey.end
        resolved = end is not None
        if end is None:
            end = log_end
    days = max((end - start).total_seconds() / _DAY, 0.0)
    return CaseOutcome(max(len(route) - 1, 0), len(set(route)), len(set(route)) < len(route), days, resolved)


def case_outcomes(log: EventLog) -> list[CaseOutcome]:
    """Every journey's outcome, in the log's order."""
    last = not log.has_end_times
    return [case_outcome(j, log.end, ends_at_last_event=last) for j in log.journeys]


def _days(outcomes: list[CaseOutcome]) -> Days:
    sketch = SurvivalSketch(exact_limit=max(len(outcomes), 1))  # exact: scipy's ecdf on CensoredData
    sketch.extend([o.days for o in outcomes], [RESOLVED if o.resolved else CENSORED for o in outcomes])
    median, p90 = sketch.quantiles((0.5, 0.9))
    return Days(len(outcomes), sum(not o.resolved for o in outcomes), median, p90)


def handoff_profile(outcomes: Iterable[CaseOutcome], notes: Iterable[str] = ()) -> HandoffProfile:
    """The profile of some cases (an empty set gives NaN statistics)."""
    outcomes = list(outcomes)
    n = len(outcomes)
    h = np.array([o.handoffs for o in outcomes], dtype=np.int64)
    teams = np.array([o.teams for o in outcomes], dtype=np.int64)

    def share(mask) -> float:
        return float(np.mean(mask)) if n else math.nan

    def pct(q: float) -> float:
        return float(np.percentile(h, q)) if n else math.nan

    buckets = []
    for label, low, high in HANDOFF_BUCKETS:
        members = [o for o in outcomes if o.handoffs >= low and (high is None or o.handoffs <= high)]
        buckets.append(Bucket(label, low, high, len(members), len(members) / n if n else math.nan,
                              _days(members)))
    censored = sum(not o.resolved for o in outcomes)
    notes = list(notes)
    if censored:
        notes.append(f"{censored} cases still open at the log's end: censored there (Kaplan–Meier)")
    return HandoffProfile(
        cases=n, handoffs_mean=float(h.mean()) if n else math.nan, handoffs_median=pct(50),
        handoffs_p90=pct(90), handoffs_p99=pct(99), handoffs_max=int(h.max()) if n else 0,
        share_handoff=share(h >= 1), handoff_counts=tuple(int(c) for c in np.bincount(h)) if n else (),
        share_3_teams=share(teams >= 3), share_5_teams=share(teams >= 5),
        share_ping_pong=share([o.ping_pong for o in outcomes]),
        cases_without_team=int(np.sum(teams == 0)), days=_days(outcomes), buckets=tuple(buckets),
        notes=tuple(notes))


def log_profile(log: EventLog) -> HandoffProfile:
    """The hand-off profile of a log read by ``cxsim.eventlog.read_log``."""
    notes = []
    if not log.has_end_times:
        notes.append("no resolved or closed column: a case ends at its last event")
    early = sum(1 for j in log.journeys if (end := j.end) is not None and end < j.start)
    if early and log.has_end_times:
        notes.append(f"{early} cases end before they open: counted as 0 days")
    return handoff_profile(case_outcomes(log), notes)
