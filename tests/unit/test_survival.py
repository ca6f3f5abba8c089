"""The streamed Kaplan–Meier and cumulative incidence (cxsim.survival) against scipy.stats.ecdf, same data."""

from __future__ import annotations

import math
import pickle

import numpy as np
import pytest
from scipy import stats

from cxsim.estimates import BEYOND_HORIZON, mean_ci, paired_difference
from cxsim.survival import ABANDONED, BEYOND, CENSORED, RESOLVED, SurvivalSketch


def scipy_km_quantile(times: np.ndarray, codes: np.ndarray, q: float) -> float:
    """scipy's Kaplan–Meier (abandoned and open censored): the first time its sf is <= 1 - q."""
    res = stats.ecdf(stats.CensoredData(uncensored=times[codes == RESOLVED], right=times[codes != RESOLVED]))
    hit = np.flatnonzero(res.sf.probabilities <= 1.0 - q + 1e-12)
    return float(res.sf.quantiles[hit[0]]) if len(hit) else math.inf


def scipy_cif(times: np.ndarray, codes: np.ndarray, days: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Aalen–Johansen from scipy's all-cause KM: F_k(t) = sum over event times <= t of S(u-) d_k(u) / n(u)."""
    events = codes != CENSORED
    sf = stats.ecdf(stats.CensoredData(uncensored=times[events], right=times[~events])).sf
    grid = np.unique(times[events])
    before = np.concatenate(([1.0], sf.evaluate(grid)[:-1]))
    at_risk = len(times) - np.searchsorted(np.sort(times), grid, side="left")  # times >= u

    def deaths(code: int) -> np.ndarray:  # events of one kind at each grid time
        at, counts = np.unique(times[codes == code], return_counts=True)
        out = np.zeros(len(grid))
        out[np.searchsorted(grid, at)] = counts
        return out

    d_res, d_ab = deaths(RESOLVED), deaths(ABANDONED)
    f_res, f_ab = np.cumsum(before * d_res / at_risk), np.cumsum(before * d_ab / at_risk)
    idx = np.searchsorted(grid, days, side="right") - 1
    safe = np.maximum(idx, 0)
    return np.where(idx < 0, 0.0, f_res[safe]), np.where(idx < 0, 0.0, f_ab[safe])


def competing(n: int, seed: int, horizon: float = 40.0) -> tuple[np.ndarray, np.ndarray]:
    """Cases opened uniformly over a horizon: resolution ~ Exp(mean 20 d) vs abandonment ~ Exp(mean 30 d)."""
    rng = np.random.default_rng(seed)
    opened = rng.uniform(0, horizon, n)
    resolve, abandon = rng.exponential(20.0, n), rng.exponential(30.0, n)
    follow = horizon - opened
    times = np.minimum(np.minimum(resolve, abandon), follow)
    codes = np.where(times == follow, CENSORED, np.where(resolve < abandon, RESOLVED, ABANDONED))
    return times, codes


def sketch_of(times: np.ndarray, codes: np.ndarray, exact_limit: int = 4096) -> SurvivalSketch:
    s = SurvivalSketch(exact_limit)
    for i in range(0, len(times), 1000):  # in batches, like the recorder
        s.extend(times[i:i + 1000].tolist(), codes[i:i + 1000].tolist())
    return s


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_exact_kaplan_meier_is_scipys(seed: int) -> None:
    times, codes = competing(3000, seed)
    times = np.round(times, 1)  # ties between resolutions and censorings: events come first
    s = sketch_of(times, codes)
    assert s.is_exact
    for q in (0.1, 0.25, 0.5, 0.75, 0.9):
        assert s.quantile(q) == scipy_km_quantile(times, codes, q)
    days = np.linspace(0, 45, 31)
    f_res, f_ab = scipy_cif(times, codes, days)
    inc = s.incidence(days)
    np.testing.assert_allclose(inc["resolved"], f_res, atol=1e-12)
    np.testing.assert_allclose(inc["abandoned"], f_ab, atol=1e-12)
    total = np.add(np.add(inc["resolved"], inc["abandoned"]), inc["open"])
    np.testing.assert_allclose(total, 1.0, atol=1e-12)


@pytest.mark.parametrize("seed", [4, 5])
def test_binned_kaplan_meier_within_one_percent_of_scipy(seed: int) -> None:
    times, codes = competing(100_000, seed, horizon=200.0)
    s = sketch_of(times, codes)
    assert not s.is_exact
    for q in (0.25, 0.5, 0.75, 0.9):
        exact = scipy_km_quantile(times, codes, q)
        assert s.quantile(q) == pytest.approx(exact, rel=0.01), q
    days = np.linspace(0.5, 150, 20)
    f_res, f_ab = scipy_cif(times, codes, days)
    inc = s.incidence(days)
    np.testing.assert_allclose(inc["resolved"], f_res, atol=0.005)
    np.testing.assert_allclose(inc["abandoned"], f_ab, atol=0.005)


def test_memory_does_not_grow_with_cases() -> None:
    small = sketch_of(*competing(20_000, 6, horizon=200.0))
    large = sketch_of(*competing(200_000, 7, horizon=200.0))
    assert len(large._bins) < 1.5 * len(small._bins) < 6000


def test_merge_and_combine_give_the_pooled_estimate() -> None:
    times, codes = competing(9000, 8)
    parts = [sketch_of(times[i::3], codes[i::3]) for i in range(3)]
    pooled = SurvivalSketch.combine(parts)
    assert pooled.n == 9000
    assert pooled.quantile(0.5) == pytest.approx(scipy_km_quantile(times, codes, 0.5), rel=0.01)
    assert pickle.loads(pickle.dumps(pooled)).quantile(0.5) == pooled.quantile(0.5)


def test_a_curve_that_never_reaches_the_level_is_beyond_the_horizon_not_a_number() -> None:
    s = SurvivalSketch()
    s.extend([1.0, 2.0, 3.0, 5.0, 5.0], [RESOLVED, CENSORED, ABANDONED, CENSORED, CENSORED])
    assert s.quantile(0.1) == 1.0
    assert s.quantile(0.5) == BEYOND
    assert math.isnan(SurvivalSketch().quantile(0.5))
    est = mean_ci([3.0, 4.0, BEYOND])
    assert est.mean is None and est.note == BEYOND_HORIZON
    assert paired_difference([3.0, BEYOND], [2.0, 2.0]).note == BEYOND_HORIZON
    assert mean_ci([3.0, 4.0]).note is None
