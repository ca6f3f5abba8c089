"""Confidence intervals (cxsim.estimates) are honest: they cover the true mean at about the nominal rate."""

from __future__ import annotations

import numpy as np
import pytest

from cxsim.estimates import mean_ci


@pytest.mark.parametrize("draw", ["normal", "exponential"])
def test_confidence_intervals_cover_the_true_mean_at_the_nominal_rate(draw):
    """200 trials of 10 draws from a known distribution: the 95% interval covers the true mean ~95% of the
    time (binomial 99.9% band for 200 trials: 0.90-0.99)."""
    rng = np.random.default_rng(123)
    covered = 0
    for _ in range(200):
        x = rng.normal(5.0, 2.0, 10) if draw == "normal" else rng.exponential(5.0, 30)
        ci = mean_ci(list(x))
        lo, hi = ci.low, ci.high
        covered += lo <= 5.0 <= hi
    assert 0.90 <= covered / 200 <= 0.99

