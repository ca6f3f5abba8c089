"""The as-is engine features against theory: a weekly arrival profile, observed intake shares and the
routing matrix.

- ``arrivals.profile``: counts per hour-of-week bin over a long run follow the profile (chi-square given the
  total), the total matches the configured calendar rate (Poisson), for both arrival processes; a flat
  profile is statistically the same as none.
- ``transfer.routing: matrix`` with exponential work times at 24/7 teams is an open Jackson network whose
  routing is an absorbing Markov chain: expected visits per team are alpha N with N = (I - Q)^-1, hand-offs
  per case are H with P(H = k) = alpha Q^k r, ping-pong and distinct teams follow from the chain (computed
  exactly below), and each team is an M/M/c queue at its own arrival rate lambda v_j (Erlang C waits).
- Customer asks, the case type's exchanges and premature closures (reopens) under matrix routing; the
  example as-is scenario: determinism and accounting.

Intervals are 99% Student-t over independent replications, or chi-square / Poisson tests at 0.1%, with a
fixed seed; each test also checks it could tell the nearest wrong model apart.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

import cxsim
from cxsim.engine import Listener, Replication
from cxsim.erlang import mmc_mean_wait
from cxsim.loader import load_scenario
from cxsim.metrics import replication_metrics, team_service, team_utilization
from cxsim.scenario import DAYS

HERE = Path(__file__).resolve().parent
EXAMPLE = HERE / "asis_example.yaml"
LEVEL = 0.99
ALPHA = 0.001  # significance of the chi-square and Poisson checks


def t_interval(samples, level: float = LEVEL) -> tuple[float, float]:
    samples = np.asarray(samples, dtype=float)
    half = stats.t.ppf(0.5 + level / 2, len(samples) - 1) * samples.std(ddof=1) / math.sqrt(len(samples))
    return samples.mean() - half, samples.mean() + half


# ---------------------------------------------------------------- the weekly arrival profile


class Openings(Listener):
    """Times at which cases were opened."""

    def __init__(self) -> None:
        self.times: list[float] = []

    def case_opened(self, case, team) -> None:
        self.times.append(case.opened)


WEEKS = 16
RATE = 12.0  # per hour, calendar average


def example_profile() -> list[float]:
    """The example's weekly profile (168 weights, zeros at night at the weekend and on Sunday)."""
    return load_scenario(EXAMPLE).arrivals.weekly_weights


def arrivals_scenario(process: str, profile=None) -> cxsim.Scenario:
    """Cases only arrive (served at once by a large 24/7 team): the arrival process on its own."""
    data = {
        "name": "profile", "horizon": f"{WEEKS} weeks",
        "case_types": {"job": {"share": 1.0, "skills": ["s"], "fix_time": "1 min",
                               "diagnosis_time": "0 min"}},
        "designs": {"d": {"teams": {"t": {"agents": 60, "skills": ["s"], "hours": "24/7"}},
                          "incentive": {"scheme": "resolution"}}},
    }
    if process == "poisson":
        data["arrivals"] = {"process": "poisson", "rate": f"{RATE} per h"}
    else:  # the same calendar rate from a steady population that never churns
        data["arrivals"] = {"process": "population"}
        data["customers"] = {"count": 2016, "case_rate": "1 per week", "loyalty": 1.0}
        data["churn"] = {"curve": "none"}
    if profile is not None:
        data["arrivals"]["profile"] = profile
    return cxsim.Scenario(**data)


def hour_counts(scenario: cxsim.Scenario, seed: int) -> np.ndarray:
    openings = Openings()
    Replication(scenario, "d", seed, 0, listeners=[openings]).run()
    times = np.asarray(openings.times)
    assert times.max() < WEEKS * 168
    return np.bincount((times % 168).astype(int), minlength=168)


@pytest.mark.parametrize("process", ["poisson", "population"])
def test_counts_per_hour_of_week_follow_the_profile_and_the_total_the_rate(process):
    weights = np.array(example_profile())
    counts = hour_counts(arrivals_scenario(process, weights.tolist()), seed=11)
    total, expected_total = counts.sum(), RATE * WEEKS * 168  # 2016 customers x 1 per week = 12 per hour
    z = (total - expected_total) / math.sqrt(expected_total)
    assert abs(z) < stats.norm.ppf(1 - ALPHA / 2), f"{total} cases, {expected_total:.0f} expected ({z=:.2f})"
    assert counts[weights == 0].sum() == 0, "arrivals in hours of weight 0"
    live = weights > 0
    expected = total * weights[live] / weights.sum()
    p = stats.chisquare(counts[live], expected).pvalue
    assert p > ALPHA, f"counts per hour of week do not follow the profile (chi-square p={p:.2g})"
    # Power: the same counts are far from a flat process, and from the profile shifted by one hour.
    assert stats.chisquare(counts, np.full(168, total / 168)).pvalue < 1e-12
    shifted = np.roll(weights, 1)[live] + 0.01 * weights.mean()  # (no zeros: a finite statistic)
    assert stats.chisquare(counts[live], total * shifted / shifted.sum()).pvalue < 1e-12


@pytest.mark.parametrize("process", ["poisson", "population"])
def test_a_flat_profile_is_statistically_no_profile(process):
    flat = hour_counts(arrivals_scenario(process, {day: [2.5] * 24 for day in DAYS}), seed=12)
    none = hour_counts(arrivals_scenario(process), seed=12)
    assert not np.array_equal(flat, none)  # the thinning draws differ ...
    z = (flat.sum() - none.sum()) / math.sqrt(flat.sum() + none.sum())
    assert abs(z) < stats.norm.ppf(1 - ALPHA / 2), f"totals {flat.sum()} and {none.sum()} differ (z={z:.2f})"
    p = stats.chi2_contingency(np.vstack([flat, none])).pvalue  # ... not the process
    assert p > ALPHA, f"a flat profile and no profile spread arrivals differently (p={p:.2g})"
    for counts in (flat, none):
        assert stats.chisquare(counts).pvalue > ALPHA


# ---------------------------------------------------------------- matrix routing: a Jackson network

TEAMS = ("desk", "net", "db")
AGENTS = {"desk": 3, "net": 2, "db": 1}
WORK_H = {"desk": 20 / 60, "net": 30 / 60, "db": 25 / 60}
INTAKE = {"desk": 0.7, "net": 0.2, "db": 0.1}
MATRIX = {"desk": {"resolved": 0.6, "net": 0.25, "db": 0.15},
          "net": {"resolved": 0.7, "desk": 0.2, "db": 0.1},
          "db": {"resolved": 0.8, "desk": 0.1, "net": 0.1}}
LAM = 6.0  # per hour
DAYS_RUN, WARMUP_DAYS, REPS = 100, 5, 8


def jackson(days: int = DAYS_RUN) -> dict:
    """Poisson arrivals, observed intake, the matrix, exponential work at 24/7 teams, nobody gives up, no
    hand-off time: an open Jackson network."""
    return {
        "name": "jackson", "horizon": f"{days} days", "warmup": f"{WARMUP_DAYS} days",
        "arrivals": {"process": "poisson", "rate": f"{LAM} per h"},
        "case_types": {"job": {"share": 1.0, "skills": ["s"], "fix_time": "0 min"}},
        "designs": {"as_is": {
            "teams": {t: {"agents": AGENTS[t], "skills": ["s"], "hours": "24/7",
                          "work_time": {"dist": "exponential", "mean": f"{WORK_H[t] * 60} min"}}
                      for t in TEAMS},
            "intake": {"shares": INTAKE},
            "transfer": {"policy": "cold", "routing": "matrix", "matrix": MATRIX, "handoff_time": "0 min",
                         "pickup": "now"},
            "incentive": {"scheme": "resolution"}}},
    }


def chain() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """alpha (intake), Q (team to team) and r (resolved) of the absorbing Markov chain."""
    alpha = np.array([INTAKE[t] for t in TEAMS])
    q = np.array([[MATRIX[a].get(b, 0.0) for b in TEAMS] for a in TEAMS])
    r = np.array([MATRIX[a]["resolved"] for a in TEAMS])
    return alpha, q, r


def expected_visits() -> np.ndarray:
    """alpha N, N = (I - Q)^-1: the expected visits to each team per case."""
    alpha, q, _ = chain()
    return alpha @ np.linalg.inv(np.eye(len(TEAMS)) - q)


def handoff_distribution(kmax: int) -> np.ndarray:
    """P(H = k) = alpha Q^k r for k < kmax, and P(H >= kmax) last."""
    alpha, q, r = chain()
    probs, row = [], alpha
    for _ in range(kmax):
        probs.append(row @ r)
        row = row @ q
    probs.append(1.0 - sum(probs))
    return np.array(probs)


def route_expectations() -> dict[str, float]:
    """Exactly, from the chain: the mean distinct teams per case, the share at 3 teams or more, and the
    ping-pong share (back at a team it had left; with no self-loops every earlier team was left)."""
    alpha, q, r = chain()
    n = len(TEAMS)
    mass = {(i, frozenset([i]), False): alpha[i] for i in range(n)}
    teams = three = pingpong = 0.0
    while sum(mass.values()) > 1e-14:
        nxt: dict = {}
        for (i, seen, back), p in mass.items():
            end = p * r[i]
            teams += end * len(seen)
            three += end * (len(seen) >= 3)
            pingpong += end * back
            for j in range(n):
                if q[i, j] > 0:
                    key = (j, seen | {j}, back or j in seen)
                    nxt[key] = nxt.get(key, 0.0) + p * q[i, j]
        mass = nxt
    return {"teams_per_case": teams, "teams_3plus_share": three, "pingpong_share": pingpong}


@pytest.fixture(scope="module")
def jackson_run() -> cxsim.Result:
    return cxsim.run(jackson(), replications=REPS, seed=41, cases="all")


def finished_cases(out):
    """Counted cases opened two days or more before the horizon: all of them ended (resolved)."""
    cases = [c for c in out.cases if c.opened_at_hours < (DAYS_RUN - 2) * 24]
    assert all(c.status == "resolved" for c in cases)
    return cases


@pytest.mark.slow
def test_matrix_hand_offs_and_visits_match_the_absorbing_chain(jackson_run):
    visits = expected_visits()
    handoffs = visits.sum() - 1.0
    means, per_team = [], {t: [] for t in TEAMS}
    for out in jackson_run.outputs:
        cases = finished_cases(out)
        for c in cases:  # one session per visit here; a hand-off is a change of team
            changes = sum(a.team != b.team for a, b in zip(c.visits, c.visits[1:], strict=False))
            assert c.transfers == len(c.visits) - 1 == changes
        means.append(np.mean([c.transfers for c in cases]))
        for t in TEAMS:
            per_team[t].append(np.mean([sum(v.team == t for v in c.visits) for c in cases]))
    lo, hi = t_interval(means)
    assert lo <= handoffs <= hi, f"hand-offs per case {handoffs:.4f} outside the 99% CI [{lo:.4f}, {hi:.4f}]"
    assert hi - lo < 0.04 * handoffs  # power: +-2%; ignoring the intake shares (all at desk) gives 0.56
    for j, t in enumerate(TEAMS):
        lo, hi = t_interval(per_team[t])
        assert lo <= visits[j] <= hi, f"visits to {t}: {visits[j]:.4f} outside [{lo:.4f}, {hi:.4f}]"


@pytest.mark.slow
def test_matrix_hand_off_distribution_matches_the_chain(jackson_run):
    kmax = 5
    counts = np.zeros(kmax + 1)
    for out in jackson_run.outputs:
        for c in finished_cases(out):
            counts[min(c.transfers, kmax)] += 1
    expected = handoff_distribution(kmax) * counts.sum()
    p = stats.chisquare(counts, expected).pvalue
    assert p > ALPHA, f"hand-offs {counts.tolist()} vs {np.round(expected).tolist()} (chi-square p={p:.2g})"
    # Power: a geometric number of hand-offs with the same mean is rejected.
    mean = expected_visits().sum() - 1.0
    geometric = (1 / (1 + mean)) * (mean / (1 + mean)) ** np.arange(kmax)
    geometric = np.append(geometric, 1 - geometric.sum()) * counts.sum()
    assert stats.chisquare(counts, geometric).pvalue < 1e-6


@pytest.mark.slow
def test_reported_route_metrics_work_under_matrix_routing(jackson_run):
    """The recorder's transfers, ping-pong and teams per case (from hand-off events) match the chain."""
    want = {"transfers_per_case": expected_visits().sum() - 1.0, **route_expectations()}
    per_rep = [replication_metrics(out) for out in jackson_run.outputs]
    for name, value in want.items():
        lo, hi = t_interval([m[name] for m in per_rep])
        assert lo <= value <= hi, f"{name}: {value:.4f} outside the 99% CI [{lo:.4f}, {hi:.4f}]"
        assert hi - lo < 0.1 * value, name
    assert want["pingpong_share"] > 0.05 and want["teams_3plus_share"] > 0.05  # both are exercised


@pytest.mark.slow
def test_matrix_teams_are_erlang_c_queues_at_their_jackson_rates(jackson_run):
    """Jackson: team j is an M/M/c queue with arrival rate lambda x (alpha N)_j; the planned load says so
    before the run, and the measured utilisation agrees."""
    visits = expected_visits()
    design = jackson_run.summary.designs["as_is"]
    for j, t in enumerate(TEAMS):
        rho = LAM * visits[j] * WORK_H[t] / AGENTS[t]
        assert design.planned_load[t] == pytest.approx(rho, rel=1e-9)
        lo, hi = t_interval([team_utilization(out)[t] for out in jackson_run.outputs])
        assert lo <= rho <= hi, f"team {t}: utilisation {rho:.4f} outside the 99% CI [{lo:.4f}, {hi:.4f}]"
    per_rep = [team_service(out) for out in jackson_run.outputs]
    for j, t in enumerate(TEAMS):
        wq = mmc_mean_wait(LAM * visits[j], 1 / WORK_H[t], AGENTS[t])
        lo, hi = t_interval([s[t]["wait_hours_mean"] for s in per_rep])
        assert lo <= wq <= hi, f"team {t}: Erlang C Wq={wq:.4f} h outside the 99% CI [{lo:.4f}, {hi:.4f}]"
        assert hi - lo < 0.3 * wq, t


# ---------------------------------------------------------------- customer waits and reopens


def single_team(exchanges: int = 1, ask: float = 0.0, premature: float = 0.0) -> dict:
    return {
        "name": "asks", "horizon": "120 days", "warmup": "5 days",
        "arrivals": {"process": "poisson", "rate": "2 per h"},
        "case_types": {"job": {"share": 1.0, "skills": ["s"], "fix_time": "0 min", "exchanges": exchanges}},
        "effort": {"reply_time": {"dist": "exponential", "mean": "2 h"}, "discovery_time": "1 day"},
        "designs": {"d": {
            "teams": {"t": {"agents": 2, "skills": ["s"], "hours": "24/7", "ask_customer": ask,
                            "work_time": {"dist": "exponential", "mean": "15 min"}}},
            "intake": {"shares": {"t": 1.0}},
            "transfer": {"routing": "matrix", "matrix": {"t": {"resolved": 1.0}}},
            "incentive": {"scheme": "resolution", "premature_closure": premature}}},
    }


def test_ask_customer_gives_geometric_customer_waits_and_premature_closure_the_reopen_rate():
    ask, premature = 0.3, 0.1
    result = cxsim.run(single_team(ask=ask, premature=premature), replications=6, seed=8, cases="all")
    asks_per_visit, reopened, reopens = [], [], []
    for out in result.outputs:
        cases = [c for c in out.cases if c.opened_at_hours < 110 * 24]
        assert all(c.status == "resolved" for c in cases)
        outcomes = [v.outcome for c in cases for v in c.visits]
        asked = outcomes.count("asked_customer")
        deciding = outcomes.count("fixed") + outcomes.count("closed_unfixed")
        asks_per_visit.append(asked / deciding)
        reopened.append(np.mean([c.reopens > 0 for c in cases]))
        reopens.append(np.mean([c.reopens for c in cases]))
    # Planned load: 2 cases/h x 1 / (1 - ask) sessions x 15 min / 2 agents; reopens add 1 / (1 - premature).
    planned = result.summary.designs["d"].planned_load["t"]
    assert planned == pytest.approx(2 * 0.25 / (1 - ask) / 2, rel=1e-9)
    utilisation = [team_utilization(out)["t"] for out in result.outputs]
    for name, samples, want in (("customer waits per visit", asks_per_visit, ask / (1 - ask)),
                                ("share of cases reopened", reopened, premature),
                                ("reopens per case", reopens, premature / (1 - premature)),
                                ("utilisation", utilisation, planned / (1 - premature))):
        lo, hi = t_interval(samples)
        assert lo <= want <= hi, f"{name}: {want:.4f} outside the 99% CI [{lo:.4f}, {hi:.4f}]"
        assert hi - lo < 0.2 * want, name


def test_the_case_types_exchanges_still_apply_under_matrix_routing():
    result = cxsim.run(single_team(exchanges=3), replications=1, seed=2, cases="all")
    cases = [c for c in result.outputs[0].cases if c.status == "resolved"]
    assert len(cases) > 1000
    assert all([v.outcome for v in c.visits] == ["asked_customer", "asked_customer", "fixed"] for c in cases)


# ---------------------------------------------------------------- the example as-is scenario


def test_example_is_deterministic_and_accounts_for_every_case():
    first = cxsim.run(EXAMPLE, replications=2)
    again = cxsim.run(EXAMPLE, replications=2)
    other = cxsim.run(EXAMPLE, replications=2, seed=6)
    assert first.summary.to_json()["designs"] == again.summary.to_json()["designs"]
    assert first.summary.to_json()["designs"] != other.summary.to_json()["designs"]
    for design, acc in first.summary.to_json()["accounting"].items():
        assert acc["counted"] == acc["resolved"] + acc["abandoned"] + acc["open"], design
        assert acc["abandoned"] > 0 and acc["open"] > 0, design  # every way out is exercised
    as_is = first.summary.to_json()["designs"]["as_is"]
    assert as_is["transfers_per_case"]["mean"] > 0.3 and as_is["pingpong_share"]["mean"] > 0
    assert as_is["reopen_rate"]["mean"] > 0


def test_matrix_routing_ignores_skills_and_the_intake_draws_every_team():
    """Under matrix routing no team needs a skill of the case types; intake shares reach each team."""
    data = jackson(days=20)
    for t in TEAMS:
        data["designs"]["as_is"]["teams"][t]["skills"] = [f"other_{t}"]
    result = cxsim.run(data, replications=1, seed=3, cases="all")
    first = [c.visits[0].team for c in result.outputs[0].cases if c.visits]
    shares = np.array([first.count(t) for t in TEAMS]) / len(first)
    assert np.allclose(shares, [INTAKE[t] for t in TEAMS], atol=0.02)


def test_guess_routing_default_is_untouched():
    """The new fields default to the old behaviour (the golden files pin the numbers)."""
    scenario = load_scenario(HERE.parent.parent / "scenarios" / "minimal.yaml")
    for design in scenario.designs.values():
        assert design.transfer.routing == "guess" and design.transfer.matrix is None
        assert design.intake.shares is None
        assert all(t.work_time is None and t.ask_customer == 0.0 for t in design.teams.values())
    assert scenario.arrivals.profile is None


def test_max_hops_still_escalates_to_the_resolver_under_matrix_routing():
    """After ``max_hops`` transfers the next hand-off goes to the resolver, whatever the matrix drew; the
    resolver (no row) resolves what it gets."""
    data = jackson(days=20)
    design = data["designs"]["as_is"]
    design["teams"]["expert"] = {"agents": 2, "skills": ["s"], "hours": "24/7", "work_time": "10 min"}
    design["transfer"].update(max_hops=1, resolver="expert")
    result = cxsim.run(data, replications=1, seed=4, cases="all")
    routes = [[v.team for v in c.visits] for c in result.outputs[0].cases if c.status == "resolved"]
    assert max(len(r) for r in routes) == 3
    assert all(r[2] == "expert" for r in routes if len(r) == 3)
    assert all("expert" not in r[:2] for r in routes)
    assert sum(len(r) == 3 for r in routes) > 100


def test_intake_shares_work_under_guess_routing_too():
    """Observed intake with the usual guessed hand-offs: the first team follows the shares whatever the
    case type (triage would send nearly every case to back, the only team that fixes it)."""
    data = {
        "name": "shares", "horizon": "30 days",
        "arrivals": {"process": "poisson", "rate": "4 per h"},
        "case_types": {"job": {"share": 1.0, "skills": ["fix"], "fix_time": "10 min",
                               "diagnosis_time": "5 min"}},
        "designs": {"d": {
            "teams": {"front": {"agents": 3, "skills": ["triage"], "hours": "24/7"},
                      "back": {"agents": 3, "skills": ["fix"], "hours": "24/7"}},
            "intake": {"shares": {"front": 0.75, "back": 0.25}},
            "incentive": {"scheme": "resolution"}}},
    }
    result = cxsim.run(data, replications=1, seed=9, cases="all")
    cases = [c for c in result.outputs[0].cases if c.visits]
    first = np.mean([c.visits[0].team == "front" for c in cases])
    assert abs(first - 0.75) < 3.3 * math.sqrt(0.75 * 0.25 / len(cases))
    # Guess routing goes on as before: front cannot fix, so its cases are handed on to back.
    assert all(c.visits[-1].team == "back" for c in cases if c.status == "resolved")
