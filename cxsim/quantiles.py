"""Streaming quantiles of non-negative values: exact while few, within 0.4% when many, in bounded memory.

The percentiles of a replication's cases (effort, days to resolution). Up to ``exact_limit`` values are kept
and ``quantile(q)`` is bit for bit ``numpy.percentile(values, 100 * q)`` (method 'linear'). Beyond, values are
counted in geometric bins of ratio 1.004 (any positive float, no clamping; zeros apart) that keep their count,
min and max. numpy interpolates two order statistics; each is estimated between its bin's min and max, so it's
off by less than the bin's width: the result is within ``RELATIVE_ERROR`` = 0.4% of numpy's, relative, for any
n and q (plus float rounding: < 1e-12 relative, ~1e-323 absolute for subnormals). Zeros, the minimum, the
maximum and each bin's first and last rank are exact, as is a point mass with no other value in its bin.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable
from math import floor, inf, log, log1p

import numpy as np

__all__ = ["RELATIVE_ERROR", "QuantileSketch"]

NAN = float("nan")
RELATIVE_ERROR = 0.004  # bins are [r**i, r**(i+1)) with r = 1 + RELATIVE_ERROR
_INV_LOG_RATIO = 1.0 / log1p(RELATIVE_ERROR)
_STATE_VERSION = 1
_PENDING = 2048  # binned mode: values are binned this many at a time, with numpy
_VECTOR = 256  # below this many values, a Python loop bins them faster than numpy


def _check_values(values: list) -> None:
    """Raise ValueError unless every value is finite and non-negative (two C-speed passes when they are)."""
    if values and not (sum(values) < inf and min(values) >= 0.0):  # NaN and inf make the sum NaN or inf
        for x in values:
            if not 0.0 <= x < inf:
                raise ValueError(f"QuantileSketch takes finite non-negative values, got {x!r}")


def _bin_values(bins: dict[int, list], values: list[float]) -> int:
    """Add values (already checked) into bins in place; return how many were zeros."""
    if len(values) >= _VECTOR:
        return _bin_array(bins, values)
    zeros = 0
    for x in values:
        if x > 0.0:
            i = floor(log(x) * _INV_LOG_RATIO)  # the same key as in QuantileSketch.add
            b = bins.get(i)
            if b is None:
                bins[i] = [1, x, x]
            else:
                b[0] += 1
                if x < b[1]:
                    b[1] = x
                elif x > b[2]:
                    b[2] = x
        else:
            zeros += 1
    return zeros


def _bin_array(bins: dict[int, list], values: list[float]) -> int:
    """``_bin_values`` for many values: keys, counts, minima and maxima computed per key with numpy.

    numpy's log may differ from math.log in the last bit, so a value within an ulp of a bin edge may land
    in the neighbouring bin: bins still hold values within their width (plus an ulp), so the bound holds.
    """
    arr = np.asarray(values, dtype=float)
    positive = arr[arr > 0.0]
    if not len(positive):
        return len(arr)
    keys = np.floor(np.log(positive) * _INV_LOG_RATIO).astype(np.int64)
    order = np.argsort(keys, kind="stable")
    keys, positive = keys[order], positive[order]
    starts = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1])))
    counts = np.diff(np.append(starts, len(keys)))
    lows, highs = np.minimum.reduceat(positive, starts), np.maximum.reduceat(positive, starts)
    for key, count, lo, hi in zip(keys[starts].tolist(), counts.tolist(), lows.tolist(), highs.tolist(),
                                  strict=True):
        b = bins.get(key)
        if b is None:
            bins[key] = [count, lo, hi]
        else:
            b[0] += count
            if lo < b[1]:
                b[1] = lo
            if hi > b[2]:
                b[2] = hi
    return len(arr) - len(positive)


def _pack_uints(ints: list[int]) -> array:
    """The non-negative ints in the narrowest array type that holds them all."""
    top = max(ints, default=0)
    for code in "BHIQ":
        if top < 1 << (8 * array(code).itemsize):
            return array(code, ints)
    raise OverflowError(f"count too large to pack: {top}")  # pragma: no cover


def _lerp(a: float, b: float, t: float) -> float:
    """numpy's linear interpolation, operation for operation (numpy.lib._function_base_impl._lerp)."""
    d = b - a
    return b - d * (1.0 - t) if t >= 0.5 else a + d * t


class QuantileSketch:
    """Quantiles of a stream of finite non-negative floats: exact up to ``exact_limit`` values, then binned.

    ``add`` does not check its argument (it is one ``list.append`` and a length test; once binned, values
    wait in a list and are binned 2,048 at a time with numpy); a negative, NaN or infinite value raises
    ValueError when the values are folded, binned, merged or queried.
    """

    __slots__ = ("_limit", "_values", "_bins", "_zeros", "_pending")

    def __init__(self, exact_limit: int = 4096) -> None:
        if not isinstance(exact_limit, int) or exact_limit < 0:
            raise ValueError(f"exact_limit must be a non-negative int, got {exact_limit!r}")
        self._limit = exact_limit
        self._values: list[float] | None = []  # None once binned
        self._bins: dict[int, list] = {}  # bin index -> [count, min, max]; positive values only
        self._zeros = 0  # zeros seen once binned (while exact, zeros are in _values)
        self._pending: list[float] = []  # binned mode: values added but not yet binned (see _drain)

    # --- hot path -------------------------------------------------------------------------------------------

    def add(self, x: float) -> None:
        """Add one finite non-negative value."""
        values = self._values
        if values is not None:
            values.append(x)
            if len(values) > self._limit:
                self._fold()
            return
        pending = self._pending
        pending.append(x)
        if len(pending) >= _PENDING:
            self._drain()

    def extend(self, values: Iterable[float]) -> None:
        """Add many values at once: the same state as adding them one by one, at C speed."""
        mine = self._values
        if mine is None:
            mine = self._pending
            mine.extend(values)
            if len(mine) >= _PENDING:
                self._drain()
            return
        mine.extend(values)
        if len(mine) > self._limit:
            self._fold()

    def _drain(self) -> None:
        """Bin the values waiting to be binned (binned mode); every reader calls it first."""
        pending = self._pending
        if pending:
            _check_values(pending)
            self._zeros += _bin_values(self._bins, pending)
            self._pending = []

    def _fold(self) -> None:
        """Switch to binned mode: bin the held values and drop them (nothing changes if one is invalid)."""
        values = self._values
        assert values is not None
        _check_values(values)
        bins: dict[int, list] = {}
        zeros = _bin_values(bins, values)
        self._bins, self._zeros, self._values = bins, zeros, None

    # --- reading --------------------------------------------------------------------------------------------

    @property
    def exact_limit(self) -> int:
        """How many values are kept exactly before switching to bins."""
        return self._limit

    @property
    def is_exact(self) -> bool:
        """True while the values themselves are kept (n <= exact_limit)."""
        return self._values is not None

    @property
    def n(self) -> int:
        """Number of values added."""
        if self._values is not None:
            return len(self._values)
        self._drain()
        return self._zeros + sum(b[0] for b in self._bins.values())

    @property
    def minimum(self) -> float:
        """Smallest value added (exact); NaN when empty."""
        if self._values is not None:
            return float(min(self._values)) if self._values else NAN
        self._drain()
        if self._zeros:
            return 0.0
        return float(self._bins[min(self._bins)][1]) if self._bins else NAN

    @property
    def maximum(self) -> float:
        """Largest value added (exact); NaN when empty."""
        if self._values is not None:
            return float(max(self._values)) if self._values else NAN
        self._drain()
        if self._bins:
            return float(self._bins[max(self._bins)][2])
        return 0.0 if self._zeros else NAN

    def quantile(self, q: float) -> float:
        """numpy.percentile(values, 100*q), method 'linear': exact while exact, else within RELATIVE_ERROR."""
        return self.quantiles((q,))[0]

    def quantiles(self, qs: Iterable[float]) -> list[float]:
        """``[self.quantile(q) for q in qs]`` in one pass over the values or bins."""
        qs = list(qs)
        for q in qs:
            if not 0.0 <= q <= 1.0:
                raise ValueError(f"quantiles must be in [0, 1], got {q!r}")
        n = self.n
        if n == 0 or not qs:
            return [NAN] * len(qs)
        positions = []
        ranks = set()
        for q in qs:
            # numpy.percentile divides the percentage by 100, then takes position (n - 1) * q ('linear').
            h = (n - 1) * (q * 100.0 / 100.0)
            if h >= n - 1:
                positions.append((n - 1, None))
                ranks.add(n - 1)
            else:
                k = int(h)  # h >= 0, so this is floor(h)
                positions.append((k, h - k))
                ranks.update((k, k + 1))
        stats = self._order_statistics(sorted(ranks))
        return [stats[k] if t is None else _lerp(stats[k], stats[k + 1], t) for k, t in positions]

    def _order_statistics(self, ranks: list[int]) -> dict[int, float]:
        """Values (exact) or estimates (binned) of the given 0-based order statistics, ranks ascending."""
        values = self._values
        if values is not None:
            _check_values(values)
            values.sort()  # in place: nearly free on the next call
            return {j: float(values[j]) for j in ranks}
        self._drain()
        out: dict[int, float] = {}
        pending = iter(ranks)
        j = next(pending)
        start = self._zeros  # ranks [0, zeros) are the zeros
        while j < start:
            out[j] = 0.0
            j = next(pending, -1)
            if j < 0:
                return out
        bins = self._bins
        for key in sorted(bins):
            count, lo, hi = bins[key]
            end = start + count
            while j < end:
                r = j - start
                if r == 0:
                    v = lo
                elif r == count - 1:
                    v = hi
                else:  # interior rank: linear between the bin's min and max, which bound the true value
                    v = min(hi, lo + (hi - lo) * (r / (count - 1)))
                out[j] = float(v)
                j = next(pending, -1)
                if j < 0:
                    return out
            start = end
        raise AssertionError("rank beyond the count")  # pragma: no cover

    # --- combining, copying, pickling -----------------------------------------------------------------------

    def merge(self, other: QuantileSketch) -> QuantileSketch:
        """Add all of ``other``'s values to this one (same exact_limit; ``other`` unchanged); return self."""
        if not isinstance(other, QuantileSketch):
            raise TypeError(f"cannot merge {type(other).__name__} into QuantileSketch")
        if other._limit != self._limit:
            raise ValueError(f"exact_limit differs: {self._limit} vs {other._limit}")
        if other is self:
            other = other.copy()
        other._drain()
        self._drain()
        theirs = other._values
        if theirs is not None:
            _check_values(theirs)
        mine = self._values
        if mine is not None and theirs is not None and len(mine) + len(theirs) <= self._limit:
            mine.extend(theirs)
            return self
        if mine is not None:
            self._fold()
        bins = self._bins
        if theirs is not None:
            self._zeros += _bin_values(bins, theirs)
            return self
        self._zeros += other._zeros
        for key, (count, lo, hi) in other._bins.items():
            b = bins.get(key)
            if b is None:
                bins[key] = [count, lo, hi]  # a new list: nothing shared with other
            else:
                b[0] += count
                if lo < b[1]:
                    b[1] = lo
                if hi > b[2]:
                    b[2] = hi
        return self

    @classmethod
    def combine(cls, sketches: Iterable[QuantileSketch]) -> QuantileSketch:
        """A new sketch holding the values of all the given sketches (at least one; inputs are unchanged)."""
        it = iter(sketches)
        try:
            result = next(it).copy()
        except StopIteration:
            raise ValueError("combine needs at least one sketch") from None
        for sketch in it:
            result.merge(sketch)
        return result

    def copy(self) -> QuantileSketch:
        """An independent copy (no shared mutable state)."""
        self._drain()
        new = QuantileSketch.__new__(QuantileSketch)
        new._pending = []
        new._limit = self._limit
        new._values = None if self._values is None else list(self._values)
        new._bins = {key: list(b) for key, b in self._bins.items()}
        new._zeros = self._zeros
        return new

    __copy__ = copy

    def __deepcopy__(self, memo: dict) -> QuantileSketch:
        return self.copy()

    def __getstate__(self) -> tuple:
        """Canonical, compact state: the sorted exact values, or the bins in index order, as packed arrays."""
        self._drain()
        values = self._values
        if values is not None:
            values.sort()
            return (_STATE_VERSION, self._limit, array("d", values), None)
        bins = self._bins
        keys = sorted(bins)
        rows = [bins[k] for k in keys]
        # Index gaps and counts are small non-negative ints; a bin of one value has max == min, stored once.
        gaps = [b - a for a, b in zip(keys, keys[1:], strict=False)]
        packed = (self._zeros, keys[0] if keys else 0, _pack_uints(gaps), _pack_uints([r[0] for r in rows]),
                  array("d", [r[1] for r in rows]), array("d", [r[2] for r in rows if r[0] > 1]))
        return (_STATE_VERSION, self._limit, None, packed)

    def __setstate__(self, state: tuple) -> None:
        """Restore from ``__getstate__``."""
        version, self._limit, values, packed = state
        self._pending = []
        if version != _STATE_VERSION:
            raise ValueError(f"unknown QuantileSketch state version {version!r}")
        if values is not None:
            self._values, self._bins, self._zeros = values.tolist(), {}, 0
            return
        zeros, key, gaps, counts, mins, multi_maxs = packed
        maxs = iter(multi_maxs)
        bins = {}
        for i, (count, lo) in enumerate(zip(counts, mins, strict=True)):
            if i:
                key += gaps[i - 1]
            bins[key] = [count, lo, next(maxs) if count > 1 else lo]
        self._values, self._bins, self._zeros = None, bins, zeros

    def __eq__(self, other: object) -> bool:
        """Same parameters and same multiset of values (exact) or same bins (binned)."""
        if not isinstance(other, QuantileSketch):
            return NotImplemented
        return self.__getstate__() == other.__getstate__()

    __hash__ = None  # mutable

    def __repr__(self) -> str:
        self._drain()
        mode = "exact" if self._values is not None else f"{len(self._bins)} bins"
        return f"QuantileSketch(n={self.n}, {mode}, exact_limit={self._limit})"
