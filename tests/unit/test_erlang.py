from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from cxsim.erlang import (
    ErlangAResult,
    erlang_a,
    erlang_b,
    erlang_c,
    mmc_mean_queue_length,
    mmc_mean_wait,
    mmc_service_level,
    mmc_utilisation,
)

# Textbook case: 100 calls per 30 min, AHT 3 min -> A = 10 Erlang, 14 agents.  Rates per hour.
LAM = 200.0
MU = 20.0
C = 14


def erlang_c_direct(c: int, a: float) -> float:
    """Reference: the textbook Erlang C formula with factorials (fine for small c)."""
    top = a**c / math.factorial(c) * c / (c - a)
    return top / (sum(a**k / math.factorial(k) for k in range(c)) + top)


def test_textbook_erlang_c() -> None:
    assert erlang_c(C, 10.0) == pytest.approx(0.17413, abs=5e-6)
    assert mmc_mean_wait(LAM, MU, C) * 3600 == pytest.approx(7.836, abs=5e-4)
    assert mmc_service_level(LAM, MU, C, 20 / 3600) == pytest.approx(0.88835, abs=5e-6)
    assert mmc_utilisation(LAM, MU, C) == pytest.approx(10 / 14)
    assert mmc_mean_queue_length(LAM, MU, C) == pytest.approx(LAM * mmc_mean_wait(LAM, MU, C))


def test_service_level_limits() -> None:
    assert mmc_service_level(LAM, MU, C, 0) == pytest.approx(1 - erlang_c(C, 10))
    assert mmc_service_level(LAM, MU, C, 1e3) == pytest.approx(1.0)


def test_erlang_b_known_values() -> None:
    assert erlang_b(1, 1.0) == pytest.approx(0.5)
    assert erlang_b(2, 1.0) == pytest.approx(0.2)
    assert erlang_b(5, 0.0) == 0.0
    # textbook table: 10 Erlang on 14 trunks blocks ~5.6%
    assert erlang_b(14, 10.0) == pytest.approx(0.0568, abs=5e-4)


@given(st.integers(1, 25), st.floats(0.01, 0.99))
def test_erlang_c_matches_factorial_formula(c: int, rho: float) -> None:
    a = rho * c
    assert erlang_c(c, a) == pytest.approx(erlang_c_direct(c, a), rel=1e-9)


def test_erlang_c_large_pools_are_stable() -> None:
    p = erlang_c(5000, 4990.0)
    assert 0 < p < 1 and math.isfinite(p)
    assert 0.0 <= erlang_c(10_000, 100.0) < 1e-300


@given(st.integers(1, 200), st.floats(0.0, 0.999))
def test_erlang_c_bounds_and_monotone(c: int, rho: float) -> None:
    a = rho * c
    p = erlang_c(c, a)
    assert 0.0 <= p <= 1.0
    assert p >= erlang_b(c, a) - 1e-15  # waiting is at least as likely as blocking
    assert erlang_c(c + 1, a) <= p + 1e-12  # one more server never hurts


@pytest.mark.parametrize("load", [14.0, 15.0, 100.0])
def test_unstable_raises(load: float) -> None:
    with pytest.raises(ValueError, match="unstable"):
        erlang_c(C, load)
    lam = load * MU
    for fn in (mmc_mean_wait, mmc_utilisation, mmc_mean_queue_length):
        with pytest.raises(ValueError, match="unstable"):
            fn(lam, MU, C)
    with pytest.raises(ValueError, match="unstable"):
        mmc_service_level(lam, MU, C, 1.0)
    with pytest.raises(ValueError, match="unstable"):
        erlang_a(lam, MU, C, 0.0)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((0, 1.0), "servers"),
        ((-1, 1.0), "servers"),
        ((2.5, 1.0), "servers"),
        ((True, 0.5), "servers"),
        ((2, -1.0), "offered_load"),
        ((2, math.nan), "offered_load"),
    ],
)
def test_erlang_c_bad_arguments(args: tuple, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        erlang_c(*args)


def test_integral_float_servers_accepted() -> None:
    assert erlang_c(14.0, 10.0) == erlang_c(14, 10.0)  # type: ignore[arg-type]
    assert erlang_c(np.int64(14), 10.0) == erlang_c(14, 10.0)  # type: ignore[arg-type]


def test_mmc_bad_arguments() -> None:
    with pytest.raises(ValueError, match="service_rate"):
        mmc_mean_wait(1.0, 0.0, 2)
    with pytest.raises(ValueError, match="arrival_rate"):
        mmc_mean_wait(-1.0, 1.0, 2)
    with pytest.raises(ValueError, match="threshold"):
        mmc_service_level(1.0, 1.0, 2, -1.0)
    with pytest.raises(ValueError, match="patience_rate"):
        erlang_a(1.0, 1.0, 2, -0.1)


def test_zero_arrivals() -> None:
    assert erlang_c(3, 0.0) == 0.0
    assert mmc_mean_wait(0.0, 1.0, 3) == 0.0
    assert erlang_a(0.0, 1.0, 3, 1.0) == ErlangAResult(0.0, 0.0, 0.0, 0.0, 0.0)


# ---------------------------------------------------------------- Erlang A


@pytest.mark.parametrize("patience_rate", [1e-4, 1e-7])
def test_erlang_a_approaches_erlang_c(patience_rate: float) -> None:
    result = erlang_a(LAM, MU, C, patience_rate)
    assert result.p_wait == pytest.approx(erlang_c(C, 10.0), rel=1e-4)
    assert result.mean_wait == pytest.approx(mmc_mean_wait(LAM, MU, C), rel=1e-4)
    assert result.p_abandon == pytest.approx(0.0, abs=1e-6)
    assert result.utilisation == pytest.approx(10 / 14, rel=1e-4)


def test_erlang_a_zero_patience_rate_is_erlang_c() -> None:
    result = erlang_a(LAM, MU, C, 0.0)
    assert result.p_wait == erlang_c(C, 10.0)
    assert result.mean_wait == mmc_mean_wait(LAM, MU, C)
    assert result.p_abandon == 0.0


@pytest.mark.parametrize(
    ("lam", "mu", "c"), [(5.0, 1.0, 1), (18.0, 2.0, 7), (200.0, 20.0, 14), (450.0, 20.0, 20)]
)
def test_erlang_a_patience_equal_service_is_poisson(lam: float, mu: float, c: int) -> None:
    """With patience rate = service rate every customer leaves at rate mu: N is Poisson(lam / mu)."""
    result = erlang_a(lam, mu, c, mu)
    n = stats.poisson(lam / mu)
    assert result.p_wait == pytest.approx(n.sf(c - 1), rel=1e-9)
    k = np.arange(c, c + 2000)
    mean_queue = float(((k - c) * n.pmf(k)).sum())
    assert result.mean_queue_length == pytest.approx(mean_queue, rel=1e-9)
    assert result.p_abandon == pytest.approx(mu * mean_queue / lam, rel=1e-9)


def birth_death_reference(lam: float, mu: float, c: int, theta: float, states: int) -> tuple[float, float]:
    """Reference: solve the truncated generator numerically (independent of the log-space recursion)."""
    q = np.zeros((states, states))
    for n in range(states):
        if n + 1 < states:
            q[n, n + 1] = lam
        if n > 0:
            q[n, n - 1] = min(n, c) * mu + max(n - c, 0) * theta
        q[n, n] = -q[n].sum()
    a = np.vstack([q.T, np.ones(states)])
    b = np.zeros(states + 1)
    b[-1] = 1.0
    p = np.linalg.lstsq(a, b, rcond=None)[0]
    n = np.arange(states)
    return float(p[c:].sum()), float((np.maximum(n - c, 0) * p).sum())


@pytest.mark.parametrize(
    ("lam", "mu", "c", "theta"),
    [(10.0, 1.0, 8, 0.5), (30.0, 2.0, 12, 3.0), (3.0, 1.0, 4, 0.2), (8.0, 1.0, 10, 0.05)],
)
def test_erlang_a_matches_generator_solution(lam: float, mu: float, c: int, theta: float) -> None:
    p_wait, mean_queue = birth_death_reference(lam, mu, c, theta, states=400)
    result = erlang_a(lam, mu, c, theta)
    assert result.p_wait == pytest.approx(p_wait, rel=1e-7)
    assert result.mean_queue_length == pytest.approx(mean_queue, rel=1e-7)


def test_erlang_a_overloaded_is_stable() -> None:
    """Abandonment keeps an overloaded queue finite: served load can not exceed capacity."""
    result = erlang_a(300.0, 20.0, 14, 2.0)  # 15 Erlang offered to 14 agents, mean patience 30 min
    assert 0 < result.p_abandon < 1
    assert result.utilisation < 1
    assert result.p_wait > 0.9
    # flow balance: served rate = busy servers x service rate
    served = 300.0 * (1 - result.p_abandon)
    assert served == pytest.approx(result.utilisation * 14 * 20.0)


def test_erlang_a_tiny_patience_in_overload() -> None:
    # lam - c mu = 20 per hour must all abandon: p_abandon -> 20 / 300
    result = erlang_a(300.0, 20.0, 14, 1e-3)
    assert result.p_abandon == pytest.approx(20 / 300, rel=1e-3)
    assert result.utilisation == pytest.approx(1.0, abs=1e-3)


@given(
    lam=st.floats(0.1, 500),
    mu=st.floats(0.5, 50),
    c=st.integers(1, 60),
    theta=st.floats(0.01, 100),
)
def test_erlang_a_consistency(lam: float, mu: float, c: int, theta: float) -> None:
    r = erlang_a(lam, mu, c, theta)
    assert 0 <= r.p_abandon <= r.p_wait <= 1 + 1e-12
    assert r.mean_wait == pytest.approx(r.mean_queue_length / lam)
    assert r.p_abandon == pytest.approx(theta * r.mean_wait, rel=1e-9, abs=1e-300)
    assert 0 <= r.utilisation <= 1 + 1e-9
    # more patience (smaller theta) never means fewer customers waiting
    assert erlang_a(lam, mu, c, theta * 2).p_wait <= r.p_wait + 1e-9


def test_erlang_a_speed_for_large_pools() -> None:
    # a big contact centre: 2000 agents near capacity, fast enough for parameter sweeps
    r = erlang_a(1990 * 12.0, 12.0, 2000, 6.0)
    assert 0 < r.p_wait < 1
