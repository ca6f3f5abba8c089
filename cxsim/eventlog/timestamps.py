"""Timestamps of a log: one format for the whole log, given or detected, never guessed.

Detection reads numeric dates (``2016-02-29 01:16``, ``29/2/2016 01:16``, ``2012/10/09 14:50:17.000``,
ISO 8601 with ``T``, fractions and ``Z``/``+02:00`` offsets). A year first is year-month-day; a year last is
day-first or month-first, decided by the values themselves: some first number above 12 means day-first,
some second number above 12 means month-first. A log where no value tells them apart is refused (asking
for ``--time-format``), as is one with both. Anything else needs an explicit ``strptime`` format.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta, timezone

from cxsim.errors import EventLogError

__all__ = ["parse_timestamps"]

_NUMERIC = re.compile(
    r"\s*(\d{1,4})([-/.])(\d{1,2})\2(\d{1,4})"
    r"(?:(?:T|\s+)(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?"
    r"\s*(Z|[+-]\d{2}(?::?\d{2})?)?\s*"
)
_ORDERS = {"ymd": "year-month-day", "dmy": "day/month/year", "mdy": "month/day/year"}
_EXAMPLES = "'%d/%m/%Y %H:%M' or '%m/%d/%Y %H:%M'"

Where = Callable[[str], tuple[int | None, str | None, str]]  # value -> (line, column, extra text)


def _zone(text: str | None, zones: dict) -> timezone | None:
    if not text:
        return None
    tz = zones.get(text)
    if tz is None:
        if text == "Z":
            tz = timezone.utc
        else:
            digits = text[1:].replace(":", "")
            minutes = int(digits[:2]) * 60 + (int(digits[2:4]) if len(digits) > 2 else 0)
            tz = timezone(timedelta(minutes=-minutes if text[0] == "-" else minutes))
        zones[text] = tz
    return tz


def _fail(message: str, value: str, where: Where, file: str | None) -> EventLogError:
    line, column, extra = where(value)
    return EventLogError(f"{message}{extra}", file=file, line=line, column=column)


def parse_timestamps(values: Mapping[str, object], where: Where, *, time_format: str | None = None,
                     file: str | None = None) -> tuple[dict[str, datetime], str]:
    """Each distinct raw timestamp of a log parsed: ({raw: datetime}, the format's description).

    ``where(raw)`` locates a value for error messages (line, column, extra text). Naive and aware values
    mixed in one log are made comparable by reading the naive ones as UTC. Raises ``EventLogError``.
    """
    if time_format:
        parsed = _explicit(values, where, time_format, file)
        described = time_format
    else:
        parsed, described = _detected(values, where, file)
    if any(v.tzinfo is not None for v in parsed.values()) and any(v.tzinfo is None for v in parsed.values()):
        parsed = {k: v if v.tzinfo is not None else v.replace(tzinfo=timezone.utc) for k, v in parsed.items()}
        described += " (values without an offset read as UTC)"
    return parsed, described


def _explicit(values, where, time_format, file) -> dict[str, datetime]:
    out = {}
    for raw in values:
        try:
            out[raw] = datetime.strptime(raw.strip(), time_format)
        except ValueError:
            raise _fail(f"timestamp {raw!r} does not match --time-format {time_format!r}", raw, where,
                        file) from None
    return out


def _detected(values, where, file) -> tuple[dict[str, datetime], str]:
    matches = {}
    orders = set()
    day_first = month_first = None  # a value proving each order
    for raw in values:
        m = _NUMERIC.fullmatch(raw)
        if m is None:
            raise _fail(f"cannot read timestamp {raw!r}: give its format with --time-format (strptime codes, "
                        f"e.g. {_EXAMPLES})", raw, where, file)
        a, _, b, c = m.group(1, 2, 3, 4)
        if len(a) == 4:
            if len(c) > 2:
                raise _fail(f"cannot read timestamp {raw!r}: a year first needs month and day after it",
                            raw, where, file)
            orders.add("ymd")
        elif len(c) == 4:
            orders.add("dmy/mdy")
            if int(a) > 12 and day_first is None:
                day_first = raw
            if int(b) > 12 and month_first is None:
                month_first = raw
        else:
            raise _fail(f"cannot read timestamp {raw!r} (a two-digit year): give its format with "
                        "--time-format", raw, where, file)
        matches[raw] = m
    if len(orders) > 1:
        raise EventLogError("timestamps mix year-first and year-last dates: give --time-format", file=file)
    order = "ymd"
    if orders == {"dmy/mdy"}:
        if day_first is not None and month_first is not None:
            line, column, extra = where(month_first)
            raise EventLogError(
                f"timestamps mix day-first ({day_first!r}) and month-first ({month_first!r}) dates{extra}",
                file=file, line=line, column=column)
        if day_first is not None:
            order = "dmy"
        elif month_first is not None:
            order = "mdy"
        else:
            ambiguous = next((r for r, m in matches.items() if m.group(1) != m.group(3)), None)
            if ambiguous is not None:
                raise _fail(f"ambiguous dates: no value has a day above 12, so {ambiguous!r} could be "
                            f"day-first or month-first; give --time-format ({_EXAMPLES})",
                            ambiguous, where, file)
            order = "dmy"  # every value has day == month: either order reads the same
    zones: dict = {}
    out = {}
    for raw, m in matches.items():
        a, _, b, c, hh, mm, ss, frac, tz = m.groups()
        y, mo, d = {"ymd": (a, b, c), "dmy": (c, b, a), "mdy": (c, a, b)}[order]
        try:
            out[raw] = datetime(int(y), int(mo), int(d), int(hh or 0), int(mm or 0), int(ss or 0),
                                int((frac or "0")[:6].ljust(6, "0")), _zone(tz, zones))
        except ValueError as err:
            raise _fail(f"timestamp {raw!r} is not a valid {_ORDERS[order]} date ({err})", raw, where,
                        file) from None
    return out, _ORDERS[order] + (" (detected)" if matches else "")
