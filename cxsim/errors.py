"""Every error cxsim raises on purpose, in one place: each says in one line what is wrong and where.

``ScenarioError`` (a scenario: file, line, field), ``ExecutorError`` (where replications should run), and
``ResultsFolderError`` (a folder that does not hold a run's results), ``OutputFolderError`` (an output path
cxsim will not write to), ``OpenCasesError`` (a replication stopped: too many cases open at once),
``EventLogError`` (a ticket event log: file, line, column). The CLI prints them as they are and
exits with status 2; anything else is a bug.
"""

from __future__ import annotations

import difflib
import math
import numbers
import re
from collections.abc import Iterable, Mapping

_LINE_BREAKS = re.compile(r"\s*[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]+\s*")


def one_line(text: str) -> str:
    """``text`` with every line break (and the blanks around it) turned into one space."""
    return _LINE_BREAKS.sub(" ", str(text)).strip()


class ScenarioError(Exception):
    """A problem with a scenario, located by file, 1-based line and dotted field (each may be None).

    ``str(err)`` is one line: ``file:line: field: message``; a missing line or field is left out, and a
    missing file is shown as ``<scenario>``.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        field: str | None = None,
    ) -> None:
        self.message: str = one_line(message)
        self.file: str | None = file
        self.line: int | None = line
        self.field: str | None = field or None
        super().__init__(self.message)

    def __str__(self) -> str:
        where = one_line(self.file) if self.file is not None else "<scenario>"
        if self.line is not None:
            where += f":{self.line}"
        parts = [where]
        if self.field:
            parts.append(one_line(self.field))
        parts.append(self.message)
        return ": ".join(parts)

    def __repr__(self) -> str:
        return (
            f"ScenarioError({self.message!r}, file={self.file!r}, line={self.line!r}, field={self.field!r})"
        )


class OpenCasesError(ScenarioError):
    """A replication stopped because it held more cases open at once than its limit: a design so overloaded
    (arrivals, transfers or reopens beyond what its teams serve) that memory would run out before the horizon.
    Located like a ``ScenarioError``, at the design."""


class ExecutorError(RuntimeError):
    """The requested executor cannot be used (e.g. Dask missing, unreachable or at another version)."""


class ResultsFolderError(ValueError):
    """The folder does not hold a cxsim run's results."""


class EventLogError(ValueError):
    """A ticket event log that cannot be read as asked, located by file, 1-based line and column (each may be
    None): a missing file, no such column, an unparseable timestamp, an empty log, broken XML.

    ``str(err)`` is one line: ``file:line: column: message``; a missing line or column is left out.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        column: str | None = None,
    ) -> None:
        self.message: str = one_line(message)
        self.file: str | None = file
        self.line: int | None = line
        self.column: str | None = column or None
        super().__init__(self.message)

    def __str__(self) -> str:
        where = one_line(self.file) if self.file is not None else "<log>"
        if self.line is not None:
            where += f":{self.line}"
        parts = [where]
        if self.column:
            parts.append(one_line(self.column))
        parts.append(self.message)
        return ": ".join(parts)


class OutputFolderError(ValueError):
    """An output path cxsim will not write to: it cannot be written, or it holds files cxsim did not write or
    another scenario's results (``--force`` overrides the latter two)."""


# ------------------------------------------------------------------ the Python API's arguments
# Each refuses a wrong argument before anything runs, with a ValueError naming it in plain words (what it
# must be, what it got), not Python's or numpy's error from deep inside; legitimate values (a numpy
# integer, a tuple) pass.


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
