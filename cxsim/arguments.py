"""The Python API's arguments, checked before anything runs: each refuses a wrong one with a ValueError
naming it in plain words (what it must be, what it got), not Python's or numpy's error from deep inside; a
legitimate value (a numpy integer, a tuple) passes."""

from __future__ import annotations

import difflib
import math
import numbers
from collections.abc import Iterable, Mapping


def whole_number(name: str, value: object, low: int, *, also: str = "") -> int:
    """An API argument that counts (replications, a seed, workers) as an int: any whole real number (an
    int, a numpy integer, 2.0), not a bool, NaN, infinity or text; ``also`` names another accepted value
    (", or None for all cores"). ValueError naming it otherwise (not "invalid literal for int()", nor a
    seed of 1.5 quietly cut to 1)."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        whole = True
    else:
        whole = isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value) \
            and value == int(value)
    if not whole or value < low:  # type: ignore[operator]
        raise ValueError(f"{name} must be a whole number of at least {low}{also} (got {value!r})")
    return int(value)  # type: ignore[call-overload]


def fraction(name: str, value: object, example: str) -> float:
    """An API argument that is a fraction strictly between 0 and 1 (a precision, how far to vary) as a
    float; ValueError naming it otherwise ('5%', 5, NaN)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0 < value < 1:
        raise ValueError(f"{name} must be a fraction between 0 and 1, e.g. {example} (got {value!r})")
    return float(value)


def name_list(name: str, value: object, kind: str, known: Iterable[str] | None = None) -> list[str]:
    """An API argument that lists names (designs, metrics, parameter paths) as a list of at least one:
    text alone is refused (it would be read letter by letter), and with ``known`` every name must be one
    of them (``known_name``). A name given twice counts once."""
    if isinstance(value, (str, bytes)):
        raise ValueError(f"{name} must be a list of {kind}s, not one text: write {name}=[{value!r}]")
    if isinstance(value, Mapping) or not isinstance(value, Iterable):
        raise ValueError(f"{name} must be a list of {kind}s (got {value!r})")
    names = list(value)
    if not names:
        raise ValueError(f"{name} must name at least one {kind} (got an empty list)")
    return list(dict.fromkeys(known_name(name, item, kind, known) for item in names))  # once each


def known_name(name: str, value: object, kind: str, known: Iterable[str] | None = None) -> str:
    """One name (a design, a metric, a path) given to the API: text, and with ``known`` one of them (the
    closest is suggested)."""
    if not isinstance(value, str):
        raise ValueError(f"{name}: a {kind} must be text (got {value!r})")
    if known is not None and value not in (choices := list(known)):
        close = difflib.get_close_matches(value, choices, n=1) or \
            [c for c in choices if value and c.startswith(value)][:1]  # 'effort': 'effort_hours_mean'
        hint = f"; did you mean {close[0]!r}?" if close else ""
        shown = ", ".join(choices[:12]) + (", ..." if len(choices) > 12 else "")
        raise ValueError(f"{name}: unknown {kind} {value!r}{hint} ({kind}s: {shown})")
    return value
