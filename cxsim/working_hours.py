"""Working hours: when a team (or a channel) is open, and how open time maps onto clock time.

Customers experience clock time, but teams only work during their opening hours: a 2-hour task
picked up at 16:30 on Friday finishes on Monday morning.  :class:`WorkingHours` answers the questions
the simulator asks about that ("is it open?", "when does it next open?", "when is this much work done?",
"how many open hours lie between these two times?") in O(log n) for any horizon, using the
cumulative open hours within a week plus whole-week arithmetic -- never stepping day by day.

Time is in hours since Monday 00:00 of week 0 (simulation t = 0); a week is 168 hours.  Open
intervals are half-open ``[start, end)``: a team is closed at exactly its closing time.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping, Sequence
from itertools import accumulate

__all__ = ["WEEK", "WorkingHours", "parse_hours"]

WEEK = 168.0
_DAY = 24.0
_DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY_ALIASES: dict[str, int] = {}
for _i, _full in enumerate(("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")):
    for _alias in (_full[:3], _full, _full[:4]):  # mon, monday, tues/thur (4-letter forms)
        _DAY_ALIASES[_alias] = _i
_DAY_GROUPS = {
    "weekdays": list(range(5)),
    "weekend": [5, 6],
    "weekends": [5, 6],
    "daily": list(range(7)),
    "all": list(range(7)),
    "every day": list(range(7)),
}


class WorkingHours:
    """A weekly pattern of open intervals, with fast arithmetic over open time.

    ``intervals`` are ``(start, end)`` pairs in hours-of-week (0 = Monday 00:00, 168 = end of Sunday).
    Overlapping or touching intervals are merged; an interval ending at 168 and one starting at 0
    together form an opening that runs across the weekend boundary.
    """

    __slots__ = ("_always", "_cum", "_cum_end", "_ends", "_intervals", "_per_week", "_starts")

    def __init__(self, intervals: Iterable[tuple[float, float]]):
        cleaned: list[tuple[float, float]] = []
        for item in intervals:
            try:
                start, end = (float(x) for x in item)
            except (TypeError, ValueError):
                raise ValueError(
                    f"an open interval must be a (start, end) pair of hours (got {item!r})"
                ) from None
            if not (math.isfinite(start) and math.isfinite(end)):
                raise ValueError(f"open interval bounds must be finite (got {item!r})")
            if not 0.0 <= start < end <= WEEK:
                raise ValueError(
                    f"an open interval must satisfy 0 <= start < end <= 168 hours of the week (got {item!r})"
                )
            cleaned.append((start, end))
        if not cleaned:
            raise ValueError("working hours need at least one open interval")
        cleaned.sort()
        merged: list[tuple[float, float]] = [cleaned[0]]
        for start, end in cleaned[1:]:
            last_start, last_end = merged[-1]
            if start <= last_end:
                merged[-1] = (last_start, max(last_end, end))
            else:
                merged.append((start, end))
        self._intervals: tuple[tuple[float, float], ...] = tuple(merged)
        self._starts = [s for s, _ in merged]
        self._ends = [e for _, e in merged]
        lengths = [e - s for s, e in merged]
        self._cum_end = list(accumulate(lengths))  # open hours from Monday 00:00 to the end of interval i
        self._cum = [c - n for c, n in zip(self._cum_end, lengths, strict=True)]  # ... to its start
        self._per_week = self._cum_end[-1]
        self._always = merged == [(0.0, WEEK)]

    # ------------------------------------------------------------------ construction

    @classmethod
    def always(cls) -> WorkingHours:
        """Open 24/7."""
        return cls([(0.0, WEEK)])

    @classmethod
    def business(
        cls, days: str | Sequence[str] = "mon-fri", open: str | float = "09:00", close: str | float = "17:00"
    ) -> WorkingHours:
        """The same opening hours on each of ``days`` (default Monday to Friday, 09:00 to 17:00)."""
        day_indices = _parse_days(days)
        start, end = _parse_time(open, "open"), _parse_time(close, "close")
        if start >= end:
            raise ValueError(
                f"'open' must be before 'close' (got open={open!r}, close={close!r}); "
                "shifts past midnight are not supported, use two entries"
            )
        return cls((d * _DAY + start, d * _DAY + end) for d in day_indices)

    # ------------------------------------------------------------------ properties

    @property
    def intervals(self) -> tuple[tuple[float, float], ...]:
        """The merged, sorted weekly open intervals."""
        return self._intervals

    @property
    def always_open(self) -> bool:
        return self._always

    @property
    def hours_per_week(self) -> float:
        return self._per_week

    def to_data(self) -> str | list[dict[str, object]]:
        """Scenario-file data that :func:`parse_hours` reads back to equal hours: '24/7', 'business', or a
        list of ``{days, open, close}`` (one entry per distinct daily opening)."""
        if self._always:
            return "24/7"
        if self == WorkingHours.business():
            return "business"
        by_times: dict[tuple[float, float], list[str]] = {}
        for start, end in self._intervals:
            t = start
            while t < end:  # split at midnights: each day's opening
                day = int(t // _DAY)
                stop = min(end, (day + 1) * _DAY)
                times = (t - day * _DAY, stop - day * _DAY)
                by_times.setdefault(times, []).append(_DAY_NAMES[day])
                t = stop
        return [{"days": days, "open": _clock_text(a), "close": _clock_text(b)}
                for (a, b), days in by_times.items()]

    # ------------------------------------------------------------------ queries

    def is_open(self, t: float) -> bool:
        """True if open at time ``t`` (closed at exactly the end of an interval)."""
        if self._always:
            return True
        _, r = _split(t)
        i = bisect_right(self._starts, r) - 1
        return i >= 0 and r < self._ends[i]

    def next_open(self, t: float) -> float:
        """``t`` if open, otherwise the start of the next opening."""
        if self._always:
            return t
        week, r = _split(t)
        i = bisect_right(self._starts, r) - 1
        if i >= 0 and r < self._ends[i]:
            return t
        if i + 1 < len(self._starts):
            return week * WEEK + self._starts[i + 1]
        return (week + 1) * WEEK + self._starts[0]

    def open_hours(self, a: float, b: float) -> float:
        """Open hours within ``[a, b]`` (0 if ``b <= a``)."""
        if b <= a:
            return 0.0
        if self._always:
            return b - a
        return max(0.0, self._open_before(b) - self._open_before(a))

    def finish(self, t: float, work: float) -> float:
        """When ``work`` hours of open time, started at ``t``, are complete (work pauses while closed).

        ``work == 0`` returns ``t``.  Work that completes exactly at a closing time returns that closing
        time, not the next opening.
        """
        if work < 0 or math.isnan(work):
            raise ValueError(f"work must be a non-negative number of hours (got {work!r})")
        if work == 0:
            return t
        if self._always:
            return t + work
        if math.isinf(work):
            return math.inf
        end = self._time_at(self._open_before(t) + work)
        # mathematically end >= next_open(t) + work; the guard only matters for rounding at boundaries
        return max(end, self.next_open(t) + work)

    # ------------------------------------------------------------------ internals

    def _open_before(self, t: float) -> float:
        """Open hours from time 0 to ``t`` (negative for t < 0); continuous and non-decreasing."""
        week, r = _split(t)
        i = bisect_right(self._starts, r) - 1
        within = 0.0 if i < 0 else self._cum[i] + min(r, self._ends[i]) - self._starts[i]
        return week * self._per_week + within

    def _time_at(self, c: float) -> float:
        """The earliest time at which ``_open_before`` reaches ``c``.

        Amounts within a rounding tolerance of an interval's end resolve to that end (the closing
        time) rather than to the start of the next opening.
        """
        per_week = self._per_week
        tol = 1e-9 + 1e-12 * abs(c)
        week = math.floor(c / per_week)
        rem = c - week * per_week
        if rem <= tol:  # at (or within rounding of) the end of the previous week's last opening
            week, rem = week - 1, rem + per_week
        i = min(bisect_left(self._cum_end, rem - tol), len(self._cum_end) - 1)
        offset = min(max(rem - self._cum[i], 0.0), self._ends[i] - self._starts[i])
        return week * WEEK + self._starts[i] + offset

    # ------------------------------------------------------------------ dunder

    def describe(self) -> str:
        """Short human description, e.g. ``"Mon-Fri 09:00-17:00"`` or ``"24/7"``."""
        if self._always:
            return "24/7"
        parts: list[str] = []
        by_times: list[tuple[tuple[float, float], list[int]]] = []
        for start, end in self._intervals:
            day = int(start // _DAY)
            if end <= (day + 1) * _DAY:
                times = (start - day * _DAY, end - day * _DAY)
                if by_times and by_times[-1][0] == times and by_times[-1][1][-1] == day - 1:
                    by_times[-1][1].append(day)
                else:
                    by_times.append((times, [day]))
            else:
                if by_times:
                    parts.extend(_describe_group(*g) for g in by_times)
                    by_times = []
                end_day = min(int(end // _DAY), 6) if end < WEEK else 6
                parts.append(
                    f"{_DAY_NAMES[day].title()} {_clock(start - day * _DAY)}-"
                    f"{_DAY_NAMES[end_day].title()} {_clock(end - end_day * _DAY)}"
                )
        parts.extend(_describe_group(*g) for g in by_times)
        return ", ".join(parts)

    def __repr__(self) -> str:
        if self._always:
            return "WorkingHours.always()"
        return f"WorkingHours({list(self._intervals)!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, WorkingHours):
            return NotImplemented
        return self._intervals == other._intervals

    def __hash__(self) -> int:
        return hash(self._intervals)


def _split(t: float) -> tuple[int, float]:
    """(week number, hour of week in [0, 168))."""
    week = math.floor(t / WEEK)
    r = t - week * WEEK
    if r >= WEEK:  # rounding for tiny negative t
        week, r = week + 1, r - WEEK
    elif r < 0:
        week, r = week - 1, r + WEEK
    return week, r


def _clock(hours: float) -> str:
    minutes = round(hours * 60)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _describe_group(times: tuple[float, float], days: list[int]) -> str:
    first, last = _DAY_NAMES[days[0]].title(), _DAY_NAMES[days[-1]].title()
    label = first if len(days) == 1 else f"{first}-{last}" if len(days) > 2 else f"{first},{last}"
    return f"{label} {_clock(times[0])}-{_clock(times[1])}"


_TIME_RE = re.compile(r"^\s*(\d{1,2})(?::(\d{2}))?\s*$")


def _clock_text(hours: float) -> str | float:
    """'HH:MM' when the time is a whole minute (read back exactly), else the number of hours."""
    minutes = round(hours * 60)
    text = f"{minutes // 60:02d}:{minutes % 60:02d}"
    return text if abs(hours * 60 - minutes) < 1e-6 and _parse_time(text, "") == hours else hours


def _parse_time(value: object, what: str) -> float:
    """'HH:MM' (00:00 to 24:00) or a whole/fractional hour number in [0, 24] -> hours since midnight."""
    if isinstance(value, bool):
        raise ValueError(f"'{what}' must be a time like '09:00' (got {value!r})")
    if isinstance(value, (int, float)):
        if not (math.isfinite(value) and 0 <= value <= 24):
            raise ValueError(
                f"'{what}' must be a time like '09:00' (got {value!r}); "
                "quote times in YAML so they are not read as numbers"
            )
        return float(value)
    if isinstance(value, str):
        match = _TIME_RE.match(value)
        if match:
            hours, minutes = int(match.group(1)), int(match.group(2) or 0)
            if minutes < 60 and (hours < 24 or (hours == 24 and minutes == 0)):
                return hours + minutes / 60.0
    raise ValueError(f"'{what}' must be a time like '09:00' or '24:00' (got {value!r})")


def _day_index(name: object) -> int:
    key = str(name).strip().lower()
    if key not in _DAY_ALIASES:
        raise ValueError(f"unknown day {name!r}; use mon, tue, wed, thu, fri, sat, sun")
    return _DAY_ALIASES[key]


def _parse_days(days: object) -> list[int]:
    """'mon-fri', 'fri-mon' (wraps), 'mon,wed,fri', 'weekdays', or a list of day names -> sorted indices."""
    if isinstance(days, str):
        text = days.strip().lower()
        if text in _DAY_GROUPS:
            return list(_DAY_GROUPS[text])
        items: list[str] = [p for p in re.split(r"\s*,\s*", text) if p]
    elif isinstance(days, (list, tuple)):
        items = []
        for d in days:
            if not isinstance(d, str):
                raise ValueError(f"unknown day {d!r}; use mon, tue, wed, thu, fri, sat, sun")
            items.append(d)
    else:
        raise ValueError(f"'days' must be like 'mon-fri' or a list of day names (got {days!r})")
    result: set[int] = set()
    for item in items:
        if "-" in item:
            first, _, last = item.partition("-")
            a, b = _day_index(first), _day_index(last)
            span = (b - a) % 7
            result.update((a + k) % 7 for k in range(span + 1))
        elif item.strip().lower() in _DAY_GROUPS:
            result.update(_DAY_GROUPS[item.strip().lower()])
        else:
            result.add(_day_index(item))
    if not result:
        raise ValueError(f"'days' names no days (got {days!r})")
    return sorted(result)


_SPEC_KEYS = ("days", "open", "close")


def parse_hours(spec: object) -> WorkingHours:
    """Read working hours from a scenario file.

    Forms: ``"24/7"`` or ``"always"``; ``"business"`` (Mon-Fri 09:00-17:00); a mapping
    ``{days: "mon-fri" | [mon, tue, ...], open: "08:00", close: "20:00"}`` (``close`` may be "24:00");
    or a list of such mappings, which are combined (e.g. weekdays plus a short Saturday).
    """
    if isinstance(spec, WorkingHours):
        return spec
    if isinstance(spec, str):
        key = spec.strip().lower()
        if key in ("24/7", "always", "24x7"):
            return WorkingHours.always()
        if key == "business":
            return WorkingHours.business()
        raise ValueError(
            f"cannot read {spec!r} as working hours; use '24/7', 'business', "
            "or {days: mon-fri, open: '09:00', close: '17:00'}"
        )
    if isinstance(spec, Mapping):
        return _parse_hours_mapping(spec)
    if isinstance(spec, (list, tuple)) and spec:
        intervals: list[tuple[float, float]] = []
        for entry in spec:
            if not isinstance(entry, Mapping):
                raise ValueError(
                    "each entry of a working-hours list must be a mapping with days, open and close "
                    f"(got {entry!r})"
                )
            intervals.extend(_parse_hours_mapping(entry).intervals)
        return WorkingHours(intervals)
    raise ValueError(
        f"cannot read {spec!r} as working hours; use '24/7', 'business', "
        "or {days: mon-fri, open: '09:00', close: '17:00'}"
    )


def _parse_hours_mapping(spec: Mapping[object, object]) -> WorkingHours:
    unknown = [k for k in spec if k not in _SPEC_KEYS]
    if unknown:
        raise ValueError(f"working hours take 'days', 'open' and 'close'; unknown key {str(unknown[0])!r}")
    missing = [k for k in _SPEC_KEYS if k not in spec]
    if missing:
        raise ValueError(f"working hours need {missing[0]!r} (they take 'days', 'open' and 'close')")
    return WorkingHours.business(
        days=spec["days"],  # type: ignore[arg-type]
        open=spec["open"],  # type: ignore[arg-type]
        close=spec["close"],  # type: ignore[arg-type]
    )
