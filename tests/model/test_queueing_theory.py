"""The engine against queueing theory beyond Erlang C/A: Pollaczek–Khinchine, a Jackson tandem, Little, Ciw.

Each replication gives one independent sample of a mean (its cases' mean wait, say); the Student-t interval
over replications must contain the analytic value, and must be narrow enough to exclude the nearest wrong
model (an M/M/1 instead of an M/D/1, twice the service-time sd, ...), so that each test can fail. Waits are
the recorder's per-session queue waits (``queue_wait_hours_mean`` overall, ``wait_hours_mean`` per team in
the summary's ``teams``), computed per replication by the same functions the summary uses: calendar hours
from joining a team's queue to the start of the session, independent of the customers' working hours
(chasing effort, by contrast, accrues only in ``customers.hours``, so it equals the wait only at 24/7).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

import cxsim
from cxsim.erlang import mmc_mean_wait
from cxsim.metrics import replication_metrics, team_service

LEVEL = 0.99


def t_interval(samples, level: float = LEVEL) -> tuple[float, float]:
    """Student-t interval for the mean of independent samples (replication means)."""
    samples = np.asarray(samples, dtype=float)
    half = stats.t.ppf(0.5 + level / 2, len(samples) - 1) * samples.std(ddof=1) / math.sqrt(len(samples))
    return samples.mean() - half, samples.mean() + half


def welch_interval(a, b, level: float = LEVEL) -> tuple[float, float]:
    """Welch interval for mean(a) - mean(b), two independent sets of replication means."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    df = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1))
    half = stats.t.ppf(0.5 + level / 2, df) * math.sqrt(va + vb)
    diff = a.mean() - b.mean()
    return diff - half, diff + half


def one_agent(fix_time, rate_per_hour: float, days: int) -> dict:
    """M/G/1: one agent 24/7, Poisson arrivals, no diagnosis, every case fixed in one session (proficiency
    1, incentive ``resolution``: no premature closure or deflection), nobody gives up."""
    return {
        "name": "mg1",
        "horizon": f"{days} days",
        "warmup": "5 days",
        "arrivals": {"process": "poisson", "rate": f"{rate_per_hour} per h"},
        "case_types": {"job": {"share": 1.0, "skills": ["s"], "diagnosis_time": "0 min",
                               "fix_time": fix_time}},
        "designs": {"single": {"teams": {"team": {"agents": 1, "skills": {"s": 1.0}, "hours": "24/7"}},
                               "incentive": {"scheme": "resolution"}}},
    }


def pollaczek_khinchine(rate: float, mean: float, sd: float) -> float:
    """Mean wait in queue of M/G/1: Wq = λ E[S²] / (2 (1 - ρ)), E[S²] = sd² + mean²."""
    rho = rate * mean
    assert rho < 1
    return rate * (sd * sd + mean * mean) / (2 * (1 - rho))


def queue_waits(result: cxsim.Result) -> np.ndarray:
    """Each replication's mean queue wait over every session of a counted case (hours)."""
    return np.array([replication_metrics(out)["queue_wait_hours_mean"] for out in result.outputs])


# ---------------------------------------------------------------- Pollaczek–Khinchine (M/G/1)

LAM = 4.0  # per hour; mean service 10 min: ρ = 2/3
MEAN = 10 / 60


def check_pollaczek_khinchine(label: str, fix_time, sd: float, wrong_sd: float, replications: int,
                              days: int) -> None:
    result = cxsim.run(one_agent(fix_time, LAM, days), replications=replications, seed=23, cases="none")
    lo, hi = t_interval(queue_waits(result))
    expected = pollaczek_khinchine(LAM, MEAN, sd)
    assert lo <= expected <= hi, f"{label}: P-K Wq={expected:.4f} h outside the 99% CI [{lo:.4f}, {hi:.4f}]"
    # Power: the interval rules out the neighbouring model, and is within ±12.5% of the analytic value.
    wrong = pollaczek_khinchine(LAM, MEAN, wrong_sd)
    assert not lo <= wrong <= hi, (
        f"{label}: the 99% CI [{lo:.4f}, {hi:.4f}] also holds Wq={wrong:.4f} h of service sd {wrong_sd:g} h")
    assert hi - lo < 0.25 * expected


def test_mean_wait_matches_pollaczek_khinchine_md1():
    """M/D/1 (constant 10 min fix): half the M/M/1 wait; the wrong model is M/M/1 (sd = mean)."""
    check_pollaczek_khinchine("M/D/1", "10 min", 0.0, MEAN, replications=10, days=60)


@pytest.mark.slow
def test_mean_wait_matches_pollaczek_khinchine_lognormal():
    """M/G/1 with a lognormal fix (mean 10 min, sd 15 min: cv 1.5); the wrong model doubles the sd (cv 3,
    E[S²] three times as large)."""
    check_pollaczek_khinchine("M/G/1 lognormal", {"dist": "lognormal", "mean": "10 min", "sd": "15 min"},
                              15 / 60, 30 / 60, replications=20, days=150)


# ---------------------------------------------------------------- Jackson network (tandem)

TANDEM_LAM = 2.0  # per hour
A_AGENTS, A_MEAN_H = 3, 1.0  # triage: exponential diagnosis, then hand-off (ρ = 2/3)
B_AGENTS, B_MEAN_H = 2, 0.75  # resolvers: exponential fix (ρ = 3/4)


TANDEM_DAYS, TANDEM_REPS = 150, 16


def tandem(days: int = TANDEM_DAYS) -> dict:
    """Two teams in series, every choice deterministic: all cases start at A, which lacks the skill; its
    agent diagnoses (exponential) and hands the case on. B is the only other team, so the guess is B; a cold
    transfer puts it at the back of B's queue (place = now), with no hand-off time and briefing 0, so B's
    session is the exponential fix alone. Proficiency 1 and incentive ``resolution``: B always fixes it."""
    return {
        "name": "tandem",
        "horizon": f"{days} days",
        "warmup": "5 days",
        "arrivals": {"process": "poisson", "rate": f"{TANDEM_LAM} per h"},
        "case_types": {"job": {"share": 1.0, "skills": ["s"], "difficulty": 0.0,
                               "diagnosis_time": {"dist": "exponential", "mean": f"{A_MEAN_H} h"},
                               "fix_time": {"dist": "exponential", "mean": f"{B_MEAN_H} h"}}},
        "designs": {"tandem": {
            "teams": {"A": {"agents": A_AGENTS, "skills": {"triage": 1.0}, "hours": "24/7"},
                      "B": {"agents": B_AGENTS, "skills": {"s": 1.0}, "hours": "24/7"}},
            "intake": {"team": "A"},
            "transfer": {"policy": "cold", "accuracy": 1.0, "handoff_time": "0 min", "briefing": 0.0,
                         "pickup": "now"},
            "incentive": {"scheme": "resolution"}}},
    }


@pytest.fixture(scope="module")
def tandem_run() -> cxsim.Result:
    return cxsim.run(tandem(), replications=TANDEM_REPS, seed=31, cases="all")


@pytest.mark.slow
def test_tandem_waits_match_erlang_c_at_each_team(tandem_run):
    """Burke: A's departures are Poisson(λ), so A and B are independent M/M/c queues with the same λ."""
    per_team = [team_service(out) for out in tandem_run.outputs]
    expected = {"A": mmc_mean_wait(TANDEM_LAM, 1 / A_MEAN_H, A_AGENTS),
                "B": mmc_mean_wait(TANDEM_LAM, 1 / B_MEAN_H, B_AGENTS)}
    for team, wq in expected.items():
        lo, hi = t_interval([t[team]["wait_hours_mean"] for t in per_team])
        assert lo <= wq <= hi, f"team {team}: Erlang C Wq={wq:.4f} h outside the 99% CI [{lo:.4f}, {hi:.4f}]"
        assert hi - lo < 0.25 * wq  # power: within ±12.5% of the analytic value
    total = [t["A"]["wait_hours_mean"] + t["B"]["wait_hours_mean"] for t in per_team]
    lo, hi = t_interval(total)
    assert lo <= sum(expected.values()) <= hi, (
        f"total Wq={sum(expected.values()):.4f} h outside the 99% CI [{lo:.4f}, {hi:.4f}]")


@pytest.mark.slow
def test_tandem_every_case_takes_the_route_and_littles_law_holds(tandem_run):
    """Each counted case visits A then B exactly once, every session ends as the design says, and the
    time-average number of open cases (sampled at day boundaries) is λ x the mean time in the system
    (Little), which Jackson gives as the sum of both teams' waits and mean service times."""
    days = TANDEM_DAYS
    sojourn = TANDEM_LAM * (mmc_mean_wait(TANDEM_LAM, 1 / A_MEAN_H, A_AGENTS) + A_MEAN_H
                            + mmc_mean_wait(TANDEM_LAM, 1 / B_MEAN_H, B_AGENTS) + B_MEAN_H)
    open_mean, little = [], []
    for out in tandem_run.outputs:
        ended = [c for c in out.cases if c.status != "open"]
        assert all(c.status == "resolved" for c in ended)
        assert all([v.team for v in c.visits] == ["A", "B"] and c.transfers == 1 for c in ended)
        backlog = np.array(out.service.backlog[6:], dtype=float)  # day boundaries after the warm-up
        open_mean.append(backlog.mean())
        # Little on the measured quantities: arrival rate x mean time in the system of cases that ended.
        finished = [c for c in out.cases if c.opened_at_hours < (days - 2) * 24]
        assert all(c.status == "resolved" for c in finished)
        rate = len(finished) / ((days - 2 - 5) * 24)
        little.append(rate * np.mean([c.ended_at_hours - c.opened_at_hours for c in finished]))
    lo, hi = t_interval(open_mean)
    assert lo <= sojourn <= hi, f"L={sojourn:.3f} (Jackson + Little) outside the 99% CI [{lo:.3f}, {hi:.3f}]"
    lo, hi = t_interval(np.array(open_mean) - np.array(little))
    assert lo <= 0 <= hi, f"L - λW: 99% CI [{lo:.3f}, {hi:.3f}] excludes 0"


# ---------------------------------------------------------------- Ciw agreement (M/M/c)

CIW_LAM, CIW_MEAN_H, CIW_AGENTS, CIW_DAYS, CIW_REPS = 4.0, 0.6, 3, 80, 10  # ρ = 0.8


def ciw_mean_waits(seed: int) -> np.ndarray:
    """Ciw's M/M/c, each replication's mean wait of customers arriving after the same warm-up."""
    ciw = pytest.importorskip("ciw")
    network = ciw.create_network(arrival_distributions=[ciw.dists.Exponential(rate=CIW_LAM)],
                                 service_distributions=[ciw.dists.Exponential(rate=1 / CIW_MEAN_H)],
                                 number_of_servers=[CIW_AGENTS])
    waits = []
    for r in range(CIW_REPS):
        ciw.seed(seed + r)
        sim = ciw.Simulation(network)
        sim.simulate_until_max_time(CIW_DAYS * 24)
        records = sim.get_all_records()
        waits.append(np.mean([rec.waiting_time for rec in records if rec.arrival_date >= 5 * 24]))
    return np.array(waits)


@pytest.mark.slow
def test_mmc_mean_wait_agrees_with_ciw():
    """Two engines, one M/M/c: the interval for the difference of their mean waits contains 0."""
    theirs = ciw_mean_waits(seed=101)
    fix = {"dist": "exponential", "mean": f"{CIW_MEAN_H} h"}
    scenario = one_agent(fix, CIW_LAM, CIW_DAYS)
    scenario["designs"]["single"]["teams"]["team"]["agents"] = CIW_AGENTS
    ours = queue_waits(cxsim.run(scenario, replications=CIW_REPS, seed=41, cases="none"))
    lo, hi = welch_interval(ours, theirs)
    assert lo <= 0 <= hi, f"cxsim - Ciw mean wait: 99% CI [{lo:.4f}, {hi:.4f}] h excludes 0"
    expected = mmc_mean_wait(CIW_LAM, 1 / CIW_MEAN_H, CIW_AGENTS)
    for name, sample in (("cxsim", ours), ("Ciw", theirs)):
        lo, hi = t_interval(sample)
        assert lo <= expected <= hi, f"{name}: Erlang C Wq={expected:.4f} h outside [{lo:.4f}, {hi:.4f}]"
