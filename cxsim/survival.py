"""Days to resolution with censoring, streamed: Kaplan–Meier quantiles and competing-risk incidence.

Every counted case gives a time (days from opening to its end, or to the horizon while open) and an outcome:
resolved (the event), abandoned (a competing event) or open at the horizon (censored). The median of the
resolved cases alone hides the worst cases; the Kaplan–Meier (product-limit) estimate of "days to
resolution" treats abandoned and still-open cases as censored, and the Aalen–Johansen cumulative incidence
functions split the cases over time into resolved, abandoned and still open (competing risks).

Memory does not grow with the horizon: up to ``exact_limit`` cases the (time, outcome) pairs are kept and the
estimates are exactly those of ``scipy.stats.ecdf`` on ``scipy.stats.CensoredData`` (the quantile is the first
event time where the survival curve is ≤ 1 − q). Beyond, cases are counted per outcome in geometric bins of
ratio 1.004 (those of ``cxsim.quantiles``), each keeping the min and max of its resolution times; the
curve is the product-limit over bins with a bin's resolutions before its censorings (Kaplan–Meier's own rule
for ties), and a quantile is placed between its bin's smallest and largest resolution time by rank. So the
curve is exact at every bin edge up to the order of resolutions and censorings inside a bin, the bin count
grows with the log of the time range, not the number of cases, and the quantile lies in the bin of the
exact one (within 0.4%) unless the curve's level at that bin moves by the within-bin ordering (a bound of
``sum d·c / (n·(n − c − d))`` over the bins crossed: tiny when bins hold few cases relative to those at risk;
tests check ≤ 1% against scipy on 10⁵ cases).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from math import floor, inf, isnan, log

import numpy as np

from cxsim.quantiles import RELATIVE_ERROR

__all__ = ["ABANDONED", "BEYOND", "CENSORED", "RESOLVED", "SurvivalSketch"]

NAN = float("nan")
CENSORED, RESOLVED, ABANDONED = 0, 1, 2  # a case's outcome code: still open at the horizon, or how it ended
BEYOND = inf  # a quantile the curve never reaches within the horizon: undefined, reported as ">horizon"
_INV_LOG_RATIO = 1.0 / np.log1p(RELATIVE_ERROR)
_ZERO_KEY = -(1 << 62)  # the bin of time zero (log undefined)
_EPS = 1e-12  # survival products are compared with a level within float rounding


def _key(t: float) -> int:
    return floor(log(t) * _INV_LOG_RATIO) if t > 0.0 else _ZERO_KEY


class SurvivalSketch:
    """(time, outcome) pairs of cases: exact up to ``exact_limit`` cases, then counted in geometric bins."""

    __slots__ = ("_limit", "_times", "_codes", "_bins")

    def __init__(self, exact_limit: int = 4096) -> None:
        self._limit = exact_limit
        self._times: list[float] | None = []  # None once binned
        self._codes: list[int] = []
        # bin key -> [resolved, abandoned, censored, min resolved time, max resolved time]
        self._bins: dict[int, list] = {}

    # --- adding ---

    def extend(self, times: Sequence[float], codes: Sequence[int]) -> None:
        """Cases as their times (days, finite, >= 0) and outcome codes (CENSORED, RESOLVED, ABANDONED)."""
        for t in times:
            if not 0.0 <= t < inf:
                raise ValueError(f"SurvivalSketch takes finite non-negative times, got {t!r}")
        if self._times is not None:
            self._times.extend(times)
            self._codes.extend(codes)
            if len(self._times) > self._limit:
                self._fold()
            return
        self._bin(times, codes)

    def add(self, time: float, code: int) -> None:
        self.extend((time,), (code,))

    def _bin(self, times: Iterable[float], codes: Iterable[int]) -> None:
        bins = self._bins
        for t, c in zip(times, codes, strict=True):
            k = _key(t)
            b = bins.get(k)
            if b is None:
                b = bins[k] = [0, 0, 0, inf, -inf]
            b[c - 1 if c else 2] += 1
            if c == RESOLVED:
                if t < b[3]:
                    b[3] = t
                if t > b[4]:
                    b[4] = t

    def _fold(self) -> None:
        times, codes = self._times, self._codes
        self._times, self._codes = None, []
        self._bin(times, codes)  # type: ignore[arg-type]

    def merge(self, other: SurvivalSketch) -> SurvivalSketch:
        """Add ``other``'s cases to this one (``other`` unchanged); return self."""
        if other._times is not None:
            self.extend(list(other._times), list(other._codes))
            return self
        if self._times is not None:
            self._fold()
        for k, (r, a, c, lo, hi) in other._bins.items():
            b = self._bins.get(k)
            if b is None:
                self._bins[k] = [r, a, c, lo, hi]
            else:
                b[0] += r
                b[1] += a
                b[2] += c
                b[3] = min(b[3], lo)
                b[4] = max(b[4], hi)
        return self

    @classmethod
    def combine(cls, sketches: Iterable[SurvivalSketch]) -> SurvivalSketch:
        """A new sketch with the cases of all the given ones (in order: the same state as adding them)."""
        result = cls()
        for s in sketches:
            result._limit = s._limit
            result.merge(s)
        return result

    # --- reading ---

    @property
    def is_exact(self) -> bool:
        return self._times is not None

    @property
    def n(self) -> int:
        if self._times is not None:
            return len(self._times)
        return sum(b[0] + b[1] + b[2] for b in self._bins.values())

    def table(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Per distinct time (exact) or bin (binned), ascending: time, resolved, abandoned, censored counts.

        A bin's time is its lower edge (0 for the bin of zero)."""
        if self._times is not None:
            t = np.asarray(self._times, dtype=float)
            c = np.asarray(self._codes, dtype=np.int64)
            times, inverse = np.unique(t, return_inverse=True)
            counts = [np.bincount(inverse[c == code], minlength=len(times))
                      for code in (RESOLVED, ABANDONED, CENSORED)]
            return times, counts[0], counts[1], counts[2]
        keys = sorted(self._bins)
        rows = [self._bins[k] for k in keys]
        times = np.array([0.0 if k == _ZERO_KEY else float(np.exp(k / _INV_LOG_RATIO)) for k in keys])
        return (times, np.array([r[0] for r in rows], dtype=np.int64), np.array([r[1] for r in rows],
                dtype=np.int64), np.array([r[2] for r in rows], dtype=np.int64))

    def quantiles(self, qs: Iterable[float]) -> list[float]:
        """Kaplan–Meier quantiles of days to resolution (abandoned and open cases censored): for each q the
        first resolution time where the survival curve is <= 1 - q; ``BEYOND`` (inf) when the curve never
        gets there (the answer lies past the longest follow-up), NaN when there are no cases."""
        qs = list(qs)
        if self.n == 0:
            return [NAN] * len(qs)
        if self._times is not None:
            times, res, ab, cen = self.table()
            at_risk = len(self._times) - np.concatenate(([0], np.cumsum(res + ab + cen)[:-1]))
            with np.errstate(divide="ignore", invalid="ignore"):
                surv = np.cumprod(1.0 - np.where(at_risk > 0, res / at_risk, 0.0))
            out = []
            for q in qs:
                hit = np.flatnonzero((res > 0) & (surv <= 1.0 - q + _EPS))
                out.append(float(times[hit[0]]) if len(hit) else BEYOND)
            return out
        return [self._binned_quantile(q) for q in qs]

    def _binned_quantile(self, q: float) -> float:
        level = 1.0 - q + _EPS
        n = self.n
        s = 1.0
        for k in sorted(self._bins):
            r, a, c, lo, hi = self._bins[k]
            if r:
                after = s * (1.0 - r / n)
                if after <= level:
                    # Resolutions first inside the bin: each one takes s/n off the curve.
                    needed = max(1, min(r, int(np.ceil((s - level) * n / s - _EPS))))
                    return lo if r == 1 else min(hi, lo + (hi - lo) * ((needed - 1) / (r - 1)))
                s = after
            n -= r + a + c
        return BEYOND

    def quantile(self, q: float) -> float:
        return self.quantiles((q,))[0]

    def incidence(self, days: Sequence[float]) -> dict[str, list[float]]:
        """Aalen–Johansen cumulative incidence at the given days: the share of cases resolved, abandoned and
        still open by then (they sum to 1), open cases at the horizon censored. Binned, a bin counts from
        its lower edge (times within 0.4%)."""
        times, res, ab, cen = self.table()
        n = self.n
        if n == 0:
            return {"resolved": [NAN] * len(days), "abandoned": [NAN] * len(days), "open": [NAN] * len(days)}
        at_risk = n - np.concatenate(([0], np.cumsum(res + ab + cen)[:-1]))
        with np.errstate(divide="ignore", invalid="ignore"):
            hazard = np.where(at_risk > 0, (res + ab) / at_risk, 0.0)
            surv = np.cumprod(1.0 - hazard)
            before = np.concatenate(([1.0], surv[:-1]))
            f_res = np.cumsum(before * np.where(at_risk > 0, res / at_risk, 0.0))
            f_ab = np.cumsum(before * np.where(at_risk > 0, ab / at_risk, 0.0))
        idx = np.searchsorted(times, np.asarray(days, dtype=float), side="right") - 1

        def pick(arr: np.ndarray, start: float) -> list[float]:
            return [start if i < 0 else float(arr[i]) for i in idx]

        return {"resolved": pick(f_res, 0.0), "abandoned": pick(f_ab, 0.0), "open": pick(surv, 1.0)}

    @property
    def longest(self) -> float:
        """The longest time seen (the end of the follow-up), NaN when empty."""
        if self._times is not None:
            return max(self._times) if self._times else NAN
        if not self._bins:
            return NAN
        k = max(self._bins)
        return 0.0 if k == _ZERO_KEY else float(np.exp((k + 1) / _INV_LOG_RATIO))

    def __repr__(self) -> str:
        mode = "exact" if self._times is not None else f"{len(self._bins)} bins"
        return f"SurvivalSketch(n={self.n}, {mode})"


def is_beyond(value: float) -> bool:
    """True for a quantile the curve never reached (``BEYOND``)."""
    return not isnan(value) and value == BEYOND
