"""Routing: a guess is never worse than a blind pick, memory keeps cases away from lanes already tried, and
the recorder's route metrics (teams per case, ping-pong) say what happened.

Every check is statistical with a fixed seed: a frequency or mean is compared with its analytic value
through a confidence interval wide enough that a correct model fails about once in a million runs, and
narrow enough that the old rule (accuracy x (1 - difficulty), no memory under cold) fails by far.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import cxsim
from cxsim.engine.routing import Router
from cxsim.loader import load_scenario
from cxsim.metrics import replication_metrics

SEED = 20261127
Z = 5.0  # two-sided, P(|N(0,1)| > 5) ~ 6e-7
N_LANES = 7
DRAWS = 40_000


def symmetric(n: int = N_LANES, *, difficulty: float, accuracy: float = 0.5, intake: float = 0.8,
              proficiency: float = 1.0, transfer: dict | None = None, days: int = 60) -> dict:
    """``n`` one-agent lanes with one skill each; every case needs lane 0's skill. Light load, no
    abandonment, no incentive behaviour: only routing decides how many hops a case makes (hand-offs are
    taken up at once: a next-day pickup would only stretch the cases past the horizon)."""
    teams = {f"lane{i}": {"agents": 1, "skills": {f"s{i}": proficiency if i == 0 else 1.0}, "hours": "24/7"}
             for i in range(n)}
    return {
        "name": "routing",
        "horizon": f"{days} days",
        "arrivals": {"process": "poisson", "rate": "6 per day"},
        "case_types": {"x": {"share": 1.0, "skills": ["s0"], "fix_time": "5 min", "difficulty": difficulty,
                             "diagnosis_time": "6 min"}},
        "designs": {"lanes": {"teams": teams, "intake": {"accuracy": intake},
                              "transfer": {"policy": "cold", "accuracy": accuracy, "pickup": "now",
                                           **(transfer or {})},
                              "incentive": {"scheme": "resolution"}}},
    }


def guess(accuracy: float, difficulty: float, right: int, candidates: int) -> float:
    """The rule, written out here independently: with prob. 1 - difficulty an informed guess (right with
    max(accuracy, blind)), else a uniform pick over all candidates."""
    blind = right / candidates
    return (1 - difficulty) * max(accuracy, blind) + difficulty * blind


# ---------------------------------------------------------------- the guess


@pytest.mark.parametrize("difficulty", [0.0, 0.5, 0.85, 1.0])
@pytest.mark.parametrize("accuracy", [0.05, 0.5, 0.9])
def test_a_guess_is_never_worse_than_a_blind_pick(accuracy, difficulty):
    """From a wrong lane, with nothing tried yet, a guess picks among the other N - 1 lanes, one of them
    right: blind = 1/6. The old rule gave 0.5 x 0.15 = 0.075 for the hard case (and 0.05 for a poor
    guesser), far below it."""
    scenario = load_scenario(symmetric(difficulty=difficulty, accuracy=accuracy))
    router = Router(scenario, scenario.designs["lanes"], np.random.default_rng(SEED))
    hits = sum(router.hand_on(0, "lane3", 0, None) == "lane0" for _ in range(DRAWS))
    p_hat = hits / DRAWS
    blind = 1 / (N_LANES - 1)
    expected = guess(accuracy, difficulty, 1, N_LANES - 1)
    half = Z * math.sqrt(expected * (1 - expected) / DRAWS)
    assert p_hat > blind - Z * math.sqrt(blind * (1 - blind) / DRAWS), (p_hat, blind)
    assert abs(p_hat - expected) < half, (p_hat, expected, half)


@pytest.mark.parametrize("difficulty", [0.0, 0.85, 1.0])
def test_triage_is_never_worse_than_a_blind_pick(difficulty):
    """Triage picks among all N lanes: blind = 1/7, whatever the difficulty."""
    scenario = load_scenario(symmetric(difficulty=difficulty, intake=0.5))
    router = Router(scenario, scenario.designs["lanes"], np.random.default_rng(SEED))
    p_hat = sum(router.intake(0) == "lane0" for _ in range(DRAWS)) / DRAWS
    expected = guess(0.5, difficulty, 1, N_LANES)
    assert expected >= 1 / N_LANES
    assert abs(p_hat - expected) < Z * math.sqrt(expected * (1 - expected) / DRAWS), (p_hat, expected)


def test_difficulty_one_is_exactly_blind_and_the_rule_is_monotone():
    from cxsim.policies import guess_right

    for right, candidates in ((1, 7), (2, 7), (3, 4), (1, 1)):
        blind = right / candidates
        assert guess_right(0.5, 1.0, right, candidates) == pytest.approx(blind)
        values = [guess_right(a, d, right, candidates) for a in (0.0, 0.3, 0.9) for d in (0, 0.4, 0.8, 1)]
        assert min(values) >= blind - 1e-12
    assert guess_right(0.9, 0.0, 1, 7) == pytest.approx(0.9)


# ---------------------------------------------------------------- hops to the right lane


def expected_hops(accuracy: float, intake: float, difficulty: float, n: int, memory: bool) -> float:
    """Mean transfers before a case reaches the one right lane among ``n``.

    Intake guesses among all n lanes. With memory, the k-th transfer (k >= 1) guesses among the n - k
    lanes not yet tried (one of them right): a search without replacement; at difficulty 1 the right lane's
    position in the search is uniform, so the mean is (n - 1) / 2. Without memory every transfer guesses
    among the n - 1 other lanes again: a geometric number of transfers."""
    p0 = guess(intake, difficulty, 1, n)
    if not memory:
        return (1 - p0) / guess(accuracy, difficulty, 1, n - 1)
    mean, still = 0.0, 1 - p0  # probability the case has not reached the right lane yet
    for k in range(1, n):
        p = guess(accuracy, difficulty, 1, n - k)
        mean += k * still * p
        still *= 1 - p
    assert still == pytest.approx(0.0)
    return mean


def hops(scenario: dict, replications: int = 8) -> tuple[np.ndarray, cxsim.Result]:
    result = cxsim.run(scenario, replications=replications, seed=SEED, cases="all")
    cases = [c for out in result.outputs_for("lanes") for c in out.cases]
    resolved = [c.transfers for c in cases if c.status == "resolved"]
    assert len(resolved) > 0.98 * len(cases)  # light load: all but the last few are done
    return np.array(resolved, dtype=float), result


@pytest.mark.parametrize(("difficulty", "accuracy"), [(1.0, 0.5), (0.5, 0.5), (0.85, 0.5)])
def test_with_memory_hops_to_the_right_lane_match_a_search_without_replacement(difficulty, accuracy):
    """Cold transfers: the customer remembers the lanes they talked to (the default)."""
    x, _ = hops(symmetric(difficulty=difficulty, accuracy=accuracy, intake=0.5))
    want = expected_hops(accuracy, 0.5, difficulty, N_LANES, memory=True)
    if difficulty == 1.0:
        assert want == pytest.approx((N_LANES - 1) / 2)  # the right lane's position is uniform: 3 hops
    half = Z * x.std(ddof=1) / math.sqrt(len(x))
    assert abs(x.mean() - want) < half, (x.mean(), want, half)
    assert x.max() <= N_LANES - 1  # never more hops than lanes to try


def test_without_memory_hops_are_geometric():
    x, _ = hops(symmetric(difficulty=1.0, intake=0.5, transfer={"memory": "none"}))
    want = expected_hops(0.5, 0.5, 1.0, N_LANES, memory=False)  # 6/7 x 6 = 5.14
    half = Z * x.std(ddof=1) / math.sqrt(len(x))
    assert abs(x.mean() - want) < half, (x.mean(), want, half)


# ---------------------------------------------------------------- ping-pong and distinct teams


def returns_from_visits(case) -> bool:
    """Whether the case came back to a team after leaving it, read from its sessions."""
    left: set[str] = set()
    for before, after in zip(case.visits, case.visits[1:], strict=False):
        if after.team != before.team:
            left.add(before.team)
            if after.team in left:
                return True
    return False


def test_no_ping_pong_when_memory_spares_every_return():
    """The right lane always recognises the case: with memory no lane is ever tried twice."""
    _, result = hops(symmetric(difficulty=0.85))
    for out in result.outputs_for("lanes"):
        m = replication_metrics(out)
        assert m["pingpong_share"] == 0.0
        assert m["teams_per_case"] == pytest.approx(1 + m["transfers_per_case"])  # each hop a new team
        assert not any(returns_from_visits(c) for c in out.cases)


def test_ping_pong_when_a_return_is_forced_and_the_recorder_counts_it():
    """The right lane misses the case half the time: with memory it comes back only after every other lane
    was tried; without memory it comes back at random. The recorder's share matches the sessions'."""
    for transfer in ({}, {"memory": "none"}):
        _, result = hops(symmetric(difficulty=0.85, proficiency=0.5, transfer=transfer))
        for out in result.outputs_for("lanes"):
            m = replication_metrics(out)
            assert m["pingpong_share"] > 0, transfer
            # A case open at the horizon may have been handed back without a session there yet.
            by_visits = sum(returns_from_visits(c) for c in out.cases)
            still_open = sum(c.status == "open" for c in out.cases)
            assert abs(round(m["pingpong_share"] * len(out.cases)) - by_visits) <= still_open, transfer
            assert 1 <= m["teams_per_case"] <= N_LANES
            assert m["teams_per_case"] <= 1 + m["transfers_per_case"]


def test_under_owner_the_customer_remembers_only_their_owner_and_the_company_everything():
    """``memory: customer`` under ``owner``: the customer dealt only with the intake team, so the case may
    go back to an expert lane already tried; ``company`` memory never does when the right lane always
    recognises the case."""
    shares = {}
    for memory in ("customer", "company"):
        owner = {"policy": "owner", "memory": memory}
        _, result = hops(symmetric(difficulty=1.0, intake=0.0, transfer=owner))
        shares[memory] = [replication_metrics(out)["pingpong_share"] for out in result.outputs_for("lanes")]
    assert all(share == 0.0 for share in shares["company"]), shares
    assert all(share > 0.0 for share in shares["customer"]), shares
