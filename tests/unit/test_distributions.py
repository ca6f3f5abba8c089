from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cxsim.distributions import (
    DISTRIBUTION_JSON_SCHEMA,
    Constant,
    Distribution,
    Empirical,
    Exponential,
    Gamma,
    Lognormal,
    Uniform,
    parse_distribution,
)
from cxsim.units import format_duration

H = 1.0
MIN = 1 / 60

ALL = [
    Constant(0.5),
    Exponential(0.5),
    Lognormal(40 * MIN, 20 * MIN),
    Lognormal(1.0, 3.0),  # heavy tail
    Gamma(1.0, 0.5),
    Gamma(1.0, 2.0),  # shape < 1
    Uniform(10 * MIN, 1.0),
    Empirical((5 * MIN, 1.0, 2.0), (0.5, 0.3, 0.2)),
    Empirical((1.0, 2.0, 3.0, 4.0)),
]

# two-sided 99.9% normal quantile
Z999 = 3.2905


@pytest.mark.parametrize("dist", ALL, ids=repr)
def test_sample_mean_within_999_ci(dist: Distribution) -> None:
    rng = np.random.default_rng(20240611)
    n = 20_000
    draws = np.array([dist.sample(rng) for _ in range(n)])
    half_width = Z999 * math.sqrt(dist.variance / n)
    assert abs(draws.mean() - dist.mean) <= half_width + 1e-12
    assert (draws >= 0).all()


@pytest.mark.parametrize("dist", [d for d in ALL if d.variance < 5], ids=repr)
def test_sample_variance_close(dist: Distribution) -> None:
    rng = np.random.default_rng(7)
    draws = np.array([dist.sample(rng) for _ in range(20_000)])
    assert draws.var() == pytest.approx(dist.variance, rel=0.1, abs=1e-12)


@pytest.mark.parametrize("dist", ALL, ids=repr)
def test_protocol_frozen_and_float(dist: Distribution) -> None:
    assert isinstance(dist, Distribution)
    assert isinstance(dist.sample(np.random.default_rng(1)), float)
    assert isinstance(dist.describe(), str) and dist.describe()
    with pytest.raises(dataclasses.FrozenInstanceError):
        dist.mean = 3.0  # type: ignore[misc]
    hash(dist)


def test_reproducible_with_seed() -> None:
    for dist in ALL:
        a = [dist.sample(np.random.default_rng(3)) for _ in range(3)]
        b = [dist.sample(np.random.default_rng(3)) for _ in range(3)]
        assert a == b


def test_analytic_moments() -> None:
    assert Constant(2).mean == 2 and Constant(2).variance == 0
    assert Exponential(3).variance == 9
    assert Lognormal(2, 1).mean == 2 and Lognormal(2, 1).variance == 1
    assert Gamma(2, 1).variance == 1
    assert Uniform(1, 3).mean == 2 and Uniform(1, 3).variance == pytest.approx(4 / 12)
    e = Empirical((1.0, 3.0), (1, 3))
    assert e.probabilities == (0.25, 0.75)
    assert e.mean == 2.5
    assert e.variance == pytest.approx(0.25 * 1.5**2 + 0.75 * 0.5**2)


def test_lognormal_parameters_match_numpy() -> None:
    d = Lognormal(40 * MIN, 20 * MIN)
    mu, sigma = d._mu, d._sigma
    assert math.exp(mu + sigma**2 / 2) == pytest.approx(d.mean)
    assert (math.exp(sigma**2) - 1) * math.exp(2 * mu + sigma**2) == pytest.approx(d.variance)


def test_gamma_parameters() -> None:
    d = Gamma(2.0, 1.0)
    assert d._shape * d._scale == pytest.approx(2.0)
    assert d._shape * d._scale**2 == pytest.approx(1.0)


def test_empirical_only_listed_values_and_frequencies() -> None:
    d = Empirical((1.0, 2.0, 3.0), (0.5, 0.3, 0.2))
    rng = np.random.default_rng(11)
    draws = [d.sample(rng) for _ in range(20_000)]
    assert set(draws) <= {1.0, 2.0, 3.0}
    freq = np.array([draws.count(v) for v in (1.0, 2.0, 3.0)]) / len(draws)
    assert freq == pytest.approx([0.5, 0.3, 0.2], abs=0.015)


def test_empirical_single_value_and_extreme_uniform_draws() -> None:
    class FakeRng:
        def __init__(self, u: float) -> None:
            self.u = u

        def random(self) -> float:
            return self.u

    d = Empirical((1.0, 2.0, 3.0), (1, 1, 1))
    assert d.sample(FakeRng(0.0)) == 1.0  # type: ignore[arg-type]
    assert d.sample(FakeRng(np.nextafter(1.0, 0.0))) == 3.0  # type: ignore[arg-type]
    assert d.sample(FakeRng(1 / 3 - 1e-12)) == 1.0  # type: ignore[arg-type]
    assert d.sample(FakeRng(0.5)) == 2.0  # type: ignore[arg-type]
    assert Empirical([7.0]).sample(np.random.default_rng(0)) == 7.0


def test_empirical_weights_normalised_from_any_scale() -> None:
    assert Empirical((1.0, 2.0), (2, 6)) == Empirical((1.0, 2.0), (2, 6))
    assert Empirical((1.0, 2.0), (2, 6)).probabilities == (0.25, 0.75)
    assert Empirical([1, 2]).values == (1.0, 2.0)  # lists are stored as tuples


@pytest.mark.parametrize(
    ("factory", "message"),
    [
        (lambda: Constant(-1), "must not be negative"),
        (lambda: Constant(math.nan), "finite"),
        (lambda: Exponential(-1), "must not be negative"),
        (lambda: Lognormal(1, 0), "'sd' must be greater than zero"),
        (lambda: Lognormal(0, 1), "'mean' must be greater than zero"),
        (lambda: Gamma(1, 0), "'sd' must be greater than zero"),
        (lambda: Uniform(2, 1), "'low' must not exceed 'high'"),
        (lambda: Empirical(()), "must not be empty"),
        (lambda: Empirical((1.0, 2.0), (1.0,)), "one entry per value"),
        (lambda: Empirical((1.0, 2.0), (1.0, 0.0)), "must all be positive"),
        (lambda: Empirical("12"), "must be a list"),
        (lambda: Constant(True), "must be a number"),
    ],
)
def test_constructor_validation(factory, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        factory()


def test_describe() -> None:
    assert Lognormal(40 * MIN, 20 * MIN).describe(format_duration) == "lognormal (mean 40 min, sd 20 min)"
    assert Constant(5 * MIN).describe(format_duration) == "constant 5 min"
    assert Exponential(0.5).describe(format_duration) == "exponential (mean 30 min)"
    assert Uniform(10 * MIN, 1).describe(format_duration) == "uniform (10 min to 1 h)"
    assert Gamma(2, 1).describe() == "gamma (mean 2, sd 1)"
    assert Empirical((1.0, 2.0), (1, 3)).describe() == "empirical (1: 25%, 2: 75%)"
    assert Empirical((1.0, 2.0)).describe() == "empirical (1, 2)"


# ---------------------------------------------------------------- parse_distribution


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("5 min", Constant(5 * MIN)),
        ({"dist": "constant", "value": "5 min"}, Constant(5 * MIN)),
        ({"dist": "exponential", "mean": "30 min"}, Exponential(0.5)),
        ({"dist": "Exponential", "mean": "30 min"}, Exponential(0.5)),
        ({"dist": "lognormal", "mean": "40 min", "sd": "20 min"}, Lognormal(40 * MIN, 20 * MIN)),
        ({"dist": "gamma", "mean": "1 h", "sd": "30 min"}, Gamma(1.0, 0.5)),
        ({"dist": "uniform", "low": "10 min", "high": "1 h"}, Uniform(10 * MIN, 1.0)),
        ({"dist": "uniform", "low": "1 h", "high": "1 h"}, Uniform(1.0, 1.0)),
        (
            {"dist": "empirical", "values": ["5 min", "1 h", "2 h"], "weights": [0.5, 0.3, 0.2]},
            Empirical((5 * MIN, 1.0, 2.0), (0.5, 0.3, 0.2)),
        ),
        ({"dist": "empirical", "values": ["1 h", "2 h"]}, Empirical((1.0, 2.0))),
    ],
)
def test_parse_duration_forms(value: object, expected: Distribution) -> None:
    assert parse_distribution(value) == expected


def test_parse_number_kind() -> None:
    assert parse_distribution(3, kind="number") == Constant(3)
    assert parse_distribution("3", kind="number") == Constant(3)
    assert parse_distribution({"dist": "uniform", "low": 1, "high": 4}, kind="number") == Uniform(1, 4)
    assert parse_distribution({"dist": "empirical", "values": [1, 2, 3]}, kind="number").mean == 2
    with pytest.raises(ValueError, match="expected a number"):
        parse_distribution("3 min", kind="number")
    with pytest.raises(ValueError, match="must not be negative"):
        parse_distribution(-1, kind="number")
    with pytest.raises(ValueError, match="expected a number"):
        parse_distribution(True, kind="number")
    with pytest.raises(ValueError, match="default_unit only applies"):
        parse_distribution(3, kind="number", default_unit="min")
    with pytest.raises(ValueError, match="kind must be"):
        parse_distribution(3, kind="rate")


def test_parse_default_unit() -> None:
    assert parse_distribution(30, default_unit="min") == Constant(0.5)
    assert parse_distribution({"dist": "exponential", "mean": 30}, default_unit="min") == Exponential(0.5)
    with pytest.raises(ValueError, match="needs a unit"):
        parse_distribution(30)
    with pytest.raises(ValueError, match=r"exponential 'mean': a duration needs a unit"):
        parse_distribution({"dist": "exponential", "mean": 30})


def test_parse_passes_distributions_through() -> None:
    d = Gamma(1, 1)
    assert parse_distribution(d) is d


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (
            {"dist": "lognormal", "mean": "40 min", "sdd": "20 min"},
            "lognormal takes 'mean' and 'sd'; unknown key 'sdd'",
        ),
        (
            {"dist": "lognormal", "mean": "40 min"},
            r"lognormal needs 'sd' \(lognormal takes 'mean' and 'sd'\)",
        ),
        ({"dist": "exponential", "rate": "2 per h"}, "exponential takes 'mean'; unknown key 'rate'"),
        ({"dist": "uniform", "low": "1 h"}, "uniform needs 'high'"),
        ({"dist": "constant", "mean": "1 h"}, "constant takes 'value'; unknown key 'mean'"),
        (
            {"dist": "empirical", "values": [1], "probs": [1]},
            r"empirical takes 'values' \(optionally 'weights'\); unknown key 'probs'",
        ),
        (
            {"dist": "weibull", "shape": 2},
            "unknown distribution 'weibull'; use one of: constant, exponential",
        ),
        ({"dist": 3}, "unknown distribution 3"),
        ({"mean": "1 h"}, "needs a 'dist' key"),
        ({"dist": "exponential", "mean": "-1 h"}, "exponential 'mean': a duration must not be negative"),
        ({"dist": "uniform", "low": "1 h", "high": "10 min"}, "uniform 'low' must not exceed 'high'"),
        ({"dist": "lognormal", "mean": "1 h", "sd": "0 min"}, "lognormal 'sd' must be greater than zero"),
        ({"dist": "gamma", "mean": "1 h", "sd": 0}, "gamma 'sd' must be greater than zero"),
        ({"dist": "gamma", "mean": "0 h", "sd": "1 h"}, "gamma 'mean' must be greater than zero"),
        (
            {"dist": "lognormal", "mean": "5 parsecs", "sd": "1 h"},
            "lognormal 'mean': cannot read '5 parsecs'",
        ),
        (
            {"dist": "empirical", "values": ["1 h", "2 h"], "weights": [1]},
            r"one entry per value \(got 1 weights for 2 values\)",
        ),
        (
            {"dist": "empirical", "values": ["1 h", "2 h"], "weights": [1, 0]},
            r"'weights'\[1\] must be positive",
        ),
        ({"dist": "empirical", "values": ["1 h", "2 h"], "weights": [1, -2]}, r"'weights'\[1\]"),
        ({"dist": "empirical", "values": ["1 h", "2 h"], "weights": "1, 2"}, "'weights' must be a list"),
        ({"dist": "empirical", "values": []}, "'values' must be a non-empty list"),
        ({"dist": "empirical", "values": "1 h"}, "'values' must be a non-empty list"),
        ({"dist": "empirical", "values": ["1 h", "2 m"]}, r"'values'\[1\]: .*ambiguous"),
        (["1 h", "2 h"], "a list is not a distribution"),
        ("-5 min", "must not be negative"),
        (None, "cannot read"),
    ],
)
def test_parse_errors(value: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_distribution(value)


def test_json_schema_covers_every_family() -> None:
    options = DISTRIBUTION_JSON_SCHEMA["oneOf"]
    assert options[0]["type"] == ["string", "number"]
    families = {o["properties"]["dist"]["const"]: o for o in options[1:]}
    assert set(families) == {"constant", "exponential", "lognormal", "gamma", "uniform", "empirical"}
    assert families["lognormal"]["required"] == ["dist", "mean", "sd"]
    assert set(families["empirical"]["properties"]) == {"dist", "values", "weights"}
    assert all(o["additionalProperties"] is False for o in families.values())
    # each family example in the schema parses with exactly the documented keys
    examples = {
        "constant": {"value": "5 min"},
        "exponential": {"mean": "30 min"},
        "lognormal": {"mean": "40 min", "sd": "20 min"},
        "gamma": {"mean": "1 h", "sd": "30 min"},
        "uniform": {"low": "10 min", "high": "1 h"},
        "empirical": {"values": ["5 min", "1 h"], "weights": [1, 1]},
    }
    for family, params in examples.items():
        assert set(params) <= set(families[family]["properties"])
        parse_distribution({"dist": family, **params})


# ---------------------------------------------------------------- properties

positive = st.floats(min_value=1e-3, max_value=1e3, allow_nan=False)


@given(mean=positive, cv=st.floats(min_value=0.05, max_value=5))
def test_lognormal_and_gamma_moments_round_trip(mean: float, cv: float) -> None:
    for cls in (Lognormal, Gamma):
        d = cls(mean, mean * cv)
        assert d.mean == mean
        assert d.variance == pytest.approx((mean * cv) ** 2)
    ln = Lognormal(mean, mean * cv)
    assert math.exp(ln._mu + ln._sigma**2 / 2) == pytest.approx(mean, rel=1e-9)
    g = Gamma(mean, mean * cv)
    assert g._shape * g._scale == pytest.approx(mean, rel=1e-9)


@settings(max_examples=50)
@given(
    values=st.lists(st.floats(min_value=0, max_value=100), min_size=1, max_size=8),
    data=st.data(),
    seed=st.integers(0, 2**32 - 1),
)
def test_empirical_samples_are_listed_values(values: list[float], data: st.DataObject, seed: int) -> None:
    weights = data.draw(
        st.lists(st.floats(min_value=1e-6, max_value=1e6), min_size=len(values), max_size=len(values))
    )
    d = Empirical(tuple(values), tuple(weights))
    assert math.fsum(d.probabilities) == pytest.approx(1.0)
    assert min(values) - 1e-9 <= d.mean <= max(values) + 1e-9
    rng = np.random.default_rng(seed)
    assert all(d.sample(rng) in values for _ in range(50))


@settings(max_examples=50)
@given(low=st.floats(0, 100), width=st.floats(0, 100), seed=st.integers(0, 2**32 - 1))
def test_uniform_samples_in_range(low: float, width: float, seed: int) -> None:
    d = Uniform(low, low + width)
    rng = np.random.default_rng(seed)
    for _ in range(20):
        assert d.low <= d.sample(rng) <= d.high


@given(
    st.one_of(
        st.text(max_size=15),
        st.integers(),
        st.floats(),
        st.none(),
        st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=3),
    )
)
def test_parse_raises_only_value_error(value: object) -> None:
    try:
        d = parse_distribution(value)
    except ValueError:
        return
    assert isinstance(d, Distribution)
