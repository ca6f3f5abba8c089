"""Estimating an as-is organisation from a ticket event log: the numbers ``cxsim calibrate`` writes.

Plain data in (an ``EventLog``), plain data out (a ``Calibration``); no engine. Each estimator is a small
function with its rule in its docstring, so tests can recover known parameters from synthetic journeys:

- arrivals: a Poisson rate over the central 95% of case open times (a log is often a cohort of cases
  opened in a few months and followed for longer) and the hour-of-week profile of those open times;
- teams: rare ones grouped into ``other``; each team's working hours (the fewest weekly hours, weekdays or
  every day and one daily window, holding a share of its events); agents (concurrent sessions, the log's
  peak or the steady state at the calibrated rate, plus three Poisson standard deviations, so the team
  does not queue; or distinct people per week);
- intake shares (first team) and the routing matrix (the step after each stint: the next team, or
  ``resolved`` for the last stint of an ended case; a case still open at the log's end gives no last step);
- per-team session time (a stint less customer waits and reopen gaps, in the team's open hours) fitted by
  maximum likelihood (exponential, lognormal, gamma; right-censored where a case is still open), chosen by
  AIC, with the KS distance; customer waits (``ask_customer``, reply time) and reopens (rate, discovery
  time) from activities, where the log has them.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np
from scipy import stats

from cxsim.eventlog.journey import EventLog, Journey
from cxsim.working_hours import WEEK, WorkingHours

__all__ = ["CUSTOMER_WAITS", "FLOOR_HOURS", "OTHER", "RESOLVED", "Calibration", "Fit", "Options",
           "TeamEstimate", "arrival_rate", "calibrate", "fit_duration", "group_teams", "implied_handoffs",
           "matrix_from_steps", "no_queue_agents", "peak_concurrency", "session_pieces", "team_hours",
           "week_profile"]

OTHER = "other"
RESOLVED = "resolved"  # the matrix's step "resolved there" (scenario.RESOLVED_STEP)
# Activities (lower case, substrings) that mean the case waits on the customer: ServiceNow's 'Awaiting User
# Info', VINST/BPIC 2013's 'Wait - User', and common spellings.
CUSTOMER_WAITS = ("awaiting user", "wait - user", "awaiting customer", "wait - customer", "pending customer",
                  "awaiting caller", "wait - caller")
DONE = ("resolv", "closed", "close ")  # activities that end the work (a later working activity = a reopen)
ROUND_THE_CLOCK = 20  # a daily window this long (hours) is taken as open round the clock (team_hours)
MEAN_TOLERANCE = 0.1  # a fit must keep the data's mean within 10% (see fit_duration)
FLOOR_HOURS = 0.5 / 60  # a session lasts at least half a minute: half the resolution of minute-stamped logs
_MODELS = {"exponential": stats.expon, "lognormal": stats.lognorm, "gamma": stats.gamma}


@dataclass(frozen=True)
class Options:
    """How to estimate: grouping of rare teams, working hours' share, staffing, what activities mean.

    ``min_cases``: keep teams that at least this many cases visit; ``other_below``: keep teams holding at
    least this share of stints (both may be given; the others become ``other``). ``staffing``: 'no-queue'
    (peak concurrent sessions + 3 sqrt) or 'people' (distinct people per week, at ``people_quantile``);
    ``agents`` overrides teams by name."""

    min_cases: int | None = None
    other_below: float | None = None
    hours_share: float = 0.9
    staffing: str = "no-queue"
    people_quantile: float = 0.5
    agents: Mapping[str, int] = field(default_factory=dict)
    customer_waits: tuple[str, ...] = CUSTOMER_WAITS


@dataclass(frozen=True)
class Fit:
    """A duration distribution fitted by maximum likelihood (hours): the chosen model, its mean and sd,
    every model's AIC, the KS distance on the uncensored values and the sample it came from."""

    dist: str
    mean: float
    sd: float
    ks: float
    n: int
    censored: int
    aic: dict[str, float]
    sample_mean: float
    set_aside: tuple[str, ...] = ()  # models whose mean strayed from the data's (not chosen)

    def spec(self) -> dict:
        """The scenario-file form, e.g. ``{dist: lognormal, mean: 2.5 h, sd: 4 h}``."""
        if self.dist == "exponential":
            return {"dist": "exponential", "mean": _hours(self.mean)}
        return {"dist": self.dist, "mean": _hours(self.mean), "sd": _hours(self.sd)}

    def describe(self) -> str:
        others = ", ".join(f"{d} {a:.0f}" for d, a in sorted(self.aic.items(), key=lambda kv: kv[1]))
        cens = f", {self.censored} right-censored" if self.censored else ""
        aside = (f"; set aside, mean > {MEAN_TOLERANCE:.0%} off the data's: {', '.join(self.set_aside)}"
                 if self.set_aside else "")
        return (f"{self.dist}: ML fit to {self.n:,} values{cens} (mean {_hours(self.sample_mean)}); lowest "
                f"AIC ({others}){aside}; KS D = {self.ks:.3f}")


@dataclass(frozen=True)
class TeamEstimate:
    """One team of the as-is scenario (``members``: the log's teams it stands for)."""

    name: str
    members: tuple[str, ...]
    cases: int
    stints: int
    sessions: int
    events: int
    hours: object  # scenario-file working hours ('24/7' or a list of {days, open, close})
    hours_held: float  # share of the team's events inside those hours
    people_per_week: float | None
    peak_sessions: int
    agents: int
    agents_rule: str
    work_time: Fit | None
    waits: int
    ask_customer: float


@dataclass(frozen=True)
class Calibration:
    """Everything estimated from a log, with the counts behind each number (see the module docstring)."""

    source: str
    cases: int
    cases_routed: int
    rate_per_hour: float
    window: tuple[datetime, datetime]
    window_cases: int
    profile: tuple[int, ...]
    teams: dict[str, TeamEstimate]
    grouped: tuple[str, ...]
    intake: dict[str, float]
    matrix: dict[str, dict[str, float]]
    steps: dict[str, int]  # per team: visits with a known next step (the matrix row's sample)
    finished: int  # cases whose last stint gave a 'resolved' step
    log_handoffs: float
    matrix_handoffs: float
    internal_other: int  # hand-offs between two teams grouped into 'other' (repeat visits in the model)
    handoffs: int
    reply_time: Fit | None
    waits: int
    reopen_rate: float | None
    reopens: int
    resolutions: int
    discovery_time: Fit | None
    has_activity: bool
    has_resource: bool
    notes: tuple[str, ...] = ()


# --- arrivals ---------------------------------------------------------------------------------------------

def arrival_rate(opens: Sequence[float], central: float = 0.95) -> tuple[float, float, float, int]:
    """(rate per hour, window start, window end, cases in it): the cases opened between the open times'
    (1 - central)/2 and (1 + central)/2 order statistics, over that window's length. For a homogeneous
    Poisson process this is the rate (the window is a stopping-time interval); unlike cases / log span it
    is not diluted by a thin tail of cases opened long before or after the bulk of a cohort log."""
    times = np.sort(np.asarray(opens, dtype=float))
    n = len(times)
    if n < 2:
        raise ValueError("need at least two cases to estimate an arrival rate")
    lo = int(math.floor((1 - central) / 2 * (n - 1)))
    hi = int(math.ceil((1 + central) / 2 * (n - 1)))
    if times[hi] <= times[lo]:
        lo, hi = 0, n - 1
    span = times[hi] - times[lo]
    if span <= 0:
        raise ValueError("every case opened at the same time: no arrival rate")
    return (hi - lo) / span, float(times[lo]), float(times[hi]), hi - lo + 1


def week_profile(times: Iterable[float]) -> tuple[int, ...]:
    """Counts by hour of the week (0 = Monday 00:00-01:00) of times in hours since a Monday 00:00."""
    counts = [0] * 168
    for t in times:
        counts[int(t % WEEK)] += 1
    return tuple(counts)


# --- teams ------------------------------------------------------------------------------------------------

def group_teams(cases: Mapping[str, int], stints: Mapping[str, int], *, min_cases: int | None = None,
                other_below: float | None = None) -> dict[str, str]:
    """team -> the team it is modelled as: itself, or ``other`` when fewer than ``min_cases`` cases visit
    it or it holds less than ``other_below`` of all stints. A single rare team keeps its name."""
    total = sum(stints.values()) or 1
    rare = {t for t in cases
            if (min_cases is not None and cases[t] < min_cases)
            or (other_below is not None and stints.get(t, 0) / total < other_below)}
    if len(rare) < 2:
        rare = set()
    if OTHER in cases and OTHER not in rare and rare:
        raise ValueError(f"the log has a team named {OTHER!r}: cannot group rare teams under that name")
    return {t: (OTHER if t in rare else t) for t in cases}


def team_hours(counts: Sequence[int], share: float = 0.9) -> tuple[object, float, float]:
    """(working hours as scenario data, share of events held, open hours per week): the fewest weekly
    open hours, as one daily window of whole hours on Monday-Friday or on every day, that hold at least
    ``share`` of the events counted by hour of week (``counts``, 168 values). A window of 20 hours or more
    is taken as round the clock (events spread evenly over the day need 22 of its hours to hold 90% of
    them), and every day round the clock is '24/7'."""
    c = np.asarray(counts, dtype=float).reshape(7, 24)
    total = c.sum()
    if total <= 0:
        return "24/7", 1.0, WEEK
    best = None
    for days, rows in (("mon-fri", c[:5]), ("daily", c)):
        by_hour = rows.sum(axis=0)
        cum = np.concatenate([[0.0], np.cumsum(by_hour)])
        for length in range(1, 25):
            held = max(cum[a + length] - cum[a] for a in range(0, 25 - length))
            if held / total >= share - 1e-12:
                start = max(range(0, 25 - length), key=lambda a: (cum[a + length] - cum[a], -a))  # noqa: B023
                per_week = length * len(rows)
                if best is None or per_week < best[0]:
                    best = (per_week, days, start, length, held / total)
                break
    per_week, days, start, length, held = best  # daily 00-24 holds everything, so best is set
    if length >= ROUND_THE_CLOCK:
        start, length = 0, 24
        rows = c[:5] if days == "mon-fri" else c
        held, per_week = float(rows.sum() / total), 24 * len(rows)
    if days == "daily" and length == 24:
        return "24/7", held, WEEK
    return ([{"days": days, "open": f"{start:02d}:00", "close": f"{start + length:02d}:00"}],
            held, float(per_week))


def peak_concurrency(intervals: Iterable[tuple[float, float]]) -> int:
    """The most intervals ``[start, end)`` open at one moment (an interval of length 0 counts at its
    instant)."""
    marks = []
    for a, b in intervals:
        marks.append((a, 1))
        # at one instant: intervals ending there close first, then starts, then zero-length ones close
        marks.append((b, 0) if b > a else (a, 2))
    marks.sort()
    now = peak = 0
    for _, kind in marks:
        now += 1 if kind == 1 else -1
        peak = max(peak, now)
    return peak


def no_queue_agents(peak: float) -> int:
    """Agents enough that a team whose sessions are pure delays does not queue: ``peak`` concurrent
    sessions plus three Poisson standard deviations (the number busy in an infinite-server queue is
    Poisson), at least 1."""
    return max(1, int(math.ceil(peak + 3 * math.sqrt(peak))))


# --- routing ----------------------------------------------------------------------------------------------

def matrix_from_steps(steps: Mapping[str, Mapping[str, int]]) -> dict[str, dict[str, float]]:
    """Each team's row of next-step probabilities from counts of steps (to a team, or ``resolved``)."""
    matrix = {}
    for team, row in steps.items():
        total = sum(row.values())
        if total:
            matrix[team] = {to: n / total for to, n in sorted(row.items(), key=lambda kv: (-kv[1], kv[0]))}
    return matrix


def implied_handoffs(intake: Mapping[str, float], matrix: Mapping[str, Mapping[str, float]]) -> float:
    """Mean hand-offs per case the matrix implies (fundamental matrix of the absorbing chain: expected
    visits v = s (I - Q)^-1; hand-offs = sum v_i P(i -> another team)). A team without a row resolves."""
    teams = sorted(set(intake) | set(matrix) | {t for row in matrix.values() for t in row} - {RESOLVED})
    index = {t: i for i, t in enumerate(teams)}
    q = np.zeros((len(teams), len(teams)))
    for t, row in matrix.items():
        for to, p in row.items():
            if to != RESOLVED:
                q[index[t], index[to]] = p
    s = np.array([intake.get(t, 0.0) for t in teams])
    visits = np.linalg.solve((np.eye(len(teams)) - q).T, s)
    onward = q.sum(axis=1) - np.diag(q)
    return float(visits @ onward)


# --- durations --------------------------------------------------------------------------------------------

def fit_duration(values: Sequence[float], censored: Sequence[float] = (), *,
                 mean_tolerance: float = MEAN_TOLERANCE) -> Fit:
    """Exponential, lognormal and gamma fitted by maximum likelihood (location 0) to ``values`` (hours)
    and right-censored ``censored``; the lowest AIC wins among the fits whose mean is within
    ``mean_tolerance`` of the data's mean (with censoring, the exponential's ML mean). The work a team
    carries, rate x mean, is what queueing and time to resolution add up, and a lognormal fitted to
    many tiny values or a cut tail can put its mean far beyond the data's; if no fit keeps the mean, the
    exponential (whose ML mean is the data's). Values below ``FLOOR_HOURS`` count as it. KS: the
    distance between the uncensored values and the chosen fit."""
    x = np.maximum(np.asarray(values, dtype=float), FLOOR_HOURS)
    c = np.maximum(np.asarray(censored, dtype=float), FLOOR_HOURS)
    if len(x) < 2:
        raise ValueError("need at least two durations to fit a distribution")
    data = stats.CensoredData(uncensored=x, right=c) if len(c) else x
    fits = {}
    for name, model in _MODELS.items():
        if name == "exponential":
            params = (0.0, (x.sum() + c.sum()) / len(x))
        elif name == "lognormal" and not len(c):
            logs = np.log(x)
            params = (max(float(logs.std()), 1e-6), 0.0, float(math.exp(logs.mean())))
        elif np.ptp(x) <= 1e-9 * x.mean():
            continue  # one value: only the exponential fits
        else:
            try:
                params = model.fit(data, floc=0)
            except (ValueError, RuntimeError, FloatingPointError):
                continue  # the optimiser found no maximum: the model is not a candidate
        frozen = model(*params)
        ll = float(frozen.logpdf(x).sum() + (frozen.logsf(c).sum() if len(c) else 0.0))
        k = 1 if name == "exponential" else 2
        fits[name] = (2 * k - 2 * ll, frozen)
    observed = float((x.sum() + c.sum()) / len(x))  # the exponential's ML mean: the data's, censoring counted
    keeps = {n for n, (_, f) in fits.items() if abs(f.mean() / observed - 1) <= mean_tolerance}
    name = min(keeps or {"exponential"}, key=lambda n: fits[n][0])
    frozen = fits[name][1]
    mean, sd = float(frozen.mean()), float(frozen.std())
    ks = float(stats.kstest(x, frozen.cdf).statistic)
    return Fit(name, mean, sd, ks, len(x), len(c), {n: f[0] for n, f in fits.items()}, observed,
               tuple(sorted(set(fits) - keeps)))


def _kind(activity: str | None, waits: tuple[str, ...]) -> str | None:
    if activity is None:
        return None
    a = activity.lower() + " "
    if any(w in a for w in waits):
        return "wait"
    if any(d in a for d in DONE):
        return "done"
    return "work"


def pauses(journey: Journey, hours_of, waits: tuple[str, ...], finished: bool
           ) -> tuple[list[tuple[float, float, bool]], list[tuple[float, float]]]:
    """(customer waits as (start, end, censored), reopen gaps as (start, end)) of one journey, in hours.

    A wait runs from an event whose activity is a customer wait to the next event that is not one (a
    wait still running at the case's last event is censored there). A reopen gap runs from an event that
    resolves or closes the case to a later event of ordinary work or a wait (the reopening)."""
    wait_list: list[tuple[float, float, bool]] = []
    gaps: list[tuple[float, float]] = []
    state, since = None, 0.0
    last = None
    for e in journey.events:
        kind = _kind(e.activity, waits)
        if kind is None:
            continue
        t = hours_of(e.time)
        last = t
        if state == "wait" and kind != "wait":
            wait_list.append((since, t, False))
            state = None
        if state == "done" and kind != "done":
            gaps.append((since, t))
            state = None
        if state is None and kind in ("wait", "done"):
            state, since = kind, t
    if state == "wait" and last is not None:
        end = hours_of(journey.end) if finished and journey.end is not None else last
        wait_list.append((since, max(end, since), True))
    return wait_list, gaps


def session_pieces(start: float, end: float,
                   paused: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
    """A stint ``[start, end]`` less the pauses (sorted intervals) inside it: its sessions."""
    pieces = []
    cursor = start
    for a, b in paused:
        if b < start or a > end or a < cursor and b <= cursor:
            continue
        a, b = max(a, start), min(b, end)
        pieces.append((cursor, max(a, cursor)))
        cursor = max(b, cursor)
    pieces.append((cursor, max(end, cursor)))
    return pieces


# --- the whole log ----------------------------------------------------------------------------------------

def _epoch(log: EventLog) -> datetime:
    """Monday 00:00 of the week the log starts in: hour-of-week arithmetic counts from it."""
    day = datetime(log.start.year, log.start.month, log.start.day, tzinfo=log.start.tzinfo)
    return day - timedelta(days=day.weekday())


def _quantile(values: Sequence[float], q: float) -> float:
    return float(np.quantile(np.asarray(values, dtype=float), q)) if values else math.nan


def calibrate(log: EventLog, options: Options | None = None) -> Calibration:
    """Estimate the as-is organisation of ``log`` (see the module docstring for each rule)."""
    options = options or Options()
    epoch = _epoch(log)

    def hours_of(t: datetime) -> float:
        return (t - epoch).total_seconds() / 3600.0

    ended_at_last_event = not log.has_end_times
    notes: list[str] = []
    rate, w_lo, w_hi, w_n = arrival_rate([hours_of(j.start) for j in log.journeys])
    profile = week_profile(hours_of(j.start) for j in log.journeys if w_lo <= hours_of(j.start) <= w_hi)

    routed = [j for j in log.journeys if j.stints]
    if len(routed) < len(log.journeys):
        notes.append(f"{len(log.journeys) - len(routed)} cases have no team in the log: they count in the "
                     "arrival rate and follow the intake shares in the model")
    if not routed:
        raise ValueError("no case in the log has a team: nothing to calibrate teams and routing from")
    case_count: Counter = Counter()
    stint_count: Counter = Counter()
    for j in routed:
        teams = [s[0] for s in j.stints]
        stint_count.update(teams)
        case_count.update(set(teams))
    names = group_teams(case_count, stint_count, min_cases=options.min_cases, other_below=options.other_below)
    grouped = tuple(sorted(t for t, n in names.items() if n != t))

    intake: Counter = Counter()
    steps: dict[str, Counter] = defaultdict(Counter)
    internal_other = handoffs = finished_cases = 0
    events_by_team: dict[str, list[float]] = defaultdict(list)
    people: dict[str, dict[int, set]] = defaultdict(lambda: defaultdict(set))
    pieces_by_team: dict[str, list[tuple[float, float, bool]]] = defaultdict(list)  # (a, b, censored)
    waits_at: Counter = Counter()
    wait_durations: list[tuple[float, bool]] = []
    gap_durations: list[float] = []
    cases_by_team: dict[str, set] = defaultdict(set)
    has_activity = any(e.activity is not None for j in routed[:2000] for e in j.events)
    has_resource = any(e.resource is not None for j in routed[:2000] for e in j.events)
    for j in routed:
        finished = ended_at_last_event or j.end is not None
        stints = [(names[t], hours_of(a), hours_of(b)) for t, a, b in j.stints]
        intake[stints[0][0]] += 1
        for (t, _, _), (nxt, _, _) in zip(stints, stints[1:], strict=False):
            steps[t][nxt] += 1
            handoffs += 1
            internal_other += t == nxt
        if finished:
            steps[stints[-1][0]][RESOLVED] += 1
            finished_cases += 1
        for e in j.events:
            if e.team is not None:
                team = names[e.team]
                t = hours_of(e.time)
                events_by_team[team].append(t)
                if e.resource is not None:
                    people[team][int(t // WEEK)].add(e.resource)
        waits, gaps = pauses(j, hours_of, options.customer_waits, finished) if has_activity else ([], [])
        wait_durations.extend((b - a, cens) for a, b, cens in waits)
        gap_durations.extend(b - a for a, b in gaps)
        paused = sorted([(a, b) for a, b, _ in waits] + gaps)
        for k, (team, a, b) in enumerate(stints):
            cases_by_team[team].add(j.case)
            pieces = session_pieces(a, b, paused)
            last_censored = (not finished) and k == len(stints) - 1
            for i, (pa, pb) in enumerate(pieces):
                pieces_by_team[team].append((pa, pb, last_censored and i == len(pieces) - 1))
            last = k == len(stints) - 1
            waits_at[team] += sum(1 for wa, _, _ in waits if a <= wa < b or (last and wa == b))

    teams: dict[str, TeamEstimate] = {}
    for team in sorted(pieces_by_team, key=lambda t: (t == OTHER, -len(pieces_by_team[t]), t)):
        spec, held, _ = team_hours(week_profile(events_by_team[team]), options.hours_share)
        wh = WorkingHours.always() if spec == "24/7" else WorkingHours.business(
            spec[0]["days"], spec[0]["open"], spec[0]["close"])
        pieces = pieces_by_team[team]
        done = [wh.open_hours(a, b) for a, b, cens in pieces if not cens]
        cut = [wh.open_hours(a, b) for a, b, cens in pieces if cens]
        work = fit_duration(done, cut) if len(done) >= 2 else None
        weekly = [len(s) for s in people[team].values()]
        per_week = _quantile(weekly, options.people_quantile) if weekly else None
        peak = peak_concurrency((a, b) for a, b, _ in pieces)
        # Little's law at the calibrated rate: sessions per case x cases per hour x mean calendar length
        # (a cohort log drains after its cases stop opening, so its peak can sit below the steady state).
        steady = (len(pieces) / len(log.journeys) * rate * float(np.mean([b - a for a, b, _ in pieces])))
        if team in options.agents:
            agents, rule = options.agents[team], "set by --agents"
        elif options.staffing == "people" and per_week is not None:
            agents = max(1, int(round(per_week)))
            rule = (f"distinct people active per week, quantile {options.people_quantile:g} over "
                    f"{len(weekly)} weeks")
        else:
            agents = no_queue_agents(max(peak, steady))
            rule = (f"no queue: N + 3 sqrt(N) for N the larger of the log's peak of concurrent sessions "
                    f"({peak}) and their steady-state mean at the calibrated rate ({steady:.1f}, Little's "
                    "law); sessions are pure delays")
        sessions = len(pieces)
        teams[team] = TeamEstimate(
            name=team, members=tuple(sorted(t for t, n in names.items() if n == team)),
            cases=len(cases_by_team[team]), stints=sum(stint_count[t] for t, n in names.items() if n == team),
            sessions=sessions, events=len(events_by_team[team]), hours=spec, hours_held=held,
            people_per_week=per_week, peak_sessions=peak, agents=agents, agents_rule=rule, work_time=work,
            waits=waits_at[team], ask_customer=waits_at[team] / sessions if sessions else 0.0)
    unknown = set(options.agents) - set(teams)
    if unknown:
        raise ValueError(f"--agents names no team of the calibrated scenario: {sorted(unknown)[0]!r} "
                         f"(teams: {', '.join(teams)})")

    total_intake = sum(intake.values())
    shares = {t: n / total_intake for t, n in sorted(intake.items(), key=lambda kv: (-kv[1], kv[0]))}
    matrix = matrix_from_steps(steps)
    log_handoffs = float(np.mean([j.handoffs for j in log.journeys]))
    reply = None
    if len([d for d, c in wait_durations if not c]) >= 2:
        reply = fit_duration([d for d, c in wait_durations if not c], [d for d, c in wait_durations if c])
    discovery = fit_duration(gap_durations) if len(gap_durations) >= 2 else None
    reopens = len(gap_durations)
    resolutions = finished_cases + reopens
    return Calibration(
        source=log.source, cases=log.cases, cases_routed=len(routed), rate_per_hour=rate,
        window=(epoch + timedelta(hours=w_lo), epoch + timedelta(hours=w_hi)), window_cases=w_n,
        profile=profile, teams=teams, grouped=grouped, intake=shares, matrix=matrix,
        steps={t: sum(r.values()) for t, r in steps.items()}, finished=finished_cases,
        log_handoffs=log_handoffs, matrix_handoffs=implied_handoffs(shares, matrix),
        internal_other=internal_other, handoffs=handoffs, reply_time=reply,
        waits=len(wait_durations),
        reopen_rate=reopens / resolutions if has_activity and resolutions else None,
        reopens=reopens, resolutions=resolutions, discovery_time=discovery, has_activity=has_activity,
        has_resource=has_resource, notes=tuple(notes))


def _hours(h: float) -> str:
    """A duration in hours as scenario text, 4 significant digits (minutes below an hour)."""
    if h < 1:
        return f"{h * 60:.4g} min"
    if h >= 1000:
        return f"{h / 24:.4g} days"
    return f"{h:.4g} h"
