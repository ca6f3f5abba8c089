"""How a number is written, once for every reader: the CLI table and the HTML report print the same text
for the same number (the CLI adds rich styling, the HTML adds classes, nothing else differs).

One rounding rule: about three significant figures (no decimals from 100, one from 10, else two), with
thousands separated. Shares are written as percentages, and their differences in percentage points.
A missing value (undefined, e.g. no case resolved) is written ``–``; an estimate with a note (a Kaplan–Meier
quantile not reached within the horizon) is written as its note, ``>horizon``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from cxsim.catalogue import GROUPS, METRICS
from cxsim.estimates import Difference, Estimate
from cxsim.metrics import is_missing
from cxsim.summary import Summary

MISSING = "–"
MONEY = "$"  # the catalogue's unit of money metrics
SIGNIFICANT = "*"  # marks a paired difference whose 95% interval excludes zero


def _is_share(metric: str | None) -> bool:
    return metric is not None and metric in METRICS and METRICS[metric].is_share


def decimals(shown: float) -> int:
    """The rounding rule: decimals for a value as shown (a share already in percent)."""
    size = abs(shown)
    return 0 if size >= 100 else (1 if size >= 10 else 2)


def number(value: float | None, metric: str | None = None, *, digits: int | None = None,
           sign: bool = True) -> str:
    """A value as shown: ``12.3``, ``1,234``, ``48.2%`` for a share (``48.2`` with ``sign=False``), ``–``
    when missing."""
    if is_missing(value):
        return MISSING
    share = _is_share(metric)
    shown = value * 100.0 if share else value
    places = decimals(shown) if digits is None else digits
    return f"{shown:,.{places}f}" + ("%" if share and sign else "")


def interval(estimate: Estimate, metric: str | None = None, *, prefix: str = "") -> str:
    """``(low–high)`` in the unit of the mean and rounded like it (``48.2% (45.1–51.3)``); empty when there
    is no interval."""
    if is_missing(estimate.low) or is_missing(estimate.high):
        return ""
    places = _places(estimate.mean, metric)
    bounds = (estimate.low, estimate.high)
    if metric in METRICS and not isinstance(estimate, Difference):  # a share within 0-100%, hours >= 0
        bounds = tuple(METRICS[metric].clip(v) for v in bounds)
    low, high = (number(v, metric, digits=places, sign=False) for v in bounds)
    return f"({prefix}{low}–{high})"


def plural(count: float, word: str, words: str | None = None) -> str:
    """``1 ticket``, ``2 tickets``, ``0 tickets``, ``1.50 tickets``: whole counts with thousands separated,
    other numbers by the rounding rule; the singular only for a count written ``1``."""
    whole = isinstance(count, int) or (math.isfinite(count) and float(count).is_integer())
    text = f"{int(count):,}" if whole else number(count)
    return f"{text} {word if text == '1' else (words or word + 's')}"  # as written: 1.0 is '1 ticket'


def _places(mean: float | None, metric: str | None) -> int | None:
    if is_missing(mean):
        return None
    return decimals(mean * 100.0 if _is_share(metric) else mean)


def difference(diff: Difference, metric: str | None = None) -> str:
    """A paired difference, signed (``+1.23``; ``-4.5 pts`` for a share), starred when significant."""
    if is_missing(diff.mean):
        return diff.note or MISSING
    share = _is_share(metric)
    shown = diff.mean * 100.0 if share else diff.mean
    text = f"{shown:+,.{decimals(shown)}f}" + (" pts" if share else "")
    return f"{text} {SIGNIFICANT}" if diff.significant else text


def label(metric: str, currency: str | None = None) -> str:
    """A metric's row label with its unit (shares carry theirs in the value; money is in ``currency``, and
    unlabelled when the scenario names none)."""
    m = METRICS[metric]
    unit = (currency or "") if m.unit == MONEY else m.unit
    return m.label + (f" ({unit})" if unit and not m.is_share else "")


def currency(summary: Summary) -> str | None:
    """The scenario's ``currency`` (None when it names none)."""
    content = summary.scenario_content or {}
    return content.get("currency")


def money(value: float | None, currency: str | None = None) -> str:
    """An amount with its currency: ``$1,234`` for a symbol, ``1,234 EUR`` for a code, ``1,234`` for none."""
    text = number(value)
    if not currency or text == MISSING:
        return text
    return f"{text} {currency}" if currency[-1].isalpha() else f"{currency}{text}"


# ------------------------------------------------------------------ the comparison table


@dataclass(frozen=True)
class Cell:
    """A mean as written, and its interval (empty when there is none)."""

    value: str
    interval: str


@dataclass(frozen=True)
class Delta:
    """A paired difference as written; ``significant`` lets each reader style it (bold, or a class)."""

    text: str
    significant: bool


@dataclass(frozen=True)
class Row:
    """One metric's row of the comparison table."""

    metric: str
    label: str
    indent: bool  # a breakdown of the row above (effort by cause)
    cells: tuple[Cell, ...]
    deltas: tuple[Delta, ...]


@dataclass(frozen=True)
class Section:
    """The rows of one metric group (customer truth, company dashboard, operations), under its heading."""

    group: str
    heading: str
    rows: tuple[Row, ...]


def cell(estimate: Estimate | None, metric: str) -> Cell:
    """A table cell: the mean and its interval, or ``–`` when the estimate is missing."""
    if estimate is None:
        return Cell(MISSING, "")
    if estimate.note is not None:
        return Cell(estimate.note, "")
    return Cell(number(estimate.mean, metric), interval(estimate, metric))


def comparison_table(summary: Summary, designs: Sequence[str] | None = None) -> list[Section]:
    """The comparison table, one section per metric group: per design the mean and its interval, then per
    design other than the baseline the paired difference from it."""
    designs = list(summary.designs) if designs is None else list(designs)
    others = [d for d in designs if d != summary.baseline]
    money_unit = currency(summary)
    rows: dict[str, list[Row]] = {}
    for name, metric in METRICS.items():
        if metric.optional and all(summary.designs[d].metrics.get(name) is None
                                   or summary.designs[d].metrics[name].mean is None for d in designs):
            continue
        diffs = [summary.designs[d].vs_baseline for d in others]
        rows.setdefault(metric.group, []).append(Row(
            metric=name, label=label(name, money_unit), indent=metric.part_of is not None,
            cells=tuple(cell(summary.designs[d].metrics.get(name), name) for d in designs),
            deltas=tuple(Delta(difference(diff[name], name), diff[name].significant) if diff and name in diff
                         else Delta(MISSING, False) for diff in diffs)))
    return [Section(group, GROUPS[group], tuple(rows[group])) for group in GROUPS if group in rows]


def case_type_cells(summary: Summary, designs: Sequence[str]) -> list[tuple[str, list[str]]]:
    """Per case type, a cell per design: ``median effort h / KM median days [resolved-only median d]``
    (the CLI's and the report's per-case-type table)."""
    designs = list(designs)
    types = list(summary.designs[designs[0]].case_types) if designs else []
    out = []
    for ctype in types:
        cells = []
        for design in designs:
            m = summary.designs[design].case_types[ctype]
            km = m["resolution_days_p50"]
            days = km.note if km.note else f"{number(km.mean)} d"
            cells.append(f"{number(m['effort_hours_p50'].mean)} h / {days} "
                         f"[{number(m['resolution_days_resolved_p50'].mean)} d]")
        out.append((ctype, cells))
    return out
