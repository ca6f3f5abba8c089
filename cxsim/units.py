"""One rule for units: durations, rates and effort rates, read from what people write, in hours inside.

Scenario files, the CLI and the Python API are written by people, so times are written the way people
write them ("5 min", "2 h", "3 days", "20 per day", "1.5 h per day"). Everything inside the simulator is a
float in HOURS (rates are events per hour, effort rates customer hours per hour); this module is the single
place where that conversion happens, so a unit mistake can only be made here. A bare number is refused
unless the caller states which unit it is in (a scenario's ``time_unit``), because "30" silently meaning
30 hours is the classic scenario bug; zero needs no unit.

The ``*_text`` functions write a value back as a string these parsers read to exactly the same float, in
the unit that reads most naturally: that is how a validated scenario records what it ran.

All parsers raise ``ValueError`` only, so pydantic validators can turn them into validation errors.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from datetime import timedelta

__all__ = [
    "HOURS_PER_MONTH", "TIME_UNITS", "UNIT_ALIASES", "UNIT_HOURS", "duration_text", "effort_rate_text",
    "format_duration", "parse_duration", "parse_effort_rate", "parse_rate", "rate_text",
]

HOURS_PER_MONTH = 730.5  # 365.25 / 12 days
#: Units a scenario may declare as its ``time_unit`` (what a bare number means).
TIME_UNITS = ("min", "h", "day")

#: Canonical units and their length in hours.  A month is a twelfth of a Julian year.
UNIT_HOURS: dict[str, float] = {
    "s": 1.0 / 3600.0,
    "min": 1.0 / 60.0,
    "h": 1.0,
    "day": 24.0,
    "week": 168.0,
    "month": 730.5,  # 365.25 / 12 days
    "year": 8766.0,  # 365.25 days
}

#: How each unit may be written (any case).
UNIT_ALIASES: dict[str, tuple[str, ...]] = {
    "s": ("s", "sec", "secs", "second", "seconds"),
    "min": ("min", "mins", "minute", "minutes"),
    "h": ("h", "hr", "hrs", "hour", "hours"),
    "day": ("d", "day", "days"),
    "week": ("w", "wk", "wks", "week", "weeks"),
    "month": ("mo", "mos", "month", "months"),
    "year": ("y", "yr", "yrs", "year", "years"),
}
_ALIASES = {name: unit for unit, names in UNIT_ALIASES.items() for name in names}

_NUMBER = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
_NUMBER_RE = re.compile(rf"^\s*({_NUMBER})\s*$")
_QUANTITY_RE = re.compile(rf"^\s*({_NUMBER})\s*([A-Za-z]+)\s*$")
_RATE_RE = re.compile(r"^\s*(.+?)\s*(?:/|\bper\b)\s*(.+?)\s*$", re.IGNORECASE)

_DURATION_HINT = "use e.g. '30 min', '2 h', '3 days'"
_RATE_HINT = "use e.g. '20 per day', '1.5 / month' or '3 per 2 hours'"


def _unit_hours(name: str) -> float:
    """Hours in one ``name`` (any alias, any case); ValueError for unknown or ambiguous units."""
    key = name.strip().lower()
    if key == "m":
        raise ValueError(f"'{name}' is ambiguous as a unit; write 'min' for minutes or 'month' for months")
    try:
        return UNIT_HOURS[_ALIASES[key]]
    except KeyError:
        known = ", ".join(UNIT_HOURS)
        raise ValueError(f"unknown time unit '{name}' (known units: {known})") from None


def _check_number(number: float, what: str, shown: object) -> float:
    if math.isnan(number) or math.isinf(number):
        raise ValueError(f"{what} must be a finite number (got {shown!r})")
    if number < 0:
        raise ValueError(f"{what} must not be negative (got {shown!r})")
    return float(number)


def _in_range(result: float, unit: str, shown: object) -> float:
    """``result`` if finite: a finite number times its unit can still overflow ('1e305 years')."""
    if not math.isfinite(result):
        raise ValueError(f"{shown!r} is out of range (more than {_MAX_FLOAT:.3g} {unit})")
    return result


_MAX_FLOAT = 1.7976931348623157e308


def parse_duration(value: object, *, default_unit: str | None = None) -> float:
    """Convert a human duration such as ``"5 min"`` or ``"1.5 weeks"`` to hours.

    A bare number (``30`` or ``"30"``) is accepted only when ``default_unit`` says what it is in;
    zero needs no unit.  ``datetime.timedelta`` values are accepted as well.
    """
    if isinstance(value, bool):
        raise ValueError(f"a duration cannot be a boolean (got {str(value).lower()}); {_DURATION_HINT}")
    if isinstance(value, timedelta):
        return _check_number(value.total_seconds() / 3600.0, "a duration", value)
    if isinstance(value, (int, float)):
        return _bare_duration(float(value), value, default_unit)
    if not isinstance(value, str):
        raise ValueError(f"cannot read {value!r} as a duration; {_DURATION_HINT}")
    text = value.strip()
    if _NUMBER_RE.match(text):
        return _bare_duration(float(text), value, default_unit)
    match = _QUANTITY_RE.match(text)
    if match is None:
        raise ValueError(f"cannot read '{value}' as a duration; {_DURATION_HINT}")
    number, unit = float(match.group(1)), match.group(2)
    try:
        per_unit = _unit_hours(unit)
    except ValueError as exc:
        raise ValueError(f"cannot read '{value}' as a duration: {exc}; {_DURATION_HINT}") from None
    _check_number(number, "a duration", value)
    return _in_range(number * per_unit, "hours", value)


def _bare_duration(number: float, shown: object, default_unit: str | None) -> float:
    number = _check_number(number, "a duration", shown)
    if default_unit is not None:
        return _in_range(number * _unit_hours(default_unit), "hours", shown)
    if number == 0.0:
        return 0.0
    raise ValueError(f"a duration needs a unit, e.g. '30 min' or '2 h' (got {shown!r})")


def parse_rate(value: object, *, default_unit: str | None = None) -> float:
    """Convert a human rate such as ``"20 per day"`` or ``"3 per 2 hours"`` to events per hour.

    A bare number is accepted only with ``default_unit`` (it then means "per one default_unit");
    zero needs no unit.
    """
    if isinstance(value, bool):
        raise ValueError(f"a rate cannot be a boolean (got {str(value).lower()}); {_RATE_HINT}")
    if isinstance(value, (int, float)):
        return _bare_rate(float(value), value, default_unit)
    if not isinstance(value, str):
        raise ValueError(f"cannot read {value!r} as a rate; {_RATE_HINT}")
    text = value.strip()
    if _NUMBER_RE.match(text):
        return _bare_rate(float(text), value, default_unit)
    match = _RATE_RE.match(text)
    if match is None or not _NUMBER_RE.match(match.group(1)):
        raise ValueError(f"cannot read '{value}' as a rate; {_RATE_HINT}")
    count = _check_number(float(match.group(1)), "a rate", value)
    period_text = match.group(2)
    try:
        if re.fullmatch(r"[A-Za-z]+", period_text):
            period = _unit_hours(period_text)
        else:
            period = parse_duration(period_text)
    except ValueError as exc:
        raise ValueError(f"cannot read '{value}' as a rate: {exc}") from None
    if period <= 0:
        raise ValueError(f"cannot read '{value}' as a rate: the period must be longer than zero")
    return _in_range(count / period, "per hour", value)


def _bare_rate(number: float, shown: object, default_unit: str | None) -> float:
    number = _check_number(number, "a rate", shown)
    if default_unit is not None:
        return _in_range(number / _unit_hours(default_unit), "per hour", shown)
    if number == 0.0:
        return 0.0
    raise ValueError(f"a rate needs a time unit, e.g. '20 per day' or '3 per hour' (got {shown!r})")


_EFFORT_HINT = "use e.g. '1.5 h per day' or '20 min per day'"


def parse_effort_rate(value: object, *, default_unit: str | None = None) -> float:
    """Customer time per calendar time, e.g. ``"1.5 h per day"``, as customer hours per hour.

    A bare number means that many ``default_unit`` per ``default_unit`` (a ratio) and is accepted only when
    ``default_unit`` is given; zero needs no unit.
    """
    if isinstance(value, bool):
        raise ValueError(f"an effort rate cannot be a boolean (got {str(value).lower()}); {_EFFORT_HINT}")
    if isinstance(value, (int, float)) or (isinstance(value, str) and _NUMBER_RE.match(value)):
        number = _check_number(float(value), "an effort rate", value)
        if default_unit is not None or number == 0.0:
            if default_unit is not None:
                _unit_hours(default_unit)
            return number
        raise ValueError(f"an effort rate needs units, e.g. '1.5 h per day' (got {value!r})")
    if not isinstance(value, str):
        raise ValueError(f"cannot read {value!r} as an effort rate; {_EFFORT_HINT}")
    match = _RATE_RE.match(value)
    if match is None:
        raise ValueError(f"cannot read '{value}' as an effort rate; {_EFFORT_HINT}")
    try:
        amount = parse_duration(match.group(1), default_unit=default_unit)
        period_text = match.group(2)
        if re.fullmatch(r"[A-Za-z]+", period_text):
            period = _unit_hours(period_text)
        else:
            period = parse_duration(period_text, default_unit=default_unit)
    except ValueError as exc:
        raise ValueError(f"cannot read '{value}' as an effort rate: {exc}") from None
    if period <= 0:
        raise ValueError(f"cannot read '{value}' as an effort rate: the period must be longer than zero")
    return _in_range(amount / period, "hours per hour", value)


# ------------------------------------------------------------------ exact text


_PLURALS = {"day": "days", "week": "weeks", "month": "months", "year": "years"}


def _shortest(number: float, exact: Callable[[float], bool]) -> str | None:
    """The shortest decimal text of ``number`` for which ``exact(float(text))`` holds, if any (no exponent
    between 1e-4 and 1e15, so '300', not '3e+02')."""
    for digits in range(1, 18):
        value = float(f"{number:.{digits}g}")
        if exact(value):
            text = repr(value)
            if "e" in text and 1e-4 <= abs(value) < 1e15:
                text = f"{value:.{digits + 20}f}".rstrip("0")
            return text.removesuffix(".0").rstrip(".")
    return None


def _label(unit: str, text: str) -> str:
    return _PLURALS.get(unit, unit) if float(text) != 1.0 else unit


Candidate = tuple[float, Callable[[float], bool], Callable[[str], str]]


def _shortest_of(candidates: Iterable[Candidate]) -> str | None:
    """Of (number, reads back exactly?, text around the number) candidates, the text with the shortest
    number that reads back exactly; None if none does."""
    best: tuple[int, str] | None = None
    for number, exact, write in candidates:
        text = _shortest(number, exact)
        if text is not None and (best is None or len(text) < best[0]):
            best = (len(text), write(text))
    return None if best is None else best[1]


def duration_text(hours: float) -> str:
    """``hours`` as text that :func:`parse_duration` reads back to exactly ``hours`` ('30 min', '2 days')."""
    if hours == 0:
        return "0 h"
    return _shortest_of(
        (hours / UNIT_HOURS[unit], lambda x, size=UNIT_HOURS[unit]: x * size == hours,
         lambda text, unit=unit: f"{text} {_label(unit, text)}")
        for unit in ("year", "month", "week", "day", "h", "min", "s")
    ) or f"{hours!r} h"


def rate_text(per_hour: float) -> str:
    """``per_hour`` as text that :func:`parse_rate` reads back exactly ('20 per day', '1.5 per month')."""
    if per_hour == 0:
        return "0 per h"
    return _shortest_of(
        (per_hour * UNIT_HOURS[unit], lambda x, size=UNIT_HOURS[unit]: x / size == per_hour,
         lambda text, unit=unit: f"{text} per {unit}")
        for unit in ("h", "day", "week", "month", "year", "min")
    ) or f"{per_hour!r} per h"


def effort_rate_text(ratio: float) -> str:
    """Customer hours per hour as text that :func:`parse_effort_rate` reads back exactly ('1.5 h per day')."""
    if ratio == 0:
        return "0 h per day"
    return _shortest_of(
        (ratio * (UNIT_HOURS[per] / UNIT_HOURS[amount]),
         lambda x, per=per, amount=amount: (x * UNIT_HOURS[amount]) / UNIT_HOURS[per] == ratio,
         lambda text, per=per, amount=amount: f"{text} {amount} per {per}")
        for per in ("day", "h", "week", "month") for amount in ("h", "min")
    ) or f"{ratio!r} h per h"


# (unit label, hours per unit, plural label, switch to the next unit at this many units)
_FORMAT_STEPS: tuple[tuple[str, float, str, float], ...] = (
    ("s", UNIT_HOURS["s"], "s", 60.0),
    ("min", UNIT_HOURS["min"], "min", 60.0),
    ("h", UNIT_HOURS["h"], "h", 48.0),
    ("day", UNIT_HOURS["day"], "days", 90.0),
    ("month", UNIT_HOURS["month"], "months", 24.0),
    ("year", UNIT_HOURS["year"], "years", math.inf),
)


def _three_figures(number: float) -> str:
    if number >= 100:
        return f"{number:.0f}"
    return f"{number:.3g}"


def format_duration(hours: float) -> str:
    """Compact human string for a duration in hours: ``"5 min"``, ``"2.5 h"``, ``"3.2 days"``.

    Three significant figures at most; the unit is chosen so the number stays readable.
    The output can be read back with :func:`parse_duration`.
    """
    hours = float(hours)
    if math.isnan(hours):
        return "nan"
    if math.isinf(hours):
        return "inf" if hours > 0 else "-inf"
    if hours == 0:
        return "0 min"
    sign = "-" if hours < 0 else ""
    magnitude = abs(hours)
    for step in _FORMAT_STEPS:
        text = _three_figures(magnitude / step[1])
        if float(text) < step[3]:
            break
    label, _, plural, _ = step
    return f"{sign}{text} {label if float(text) == 1 else plural}"
