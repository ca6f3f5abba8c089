"""Statistics over replications: means with Student-t 95% confidence intervals, as typed values.

Replications are independent, so the mean of a metric over n replications has a t-based interval with
n - 1 degrees of freedom. Replications where a metric is undefined (NaN, e.g. no case resolved) are left
out of that metric's interval. Replication r of every design sees the same customers and cases, so the
difference between two designs is estimated from paired replications (common random numbers). A metric that
is infinite in a replication (a Kaplan–Meier quantile the curve never reached within the horizon) has no
mean: its estimate, and any difference involving it, is None with the note ``>horizon``, never a number.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Estimate:
    """A mean over replications and its 95% confidence interval; None where undefined (no values, or one
    value: no interval)."""

    mean: float | None
    low: float | None = None
    high: float | None = None
    note: str | None = None  # why the mean is None when it is not merely undefined (BEYOND_HORIZON)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"mean": self.mean, "ci95": [self.low, self.high]}
        if self.note is not None:
            out["note"] = self.note
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Estimate:
        low, high = data["ci95"]
        return cls(data["mean"], low, high, note=data.get("note"))


@dataclass(frozen=True)
class Difference(Estimate):
    """A design minus the baseline over paired replications; ``significant`` when the interval excludes
    zero."""

    significant: bool = False

    def to_json(self) -> dict[str, Any]:
        return {**super().to_json(), "significant": self.significant}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Difference:
        low, high = data["ci95"]
        return cls(data["mean"], low, high, note=data.get("note"), significant=bool(data["significant"]))


BEYOND_HORIZON = ">horizon"  # the note of an estimate infinite in some replication (never reached)


def _beyond(values: Sequence[float]) -> bool:
    return any(v is not None and v == math.inf for v in values)


def mean_ci(values: Sequence[float], level: float = 0.95) -> Estimate:
    """The mean of ``values`` and its t-based interval; no interval with fewer than two defined values."""
    if _beyond(values):
        return Estimate(None, note=BEYOND_HORIZON)
    arr = np.asarray([v for v in values if v is not None and not math.isnan(v)], dtype=float)
    if len(arr) == 0:
        return Estimate(None)
    mean = float(arr.mean())
    if len(arr) < 2:
        return Estimate(mean)
    from scipy import stats  # imported here: scipy.stats costs ~1 s at start-up of every CLI call

    half = float(stats.t.ppf(0.5 + level / 2, len(arr) - 1) * arr.std(ddof=1) / math.sqrt(len(arr)))
    return Estimate(mean, mean - half, mean + half)


def paired_difference(values: Sequence[float], base: Sequence[float]) -> Difference:
    """Mean and 95% CI of ``values - base`` replication by replication (pairs where either is undefined
    are left out)."""
    if _beyond(values) or _beyond(base):
        return Difference(None, note=BEYOND_HORIZON)
    diffs = [a - b for a, b in zip(values, base, strict=True) if not (math.isnan(a) or math.isnan(b))]
    ci = mean_ci(diffs)
    lo, hi = ci.low, ci.high
    return Difference(ci.mean, lo, hi, significant=lo is not None and (lo > 0 or hi < 0))
