"""Where the warm-up should end: MSER-5 on a run's daily open cases (White 1997; White, Cobb and Spratt 2000).

The queues start empty, so the first days of a run are not typical of the rest. MSER-5 batches the series
into means of 5 observations and truncates the d batches that minimise the squared standard error of the
mean of what remains, ``sum((Z_j - mean)^2) / (m - d)^2`` over the batches kept, searching the first half
of the series only (the statistic is erratic when few batches remain: Hoad, Robinson and Davies 2011). A
minimum at the end of that half is no answer: the series has not settled (still trending, or too short).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

BATCH = 5  # MSER-5: batch means of 5 observations
SIGNIFICANCE = 0.01  # a longer warm-up is suggested only if what it drops differs from what it keeps


@dataclass(frozen=True)
class Truncation:
    """MSER's answer for one series: where to truncate (in observations) and whether that is reliable."""

    observations: int  # observations to drop (a multiple of the batch size)
    batches: int  # batch means in the series
    settled: bool  # the minimum lies inside the first half of the series: a steady state was found

    def to_json(self) -> dict[str, Any]:
        return {"truncate": self.observations, "batches": self.batches, "settled": self.settled}


def mser_curve(series: Any, batch: int = BATCH) -> np.ndarray:
    """MSER's statistic for truncating d = 0, 1, ... batches (the last batch kept alone is left out)."""
    x = np.asarray(series, dtype=float)
    m = len(x) // batch
    z = x[: m * batch].reshape(m, batch).mean(axis=1)
    # For each d, the mean and the sum of squared deviations of z[d:], computed from the end backwards.
    tail = z[::-1]
    count = np.arange(1, m + 1, dtype=float)
    mean = np.cumsum(tail) / count
    sq = np.cumsum(tail * tail) - count * mean * mean
    kept = count[::-1]  # m - d for d = 0 .. m-1
    return (np.maximum(sq[::-1], 0.0) / kept**2)[: max(m - 1, 0)]


def mser(series: Any, batch: int = BATCH) -> Truncation:
    """MSER-``batch`` truncation point of ``series`` (one value per equally spaced observation)."""
    m = len(series) // batch
    if m < 4:
        return Truncation(0, m, False)
    statistic = mser_curve(series, batch)
    half = m // 2
    d = int(np.argmin(statistic[: half + 1]))
    return Truncation(d * batch, m, d < half)


def improves(series: Any, given: int, suggested: int, batch: int = BATCH,
             level: float = SIGNIFICANCE) -> bool:
    """Whether the batches MSER would drop beyond the ``given`` warm-up differ from those it keeps: the mean
    of the batch means between ``given`` and ``suggested`` observations against the mean of the rest, with
    the rest's batch-to-batch spread as the noise (a t-test, two-sided ``level``). A stationary series'
    MSER curve is flat but noisy: a minimum a little past the given warm-up is chance, not a transient."""
    x = np.asarray(series, dtype=float)
    m = len(x) // batch
    z = x[: m * batch].reshape(m, batch).mean(axis=1)
    d_given, d_suggested = -(-given // batch), suggested // batch
    dropped, kept = z[d_given:d_suggested], z[d_suggested:]
    if len(dropped) < 1 or len(kept) < 3:
        return False
    sd = kept.std(ddof=1)
    if sd == 0:
        return bool(abs(dropped.mean() - kept.mean()) > 0)
    t = (dropped.mean() - kept.mean()) / (sd * math.sqrt(1 / len(dropped) + 1 / len(kept)))
    from scipy import stats  # here, not at the top: scipy.stats adds ~0.5 s to every CLI start

    return bool(2 * stats.t.sf(abs(t), len(kept) - 1) < level)
