"""Calibration's estimators recover known parameters from synthetic journeys: arrival rate and profile,
grouping, working hours, agents, intake shares, the routing matrix (and its implied hand-offs), session
times fitted by ML (with censoring), customer waits and reopens. Tolerances are a few standard errors."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from datetime import datetime, timedelta

import numpy as np
import pytest

from cxsim.calibration import (
    FLOOR_HOURS,
    OTHER,
    RESOLVED,
    Options,
    arrival_rate,
    calibrate,
    fit_duration,
    group_teams,
    implied_handoffs,
    matrix_from_steps,
    no_queue_agents,
    peak_concurrency,
    session_pieces,
    team_hours,
    week_profile,
)
from cxsim.eventlog import Columns, Event, EventLog, Journey
from cxsim.working_hours import parse_hours

MONDAY = datetime(2024, 1, 1)  # a Monday


def _log(journeys: list[Journey], *, activity: bool = False) -> EventLog:
    times = [e.time for j in journeys for e in j.events] + [j.end for j in journeys if j.end is not None]
    columns = Columns(case="case", time="time", team="team", resolved="resolved",
                      activity="activity" if activity else None)
    return EventLog(source="synthetic.csv", format="csv", columns=columns, journeys=tuple(journeys),
                    events=sum(len(j.events) for j in journeys), start=min(times), end=max(times),
                    time_format="iso")


def _journey(case: str, start: datetime, route: list[tuple[str, float]], *, open_: bool = False,
             resource: str | None = None) -> Journey:
    """A case through ``route`` [(team, hours there)], resolved after the last unless ``open_``."""
    events, t = [], start
    for team, hours in route:
        events.append(Event(t, team, resource))
        t += timedelta(hours=hours)
    if open_:
        events.append(Event(t, route[-1][0], resource))
    return Journey(case, tuple(events), opened=start, resolved=None if open_ else t)


# --- arrivals ---------------------------------------------------------------------------------------------

def test_arrival_rate_of_a_poisson_process_within_three_standard_errors():
    rng = np.random.default_rng(1)
    times = np.cumsum(rng.exponential(1 / 5.0, 4000))  # 5 per hour
    rate, lo, hi, n = arrival_rate(times)
    assert abs(rate - 5.0) < 3 * 5.0 / math.sqrt(n)
    assert lo > times[0] and hi < times[-1]  # the central 95%


def test_arrival_rate_ignores_a_thin_tail_of_a_cohort_log():
    """Most cases open in 100 hours; 1% open over the next 10,000: cases / span would say ~0.1 per hour."""
    rng = np.random.default_rng(2)
    bulk = np.sort(rng.uniform(0, 100, 990))
    tail = np.sort(rng.uniform(100, 10_100, 10))
    rate, *_ = arrival_rate(np.concatenate([bulk, tail]))
    assert 9.0 < rate < 11.0
    assert 1000 / 10_100 < 0.1


def test_arrival_rate_needs_two_distinct_times():
    with pytest.raises(ValueError, match="two cases"):
        arrival_rate([1.0])
    with pytest.raises(ValueError, match="same time"):
        arrival_rate([3.0, 3.0, 3.0])


def test_week_profile_counts_by_hour_of_week():
    profile = week_profile([0.5, 1.2, 24 * 6 + 23.5, 168 + 0.1])  # Mon 00:xx twice (two weeks), Sun 23:xx
    assert profile[0] == 2 and profile[1] == 1 and profile[167] == 1 and sum(profile) == 4


# --- teams ------------------------------------------------------------------------------------------------

def test_group_teams_by_cases_or_share_of_stints():
    cases = {"A": 100, "B": 50, "C": 3, "D": 2}
    stints = {"A": 120, "B": 60, "C": 3, "D": 2}
    assert group_teams(cases, stints, min_cases=10) == {"A": "A", "B": "B", "C": OTHER, "D": OTHER}
    assert group_teams(cases, stints, other_below=0.4) == {"A": "A", "B": OTHER, "C": OTHER, "D": OTHER}
    assert group_teams(cases, stints, min_cases=3) == {t: t for t in cases}  # one rare team keeps its name
    assert group_teams(cases, stints) == {t: t for t in cases}


def _counts(days: range, hours: range, n: int = 10) -> list[int]:
    counts = [0] * 168
    for d in days:
        for h in hours:
            counts[24 * d + h] = n
    return counts


def test_team_hours_from_when_events_happen():
    business = _counts(range(5), range(9, 17))
    spec, held, per_week = team_hours(business, 0.9)
    assert spec == [{"days": "mon-fri", "open": "09:00", "close": "17:00"}] and held == 1.0 and per_week == 40
    weekend_too = _counts(range(7), range(8, 20))
    assert team_hours(weekend_too, 1.0)[0] == [{"days": "daily", "open": "08:00", "close": "20:00"}]
    assert team_hours(weekend_too, 0.9)[0] == [{"days": "daily", "open": "08:00", "close": "19:00"}]
    assert team_hours([1] * 168, 0.9)[:2] == ("24/7", 1.0)  # spread evenly: 22 h hold 90%, round the clock
    assert team_hours(_counts(range(5), range(0, 24)), 0.9) == (
        [{"days": "mon-fri", "open": "00:00", "close": "24:00"}], 1.0, 120)
    # a few events at night: a 90% share keeps the day window, all of them need round the clock
    night = [c or 1 for c in _counts(range(7), range(8, 20), 100)]
    assert team_hours(night, 0.95)[0] == [{"days": "daily", "open": "08:00", "close": "20:00"}]
    assert team_hours(night, 1.0)[0] == "24/7"


def test_peak_concurrency_and_no_queue_staffing():
    assert peak_concurrency([(0, 2), (1, 3), (2, 4), (5, 5)]) == 2  # [0,2) and [2,4) do not overlap
    assert peak_concurrency([(0, 0), (0, 0)]) == 2  # instants count
    assert no_queue_agents(0) == 1
    assert no_queue_agents(100) == 130


# --- routing ----------------------------------------------------------------------------------------------

def test_matrix_rows_are_step_frequencies():
    matrix = matrix_from_steps({"A": {RESOLVED: 6, "B": 3, "C": 1}, "B": {RESOLVED: 2}})
    assert matrix == {"A": {RESOLVED: 0.6, "B": 0.3, "C": 0.1}, "B": {RESOLVED: 1.0}}


def test_implied_handoffs_of_an_absorbing_chain():
    # A -> B half the time, B resolves: 0.5 hand-offs
    assert implied_handoffs({"A": 1.0}, {"A": {RESOLVED: 0.5, "B": 0.5}}) == pytest.approx(0.5)
    # A <-> B ping-pong with p = 0.5 each way: visits 1/(1-p) at each... hand-offs p / (1 - p) = 1
    assert implied_handoffs({"A": 1.0}, {"A": {RESOLVED: 0.5, "B": 0.5}, "B": {RESOLVED: 0.5, "A": 0.5}}) \
        == pytest.approx(1.0)
    # a self-loop is another visit, not a hand-off
    assert implied_handoffs({OTHER: 1.0}, {OTHER: {RESOLVED: 0.5, OTHER: 0.5}}) == pytest.approx(0.0)


ROUTING = {"A": {RESOLVED: 0.6, "B": 0.3, "C": 0.1}, "B": {RESOLVED: 0.8, "A": 0.2}, "C": {RESOLVED: 1.0}}
MEANS = {"A": 3.0, "B": 10.0, "C": 1.0}


@pytest.fixture(scope="module")
def routed():
    """3,000 cases, 20 per hour around the clock: intake A 70% / B 30%, the ROUTING matrix, exponential
    times at each team (MEANS, hours); then 200 cases at C only, some still open at the log's end."""
    rng = np.random.default_rng(7)
    journeys, t = [], MONDAY
    drawn: dict[str, Counter] = defaultdict(Counter)  # the steps actually drawn
    for i in range(3000):
        t += timedelta(hours=rng.exponential(1 / 20))
        team = "A" if rng.random() < 0.7 else "B"
        route = []
        while True:
            route.append((team, rng.exponential(MEANS[team])))
            row = ROUTING[team]
            step = str(rng.choice(list(row), p=list(row.values())))
            drawn[team][step] += 1
            team = step
            if team == RESOLVED:
                break
        journeys.append(_journey(f"C{i}", t, route, resource=f"p{i % 4}"))
    for i in range(200):  # C-only cases followed for a random time: those still going are censored
        d, follow = rng.exponential(MEANS["C"]), rng.uniform(0, 2)
        journeys.append(_journey(f"O{i}", t, [("C", min(d, follow))], open_=d > follow))
        drawn["C"][RESOLVED] += d <= follow
    log = _log(journeys)
    return log, calibrate(log, Options()), drawn


def test_calibrate_recovers_rate_intake_and_matrix(routed):
    log, cal, drawn = routed
    assert abs(cal.rate_per_hour - 20) < 3 * 20 / math.sqrt(cal.window_cases)
    n = 3000
    assert abs(cal.intake["A"] * 3200 / 3000 - 0.7) < 3 * math.sqrt(0.21 / n)
    for team, row in ROUTING.items():
        visits = cal.steps[team]
        assert visits == sum(drawn[team].values())
        for step, p in row.items():
            # exactly the frequencies drawn, and within 4 standard errors of the truth (7 proportions)
            assert cal.matrix[team].get(step, 0.0) == pytest.approx(drawn[team][step] / visits)
            assert abs(cal.matrix[team].get(step, 0.0) - p) < 4 * math.sqrt(p * (1 - p) / visits) + 1e-9
    # the open cases gave no 'resolved' step at C: its row comes from the ended cases only
    still_open = sum(1 for j in log.journeys if j.end is None)
    assert 30 < still_open < 170 and cal.finished == 3200 - still_open and cal.matrix["C"] == {RESOLVED: 1.0}
    assert cal.matrix_handoffs == pytest.approx(cal.log_handoffs, rel=0.05)


def test_calibrate_recovers_mean_time_per_team(routed):
    log, cal, _ = routed
    for team, mean in MEANS.items():
        fit = cal.teams[team].work_time
        assert fit.dist in ("exponential", "gamma")
        assert abs(fit.mean - mean) < 3 * mean / math.sqrt(fit.n)
    assert cal.teams["C"].work_time.censored == sum(1 for j in log.journeys if j.end is None)
    assert cal.teams["A"].hours == cal.teams["B"].hours == "24/7"
    assert cal.teams["A"].people_per_week == 4
    assert cal.reply_time is None and cal.reopen_rate is None  # no activity column


def test_agents_by_flag_or_people_per_week(routed):
    log, _, _ = routed
    cal = calibrate(log, Options(staffing="people", agents={"B": 7}))
    assert cal.teams["A"].agents == 4 and cal.teams["B"].agents == 7
    with pytest.raises(ValueError, match="--agents names no team"):
        calibrate(log, Options(agents={"Z": 1}))


def test_rare_teams_grouped_into_other_keep_their_time_and_lose_internal_handoffs():
    journeys = [_journey(f"A{i}", MONDAY + timedelta(hours=i), [("A", 1.0)]) for i in range(50)]
    journeys += [_journey(f"X{i}", MONDAY + timedelta(hours=i), [("X", 2.0), ("Y", 2.0)]) for i in range(5)]
    cal = calibrate(_log(journeys), Options(min_cases=10))
    assert set(cal.teams) == {"A", OTHER} and cal.grouped == ("X", "Y")
    assert cal.teams[OTHER].members == ("X", "Y")
    assert cal.matrix[OTHER] == {RESOLVED: 0.5, OTHER: 0.5} and cal.internal_other == 5
    assert cal.matrix_handoffs == 0.0 < cal.log_handoffs


# --- durations --------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("dist", "sample", "mean"), [
    ("exponential", lambda rng: rng.exponential(2.0, 3000), 2.0),
    ("lognormal", lambda rng: rng.lognormal(math.log(3.0), 0.6, 3000), 3.0 * math.exp(0.18)),
    ("gamma", lambda rng: rng.gamma(4.0, 0.5, 3000), 2.0),
])
def test_fit_duration_picks_the_generating_model_and_its_mean(dist, sample, mean):
    fit = fit_duration(sample(np.random.default_rng(3)))
    assert fit.dist == dist
    assert fit.mean == pytest.approx(mean, rel=0.05)
    assert fit.ks < 0.03 and set(fit.aic) == {"exponential", "lognormal", "gamma"}
    assert fit.spec()["dist"] == dist and "h" in fit.spec()["mean"]


def test_fit_duration_respects_right_censoring():
    rng = np.random.default_rng(4)
    x = rng.exponential(5.0, 4000)
    done, cut = x[x < 6.0], np.full((x >= 6.0).sum(), 6.0)
    fit = fit_duration(done, cut)
    assert fit.censored == len(cut) and fit.n == len(done)
    assert fit.mean == pytest.approx(5.0, rel=0.06)
    assert done.mean() < 3.0  # dropping the censored values would be far off


def test_fit_duration_sets_aside_a_fit_whose_mean_strays_from_the_data():
    """Lognormal-shaped values with their tail cut: the lognormal's AIC is best but its mean is far beyond."""
    rng = np.random.default_rng(5)
    x = rng.lognormal(0.0, 2.5, 3000)
    x = x[x < 200]  # a log's follow-up cuts the tail the lognormal's mean rests on
    fit = fit_duration(x)
    assert fit.aic["lognormal"] < fit.aic["gamma"]
    assert fit.dist == "gamma" and "lognormal" in fit.set_aside
    assert fit.mean == pytest.approx(x.mean(), rel=0.01)
    assert fit_duration(x, mean_tolerance=10).dist == "lognormal"
    assert "set aside" in fit.describe() and "KS D" in fit.describe()


# --- customer waits and reopens ---------------------------------------------------------------------------

def test_session_pieces_split_a_stint_at_its_pauses():
    assert session_pieces(0, 12, [(2, 10)]) == [(0, 2), (10, 12)]
    assert session_pieces(0, 12, []) == [(0, 12)]
    assert session_pieces(5, 12, [(2, 7), (9, 10), (20, 30)]) == [(5, 5), (7, 9), (10, 12)]


def test_customer_waits_and_reopens_from_activities():
    """Each case: worked 2 h, waits on the customer 8 h, worked 2 h, resolved, reopened 5 h later, 1 h more.
    Half the cases are so; the others are worked 3 h and resolved."""
    journeys = []
    for i in range(40):
        t = MONDAY + timedelta(hours=4.2 * i)
        if i % 2:
            journeys.append(Journey(f"S{i}", (Event(t, "A", None, "Active"),
                                              Event(t + timedelta(hours=3), "A", None, "Resolved")),
                                    opened=t, resolved=t + timedelta(hours=3)))
            continue
        steps = [(0, "Active"), (2, "Awaiting User Info"), (10, "Active"), (12, "Resolved"), (17, "Active"),
                 (18, "Resolved")]
        events = tuple(Event(t + timedelta(hours=h), "A", None, a) for h, a in steps)
        journeys.append(Journey(f"W{i}", events, opened=t, resolved=t + timedelta(hours=18)))
    cal = calibrate(_log(journeys, activity=True), Options())
    team = cal.teams["A"]
    # sessions: 3 per waiting case (split at the wait and the reopen gap), 1 per other case
    assert team.sessions == 20 * 3 + 20 and team.waits == 20
    assert team.ask_customer == pytest.approx(20 / 80)
    assert cal.reply_time.sample_mean == pytest.approx(8.0) and cal.waits == 20
    assert cal.reopens == 20 and cal.reopen_rate == pytest.approx(20 / 60)
    assert cal.discovery_time.sample_mean == pytest.approx(5.0)
    # sessions are measured in the team's open hours
    hours = parse_hours(team.hours)
    base = (MONDAY - timedelta(days=MONDAY.weekday()))

    def h(t: datetime) -> float:
        return (t - base).total_seconds() / 3600

    expected = []
    for j in journeys:
        times = [h(e.time) for e in j.events]
        bounds = [(0, 1)] if j.case.startswith("S") else [(0, 1), (2, 3), (4, 5)]
        expected += [hours.open_hours(times[a], times[b]) for a, b in bounds]
    assert team.work_time.sample_mean == pytest.approx(np.mean(np.maximum(expected, FLOOR_HOURS)))
