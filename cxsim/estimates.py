"""Statistics over replications: means with Student-t 95% confidence intervals.

Replications are independent, so the mean of a metric over n replications has a t-based interval with
n - 1 degrees of freedom. Replications where a metric is undefined (NaN, e.g. no case resolved) are left
out of that metric's interval.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np


def mean_ci(values: Sequence[float], level: float = 0.95) -> dict[str, float | list[float | None] | None]:
    """{"mean": m, "ci95": [lo, hi]}; the interval is [None, None] with fewer than two values."""
    arr = np.asarray([v for v in values if v is not None and not math.isnan(v)], dtype=float)
    if len(arr) == 0:
        return {"mean": None, "ci95": [None, None]}
    mean = float(arr.mean())
    if len(arr) < 2:
        return {"mean": mean, "ci95": [None, None]}
    from scipy import stats  # imported here: scipy.stats costs ~1 s at start-up of every CLI call

    half = float(stats.t.ppf(0.5 + level / 2, len(arr) - 1) * arr.std(ddof=1) / math.sqrt(len(arr)))
    return {"mean": mean, "ci95": [mean - half, mean + half]}
